import Circuit
import CircuitCompiler
import ConsortiumLedger
import MPCProtocols
import ContractLanguage
import DataSources
import Foundation
import Runtime
import Testing

/// Runs refused before anything is recorded (protocols/runtime.md#run-lifecycle, step 1).
@Suite("Refusals")
struct RefusalTests {
    /// The examples that need a minimum, a maximum or secure division without `disclose sums`.
    static let nonlinear = ["emergency_waits", "hospital_length_of_stay", "loan_defaults_by_age", "pharmacy_sales", "salary_benchmark"]

    @Test("every example contract the aggregation protocols cannot run is refused with its reasons", arguments: nonlinear)
    func nonlinearExample(_ name: String) throws {
        let example = try Example.load(name)
        let compiled = compile(example.source)
        // The aggregation protocols' plan names every reason (beaver runs them: BeaverRunTests).
        let error = #expect(throws: RuntimeError.self) { _ = try AggregationPlan(compiled) }
        #expect(error?.code == .unsupportedContract)
        let message = error?.message ?? ""
        #expect(message.contains("needs protocol beaver"))
        // Each of these needs a minimum or maximum (or names beaver): 'disclose sums' is offered
        // only where it would help.
        #expect(!message.contains("add 'disclose sums'"), "\(message)")
        for clause in compiled.contract.suppression {
            #expect(message.contains("'require \(clause.output) >= \(clause.minimum) per group'"), "\(message)")
            #expect(message.contains("secure comparison"))
        }
        for output in compiled.contract.outputs where output.nonlinearReason != nil && compiled.contract.neededOutputs.contains(output.name) {
            #expect(message.contains("output '\(output.name)'"), "\(message)")
        }
    }

    @Test("a member query that never finishes: the run aborts at the local-plan deadline, recorded on the ledger")
    func localPlanDeadline() async throws {
        let example = try Example.load("energy_usage")
        let source = withProtocolAuto(example.source)
        // One member's source is a recursive query that never ends (an empty file is an empty
        // SQLite database).
        let directory = TemporaryDirectory("deadline")
        let database = directory.file("endless.sqlite")
        FileManager.default.createFile(atPath: database, contents: Data())
        let columns = compile(source).contract.input.columns.map(\.name.text)
        let endless = "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) SELECT "
            + columns.map { "NULL AS \($0)" }.joined(separator: ", ") + " FROM c"
        let fixture = try await TestConsortium.make(
            source: source, csvFiles: example.csvFiles, sources: [0: SQLiteSource(path: database, relation: .query(endless))])
        let report = try await fixture.consortium.run(
            fixture.compiled, options: RunOptions(protocolFamily: .additive, localPlanTimeout: .milliseconds(300)))
        #expect(!report.isPublished)
        #expect(report.abortReason?.contains("did not finish within") == true, "\(report.abortReason ?? "")")
        #expect(report.abortReason?.contains("deadline-exceeded") == true)
        // Aborted rather than hung: the query itself never ends, so reaching this line is the check.
        let audit = await fixture.consortium.audit()
        #expect(audit.passed, "\(String(describing: audit.failure))")
        #expect(audit.runs.last?.status == "aborted", "\(audit.runs)")
    }

    @Test("every example is either run end to end or refused: the census of examples is complete")
    func census() {
        #expect(Set(Example.all) == Set(Self.nonlinear + ["energy_usage"] + DisclosureTests.disclosing))
    }

    @Test("a contract that names its protocol cannot be run under another")
    func namedProtocolFixed() async throws {
        let example = try Example.load("energy_usage")
        let fixture = try await TestConsortium.make(source: example.source, csvFiles: example.csvFiles)
        let error = await #expect(throws: RuntimeError.self) {
            try await fixture.consortium.run(fixture.compiled, options: RunOptions(protocolFamily: .additive))
        }
        #expect(error?.code == .protocolNotAllowed)
        #expect(error?.message.contains("names protocol secagg") == true)
    }

    @Test("protocol auto picks additive and says why")
    func autoSaysWhy() throws {
        let example = try Example.load("energy_usage")
        let (family, reason) = try Consortium.resolveProtocol(compile(withProtocolAuto(example.source)), requested: nil)
        #expect(family == .additive)
        #expect(reason.contains("protocol auto chose additive") && reason.contains("linear"))
    }

    @Test("a version that is not active is refused; nothing is recorded")
    func notActive() async throws {
        let example = try Example.load("energy_usage")
        let fixture = try await TestConsortium.make(source: example.source, csvFiles: example.csvFiles)
        let other = compile(withProtocolAuto(example.source))
        let before = await fixture.consortium.ledger.size
        let error = await #expect(throws: RuntimeError.self) { try await fixture.consortium.run(other) }
        #expect(error?.code == .contractNotActive)
        #expect(await fixture.consortium.ledger.size == before)
    }

    @Test("'require participants >= K' refuses a smaller run before any input is committed")
    func tooFewParticipants() async throws {
        let example = try Example.load("energy_usage")
        let source = example.source.replacingOccurrences(of: "require participants >= 2", with: "require participants >= 3")
        let fixture = try await TestConsortium.make(source: source, csvFiles: example.csvFiles)
        let before = await fixture.consortium.ledger.size
        let error = await #expect(throws: RuntimeError.self) { try await fixture.consortium.run(fixture.compiled) }
        #expect(error?.code == .invalidParticipants)
        #expect(error?.message.contains("requires participants >= 3") == true)
        #expect(await fixture.consortium.ledger.size == before)
    }

    @Test("a paillier run without a key ceremony is refused")
    func noCeremony() async throws {
        let example = try Example.load("energy_usage")
        let fixture = try await TestConsortium.make(source: withProtocolAuto(example.source), csvFiles: example.csvFiles)
        let error = await #expect(throws: RuntimeError.self) {
            try await fixture.consortium.run(fixture.compiled, options: RunOptions(protocolFamily: .paillier))
        }
        #expect(error?.code == .missingKeyCeremony)
    }
}
