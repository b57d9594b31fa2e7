import Circuit
import CircuitCompiler
import ConsortiumLedger
import Foundation
import Runtime
import Testing

/// Members sign only what they checked (issue 9, item 1): a member endorses a drafted result only
/// if its revealed values are what the member computes from the output it received itself.
@Suite("Endorsements")
struct EndorsementTests {
    @Test("a coordinator that alters a draft gets no endorsement; the honest draft does", arguments: [ProtocolFamily.additive, .secagg, .paillier])
    func alteredDraft(_ family: ProtocolFamily) async throws {
        let example = try Example.load("fraud_rates")
        let fixture = try await TestConsortium.make(source: example.source, csvFiles: example.csvFiles)
        if family == .paillier { try await fixture.holdTestKeyCeremony() }
        let report = try await fixture.consortium.run(fixture.compiled, options: RunOptions(protocolFamily: family))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        let plan = try AggregationPlan(fixture.compiled)
        let honest = try #require(report.publicResult?.json)
        let altered = honest.replacingOccurrences(of: "\"frauds\": ", with: "\"frauds\": 1")
        #expect(altered != honest)
        for (values, shouldSign) in [(honest, true), (altered, false)] {
            let publication = ResultPublication(
                runID: report.runID, resultHash: .zero, revealedValues: Array(values.utf8), transcriptHash: .zero)
            let draft = await fixture.consortium.ledger.draft(.resultPublished(publication), author: fixture.names[0])
            for member in fixture.consortium.members {
                if shouldSign {
                    _ = try await member.endorse(draft, of: fixture.compiled, plan: plan)
                } else {
                    let error = await #expect(throws: RuntimeError.self) { try await member.endorse(draft, of: fixture.compiled, plan: plan) }
                    #expect(error?.code == .inconsistentOutputs)
                    #expect(error?.message.contains("refuses to endorse") == true)
                }
            }
        }
    }
}
