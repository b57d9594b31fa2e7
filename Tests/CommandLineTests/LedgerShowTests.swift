import Foundation
import Testing

/// `covenant ledger show` as compliance runs it: a demo ledger with a published run and an
/// aborted one, read back verified, in text and as one JSON document; a ledger failing
/// verification shows nothing.
@Suite("Ledger show")
struct LedgerShowTests {
    typealias CLI = CommandLineTests

    @Test("ledger show prints the contract source as proposed, approvals, published values and the abort reason; JSON is one document")
    func showPublishedAndAborted() throws {
        let directory = CLI.temporaryDirectory("show")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let demo = try CLI.covenant(["demo", "--dir", directory, "--members", "3", "--rows", "200", "--protocol", "additive"])
        #expect(demo.status == 0, "\(demo.err)")
        let ledger = directory + "/ledger.sqlite", contract = directory + "/hospital_activity.cov"
        let members = directory + "/members.json"

        // A second published run whose report we keep, then an aborted one (a member's database cut short).
        let run = try CLI.covenant(["run", contract, "--members-config", members, "--json"])
        #expect(run.status == 0, "\(run.err)")
        let published = try #require(try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any])
        let database = directory + "/data/northgate.sqlite"
        let databaseBytes = try Data(contentsOf: URL(fileURLWithPath: database))
        try databaseBytes.prefix(databaseBytes.count / 3).write(to: URL(fileURLWithPath: database))
        let failed = try CLI.covenant(["run", contract, "--members-config", members, "--json"])
        #expect(failed.status == 3, "\(failed.err)")
        let aborted = try #require(try JSONSerialization.jsonObject(with: Data(failed.out.utf8)) as? [String: Any])
        let reason = try #require(aborted["abortReason"] as? String)

        // JSON: exactly one document on standard output, progress on standard error.
        let json = try CLI.covenant(["ledger", "show", ledger, "--json"])
        #expect(json.status == 0, "\(json.err)")
        #expect(json.err.contains("▸ verifying") && !json.out.contains("▸"))
        let view = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        #expect(view["verified"] as? Bool == true)

        let contracts = try #require(view["contracts"] as? [[String: Any]])
        let canonical = try CLI.covenant(["contract", "compile", contract, "--emit", "canonical"])
        let source = try #require(contracts.first?["source"] as? String)
        #expect(canonical.out == source || canonical.out == source + "\n", "\(canonical.out)")
        #expect(contracts.first?["status"] as? String == "active")
        let approvals = try #require(contracts.first?["approvals"] as? [[String: Any]])
        #expect(approvals.count == 2 && approvals.allSatisfy { ($0["approved"] as? [String: Any])?["timestamp"] as? Int ?? 0 > 0 })

        let runs = try #require(view["runs"] as? [[String: Any]])
        #expect(runs.count == 3)
        let shownPublished = try #require(runs.first { $0["runID"] as? String == published["runID"] as? String })
        let result = try #require(shownPublished["result"] as? [String: Any])
        let values = try #require(result["revealedValues"] as? String)
        let revealed = try JSONSerialization.jsonObject(with: Data(values.utf8)) as? NSDictionary
        #expect(revealed == published["publicResult"] as? NSDictionary)
        #expect(result["resultHash"] as? String == published["resultHash"] as? String)
        #expect(result["revealedHash"] as? String == published["revealedHash"] as? String)
        let shownAborted = try #require(runs.first { $0["runID"] as? String == aborted["runID"] as? String })
        #expect(shownAborted["status"] as? String == "aborted" && shownAborted["result"] == nil)
        #expect((shownAborted["abort"] as? [String: Any])?["reason"] as? String == reason)
        // Values revealed to the regulator role only are not on the ledger.
        #expect(!values.contains("readmit_rate"))

        // Text: the source, the approvers, the published values and the abort reason.
        let text = try CLI.covenant(["ledger", "show", ledger, "--source", "--limit", "3"])
        #expect(text.status == 0, "\(text.err)")
        #expect(text.out.contains("contract hospital_activity version 1: active"), "\(text.out)")
        #expect(text.out.contains("    | contract hospital_activity version 1 {"))
        #expect(text.out.contains("approved by st-marys (entry 2"), "\(text.out)")
        #expect(text.out.contains("published values (revealed to all):"))
        #expect(text.out.contains(": \(reason)"))
        #expect(text.out.contains("entries 0–2 of") && text.out.hasSuffix("open runs: none\n"))
        #expect(!text.out.contains("▸"))

        // A ledger that fails verification shows nothing and exits 1 naming the rule; a file that
        // is not a ledger exits 2.
        let tampered = directory + "/tampered.sqlite"
        try FileManager.default.copyItem(atPath: ledger, toPath: tampered)
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sqlite.arguments = ["sqlite3", tampered, "DROP TRIGGER entry_no_update;"]
        try sqlite.run()
        sqlite.waitUntilExit()
        if sqlite.terminationStatus == 0 {
            let bad = try CLI.covenant(["ledger", "show", tampered, "--json"])
            #expect(bad.status == 1 && bad.out.isEmpty, "\(bad.out)")
            #expect(bad.err.contains("FAILED verification, nothing shown") && bad.err.contains("trigger-mismatch"), "\(bad.err)")
        }
        let garbage = directory + "/garbage.sqlite"
        try Data("not a ledger".utf8).write(to: URL(fileURLWithPath: garbage))
        let unreadable = try CLI.covenant(["ledger", "show", garbage])
        #expect(unreadable.status == 2 && unreadable.out.isEmpty && unreadable.err.contains("cannot be read as a ledger"), "\(unreadable.err)")
    }
}
