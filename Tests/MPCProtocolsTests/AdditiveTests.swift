import MPCProtocols
import PropertyBased
import Testing
import _TestSupport

typealias AdditiveRouter = InProcessRouter<AdditiveMessage, [UInt64]>

func additiveRouter(
    inputs: [[UInt64]], session: SessionID = testSession(), outputParties: [PartyID]? = nil, seed: UInt64 = 7
) throws -> AdditiveRouter {
    let configuration = try AdditiveConfiguration(
        sessionID: session, memberCount: inputs.count, vectorLength: inputs.first?.count ?? 0,
        outputParties: outputParties)
    var rng = DeterministicRNG(seed: seed)
    let machines = try inputs.enumerated().map { index, input in
        try AdditiveStateMachine(
            configuration: configuration, party: PartyID(UInt32(index + 1)), input: input, using: &rng)
    }
    return AdditiveRouter(machines: machines) { bytes throws(MPCProtocolError) in try AdditiveMessage(wireEncoded: bytes) }
}

/// Spec: protocols/additive.md.
@Suite("Additive protocol")
struct AdditiveTests {
    @Test(arguments: [3, 5, 10])
    func outputIsPlaintextSum(members: Int) throws {
        let inputs = randomInputs(members: members, length: 257, seed: UInt64(members))
        var router = try additiveRouter(inputs: inputs)
        try router.run()
        let expected = plainSum(inputs, length: 257)
        #expect(router.outputs.count == members)
        for party in PartyID.members(members) { #expect(router.outputs[party] == expected) }
        #expect(router.rejections.isEmpty)
        #expect(router.aborts.isEmpty)
        // Seeds, partial sums to the collector, the total to the other output parties.
        #expect(router.hops == 3)
    }

    /// Every member sends one vector of length L (its partial sum, to the collector); only the
    /// collector sends more: the total, to each other output party. Output parties only output.
    @Test func partialSumsGoToTheCollector() throws {
        let inputs = randomInputs(members: 6, length: 50, seed: 3)
        var router = try additiveRouter(inputs: inputs, outputParties: [PartyID(2), PartyID(5)])
        router.recordDeliveries = true
        try router.run()
        #expect(Set(router.outputs.keys) == [PartyID(2), PartyID(5)])
        for party in [PartyID(2), PartyID(5)] { #expect(router.outputs[party] == plainSum(inputs, length: 50)) }
        var vectorsSent: [PartyID: Int] = [:]
        for delivery in router.delivered {
            let message = try AdditiveMessage(wireEncoded: delivery.bytes)
            switch message.payload {
            case .share: continue
            case .partialSum: #expect(delivery.to == PartyID(2), "partial sums go to the collector only")
            case .total: #expect(delivery.from == PartyID(2) && delivery.to == PartyID(5))
            }
            vectorsSent[delivery.from, default: 0] += 1
        }
        #expect(vectorsSent == [PartyID(1): 1, PartyID(2): 1, PartyID(3): 1, PartyID(4): 1, PartyID(5): 1, PartyID(6): 1])
        #expect(router.rejections.isEmpty && router.aborts.isEmpty)
    }

    /// A partial sum anywhere but at the collector, or a total from anyone but the collector, is
    /// rejected without changing state.
    @Test func misroutedVectorsAreRejected() throws {
        let configuration = try AdditiveConfiguration(sessionID: testSession(), memberCount: 3, vectorLength: 2)
        var rng = DeterministicRNG(seed: 5)
        var second = try AdditiveStateMachine(configuration: configuration, party: PartyID(2), input: [1, 2], using: &rng)
        _ = try second.start()
        let partial = AdditiveMessage(sessionID: testSession(), sender: PartyID(3), payload: .partialSum([0, 0]))
        #expect(throws: MPCProtocolError.unexpectedMessage(from: PartyID(3), round: 2)) { try second.receive(partial, from: PartyID(3)) }
        let forged = AdditiveMessage(sessionID: testSession(), sender: PartyID(3), payload: .total([9, 9]))
        #expect(throws: MPCProtocolError.unexpectedMessage(from: PartyID(3), round: 3)) { try second.receive(forged, from: PartyID(3)) }
        #expect(second.currentRound == 1 && !second.isFinished)
    }
}
