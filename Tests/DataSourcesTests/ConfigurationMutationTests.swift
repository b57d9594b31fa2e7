import DataSources
import Foundation
import Testing
import _TestSupport

/// Hostile-input suite for data-source configurations: a few hundred deterministic mutations of
/// valid configurations must each load cleanly or fail with `invalidConfiguration` at a
/// `line:column` inside the input; never crash, hang or quote a value.
@Suite("Data-source configuration mutations")
struct DataSourceConfigurationMutationTests {
    static let seeds = [
        // protocols/data-sources.md §1
        """
        {
          "member": "bank-a",
          "sources": {
            "employees": {
              "kind": "sqlite",
              "path": "bank-a.sqlite",
              "table": "staff",
              "columns": {"dept": "department", "salary": "salary_eur"},
              "notNull": ["salary"]
            },
            "transactions": {
              "kind": "sqlite",
              "path": "/data/core.sqlite",
              "query": "SELECT channel AS bank_channel, amount, fraud, booked FROM tx WHERE region = 'EU'"
            },
            "meters": {"kind": "csv", "path": "exports/meters.csv"}
          }
        }
        """,
        // the demo's members/<name>.json
        #"{"member": "st-marys", "sources": {"admissions": {"kind": "sqlite", "path": "../data/st-marys.sqlite", "table": "admissions"}}}"#,
        // a value that must never appear in a message
        #"{"member": "m", "password": "canary-hunter2", "sources": {"t": {"kind": "csv", "path": "canary-path.csv"}}}"#,
    ]

    @Test(.timeLimit(.minutes(2)))
    func mutantsLoadOrFailAtAPosition() throws {
        var mutator = ConfigurationMutator(seeds: Self.seeds, seed: 0xC0_FFEE)
        var loaded = 0
        var rejected = 0
        for round in 0..<400 {
            let (bytes, what) = mutator.next()
            let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).count
            let start = ContinuousClock.now
            do {
                let configuration = try DataSourceConfiguration.parse(bytes, file: "member.json", baseDirectory: "/base")
                #expect(!configuration.member.isEmpty)
                #expect(configuration.sources.values.allSatisfy { $0.path.hasPrefix("/") && !$0.path.isEmpty })
                loaded += 1
            } catch let error as DataSourceError {
                rejected += 1
                #expect(error.code == .invalidConfiguration, "mutant \(round) (\(what)): \(error)")
                let location = try #require(error.location, "mutant \(round) (\(what)): \(error)")
                #expect(location.file == "member.json")
                #expect(location.line.map { (1...lines).contains($0) } == true, "mutant \(round) (\(what)): \(error)")
                #expect(location.character.map { $0 >= 1 && $0 <= bytes.count + 1 } == true, "mutant \(round) (\(what)): \(error)")
                #expect(!error.description.contains("canary"), "mutant \(round) (\(what)): \(error)")
            }
            #expect(ContinuousClock.now - start < .seconds(2), "mutant \(round) (\(what)) took too long")
        }
        #expect(loaded > 0)
        #expect(rejected > 200)
    }
}
