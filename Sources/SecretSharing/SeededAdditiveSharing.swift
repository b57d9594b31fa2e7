import CryptoPrimitives
public import MultiPrecision

/// A ring whose elements are words and can be sampled from an AES-CTR keystream, for
/// seed-expanded shares. Spec: protocols/secret-sharing.md#seed-expanded-additive-sharing.
public protocol SeedExpandableRing: SharingRing where Element == UInt64 {
    /// Maps one keystream word to an element, or rejects it (rejection sampling).
    /// - Parameter word: The next little-endian keystream word.
    /// - Returns: The element, or nil if the word is rejected and the next one must be used.
    func element(fromStreamWord word: UInt64) -> UInt64?
}

extension Ring64: SeedExpandableRing {
    /// Every word is an element.
    /// - Parameter word: A keystream word.
    /// - Returns: `word`.
    @inlinable public func element(fromStreamWord word: UInt64) -> UInt64? { word }
}

extension PrimeField64: SeedExpandableRing {
    /// `word AND (2^bitlength(p) − 1)` if that is below `p`, else nil.
    /// - Parameter word: A keystream word.
    /// - Returns: The element, or nil (rejected).
    @inlinable public func element(fromStreamWord word: UInt64) -> UInt64? {
        let candidate = word & (UInt64.max >> UInt64(p.leadingZeroBitCount))
        return candidate < p ? candidate : nil
    }
}

/// Additive sharing in which all shares but one are expanded from 16-byte seeds with AES-128-CTR,
/// so a member sends seeds, not vectors, to all but one peer (protocols/additive.md).
///
/// Spec: protocols/secret-sharing.md#seed-expanded-additive-sharing; [SP800-38A] §6.5; [BIK+17].
///
/// - Warning: security is computational (128-bit, AES as a PRF). Every seed must be fresh and used
///   for one vector only: two vectors expanded from one seed reveal their difference.
public struct SeededAdditiveSharing<Ring: SeedExpandableRing>: Sendable {
    /// The ring of the shares: ``Ring64`` or ``PrimeField64``.
    public let ring: Ring

    /// The seed length in bytes (an AES-128 key).
    public static var seedByteCount: Int { 16 }

    /// Seed-expanded sharing over `ring`.
    /// - Parameter ring: `Ring64()` or a `PrimeField64`.
    public init(ring: Ring) { self.ring = ring }

    /// Splits `secret` into `parties − 1` seeds and one explicit last share.
    ///
    /// Seeds are drawn in order as `LE64(rng.next()) ‖ LE64(rng.next())`; the last share is
    /// `secret − Σ expand(seed_i)`.
    /// - Parameters:
    ///   - secret: The vector to share (canonical elements).
    ///   - parties: The number of shares `n ≥ 1`.
    ///   - rng: The randomness for the seeds (``SecureRandomGenerator`` in production).
    /// - Returns: `seeds` (n − 1 seeds of 16 bytes, the shares of parties `0…n−2`) and `lastShare`.
    /// - Throws: `invalidPartyCount`, `nonCanonicalElement`, or `cryptoFailure`.
    public func split(
        _ secret: [UInt64], parties: Int, using rng: inout some RandomNumberGenerator
    ) throws -> (seeds: [[UInt8]], lastShare: [UInt64]) {
        guard parties >= 1 else { throw SharingError.invalidPartyCount(parties) }
        guard secret.allSatisfy(ring.isCanonical) else { throw SharingError.nonCanonicalElement }
        var seeds: [[UInt8]] = []
        seeds.reserveCapacity(parties - 1)
        for _ in 0..<(parties - 1) {
            var seed: [UInt8] = []
            seed.reserveCapacity(Self.seedByteCount)
            withUnsafeBytes(of: rng.next().littleEndian) { seed.append(contentsOf: $0) }
            withUnsafeBytes(of: rng.next().littleEndian) { seed.append(contentsOf: $0) }
            seeds.append(seed)
        }
        var last = secret
        for seed in seeds {
            let share = try expand(seed: seed, count: secret.count)
            subtract(share, from: &last)
        }
        return (seeds, last)
    }

    /// Splits `secret` with seeds from the CSPRNG (``SecureRandomGenerator``).
    /// - Parameters:
    ///   - secret: The vector to share.
    ///   - parties: The number of shares `n ≥ 1`.
    /// - Returns: The seeds of parties `0…n−2` and the explicit last share.
    /// - Throws: As ``split(_:parties:using:)``.
    public func split(_ secret: [UInt64], parties: Int) throws -> (seeds: [[UInt8]], lastShare: [UInt64]) {
        var rng = SecureRandomGenerator()
        return try split(secret, parties: parties, using: &rng)
    }

    /// Expands a seed into a share vector: the AES-128-CTR keystream under `seed` with a zero
    /// counter block, read as little-endian words, mapped by
    /// ``SeedExpandableRing/element(fromStreamWord:)`` (rejection sampling for `Z_p`).
    /// - Parameters:
    ///   - seed: 16 bytes.
    ///   - count: The vector length.
    /// - Returns: `count` elements.
    /// - Throws: `invalidSeedLength`, `invalidCount` (negative), or `cryptoFailure`.
    public func expand(seed: [UInt8], count: Int) throws -> [UInt64] {
        guard seed.count == Self.seedByteCount else {
            throw SharingError.invalidSeedLength(expected: Self.seedByteCount, actual: seed.count)
        }
        guard count >= 0 else { throw SharingError.invalidCount(count) }
        var generator: AESCTRGenerator
        do {
            generator = try AESCTRGenerator(seed: seed)
        } catch let error as CryptoError {
            throw SharingError.cryptoFailure(error)
        }
        if Ring.self == Ring64.self { return generator.nextWords(count: count) }
        var out: [UInt64] = []
        out.reserveCapacity(count)
        var chunk = [UInt64](repeating: 0, count: min(max(count, 1), 4096))
        defer { for index in chunk.indices { chunk[index] = 0 } }
        let field = ring as? PrimeField64
        while out.count < count {
            generator.fill(&chunk)
            if let p = field?.p {
                let mask = UInt64.max >> UInt64(p.leadingZeroBitCount)
                for word in chunk where word & mask < p {
                    out.append(word & mask)
                    if out.count == count { break }
                }
            } else {
                for word in chunk {
                    if let element = ring.element(fromStreamWord: word) {
                        out.append(element)
                        if out.count == count { break }
                    }
                }
            }
        }
        return out
    }

    /// Reconstructs the secret: `lastShare + Σ expand(seed_i)`.
    /// - Parameters:
    ///   - seeds: The seeds of parties `0…n−2`, in any order.
    ///   - lastShare: The explicit share.
    /// - Returns: The secret vector.
    /// - Throws: `invalidSeedLength`, `nonCanonicalElement` (in `lastShare`), or `cryptoFailure`.
    public func reconstruct(seeds: [[UInt8]], lastShare: [UInt64]) throws -> [UInt64] {
        guard lastShare.allSatisfy(ring.isCanonical) else { throw SharingError.nonCanonicalElement }
        var sum = lastShare
        for seed in seeds {
            let share = try expand(seed: seed, count: lastShare.count)
            add(share, to: &sum)
        }
        return sum
    }

    /// The messages of one split: a ``SeededAdditiveShare/seed(_:count:)`` per seed, then the
    /// ``SeededAdditiveShare/explicit(_:)`` last share.
    /// - Parameters:
    ///   - seeds: The seeds from ``split(_:parties:using:)``.
    ///   - lastShare: The last share from ``split(_:parties:using:)``.
    /// - Returns: `seeds.count + 1` shares, party `i`'s at index `i`.
    public func shares(seeds: [[UInt8]], lastShare: [UInt64]) -> [SeededAdditiveShare] {
        seeds.map { .seed($0, count: lastShare.count) } + [.explicit(lastShare)]
    }

    /// The share vector a ``SeededAdditiveShare`` stands for.
    /// - Parameter share: A received share.
    /// - Returns: The expanded seed, or the explicit vector.
    /// - Throws: As ``expand(seed:count:)``; `nonCanonicalElement` for an explicit vector.
    public func vector(of share: SeededAdditiveShare) throws -> [UInt64] {
        switch share {
        case let .seed(seed, count): return try expand(seed: seed, count: count)
        case let .explicit(words):
            guard words.allSatisfy(ring.isCanonical) else { throw SharingError.nonCanonicalElement }
            return words
        }
    }

    /// `total −= share` element-wise, with concrete loops for the two word rings.
    private func subtract(_ share: [UInt64], from total: inout [UInt64]) {
        let field = ring as? PrimeField64
        let isRing64 = Ring.self == Ring64.self
        total.withUnsafeMutableBufferPointer { t in
            share.withUnsafeBufferPointer { s in
                if isRing64 {
                    for i in 0..<t.count { t[i] &-= s[i] }
                } else if let p = field?.p {
                    for i in 0..<t.count { t[i] = t[i] >= s[i] ? t[i] - s[i] : t[i] &+ (p - s[i]) }
                } else {
                    for i in 0..<t.count { t[i] = ring.subtract(t[i], s[i]) }
                }
            }
        }
    }

    /// `total += share` element-wise, with concrete loops for the two word rings.
    private func add(_ share: [UInt64], to total: inout [UInt64]) {
        let field = ring as? PrimeField64
        let isRing64 = Ring.self == Ring64.self
        total.withUnsafeMutableBufferPointer { t in
            share.withUnsafeBufferPointer { s in
                if isRing64 {
                    for i in 0..<t.count { t[i] &+= s[i] }
                } else if let p = field?.p {
                    for i in 0..<t.count {
                        let sum = t[i] &+ s[i]  // both < p < 2^63: no wrap
                        t[i] = sum >= p ? sum - p : sum
                    }
                } else {
                    for i in 0..<t.count { t[i] = ring.add(t[i], s[i]) }
                }
            }
        }
    }
}

/// One party's seed-expanded additive share as it travels: a seed (with the vector length) or an
/// explicit vector. Spec: protocols/secret-sharing.md#wire-encoding (tag 0x0204).
public enum SeededAdditiveShare: Sendable {
    /// A 16-byte seed that expands to `count` elements.
    case seed([UInt8], count: Int)
    /// An explicit share vector.
    case explicit([UInt64])

    /// The wire tag, protocols/wire-format.md#type-tag-registry.
    public static let wireTag: UInt16 = 0x0204
}

extension SeededAdditiveShare: Equatable {
    /// Constant-time in the seed bytes and vector elements (kinds and lengths are public).
    /// - Parameters:
    ///   - a: A share.
    ///   - b: Another share.
    /// - Returns: `true` if both are the same kind with equal contents.
    public static func == (a: SeededAdditiveShare, b: SeededAdditiveShare) -> Bool {
        switch (a, b) {
        case let (.seed(s, m), .seed(t, k)): return constantTimeEquals(s, t) && m == k
        case let (.explicit(v), .explicit(w)): return v.isEqualInConstantTime(to: w)
        default: return false
        }
    }
}

extension SeededAdditiveShare: CustomStringConvertible {
    /// Redacted: only the kind and the length.
    public var description: String {
        switch self {
        case let .seed(_, count): "SeededAdditiveShare.seed(redacted, count: \(count))"
        case let .explicit(words): "SeededAdditiveShare.explicit(count: \(words.count), values: redacted)"
        }
    }
}
