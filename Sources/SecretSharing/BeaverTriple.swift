import CryptoPrimitives
public import MultiPrecision

/// A multiplication triple `(a, b, c)` with `c = a · b` [Bea91], or one party's additive share
/// of one. The description is redacted and `==` is constant-time.
/// Spec: protocols/secret-sharing.md#beaver-triples.
///
/// - Warning: a triple must be used for one multiplication only: reuse reveals the difference of
///   the two masked inputs.
public struct BeaverTriple<Element: Sendable>: Sendable {
    /// The first random factor (or a share of it).
    public var a: Element
    /// The second random factor (or a share of it).
    public var b: Element
    /// The product `a · b` (or a share of it).
    public var c: Element

    /// A triple (or a share of one).
    /// - Parameters:
    ///   - a: The first factor.
    ///   - b: The second factor.
    ///   - c: The product.
    public init(a: Element, b: Element, c: Element) {
        self.a = a
        self.b = b
        self.c = c
    }

    /// The wire tag of a party's triple share, protocols/wire-format.md#type-tag-registry.
    public static var wireTag: UInt16 { 0x0203 }

    /// Deals one triple as a trusted dealer: draws `a`, then `b`, sets `c = a·b`, and additively
    /// splits `a`, `b`, `c` in that order (protocols/secret-sharing.md#beaver-triples).
    /// - Parameters:
    ///   - ring: The ring of the triple.
    ///   - parties: The number of parties `n ≥ 1`.
    ///   - rng: The randomness (``SecureRandomGenerator`` in production).
    /// - Returns: Party `i`'s share `([a]_i, [b]_i, [c]_i)` at index `i`.
    /// - Throws: ``SharingError/invalidPartyCount(_:)``.
    public static func deal<Ring: SharingRing>(
        ring: Ring, parties: Int, using rng: inout some RandomNumberGenerator
    ) throws -> [BeaverTriple<Element>] where Ring.Element == Element {
        try deal(ring: ring, parties: parties, count: 1, using: &rng).map { $0[0] }
    }

    /// Deals one triple with the CSPRNG (``SecureRandomGenerator``).
    /// - Parameters:
    ///   - ring: The ring of the triple.
    ///   - parties: The number of parties `n ≥ 1`.
    /// - Returns: Party `i`'s share at index `i`.
    /// - Throws: ``SharingError/invalidPartyCount(_:)``.
    public static func deal<Ring: SharingRing>(
        ring: Ring, parties: Int
    ) throws -> [BeaverTriple<Element>] where Ring.Element == Element {
        var rng = SecureRandomGenerator()
        return try deal(ring: ring, parties: parties, using: &rng)
    }

    /// Deals `count` triples, one after another as in ``deal(ring:parties:using:)``.
    /// - Parameters:
    ///   - ring: The ring of the triples.
    ///   - parties: The number of parties `n ≥ 1`.
    ///   - count: The number of triples `≥ 0`.
    ///   - rng: The randomness (``SecureRandomGenerator`` in production).
    /// - Returns: `[party][triple]`: party `i`'s shares of all `count` triples.
    /// - Throws: `invalidPartyCount` or `invalidCount`.
    public static func deal<Ring: SharingRing>(
        ring: Ring, parties: Int, count: Int, using rng: inout some RandomNumberGenerator
    ) throws -> [[BeaverTriple<Element>]] where Ring.Element == Element {
        guard parties >= 1 else { throw SharingError.invalidPartyCount(parties) }
        guard count >= 0 else { throw SharingError.invalidCount(count) }
        let sharing = AdditiveSharing(ring: ring)
        var out = [[BeaverTriple<Element>]](repeating: [], count: parties)
        for index in out.indices { out[index].reserveCapacity(count) }
        for _ in 0..<count {
            let a = ring.random(using: &rng)
            let b = ring.random(using: &rng)
            let c = ring.multiply(a, b)
            let sa = try sharing.split([a], parties: parties, using: &rng)
            let sb = try sharing.split([b], parties: parties, using: &rng)
            let sc = try sharing.split([c], parties: parties, using: &rng)
            for party in 0..<parties {
                out[party].append(BeaverTriple(a: sa[party][0], b: sb[party][0], c: sc[party][0]))
            }
        }
        return out
    }

    /// Opens a triple from all parties' shares (tests and audits only: opening a triple burns it).
    /// - Parameters:
    ///   - shares: Every party's share of one triple.
    ///   - ring: The ring.
    /// - Returns: `(Σ a_i, Σ b_i, Σ c_i)`.
    /// - Throws: `noShares`, `nonCanonicalElement`.
    public static func open<Ring: SharingRing>(
        _ shares: [BeaverTriple<Element>], in ring: Ring
    ) throws -> BeaverTriple<Element> where Ring.Element == Element {
        let sharing = AdditiveSharing(ring: ring)
        let a = try sharing.reconstruct(shares.map { [$0.a] })[0]
        let b = try sharing.reconstruct(shares.map { [$0.b] })[0]
        let c = try sharing.reconstruct(shares.map { [$0.c] })[0]
        return BeaverTriple(a: a, b: b, c: c)
    }

    /// Whether this (opened) triple satisfies `c = a · b` in `ring` (a check helper for tests).
    /// - Parameter ring: The ring.
    /// - Returns: `true` if `c = a · b`.
    public func isValid<Ring: SharingRing>(in ring: Ring) -> Bool where Ring.Element == Element {
        ring.multiply(a, b) == c
    }
}

extension BeaverTriple: CustomStringConvertible {
    /// `BeaverTriple(redacted)`.
    public var description: String { "BeaverTriple(redacted)" }
}

extension BeaverTriple: Equatable where Element: ConstantTimeEquatable {
    /// Component-wise equality in constant time.
    /// - Parameters:
    ///   - x: A triple.
    ///   - y: Another triple.
    /// - Returns: `true` if all three components are equal.
    public static func == (x: BeaverTriple, y: BeaverTriple) -> Bool {
        let ea = x.a.isEqualInConstantTime(to: y.a)
        let eb = x.b.isEqualInConstantTime(to: y.b)
        let ec = x.c.isEqualInConstantTime(to: y.c)
        return ea && eb && ec
    }
}
