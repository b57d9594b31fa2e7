import CryptoPrimitives
public import SecretSharing

/// The public parameters of a member-generated triple session.
/// Spec: protocols/beaver.md#member-generated-triples.
public struct TripleGenerationConfiguration: Sendable, Hashable {
    /// The session (run) id.
    public let sessionID: SessionID
    /// `n`: the members are `PartyID(1)…PartyID(n)`.
    public let memberCount: Int
    /// `T`: the number of triples made.
    public let tripleCount: Int
    /// How many triples one chunk of the extension carries (rounds 3 and 4 send one message per
    /// chunk, so that no message passes the transports' payload limits).
    public let triplesPerChunk: Int

    /// The default chunk: 512 triples, 65,024 transfers, about 1 MiB per message.
    public static let defaultTriplesPerChunk = 512
    /// The largest `T`.
    public static let maximumTripleCount = 1 << 20

    /// A configuration.
    /// - Parameters:
    ///   - sessionID: The run id.
    ///   - memberCount: `n` in `2…64`.
    ///   - tripleCount: `T` in `0…2^20`.
    ///   - triplesPerChunk: In `1…2048` (default 512; every member must use the same).
    /// - Throws: ``MPCProtocolError/invalidConfiguration(_:)``.
    public init(sessionID: SessionID, memberCount: Int, tripleCount: Int, triplesPerChunk: Int = defaultTriplesPerChunk) throws {
        guard memberCount >= 2, memberCount <= BeaverConfiguration.maximumMemberCount else {
            throw MPCProtocolError.invalidConfiguration("beaver needs 2…64 members")
        }
        guard tripleCount >= 0, tripleCount <= Self.maximumTripleCount else {
            throw MPCProtocolError.invalidConfiguration("the triple count must be in 0…2^20")
        }
        guard triplesPerChunk >= 1, triplesPerChunk <= 2048 else {
            throw MPCProtocolError.invalidConfiguration("a chunk must hold 1…2048 triples")
        }
        self.sessionID = sessionID
        self.memberCount = memberCount
        self.tripleCount = tripleCount
        self.triplesPerChunk = triplesPerChunk
    }

    /// `PartyID(1)…PartyID(n)`.
    public var members: [PartyID] { PartyID.members(memberCount) }

    /// `⌈T / chunk⌉`.
    public var chunkCount: Int { (tripleCount + triplesPerChunk - 1) / triplesPerChunk }

    /// The triples of chunk `c`.
    func triples(inChunk c: Int) -> Range<Int> {
        (c * triplesPerChunk)..<min(tripleCount, (c + 1) * triplesPerChunk)
    }

    /// `m_c`: the chunk's `127·|chunk|` transfers rounded up to a multiple of 128 (the padding
    /// transfers choose 0 and are never used).
    func paddedTransfers(inChunk c: Int) -> Int {
        (MersenneField127.bitWidth * triples(inChunk: c).count + 127) / 128 * 128
    }
}

/// One member making Beaver triples over ``MersenneField127`` with the others, with no trusted
/// party: Gilboa's product sharing [Gil99] from correlated oblivious transfers, as in [KOS16]'s
/// MASCOT without its MACs and checks, made by IKNP extension [IKNP03] of `κ = 128` base OTs
/// [CO15]. Semi-honest. Spec: protocols/beaver.md#member-generated-triples.
///
/// Member `i` draws `a_i^t, b_i^t`. For each ordered pair `(i, j)` and each triple, `j`'s 127
/// bits of `b_j` choose in 127 correlated OTs whose correlations are `a_i·2^k`: `i` gets random
/// `x_k`, `j` gets `x_k + b_{j,k}·a_i 2^k`, so `−Σ x_k` and `Σ (x_k + b_{j,k} a_i 2^k)` share
/// `a_i b_j`; then `c_i = a_i b_i + Σ_j` of its shares of `a_i b_j` and `a_j b_i`, and
/// `Σ c_i = (Σ a_i)(Σ b_i)`. Four rounds for any number of triples: base-OT setup, base-OT
/// choices, the extension matrix, the corrections (the last two one message per chunk).
///
/// - Warning: semi-honest: a member that deviates makes invalid triples undetected and may
///   learn other members' bits (protocols/beaver.md#threat-model).
public struct TripleGenerationStateMachine: ProtocolStateMachine, CustomStringConvertible {
    /// The message type.
    public typealias Message = TripleGenerationMessage
    /// This member's triple shares.
    public typealias Output = [BeaverTriple<UInt128>]
    /// An action.
    public typealias Action = ProtocolAction<TripleGenerationMessage, [BeaverTriple<UInt128>]>

    enum Phase: Sendable { case idle, running, done }

    /// This member's state towards one peer: both directions of the pair.
    struct Peer: Sendable {
        /// Base-OT sender towards the peer, for the extension in which this member receives.
        var baseSender: SimplestOT.Sender
        /// `s`: this member's secret as the extension's sender towards the peer.
        var secret: UInt128
        /// `k_l^{s_l}`, once the peer's setup is in.
        var senderSeeds: [UInt128]?
        var choicesIn = false
        var columnsIn: [Bool]
        var correctionsIn: [Bool]
        /// Chunks of the extension matrix that came before the peer's setup (reordering).
        var heldColumns: [(chunk: Int, columns: [UInt8])] = []

        var columnsDone: Bool { !columnsIn.contains(false) && heldColumns.isEmpty }
        var correctionsDone: Bool { !correctionsIn.contains(false) }
    }

    /// The session parameters.
    public let configuration: TripleGenerationConfiguration
    /// This member.
    public let party: PartyID
    private var rng: AESCTRGenerator
    private var phase = Phase.idle
    private var peerStates: [PartyID: Peer] = [:]
    private var a: [UInt128] = []
    private var b: [UInt128] = []
    private var c: [UInt128] = []
    /// Factors fixed by a test instead of drawn (``init(configuration:party:factors:using:)``).
    private var fixedFactors: (a: [UInt128], b: [UInt128])?

    /// A member's machine.
    /// - Parameters:
    ///   - configuration: The session parameters.
    ///   - party: This member.
    ///   - rng: Randomness for factors, base OTs and secrets (``SecureRandomGenerator`` in
    ///     production; 128 bits of it seed an AES-CTR generator).
    /// - Throws: ``MPCProtocolError/invalidConfiguration(_:)``.
    public init(configuration: TripleGenerationConfiguration, party: PartyID, using rng: inout some RandomNumberGenerator) throws {
        guard configuration.members.contains(party) else {
            throw MPCProtocolError.invalidConfiguration("the party is not a member of the session")
        }
        self.configuration = configuration
        self.party = party
        var seed: [UInt8] = []
        withUnsafeBytes(of: rng.next().littleEndian) { seed.append(contentsOf: $0) }
        withUnsafeBytes(of: rng.next().littleEndian) { seed.append(contentsOf: $0) }
        self.rng = try! AESCTRGenerator(seed: seed)  // 16 bytes: always a valid key
    }

    /// A member's machine with its factors given rather than drawn (known-answer and edge-value
    /// tests: the Gilboa shares of `a_i b_j` must sum to the product for any factors).
    /// - Parameters:
    ///   - configuration: The session parameters.
    ///   - party: This member.
    ///   - factors: `a^t` and `b^t` for each triple, canonical elements.
    ///   - rng: Randomness for the base OTs and secrets.
    /// - Throws: ``MPCProtocolError/invalidConfiguration(_:)``.
    package init(
        configuration: TripleGenerationConfiguration, party: PartyID, factors: (a: [UInt128], b: [UInt128]),
        using rng: inout some RandomNumberGenerator
    ) throws {
        let field = MersenneField127()
        guard factors.a.count == configuration.tripleCount, factors.b.count == configuration.tripleCount,
            (factors.a + factors.b).allSatisfy(field.isCanonical)
        else { throw MPCProtocolError.invalidConfiguration("one canonical pair of factors per triple is required") }
        try self.init(configuration: configuration, party: party, using: &rng)
        fixedFactors = factors
    }

    private var peers: [PartyID] { configuration.members.filter { $0 != party } }
    private var field: MersenneField127 { MersenneField127() }
    private static let bits = MersenneField127.bitWidth

    /// 1 while a peer's base-OT setup is missing, 2 while its base-OT choices are, 3 while a
    /// chunk of its extension matrix is, then 4.
    public var currentRound: UInt8 {
        let states = peerStates.values
        if states.contains(where: { $0.senderSeeds == nil }) { return 1 }
        if states.contains(where: { !$0.choicesIn }) { return 2 }
        if states.contains(where: { !$0.columnsDone }) { return 3 }
        return 4
    }

    /// Whether the machine has output or aborted.
    public var isFinished: Bool { phase == .done }

    /// Draws the factors and this member's base-OT and extension secrets, and sends each peer
    /// its base-OT setup.
    /// - Returns: One message per peer.
    /// - Throws: `alreadyStarted`.
    public mutating func start() throws -> [Action] {
        guard phase == .idle else { throw MPCProtocolError.alreadyStarted }
        phase = .running
        let count = configuration.tripleCount
        a = fixedFactors?.a ?? (0..<count).map { _ in field.random(using: &rng) }
        b = fixedFactors?.b ?? (0..<count).map { _ in field.random(using: &rng) }
        fixedFactors = nil
        c = zip(a, b).map { field.multiply($0, $1) }
        var actions: [Action] = []
        for peer in peers {
            let sender = SimplestOT.Sender(using: &rng)
            let secret = UInt128(rng.next()) << 64 | UInt128(rng.next())
            let chunks = configuration.chunkCount
            peerStates[peer] = Peer(
                baseSender: sender, secret: secret, columnsIn: Array(repeating: false, count: chunks),
                correctionsIn: Array(repeating: false, count: chunks))
            actions.append(.send(to: peer, message: message(.baseSetup(sender.setup.compressed))))
        }
        return actions
    }

    /// Handles a peer's message of any round (a chunk of the extension matrix that arrives
    /// before the peer's base-OT setup is held until it).
    /// - Parameters:
    ///   - message: The decoded message.
    ///   - from: The transport's sender.
    /// - Returns: The replies to the peer, and the output once everything is in.
    /// - Throws: `notStarted`, `sessionFinished`, `unknownParty`, `senderMismatch`,
    ///   `wrongSession`, `duplicateMessage` (a round, or a chunk of it, already heard from the
    ///   peer), `lengthMismatch` (points, matrix bytes or corrections), and
    ///   `malformedMessage` (a byte string that is not a compressed P-256 point, a chunk index out
    ///   of range). The state is unchanged when it throws.
    public mutating func receive(_ message: TripleGenerationMessage, from: PartyID) throws -> [Action] {
        guard phase != .idle else { throw MPCProtocolError.notStarted }
        guard phase != .done else { throw MPCProtocolError.sessionFinished }
        try checkEnvelope(
            sessionID: configuration.sessionID, header: (message.sessionID, message.sender), from: from,
            known: { $0 != party && configuration.members.contains($0) })
        guard var peer = peerStates[from] else { throw MPCProtocolError.unknownParty(from) }
        var actions: [Action] = []
        switch message.payload {
        case let .baseSetup(bytes):
            guard peer.senderSeeds == nil else { throw MPCProtocolError.duplicateMessage(from: from, round: 1) }
            let setup = try Self.point(bytes, from: from)
            let binding = SimplestOT.binding(sessionID: configuration.sessionID, sender: from, receiver: party)
            let (points, keys) = SimplestOT.receive(choices: peer.secret, from: setup, binding: binding, using: &rng)
            peer.senderSeeds = keys
            actions.append(.send(to: from, message: self.message(.baseChoices(points))))
            for (chunk, columns) in peer.heldColumns {
                actions.append(.send(to: from, message: answer(columns, chunk: chunk, peer: peer)))
            }
            peer.heldColumns = []
        case let .baseChoices(list):
            guard !peer.choicesIn else { throw MPCProtocolError.duplicateMessage(from: from, round: 2) }
            guard list.count == SimplestOT.count else {
                throw MPCProtocolError.lengthMismatch(from: from, expected: SimplestOT.count, actual: list.count)
            }
            var points: [P256.Point] = []
            for bytes in list { points.append(try Self.point(bytes, from: from)) }
            peer.choicesIn = true
            let binding = SimplestOT.binding(sessionID: configuration.sessionID, sender: party, receiver: from)
            let seeds = peer.baseSender.keys(for: points, binding: binding)
            for chunk in 0..<configuration.chunkCount {
                actions.append(.send(to: from, message: extend(chunk: chunk, seeds: seeds)))
            }
        case let .extensionColumns(index, columns):
            let chunk = try chunkIndex(index, from: from)
            guard !peer.columnsIn[chunk] else { throw MPCProtocolError.duplicateMessage(from: from, round: 3) }
            let expected = OTExtension.kappa * configuration.paddedTransfers(inChunk: chunk) / 8
            guard columns.count == expected else {
                throw MPCProtocolError.lengthMismatch(from: from, expected: expected, actual: columns.count)
            }
            peer.columnsIn[chunk] = true
            if peer.senderSeeds == nil {
                peer.heldColumns.append((chunk, columns))
            } else {
                actions.append(.send(to: from, message: answer(columns, chunk: chunk, peer: peer)))
            }
        case let .corrections(index, values):
            let chunk = try chunkIndex(index, from: from)
            guard !peer.correctionsIn[chunk] else { throw MPCProtocolError.duplicateMessage(from: from, round: 4) }
            let expected = Self.bits * configuration.triples(inChunk: chunk).count
            guard values.count == expected else {
                throw MPCProtocolError.lengthMismatch(from: from, expected: expected, actual: values.count)
            }
            peer.correctionsIn[chunk] = true
            absorb(values, chunk: chunk)
        }
        peerStates[from] = peer
        return actions + finishIfReady()
    }

    /// Any declared dropout of a peer this member still waits for in `round` aborts the session.
    /// - Parameters:
    ///   - round: The round whose deadline passed.
    ///   - dropped: The peers declared dropped.
    /// - Returns: `[.abort(.memberDropped)]` or nothing.
    /// - Throws: `notStarted` or `sessionFinished`.
    public mutating func timeout(round: UInt8, dropped: Set<PartyID>) throws -> [Action] {
        guard phase != .idle else { throw MPCProtocolError.notStarted }
        guard phase != .done else { throw MPCProtocolError.sessionFinished }
        guard round == currentRound else { return [] }
        let missing = peers.filter { peer in
            let state = peerStates[peer]!
            return switch round {
            case 1: state.senderSeeds == nil
            case 2: !state.choicesIn
            case 3: !state.columnsDone
            default: !state.correctionsDone
            }
        }
        guard let gone = missing.first(where: dropped.contains) else { return [] }
        phase = .done
        wipe()
        return [.abort(.memberDropped(gone, round: round))]
    }

    /// Party, round and whether finished; secrets redacted.
    public var description: String {
        "TripleGenerationStateMachine(\(party), round: \(currentRound), finished: \(isFinished), state: redacted)"
    }

    private func message(_ payload: TripleGenerationMessage.Payload) -> TripleGenerationMessage {
        TripleGenerationMessage(sessionID: configuration.sessionID, sender: party, payload: payload)
    }

    private static func point(_ bytes: [UInt8], from: PartyID) throws -> P256.Point {
        do { return try P256.Point(compressed: bytes) } catch {
            throw MPCProtocolError.malformedMessage(from: from, reason: "not a compressed P-256 point other than infinity")
        }
    }

    private func chunkIndex(_ index: UInt32, from: PartyID) throws -> Int {
        guard Int(index) < configuration.chunkCount else {
            throw MPCProtocolError.malformedMessage(from: from, reason: "chunk index \(index) out of range (the session has \(configuration.chunkCount))")
        }
        return Int(index)
    }

    /// This member's choice bits `r` for a chunk: the 127 bits of each `b^t` in turn.
    private func choiceWords(chunk: Int) -> [UInt64] {
        let range = configuration.triples(inChunk: chunk)
        var words = [UInt64](repeating: 0, count: configuration.paddedTransfers(inChunk: chunk) / 64)
        for t in range {
            // b < 2^127: its bit 127 is 0, so the OR into the next triple's first bit is harmless.
            let offset = Self.bits * (t - range.lowerBound)
            let low = UInt64(truncatingIfNeeded: b[t]), high = UInt64(truncatingIfNeeded: b[t] >> 64)
            let w = offset / 64, shift = offset % 64
            words[w] |= low << UInt64(shift)
            if shift == 0 {
                words[w + 1] |= high
            } else {
                words[w + 1] |= low >> UInt64(64 - shift) | high << UInt64(shift)
                if w + 2 < words.count { words[w + 2] |= high >> UInt64(64 - shift) }
            }
        }
        return words
    }

    /// Round 3 towards a peer, as the extension's receiver: the matrix `u` of a chunk; this
    /// member's outputs `H(j, t_j)` go into `c` (their sum per triple).
    private mutating func extend(chunk: Int, seeds: [(UInt128, UInt128)]) -> TripleGenerationMessage {
        var choices = choiceWords(chunk: chunk)
        var (u, rows) = OTExtension.receiverMatrices(seeds: seeds, choices: choices, chunk: chunk)
        let range = configuration.triples(inChunk: chunk)
        rows.removeLast(rows.count - Self.bits * range.count)
        CorrelationRobustHash.hash(&rows, firstTweak: UInt64(Self.bits * range.lowerBound))
        for t in range {
            let first = Self.bits * (t - range.lowerBound)
            var sum: UInt128 = 0
            for j in first..<(first + Self.bits) { sum = field.add(sum, reduce(rows[j])) }
            c[t] = field.add(c[t], sum)
        }
        Self.clear(&rows)
        Self.clear(&choices)
        let bytes = u.withUnsafeBytes { Array($0) }
        Self.clear(&u)
        return message(.extensionColumns(chunk: UInt32(chunk), columns: bytes))
    }

    /// Round 4 towards a peer, as the extension's sender: `x_j = H(j, q_j)` and the corrections
    /// `y_j = x_j + a^t 2^k − H(j, q_j ⊕ s)`; `−Σ x_j` goes into `c`.
    private mutating func answer(_ columns: [UInt8], chunk: Int, peer: Peer) -> TripleGenerationMessage {
        let u = columns.withUnsafeBytes { raw in
            [UInt64](unsafeUninitializedCapacity: columns.count / 8) { out, initialized in
                for w in 0..<(columns.count / 8) { out[w] = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * w, as: UInt64.self)) }
                initialized = columns.count / 8
            }
        }
        let range = configuration.triples(inChunk: chunk)
        var zero = OTExtension.senderRows(seeds: peer.senderSeeds!, secret: peer.secret, u: u, chunk: chunk)
        zero.removeLast(zero.count - Self.bits * range.count)
        var one = zero
        for j in one.indices { one[j] ^= peer.secret }
        let firstTweak = UInt64(Self.bits * range.lowerBound)
        CorrelationRobustHash.hash(&zero, firstTweak: firstTweak)
        CorrelationRobustHash.hash(&one, firstTweak: firstTweak)
        var corrections = [UInt128](repeating: 0, count: zero.count)
        for t in range {
            let first = Self.bits * (t - range.lowerBound)
            var delta = a[t]  // a·2^k
            var sum: UInt128 = 0
            for j in first..<(first + Self.bits) {
                let x = reduce(zero[j])
                corrections[j] = field.subtract(field.add(x, delta), reduce(one[j]))
                sum = field.add(sum, x)
                delta = field.add(delta, delta)
            }
            c[t] = field.subtract(c[t], sum)
        }
        Self.clear(&zero)
        Self.clear(&one)
        return message(.corrections(chunk: UInt32(chunk), values: corrections))
    }

    /// A peer's corrections, as the extension's receiver: `Σ_k b_k·y_j` into `c`.
    private mutating func absorb(_ values: [UInt128], chunk: Int) {
        let range = configuration.triples(inChunk: chunk)
        for t in range {
            let first = Self.bits * (t - range.lowerBound)
            var sum: UInt128 = 0
            var bits = b[t]
            for k in 0..<Self.bits {
                let mask = 0 &- (bits & 1)  // b_k, in constant time
                sum = field.add(sum, values[first + k] & mask)
                bits >>= 1
            }
            c[t] = field.add(c[t], sum)
        }
    }

    private mutating func finishIfReady() -> [Action] {
        guard peerStates.values.allSatisfy({ $0.senderSeeds != nil && $0.choicesIn && $0.columnsDone && $0.correctionsDone })
        else { return [] }
        let triples = (0..<configuration.tripleCount).map { BeaverTriple(a: a[$0], b: b[$0], c: c[$0]) }
        phase = .done
        wipe()
        return [.output(triples)]
    }

    private mutating func wipe() {
        Self.clear(&a)
        Self.clear(&b)
        Self.clear(&c)
        a = []
        b = []
        c = []
        peerStates = [:]
    }

    /// A hash output (any 128 bits) modulo `p`: `2^127 ≡ 1`, so `x mod p` is the sum of the low
    /// 127 bits (at most `p`) and the top bit, reduced once (the field's inlinable addition).
    @inline(__always)
    private func reduce(_ x: UInt128) -> UInt128 {
        field.add(x & MersenneField127.modulus, x >> 127)
    }

    private static func clear<T: FixedWidthInteger>(_ values: inout [T]) {
        for i in values.indices { values[i] = 0 }
    }
}
