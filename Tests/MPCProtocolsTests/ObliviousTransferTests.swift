import CryptoPrimitives
import MPCProtocols
import SecretSharing
import Testing
import _TestSupport

/// The pieces of member-generated triples: base OTs, the bit transpose, IKNP extension, the
/// correlation-robust hash. Spec: protocols/beaver.md#member-generated-triples.
@Suite("Oblivious transfer")
struct ObliviousTransferTests {
    static func word128(_ rng: inout DeterministicRNG) -> UInt128 { UInt128(rng.next()) << 64 | UInt128(rng.next()) }

    @Test("a base-OT receiver gets exactly the key it chose, never the other", arguments: [1, 2, 3] as [UInt64])
    func baseOTs(seed: UInt64) throws {
        var rng = DeterministicRNG(seed: seed)
        let context = SimplestOT.binding(sessionID: testSession(5), sender: PartyID(1), receiver: PartyID(2))
        let sender = SimplestOT.Sender(using: &rng)
        let choices = seed == 1 ? 0 : seed == 2 ? UInt128.max : Self.word128(&rng)
        let (encodings, keys) = SimplestOT.receive(choices: choices, from: sender.setup, binding: context, using: &rng)
        let points = try encodings.map { try P256.Point(compressed: $0) }
        let pairs = sender.keys(for: points, binding: context)
        #expect(points.count == SimplestOT.count && keys.count == SimplestOT.count && pairs.count == SimplestOT.count)
        for l in 0..<SimplestOT.count {
            let chosen = choices >> l & 1 == 1
            #expect(keys[l] == (chosen ? pairs[l].1 : pairs[l].0), "transfer \(l)")
            #expect(keys[l] != (chosen ? pairs[l].0 : pairs[l].1), "transfer \(l)")
        }
        #expect(Set(pairs.map(\.0)).count == SimplestOT.count)
        // The keys are bound to the session and the parties.
        let other = SimplestOT.binding(sessionID: testSession(6), sender: PartyID(1), receiver: PartyID(2))
        let swapped = SimplestOT.binding(sessionID: testSession(5), sender: PartyID(2), receiver: PartyID(1))
        #expect(sender.keys(for: points, binding: other)[0] != pairs[0])
        #expect(sender.keys(for: points, binding: swapped)[0] != pairs[0])
    }

    @Test("the transpose equals the naive transpose", arguments: [1, 2, 5])
    func transpose(wordsPerColumn: Int) {
        var rng = DeterministicRNG(seed: UInt64(wordsPerColumn))
        let columns = (0..<(128 * wordsPerColumn)).map { _ in rng.next() }
        let rows = BitTranspose.rows(of: columns, wordsPerColumn: wordsPerColumn)
        #expect(rows.count == 64 * wordsPerColumn)
        var mismatches = 0
        for j in 0..<(64 * wordsPerColumn) {
            var naive: UInt128 = 0
            for l in 0..<128 where columns[l * wordsPerColumn + j / 64] >> UInt64(j % 64) & 1 == 1 { naive |= 1 << UInt128(l) }
            if rows[j] != naive { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test("IKNP: every sender row is the receiver's row XOR its choice times s", arguments: [0, 3] as [Int])
    func extensionRows(chunk: Int) {
        var rng = DeterministicRNG(seed: 40 + UInt64(chunk))
        let seeds = (0..<128).map { _ in (Self.word128(&rng), Self.word128(&rng)) }
        let secret = Self.word128(&rng)
        let senderSeeds = (0..<128).map { l in secret >> l & 1 == 1 ? seeds[l].1 : seeds[l].0 }
        let choices = (0..<6).map { _ in rng.next() }  // 384 transfers
        let (u, t) = OTExtension.receiverMatrices(seeds: seeds, choices: choices, chunk: chunk)
        let q = OTExtension.senderRows(seeds: senderSeeds, secret: secret, u: u, chunk: chunk)
        #expect(t.count == 384 && q.count == 384)
        var wrong = 0
        for j in 0..<384 {
            let r = choices[j / 64] >> UInt64(j % 64) & 1 == 1
            if q[j] != (r ? t[j] ^ secret : t[j]) { wrong += 1 }
        }
        #expect(wrong == 0)
        // A sender with one wrong seed gets a wrong column (the test can fail).
        var broken = senderSeeds
        broken[7] ^= 1
        let q2 = OTExtension.senderRows(seeds: broken, secret: secret, u: u, chunk: chunk)
        #expect((0..<384).contains { q2[$0] != q[$0] })
        // Chunks are independent streams.
        let (_, other) = OTExtension.receiverMatrices(seeds: seeds, choices: choices, chunk: chunk + 1)
        #expect(other != t)
    }

    @Test("the hash is tweaked by the index and deterministic")
    func hash() {
        var blocks: [UInt128] = [5, 5, 6]
        CorrelationRobustHash.hash(&blocks, firstTweak: 0)
        #expect(blocks[0] != blocks[1])  // same input, tweaks 0 and 1
        var again: [UInt128] = [5]
        CorrelationRobustHash.hash(&again, firstTweak: 0)
        #expect(again[0] == blocks[0])
        var shifted: [UInt128] = [5]
        CorrelationRobustHash.hash(&shifted, firstTweak: 1)
        #expect(shifted[0] == blocks[1])
    }
}

/// Member-generated triples (Gilboa over IKNP-extended correlated OTs).
@Suite("Member-generated triples (Gilboa over OT extension)")
struct TripleGenerationTests {
    static let field = MersenneField127()

    static func machines(
        members: Int, triples: Int, perChunk: Int = 512, seed: UInt64, factors: [(a: [UInt128], b: [UInt128])]? = nil
    ) throws -> [TripleGenerationStateMachine] {
        let configuration = try TripleGenerationConfiguration(
            sessionID: testSession(9), memberCount: members, tripleCount: triples, triplesPerChunk: perChunk)
        var rng = DeterministicRNG(seed: seed)
        return try (0..<members).map { i in
            let party = PartyID(UInt32(i + 1))
            if let factors {
                return try TripleGenerationStateMachine(configuration: configuration, party: party, factors: factors[i], using: &rng)
            }
            return try TripleGenerationStateMachine(configuration: configuration, party: party, using: &rng)
        }
    }

    static func generate(
        members: Int, triples: Int, perChunk: Int = 512, seed: UInt64, reorder: UInt64? = nil,
        factors: [(a: [UInt128], b: [UInt128])]? = nil
    ) throws -> [[BeaverTriple<UInt128>]] {
        let machines: [any ProtocolStateMachine<TripleGenerationMessage, [BeaverTriple<UInt128>]>] =
            try Self.machines(members: members, triples: triples, perChunk: perChunk, seed: seed, factors: factors)
        var router = InProcessRouter(machines: machines, decode: { bytes throws(MPCProtocolError) in try TripleGenerationMessage(wireEncoded: bytes) })
        router.reorderSeed = reorder
        try router.run()
        #expect(router.rejections.isEmpty, "\(router.rejections.map(\.error))")
        if reorder == nil { #expect(router.hops == 4) }
        return try PartyID.members(members).map { try #require(router.outputs[$0]) }
    }

    @Test("triples among 2, 3 and 5 members are valid and fresh", arguments: [2, 3, 5])
    func triplesAreValidAndFresh(members: Int) throws {
        let shares = try Self.generate(members: members, triples: 6, seed: 7 + UInt64(members))
        var seen = Set<UInt128>()
        for t in 0..<6 {
            let triple = try BeaverTriple.open(shares.map { $0[t] }, in: Self.field)
            #expect(triple.isValid(in: Self.field), "triple \(t)")
            #expect(triple.a != 0 && triple.b != 0)
            #expect(seen.insert(triple.a).inserted)
        }
        // A wrong share is caught by the check above (the test can fail).
        var broken = shares[0][0]
        broken.c = Self.field.add(broken.c, 1)
        #expect(!(try BeaverTriple.open([broken] + shares.dropFirst().map { $0[0] }, in: Self.field)).isValid(in: Self.field))
    }

    @Test("chunks: 11 triples in chunks of 4 (the last one short), in any delivery order", arguments: [nil, 3, 8] as [UInt64?])
    func chunked(reorder: UInt64?) throws {
        let shares = try Self.generate(members: 3, triples: 11, perChunk: 4, seed: 21, reorder: reorder)
        for t in 0..<11 {
            #expect(try BeaverTriple.open(shares.map { $0[t] }, in: Self.field).isValid(in: Self.field), "triple \(t)")
        }
    }

    @Test("Gilboa shares sum to the product for edge factors: 0, 1, p − 1, 2^126, 2^127 − 2")
    func edgeFactors() throws {
        let p = MersenneField127.modulus
        let edges: [UInt128] = [0, 1, p - 1, 1 << 126, p - 1 - 1, (1 << 126) - 1]
        let pairs = edges.flatMap { x in edges.map { (x, $0) } }
        for members in [2, 3] {
            // Member 1 holds the edge values, the others zero or one, so cross terms carry them.
            var rng = DeterministicRNG(seed: 33)
            let factors: [(a: [UInt128], b: [UInt128])] = (0..<members).map { i in
                if i == 0 { return (pairs.map(\.0), pairs.map(\.1)) }
                return (pairs.map { _ in i == 1 ? p - 1 : 0 }, pairs.map { _ in Self.field.random(using: &rng) })
            }
            let shares = try Self.generate(members: members, triples: pairs.count, seed: 34, factors: factors)
            for t in pairs.indices {
                #expect(shares[0][t].a == pairs[t].0 && shares[0][t].b == pairs[t].1)
                #expect(try BeaverTriple.open(shares.map { $0[t] }, in: Self.field).isValid(in: Self.field), "pair \(t), \(members) members")
            }
        }
    }

    /// The whole pipeline with no dealer: member-generated triples, random bits made from
    /// triples, then a comparison and an equality, opened to the plaintext answer.
    @Test func comparisonWithMemberGeneratedPreprocessing() throws {
        let members = 3
        let less = 192, eq = 64, bitsNeeded = 64 + 65
        let shares = try Self.generate(members: members, triples: less + eq + bitsNeeded, seed: 8)
        let stores = shares.map { PreprocessingStore(triples: $0, origin: .memberGenerated) }
        let bitRouter = try BeaverGateTests.run(members: members, triples: 0, bits: 0, seed: 9, stores: stores) { _ in
            try RandomBitGate(count: bitsNeeded)
        }
        for (i, store) in stores.enumerated() { store.append(bits: try #require(bitRouter.outputs[PartyID(UInt32(i + 1))])) }
        let x = Self.field.element(signed: Int64(-3)), y = Self.field.element(signed: Int64.max)
        let xs = try BeaverGateTests.share([x, x], members: members, seed: 10), ys = try BeaverGateTests.share([y, x], members: members, seed: 11)
        let lt = try BeaverGateTests.agreedOutput(
            BeaverGateTests.run(members: members, triples: 0, bits: 0, seed: 12, stores: stores) { i in
                RevealGate(try LessThanZeroGate(lessThan: [xs[i][0]], [ys[i][0]]))
            }, members: members)
        #expect(lt == [1])
        let equal = try BeaverGateTests.agreedOutput(
            BeaverGateTests.run(members: members, triples: 0, bits: 0, seed: 13, stores: stores) { i in
                RevealGate(try EqualityZeroGate(equal: [xs[i][1]], [ys[i][1]]))
            }, members: members)
        #expect(equal == [1])
        #expect(stores.allSatisfy { $0.remainingTriples == 0 && $0.remainingBits == 0 && $0.origin == .memberGenerated })
    }

    /// Messages of member 2 to member 1 in a 2-member session of 5 triples in chunks of 2.
    static func peerMessages() throws -> (machine: TripleGenerationStateMachine, byRound: [[TripleGenerationMessage]]) {
        var machines = try Self.machines(members: 2, triples: 5, perChunk: 2, seed: 50)
        var byRound: [[TripleGenerationMessage]] = [[], [], [], []]
        var toTwo: [TripleGenerationMessage] = []
        func collect(_ actions: [TripleGenerationStateMachine.Action], into list: inout [TripleGenerationMessage]) {
            for case let .send(_, message) in actions { list.append(message) }
        }
        var fromTwo: [TripleGenerationMessage] = []
        collect(try machines[0].start(), into: &toTwo)
        collect(try machines[1].start(), into: &fromTwo)
        // Let member 2 run against member 1's messages until it has sent everything.
        var spare = try Self.machines(members: 2, triples: 5, perChunk: 2, seed: 50)[0]
        _ = try spare.start()
        var pending = toTwo
        for message in fromTwo { collect(try spare.receive(message, from: PartyID(2)), into: &pending) }
        while !pending.isEmpty {
            let next = pending.removeFirst()
            var out: [TripleGenerationMessage] = []
            collect(try machines[1].receive(next, from: PartyID(1)), into: &out)
            fromTwo += out
            for message in out { collect(try spare.receive(message, from: PartyID(2)), into: &pending) }
        }
        for message in fromTwo { byRound[Int(message.round) - 1].append(message) }
        return (machines[0], byRound)
    }

    @Test("malformed, oversized, misplaced and out-of-range messages are refused precisely, state unchanged")
    func refusals() throws {
        let (machine, byRound) = try Self.peerMessages()
        #expect(byRound.map(\.count) == [1, 1, 3, 3])
        let session = testSession(9), two = PartyID(2)
        func refuse(_ payload: TripleGenerationMessage.Payload, _ error: MPCProtocolError, after prefix: [TripleGenerationMessage] = []) throws {
            var copy = machine
            for message in prefix { _ = try copy.receive(message, from: two) }
            #expect(throws: error) { try copy.receive(TripleGenerationMessage(sessionID: session, sender: two, payload: payload), from: two) }
        }
        let notAPoint = "not a compressed P-256 point other than infinity"
        try refuse(.baseSetup([UInt8](repeating: 0, count: 33)), .malformedMessage(from: two, reason: notAPoint))
        try refuse(.baseSetup([4] + [UInt8](repeating: 7, count: 32)), .malformedMessage(from: two, reason: notAPoint))
        try refuse(.baseChoices([]), .lengthMismatch(from: two, expected: 128, actual: 0))
        guard case let .baseChoices(points) = byRound[1][0].payload else { Issue.record("not choices"); return }
        var bad = points
        bad[100][5] ^= 0xFF
        try refuse(.baseChoices(bad), .malformedMessage(from: two, reason: notAPoint))
        try refuse(.extensionColumns(chunk: 3, columns: []), .malformedMessage(from: two, reason: "chunk index 3 out of range (the session has 3)"))
        // Chunk 2 holds one triple: 127 transfers padded to 128, 128 columns of 16 bytes.
        try refuse(.extensionColumns(chunk: 2, columns: [UInt8](repeating: 0, count: 100)), .lengthMismatch(from: two, expected: 2048, actual: 100))
        try refuse(.corrections(chunk: 0, values: [1, 2]), .lengthMismatch(from: two, expected: 254, actual: 2))
        try refuse(.corrections(chunk: UInt32.max, values: []), .malformedMessage(from: two, reason: "chunk index 4294967295 out of range (the session has 3)"))
        try refuse(byRound[0][0].payload, .duplicateMessage(from: two, round: 1), after: [byRound[0][0]])
        try refuse(byRound[2][1].payload, .duplicateMessage(from: two, round: 3), after: [byRound[2][1]])
        // Sender and session binding.
        var copy = machine
        let claimed = TripleGenerationMessage(sessionID: session, sender: PartyID(1), payload: byRound[0][0].payload)
        #expect(throws: MPCProtocolError.senderMismatch(claimed: PartyID(1), actual: two)) { try copy.receive(claimed, from: two) }
        #expect(throws: MPCProtocolError.unknownParty(PartyID(1))) { try copy.receive(byRound[0][0], from: PartyID(1)) }
        #expect(throws: MPCProtocolError.unknownParty(PartyID(3))) { try copy.receive(byRound[0][0], from: PartyID(3)) }
        let elsewhere = TripleGenerationMessage(sessionID: testSession(8), sender: two, payload: byRound[0][0].payload)
        #expect(throws: MPCProtocolError.wrongSession(from: two)) { try copy.receive(elsewhere, from: two) }
        // After all these refusals the copy still completes with the genuine messages, in
        // reverse order (columns before the setup are held).
        var outputs = 0
        for message in byRound.flatMap({ $0 }).reversed() {
            for action in try copy.receive(message, from: two) {
                if case .output = action { outputs += 1 }
            }
        }
        #expect(outputs == 1)
    }

    @Test("encodings round-trip; truncated, trailing, mislabelled and out-of-field bytes are refused")
    func encodings() throws {
        let (_, byRound) = try Self.peerMessages()
        for message in byRound.flatMap({ $0 }) {
            let decoded = try TripleGenerationMessage(wireEncoded: message.wireEncoded())
            #expect(decoded.payload == message.payload && decoded.round == message.round && decoded.sender == message.sender)
        }
        let corrections = byRound[3][0].wireEncoded()
        // Truncated by one byte: the envelope's declared length no longer matches.
        let truncated = #expect(throws: MPCProtocolError.self) { try TripleGenerationMessage(wireEncoded: Array(corrections.dropLast())) }
        #expect(truncated?.description.hasPrefix("wire format: truncated") == true, "\(String(describing: truncated))")
        // A field element ≥ p (digest recomputed, so only the value is wrong).
        let big = TripleGenerationMessage(
            sessionID: testSession(9), sender: PartyID(2), payload: .corrections(chunk: 0, values: [MersenneField127.modulus]))
        let outOfField = #expect(throws: MPCProtocolError.self) { try TripleGenerationMessage(wireEncoded: big.wireEncoded()) }
        #expect(outOfField?.description == "wire format: invalid value: field element not below 2^127 − 1")
        // A flipped bit anywhere fails the digest.
        var flipped = byRound[2][0].wireEncoded()
        flipped[flipped.count / 2] ^= 1
        #expect(throws: MPCProtocolError.corruptedMessage) { try TripleGenerationMessage(wireEncoded: flipped) }
        // An unknown tag.
        let unknown = #expect(throws: MPCProtocolError.self) {
            try TripleGenerationMessage(wireEncoded: BeaverMessage(sessionID: testSession(9), sender: PartyID(2), step: 0, values: []).wireEncoded())
        }
        #expect(unknown?.description == "wire format: unexpected type tag 0x531")
        #expect(!byRound[3][0].description.contains("\(MersenneField127.modulus)"))
    }

    /// The transports refuse payloads over 16 MiB (protocols/node.md, `NodeLimits.maxPayloadBytes`):
    /// the largest chunk a configuration allows (2,048 triples) stays far below, the default about 1 MiB.
    @Test("the largest messages stay below the transports' payload limit", arguments: [512, 2048])
    func messageSizes(perChunk: Int) throws {
        let configuration = try TripleGenerationConfiguration(sessionID: testSession(9), memberCount: 2, tripleCount: perChunk, triplesPerChunk: perChunk)
        #expect(configuration.chunkCount == 1)
        // 127 transfers per triple, padded to a multiple of 128; 128 columns of that many bits.
        let transfers = 127 * perChunk, padded = (transfers + 127) / 128 * 128
        let columns = TripleGenerationMessage(
            sessionID: testSession(9), sender: PartyID(1), payload: .extensionColumns(chunk: 0, columns: [UInt8](repeating: 0, count: 16 * padded)))
        let corrections = TripleGenerationMessage(
            sessionID: testSession(9), sender: PartyID(1), payload: .corrections(chunk: 0, values: [UInt128](repeating: 1, count: transfers)))
        for message in [columns, corrections] {
            #expect(message.wireEncoded().count < 16 << 20)
            #expect(perChunk != 512 || message.wireEncoded().count < 1_100_000)
        }
    }

    @Test("zero triples: the base OTs alone, two rounds, an empty output")
    func zeroTriples() throws {
        let machines: [any ProtocolStateMachine<TripleGenerationMessage, [BeaverTriple<UInt128>]>] =
            try Self.machines(members: 3, triples: 0, seed: 70)
        var router = InProcessRouter(machines: machines, decode: { bytes throws(MPCProtocolError) in try TripleGenerationMessage(wireEncoded: bytes) })
        try router.run()
        #expect(router.rejections.isEmpty && router.hops == 2)
        #expect(PartyID.members(3).allSatisfy { router.outputs[$0]?.isEmpty == true })
    }

    @Test("a member that drops out in round 3 aborts the others' generation")
    func dropout() throws {
        let machines: [any ProtocolStateMachine<TripleGenerationMessage, [BeaverTriple<UInt128>]>] =
            try Self.machines(members: 3, triples: 3, seed: 60)
        var router = InProcessRouter(machines: machines, decode: { bytes throws(MPCProtocolError) in try TripleGenerationMessage(wireEncoded: bytes) })
        router.crashRound[PartyID(3)] = 3
        try router.run()
        #expect(router.outputs.isEmpty)
        #expect(router.aborts[PartyID(1)] == .memberDropped(PartyID(3), round: 3))
    }

    @Test func configurationRefusals() throws {
        #expect(throws: MPCProtocolError.self) { try TripleGenerationConfiguration(sessionID: testSession(), memberCount: 1, tripleCount: 1) }
        #expect(throws: MPCProtocolError.self) { try TripleGenerationConfiguration(sessionID: testSession(), memberCount: 3, tripleCount: (1 << 20) + 1) }
        #expect(throws: MPCProtocolError.self) { try TripleGenerationConfiguration(sessionID: testSession(), memberCount: 3, tripleCount: 1, triplesPerChunk: 0) }
        let configuration = try TripleGenerationConfiguration(sessionID: testSession(), memberCount: 3, tripleCount: 2)
        var rng = DeterministicRNG(seed: 1)
        #expect(throws: MPCProtocolError.self) { try TripleGenerationStateMachine(configuration: configuration, party: PartyID(4), using: &rng) }
        #expect(throws: MPCProtocolError.self) {
            try TripleGenerationStateMachine(configuration: configuration, party: PartyID(1), factors: ([MersenneField127.modulus, 0], [0, 0]), using: &rng)
        }
    }
}
