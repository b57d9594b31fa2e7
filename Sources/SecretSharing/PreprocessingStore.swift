import Synchronization

/// One party's preprocessing material for protocol `beaver` over ``MersenneField127``: shares of
/// Beaver triples and of random bits, each handed out **once**.
/// Spec: protocols/beaver.md#preprocessing.
///
/// A class, so that every copy of a state machine that holds the store draws from the same
/// material: ``takeTriples(_:)`` and ``takeBits(_:)`` advance a cursor under a lock and overwrite
/// the slots they hand out, so a triple can never be handed out twice — not to two gates, not to
/// a replayed snapshot of a machine (which fails with ``SharingError/triplesExhausted(needed:available:)``
/// instead of reusing material). `@unchecked` is not needed: the only mutable state is inside a `Mutex`.
///
/// - Warning: reusing a triple reveals the difference of the two values it masked [Bea91]; the
///   store exists so that this cannot happen by accident.
public final class PreprocessingStore: Sendable, CustomStringConvertible {
    /// Who produced the material.
    public enum Origin: String, Sendable, Hashable {
        /// A trusted dealer that saw every triple (benchmarks and tests only).
        case insecureDealer = "insecure-dealer"
        /// The members themselves, with no trusted party (protocols/beaver.md#member-generated-triples).
        case memberGenerated = "member-generated"
    }

    struct State: Sendable {
        var triples: [BeaverTriple<UInt128>] = []
        var tripleCursor = 0
        var bits: [UInt128] = []
        var bitCursor = 0
    }

    private let state: Mutex<State>
    /// Who produced the material (a store never mixes origins).
    public let origin: Origin

    /// A store holding `triples` and `bits` (one party's shares).
    /// - Parameters:
    ///   - triples: Triple shares, used in order.
    ///   - bits: Shares of random bits, used in order.
    ///   - origin: Who produced them.
    public init(triples: [BeaverTriple<UInt128>] = [], bits: [UInt128] = [], origin: Origin) {
        var initial = State()
        initial.triples = triples
        initial.bits = bits
        state = Mutex(initial)
        self.origin = origin
    }

    /// Appends more triple shares (e.g. the output of another preprocessing session).
    /// - Parameter triples: Triple shares.
    public func append(triples: [BeaverTriple<UInt128>]) {
        state.withLock { $0.triples += triples }
    }

    /// Appends more random-bit shares.
    /// - Parameter bits: Shares of random bits.
    public func append(bits: [UInt128]) {
        state.withLock { $0.bits += bits }
    }

    /// Triples not yet handed out.
    public var remainingTriples: Int { state.withLock { $0.triples.count - $0.tripleCursor } }
    /// Random bits not yet handed out.
    public var remainingBits: Int { state.withLock { $0.bits.count - $0.bitCursor } }
    /// Triples handed out so far.
    public var consumedTriples: Int { state.withLock { $0.tripleCursor } }

    /// Hands out the next `count` triple shares and wipes their slots.
    /// - Parameter count: How many (`≥ 0`).
    /// - Returns: The triple shares.
    /// - Throws: ``SharingError/invalidCount(_:)``, ``SharingError/triplesExhausted(needed:available:)``
    ///   (nothing is handed out then).
    public func takeTriples(_ count: Int) throws(SharingError) -> [BeaverTriple<UInt128>] {
        guard count >= 0 else { throw .invalidCount(count) }
        let taken: [BeaverTriple<UInt128>]? = state.withLock { s in
            let available = s.triples.count - s.tripleCursor
            guard count <= available else { return nil }
            let range = s.tripleCursor..<(s.tripleCursor + count)
            let out = Array(s.triples[range])
            for i in range { s.triples[i] = BeaverTriple(a: 0, b: 0, c: 0) }
            s.tripleCursor += count
            return out
        }
        guard let taken else { throw .triplesExhausted(needed: count, available: remainingTriples) }
        return taken
    }

    /// Hands out the next `count` random-bit shares and wipes their slots.
    /// - Parameter count: How many (`≥ 0`).
    /// - Returns: The bit shares.
    /// - Throws: ``SharingError/invalidCount(_:)``, ``SharingError/randomBitsExhausted(needed:available:)``.
    public func takeBits(_ count: Int) throws(SharingError) -> [UInt128] {
        guard count >= 0 else { throw .invalidCount(count) }
        let taken: [UInt128]? = state.withLock { s in
            let available = s.bits.count - s.bitCursor
            guard count <= available else { return nil }
            let range = s.bitCursor..<(s.bitCursor + count)
            let out = Array(s.bits[range])
            for i in range { s.bits[i] = 0 }
            s.bitCursor += count
            return out
        }
        guard let taken else { throw .randomBitsExhausted(needed: count, available: remainingBits) }
        return taken
    }

    /// Counts and origin only.
    public var description: String {
        "PreprocessingStore(\(origin.rawValue), triples: \(remainingTriples) left, bits: \(remainingBits) left, shares redacted)"
    }
}

/// A trusted dealer of preprocessing material: it draws every triple and bit itself, so it
/// learns every value they will mask. **Insecure** outside benchmarks and tests; the stores it
/// makes say ``PreprocessingStore/Origin/insecureDealer``.
/// Spec: protocols/beaver.md#insecure-dealer-mode.
public enum InsecureDealer {
    /// Deals `triples` Beaver triples and `bits` random bits over ``MersenneField127`` to
    /// `parties` parties. Order: every triple (`a`, `b`, then the additive splits of `a`, `b`, `c`
    /// as ``BeaverTriple/deal(ring:parties:count:using:)``), then every bit (a bit from one word's
    /// low bit, then its split).
    /// - Parameters:
    ///   - parties: `n ≥ 1`.
    ///   - triples: How many triples.
    ///   - bits: How many random bits.
    ///   - rng: The dealer's randomness.
    /// - Returns: Party `i`'s store at index `i`.
    /// - Throws: `invalidPartyCount`, `invalidCount`.
    public static func dealInsecurely(
        parties: Int, triples: Int, bits: Int, using rng: inout some RandomNumberGenerator
    ) throws(SharingError) -> [PreprocessingStore] {
        guard parties >= 1 else { throw .invalidPartyCount(parties) }
        guard triples >= 0 else { throw .invalidCount(triples) }
        guard bits >= 0 else { throw .invalidCount(bits) }
        let field = MersenneField127()
        // The draws of `BeaverTriple.deal` and `AdditiveSharing.split`, in the same order, on
        // concrete types (the generic path costs more than the arithmetic).
        func split(_ secret: UInt128, into shares: inout [UInt128], using rng: inout some RandomNumberGenerator) {
            var last = secret
            for party in 0..<(parties - 1) {
                let r = field.random(using: &rng)
                shares[party] = r
                last = field.subtract(last, r)
            }
            shares[parties - 1] = last
        }
        var dealt = [[BeaverTriple<UInt128>]](repeating: [], count: parties)
        for party in 0..<parties { dealt[party].reserveCapacity(triples) }
        var sa = [UInt128](repeating: 0, count: parties), sb = sa, sc = sa
        for _ in 0..<triples {
            let a = field.random(using: &rng)
            let b = field.random(using: &rng)
            split(a, into: &sa, using: &rng)
            split(b, into: &sb, using: &rng)
            split(field.multiply(a, b), into: &sc, using: &rng)
            for party in 0..<parties { dealt[party].append(BeaverTriple(a: sa[party], b: sb[party], c: sc[party])) }
        }
        var bitShares = [[UInt128]](repeating: [], count: parties)
        for party in 0..<parties { bitShares[party].reserveCapacity(bits) }
        for _ in 0..<bits {
            split(UInt128(rng.next() & 1), into: &sa, using: &rng)
            for party in 0..<parties { bitShares[party].append(sa[party]) }
        }
        for party in 0..<parties { sa[party] = 0; sb[party] = 0; sc[party] = 0 }
        return (0..<parties).map {
            PreprocessingStore(triples: dealt[$0], bits: bitShares[$0], origin: .insecureDealer)
        }
    }
}
