import ConsortiumLedger
import Foundation
import Testing

/// Founding a consortium of separate machines (protocols/founding.md), each step a separate
/// `covenant` process with its own key directory: no process ever reads another member's keys.
@Suite("Founding a consortium")
struct FoundingTests {
    typealias CLI = CommandLineTests

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
        let second = try CLI.covenant(["consortium", "found", "--name", "Other", "--quorum", "1", "--dir", "\(root)/alice", "--ledger", other] + Array(cards.prefix(2)))
        #expect(second.status == 0, "\(second.err)")
        let outsider = try CLI.covenant(["consortium", "accept", "--dir", "\(root)/carol", "--ledger", other])
        #expect(outsider.status == 2 && outsider.err.contains("does not name carol"), "\(outsider.err)")
        let pinned = try CLI.covenant(["consortium", "accept", "--dir", "\(root)/bob", "--ledger", other])
        #expect(pinned.status == 2 && pinned.err.contains("already accepted consortium \(logID)"), "\(pinned.err)")

        // A card altered after signing, a founder not among the cards, an existing ledger: refused.
        let forged = "\(root)/forged.json"
        try String(contentsOfFile: cards[1], encoding: .utf8).replacingOccurrences(of: "\"bob\"", with: "\"mallory\"")
            .write(toFile: forged, atomically: true, encoding: .utf8)
        let badCard = try CLI.covenant(["consortium", "found", "--name", "X", "--quorum", "1", "--dir", "\(root)/alice", "--ledger", "\(root)/x.sqlite", cards[0], forged])
        #expect(badCard.status == 2 && badCard.err.contains("signature does not verify"), "\(badCard.err)")
        let noFounder = try CLI.covenant(["consortium", "found", "--name", "X", "--quorum", "1", "--dir", "\(root)/alice", "--ledger", "\(root)/y.sqlite", cards[1], cards[2]])
        #expect(noFounder.status == 2 && noFounder.err.contains("founder's own card"), "\(noFounder.err)")
        let exists = try CLI.covenant(["consortium", "found", "--name", "X", "--quorum", "1", "--dir", "\(root)/alice", "--ledger", ledger] + cards)
        #expect(exists.status == 2 && exists.err.contains("already exists"), "\(exists.err)")
        #expect(!FileManager.default.fileExists(atPath: "\(root)/x.sqlite") && !FileManager.default.fileExists(atPath: "\(root)/y.sqlite"))
    }
}
