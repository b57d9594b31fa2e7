import ConsortiumLedger
import Foundation
import Runtime
import Testing
import _TestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// No run left ambiguous (issue 13): a real child process coordinating a run holds the ledger's
/// writer lock; while it lives, another writer is refused with `ledger-busy` and writes nothing;
/// once it is killed with SIGKILL mid-run, the next writer closes its run with a `run-aborted`
/// entry saying why, and the ledger audits clean with no open run.
@Suite("Abandoned runs")
struct AbandonedRunTests {
    static var helper: URL { TestExecutables.url(named: "_LedgerCrashHelper") }

    /// Starts the helper in `--open-run` mode and waits for its run id.
    static func startCoordinator(ledger: String, keys: String) throws -> (Process, LedgerHash) {
        let process = Process()
        process.executableURL = helper
        process.arguments = [ledger, "--open-run", keys]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var buffer = Data()
        while true {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            let text = String(decoding: buffer, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("run-started ") }),
               let id = LedgerHash(hex: String(line.dropFirst("run-started ".count))) {
                return (process, id)
            }
        }
        process.waitUntilExit()
        throw RuntimeError(.fileFailure, "the coordinator exited before starting its run")
    }

    static func killHard(_ process: Process) {
        _ = kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    @Test("SIGKILL mid-run: busy while the coordinator lives, closed by the next writer, audit passes")
    func coordinatorKilledMidRun() async throws {
        #expect(FileManager.default.fileExists(atPath: Self.helper.path), "helper at \(Self.helper.path)")
        let directory = TemporaryDirectory("abandoned")
        let ledger = directory.file("ledger.sqlite")
        let (coordinator, runID) = try Self.startCoordinator(ledger: ledger, keys: directory.path)
        defer { if coordinator.isRunning { Self.killHard(coordinator) } }

        // A reader sees the run open while its coordinator lives.
        let before = try SQLiteLedgerStore(readingFrom: ledger)
        let size = try before.entryCount()
        #expect(try before.openRuns().map(\.runID) == [runID])

        // A second writer waits, then gives up, writing nothing.
        let busy = #expect(throws: RuntimeError.self) { _ = try LedgerService(path: ledger, lockTimeout: .milliseconds(300)) }
        #expect(busy?.code == .ledgerBusy)
        #expect(try SQLiteLedgerStore(readingFrom: ledger).entryCount() == size)

        // The coordinator dies mid-run (a real signal; the kernel releases its lock).
        Self.killHard(coordinator)
        #expect(coordinator.terminationReason == .uncaughtSignal)
        let left = LedgerAuditor().audit(path: ledger)
        #expect(left.passed, "\(String(describing: left.failure))")
        #expect(left.openRuns == [runID.hex])

        // The next writer, opened as `covenant run` opens it, closes the run.
        let configuration = directory.file("members.json")
        try """
            {"consortium": "crash-test", "ledger": "ledger.sqlite",
             "members": [{"name": "sequencer", "key": "sequencer.key"}, {"name": "second", "key": "second.key"}]}
            """.write(toFile: configuration, atomically: true, encoding: .utf8)
        let (consortium, founded) = try await ConsortiumConfiguration.load(contentsOf: configuration).open()
        #expect(!founded)
        let run = try #require(await consortium.ledger.state.runs[runID])
        #expect(run.status == .aborted)
        let closing = try #require(run.closedAt)
        #expect(closing == size)

        let report = LedgerAuditor().audit(path: ledger)
        #expect(report.passed, "\(String(describing: report.failure))")
        #expect(report.openRuns.isEmpty)
        #expect(report.runs.first { $0.runID == runID.hex }?.status == "aborted")
        let abort = try SignedEntry.decode(try #require(try SQLiteLedgerStore(readingFrom: ledger).entries(from: closing, limit: 1).first).bytes, at: closing)
        guard case .runAborted(let recorded) = abort.entry.payload else {
            Issue.record("entry \(closing) is \(abort.entry.kind.name), not run-aborted")
            return
        }
        #expect(recorded.runID == runID)
        #expect(recorded.reason == Consortium.abandonedRunReason)
        #expect(abort.entry.author == "sequencer")

        // Closing is done once: reopening finds nothing to close.
        #expect(try await consortium.closeAbandonedRuns().isEmpty)
    }
}
