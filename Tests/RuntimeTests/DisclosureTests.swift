import Circuit
import CircuitCompiler
import ConsortiumLedger
import ContractLanguage
import Foundation
import MPCProtocols
import Runtime
import Testing

/// Contracts with `disclose sums` (protocols/contract-language.md §7.5, §8.7): the aggregation
/// protocols open the per-group sums at the opening frontier; means, variances, ratios, regressions
/// and suppression are computed in the clear on them, and must equal the plaintext oracle.
@Suite("Disclosed sums")
struct DisclosureTests {
    /// The examples that run under every aggregation protocol because they say `disclose sums`.
    static let disclosing = ["fraud_rates", "spend_regression"]

    static let cases: [(String, ProtocolFamily)] = disclosing.flatMap { name in
        [ProtocolFamily.additive, .secagg, .paillier].map { (name, $0) }
    }

    @Test("examples with 'disclose sums' equal the oracle under additive, secagg and paillier", arguments: cases)
    func example(_ name: String, _ family: ProtocolFamily) async throws {
        let example = try Example.load(name)
        let fixture = try await TestConsortium.make(source: example.source, csvFiles: example.csvFiles)
        if family == .paillier { try await fixture.holdTestKeyCeremony() }
        let report = try await fixture.consortium.run(fixture.compiled, options: .patient(family))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        // Real outputs within the spec's bound (§8.3); counts and sums exactly.
        #expect(compare(report, with: try fixture.oracle()) == [])
        #expect(report.result?.differences(from: try fixture.oracle(), relativeTolerance: 1e-9) == [])
        // The protocol vector holds the disclosed sums, one per opened wire, nothing more.
        let plan = try AggregationPlan(fixture.compiled)
        #expect(plan.vectorLength == fixture.compiled.opening.openedWires.count)
        #expect(!fixture.compiled.disclosedSumNames.isEmpty)
        let audit = await fixture.consortium.audit()
        #expect(audit.passed, "\(String(describing: audit.failure))")
    }

    @Test("protocol auto with 'disclose sums' picks additive and says what it opens")
    func autoSaysWhy() throws {
        let example = try Example.load("spend_regression")
        let (family, reason) = try Consortium.resolveProtocol(compile(example.source), requested: nil)
        #expect(family == .additive)
        #expect(reason.contains("disclose sums") && reason.contains("7 sums"), "\(reason)")
    }

    /// `loan_defaults_by_age` without its minimum: suppression of small bands, a rate and a mean.
    static func loanDefaults() throws -> (source: String, files: [String]) {
        let example = try Example.load("loan_defaults_by_age")
        let source = example.source
            .replacingOccurrences(of: "    smallest      = min(amount)\n", with: "")
            .replacingOccurrences(of: "avg_amount, smallest to all", with: "avg_amount to all\n  disclose sums")
        return (source, example.csvFiles)
    }

    @Test("suppressed groups: released as suppressed, never as values, under every aggregation protocol", arguments: [ProtocolFamily.additive, .secagg, .paillier])
    func suppression(_ family: ProtocolFamily) async throws {
        let (source, files) = try Self.loanDefaults()
        #expect(!source.contains("min("), "the test contract must not need a minimum")
        let fixture = try await TestConsortium.make(source: source, csvFiles: files)
        if family == .paillier { try await fixture.holdTestKeyCeremony() }
        let report = try await fixture.consortium.run(fixture.compiled, options: .patient(family))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        let oracle = try fixture.oracle()
        #expect(compare(report, with: oracle) == [])
        let suppressed = oracle.groups.filter(\.suppressed)
        #expect(!suppressed.isEmpty && suppressed.count < oracle.groups.count, "the data must suppress some bands, not all")
        let released = report.result?.groups.filter { $0.suppressed }.map(\.key)
        #expect(released == suppressed.map(\.key))
        for group in report.result?.groups ?? [] where group.suppressed { #expect(group.outputs.isEmpty) }
        // The ledger's public result carries the suppression flag and no value of those groups.
        let json = report.publicResult?.json ?? ""
        #expect(json.contains("\"suppressed\":true") || json.contains("\"suppressed\": true"), "\(json)")
        let audit = await fixture.consortium.audit()
        #expect(audit.passed, "\(String(describing: audit.failure))")
    }

    /// Edge inputs of the finalisation (issue: `x / 0` published 0 where the oracle says
    /// undefined): literal and computed zero divisors, a group with no rows, a constant column.
    @Test("zero divisors, empty groups and constant columns: undefined exactly where the oracle says so", arguments: [ProtocolFamily.additive, .secagg, .paillier])
    func edges(_ family: ProtocolFamily) async throws {
        let example = try Example.load("fraud_rates")
        let source = example.source
            .replacingOccurrences(of: "    generalize bank_channel map", with: "    where bank_channel not in (\"swift\", \"sepa\")\n    generalize bank_channel map")
            .replacingOccurrences(
                of: "    volume       = sum(amount)\n",
                with: """
                        volume       = sum(amount)
                        per_zero     = volume / 0
                        per_zero_r   = fraud_rate / 0.0
                        per_diff     = volume / (n - n)
                        avg_amount   = mean(amount)
                        sd_fraud     = stddev(fraud)
                        zero_over    = (n - n) / n

                    """)
            .replacingOccurrences(of: "fraud_per_k, volume to all", with: "fraud_per_k, volume, per_zero, per_zero_r, per_diff, avg_amount, sd_fraud, zero_over to all")
            .replacingOccurrences(of: "  require n >= 3 per group\n", with: "")
        let fixture = try await TestConsortium.make(source: source, csvFiles: example.csvFiles)
        if family == .paillier { try await fixture.holdTestKeyCeremony() }
        let report = try await fixture.consortium.run(fixture.compiled, options: .patient(family))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        let oracle = try fixture.oracle()
        #expect(compare(report, with: oracle) == [])
        let groups = report.result?.groups ?? []
        #expect(groups.count == 4)
        for group in groups {
            for name in ["per_zero", "per_zero_r", "per_diff"] { #expect(group.outputs[name] == .undefined, "\(name)") }
        }
        // The empty group: counts are 0, every mean and ratio undefined.
        let empty = groups.first { $0.key == [.text("wire")] }
        #expect(empty?.outputs["n"] == .int(0))
        #expect(empty?.outputs["zero_over"] == .undefined && empty?.outputs["avg_amount"] == .undefined)
        // The published JSON says null, never 0.
        #expect(report.publicResult?.json.contains("\"per_zero\": null") == true, "\(report.publicResult?.json ?? "")")
        let audit = await fixture.consortium.audit()
        #expect(audit.passed, "\(String(describing: audit.failure))")
    }

    @Test("'disclose sums' cannot stand in for a minimum or maximum: refused, nothing recorded")
    func extremaStillRefused() async throws {
        let example = try Example.load("salary_benchmark")
        let source = example.source.replacingOccurrences(of: "  protocol auto", with: "  disclose sums\n  protocol auto")
        let fixture = try await TestConsortium.make(source: source, csvFiles: example.csvFiles)
        let before = await fixture.consortium.ledger.size
        // Under an aggregation protocol (auto alone would choose beaver).
        let error = await #expect(throws: RuntimeError.self) {
            try await fixture.consortium.run(fixture.compiled, options: RunOptions(protocolFamily: .additive))
        }
        #expect(error?.code == .unsupportedContract)
        #expect(error?.message.contains("output 'top' needs secure comparison (max)") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("output 'avg'") == false)
        #expect(await fixture.consortium.ledger.size == before)
    }

    @Test("without 'disclose sums' a mean is refused, and the refusal names the clause")
    func meanWithoutDisclosure() async throws {
        let example = try Example.load("spend_regression")
        let source = example.source.split(separator: "\n").filter { !$0.contains("disclose sums") }.joined(separator: "\n")
        let fixture = try await TestConsortium.make(source: source, csvFiles: example.csvFiles)
        let error = await #expect(throws: RuntimeError.self) {
            try await fixture.consortium.run(fixture.compiled, options: RunOptions(protocolFamily: .additive))
        }
        #expect(error?.code == .unsupportedContract)
        #expect(error?.message.contains("add 'disclose sums'") == true, "\(error?.message ?? "")")
    }

    @Test("secagg with dropouts: the disclosed-sums contract is exact over the survivors")
    func dropout() async throws {
        let transport = InMemoryTransport(faults: FaultPlan(crashes: [PartyID(4): 1]))
        let fixture = try await hospitalConsortium(count: 4)
        let report = try await fixture.consortium.run(
            fixture.compiled,
            // Deadlines on a virtual clock: a loaded machine never makes a survivor late.
            options: RunOptions(protocolFamily: .secagg, roundTimeout: .seconds(3), secaggThreshold: 3, transport: transport, clock: VirtualClock()))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        let survivors = Array(fixture.names.prefix(3))
        #expect(report.contributors == survivors)
        let oracle = try fixture.sqliteOracle(members: survivors)
        #expect(compare(report, with: oracle) == [])
        // The demo contract computes means, a spread and a rate, and suppresses the rare ward.
        let anySuppressed = oracle.groups.contains { $0.suppressed }
        #expect(anySuppressed)
        #expect(report.result?.outputNames.contains("sd_stay") == true)
    }
}
