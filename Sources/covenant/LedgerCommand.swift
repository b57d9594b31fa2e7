import ArgumentParser
import ConsortiumLedger
import CryptoPrimitives
import Foundation
import NodeRuntime
import Runtime

/// `covenant ledger …`: create, show, verify and prove (spec: protocols/ledger.md#cli).
/// Argument parsing and printing only; the logic lives in ConsortiumLedger.
struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Create, inspect, verify and prove the consortium ledger.",
        subcommands: [Init.self, Show.self, Verify.self, ProveInclusion.self, ProveConsistency.self, Copy.self])

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Live audit progress on standard error: `▸ verified 16384 of 100000 entries`.
    static let auditProgress: @Sendable (UInt64, UInt64) -> Void = { verified, total in
        FileHandle.standardError.write(Data("▸ verified \(verified) of \(total) entries\n".utf8))
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Runs `body`, printing a ledger error as `error: <location>: <rule>: <message>` and exiting 2
    /// (the ledger file cannot be read as asked).
    static func reportingErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as LedgerError {
            throw ExitStatus.fail(.invalidInput, "\(error)")
        }
    }

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a ledger with its genesis entry and a cosigned first checkpoint.",
            discussion: """
                Each --member is NAME:ROLES with ROLES a comma list of voting, sequencer, participant. \
                Keys are read from, or created in, KEYS/NAME.key (mode 0600). The first member authors genesis.
                """)

        @Argument(help: "The ledger file to create (SQLite).")
        var ledger: String
        @Option(help: "The consortium's name.")
        var consortium: String
        @Option(name: .customLong("member"), help: "NAME:ROLES, repeated.")
        var members: [String]
        @Option(help: "Distinct voting members required for approvals.")
        var quorum: UInt32
        @Option(help: "Directory of member key files.")
        var keys: String
        @Flag(help: "Also append a sample contract lifecycle and run.")
        var sample = false

        func run() async throws {
            guard !FileManager.default.fileExists(atPath: ledger) else {
                throw ExitStatus.fail(.invalidInput, "\(ledger) already exists")
            }
            var parsed: [(String, MemberRoles)] = []
            for spec in members {
                let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
                guard let roles = MemberRoles(names: (parts.count == 2 ? parts[1] : "").split(separator: ",")) else {
                    throw ValidationError("--member roles are voting, sequencer and participant, got \(spec)")
                }
                guard parts.count == 2, !roles.isEmpty else { throw ValidationError("--member must be NAME:ROLES, got \(spec)") }
                parsed.append((parts[0], roles))
            }
            guard !parsed.isEmpty else { throw ValidationError("at least one --member is required") }
            try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
            try LedgerCommand.reportingErrors {
                var keyring: [String: Ed25519.PrivateKey] = [:]
                var founding: [ConsortiumLedger.Member] = []
                for (name, roles) in parsed {
                    guard Member.isValidName(name) else { throw LedgerError(.invalidMembership, "invalid member name \(name)") }
                    let path = (keys as NSString).appendingPathComponent("\(name).key")
                    let (key, created) = try MemberKeyFile.loadOrCreate(at: path)
                    keyring[name] = key
                    founding.append(ConsortiumLedger.Member(name: name, publicKey: key.publicKey, roles: roles))
                    print("\(created ? "created" : "using") key \(path) for \(name)")
                }
                let genesis = Genesis(consortium: consortium, nonce: SecureRandom.bytes(count: 16), members: founding, quorum: quorum)
                let ledgerFile = try Ledger.create(in: try SQLiteLedgerStore(path: ledger), genesis: genesis, founder: founding[0].name, key: keyring[founding[0].name]!)
                if sample { try LedgerSample.populate(ledgerFile, keys: keyring) }
                let checkpoint = try LedgerSample.checkpoint(ledgerFile, keys: keyring)
                print("created \(ledger): log \(ledgerFile.logID), \(ledgerFile.size) entries, root \(ledgerFile.rootHash)")
                print("checkpoint \(checkpoint.checkpoint.size) signed by \(checkpoint.sequencer), \(checkpoint.cosignatures.count) cosignatures (quorum \(quorum))")
            }
        }
    }

    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy your member's node's replica while the node runs, every entry verified, into a new ledger file (for a new member to accept).",
            discussion: "The copy is a consistent prefix of the log; the new member checks it with 'covenant consortium accept' and its node catches up from the sequencer (protocols/node.md#consortium-changes).")
        @Argument(help: "The new ledger file (never overwritten).")
        var file: String
        @Option(name: .customLong("operator"), help: "The operator directory (covenant operator init).")
        var operatorDirectory: String
        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let (size, root) = try await ExitStatus.reporting { try await OperatorAccess(directory: operatorDirectory).copyLedger(to: file) }
            if json { return print(Operator.text(["file": file, "size": Int(size), "root": root.hex])) }
            print("copied \(size) entries to \(file), every entry verified; root \(root.hex)")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a ledger, then print what it records: members, key ceremonies, contract versions with their sources and approvals, runs with their commitments and published values or abort reasons, checkpoints, and a window of entries.",
            discussion: """
                Nothing is printed from a ledger that fails verification: the command exits 1 naming the \
                entry and rule, or 2 when the file cannot be read as a ledger. With --json, standard output \
                holds exactly one JSON document (contract sources always in full); progress goes to standard error.
                """)

        @Argument(help: "The ledger file.")
        var ledger: String
        @Option(help: "First entry to list.")
        var from: UInt64 = 0
        @Option(help: "Most entries to list.")
        var limit: Int = 100
        @Flag(help: "Print every contract source in full (text mode shortens long ones).")
        var source = false
        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            FileHandle.standardError.write(Data("▸ verifying \(ledger) before showing it…\n".utf8))
            let end = from.addingReportingOverflow(UInt64(max(0, limit)))
            var (report, view) = LedgerAuditor(progress: LedgerCommand.auditProgress)
                .read(path: ledger, entries: from..<(end.overflow ? .max : end.partialValue))
            if report.passed {
                // The runtime's checks, as `covenant audit` makes them (sources, paillier decryptions).
                report = RuntimeAudit.complete(report, path: ledger)
                view = report.passed ? view?.adding(decryptions: report.decryptions) : nil
            }
            guard let view else {
                guard let failure = report.failure else { throw ExitStatus.fail(.internalError, "no view of a ledger that passed") }
                let status = ExitStatus.of(failure)
                let verdict = status == .invalidInput ? "cannot be read as a ledger" : "FAILED verification"
                throw ExitStatus.fail(status, "\(ledger) \(verdict), nothing shown: \(failure.location): \(failure.rule): \(failure.message)")
            }
            if json { return print(try LedgerCommand.json(view)) }
            for line in LedgerViewText.lines(view, fullSources: source) { print(line) }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify every entry, signature, rule and checkpoint; exit 1 naming the first failing entry and rule.")

        @Argument(help: "The ledger file.")
        var ledger: String

        func run() async throws {
            let start = ContinuousClock.now
            let report = LedgerAuditor(progress: LedgerCommand.auditProgress).audit(path: ledger)
            let elapsed = ContinuousClock.now - start
            if let failure = report.failure { try fail(failure) }
            print("ok: \(report.verifiedEntries) entries verified in \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow)))")
            print("root \(report.rootHash)")
            if let final = report.latestFinalCheckpoint {
                print("latest final checkpoint: size \(final); \(report.unfinalisedEntries) entries not yet final")
            } else {
                print("no final checkpoint: all \(report.unfinalisedEntries) entries unfinalised")
            }
        }

        func fail(_ failure: AuditReport.Failure) throws {
            let location = failure.location
            throw ExitStatus.fail(.checkFailed, "\(location): \(failure.rule): \(failure.message)")
        }
    }

    struct ProveInclusion: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prove-inclusion",
            abstract: "Print a verified inclusion proof (RFC 9162 §2.1.3) for one entry.")

        @Argument(help: "The ledger file.")
        var ledger: String
        @Option(help: "The entry index.")
        var index: UInt64
        @Option(help: "The tree size (default: the latest checkpoint covering the entry).")
        var size: UInt64?
        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            try LedgerCommand.reportingErrors {
                let prover = try LedgerProver(store: try SQLiteLedgerStore(readingFrom: ledger))
                let proof = try prover.inclusion(index: index, size: size)
                if json { return print(try LedgerCommand.json(proof)) }
                print("entry \(proof.index) in tree of size \(proof.treeSize): verified\(proof.matchesCheckpoint ? " against the signed checkpoint" : "")")
                print("leaf  \(proof.leafHash)")
                print("root  \(proof.root)")
                for (level, hash) in proof.path.enumerated() { print("path[\(level)] \(hash)") }
                print("proof \(proof.path.count) hashes, \(proof.envelope.count / 2) bytes as envelope: \(proof.envelope)")
            }
        }
    }

    struct ProveConsistency: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prove-consistency",
            abstract: "Print a verified consistency proof (RFC 9162 §2.1.4) between two tree sizes.")

        @Argument(help: "The ledger file.")
        var ledger: String
        @Option(help: "The earlier size.")
        var from: UInt64
        @Option(help: "The later size (default: the whole log).")
        var to: UInt64?
        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            try LedgerCommand.reportingErrors {
                let prover = try LedgerProver(store: try SQLiteLedgerStore(readingFrom: ledger))
                let proof = try prover.consistency(from: from, to: to)
                if json { return print(try LedgerCommand.json(proof)) }
                print("size \(proof.firstSize) → \(proof.secondSize): verified\(proof.matchesCheckpoints ? " against both signed checkpoints" : "")")
                print("first root  \(proof.firstRoot)")
                print("second root \(proof.secondRoot)")
                for (level, hash) in proof.path.enumerated() { print("path[\(level)] \(hash)") }
                print("proof \(proof.path.count) hashes, \(proof.envelope.count / 2) bytes as envelope: \(proof.envelope)")
            }
        }
    }
}
