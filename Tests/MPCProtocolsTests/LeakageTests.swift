import MPCProtocols
import Testing
import _TestSupport

/// Chi-square statistic of the byte histogram of `words` (255 degrees of freedom).
func byteChiSquare(_ words: [UInt64]) -> Double {
    var counts = [Int](repeating: 0, count: 256)
    for word in words { for shift in stride(from: 0, to: 64, by: 8) { counts[Int((word >> UInt64(shift)) & 0xff)] += 1 } }
    let expected = Double(words.count * 8) / 256
    return counts.reduce(0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
}

/// What each party receives (its view), tested against the protocols' stated leakage:
/// protocols/additive.md#what-leaks, protocols/secagg.md#what-leaks.
@Suite("Leakage")
struct LeakageTests {
    /// Changing member 2's input by δ (same randomness everywhere) changes exactly one thing in
    /// every other party's view before the output: member 2's own masked vector, by exactly δ
    /// (seen by the collector only); the others see the output move by δ.
    /// Round-1 messages (seeds) do not depend on any input at all.
    @Test func additiveViewDependsOnInputOnlyThroughMaskedPartial() throws {
        let length = 4096
        var inputs = randomInputs(members: 4, length: length, seed: 21)
        inputs[1] = [UInt64](repeating: 0, count: length)  // worst case: an all-zero input
        var changed = inputs
        let delta = (0..<length).map { UInt64($0) &* 0x9E37_79B9_7F4A_7C15 }
        for i in 0..<length { changed[1][i] &+= delta[i] }
        var a = try additiveRouter(inputs: inputs)
        var b = try additiveRouter(inputs: changed)
        a.recordDeliveries = true
        b.recordDeliveries = true
        try a.run()
        try b.run()
        #expect(a.delivered.count == b.delivered.count)
        for (x, y) in zip(a.delivered, b.delivered) {
            #expect(x.from == y.from && x.to == y.to)
            let mx = try AdditiveMessage(wireEncoded: x.bytes), my = try AdditiveMessage(wireEncoded: y.bytes)
            switch (mx.payload, my.payload) {
            case let (.partialSum(p), .partialSum(q)) where x.from == PartyID(2):
                #expect((0..<length).allSatisfy { q[$0] &- p[$0] == delta[$0] })
                // The masked partial of an all-zero input is the mask itself: it looks uniform.
                #expect(byteChiSquare(p) < 340)
            case let (.total(p), .total(q)):
                // The output itself, from the collector: it moves by exactly δ.
                #expect((0..<length).allSatisfy { q[$0] &- p[$0] == delta[$0] })
            default:
                #expect(x.bytes == y.bytes)
            }
        }
    }

    /// A received share is a 16-byte seed (its expansion is uniform); the share a member keeps is
    /// its input minus uniform vectors. Statistically: the expanded shares of an all-zero input
    /// pass a byte-frequency test, and differ between members.
    @Test func additiveSharesLookUniform() throws {
        let length = 4096
        let inputs = [[UInt64]](repeating: [UInt64](repeating: 0, count: length), count: 3)
        var router = try additiveRouter(inputs: inputs)
        router.recordDeliveries = true
        try router.run()
        for delivery in router.delivered {
            let message = try AdditiveMessage(wireEncoded: delivery.bytes)
            if case let .partialSum(values) = message.payload {
                #expect(byteChiSquare(values) < 340)
                #expect(values != inputs[0])
            }
        }
    }

    /// SecAgg: with fixed randomness, changing member 2's input changes only its masked input
    /// (by exactly δ) and the final result; keys, encrypted shares and unmasking shares — all a
    /// member or the aggregator sees besides masked inputs — are byte-identical.
    @Test func secAggViewIndependentOfInputs() throws {
        let length = 2048
        var inputs = randomInputs(members: 5, length: length, seed: 31)
        inputs[1] = [UInt64](repeating: 0, count: length)
        var changed = inputs
        let delta = (0..<length).map { UInt64($0 + 1) }
        for i in 0..<length { changed[1][i] &+= delta[i] }
        var a = try secAggRouter(inputs: inputs, threshold: 3)
        var b = try secAggRouter(inputs: changed, threshold: 3)
        a.recordDeliveries = true
        b.recordDeliveries = true
        a.crashRound[PartyID(4)] = 2  // a dropout too: the aggregator learns s_4, never y_4
        b.crashRound[PartyID(4)] = 2
        try a.run()
        try b.run()
        #expect(a.outputs[.aggregator]?.sum == plainSum(inputs.enumerated().filter { $0.offset != 3 }.map(\.element), length: length))
        for (x, y) in zip(a.delivered, b.delivered) {
            let mx = try SecAggMessage(wireEncoded: x.bytes), my = try SecAggMessage(wireEncoded: y.bytes)
            switch (mx.payload, my.payload) {
            case let (.maskedInput(p), .maskedInput(q)) where x.from == PartyID(2):
                #expect((0..<length).allSatisfy { q[$0] &- p[$0] == delta[$0] })
                #expect(byteChiSquare(p) < 340)  // y_2 = 0 + masks: uniform-looking
            case (.result, .result):
                continue
            default:
                #expect(x.bytes == y.bytes)
            }
        }
        // The aggregator never holds both kinds of share for one member.
        for delivery in a.delivered where delivery.to == .aggregator {
            if case let .unmaskShares(seeds, keys) = try SecAggMessage(wireEncoded: delivery.bytes).payload {
                #expect(Set(seeds.map(\.owner)).isDisjoint(with: keys.map(\.owner)))
                #expect(keys.map(\.owner) == [PartyID(4)])
            }
        }
        // The dropped member's masked input never reached anyone.
        #expect(!a.delivered.contains { $0.from == PartyID(4) && (try? SecAggMessage(wireEncoded: $0.bytes))?.round == 2 })
    }

    /// Paillier: individual ciphertexts go to the aggregator only; key holders see the aggregate.
    @Test func paillierCiphertextsReachOnlyTheAggregator() throws {
        let inputs = randomInputs(members: 3, length: 4, seed: 3)
        var router = try paillierRouter(inputs: inputs, threshold: 2, holders: 3)
        router.recordDeliveries = true
        try router.run()
        for delivery in router.delivered {
            if case .ciphertexts = try PaillierAggregationMessage(wireEncoded: delivery.bytes).payload {
                #expect(delivery.to == .aggregator)
            }
        }
    }
}
