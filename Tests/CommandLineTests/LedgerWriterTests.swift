import ConsortiumLedger
import Foundation
import Testing
import _TestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// No run left ambiguous (issue 13), with real `covenant` processes on one ledger: concurrent
/// `covenant run`s take turns (each run ends with exactly one of published or aborted), and a
/// `covenant run` killed with SIGKILL mid-run leaves an open run that readers report and the
/// next `covenant run` closes with its reason.
@Suite("One writer per ledger", .serialized)
struct LedgerWriterTests {
    struct Demo {
        var directory: String
        var contract: String
        var members: String
        var ledger: String
    }

    /// A demo consortium (additive only) whose files `covenant run` reuses.
    static func demo(_ name: String) throws -> Demo {
        let directory = CommandLineTests.temporaryDirectory(name)
        let demo = try CommandLineTests.covenant(["demo", "--dir", directory, "--members", "3", "--rows", "60", "--protocol", "additive", "--json"])
        #expect(demo.status == 0 && !demo.signalled, "\(demo.err)")
        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(demo.out.utf8)) as? [String: Any])
        return Demo(
            directory: directory, contract: try #require(outcome["contract"] as? String),
            members: try #require(outcome["membersConfig"] as? String), ledger: try #require(outcome["ledger"] as? String))
    }

    /// `covenant run` as a child process, its output in files.
    static func startRun(_ demo: Demo, tag: String) throws -> (process: Process, out: String, err: String) {
        let base = demo.directory + "/run-\(tag)"
        _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
        let process = Process()
        process.executableURL = CommandLineTests.binary
        process.arguments = ["run", demo.contract, "--members-config", demo.members, "--protocol", "additive"]
        process.standardOutput = FileHandle(forWritingAtPath: base + ".out")
        process.standardError = FileHandle(forWritingAtPath: base + ".err")
        try process.run()
        return (process, base + ".out", base + ".err")
    }

    static func audit(_ ledger: String) throws -> [String: Any] {
        let json = try CommandLineTests.covenant(["audit", ledger, "--json"])
        return try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
    }

    @Test("two concurrent covenant runs: every run published or aborted exactly once, audit passes")
    func concurrentRuns() throws {
        let demo = try Self.demo("concurrent")
        defer { try? FileManager.default.removeItem(atPath: demo.directory) }
        let before = try SQLiteLedgerStore(readingFrom: demo.ledger).entryCount()
        for trial in 0..<3 {
            let runs = [try Self.startRun(demo, tag: "\(trial)a"), try Self.startRun(demo, tag: "\(trial)b")]
            for run in runs {
                run.process.waitUntilExit()
                let out = (try? String(contentsOfFile: run.out, encoding: .utf8)) ?? ""
                let err = (try? String(contentsOfFile: run.err, encoding: .utf8)) ?? ""
                #expect(run.process.terminationReason == .exit, "\(err)")
                // The second run waited for the first one's writer lock, then ran.
                #expect(run.process.terminationStatus == 0 && out.contains("published on the ledger"), "trial \(trial): \(out) \(err)")
            }
        }
        let report = try Self.audit(demo.ledger)
        #expect(report["passed"] as? Bool == true, "\(String(describing: report["failure"]))")
        #expect((report["openRuns"] as? [String] ?? []).isEmpty)
        let runs = try #require(report["runs"] as? [[String: Any]])
        #expect(runs.count == 1 + 6)
        #expect(runs.allSatisfy { ["published", "aborted"].contains($0["status"] as? String ?? "") })
        #expect(try SQLiteLedgerStore(readingFrom: demo.ledger).entryCount() > before)
    }

    @Test("covenant run killed mid-run: readers report the open run, the next run closes it, audit passes")
    func runKilledMidRun() throws {
        let demo = try Self.demo("killed")
        defer { try? FileManager.default.removeItem(atPath: demo.directory) }
        // Kill a run as soon as it has started (a reader polls the ledger); retry if one finishes first.
        var abandoned: LedgerHash?
        for attempt in 0..<20 where abandoned == nil {
            let run = try Self.startRun(demo, tag: "victim\(attempt)")
            while run.process.isRunning {
                if let open = try? SQLiteLedgerStore(readingFrom: demo.ledger).openRuns(), let first = open.first {
                    kill(run.process.processIdentifier, SIGKILL)
                    run.process.waitUntilExit()
                    #expect(run.process.terminationReason == .uncaughtSignal)
                    abandoned = first.runID
                    break
                }
                usleep(1_000)
            }
            run.process.waitUntilExit()
        }
        let runID = try #require(abandoned, "no kill landed inside a run in 20 attempts").hex
        #expect(try SQLiteLedgerStore(readingFrom: demo.ledger).openRuns().map(\.runID.hex) == [runID])

        // Readers never have to guess: `ledger show` and `audit` report the open run.
        let show = try CommandLineTests.covenant(["ledger", "show", demo.ledger, "--limit", "0"])
        #expect(show.status == 0 && show.out.contains("open runs: \(runID)"), "\(show.out) \(show.err)")
        let audit = try CommandLineTests.covenant(["audit", demo.ledger])
        #expect(audit.status == 0, "\(audit.err)")
        #expect(audit.out.contains("open runs (started, neither published nor aborted): \(runID)"), "\(audit.out)")

        // The next writer closes it, then runs its own.
        let next = try Self.startRun(demo, tag: "next")
        next.process.waitUntilExit()
        #expect(next.process.terminationStatus == 0, "\((try? String(contentsOfFile: next.err, encoding: .utf8)) ?? "")")
        let report = try Self.audit(demo.ledger)
        #expect(report["passed"] as? Bool == true, "\(String(describing: report["failure"]))")
        #expect((report["openRuns"] as? [String] ?? []).isEmpty)
        let runs = try #require(report["runs"] as? [[String: Any]])
        #expect(runs.first { $0["runID"] as? String == runID }?["status"] as? String == "aborted")
        let after = try CommandLineTests.covenant(["ledger", "show", demo.ledger, "--limit", "0"])
        #expect(after.out.contains("open runs: none"), "\(after.out)")

        // The abort says why, naming no data.
        let store = try SQLiteLedgerStore(readingFrom: demo.ledger)
        let reasons = try store.entries(from: 0, limit: 10_000).compactMap { stored -> String? in
            guard case .runAborted(let abort) = try SignedEntry.decode(stored.bytes, at: stored.index).entry.payload,
                  abort.runID.hex == runID else { return nil }
            return abort.reason
        }
        #expect(reasons == ["coordinator ended without closing the run"])
    }
}
