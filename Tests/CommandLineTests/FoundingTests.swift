import ConsortiumLedger
import Foundation
import Testing

/// Founding a consortium of separate machines (protocols/founding.md), each step a separate
/// `covenant` process with its own key directory: no process ever reads another member's keys.
@Suite("Founding a consortium")
struct FoundingTests {
    typealias CLI = CommandLineTests

    @Test("contract roles are founded on the ledger: the genesis records them, each member accepts only the roles it agreed to, a role naming no founding member is refused, and the audit shows them")
    func foundWithContractRoles() throws {
        let root = CLI.temporaryDirectory("founding-roles")
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (name, roles) in [("alice", "voting,sequencer,participant"), ("bob", "voting,participant"), ("carol", "voting,participant")] {
            let made = try CLI.covenant(["member", "init", name, "--dir", "\(root)/\(name)", "--roles", roles])
            #expect(made.status == 0, "\(made.err)")
        }
        let cards = ["alice", "bob", "carol"].map { "\(root)/\($0)/card.json" }
        let ledger = "\(root)/ledger.sqlite"
        func found(_ roles: [String]) throws -> CLI.Outcome {
            try CLI.covenant(
                ["consortium", "found", "--name", "Hospitals", "--quorum", "2", "--dir", "\(root)/alice", "--ledger", ledger]
                    + roles.flatMap { ["--role", $0] } + cards)
        }
        // A role naming a member without a card: refused, and no ledger is written.
        let ghost = try found(["regulator=ghost"])
        #expect(ghost.status == 2 && ghost.err.contains("the contract role regulator names ghost, which is not a founding member"), "\(ghost.err)")
        #expect(!FileManager.default.fileExists(atPath: ledger))
        let malformed = try found(["regulator"])
        #expect(malformed.status != 0 && malformed.err.contains("--role takes ROLE=MEMBER"), "\(malformed.err)")
        let badName = try found(["data officer=bob"])
        #expect(badName.status == 2 && badName.err.contains("a contract role name is 1–64 characters"), "\(badName.err)")

        let founded = try found(["regulator=alice", "auditor=bob,carol"])
        #expect(founded.status == 0 && founded.out.contains("contract roles: auditor: bob, carol; regulator: alice"), "\(founded.out)\(founded.err)")
        // The genesis entry itself records them, member by member.
        let store = try SQLiteLedgerStore(readingFrom: ledger)
        let genesis = try #require(try store.entries(from: 0, limit: 1).first)
        guard case .genesis(let payload) = try SignedEntry.decode(genesis.bytes, at: 0).entry.payload else {
            Issue.record("entry 0 is not a genesis entry")
            return
        }
        #expect(Dictionary(uniqueKeysWithValues: payload.members.map { ($0.name, $0.contractRoles) })
            == ["alice": ["regulator"], "bob": ["auditor"], "carol": ["auditor"]])

        // A member accepts only the roles it agreed to: none, or others, are refused.
        let unaware = try CLI.covenant(["consortium", "accept", "--dir", "\(root)/bob", "--ledger", ledger])
        #expect(unaware.status == 2 && unaware.err.contains("records the contract roles auditor: bob, carol; regulator: alice; this member agreed to none"), "\(unaware.err)")
        let other = try CLI.covenant(["consortium", "accept", "--dir", "\(root)/bob", "--ledger", ledger, "--role", "regulator=bob", "--role", "auditor=bob,carol"])
        #expect(other.status == 2 && other.err.contains("this member agreed to auditor: bob, carol; regulator: bob"), "\(other.err)")
        #expect(!FileManager.default.fileExists(atPath: "\(root)/bob/consortium.json"))
        for name in ["bob", "carol"] {
            let accepted = try CLI.covenant(
                ["consortium", "accept", "--dir", "\(root)/\(name)", "--ledger", ledger, "--role", "auditor=carol,bob", "--role", "regulator=alice"])
            #expect(accepted.status == 0 && accepted.out.contains("contract roles: auditor: bob, carol; regulator: alice"), "\(accepted.err)")
        }
        let audit = try CLI.covenant(["audit", ledger])
        #expect(audit.status == 0 && audit.out.contains("contract roles (on the ledger): auditor: bob, carol; regulator: alice"), "\(audit.out)")
        let shown = try CLI.covenant(["ledger", "show", ledger])
        #expect(shown.status == 0 && shown.out.contains("alice [voting,sequencer,participant] contract roles regulator key"), "\(shown.out)")
    }

    @Test("members make their own keys and cards; the founder signs genesis from the cards; each member checks and pins it")
    func foundAndAccept() throws {
        let root = CLI.temporaryDirectory("founding")
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (name, roles) in [("alice", "voting,sequencer,participant"), ("bob", "voting,participant"), ("carol", "voting,participant")] {
            let made = try CLI.covenant(["member", "init", name, "--dir", "\(root)/\(name)", "--roles", roles, "--address", "127.0.0.1:7001"])
            #expect(made.status == 0 && made.out.contains("fingerprint: "), "\(made.err)")
            // The private keys are the member's alone: owner-only files in an owner-only directory.
            let mode = try FileManager.default.attributesOfItem(atPath: "\(root)/\(name)/signing.key")[.posixPermissions] as? Int
            #expect(mode == 0o600)
            #expect(try FileManager.default.attributesOfItem(atPath: "\(root)/\(name)")[.posixPermissions] as? Int == 0o700)
        }
        // Keys are never overwritten.
        let again = try CLI.covenant(["member", "init", "bob", "--dir", "\(root)/bob"])
        #expect(again.status == 2 && again.err.contains("never overwritten"), "\(again.err)")
        let cards = ["alice", "bob", "carol"].map { "\(root)/\($0)/card.json" }
        let ledger = "\(root)/ledger.sqlite"
        let founded = try CLI.covenant(["consortium", "found", "--name", "Hospitals", "--quorum", "2", "--dir", "\(root)/alice", "--ledger", ledger] + cards)
        #expect(founded.status == 0, "\(founded.err)")
        let logID = try #require(founded.out.split(whereSeparator: \.isWhitespace).first { $0.count == 64 }.map(String.init))
        // Each member checks the ledger names it with its own key, and pins the log id.
        for name in ["bob", "carol"] {
            let accepted = try CLI.covenant(["consortium", "accept", "--dir", "\(root)/\(name)", "--ledger", ledger])
            #expect(accepted.status == 0 && accepted.out.contains(logID), "\(accepted.err)")
            let pin = try String(contentsOfFile: "\(root)/\(name)/consortium.json", encoding: .utf8)
            #expect(pin.contains(logID))
        }
        // The audit of the founded ledger passes pinned to that log id.
        let audit = try CLI.covenant(["audit", ledger, "--log-id", logID])
        #expect(audit.status == 0 && audit.out.contains("IDENTITY: the log id matches"), "\(audit.out)")

        // A ledger of another genesis: a member that did not make it in refuses it, and a member
        // that already accepted one consortium refuses another.
        let other = "\(root)/other.sqlite"
        let again2 = try CLI.covenant(["consortium", "found", "--name", "Other", "--quorum", "1", "--dir", "\(root)/alice", "--ledger", other] + Array(cards.prefix(2)))
        #expect(again2.status == 2 && again2.err.contains("a key directory serves one consortium"), "\(again2.err)")
        _ = try CLI.covenant(["member", "init", "dave", "--dir", "\(root)/dave", "--roles", "voting,sequencer,participant"])
        let second = try CLI.covenant(["consortium", "found", "--name", "Other", "--quorum", "1", "--dir", "\(root)/dave", "--ledger", other, "\(root)/dave/card.json", cards[1]])
        #expect(second.status == 0, "\(second.err)")
        let outsider = try CLI.covenant(["consortium", "accept", "--dir", "\(root)/carol", "--ledger", other])
        #expect(outsider.status == 2 && outsider.err.contains("does not name carol"), "\(outsider.err)")
        let pinned = try CLI.covenant(["consortium", "accept", "--dir", "\(root)/bob", "--ledger", other])
        #expect(pinned.status == 2 && pinned.err.contains("already accepted consortium \(logID)"), "\(pinned.err)")
        // A dealer that accepted no consortium may not deal.
        _ = try CLI.covenant(["member", "init", "erin", "--dir", "\(root)/erin"])
        let unpinned = try CLI.covenant(["ceremony", "deal", "--dir", "\(root)/erin", "--ledger", ledger, "--bits", "1024", "--insecure-test-parameters", "--out", "\(root)/erin-out"] + cards)
        #expect(unpinned.status == 2 && unpinned.err.contains("accepted no consortium"), "\(unpinned.err)")

        // The key ceremony: the dealer seals each share to its holder; each holder opens its own,
        // checks it against the ceremony on the ledger and keeps it; no one else can open it.
        let shares = "\(root)/shares"
        let dealt = try CLI.covenant(["ceremony", "deal", "--dir", "\(root)/alice", "--ledger", ledger, "--bits", "1024", "--insecure-test-parameters", "--out", shares] + cards)
        #expect(dealt.status == 0 && dealt.out.contains("key ceremony "), "\(dealt.err)")
        let production = try CLI.covenant(["ceremony", "deal", "--dir", "\(root)/alice", "--ledger", ledger, "--bits", "1024", "--out", "\(root)/weak"] + cards)
        #expect(production.status == 2 && production.err.contains("below the production minimum"), "\(production.err)")
        let stolen = try CLI.covenant(["ceremony", "accept", "\(shares)/carol.share", "--dir", "\(root)/bob", "--ledger", ledger])
        #expect(stolen.status == 2 && stolen.err.contains("sealed to carol, not to bob"), "\(stolen.err)")
        var sealed = try String(contentsOfFile: "\(shares)/bob.share", encoding: .utf8)
        let box = try #require(sealed.range(of: #""box" : "[0-9a-f]{2}"#, options: .regularExpression))
        sealed.replaceSubrange(sealed.index(box.upperBound, offsetBy: -2)..<box.upperBound, with: sealed[sealed.index(box.upperBound, offsetBy: -2)..<box.upperBound] == "00" ? "01" : "00")
        try sealed.write(toFile: "\(root)/tampered.share", atomically: true, encoding: .utf8)
        let tampered = try CLI.covenant(["ceremony", "accept", "\(root)/tampered.share", "--dir", "\(root)/bob", "--ledger", ledger])
        #expect(tampered.status == 2 && tampered.err.contains("does not open"), "\(tampered.err)")
        for (index, name) in ["alice", "bob", "carol"].enumerated() {
            let accepted = try CLI.covenant(["ceremony", "accept", "\(shares)/\(name).share", "--dir", "\(root)/\(name)", "--ledger", ledger])
            #expect(accepted.status == 0 && accepted.out.contains("accepted share \(index + 1) of key ceremony"), "\(accepted.err)")
            let kept = try FileManager.default.contentsOfDirectory(atPath: "\(root)/\(name)/shares")
            #expect(kept.count == 1)
            #expect(try FileManager.default.attributesOfItem(atPath: "\(root)/\(name)/shares/\(kept[0])")[.posixPermissions] as? Int == 0o600)
            #expect(!(try String(contentsOfFile: "\(root)/\(name)/shares/\(kept[0])", encoding: .utf8)).isEmpty)
        }
        let ceremonyAudit = try CLI.covenant(["audit", ledger, "--log-id", logID])
        #expect(ceremonyAudit.status == 0 && ceremonyAudit.out.contains("WEAK PARAMETERS"), "\(ceremonyAudit.out)")

        // A card altered after signing, a founder not among the cards, an existing ledger: refused.
        let forged = "\(root)/forged.json"
        try String(contentsOfFile: cards[1], encoding: .utf8).replacingOccurrences(of: "\"bob\"", with: "\"mallory\"")
            .write(toFile: forged, atomically: true, encoding: .utf8)
        let badCard = try CLI.covenant(["consortium", "found", "--name", "X", "--quorum", "1", "--dir", "\(root)/alice", "--ledger", "\(root)/x.sqlite", cards[0], forged])
        #expect(badCard.status == 2 && badCard.err.contains("signature does not verify"), "\(badCard.err)")
        let noFounder = try CLI.covenant(["consortium", "found", "--name", "X", "--quorum", "1", "--dir", "\(root)/erin", "--ledger", "\(root)/y.sqlite", cards[1], cards[2]])
        #expect(noFounder.status == 2 && noFounder.err.contains("founder's own card"), "\(noFounder.err)")
        let exists = try CLI.covenant(["consortium", "found", "--name", "X", "--quorum", "1", "--dir", "\(root)/alice", "--ledger", ledger] + cards)
        #expect(exists.status == 2 && exists.err.contains("already exists"), "\(exists.err)")
        #expect(!FileManager.default.fileExists(atPath: "\(root)/x.sqlite") && !FileManager.default.fileExists(atPath: "\(root)/y.sqlite"))
    }
}
