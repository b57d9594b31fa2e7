import Foundation
import MPCProtocols
import MultiPrecision
import SecretSharing
import Testing
import _TestSupport

/// The online gates of protocol beaver against the plaintext, through the in-process router.
/// Spec: protocols/beaver.md; oracle vectors from protocols/tools/beaver_vectors.py.
@Suite("Beaver gates")
struct BeaverGateTests {
    static let field = MersenneField127()

    struct PairCase: Decodable {
        let tcId: Int
        let x: String
        let y: String
        let lessThan: Bool
        let equal: Bool
        let min: String
        let max: String
    }
    struct ListCase: Decodable {
        let tcId: Int
        let values: [String]
        let min: String
        let max: String
    }
    struct ComparisonFile: Decodable {
        let pairs: [PairCase]
        let lists: [ListCase]
    }

    static func comparisonVectors() throws -> ComparisonFile {
        try Vectors.load(ComparisonFile.self, from: "protocols/beaver/vectors/v1/comparison.json")
    }

    /// Runs one gate per party (built by `makeGate(partyIndex)`) with dealt preprocessing.
    static func run<G: BeaverGate>(
        members: Int, triples: Int, bits: Int, seed: UInt64, stores: [PreprocessingStore]? = nil, bitLength: Int = 65,
        configure: ((inout InProcessRouter<BeaverMessage, G.Output>) -> Void)? = nil,
        makeGate: (Int) throws -> G
    ) throws -> InProcessRouter<BeaverMessage, G.Output> {
        var rng = DeterministicRNG(seed: seed)
        let configuration = try BeaverConfiguration(sessionID: testSession(7), memberCount: members, bitLength: bitLength)
        let pools = try stores ?? InsecureDealer.dealInsecurely(parties: members, triples: triples, bits: bits, using: &rng)
        let machines: [any ProtocolStateMachine<BeaverMessage, G.Output>] = try (0..<members).map { i in
            try BeaverStateMachine(
                configuration: configuration, party: PartyID(UInt32(i + 1)), gate: makeGate(i), preprocessing: pools[i], using: &rng)
        }
        var router = InProcessRouter(machines: machines, decode: { bytes throws(MPCProtocolError) in try BeaverMessage(wireEncoded: bytes) })
        configure?(&router)
        try router.run()
        return router
    }

    /// Additive shares of `values` among `members` (test dealer).
    static func share(_ values: [UInt128], members: Int, seed: UInt64) throws -> [[UInt128]] {
        var rng = DeterministicRNG(seed: seed)
        return try AdditiveSharing(ring: field).split(values, parties: members, using: &rng)
    }

    static func signed(_ x: UInt128) -> Int128 { field.signedValue(x) }

    /// The outputs of every party, which must agree.
    static func agreedOutput(_ router: InProcessRouter<BeaverMessage, [UInt128]>, members: Int) throws -> [UInt128] {
        #expect(router.rejections.isEmpty, "\(router.rejections.map(\.error))")
        #expect(router.aborts.isEmpty)
        #expect(router.outputs.count == members)
        let first = try #require(router.outputs[PartyID(1)])
        for party in PartyID.members(members) { #expect(router.outputs[party] == first) }
        return first
    }

    @Test(arguments: [2, 3, 10])
    func batchedMultiplicationIsOneLayer(members: Int) throws {
        let p = MersenneField127.modulus
        var rng = DeterministicRNG(seed: 11)
        let x: [UInt128] = [0, 1, p - 1, p - 1, 1 << 126] + (0..<20).map { _ in Self.field.random(using: &rng) }
        let y: [UInt128] = [5, 0, p - 1, 2, 2] + (0..<20).map { _ in Self.field.random(using: &rng) }
        let xs = try Self.share(x, members: members, seed: 1), ys = try Self.share(y, members: members, seed: 2)
        let router = try Self.run(members: members, triples: x.count, bits: 0, seed: 3) { i in
            RevealGate(try MultiplicationGate(left: xs[i], right: ys[i]))
        }
        let products = try Self.agreedOutput(router, members: members)
        #expect(products == zip(x, y).map { Self.field.multiply($0, $1) })
        #expect(router.hops == 2)  // the multiplication layer, then the reveal
    }

    @Test(arguments: [3, 10])
    func lessThanAndEqualityMatchThePlaintextOracle(members: Int) throws {
        let cases = try Self.comparisonVectors().pairs
        let x = cases.map { Self.field.element(signed: Int64($0.x)!) }
        let y = cases.map { Self.field.element(signed: Int64($0.y)!) }
        let xs = try Self.share(x, members: members, seed: 21), ys = try Self.share(y, members: members, seed: 22)
        let lt = try Self.run(members: members, triples: cases.count * 192, bits: cases.count * 64, seed: 23) { i in
            RevealGate(try LessThanZeroGate(lessThan: xs[i], ys[i]))
        }
        let lessThan = try Self.agreedOutput(lt, members: members)
        #expect(lt.hops == 1 + 6 + 1)  // masked opening, ⌈log2 64⌉ prefix-OR layers, reveal
        let eq = try Self.run(members: members, triples: cases.count * 64, bits: cases.count * 65, seed: 24) { i in
            RevealGate(try EqualityZeroGate(equal: xs[i], ys[i]))
        }
        let equal = try Self.agreedOutput(eq, members: members)
        #expect(eq.hops == 1 + 7 + 1)
        for (i, c) in cases.enumerated() {
            #expect(lessThan[i] == (c.lessThan ? 1 : 0), "tcId \(c.tcId): \(c.x) < \(c.y)")
            #expect(equal[i] == (c.equal ? 1 : 0), "tcId \(c.tcId): \(c.x) = \(c.y)")
        }
    }

    /// `LTZ` and `EQZ` at the ends of the `k = 65` range and on random values; the inputs
    /// `−2^64` and `2^64 − 1` are the field images farthest from zero that the gate accepts.
    @Test func comparisonsAtTheRangeBoundaries() throws {
        let f = Self.field
        var rng = DeterministicRNG(seed: 31)
        var values: [Int128] = [0, 1, -1, 1 << 64 - 1, -(1 << 64), -(1 << 64) + 1, 1 << 63, -(1 << 63), Int128(Int64.max), Int128(Int64.min)]
        values += (0..<30).map { _ in Int128(Int64(bitPattern: rng.next())) * (rng.next() & 1 == 0 ? 1 : 2) }
        let images = values.map { f.element(signedWide: $0) }
        let shares = try Self.share(images, members: 3, seed: 32)
        let ltz = try Self.agreedOutput(
            Self.run(members: 3, triples: values.count * 192, bits: values.count * 64, seed: 33) { i in
                RevealGate(try LessThanZeroGate(values: shares[i]))
            }, members: 3)
        let eqz = try Self.agreedOutput(
            Self.run(members: 3, triples: values.count * 64, bits: values.count * 65, seed: 34) { i in
                RevealGate(try EqualityZeroGate(values: shares[i]))
            }, members: 3)
        for (i, v) in values.enumerated() {
            #expect(ltz[i] == (v < 0 ? 1 : 0), "LTZ(\(v))")
            #expect(eqz[i] == (v == 0 ? 1 : 0), "EQZ(\(v))")
        }
    }

    /// Exact truncation equals floor division by 2^m; probabilistic truncation is within one of it.
    @Test(arguments: [1, 16, 40, 64])
    func truncationMatchesFloorDivision(shift: Int) throws {
        let f = Self.field
        var rng = DeterministicRNG(seed: 71 + UInt64(shift))
        var values: [Int128] = [0, 1, -1, (1 << 64) - 1, -(1 << 64), Int128(Int64.max), Int128(Int64.min), 12_345, -12_345]
        values += (0..<16).map { _ in Int128(Int64(bitPattern: rng.next())) }
        let shares = try Self.share(values.map { f.element(signedWide: $0) }, members: 3, seed: 72)
        func floorDiv(_ a: Int128) -> Int128 { a >> Int128(shift) }  // arithmetic shift = ⌊a/2^m⌋
        let needs = try TruncationGate(values: shares[0], shift: shift).preprocessingNeeded
        let exact = try Self.agreedOutput(
            Self.run(members: 3, triples: needs.triples, bits: needs.bits, seed: 73) { i in
                RevealGate(try TruncationGate(values: shares[i], shift: shift))
            }, members: 3)
        let probabilistic = try Self.run(members: 3, triples: 0, bits: values.count * shift, seed: 74) { i in
            RevealGate(try TruncationGate(values: shares[i], shift: shift, rounding: .probabilistic))
        }
        #expect(probabilistic.hops == 2)
        let rounded = try Self.agreedOutput(probabilistic, members: 3)
        for (i, a) in values.enumerated() {
            #expect(Self.signed(exact[i]) == floorDiv(a), "⌊\(a) / 2^\(shift)⌋")
            let d = Self.signed(rounded[i]) - floorDiv(a)
            #expect(d == 0 || d == 1, "TruncPr(\(a), \(shift))")
            if a % (1 << Int128(shift)) == 0 { #expect(d == 0) }  // nothing dropped: exact
        }
        #expect(throws: MPCProtocolError.self) { try TruncationGate(values: [], shift: 65) }
        #expect(throws: MPCProtocolError.self) { try TruncationGate(values: [], shift: 0) }
    }

    @Test func selectionPicksByTheSharedBit() throws {
        let f = Self.field
        let c: [UInt128] = [0, 1, 1, 0]
        let x = [f.element(signed: Int64(-5)), f.element(signed: Int64.max), 0, MersenneField127.modulus - 1]
        let y = [f.element(signed: Int64(7)), f.element(signed: Int64.min), 9, 3]
        let cs = try Self.share(c, members: 4, seed: 41), xs = try Self.share(x, members: 4, seed: 42), ys = try Self.share(y, members: 4, seed: 43)
        let out = try Self.agreedOutput(
            Self.run(members: 4, triples: 4, bits: 0, seed: 44) { i in RevealGate(try SelectionGate(condition: cs[i], x: xs[i], y: ys[i])) },
            members: 4)
        #expect(out == [y[0], x[1], x[2], y[3]])
    }

    /// Min and max of every member's private values: shared by `InputGate`, a tournament of
    /// comparisons and selections, and only the extreme opened.
    @Test(arguments: [3, 10])
    func minimumAndMaximumOfMembersValues(members: Int) throws {
        for list in try Self.comparisonVectors().lists {
            let all = list.values.map { Int64($0)! }
            // Deal the values round-robin to members (some hold none).
            var held = [[UInt128]](repeating: [], count: members)
            for (i, v) in all.enumerated() { held[i % members].append(Self.field.element(signed: v)) }
            let counts = held.map(\.count)
            for kind in [ExtremumGate.Kind.minimum, .maximum] {
                let needs = ExtremumGate.preprocessingNeeded(count: all.count)
                let router = try Self.run(members: members, triples: needs.triples, bits: needs.bits, seed: UInt64(list.tcId)) { i in
                    try InputGate(values: held[i], counts: counts, needs: needs) { shares in
                        RevealGate(try ExtremumGate(values: shares.flatMap { $0 }, kind: kind))
                    }
                }
                let out = try Self.agreedOutput(router, members: members)
                let expected = Int128(kind == .minimum ? list.min : list.max)!
                #expect(out.count == 1 && Self.signed(out[0]) == expected, "tcId \(list.tcId) \(kind)")
                let levels = all.count <= 1 ? 0 : Int.bitWidth - (all.count - 1).leadingZeroBitCount
                #expect(router.hops == 1 + levels * 8 + 1, "input, ⌈log2 N⌉ levels of 8 layers, reveal")
            }
        }
    }

    /// What every member sees: no delivered value equals an input, and every masked opening of a
    /// comparison differs between two runs on the same inputs.
    @Test func openingsAreMasked() throws {
        let f = Self.field
        let inputs: [Int64] = [42, -42, 7, 1_000_000]
        let images = inputs.map { f.element(signed: $0) }
        func run(seed: UInt64) throws -> [[UInt128]] {
            let router = try Self.run(
                members: 3, triples: 4 * 193, bits: 4 * 64, seed: seed,
                configure: { $0.recordDeliveries = true }
            ) { i in
                try InputGate(values: i == 0 ? images : [], counts: [4, 0, 0], needs: ExtremumGate.preprocessingNeeded(count: 4)) { shares in
                    try ExtremumGate(values: shares[0], kind: .maximum)
                }
            }
            let shares = PartyID.members(3).map { router.outputs[$0]! }
            let total = try AdditiveSharing(ring: f).reconstruct(shares)
            #expect(total == [f.element(signed: Int64(1_000_000))])
            return try router.delivered.map { try BeaverMessage(wireEncoded: $0.bytes).values }.filter { !$0.isEmpty }
        }
        let first = try run(seed: 51), second = try run(seed: 52)
        let seen = Set(first.flatMap { $0 })
        for image in images { #expect(!seen.contains(image)) }
        #expect(first.count == second.count)
        #expect(zip(first, second).allSatisfy { $0 != $1 })
    }

    @Test func randomBitsFromTriplesAlone() throws {
        let router = try Self.run(members: 3, triples: 64, bits: 0, seed: 61) { _ in try RandomBitGate(count: 64) }
        #expect(router.rejections.isEmpty && router.outputs.count == 3)
        #expect(router.hops == 2)
        let bits = try AdditiveSharing(ring: Self.field).reconstruct(PartyID.members(3).map { router.outputs[$0]! })
        #expect(bits.allSatisfy { $0 == 0 || $0 == 1 })
        #expect(bits.contains(0) && bits.contains(1))
    }
}

@Suite("Beaver machines: preprocessing, refusals and hostile messages")
struct BeaverMachineTests {
    static let field = MersenneField127()

    static func machine(party: UInt32, store: PreprocessingStore, gate: MultiplicationGate) throws -> BeaverStateMachine<MultiplicationGate> {
        var rng = DeterministicRNG(seed: UInt64(party))
        return try BeaverStateMachine(
            configuration: BeaverConfiguration(sessionID: testSession(7), memberCount: 3), party: PartyID(party), gate: gate,
            preprocessing: store, using: &rng)
    }

    @Test func configurationBounds() {
        #expect(throws: MPCProtocolError.self) { try BeaverConfiguration(sessionID: testSession(), memberCount: 1) }
        #expect(throws: MPCProtocolError.self) { try BeaverConfiguration(sessionID: testSession(), memberCount: 65) }
        #expect(throws: MPCProtocolError.self) { try BeaverConfiguration(sessionID: testSession(), memberCount: 3, statisticalSecurity: 39) }
        // 65 + 55 + ⌈log2 64⌉ + 2 = 128 > 127; 65 + 54 + 6 + 2 = 127 fits.
        #expect(throws: MPCProtocolError.self) { try BeaverConfiguration(sessionID: testSession(), memberCount: 64, statisticalSecurity: 55) }
        #expect((try? BeaverConfiguration(sessionID: testSession(), memberCount: 64, statisticalSecurity: 54)) != nil)
    }

    /// A triple is never used twice: two machines given the same store (or a copied machine)
    /// draw different triples, and a store that runs dry refuses to start.
    @Test func triplesAreNeverReused() throws {
        var rng = DeterministicRNG(seed: 3)
        let stores = try InsecureDealer.dealInsecurely(parties: 3, triples: 2, bits: 0, using: &rng)
        let gate = try MultiplicationGate(left: [1], right: [2])
        var first = try Self.machine(party: 1, store: stores[0], gate: gate)
        var copy = first
        let a = try first.start()
        let b = try copy.start()
        guard case let .broadcast(_, m1) = a[0], case let .broadcast(_, m2) = b[0] else { Issue.record("expected broadcasts"); return }
        #expect(m1.values != m2.values)  // same inputs, different triples
        #expect(stores[0].remainingTriples == 0)
        var third = try Self.machine(party: 1, store: stores[0], gate: gate)
        #expect(throws: MPCProtocolError.sharing(.triplesExhausted(needed: 1, available: 0))) { try third.start() }
        #expect(!third.isFinished)
    }

    @Test func hostileMessagesAreRefused() throws {
        var rng = DeterministicRNG(seed: 4)
        let stores = try InsecureDealer.dealInsecurely(parties: 3, triples: 1, bits: 0, using: &rng)
        var machine = try Self.machine(party: 2, store: stores[1], gate: MultiplicationGate(left: [3], right: [4]))
        let early = BeaverMessage(sessionID: testSession(7), sender: PartyID(1), step: 0, values: [1, 2])
        #expect(throws: MPCProtocolError.notStarted) { try machine.receive(early, from: PartyID(1)) }
        _ = try machine.start()
        #expect(throws: MPCProtocolError.lengthMismatch(from: PartyID(1), expected: 2, actual: 3)) {
            try machine.receive(BeaverMessage(sessionID: testSession(7), sender: PartyID(1), step: 0, values: [1, 2, 3]), from: PartyID(1))
        }
        #expect(throws: MPCProtocolError.senderMismatch(claimed: PartyID(1), actual: PartyID(3))) { try machine.receive(early, from: PartyID(3)) }
        #expect(throws: MPCProtocolError.wrongSession(from: PartyID(1))) {
            try machine.receive(BeaverMessage(sessionID: testSession(8), sender: PartyID(1), step: 0, values: [1, 2]), from: PartyID(1))
        }
        #expect(throws: MPCProtocolError.unknownParty(PartyID(4))) {
            try machine.receive(BeaverMessage(sessionID: testSession(7), sender: PartyID(4), step: 0, values: [1, 2]), from: PartyID(4))
        }
        #expect(throws: MPCProtocolError.unexpectedMessage(from: PartyID(1), round: 1)) {
            try machine.receive(BeaverMessage(sessionID: testSession(7), sender: PartyID(1), step: 5, values: [1, 2]), from: PartyID(1))
        }
        #expect(try machine.receive(early, from: PartyID(1)).isEmpty)
        #expect(throws: MPCProtocolError.duplicateMessage(from: PartyID(1), round: 1)) { try machine.receive(early, from: PartyID(1)) }
        // A value ≥ p never decodes.
        let bad = BeaverMessage(sessionID: testSession(7), sender: PartyID(1), step: 0, values: [MersenneField127.modulus]).wireEncoded()
        #expect(throws: MPCProtocolError.self) { try BeaverMessage(wireEncoded: bad) }
        let good = BeaverMessage(sessionID: testSession(7), sender: PartyID(1), step: 3, values: [0, MersenneField127.modulus - 1])
        let decoded = try BeaverMessage(wireEncoded: good.wireEncoded())
        #expect(decoded.values == good.values && decoded.step == 3 && decoded.sender == PartyID(1))
        var flipped = good.wireEncoded()
        flipped[60] ^= 1
        #expect(throws: MPCProtocolError.corruptedMessage) { try BeaverMessage(wireEncoded: flipped) }
        #expect(!"\(good)".contains("\(MersenneField127.modulus - 1)"))
    }

    struct MessageCase: Decodable {
        let tcId: Int
        let desc: String
        let result: VectorResult
        let sender: UInt32?
        let step: UInt32?
        let values: [String]?
        let hex: String
    }
    struct MessageFile: Decodable {
        let session: String
        let cases: [MessageCase]
    }

    /// Encodings against the Python reference: valid cases decode to their fields and re-encode to
    /// the same bytes; every mutation is refused.
    @Test func layerMessagesMatchTheReferenceEncoding() throws {
        let file = try Vectors.load(MessageFile.self, from: "protocols/beaver/vectors/v1/messages.json")
        let session = try SessionID(bytes: try #require([UInt8](hex: file.session)))
        #expect(file.cases.contains { $0.result == .invalid })
        for c in file.cases {
            let bytes = try #require([UInt8](hex: c.hex))
            switch c.result {
            case .valid:
                let message = try BeaverMessage(wireEncoded: bytes)
                #expect(message.sessionID == session && message.sender == PartyID(c.sender!) && message.step == c.step!, "tcId \(c.tcId)")
                #expect(message.values == c.values!.map { UInt128($0)! }, "tcId \(c.tcId)")
                let again = BeaverMessage(sessionID: session, sender: PartyID(c.sender!), step: c.step!, values: message.values)
                #expect(again.wireEncoded() == bytes, "tcId \(c.tcId): \(c.desc)")
            default:
                #expect(throws: MPCProtocolError.self, "tcId \(c.tcId): \(c.desc)") { try BeaverMessage(wireEncoded: bytes) }
            }
        }
    }

    /// Messages delivered in a shuffled order (a peer a layer ahead is buffered) give the same
    /// answers.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func reorderedDeliveryGivesTheSameAnswer(seed: UInt64) throws {
        let f = MersenneField127()
        let x: [Int64] = [5, -9, Int64.max, Int64.min, 0]
        let y: [Int64] = [5, 9, Int64.min, Int64.max, -1]
        let xs = try BeaverGateTests.share(x.map { f.element(signed: $0) }, members: 4, seed: seed)
        let ys = try BeaverGateTests.share(y.map { f.element(signed: $0) }, members: 4, seed: seed + 10)
        let router = try BeaverGateTests.run(
            members: 4, triples: 5 * 192, bits: 5 * 64, seed: seed, configure: { $0.reorderSeed = seed }
        ) { i in RevealGate(try LessThanZeroGate(lessThan: xs[i], ys[i])) }
        let out = try BeaverGateTests.agreedOutput(router, members: 4)
        #expect(out == zip(x, y).map { $0 < $1 ? 1 : 0 })
    }

    /// No description prints a share.
    @Test func descriptionsAreRedacted() throws {
        let secret: UInt128 = 123_456_789_012_345_678
        let text = "\(secret)"
        var rng = DeterministicRNG(seed: 6)
        let stores = try InsecureDealer.dealInsecurely(parties: 3, triples: 1, bits: 0, using: &rng)
        let machine = try Self.machine(party: 1, store: stores[0], gate: MultiplicationGate(left: [secret], right: [secret]))
        let gates: [any CustomStringConvertible] = [
            try MultiplicationGate(left: [secret], right: [secret]), try SelectionGate(condition: [1], x: [secret], y: [secret]),
            try LessThanZeroGate(values: [secret]), try EqualityZeroGate(values: [secret]), try ExtremumGate(values: [secret, secret], kind: .maximum),
            RevealGate(try MultiplicationGate(left: [secret], right: [1])), try RandomBitGate(count: 1), machine,
            try InputGate(values: [secret], counts: [1, 0, 0], needs: (0, 0)) { _ in try MultiplicationGate(left: [], right: []) },
        ]
        for gate in gates {
            #expect(!"\(gate)".contains(text))
            #expect(!String(reflecting: gate).contains(text) || !(gate is BeaverStateMachine<MultiplicationGate>))
        }
    }

    @Test func aDroppedMemberAbortsTheSession() throws {
        let router = try BeaverGateTests.run(members: 3, triples: 1, bits: 0, seed: 5, configure: { $0.crashRound[PartyID(3)] = 1 }) { _ in
            try MultiplicationGate(left: [1], right: [1])
        }
        #expect(router.outputs.isEmpty)
        #expect(router.aborts[PartyID(1)] == .memberDropped(PartyID(3), round: 1))
        #expect(router.aborts[PartyID(2)] == .memberDropped(PartyID(3), round: 1))
    }
}

