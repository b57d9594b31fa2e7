import Foundation
import NodeRuntime
import Runtime
import Testing
import _TestSupport

/// Consortium changes across `covenant node run` processes (protocols/node.md#consortium-changes):
/// drafted by one voting member's operator, endorsed by the others' operators on their own nodes,
/// recorded at quorum on every replica, and followed by the views of the next run.
@Suite("Consortium changes across node processes", .serialized)
struct ConsortiumChangeProcessTests {
    typealias Nodes = NodeProcessTests

    static let contract = """
        contract split version 1 {
          input t(v: int)
          compute {
            total = sum(v)
            n = count()
          }
          reveal total to all
          reveal n to role "regulator"
          protocol additive
        }

        """

    @Test("a roles change: refused to an unknown operator, pending below quorum, refused to a non-voting member and twice, stale once the membership moved on; at quorum on every replica, and the next run's role view follows it; the contract then revoked the same way, after which no run starts")
    func rolesChange() async throws {
        // m0 (sequencer, voting), m1 (voting), m2 (participant only); quorum 2; founded without contract roles.
        let fixture = try Nodes.ProcessConsortium.ofColumn(["v\n1\n", "v\n2\n", "v\n4\n5\n"], ledgerRoles: ["m2": "participant"])
        defer { fixture.remove() }
        let root = fixture.root
        let operators = fixture.operators
        let nodes = try fixture.start()
        defer { for node in nodes { node.signal(SIGKILL) } }
        try Self.contract.write(toFile: root + "/split.cov", atomically: true, encoding: .utf8)
        try fixture.adopt("split.cov", name: "split")
        func run(_ arguments: [String], _ access: String, expect: Int32? = 0) throws -> (json: [String: Any], error: String, status: Int32) {
            let outcome = try Nodes.covenant(["consortium", "change"] + arguments + ["--json", "--operator", access], in: root, expect: expect)
            return (Nodes.json(outcome.output), outcome.error, outcome.status)
        }
        func size(_ access: String) -> Int { Nodes.ledgerSize(access, in: root) }

        // An operator key m1's node does not list: refused during the handshake, nothing drafted.
        try Nodes.covenant(
            ["operator", "init", "--dir", "stranger", "--card", "m1/keys/card.json", "--admin", "127.0.0.1:\(fixture.adminPorts[1])"], in: root)
        #expect(try run(["roles", "m2", "--role", "regulator"], "stranger", expect: nil).status != 0)
        #expect((try run(["list"], operators[1]).json["changes"] as? [Any])?.isEmpty == true)

        // m1 drafts: its own endorsement, below the quorum of 2: nothing is written.
        let before = size(operators[0])
        let drafted = try run(["roles", "m2", "--role", "regulator"], operators[1]).json
        let id = try #require(drafted["id"] as? String)
        #expect(drafted["status"] as? String == "pending")
        #expect(drafted["endorsements"] as? [String] == ["m1"])
        #expect(size(operators[0]) == before)
        let listed = try run(["list"], operators[1]).json["changes"] as? [[String: Any]]
        #expect(listed?.count == 1 && listed?.first?["id"] as? String == id)
        let text = try Nodes.covenant(["consortium", "change", "list", "--operator", operators[1]], in: root).output
        #expect(text.contains("change \(id) by m1: contract-roles-changed m2 contract roles [regulator]; endorsed by m1 (1 of quorum 2)"), "\(text)")

        // Refused, each with its reason and a non-zero status: m1 again, the non-voting m2, an unknown id.
        #expect(try run(["endorse", id], operators[1], expect: 3).error.contains("already endorsed"))
        let shown = try run(["show", id], operators[2]).json
        #expect(shown["verifies"] as? Bool == true && shown["member"] as? String == "m2", "\(shown)")
        #expect(shown["verifiedEndorsements"] as? [String] == ["m1"], "\(shown)")
        #expect(try run(["endorse", id], operators[2], expect: 3).error.contains("not a voting member"))
        #expect(try run(["endorse", String(repeating: "0", count: 64)], operators[0], expect: 3).error.contains("holds a pending change"))
        #expect(size(operators[0]) == before)

        // m0 endorses on its own node: the quorum is reached and m1's node records the entry.
        let recorded = try run(["endorse", id], operators[0]).json
        #expect(recorded["status"] as? String == "recorded", "\(recorded)")
        let entry = try #require(recorded["entry"] as? Int)
        for (index, access) in operators.enumerated() {
            #expect(await eventually { size(access) > entry }, "the replica of m\(index) lacks the change")
            let shownLedger = try Nodes.covenant(["ledger", "show", "m\(index)/ledger.sqlite"], in: root, expect: nil).output
            #expect(shownLedger.contains("m2 [participant] contract roles regulator"), "\(shownLedger)")
        }
        #expect((try run(["list"], operators[1]).json["changes"] as? [Any])?.isEmpty == true)

        // The next run, coordinated by m1: the role's output reaches m2 only, whose record now holds it.
        let answer = Nodes.json(try Nodes.covenant(["run", "split", "--json", "--operator", operators[1]], in: root).output)
        #expect(answer["status"] as? String == "published", "\(answer)")
        let runID = try #require(answer["run"] as? String)
        for (index, access) in operators.enumerated() {
            let held = try await OperatorAccess(directory: "\(root)/\(access)").send(["command": "view", "run": runID])
            let outputs = ((held["view"] as? [String: Any])?["groups"] as? [[String: Any]])?.first?["outputs"] as? [String: Any]
            #expect(outputs?["total"] != nil, "m\(index) holds no view")
            #expect((outputs?["n"] != nil) == (index == 2), "m\(index)")
        }

        // Stale: m1's draft waits while m0's change is recorded first; then m0 refuses to endorse m1's.
        let waiting = try #require(try run(["roles", "m0", "--role", "auditor"], operators[1]).json["id"] as? String)
        let other = try #require(try run(["roles", "m2"], operators[0]).json["id"] as? String)
        #expect(try run(["endorse", other], operators[1]).json["status"] as? String == "recorded")
        #expect(try run(["endorse", waiting], operators[0], expect: 3).error.contains("stale"))
        #expect(try run(["withdraw", waiting], operators[1]).json["status"] as? String == "withdrawn")

        // The contract revoked the same way: m0 drafts with its reason, m1 endorses; no run starts after.
        #expect(try run(["revoke-contract", "split", "--reason", ""], operators[0], expect: nil).status != 0)
        #expect(try run(["revoke-contract", "nothing", "--reason", "r"], operators[0], expect: 3).error.contains("no active or proposed version"))
        let revocation = try run(["revoke-contract", "split", "--reason", "consent withdrawn"], operators[0]).json
        #expect(revocation["kind"] as? String == "contract-revoked" && revocation["status"] as? String == "pending", "\(revocation)")
        let revocationID = try #require(revocation["id"] as? String)
        let revoked = try run(["endorse", revocationID], operators[1]).json
        #expect(revoked["status"] as? String == "recorded", "\(revoked)")
        let revokedAt = try #require(revoked["entry"] as? Int)
        for access in operators { #expect(await eventually { size(access) > revokedAt }) }
        let refused = try Nodes.covenant(["run", "split", "--operator", operators[1]], in: root, expect: nil)
        #expect(refused.status != 0 && refused.error.contains("no active version"), "\(refused.error)")
        #expect(try run(["revoke-contract", "split", "--reason", "again"], operators[0], expect: 3).error.contains("no active or proposed version"))
        let shownRevocation = try Nodes.covenant(["ledger", "show", "m2/ledger.sqlite"], in: root, expect: nil).output
        #expect(shownRevocation.contains("consent withdrawn"), "\(shownRevocation)")

        for node in nodes { node.signal(SIGTERM) }
        for node in nodes { #expect(await node.wait(within: .seconds(40)) == 0) }
        for index in 0..<3 {
            let audit = try Nodes.covenant(["audit", "m\(index)/ledger.sqlite"], in: root, expect: nil)
            #expect(!audit.output.contains("FAIL"), "\(audit.output)")
        }
        // m2's view of the run survives a restart of its node, read with `covenant node view`.
        let restarted = try Nodes.NodeProcess(config: "m2/node.json", in: root)
        defer { restarted.signal(SIGKILL) }
        #expect(try Nodes.covenant(["node", "view", "--operator", operators[2]], in: root).output.contains(runID))
        let kept = Nodes.json(try Nodes.covenant(["node", "view", runID, "--operator", operators[2]], in: root).output)
        let keptOutputs = ((kept["groups"] as? [[String: Any]])?.first?["outputs"] as? [String: Any])
        #expect(keptOutputs?["n"] != nil && keptOutputs?["total"] != nil, "\(kept)")
        #expect(try Nodes.covenant(["node", "view", String(repeating: "0", count: 64), "--operator", operators[2]], in: root, expect: nil).status != 0)
        let mode = try FileManager.default.attributesOfItem(atPath: "\(root)/m2/ledger.sqlite.views/\(runID).json")[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test("a member added from running nodes: drafted from its card, endorsed on another node, recorded; it accepts a copy of a running node's replica; the running nodes accept it without a restart once their operators give its address, and its node catches up and coordinates a run of every member; removed again the same way, every node refuses it at once")
    func addMember() async throws {
        let fixture = try Nodes.ProcessConsortium.ofColumn(["v\n1\n", "v\n2\n", "v\n4\n"])
        defer { fixture.remove() }
        let root = fixture.root
        let operators = fixture.operators
        var nodes = try fixture.start()
        defer { for node in nodes { node.signal(SIGKILL) } }
        try fixture.adoptSums()
        func change(_ arguments: [String], _ access: String) throws -> [String: Any] {
            Nodes.json(try Nodes.covenant(["consortium", "change"] + arguments + ["--json", "--operator", access], in: root).output)
        }
        func size(_ access: String) -> Int { Nodes.ledgerSize(access, in: root) }

        // The new member's own keys and card, on its own machine.
        try Nodes.covenant(["member", "init", "m3", "--dir", "m3/keys", "--roles", "voting,participant"], in: root)
        let drafted = try change(["add-member", "m3/keys/card.json", "--quorum-after", "3"], operators[0])
        let id = try #require(drafted["id"] as? String)
        #expect(drafted["status"] as? String == "pending" && drafted["quorumAfter"] as? Int == 3, "\(drafted)")
        let shown = try change(["show", id], operators[2])
        #expect(shown["verifies"] as? Bool == true && shown["member"] as? String == "m3", "\(shown)")
        let recorded = try change(["endorse", id], operators[1])
        #expect(recorded["status"] as? String == "recorded", "\(recorded)")
        let entry = try #require(recorded["entry"] as? Int)
        for access in operators { #expect(await eventually { size(access) > entry }, "\(access) lacks the new member") }

        // No node restarts for it: each follows the ledger's members and accepts the new member's
        // handshakes; its operator tells it where the new node listens. The new member accepts a
        // copy of m2's replica that m2's operator took while m2 runs, every entry verified; a copy
        // never overwrites a file.
        let copied = Nodes.json(try Nodes.covenant(["ledger", "copy", "m3/ledger.sqlite", "--json", "--operator", operators[2]], in: root).output)
        #expect((copied["size"] as? Int ?? 0) > entry, "\(copied)")
        let overwrite = try Nodes.covenant(["ledger", "copy", "m3/ledger.sqlite", "--operator", operators[2]], in: root, expect: nil)
        #expect(overwrite.status == 2 && overwrite.error.contains("already exists"), "\(overwrite.error)")
        // A copy that fails (no node answers at the operator's admin address) leaves no file behind.
        try Nodes.covenant(
            ["operator", "init", "--dir", "nowhere", "--card", "m2/keys/card.json", "--admin", "127.0.0.1:\(NodeDemo.freeLoopbackPorts(1)[0])"], in: root)
        #expect(try Nodes.covenant(["ledger", "copy", "m3/failed.sqlite", "--operator", "nowhere"], in: root, expect: nil).status != 0)
        #expect(!FileManager.default.fileExists(atPath: "\(root)/m3/failed.sqlite"))
        try Nodes.covenant(["consortium", "accept", "--dir", "m3/keys", "--ledger", "m3/ledger.sqlite"], in: root)
        try "v\n8\n".write(toFile: "\(root)/m3/data.csv", atomically: true, encoding: .utf8)
        try #"{"member": "m3", "sources": {"t": {"kind": "csv", "path": "\#(root)/m3/data.csv"}}}"#
            .write(toFile: "\(root)/m3/sources.json", atomically: true, encoding: .utf8)
        let chosen = NodeDemo.freeLoopbackPorts(2)
        let key = try Nodes.covenant(
            ["operator", "init", "--dir", "m3/operator", "--card", "m3/keys/card.json", "--admin", "127.0.0.1:\(chosen[1])"], in: root
        ).output.trimmingCharacters(in: .whitespacesAndNewlines)
        // A member the ledger does not register cannot be given an address; a malformed address is refused.
        #expect(try Nodes.covenant(["node", "peer", "m9", "127.0.0.1:\(chosen[0])", "--operator", operators[0]], in: root, expect: nil).status != 0)
        #expect(try Nodes.covenant(["node", "peer", "m3", "127.0.0.1", "--operator", operators[0]], in: root, expect: nil).status != 0)
        for access in operators {
            let set = try Nodes.covenant(["node", "peer", "m3", "127.0.0.1:\(chosen[0])", "--operator", access], in: root)
            #expect(set.output.contains("m3 at 127.0.0.1:\(chosen[0])"), "\(set.output)")
        }
        let peers = fixture.names.enumerated().map { #""\#($0.element)": "127.0.0.1:\#(fixture.ports[$0.offset])""# }.joined(separator: ", ")
        try """
            {"keys": "keys", "ledger": "ledger.sqlite", "listen": "127.0.0.1:\(chosen[0])", "admin": "127.0.0.1:\(chosen[1])",
             "peers": {\(peers)}, "dataSources": "sources.json", "operators": ["\(key)"], "insecureTestParameters": true}
            """.write(toFile: "\(root)/m3/node.json", atomically: true, encoding: .utf8)
        nodes.append(try Nodes.NodeProcess(config: "m3/node.json", in: root))

        // The new member's node catches up, and a run it coordinates takes every member's input.
        #expect(await eventually { size("m3/operator") == size(operators[0]) })
        let answer = Nodes.json(try Nodes.covenant(["run", "sums", "--json", "--operator", "m3/operator"], in: root).output)
        #expect(answer["status"] as? String == "published", "\(answer)")
        #expect(answer["contributors"] as? [String] == ["m0", "m1", "m2", "m3"], "\(answer)")
        #expect(((answer["publicResult"] as? [String: Any])?["groups"] as? [[String: Any]])?.first?["outputs"] as? [String: Any] != nil)
        #expect("\(answer["publicResult"] ?? "")".contains("15"), "\(answer)")

        // Removed again: drafted on m0, endorsed by m1 and m2 (quorum 3 of the four voting members).
        let removal = try change(["remove-member", "m3"], operators[0])
        let removalID = try #require(removal["id"] as? String)
        #expect(removal["status"] as? String == "pending" && removal["quorumAfter"] as? Int == 3, "\(removal)")
        // The sequencer cannot be removed.
        #expect(try Nodes.covenant(["consortium", "change", "remove-member", "m0", "--operator", operators[1]], in: root, expect: nil).status == 3)
        _ = try change(["endorse", removalID], operators[1])
        let removed = try change(["endorse", removalID], operators[2])
        #expect(removed["status"] as? String == "recorded", "\(removed)")
        let removedAt = try #require(removed["entry"] as? Int)
        for access in operators { #expect(await eventually { size(access) > removedAt }, "\(access) lacks the removal") }
        // Every node refuses m3 at once, without a restart: a run it coordinates cannot reach them,
        // and the others' next run counts only the three members left.
        #expect(try Nodes.covenant(["run", "sums", "--json", "--operator", "m3/operator"], in: root, expect: nil).status != 0)
        let three = Nodes.json(try Nodes.covenant(["run", "sums", "--json", "--operator", operators[1]], in: root).output)
        #expect(three["status"] as? String == "published", "\(three)")
        #expect(three["contributors"] as? [String] == ["m0", "m1", "m2"], "\(three)")
    }
}
