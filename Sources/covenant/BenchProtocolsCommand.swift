import ArgumentParser
import Benchmarking
import Foundation

/// `covenant bench protocols [--json] [--members 3,10] [--values 1000,100000] …`.
struct BenchProtocolsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protocols",
        abstract: "Time, bytes per member and rounds of the additive, secagg and paillier protocols.",
        discussion: "Every party runs in this one process through an in-process router that carries the real wire encodings. Build with -c release for meaningful figures.")

    @Flag(help: "Print one JSON object {\"results\":[…]} instead of a table.")
    var json = false

    @Option(parsing: .unconditional, help: "Comma-separated member counts.")
    var members = "3,10"

    @Option(parsing: .unconditional, help: "Comma-separated vector lengths for additive and secagg.")
    var values = "1000,100000,1000000"

    @Option(parsing: .unconditional, help: "Comma-separated vector lengths for paillier.")
    var paillierValues = "1000"

    @Option(help: "Comma-separated protocols: additive, secagg, paillier.")
    var protocols = "additive,secagg,paillier"

    @Option(parsing: .unconditional, help: "Repetitions per configuration (the best is reported; paillier runs once).")
    var repetitions = 3

    func run() throws {
        func list(_ text: String, _ name: String) throws -> [Int] {
            let parsed = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !parsed.isEmpty, parsed.allSatisfy({ $0 >= 0 && $0 <= 1 << 24 }) else {
                throw ValidationError("--\(name) must be a comma-separated list of integers in 0…2^24")
            }
            return parsed
        }
        let memberCounts = try list(members, "members")
        guard memberCounts.allSatisfy({ (2...1000).contains($0) }) else { throw ValidationError("--members must be in 2…1000") }
        let names = Set(protocols.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        guard !names.isEmpty, names.isSubset(of: ["additive", "secagg", "paillier"]) else {
            throw ValidationError("--protocols must name additive, secagg and/or paillier")
        }
        guard (1...100).contains(repetitions) else { throw ValidationError("--repetitions must be in 1…100") }
        let suite = ProtocolBenchmarks(
            memberCounts: memberCounts, lengths: try list(values, "values"),
            paillierLengths: try list(paillierValues, "paillier-values"), repetitions: repetitions, protocols: names)
        let report = try suite.run { name in
            if !json { FileHandle.standardError.write(Data("measuring \(name)…\n".utf8)) }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("protocol   n   values      t   cpu s    wall s      values/s   bytes/member  aggregator bytes  rounds")
            for r in report.results {
                print(String(
                    format: "%-8@ %3d %8d %4d %8.4f %9.4f %13.0f %14d %17d %7d", r.protocolName as NSString, r.members, r.values,
                    r.threshold, r.cpuSeconds, r.wallSeconds, r.valuesPerSecond, r.bytesSentPerMember, r.bytesSentByAggregator, r.rounds))
            }
        }
    }
}
