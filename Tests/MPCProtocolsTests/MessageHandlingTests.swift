import MPCProtocols
import PropertyBased
import SecretSharing
import Testing
import WireFormat
import _TestSupport

/// Corrupted, truncated, oversized, duplicated, reordered and wrong-session messages: a precise
/// error or the documented handling, never a wrong number. Spec: protocols/additive.md#errors.
@Suite("Message handling")
struct MessageHandlingTests {
    static let sample = AdditiveMessage(sessionID: testSession(), sender: PartyID(2), payload: .partialSum([1, 2, 3]))

    @Test func roundTripAllKinds() throws {
        let share = AdditiveMessage(sessionID: testSession(), sender: PartyID(1), payload: .share(.seed([UInt8](repeating: 9, count: 16), count: 3)))
        for message in [share, Self.sample] {
            let decoded = try AdditiveMessage(wireEncoded: message.wireEncoded())
            #expect(decoded.wireEncoded() == message.wireEncoded())
        }
        let secagg = SecAggMessage(sessionID: testSession(), sender: .aggregator, payload: .unmaskRequest(survivors: [PartyID(1), PartyID(3)]))
        #expect(try SecAggMessage(wireEncoded: secagg.wireEncoded()).wireEncoded() == secagg.wireEncoded())
    }

    /// Annotated layout of a partial-sum message.
    @Test func partialSumEncodingLayout() {
        let bytes = Self.sample.wireEncoded()
        let body = 37 + 4 + 24 + 32
        #expect(Array(bytes[0..<12]) == [0x43, 0x56, 0x4E, 0x54, 0x00, 0x01, 0x05, 0x02] + [0, 0, 0, UInt8(body)])
        #expect(Array(bytes[12..<44]) == [UInt8](repeating: 1, count: 32))  // session id
        #expect(Array(bytes[44..<49]) == [0x02, 0, 0, 0, 2])  // round 2, sender 2
        #expect(Array(bytes[49..<53]) == [0, 0, 0, 3])  // three words follow
        #expect(bytes.count == 12 + body)
    }

    /// Every proper prefix is rejected as truncated.
    @Test func everyTruncationIsRejected() {
        let bytes = Self.sample.wireEncoded()
        for length in 0..<bytes.count {
            #expect(throws: MPCProtocolError.self) { try AdditiveMessage(wireEncoded: Array(bytes.prefix(length))) }
            do { _ = try AdditiveMessage(wireEncoded: Array(bytes.prefix(length))) } catch {
                guard case .wire(.truncated) = error else { Issue.record("prefix \(length): \(error)"); return }
            }
        }
    }

    /// Any single flipped bit after the envelope header is caught by the digest (or, in the
    /// header, by the envelope checks); nothing decodes to a different message.
    @Test func everyBitFlipIsRejected() {
        let bytes = Self.sample.wireEncoded()
        for index in bytes.indices {
            for bit in 0..<8 {
                var corrupted = bytes
                corrupted[index] ^= UInt8(1 << bit)
                #expect(throws: MPCProtocolError.self) { try AdditiveMessage(wireEncoded: corrupted) }
            }
        }
        var corrupted = bytes
        corrupted[60] ^= 1
        #expect(throws: MPCProtocolError.corruptedMessage) { try AdditiveMessage(wireEncoded: corrupted) }
    }

    @Test func trailingBytesAndUnknownTagAndOversize() {
        let bytes = Self.sample.wireEncoded()
        #expect(throws: MPCProtocolError.wire(.trailingBytes(count: 1))) { try AdditiveMessage(wireEncoded: bytes + [0]) }
        let secagg = SecAggMessage(sessionID: testSession(), sender: PartyID(1), payload: .maskedInput([1]))
        #expect(throws: MPCProtocolError.wire(.unknownTag(0x0515))) { try AdditiveMessage(wireEncoded: secagg.wireEncoded()) }
        let limits = WireLimits(maxElementCount: 2)
        #expect(throws: MPCProtocolError.wire(.lengthExceedsLimit(length: 3, limit: 2))) {
            try AdditiveMessage(wireEncoded: bytes, limits: limits)
        }
    }

    /// Wrong session, spoofed sender, duplicate: precise errors, state unchanged, exact output.
    @Test func wrongSessionDuplicateAndSpoofing() throws {
        let inputs = randomInputs(members: 3, length: 10, seed: 77)
        var router = try additiveRouter(inputs: inputs)
        var injected = false
        router.intercept = { delivery in
            guard !injected, delivery.from == PartyID(1), delivery.to == PartyID(2) else { return [delivery] }
            injected = true
            let message = try! AdditiveMessage(wireEncoded: delivery.bytes)
            let foreign = AdditiveMessage(sessionID: testSession(9), sender: message.sender, payload: message.payload)
            var wrongSession = delivery
            wrongSession.bytes = foreign.wireEncoded()
            var spoofed = delivery
            spoofed.from = PartyID(3)
            return [wrongSession, delivery, delivery, spoofed]
        }
        try router.run()
        let errors = router.rejections.map(\.error)
        #expect(errors == [
            .wrongSession(from: PartyID(1)),
            .duplicateMessage(from: PartyID(1), round: 1),
            .senderMismatch(claimed: PartyID(1), actual: PartyID(3)),
        ])
        for party in PartyID.members(3) { #expect(router.outputs[party] == plainSum(inputs, length: 10)) }
    }

    /// Any delivery order gives the same exact result (partial sums may overtake shares).
    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func reorderedDeliveryStillExact(seed: UInt64) throws {
        let inputs = randomInputs(members: 5, length: 33, seed: seed)
        var additive = try additiveRouter(inputs: inputs)
        additive.reorderSeed = seed
        try additive.run()
        for party in PartyID.members(5) { #expect(additive.outputs[party] == plainSum(inputs, length: 33)) }
        var secagg = try secAggRouter(inputs: inputs, threshold: 3)
        secagg.reorderSeed = seed
        try secagg.run()
        #expect(secagg.outputs[.aggregator]?.sum == plainSum(inputs, length: 33))
        #expect(additive.rejections.isEmpty && secagg.rejections.isEmpty)
    }

    /// A message corrupted in transit is rejected; with no retransmission nobody can finish, so
    /// nobody outputs (the runtime's deadline then aborts the run) — never a wrong number.
    @Test func corruptionNeverGivesAWrongNumber() throws {
        let inputs = randomInputs(members: 3, length: 10, seed: 5)
        var router = try additiveRouter(inputs: inputs)
        var corrupted = false
        router.intercept = { delivery in
            var copy = delivery
            if !corrupted, delivery.from == PartyID(3), delivery.to == PartyID(1) {
                corrupted = true
                copy.bytes[70] ^= 0x40
            }
            return [copy]
        }
        try router.run()
        #expect(router.rejections.map(\.error) == [.corruptedMessage])
        #expect(router.outputs.isEmpty)
    }

    /// A secagg masked input replayed into a new session is rejected by session id.
    @Test func secAggReplayFromAnotherSession() throws {
        let inputs = randomInputs(members: 3, length: 4, seed: 6)
        var first = try secAggRouter(inputs: inputs, threshold: 2, session: testSession(1))
        first.recordDeliveries = true
        try first.run()
        let replayed = first.delivered.first { $0.to == .aggregator }!
        var second = try secAggRouter(inputs: inputs, threshold: 2, session: testSession(2))
        var done = false
        second.intercept = { delivery in
            guard !done else { return [delivery] }
            done = true
            return [replayed, delivery]
        }
        try second.run()
        #expect(second.rejections.map(\.error) == [.wrongSession(from: replayed.from)])
        #expect(second.outputs[.aggregator]?.sum == plainSum(inputs, length: 4))
    }

    /// Additive: a declared dropout aborts cleanly, naming the member and round, at whoever waits
    /// for it: a higher member for its seed (round 1), the collector for its partial sum (round 2).
    /// Members that wait for the collector's total end without output (the runtime aborts the run).
    @Test(arguments: [
        (PartyID(3), UInt8(1), [PartyID(1): AbortReason.memberDropped(PartyID(3), round: 2)]),
        (PartyID(3), UInt8(2), [PartyID(1): .memberDropped(PartyID(3), round: 2)]),
        (PartyID(2), UInt8(1), [PartyID(1): .memberDropped(PartyID(2), round: 2), PartyID(3): .memberDropped(PartyID(2), round: 1)]),
    ])
    func additiveDropoutAborts(crashed: PartyID, round: UInt8, expected: [PartyID: AbortReason]) throws {
        let inputs = randomInputs(members: 3, length: 4, seed: 1)
        var router = try additiveRouter(inputs: inputs)
        router.crashRound[crashed] = round
        try router.run()
        #expect(router.outputs.isEmpty)
        #expect(router.aborts == expected)
    }

    /// Property: the joint sum equals the plaintext sum for random inputs (all three protocols).
    @Test func jointSumEqualsPlaintextSum() async {
        await propertyCheck(count: 20, input: Gen.uint64().array(of: 1...50), Gen.uint64()) { values, seed in
            let members = 3 + Int(seed % 3)
            var rng = DeterministicRNG(seed: seed)
            let inputs = (0..<members).map { m in m == 0 ? values : values.map { $0 ^ rng.next() } }
            let expected = plainSum(inputs, length: values.count)
            var additive = try additiveRouter(inputs: inputs, seed: seed)
            try additive.run()
            #expect(additive.outputs[PartyID(1)] == expected)
            var secagg = try secAggRouter(inputs: inputs, threshold: 2, seed: seed)
            try secagg.run()
            #expect(secagg.outputs[.aggregator]?.sum == expected)
            var paillier = try paillierRouter(inputs: inputs, threshold: 2, holders: 3, seed: seed)
            try paillier.run()
            #expect(paillier.outputs[.aggregator]?.sum == expected)
        }
    }
}

@Suite("Redaction")
struct RedactionTests {
    @Test func descriptionsHideSecrets() throws {
        let configuration = try SecAggConfiguration(sessionID: testSession(), memberCount: 3, threshold: 2, vectorLength: 2)
        var rng = DeterministicRNG(seed: 1)
        var member = try SecAggMemberStateMachine(configuration: configuration, party: PartyID(1), input: [0xDEAD_BEEF, 7], using: &rng)
        _ = try member.start()
        #expect("\(member)" == "SecAggMemberStateMachine(party 1, round: 0, finished: false, state: redacted)")
        #expect(String(reflecting: member) == "\(member)")
        let message = SecAggMessage(sessionID: testSession(), sender: PartyID(1), payload: .maskedInput([0xDEAD_BEEF]))
        #expect(!"\(message)".contains("3735928559"))
    }
}
