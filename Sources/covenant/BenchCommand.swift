import ArgumentParser
import Benchmarking
import Foundation

/// `covenant bench …`: throughput figures, each also quoted against a calibration loop.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure cryptographic primitives and protocols.",
        subcommands: [Crypto.self, BenchProtocolsCommand.self])

    /// `covenant bench crypto [--json] [--seconds S]`.
    struct Crypto: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Single-threaded throughput of GMP, Paillier, the PRG and secret sharing.",
            discussion: "Build with -c release for meaningful figures. Every figure is also given as a ratio to gmp.powm.4096x2048 measured in the same run.")

        @Flag(help: "Print one JSON object {\"results\":[…]} instead of a table.")
        var json = false

        @Option(help: "Minimum seconds to measure each figure.")
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
}
