import ConsortiumLedger
import Foundation
import Testing
import _TestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real child process appending to a SQLite ledger is killed with SIGKILL mid-append; the
/// ledger must still open, verify and audit, holding only whole batches (Deliver 3).
@Suite("Crash safety")
struct CrashTests {
    static var helper: URL { TestExecutables.url(named: "_LedgerCrashHelper") }

    /// Starts the helper, waits until it has committed at least `atLeast` entries, kills it.
    static func runAndKill(path: String, batch: Int, atLeast: UInt64, extraMicroseconds: UInt32) throws -> UInt64 {
        let process = Process()
        process.executableURL = helper
        process.arguments = [path, String(batch)]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var lastReported: UInt64 = 0
        var buffer = Data()
        let reader = output.fileHandleForReading
        while lastReported < atLeast {
            let chunk = reader.availableData
            if chunk.isEmpty { break }  // the child exited
            buffer.append(chunk)
            let lines = String(decoding: buffer, as: UTF8.self).split(separator: "\n")
            if let last = lines.last(where: { $0.hasPrefix("size ") }), let n = UInt64(last.dropFirst(5)) { lastReported = n }
        }
        usleep(extraMicroseconds)  // land the kill inside a later transaction
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(process.terminationStatus == SIGKILL)
        return lastReported
    }

    @Test func sigkillMidAppendLeavesAValidLedger() throws {
        #expect(FileManager.default.fileExists(atPath: Self.helper.path), "helper at \(Self.helper.path)")
        let path = temporaryLedgerPath("crash")
        let batch = 40
        var previous: UInt64 = 0
        for round in 0..<3 {
            let reported = try Self.runAndKill(path: path, batch: batch, atLeast: previous + 200, extraMicroseconds: UInt32(3_000 + 7_000 * round))
            #expect(reported >= previous + 200)
            // The ledger opens and verifies; every committed batch is there, no partial batch is.
            let ledger = try Ledger(store: try SQLiteLedgerStore(path: path))
            #expect(ledger.size >= reported)
            #expect((ledger.size - 1) % UInt64(batch) == 0, "size \(ledger.size) is not genesis + whole batches")
            let report = LedgerAuditor().audit(path: path)
            #expect(report.passed, "\(String(describing: report.failure))")
            previous = ledger.size
        }
    }
}
