import CryptoPrimitives
import MPCProtocols
import Testing
import _TestSupport

typealias SecAggRouter = InProcessRouter<SecAggMessage, SecAggResult>

func secAggRouter(
    inputs: [[UInt64]], threshold: Int, session: SessionID = testSession(), seed: UInt64 = 11,
    signed: Bool = false
) throws -> SecAggRouter {
    let n = inputs.count
    let signingKeys = signed
        ? (0..<n).map { try! Ed25519.PrivateKey(rawRepresentation: [UInt8](repeating: UInt8($0 + 1), count: 32)) } : []
    let configuration = try SecAggConfiguration(
        sessionID: session, memberCount: n, threshold: threshold, vectorLength: inputs.first?.count ?? 0,
        signatureKeys: signed ? Dictionary(uniqueKeysWithValues: signingKeys.enumerated().map { (PartyID(UInt32($0.offset + 1)), $0.element.publicKey) }) : nil)
    var rng = DeterministicRNG(seed: seed)
    var machines: [any ProtocolStateMachine<SecAggMessage, SecAggResult>] = [SecAggAggregatorStateMachine(configuration: configuration)]
    for (index, input) in inputs.enumerated() {
        machines.append(try SecAggMemberStateMachine(
            configuration: configuration, party: PartyID(UInt32(index + 1)), input: input,
            signingKey: signed ? signingKeys[index] : nil, using: &rng))
    }
    return SecAggRouter(machines: machines) { bytes throws(MPCProtocolError) in try SecAggMessage(wireEncoded: bytes) }
}

/// Spec: protocols/secagg.md; [BIK+17] §4.
@Suite("SecAgg protocol")
struct SecAggTests {
    @Test(arguments: [3, 5, 10])
    func outputIsPlaintextSum(members: Int) throws {
        let inputs = randomInputs(members: members, length: 300, seed: UInt64(100 + members))
        var router = try secAggRouter(inputs: inputs, threshold: members / 2 + 1)
        try router.run()
        let expected = SecAggResult(sum: plainSum(inputs, length: 300), contributors: PartyID.members(members))
        #expect(router.rejections.isEmpty)
        #expect(router.aborts.isEmpty)
        #expect(router.outputs.count == members + 1)
        for (_, output) in router.outputs { #expect(output == expected) }
        #expect(router.hops == 8)
    }

    @Test func signedKeyAdvertsWork() throws {
        let inputs = randomInputs(members: 4, length: 17, seed: 5)
        var router = try secAggRouter(inputs: inputs, threshold: 3, signed: true)
        try router.run()
        #expect(router.outputs[.aggregator]?.sum == plainSum(inputs, length: 17))
        #expect(router.rejections.isEmpty)
    }

    /// Dropout at each round with ≥ t survivors: the sum of U3's inputs, exactly.
    /// crash round 0: before AdvertiseKeys; 1: before ShareKeys; 2: after ShareKeys, before the
    /// masked input; 3: after the masked input, before Unmasking.
    @Test(arguments: [(0, 5, [2]), (1, 5, [4]), (2, 5, [1, 5]), (3, 5, [3, 4]), (1, 10, [2, 7, 9]), (2, 10, [1, 2, 3, 4]), (3, 10, [10, 6, 5, 1])])
    func dropoutWithEnoughSurvivors(crashRound: Int, members: Int, crashed: [Int]) throws {
        let length = 64
        let inputs = randomInputs(members: members, length: length, seed: UInt64(crashRound * 31 + members))
        var router = try secAggRouter(inputs: inputs, threshold: members / 2 + 1)
        for c in crashed { router.crashRound[PartyID(UInt32(c))] = UInt8(crashRound) }
        try router.run()
        #expect(router.aborts.isEmpty)
        let contributors = PartyID.members(members).filter { crashRound == 3 || !crashed.contains(Int($0.rawValue)) }
        let expected = SecAggResult(
            sum: plainSum(contributors.map { inputs[Int($0.rawValue) - 1] }, length: length), contributors: contributors)
        #expect(router.outputs[.aggregator] == expected)
        // Every live member outputs the same result.
        for party in PartyID.members(members) where !crashed.contains(Int(party.rawValue)) {
            #expect(router.outputs[party] == expected)
        }
        #expect(router.rejections.isEmpty)
    }

    /// Fewer than t survivors at any round: a clean abort naming the round, no output anywhere.
    @Test(arguments: [0, 1, 2, 3])
    func tooFewSurvivorsAborts(crashRound: Int) throws {
        let inputs = randomInputs(members: 5, length: 8, seed: 9)
        var router = try secAggRouter(inputs: inputs, threshold: 3)
        for c in [1, 3, 4] { router.crashRound[PartyID(UInt32(c))] = UInt8(crashRound) }
        try router.run()
        #expect(router.outputs.isEmpty)
        #expect(router.aborts[.aggregator] == .tooFewSurvivors(round: UInt8(crashRound), survivors: 2, threshold: 3))
    }

    @Test func aggregatorDropoutAbortsMembers() throws {
        let inputs = randomInputs(members: 3, length: 4, seed: 1)
        var router = try secAggRouter(inputs: inputs, threshold: 2)
        router.crashRound[.aggregator] = 2  // never sends the unmask request
        try router.run()
        #expect(router.outputs.isEmpty)
        for party in PartyID.members(3) { #expect(router.aborts[party] == .aggregatorDropped(round: 2)) }
    }
}
