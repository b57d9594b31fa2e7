import Circuit
import CircuitCompiler
import ConsortiumLedger
import Foundation
import MPCProtocols
import ContractLanguage
import Runtime
import Testing

/// The members configuration of `covenant run` (protocols/runtime.md#members-configuration) and
/// the demo scenario (protocols/runtime.md#covenant-demo).
@Suite("Members configuration and demo")
struct ConfigurationTests {
    @Test("the demo runs every protocol beside the oracle, audits, and leaves a working members configuration")
    func demoThenRun() async throws {
        let directory = TemporaryDirectory("demo")
        var options = DemoScenario.Options(directory: directory.file("demo"))
        options.members = 3
        options.rows = 200
        options.protocols = [.additive, .secagg]
        options.roundTimeout = .seconds(5)
        let lines = LineCollector()
        let outcome = try await DemoScenario(options: options).run { lines.append($0) }
        #expect(outcome.runs.count == 2)
        for run in outcome.runs {
            #expect(run.report.isPublished, "\(run.report.abortReason ?? "")")
            #expect(run.differences == [])
        }
        #expect(outcome.audit.passed)
        #expect(lines.all.contains { $0.contains("founded consortium") })

        // `covenant run` path: reopen the consortium from the demo's members.json and run again.
        let configuration = try ConsortiumConfiguration.load(contentsOf: outcome.membersConfigurationPath)
        #expect(configuration.members.map(\.name) == DemoData.memberNames(3))
        #expect(configuration.members[0].roles == ["regulator"])
        let (consortium, founded) = try await configuration.open()
        #expect(!founded)
        let compiled = compile(DemoData.contractSource)
        let report = try await consortium.run(compiled, options: RunOptions(protocolFamily: .secagg, roundTimeout: .seconds(5)))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        #expect(report.executionPaths.values.allSatisfy { $0 == "pushdown" })
        let oracle = try DemoScenario.oracle(compiled, databases: DemoData.memberNames(3).map { outcome.databases[$0]! })
        #expect(compare(report, with: oracle) == [])
        #expect((await consortium.audit()).passed)

        // A second demo into the same directory is refused.
        await #expect(throws: RuntimeError.self) { _ = try await DemoScenario(options: options).run { _ in } }
    }

    @Test("demo with a dropout: additive aborts cleanly, secagg publishes over the survivors")
    func demoWithDrop() async throws {
        let directory = TemporaryDirectory("demo-drop")
        var options = DemoScenario.Options(directory: directory.file("demo"))
        options.members = 4
        options.rows = 100
        options.protocols = [.additive, .secagg]
        options.drop = 1
        options.roundTimeout = .seconds(3)
        let outcome = try await DemoScenario(options: options).run { _ in }
        #expect(!outcome.runs[0].report.isPublished)
        #expect(outcome.runs[1].report.isPublished)
        #expect(outcome.runs[1].report.contributors.count == 3)
        #expect(outcome.runs[1].differences == [])
        #expect(outcome.audit.passed)
        #expect(outcome.audit.runs.map(\.status) == ["aborted", "published"])
    }

    @Test("configuration errors name the file and the key")
    func configurationErrors() throws {
        let directory = TemporaryDirectory("config")
        let path = directory.file("members.json")
        try #"{"consortium": "x", "ledger": "l.sqlite", "members": [{"name": "a", "key": "a.key", "colour": 1}]}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: RuntimeError.self) { try ConsortiumConfiguration.load(contentsOf: path) }
        #expect(error?.message.contains("members[0].colour") == true)
        try #"{"consortium": "x", "ledger": "l.sqlite", "quorum": 5, "members": [{"name": "a", "key": "a.key"}]}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let quorum = #expect(throws: RuntimeError.self) { try ConsortiumConfiguration.load(contentsOf: path) }
        #expect(quorum?.message.contains("quorum") == true)
    }

    @Test("an existing ledger must list the configured members with their keys")
    func keyMismatch() async throws {
        let directory = TemporaryDirectory("config-keys")
        let path = directory.file("members.json")
        try #"{"consortium": "x", "ledger": "l.sqlite", "members": [{"name": "a", "key": "a.key"}, {"name": "b", "key": "b.key"}]}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try ConsortiumConfiguration.load(contentsOf: path)
        _ = try await configuration.open()
        try FileManager.default.removeItem(atPath: directory.file("b.key"))
        let error = await #expect(throws: RuntimeError.self) { _ = try await configuration.open() }
        #expect(error?.message.contains("does not match") == true)
    }
}

/// Collects progress lines from a `@Sendable` callback.
final class LineCollector: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
