import Circuit
import CircuitCompiler
import ConsortiumLedger
import ContractLanguage
import Foundation
import MPCProtocols
import Runtime
import Testing

/// Protocol `beaver` in the runtime (protocols/beaver.md#in-the-runtime): the members evaluate the
/// whole joint circuit on shares and open only the outputs, with member-generated preprocessing
/// by default and the INSECURE dealer only on request; the result equals the plaintext oracle.
@Suite("Beaver runs", .serialized)
struct BeaverRunTests {
    /// `loan_defaults_by_age` without its rates (division is not on shares yet): counts, a sum, the
    /// smallest loan over the members' local minima, and small bands suppressed inside the circuit.
    static func loanMinima(discloseSums: Bool = false) throws -> (source: String, files: [String]) {
        let example = try Example.load("loan_defaults_by_age")
        var source = example.source
            .replacingOccurrences(of: "    default_rate  = defaults / n\n", with: "")
            .replacingOccurrences(of: "    avg_amount    = mean(amount)\n", with: "")
            .replacingOccurrences(of: "default_rate, avg_amount, smallest to all", with: "smallest to all")
        if discloseSums { source = source.replacingOccurrences(of: "per group\n", with: "per group\n  disclose sums\n") }
        return (source, example.csvFiles)
    }

    /// Member-generated preprocessing (OT extension) by default: one group (four comparisons)
    /// keeps the test light; `discloseSumsUnderBeaver` covers suppression across groups.
    @Test("a minimum with in-circuit suppression equals the oracle, with member-generated preprocessing")
    func memberGenerated() async throws {
        let (grouped, files) = try Self.loanMinima()
        let source = grouped.replacingOccurrences(of: "compute by age {", with: "compute {")
        #expect(!source.contains("/ n") && source.contains("min(amount)") && !source.contains("protocol ") && !source.contains("by age"))
        let fixture = try await TestConsortium.make(source: source, csvFiles: files)
        let report = try await fixture.consortium.run(fixture.compiled, options: RunOptions(roundTimeout: .seconds(20)))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        #expect(report.protocolFamily == .beaver)
        #expect(report.protocolReason.contains("protocol auto chose beaver") && report.protocolReason.contains("comparison"), "\(report.protocolReason)")
        #expect(compare(report, with: try fixture.oracle()) == [])
        // The ledger names the preprocessing's origin.
        let state = await fixture.consortium.ledger.state
        #expect(state.runs[report.runID]?.protocolName == "beaver/member-generated")
        let audit = await fixture.consortium.audit()
        #expect(audit.passed, "\(String(describing: audit.failure))")
        #expect(audit.weakParameters.isEmpty, "\(audit.weakParameters)")
    }

    /// The INSECURE dealer runs only on request, and the ledger says so.
    @Test("the INSECURE dealer only on request, recorded as such; a linear example under beaver equals the oracle")
    func insecureDealer() async throws {
        let example = try Example.load("energy_usage")
        let source = example.source.replacingOccurrences(of: "protocol secagg", with: "protocol beaver")
        #expect(source.contains("protocol beaver"))
        let fixture = try await TestConsortium.make(source: source, csvFiles: example.csvFiles, roles: [:])
        let report = try await fixture.consortium.run(fixture.compiled, options: RunOptions(insecureDealer: true))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        #expect(compare(report, with: try fixture.oracle()) == [])
        let state = await fixture.consortium.ledger.state
        #expect(state.runs[report.runID]?.protocolName == "beaver/INSECURE-dealer")
        let audit = await fixture.consortium.audit()
        #expect(audit.passed, "\(String(describing: audit.failure))")
        #expect(audit.weakParameters.contains { $0.contains("INSECURE dealt preprocessing") }, "\(audit.weakParameters)")
        // Outside beaver the option changes nothing: the ledger records the plain protocol.
        let auto = try await TestConsortium.make(source: withProtocolAuto(example.source), csvFiles: example.csvFiles)
        let additive = try await auto.consortium.run(auto.compiled, options: RunOptions(protocolFamily: .additive, insecureDealer: true))
        #expect(additive.isPublished)
        #expect(await auto.consortium.ledger.state.runs[additive.runID]?.protocolName == "additive")
    }

    /// `disclose sums` is for the aggregation protocols; under beaver the circuit runs on shares
    /// and the sums stay secret (only two values per reveal gate are opened).
    @Test("a contract that says 'disclose sums' runs under beaver without opening its sums")
    func discloseSumsUnderBeaver() async throws {
        let (source, files) = try Self.loanMinima(discloseSums: true)
        #expect(source.contains("disclose sums"))
        let fixture = try await TestConsortium.make(source: source, csvFiles: files)
        let report = try await fixture.consortium.run(
            fixture.compiled, options: RunOptions(protocolFamily: .beaver, insecureDealer: true))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        let oracle = try fixture.oracle()
        #expect(compare(report, with: oracle) == [])
        let suppressed = oracle.groups.filter(\.suppressed)
        #expect(!suppressed.isEmpty && suppressed.count < oracle.groups.count, "the data must suppress some bands, not all")
        #expect(report.result?.groups.filter(\.suppressed).map(\.key) == suppressed.map(\.key))
        for group in report.result?.groups ?? [] where group.suppressed { #expect(group.outputs.isEmpty) }
        let plan = try AggregationPlan(fixture.compiled, family: .beaver)
        #expect(plan.onShares && plan.vectorLength == 2 * fixture.compiled.circuit.inputWidth)
        #expect(report.protocolReason.contains("open only the outputs"), "\(report.protocolReason)")
    }

    @Test("protocol auto picks beaver for a minimum and says why; check lists beaver where it runs")
    func autoPicksBeaver() throws {
        let (source, _) = try Self.loanMinima()
        let compiled = compile(source)
        let (family, reason) = try Consortium.resolveProtocol(compiled, requested: nil)
        #expect(family == .beaver)
        #expect(reason.contains("min_inputs") && reason.contains("only beaver provides"), "\(reason)")
        #expect(Consortium.runnableProtocols(compiled).protocols == [.beaver])
        let energy = try Example.load("energy_usage")
        #expect(Consortium.runnableProtocols(compile(withProtocolAuto(energy.source))).protocols == [.additive, .secagg, .paillier, .beaver])
        #expect(Consortium.runnableProtocols(compile(energy.source)).protocols == [.secagg])
    }

    /// Every example contract under beaver (protocol replaced by `auto`, beaver requested; the
    /// INSECURE dealer keeps the test fast — the circuit is the same as with member-generated
    /// triples). Counts, sums, minima and maxima exact; real outputs within the fixed-point bound of
    /// protocols/contract-language.md §8.3 (relative 10^-6).
    @Test("every example under beaver equals the oracle", arguments: Example.all)
    func example(_ name: String) async throws {
        let example = try Example.load(name)
        let fixture = try await TestConsortium.make(
            source: withProtocolAuto(example.source), csvFiles: example.csvFiles, roles: ["member-a": ["regulator"]])
        let report = try await fixture.consortium.run(
            fixture.compiled, options: RunOptions(protocolFamily: .beaver, roundTimeout: .seconds(20), insecureDealer: true))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        let result = try #require(report.result)
        let oracle = try fixture.oracle().restricted(to: result.outputNames)
        #expect(result.differences(from: oracle, relativeTolerance: 1e-6) == [])
        // Exact outputs are exact.
        let exact = Set(fixture.compiled.contract.outputs.filter { $0.type != .real }.map(\.name))
        #expect(result.restricted(to: result.outputNames.filter(exact.contains)).differences(
            from: oracle.restricted(to: oracle.outputNames.filter(exact.contains)), relativeTolerance: 0) == [])
        let audit = await fixture.consortium.audit()
        #expect(audit.passed, "\(String(describing: audit.failure))")
    }
}
