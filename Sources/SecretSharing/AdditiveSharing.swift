import CryptoPrimitives
public import MultiPrecision

/// n-of-n additive secret sharing of vectors over a ring: the shares sum to the secret, and any
/// `n − 1` of them are uniform and independent of it.
///
/// Shares are `[[Ring.Element]]`, indexed `[party][position]`. Over ``Ring64`` both directions run
/// as plain wrapping loops over contiguous words.
/// Spec: protocols/secret-sharing.md#additive-sharing; [Bea91].
///
/// - Warning: additive shares are malleable: a party can shift the result by adding to its share.
///   Integrity is the protocol layer's job (protocols/secret-sharing.md#threat-model-and-leakage).
public struct AdditiveSharing<Ring: SharingRing>: Sendable {
    /// The ring the shares live in.
    public let ring: Ring

    /// The wire tag of an additive share vector (`array<element>`), protocols/wire-format.md.
    public static var shareVectorWireTag: UInt16 { 0x0205 }

    /// Sharing over `ring`.
    /// - Parameter ring: The ring, e.g. `Ring64()` or `PrimeField64.mersenne61`.
    public init(ring: Ring) { self.ring = ring }

    /// Splits `secret` into `parties` additive shares.
    ///
    /// Draws parties `0…n−2` uniformly (party-major, in order) and sets the last share to
    /// `secret − Σ others`. Spec: protocols/secret-sharing.md#additive-sharing.
    /// - Parameters:
    ///   - secret: The vector to share (its elements must be canonical).
    ///   - parties: The number of shares `n ≥ 1`.
    ///   - rng: The randomness: ``SecureRandomGenerator`` in production, a fixed generator in tests.
    /// - Returns: `parties` vectors, each as long as `secret`.
    /// - Throws: ``SharingError/invalidPartyCount(_:)`` if `parties < 1`;
    ///   ``SharingError/nonCanonicalElement`` if the secret has a non-canonical element.
    public func split<R: RandomNumberGenerator>(
        _ secret: [Ring.Element], parties: Int, using rng: inout R
    ) throws -> [[Ring.Element]] {
        guard parties >= 1 else { throw SharingError.invalidPartyCount(parties) }
        if Ring.self == Ring64.self {
            let words = unsafeBitCast(secret, to: [UInt64].self)
            return unsafeBitCast(Self.splitWords(words, parties: parties, using: &rng), to: [[Ring.Element]].self)
        }
        guard secret.allSatisfy(ring.isCanonical) else { throw SharingError.nonCanonicalElement }
        if let field = ring as? PrimeField64 {
            let words = unsafeBitCast(secret, to: [UInt64].self)
            return unsafeBitCast(Self.splitWords(words, field: field, parties: parties, using: &rng), to: [[Ring.Element]].self)
        }
        var shares: [[Ring.Element]] = []
        shares.reserveCapacity(parties)
        var last = secret
        for _ in 0..<(parties - 1) {
            var share: [Ring.Element] = []
            share.reserveCapacity(secret.count)
            for index in secret.indices {
                let r = ring.random(using: &rng)
                share.append(r)
                last[index] = ring.subtract(last[index], r)
            }
            shares.append(share)
        }
        shares.append(last)
        return shares
    }

    /// Splits `secret` into `parties` additive shares using the CSPRNG (``SecureRandomGenerator``).
    /// - Parameters:
    ///   - secret: The vector to share.
    ///   - parties: The number of shares `n ≥ 1`.
    /// - Returns: `parties` vectors, each as long as `secret`.
    /// - Throws: As ``split(_:parties:using:)``.
    public func split(_ secret: [Ring.Element], parties: Int) throws -> [[Ring.Element]] {
        var rng = SecureRandomGenerator()
        return try split(secret, parties: parties, using: &rng)
    }

    /// Reconstructs the secret: the element-wise sum of all shares.
    /// - Parameter shares: All `n` share vectors, in any order.
    /// - Returns: The secret vector.
    /// - Throws: ``SharingError/noShares`` for an empty list;
    ///   ``SharingError/shareLengthMismatch(expected:actual:)`` if lengths differ;
    ///   ``SharingError/nonCanonicalElement`` if any element is not canonical.
    public func reconstruct(_ shares: [[Ring.Element]]) throws -> [Ring.Element] {
        guard let first = shares.first else { throw SharingError.noShares }
        for share in shares where share.count != first.count {
            throw SharingError.shareLengthMismatch(expected: first.count, actual: share.count)
        }
        if Ring.self == Ring64.self {
            let words = unsafeBitCast(shares, to: [[UInt64]].self)
            return unsafeBitCast(Self.sumWords(words), to: [Ring.Element].self)
        }
        for share in shares {
            guard share.allSatisfy(ring.isCanonical) else { throw SharingError.nonCanonicalElement }
        }
        if let field = ring as? PrimeField64 {
            let words = unsafeBitCast(shares, to: [[UInt64]].self)
            return unsafeBitCast(Self.sumWords(words, field: field), to: [Ring.Element].self)
        }
        var sum = first
        for share in shares.dropFirst() {
            for index in sum.indices { sum[index] = ring.add(sum[index], share[index]) }
        }
        return sum
    }

    // MARK: Z_2^64 fast path

    /// The `Ring64` split: fill each random share in bulk, subtract it from the running last share.
    static func splitWords<R: RandomNumberGenerator>(
        _ secret: [UInt64], parties: Int, using rng: inout R
    ) -> [[UInt64]] {
        let count = secret.count
        var shares: [[UInt64]] = []
        shares.reserveCapacity(parties)
        var last = secret
        for _ in 0..<(parties - 1) {
            let share = [UInt64](unsafeUninitializedCapacity: count) { buffer, initialized in
                fillUniformWords(buffer, using: &rng)
                initialized = count
            }
            last.withUnsafeMutableBufferPointer { l in
                share.withUnsafeBufferPointer { s in
                    for i in 0..<count { l[i] &-= s[i] }
                }
            }
            shares.append(share)
        }
        shares.append(last)
        return shares
    }

    // MARK: Z_p (word-sized) fast path

    /// The `PrimeField64` split: the same draws as `PrimeField64.random` (mask, reject), inlined.
    static func splitWords<R: RandomNumberGenerator>(
        _ secret: [UInt64], field: PrimeField64, parties: Int, using rng: inout R
    ) -> [[UInt64]] {
        let count = secret.count
        let p = field.p
        let mask = UInt64.max >> UInt64(p.leadingZeroBitCount)
        var words = UniformWords<R>()
        defer { words.wipe() }
        var shares: [[UInt64]] = []
        shares.reserveCapacity(parties)
        var last = secret
        for _ in 0..<(parties - 1) {
            let share = [UInt64](unsafeUninitializedCapacity: count) { buffer, initialized in
                last.withUnsafeMutableBufferPointer { l in
                    for i in 0..<count {
                        var r = words.next(&rng) & mask
                        while r >= p { r = words.next(&rng) & mask }
                        buffer[i] = r
                        let d = l[i]
                        l[i] = d >= r ? d - r : d &+ (p - r)
                    }
                }
                initialized = count
            }
            shares.append(share)
        }
        shares.append(last)
        return shares
    }

    /// The `PrimeField64` reconstruction over canonical words.
    static func sumWords(_ shares: [[UInt64]], field: PrimeField64) -> [UInt64] {
        let p = field.p
        var sum = shares[0]
        let count = sum.count
        sum.withUnsafeMutableBufferPointer { total in
            for share in shares.dropFirst() {
                share.withUnsafeBufferPointer { s in
                    for i in 0..<count {
                        let t = total[i] &+ s[i]  // both < p < 2^63: no wrap
                        total[i] = t >= p ? t - p : t
                    }
                }
            }
        }
        return sum
    }

    /// The `Ring64` reconstruction: wrapping sums of equal-length word vectors.
    static func sumWords(_ shares: [[UInt64]]) -> [UInt64] {
        var sum = shares[0]
        let count = sum.count
        sum.withUnsafeMutableBufferPointer { total in
            for share in shares.dropFirst() {
                share.withUnsafeBufferPointer { s in
                    for i in 0..<count { total[i] &+= s[i] }
                }
            }
        }
        return sum
    }
}
