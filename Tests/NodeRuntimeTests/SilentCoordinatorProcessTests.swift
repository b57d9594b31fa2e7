import Foundation
import NodeRuntime
import Testing
import _TestSupport

/// A coordinator SIGKILLed mid-run: its participants close the run once it is older than their
/// `coordinatorTimeoutSeconds` and the coordinator does not answer (protocols/node.md#runs-across-nodes).
@Suite("Runs of a dead coordinator closed by the participants", .serialized)
struct SilentCoordinatorProcessTests {
    typealias Nodes = NodeProcessTests

    @Test("a coordinator SIGKILLed after the inputs are committed: the participants abort its run ('coordinator unreachable') on every replica; restarted, it runs again")
    func participantsCloseTheRun() async throws {
        let fixture = try Nodes.ProcessConsortium.ofColumn(["v\n1\n", "v\n2\n", "v\n4\n"])
        defer { fixture.remove() }
        let root = fixture.root
        let operators = fixture.operators
        for name in fixture.names {
            let file = "\(root)/\(name)/node.json"
            try (try String(contentsOfFile: file, encoding: .utf8))
                .replacingOccurrences(of: #""participantSubsets":"#, with: #""coordinatorTimeoutSeconds": 2, "participantSubsets":"#)
                .write(toFile: file, atomically: true, encoding: .utf8)
        }
        var nodes = try fixture.start()
        defer { for node in nodes { node.signal(SIGKILL) } }
        try fixture.adoptSums()
        func openRuns(_ access: String) -> [String]? { Nodes.status(access, in: root)["openRuns"] as? [String] }

        // m1 (not the sequencer) coordinates and dies by SIGKILL once every input is committed.
        nodes[1].signal(SIGTERM)
        #expect(await nodes[1].wait(within: .seconds(40)) == 0)
        nodes[1] = try Nodes.NodeProcess(config: "m1/node.json", in: root, crashAt: "coordinate")
        #expect(try Nodes.covenant(["run", "sums", "--operator", operators[1]], in: root, expect: nil).status != 0)
        _ = nodes[1].wait()

        // Its participants find it silent past the timeout and close the run, on every live replica.
        for access in [operators[0], operators[2]] {
            #expect(await eventually(within: .seconds(90)) { openRuns(access)?.isEmpty == true }, "the run stays open on \(access)")
        }
        let shown = try Nodes.covenant(["ledger", "show", "m2/ledger.sqlite"], in: root, expect: nil).output
        #expect(shown.contains("coordinator unreachable: m1"), "\(shown)")

        // Restarted, the coordinator catches up (nothing left to close) and coordinates again.
        nodes[1] = try Nodes.NodeProcess(config: "m1/node.json", in: root)
        #expect(await eventually { openRuns(operators[1])?.isEmpty == true })
        // The others reach it again once their links' back-off (at most backoffMaximum) has
        // passed: an unknown change id is looked up on every other voting member's node, and the
        // refusal names those that could not be reached.
        for access in [operators[0], operators[2]] {
            #expect(await eventually {
                let probe = try? Nodes.covenant(["consortium", "change", "show", String(repeating: "0", count: 64), "--operator", access], in: root, expect: nil)
                return probe.map { $0.status == 3 && !$0.error.contains("not reachable") } ?? false
            }, "\(access) does not reach m1 again")
        }
        let again = Nodes.json(try Nodes.covenant(["run", "sums", "--json", "--operator", operators[1]], in: root).output)
        #expect(again["status"] as? String == "published", "\(again)")
        for node in nodes { node.signal(SIGTERM) }
        for node in nodes { #expect(await node.wait(within: .seconds(40)) == 0) }
        for name in fixture.names {
            let audit = try Nodes.covenant(["audit", "\(name)/ledger.sqlite"], in: root, expect: nil)
            #expect(!audit.output.contains("FAIL"), "\(audit.output)")
        }
    }
}
