import CryptoPrimitives
public import MultiPrecision

/// A finite ring that additive sharing works over: a ``FiniteRing`` that can tell canonical
/// elements from arbitrary values received from a peer.
/// Spec: protocols/secret-sharing.md#rings-and-fields.
public protocol SharingRing: FiniteRing {
    /// Whether `element` is the canonical representative of a ring element (e.g. in `[0, p)`).
    /// - Parameter element: A value, possibly decoded from a peer's message.
    /// - Returns: `true` if arithmetic on it is defined.
    func isCanonical(_ element: Element) -> Bool
}

/// A prime field that Shamir sharing works over.
/// Spec: protocols/secret-sharing.md#rings-and-fields.
public protocol SharingField: SharingRing, FiniteField {
    /// Whether the machine integer `value` is below the field's modulus, so that distinct such
    /// values are distinct field elements.
    /// - Parameter value: A candidate evaluation point.
    /// - Returns: `value < p`.
    func isBelowModulus(_ value: UInt64) -> Bool
}

extension Ring64: SharingRing {
    /// Every word is canonical in `Z_{2^64}`.
    /// - Parameter element: A word.
    /// - Returns: `true`.
    @inlinable public func isCanonical(_ element: UInt64) -> Bool { true }
}

extension PrimeField64: SharingField {
    /// Whether `element < p`.
    /// - Parameter element: A word.
    /// - Returns: `element < p`.
    @inlinable public func isCanonical(_ element: UInt64) -> Bool { element < p }
    /// Whether `value < p`.
    /// - Parameter value: A word.
    /// - Returns: `value < p`.
    @inlinable public func isBelowModulus(_ value: UInt64) -> Bool { value < p }
}

extension PrimeField: SharingField {
    /// Whether `0 ≤ element < p`.
    /// - Parameter element: An integer.
    /// - Returns: `0 ≤ element < p`.
    public func isCanonical(_ element: BigInt) -> Bool { !element.isNegative && element < p }
    /// Whether `value < p`.
    /// - Parameter value: A word.
    /// - Returns: `value < p`.
    public func isBelowModulus(_ value: UInt64) -> Bool { BigInt(value) < p }
}

/// Equality whose running time does not depend on the values compared (only on public sizes).
/// Share types use it for `==`. Spec: protocols/secret-sharing.md#threat-model-and-leakage.
public protocol ConstantTimeEquatable {
    /// Whether `self` equals `other`, in time independent of both values.
    /// - Parameter other: The value to compare with.
    /// - Returns: `true` if equal.
    func isEqualInConstantTime(to other: Self) -> Bool
}

extension UInt64: ConstantTimeEquatable {
    /// A branch-free word comparison.
    /// - Parameter other: The word to compare with.
    /// - Returns: `true` if equal.
    @inlinable public func isEqualInConstantTime(to other: UInt64) -> Bool {
        let difference = self ^ other
        // (d | −d) has its top bit set exactly when d ≠ 0.
        return ((difference | (0 &- difference)) >> 63) == 0
    }
}

extension BigInt: ConstantTimeEquatable {
    /// Compares signs and magnitudes padded to the longer magnitude with `CRYPTO_memcmp`; the time
    /// depends on the larger byte length only.
    /// - Parameter other: The integer to compare with.
    /// - Returns: `true` if equal.
    public func isEqualInConstantTime(to other: BigInt) -> Bool {
        let width = max((bitWidth + 7) / 8, (other.bitWidth + 7) / 8)
        let a = [UInt8(truncatingIfNeeded: signum + 1)] + (magnitude.bigEndianMagnitude(count: width) ?? [])
        let b = [UInt8(truncatingIfNeeded: other.signum + 1)] + (other.magnitude.bigEndianMagnitude(count: width) ?? [])
        return constantTimeEquals(a, b)
    }
}

extension Array: ConstantTimeEquatable where Element: ConstantTimeEquatable {
    /// Compares every element without early exit (lengths are public and compared first).
    /// - Parameter other: The array to compare with.
    /// - Returns: `true` if both have the same length and equal elements.
    public func isEqualInConstantTime(to other: [Element]) -> Bool {
        guard count == other.count else { return false }
        var equal = true
        for index in indices { equal = self[index].isEqualInConstantTime(to: other[index]) && equal }
        return equal
    }
}

/// Overwrites `words` with uniform words from `rng`, in order (the same values as `words.count`
/// calls of `next()` for deterministic generators). Bulk paths for the CSPRNG and the AES-CTR PRG.
@inline(__always)
func fillUniformWords<R: RandomNumberGenerator>(
    _ words: UnsafeMutableBufferPointer<UInt64>, using rng: inout R
) {
    if R.self == SecureRandomGenerator.self {
        SecureRandom.fill(UnsafeMutableRawBufferPointer(words))
    } else if R.self == AESCTRGenerator.self {
        withUnsafeMutablePointer(to: &rng) { pointer in
            pointer.withMemoryRebound(to: AESCTRGenerator.self, capacity: 1) { generator in
                generator.pointee.fill(UnsafeMutableRawBufferPointer(words))
            }
        }
        #if _endian(big)
        for index in words.indices { words[index] = UInt64(littleEndian: words[index]) }
        #endif
    } else {
        for index in words.indices { words[index] = rng.next() }
    }
}

/// Uniform words from `rng`, one `next()` per word — except for the CSPRNG, whose words are
/// fetched 8 KiB at a time (one `RAND_bytes` call instead of 1024). Call `wipe()` when done.
struct UniformWords<R: RandomNumberGenerator> {
    private var buffer: [UInt64]
    private var position: Int

    init() {
        buffer = R.self == SecureRandomGenerator.self ? [UInt64](repeating: 0, count: 1024) : []
        position = buffer.count
    }

    @inline(__always)
    mutating func next(_ rng: inout R) -> UInt64 {
        if buffer.isEmpty { return rng.next() }
        if position == buffer.count {
            buffer.withUnsafeMutableBytes { SecureRandom.fill($0) }
            position = 0
        }
        defer { position += 1 }
        return buffer[position]
    }

    /// Overwrites unused buffered randomness.
    mutating func wipe() {
        for index in buffer.indices { buffer[index] = 0 }
    }
}
