import ArgumentParser
import ConsortiumLedger
import Foundation
import Runtime

/// `covenant member init` and `covenant consortium found|accept`: founding a consortium of
/// separate machines, each member holding only its own keys (spec: protocols/founding.md).
/// Parsing and printing only.
/// `text` with control characters replaced: names read from a ledger or a card are printed
/// without letting them drive the terminal.
func printable(_ text: String) -> String {
    String(String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "\u{FFFD}" : $0 }))
}

struct MemberCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "member",
        abstract: "A member's own keys and card, made on its own machine.",
        subcommands: [Init.self])

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create this member's keys (never shown) and its signed card (to send to the founder).",
            discussion: "Writes DIR/signing.key and DIR/encryption.key (mode 0600, in a 0700 directory) and DIR/card.json; refuses a directory that already holds keys.")

        @Argument(help: "The member's name (1–64 of A–Z, a–z, 0–9, '.', '_', '-').")
        var name: String
        @Option(help: "The member's key directory.")
        var dir: String
        @Option(help: "Comma-separated ledger roles: voting, sequencer, participant.")
        var roles = "voting,participant"
        @Option(help: "The address its node will listen on, host:port.")
        var address: String?

        func run() async throws {
            guard let parsed = MemberRoles(names: roles.split(separator: ",")) else {
                throw ValidationError("--roles takes voting, sequencer and participant, got \(roles)")
            }
            let directory = MemberKeyDirectory(path: dir)
            try await ExitStatus.reporting {
                let card = try directory.create(name: name, roles: parsed, address: address)
                print("created the keys of \(card.name) in \(dir) (kept there, never shown)")
                print("card: \(directory.cardPath): send it to the founder")
                print("fingerprint: \(card.fingerprint): read it to the other members to check the card they received")
            }
        }
    }
}

/// `--role ROLE=MEMBER[,MEMBER…]`, repeated, as role → holders; a role given twice is refused.
func parseContractRoles(_ options: [String]) throws -> [String: [String]] {
    var roles: [String: [String]] = [:]
    for option in options {
        let parts = option.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let holders = parts.count == 2 ? parts[1].split(separator: ",").map(String.init) : []
        guard parts.count == 2, !parts[0].isEmpty, !holders.isEmpty else {
            throw ValidationError("--role takes ROLE=MEMBER[,MEMBER…], e.g. --role regulator=st-marys")
        }
        guard roles[String(parts[0])] == nil else { throw ValidationError("--role \(printable(String(parts[0]))) is given twice; list its holders once") }
        roles[String(parts[0])] = holders
    }
    return roles
}

struct ConsortiumCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consortium",
        abstract: "Found a consortium from the members' cards, accept one, or change its members' contract roles and membership.",
        subcommands: [Found.self, Accept.self, ChangeCommand.self])

    struct Found: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new ledger whose genesis entry names the members of the given cards, signed by the founder.")

        @Argument(help: "The members' card files (the founder's included).")
        var cards: [String]
        @Option(help: "The consortium's name.")
        var name: String
        @Option(help: "Distinct voting members required for approvals.")
        var quorum: Int
        @Option(help: "The founder's own key directory.")
        var dir: String
        @Option(help: "The ledger file to create.")
        var ledger: String
        @Option(
            name: .customLong("role"),
            help: "A contract role and its holders, ROLE=MEMBER[,MEMBER…] (repeated): `reveal … to role \"ROLE\"` reaches exactly these members; recorded in the genesis entry.")
        var roles: [String] = []

        func run() async throws {
            guard !cards.isEmpty else { throw ValidationError("give the members' card files") }
            let contractRoles = try parseContractRoles(roles)
            try await ExitStatus.reporting {
                let read = try cards.map(MemberCard.read(path:))
                let logID = try ConsortiumFounding.found(
                    consortium: name, quorum: quorum, cards: read, contractRoles: contractRoles, founder: MemberKeyDirectory(path: dir),
                    ledgerPath: ledger)
                print("founded \(name) in \(ledger): log id \(logID.hex)")
                for card in read { print("  \(card.name) [\(card.roles.names.joined(separator: ","))] fingerprint \(card.fingerprint)") }
                print("contract roles: \(ConsortiumFounding.describe(contractRoles.mapValues { Set($0).sorted() }))")
                print("send \(ledger) to every member; each runs 'covenant consortium accept'")
            }
        }
    }

    struct Accept: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a founded ledger (it verifies and names this member with its own key) and pin its log id.")

        @Option(help: "This member's key directory.")
        var dir: String
        @Option(help: "The ledger the founder sent.")
        var ledger: String
        @Option(
            name: .customLong("role"),
            help: "A contract role this member agreed to, ROLE=MEMBER[,MEMBER…] (repeated); the ledger must record exactly these roles.")
        var roles: [String] = []

        func run() async throws {
            let contractRoles = try parseContractRoles(roles)
            try await ExitStatus.reporting {
                let accepted = try ConsortiumFounding.accept(ledgerPath: ledger, member: MemberKeyDirectory(path: dir), contractRoles: contractRoles)
                print("accepted \(printable(accepted.consortium)): log id \(accepted.logID.hex) (pinned in \(dir)/consortium.json)")
                print("members (quorum \(accepted.quorum)); compare each fingerprint with the member itself:")
                for member in accepted.members {
                    print("  \(member.name) [\(member.roles.joined(separator: ","))] fingerprint \(member.fingerprint)")
                }
                print("contract roles: \(printable(ConsortiumFounding.describe(accepted.contractRoles)))")
            }
        }
    }
}

struct CeremonyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ceremony",
        abstract: "The Paillier key ceremony: deal a threshold key with shares sealed to their holders, or accept one's share.",
        subcommands: [Deal.self, Accept.self])

    struct Deal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deal a threshold Paillier key, record it on the ledger, and seal each share to its holder's card.",
            discussion: "The dealer learns the whole key while dealing and keeps none of it; the ceremony entry names it as author (protocols/founding.md#key-ceremony).")

        @Argument(help: "The key holders' card files, in share order.")
        var cards: [String]
        @Option(help: "The dealer's own key directory.")
        var dir: String
        @Option(help: "The ledger (the dealer's copy; the ceremony is appended to it).")
        var ledger: String
        @Option(help: "Modulus size in bits (at least 2048 unless --insecure-test-parameters).")
        var bits = 2048
        @Option(help: "Shares needed to decrypt (default: a majority of the holders).")
        var threshold: Int?
        @Option(help: "Where the sealed shares go (NAME.share each).")
        var out: String
        @Flag(help: "Allow keys below 2048 bits and minority thresholds (tests only; the audit flags them).")
        var insecureTestParameters = false

        func run() async throws {
            guard !cards.isEmpty else { throw ValidationError("give the key holders' card files") }
            try await ExitStatus.reporting {
                let read = try cards.map(MemberCard.read(path:))
                let (ceremony, files) = try KeyCeremonyDealing.deal(
                    ledgerPath: ledger, dealer: MemberKeyDirectory(path: dir), cards: read, bits: bits, threshold: threshold,
                    parameters: insecureTestParameters ? .insecureForTests : .production, outDirectory: out)
                print("key ceremony \(ceremony.hex) recorded in \(ledger)")
                for file in files { print("  sealed share: \(file): send it to its holder") }
            }
        }
    }

    struct Accept: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open this member's sealed share, check it against the ceremony on the ledger, and keep it.")

        @Argument(help: "The sealed share file.")
        var share: String
        @Option(help: "This member's key directory.")
        var dir: String
        @Option(help: "The ledger holding the ceremony.")
        var ledger: String

        func run() async throws {
            try await ExitStatus.reporting {
                let (ceremony, index) = try KeyCeremonyDealing.accept(sharePath: share, ledgerPath: ledger, member: MemberKeyDirectory(path: dir))
                print("accepted share \(index) of key ceremony \(ceremony.hex) (kept in \(dir)/shares, never shown)")
            }
        }
    }
}
