import ArgumentParser
import Benchmarking
import Foundation

/// `covenant bench …`: throughput figures, each also quoted against a calibration loop.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure cryptographic primitives and protocols.",
        subcommands: [Crypto.self, BenchProtocolsCommand.self, Ledger.self])

    /// `covenant bench crypto [--json] [--seconds S]`.
    struct Crypto: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Single-threaded throughput of GMP, Paillier, the PRG and secret sharing.",
            discussion: "Build with -c release for meaningful figures. Every figure is also given as a ratio to gmp.powm.4096x2048 measured in the same run.")

        @Flag(help: "Print one JSON object {\"results\":[…]} instead of a table.")
        var json = false

        @Option(parsing: .unconditional, help: "Minimum seconds to measure each figure.")
        var seconds: Double = 1.0

        func run() async throws {
            guard seconds > 0, seconds <= 600 else {
                throw ValidationError("--seconds must be in (0, 600]")
            }
            let suite = CryptoBenchmarks(minimumDuration: .milliseconds(Int(seconds * 1000)))
            let report = try suite.run { name in
                if !json { FileHandle.standardError.write(Data("measuring \(name)…\n".utf8)) }
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                for r in report.results {
                    let name = r.name.padding(toLength: 30, withPad: " ", startingAt: 0)
                    print("\(name) \(String(format: "%14.1f", r.opsPerSecond)) \(r.unit)/s   \(String(format: "%9.2f", r.ratioToCalibration))× calibration")
                }
            }
        }
    }

    /// `covenant bench ledger [--json] [--entries N] [--batch B] [--keep PATH-DIR]`.
    struct Ledger: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Append, audit and prove on a signed SQLite ledger (issue 4's performance figures).",
            discussion: "Build with -c release. Appends N entries in batches, audits the file as `covenant ledger verify` does, and measures proofs at 10^3 and 10^6 leaves.")

        @Flag(help: "Print the report as JSON.")
        var json = false
        @Option(parsing: .unconditional, help: "Entries in the benchmark ledger.")
        var entries: Int = 1_000_000
        @Option(parsing: .unconditional, help: "Entries per append transaction.")
        var batch: Int = 1000
        @Option(help: "Keep the ledger file in this directory (default: a temporary file, removed).")
        var keep: String?

        func run() async throws {
            guard entries >= 16, entries <= 100_000_000, batch >= 1 else {
                throw ValidationError("--entries must be in [16, 10^8] and --batch ≥ 1")
            }
            let suite = LedgerBenchmarks(entries: entries, batchSize: batch, directory: keep ?? NSTemporaryDirectory(), keepFile: keep != nil)
            let report = try suite.run { phase in
                FileHandle.standardError.write(Data("\(phase)…\n".utf8))
            }
            if let keep { FileHandle.standardError.write(Data("kept \(suite.path) (in \(keep))\n".utf8)) }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
                return
            }
            print("append  \(report.entries) entries (\(report.signatures) signatures), batches of \(report.batchSize): \(String(format: "%.1f", report.appendSeconds)) s, \(Int(report.appendEntriesPerSecond)) entries/s wall, \(Int(report.appendEntriesPerCPUSecond)) entries/CPU-s")
            print("verify  \(String(format: "%.1f", report.verifySeconds)) s wall (\(String(format: "%.1f", report.verifyCPUSeconds)) CPU-s on \(report.cores) cores), \(Int(report.verifyEntriesPerSecond)) entries/s; file \(report.fileBytes / 1_000_000) MB")
            for p in report.proofs {
                print("proofs  n=\(p.treeSize): inclusion \(String(format: "%.1f", p.inclusionHashes)) hashes / \(Int(p.inclusionBytes)) B, prove \(String(format: "%.1f", p.inclusionProveMicroseconds)) µs, verify \(String(format: "%.1f", p.inclusionVerifyMicroseconds)) µs; consistency \(String(format: "%.1f", p.consistencyHashes)) hashes / \(Int(p.consistencyBytes)) B, prove \(String(format: "%.1f", p.consistencyProveMicroseconds)) µs, verify \(String(format: "%.1f", p.consistencyVerifyMicroseconds)) µs")
            }
        }
    }
}
