import Circuit
import CircuitCompiler
import ConsortiumLedger
import Foundation
import MPCProtocols
import ContractLanguage
import Runtime
import Testing

@Suite("End to end: example contracts under each protocol")
struct EndToEndTests {
    @Test("energy_usage under its named protocol (secagg), ledger audited")
    func energyUsageSecAgg() async throws {
        let example = try Example.load("energy_usage")
        let fixture = try await TestConsortium.make(
            source: example.source, csvFiles: example.csvFiles, names: ["grid_operator", "utility-b"])
        let report = try await fixture.consortium.run(fixture.compiled)
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        #expect(report.protocolFamily == .secagg)
        #expect(compare(report, with: try fixture.oracle()) == [])
        // smart_n is revealed to member "grid_operator" only.
        #expect(report.views["grid_operator"]?.outputNames.contains("smart_n") == true)
        #expect(report.views["utility-b"]?.outputNames.contains("smart_n") == false)
        #expect(report.publicResult?.outputNames.contains("smart_n") == false)
        let audit = await fixture.consortium.audit()
        #expect(audit.passed, "\(String(describing: audit.failure))")
        #expect(audit.runs.first?.status == "published")
    }

    @Test("a member forgets what it held of closed runs: after three runs it holds at most the one just closed, and refuses to prepare a closed run")
    func closedRunsAreForgotten() async throws {
        let example = try Example.load("energy_usage")
        let fixture = try await TestConsortium.make(
            source: example.source, csvFiles: example.csvFiles, names: ["grid_operator", "utility-b"])
        var reports: [RunReport] = []
        for _ in 0..<3 {
            reports.append(try await fixture.consortium.run(fixture.compiled))
            #expect(reports.last?.isPublished == true)
        }
        for member in fixture.consortium.members { #expect(await member.heldRuns <= 1) }
        // The first run was forgotten when the second was prepared: asked again, it is refused as closed.
        let refused = await #expect(throws: RuntimeError.self) {
            _ = try await fixture.consortium.members[0].prepare(runID: reports[0].runID, on: fixture.consortium.ledger, party: PartyID(1), members: 2)
        }
        #expect(refused?.code == .invalidParticipants)
        #expect(refused?.message.contains("takes no more inputs") == true, "\(refused?.message ?? "")")
    }

    @Test("energy_usage (protocol auto) under additive, secagg and paillier", arguments: [ProtocolFamily.additive, .secagg, .paillier])
    func energyUsageEachProtocol(_ family: ProtocolFamily) async throws {
        let example = try Example.load("energy_usage")
        let fixture = try await TestConsortium.make(
            source: withProtocolAuto(example.source), csvFiles: example.csvFiles, names: ["grid_operator", "utility-b"])
        if family == .paillier { try await fixture.holdTestKeyCeremony() }
        let report = try await fixture.consortium.run(fixture.compiled, options: .patient(family))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        #expect(report.protocolFamily == family)
        #expect(compare(report, with: try fixture.oracle()) == [])
        let audit = await fixture.consortium.audit()
        #expect(audit.passed, "\(String(describing: audit.failure))")
    }
}
