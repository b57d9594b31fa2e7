import Foundation
import Testing
import _TestSupport

/// The `covenant` binary as a user runs it, in real child processes: the demo and the audit of
/// its ledger (with the paillier re-check), and bad input giving a precise message and a non-zero
/// exit, never a crash.
@Suite("Command line")
struct CommandLineTests {
    /// `covenant`, built next to the test bundle (this target depends on it).
    static var binary: URL { TestExecutables.url(named: "covenant") }

    struct Outcome {
        var status: Int32
        var signalled: Bool
        var out: String
        var err: String
    }

    /// Runs `covenant arguments…` with its output in temporary files (no pipe can fill up).
    static func covenant(_ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        let base = NSTemporaryDirectory() + "covenant-cli-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.standardOutput = FileHandle(forWritingAtPath: base + ".out")
        process.standardError = FileHandle(forWritingAtPath: base + ".err")
        try process.run()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
            out: try String(contentsOfFile: base + ".out", encoding: .utf8),
            err: try String(contentsOfFile: base + ".err", encoding: .utf8))
    }

    static func temporaryDirectory(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "covenant-cli-\(name)-\(UUID().uuidString)"
        return path
    }

    @Test("demo, then audit of its ledger: paillier re-checked from the ledger and its evidence; JSON too")
    func demoThenAudit() throws {
        #expect(FileManager.default.fileExists(atPath: Self.binary.path), "covenant at \(Self.binary.path)")
        let directory = Self.temporaryDirectory("demo")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let demo = try Self.covenant(["demo", "--dir", directory, "--members", "3", "--rows", "400", "--key-bits", "1024", "--insecure-test-parameters", "--json"])
        #expect(demo.status == 0 && !demo.signalled, "\(demo.err)")
        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(demo.out.utf8)) as? [String: Any])
        let audit = try #require(outcome["audit"] as? [String: Any])
        #expect(audit["passed"] as? Bool == true)
        let ledger = directory + "/ledger.sqlite"
        let text = try Self.covenant(["audit", ledger])
        #expect(text.status == 0, "\(text.err)")
        #expect(text.out.contains("paillier: aggregate recomputed from the ciphertexts of"), "\(text.out)")
        #expect(text.out.contains("audit PASSED"))
        // Pinned to the log id the demo recorded in members.json: passes; any other id fails.
        let configuration = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/members.json"))) as? [String: Any])
        let logID = try #require(configuration["logID"] as? String)
        let pinned = try Self.covenant(["audit", ledger, "--log-id", logID])
        #expect(pinned.status == 0 && pinned.out.contains("IDENTITY: the log id matches"), "\(pinned.out)")
        let other = try Self.covenant(["audit", ledger, "--log-id", String(logID.reversed())])
        #expect(other.status == 1 && other.err.contains("consortium-mismatch"), "\(other.err)")
        #expect(text.out.contains("IDENTITY NOT CHECKED"))
        // The latest final checkpoint, trusted next time: the ledger extends it; a malformed pin is a usage error.
        let trust = try #require(text.out.split(separator: "\n").first { $0.hasPrefix("trust next time: --checkpoint ") })
        let checkpoint = String(trust.dropFirst("trust next time: --checkpoint ".count))
        let trusted = try Self.covenant(["audit", ledger, "--log-id", logID, "--checkpoint", checkpoint])
        #expect(trusted.status == 0 && trusted.out.contains("HISTORY: the ledger extends the trusted checkpoint"), "\(trusted.out)")
        #expect(trusted.out.contains("audit PASSED"))
        let future = try Self.covenant(["audit", ledger, "--checkpoint", "999999:" + checkpoint.split(separator: ":")[1]])
        #expect(future.status == 1 && future.err.contains("history-mismatch") && future.err.contains("rolled back"), "\(future.err)")
        let malformed = try Self.covenant(["audit", ledger, "--checkpoint", "12"])
        #expect(malformed.status == 64 && malformed.err.contains("SIZE:ROOT"), "\(malformed.err)")
        // Without the evidence (kept off the ledger), the paillier decryption is not checked, and said so.
        let empty = directory + "/empty-evidence"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let blind = try Self.covenant(["audit", ledger, "--evidence", empty])
        #expect(blind.status == 0 && blind.out.contains("paillier run(s) was NOT checked"), "\(blind.out)")
        #expect(!blind.out.contains("paillier: aggregate recomputed"))
        // A mistyped evidence folder is an error, never a silent "not checked".
        let mistyped = try Self.covenant(["audit", ledger, "--evidence", directory + "/no-such-folder"])
        #expect(mistyped.status == 2 && mistyped.err.contains("does not exist"), "\(mistyped.err)")
        // Progress is on standard error (live, unbuffered), never in the result or the JSON.
        #expect(text.err.contains("▸ verified") && !text.out.contains("▸"), "\(text.err)")
        #expect(demo.err.contains("▸ founded consortium") && !demo.out.contains("▸"))
        let json = try Self.covenant(["audit", ledger, "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        let decryptions = try #require(report["decryptions"] as? [[String: Any]])
        #expect(decryptions.count == 1 && decryptions[0]["passed"] as? Bool == true)
        // ledger show re-checks the paillier run as the audit does before printing it.
        let show = try Self.covenant(["ledger", "show", ledger, "--limit", "0"])
        #expect(show.status == 0 && show.out.contains("decryption re-checked: the ciphertexts of"), "\(show.out) \(show.err)")

        // The same ledger cut in half: a precise failure and exit 1, never a crash.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: ledger))
        let truncated = directory + "/truncated.sqlite"
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
        let cut = try Self.covenant(["audit", truncated])
        #expect(cut.status == 1 && !cut.signalled, "\(cut.err)")
        #expect(cut.err.contains("audit FAILED"), "\(cut.err)")
    }

    @Test("bad input: a file that is not a ledger, a malformed contract, a contract no protocol can run")
    func badInput() throws {
        let directory = Self.temporaryDirectory("bad")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let garbage = directory + "/garbage.sqlite"
        try Data("not a ledger".utf8).write(to: URL(fileURLWithPath: garbage))
        let audit = try Self.covenant(["audit", garbage])
        #expect(audit.status == 1 && !audit.signalled)
        #expect(audit.err.contains("audit FAILED"), "\(audit.err)")

        let contract = directory + "/bad.cov"
        try "contract t version 1 {\n  input r(a: int)\n  compute { m = mean(a) }\n  reveal m to all\n  disclose everything\n}\n"
            .write(toFile: contract, atomically: true, encoding: .utf8)
        let check = try Self.covenant(["contract", "check", contract])
        #expect(check.status == 2 && !check.signalled)
        #expect((check.out + check.err).contains("5:12"), "\(check.out)\(check.err)")
        #expect((check.out + check.err).contains("expected 'sums'"))

        let examples = Vectors.repositoryRoot().appendingPathComponent("examples/contracts").path
        let plan = try Self.covenant(["contract", "compile", examples + "/fraud_rates/contract.cov", "--emit", "plan"])
        #expect(plan.status == 0)
        #expect(plan.out.contains("disclose to all: count() group 0"), "\(plan.out)")
        #expect(plan.out.contains("on secrets: linear"))
    }
}

extension CommandLineTests {
    @Test("demo --nodes: every member a separate node process; each protocol equal to the oracle, replicas identical and audited, clean SIGTERM")
    func demoAcrossNodes() throws {
        let directory = Self.temporaryDirectory("demo-nodes")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let demo = try Self.covenant([
            "demo", "--nodes", "--dir", directory, "--members", "3", "--rows", "300", "--key-bits", "1024", "--insecure-test-parameters", "--json",
        ])
        #expect(demo.status == 0, "\(demo.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(demo.out.utf8)) as? [String: Any])
        let runs = try #require(object["runs"] as? [[String: Any]])
        #expect(runs.map { $0["protocol"] as? String } == ["additive", "secagg", "paillier"])
        for run in runs {
            #expect(run["published"] as? Bool == true)
            #expect(run["matchesOracle"] as? Bool == true)
            #expect((run["contributors"] as? [String])?.count == 3)
            // Per-run traffic of every member, as each node counted what it sent.
            let traffic = (run["summary"] as? [String: Any])?["traffic"] as? [String: [String: Int]]
            #expect(traffic?.keys.filter { $0 != "aggregator" }.count == 3)
            #expect(traffic?.values.allSatisfy { ($0["bytes"] ?? 0) > 0 && ($0["rounds"] ?? 0) > 0 } == true)
        }
        #expect(object["replicasAgree"] as? Bool == true)
        #expect((object["exitStatuses"] as? [String: Int])?.values.allSatisfy { $0 == 0 } == true)
        let audits = try #require(object["audits"] as? [[String: Any]])
        #expect(audits.count == 3 && audits.allSatisfy { $0["passed"] as? Bool == true })
        // The paillier run's decryption is re-checked on every replica: its evidence was copied.
        #expect(audits.allSatisfy { $0["decryptionsChecked"] as? Int == 1 && $0["evidenceMissing"] as? Int == 0 }, "\(audits)")
        // Each member's directory holds only its own key.
        for member in ["st-marys", "northgate", "riverside"] {
            let keys = try FileManager.default.contentsOfDirectory(atPath: "\(directory)/nodes/\(member)/keys")
            #expect(keys.contains("signing.key"))
        }
        #expect(try Self.covenant(["demo", "--nodes", "--members", "3", "--drop", "1"]).status == 64)
    }

    @Test("five members as node processes: every replica records what the one-process demo's ledger records")
    func fiveNodesRecordWhatOneProcessRecords() throws {
        let one = Self.temporaryDirectory("demo-one")
        let nodes = Self.temporaryDirectory("demo-five")
        defer {
            try? FileManager.default.removeItem(atPath: one)
            try? FileManager.default.removeItem(atPath: nodes)
        }
        let common = ["--members", "5", "--rows", "200", "--key-bits", "1024", "--insecure-test-parameters", "--json"]
        let embedded = try Self.covenant(["demo", "--dir", one] + common)
        #expect(embedded.status == 0, "\(embedded.err)")
        let separate = try Self.covenant(["demo", "--nodes", "--dir", nodes] + common)
        #expect(separate.status == 0, "\(separate.err)")

        /// What a ledger records, without what differs by construction (signatures, timestamps,
        /// run ids, commitments' nonces, who proposed and who coordinated): its members and roles,
        /// each contract's source and approvers, each run's protocol, participants, status,
        /// contributors, circuit, committing members and revealed values, and its entry kinds.
        func content(_ ledger: String) throws -> [String] {
            let shown = try Self.covenant(["ledger", "show", ledger, "--json"])
            #expect(shown.status == 0, "\(shown.err)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(shown.out.utf8)) as? [String: Any])
            var lines: [String] = []
            for member in object["members"] as? [[String: Any]] ?? [] {
                lines.append("member \(member["name"] ?? "") \(member["roles"] ?? "")")
            }
            for contract in object["contracts"] as? [[String: Any]] ?? [] {
                let approvers = (contract["approvals"] as? [[String: Any]] ?? []).compactMap { $0["member"] as? String }.sorted()
                lines.append("contract \(contract["name"] ?? "") approved by \(approvers) source \(contract["source"] ?? "")")
            }
            for run in object["runs"] as? [[String: Any]] ?? [] {
                let result = run["result"] as? [String: Any] ?? [:]
                let committed = (run["commitments"] as? [[String: Any]] ?? []).compactMap { $0["member"] as? String }.sorted()
                let participants = (run["participants"] as? [String] ?? []).sorted()
                lines.append("""
                    run \(run["protocolName"] ?? "") \(run["status"] ?? "") participants \(participants) committed \(committed) \
                    circuit \(run["circuitHash"] ?? "") contributors \(result["contributors"] ?? "") revealed \(result["revealedValues"] ?? "")
                    """)
            }
            let kinds = (object["entries"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }.sorted()
            lines.append("entries \(kinds)")
            return lines.sorted()
        }
        let expected = try content(one + "/ledger.sqlite")
        #expect(expected.filter { $0.hasPrefix("run ") }.count == 3)
        let members = try FileManager.default.contentsOfDirectory(atPath: nodes + "/nodes").filter { $0 != "shares" }
        #expect(members.count == 5)
        for member in members {
            #expect(try content("\(nodes)/nodes/\(member)/ledger.sqlite") == expected, "the replica of \(member)")
        }
    }
}
