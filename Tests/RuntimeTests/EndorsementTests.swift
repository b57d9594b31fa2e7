import Circuit
import CircuitCompiler
import ConsortiumLedger
import ContractLanguage
import Foundation
import MPCProtocols
import Runtime
import Testing

/// Members sign only what they checked (issue 9, item 1; protocols/runtime.md#endorsements): a
/// member endorses a drafted result only if its revealed values and contributors are what the
/// member computes from the output it received itself, under the contract it compiled itself
/// from the ledger.
@Suite("Endorsements")
struct EndorsementTests {
    @Test("a coordinator that alters a draft's values or contributors gets no endorsement; the honest draft does", arguments: [ProtocolFamily.additive, .secagg, .paillier])
    func alteredDraft(_ family: ProtocolFamily) async throws {
        let example = try Example.load("fraud_rates")
        let fixture = try await TestConsortium.make(source: example.source, csvFiles: example.csvFiles)
        if family == .paillier { try await fixture.holdTestKeyCeremony() }
        let report = try await fixture.consortium.run(fixture.compiled, options: .patient(family))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        let honest = try #require(report.publicResult?.json)
        let altered = honest.replacingOccurrences(of: "\"frauds\": ", with: "\"frauds\": 1")
        #expect(altered != honest)
        let committed = try #require(await fixture.consortium.ledger.state.runs[report.runID]?.result?.resultHash)
        let cases: [(values: String, contributors: [String], resultHash: LedgerHash, signs: Bool)] = [
            (honest, report.contributors, committed, true),
            (altered, report.contributors, committed, false),
            // The honest values with a contributor left out: the protocol reported another list.
            (honest, Array(report.contributors.dropLast()), committed, false),
            // A commitment to another output than the one the protocol gave the members.
            (honest, report.contributors, .sha256(committed.bytes), false),
        ]
        for (values, contributors, resultHash, signs) in cases {
            let publication = ResultPublication(
                runID: report.runID, resultHash: resultHash, revealedValues: Array(values.utf8), transcriptHash: .zero,
                contributors: contributors)
            let draft = await fixture.consortium.ledger.draft(.resultPublished(publication), author: fixture.names[0])
            for member in fixture.consortium.members {
                let opening = try #require(report.resultOpening?.nonceBytes)
                if signs {
                    let endorsement = try await member.endorse(draft, opening: opening, on: fixture.consortium.ledger)
                    #expect(endorsement?.signer == member.name)
                } else {
                    let error = await #expect(throws: RuntimeError.self) {
                        try await member.endorse(draft, opening: opening, on: fixture.consortium.ledger)
                    }
                    #expect(error?.code == .inconsistentOutputs)
                    #expect(error?.message.contains("refuses to endorse") == true)
                }
            }
        }
    }

    @Test("a member compiles the run's contract itself: a run whose declared circuit is not its version's is refused by every member")
    func membersCompileTheContractFromTheLedger() async throws {
        let fixture = try await hospitalConsortium(count: 3)
        let versionID = try LedgerHash(fixture.compiled.contractID)
        let runID = LedgerHash.sha256(Array("a run with another circuit".utf8))
        let start = RunStart(
            runID: runID, versionID: versionID, circuitHash: LedgerHash.sha256(Array("another circuit".utf8)),
            protocolName: "additive", participants: fixture.names,
            minimumContributors: UInt32(max(2, fixture.compiled.contract.minimumParticipants ?? 2)))
        // Validly signed by a participant: the ledger cannot compile contracts, the members can.
        try await fixture.consortium.ledger.append(.runStarted(start), author: fixture.names[0], key: fixture.keys[fixture.names[0]]!)
        for (index, member) in fixture.consortium.members.enumerated() {
            let error = await #expect(throws: RuntimeError.self) {
                try await member.prepare(runID: runID, on: fixture.consortium.ledger, party: PartyID(UInt32(index + 1)), members: 3)
            }
            #expect(error?.code == .contractNotActive)
            #expect(error?.message.contains("does not compile to the version and circuit the run declares") == true, "\(error?.message ?? "")")
        }
        // A member refuses a seat the ledger does not give it (another party id, another member count).
        let honest = try await fixture.consortium.run(fixture.compiled, options: RunOptions(protocolFamily: .additive))
        #expect(honest.isPublished, "\(honest.abortReason ?? "")")
        let second = RunStart(
            runID: LedgerHash.sha256(Array("a second run".utf8)), versionID: versionID, circuitHash: try LedgerHash(fixture.compiled.planHash),
            protocolName: "additive", participants: fixture.names, minimumContributors: start.minimumContributors)
        try await fixture.consortium.ledger.append(.runStarted(second), author: fixture.names[0], key: fixture.keys[fixture.names[0]]!)
        let member = fixture.consortium.members[0]
        for (party, count) in [(PartyID(2), 3), (PartyID(1), 4)] {
            let error = await #expect(throws: RuntimeError.self) {
                try await member.prepare(runID: second.runID, on: fixture.consortium.ledger, party: party, members: count)
            }
            #expect(error?.code == .invalidParticipants, "\(error?.message ?? "")")
        }
        _ = try await member.prepare(runID: second.runID, on: fixture.consortium.ledger, party: PartyID(1), members: 3)
        // A member asked to endorse a run it never prepared signs nothing.
        let draft = await fixture.consortium.ledger.draft(
            .resultPublished(ResultPublication(runID: runID, resultHash: .zero, revealedValues: [], transcriptHash: .zero, contributors: fixture.names)),
            author: fixture.names[0])
        #expect(try await fixture.consortium.members[0].endorse(draft, opening: [], on: fixture.consortium.ledger) == nil)
    }

    @Test("a member refuses a run that would accept a result of fewer contributors than its contract requires")
    func leastContributorsAreTheContracts() async throws {
        let source = DemoData.contractSource.replacingOccurrences(of: "require participants >= 2", with: "require participants >= 3")
        let fixture = try await hospitalConsortium(count: 3, source: source)
        let start = RunStart(
            runID: LedgerHash.sha256(Array("a run accepting two contributors".utf8)), versionID: try LedgerHash(fixture.compiled.contractID),
            circuitHash: try LedgerHash(fixture.compiled.planHash), protocolName: "secagg", participants: fixture.names,
            minimumContributors: 2)
        try await fixture.consortium.ledger.append(.runStarted(start), author: fixture.names[0], key: fixture.keys[fixture.names[0]]!)
        let error = await #expect(throws: RuntimeError.self) {
            try await fixture.consortium.members[1].prepare(runID: start.runID, on: fixture.consortium.ledger, party: PartyID(2), members: 3)
        }
        #expect(error?.code == .invalidParticipants)
        #expect(error?.message.contains("its contract requires 3") == true, "\(error?.message ?? "")")
    }
}
