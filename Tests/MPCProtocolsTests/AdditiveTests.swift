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
        #expect(router.hops == 2)
    }
}
