import MultiPrecision

/// The prime field `Z_p` for the Mersenne prime `p = 2^127 − 1`, with `UInt128` elements in
/// `[0, p)`: the field of protocol `beaver`, large enough to mask a 65-bit difference of two
/// 64-bit signed values with statistical parameter `κ ≥ 40` among up to 64 members.
/// Spec: protocols/beaver.md#the-field.
///
/// Reduction uses `2^127 ≡ 1 (mod p)`: a 254-bit product folds into 127-bit halves. Addition,
/// subtraction and multiplication have no secret-dependent branches (masked conditional
/// subtraction); ``inverse(_:)`` and ``squareRoot(_:)`` run a fixed exponent.
public struct MersenneField127: SharingField, Hashable {
    /// `p = 2^127 − 1` (a computed constant: a `static let` would cost a lazy-initialisation
    /// check on every use from another module).
    @inlinable public static var modulus: UInt128 { 0x7fff_ffff_ffff_ffff_ffff_ffff_ffff_ffff }
    /// `p`.
    public var p: UInt128 { Self.modulus }
    /// The bit length of `p` (127).
    @inlinable public static var bitWidth: Int { 127 }

    /// The field (it has no parameters).
    public init() {}

    /// 0.
    public var zero: UInt128 { 0 }
    /// 1.
    public var one: UInt128 { 1 }

    /// `x − p` if `x ≥ p`, else `x`, for `x < 2^128`, by a mask rather than a branch.
    @inlinable @inline(__always)
    static func reduceOnce(_ x: UInt128) -> UInt128 {
        let (d, borrow) = x.subtractingReportingOverflow(modulus)
        let keep = 0 &- UInt128(borrow ? 1 : 0)  // all ones when x < p
        return (x & keep) | (d & ~keep)
    }

    /// `x mod p` for any `x < 2^128`: fold the top bit (`2^127 ≡ 1`), then subtract once.
    @inlinable @inline(__always)
    static func fold(_ x: UInt128) -> UInt128 {
        reduceOnce((x & modulus) &+ (x >> 127))
    }

    /// `a + b mod p` (both below `p < 2^127`, so the sum cannot wrap).
    @inlinable public func add(_ a: UInt128, _ b: UInt128) -> UInt128 { Self.reduceOnce(a &+ b) }
    /// `a − b mod p`.
    @inlinable public func subtract(_ a: UInt128, _ b: UInt128) -> UInt128 { Self.reduceOnce(a &+ (Self.modulus &- b)) }
    /// `−a mod p`.
    @inlinable public func negate(_ a: UInt128) -> UInt128 { Self.reduceOnce(Self.modulus &- a) }

    /// `a · b mod p`: four 64×64-bit products, then `2^128 ≡ 2` and `2^127 ≡ 1`.
    @inlinable public func multiply(_ a: UInt128, _ b: UInt128) -> UInt128 {
        let a0 = UInt64(truncatingIfNeeded: a), a1 = UInt64(truncatingIfNeeded: a >> 64)
        let b0 = UInt64(truncatingIfNeeded: b), b1 = UInt64(truncatingIfNeeded: b >> 64)
        let lo = Self.wide(a0, b0)
        let hi = Self.wide(a1, b1)  // < 2^126
        let mid = Self.wide(a1, b0) &+ Self.wide(a0, b1)  // each < 2^127: no wrap
        // a·b = hi·2^128 + mid·2^64 + lo;  mid·2^64 = m1·2^128 + m0·2^64.
        let m1 = mid >> 64
        let m0 = mid & UInt128(UInt64.max)
        var s = Self.fold(lo)
        s = add(s, Self.fold(m0 << 64))
        s = add(s, Self.reduceOnce((hi &+ m1) << 1))  // (hi + m1) < 2^126 + 2^64: doubled < 2^128
        return s
    }

    @inlinable @inline(__always)
    static func wide(_ x: UInt64, _ y: UInt64) -> UInt128 {
        let (h, l) = x.multipliedFullWidth(by: y)
        return UInt128(h) << 64 | UInt128(l)
    }

    /// `value mod p` (every word is below `p`).
    @inlinable public func element(_ value: UInt64) -> UInt128 { UInt128(value) }
    /// `value mod p` for a 128-bit value.
    /// - Parameter value: Any `UInt128`.
    /// - Returns: The canonical representative.
    public func element(reducing value: UInt128) -> UInt128 { Self.fold(value) }
    /// The image of a signed integer: `v` for `v ≥ 0`, `p − |v|` otherwise.
    /// - Parameter value: Any `Int64`.
    /// - Returns: The canonical representative of `value mod p`.
    public func element(signed value: Int64) -> UInt128 {
        let magnitude = UInt128(value.magnitude)
        return value < 0 ? Self.modulus - magnitude : magnitude
    }
    /// The image of a signed 128-bit integer with `|value| < p`.
    /// - Parameter value: An `Int128` other than `Int128.min`.
    /// - Returns: The canonical representative of `value mod p`.
    public func element(signedWide value: Int128) -> UInt128 {
        let magnitude = Self.fold(UInt128(value.magnitude))
        return value < 0 ? negate(magnitude) : magnitude
    }
    /// The centred (signed) representative of `x`: `x` if `x ≤ (p − 1)/2`, else `x − p`.
    /// - Parameter x: A canonical element.
    /// - Returns: A value in `[−(p − 1)/2, (p − 1)/2]`.
    public func signedValue(_ x: UInt128) -> Int128 {
        x <= Self.modulus >> 1 ? Int128(x) : Int128(x) - Int128(Self.modulus)
    }

    /// A uniformly random element: 127 bits from two words (high word first), rejected if `= p`.
    /// - Parameter rng: The randomness.
    /// - Returns: A uniform element of `[0, p)`.
    public func random(using rng: inout some RandomNumberGenerator) -> UInt128 {
        while true {
            let high = rng.next(), low = rng.next()
            let candidate = (UInt128(high) << 64 | UInt128(low)) & Self.modulus
            if candidate != Self.modulus { return candidate }
        }
    }

    /// A uniformly random integer in `[0, 2^bits)` for `0 ≤ bits ≤ 127` (high word first).
    /// - Parameters:
    ///   - bits: The bit length.
    ///   - rng: The randomness.
    /// - Returns: The integer (an element, as `bits ≤ 127` keeps it below `p` unless it is `p`
    ///   itself, which `bits = 127` excludes by rejection).
    public func random(bits: Int, using rng: inout some RandomNumberGenerator) -> UInt128 {
        precondition(bits >= 0 && bits <= 127, "0…127 bits")
        if bits == 127 { return random(using: &rng) }
        let high = rng.next(), low = rng.next()
        let mask: UInt128 = bits == 0 ? 0 : (UInt128.max >> UInt128(128 - bits))
        return (UInt128(high) << 64 | UInt128(low)) & mask
    }

    /// `a^e mod p` by square-and-multiply over all 128 bits of `e` (the exponent is public; the
    /// same squarings and multiplications run for every base).
    /// - Parameters:
    ///   - a: The base.
    ///   - e: The exponent.
    /// - Returns: `a^e mod p`.
    public func power(_ a: UInt128, _ e: UInt128) -> UInt128 {
        var result: UInt128 = 1
        for bit in stride(from: 127, through: 0, by: -1) {
            result = multiply(result, result)
            let product = multiply(result, a)
            let take = 0 &- ((e >> UInt128(bit)) & 1)
            result = (product & take) | (result & ~take)
        }
        return result
    }

    /// `a^{−1} = a^{p−2} mod p`, or nil for zero.
    /// - Parameter a: An element.
    /// - Returns: The inverse, or nil.
    public func inverse(_ a: UInt128) -> UInt128? {
        let x = Self.fold(a)
        guard x != 0 else { return nil }
        return power(x, Self.modulus - 2)
    }

    /// The square root `a^{(p+1)/4} = a^{2^125}` (p ≡ 3 mod 4), or nil if `a` is not a square.
    /// Of the two roots `±s` this returns the one the exponentiation yields; it is the canonical
    /// choice of [DFK+06] §5 (any fixed function of `a` works for random bits).
    /// - Parameter a: An element.
    /// - Returns: `s` with `s² = a`, or nil.
    public func squareRoot(_ a: UInt128) -> UInt128? {
        var s = Self.fold(a)
        for _ in 0..<125 { s = multiply(s, s) }
        return multiply(s, s) == Self.fold(a) ? s : nil
    }

    /// `2^{−1} mod p = 2^126`.
    @inlinable public static var inverseOfTwo: UInt128 { 1 << 126 }

    /// `2^e` for `0 ≤ e < 127`.
    /// - Parameter e: The exponent.
    /// - Returns: `2^e` as an element.
    public func powerOfTwo(_ e: Int) -> UInt128 {
        precondition(e >= 0 && e < 127, "exponent 0…126")
        return 1 << UInt128(e)
    }

    /// `2^{−e} mod p = 2^{127 − e}` for `0 ≤ e ≤ 127` (as `2^127 ≡ 1`).
    /// - Parameter e: The exponent.
    /// - Returns: The inverse of `2^e`.
    public func inversePowerOfTwo(_ e: Int) -> UInt128 {
        precondition(e >= 0 && e <= 127, "exponent 0…127")
        return Self.fold(e == 0 ? 1 : 1 << UInt128(127 - e))
    }

    /// Whether `element < p`.
    /// - Parameter element: A value, possibly from a peer.
    /// - Returns: `element < p`.
    @inlinable public func isCanonical(_ element: UInt128) -> Bool { element < Self.modulus }
    /// Every word is below `p`.
    /// - Parameter value: A word.
    /// - Returns: `true`.
    @inlinable public func isBelowModulus(_ value: UInt64) -> Bool { true }
}

extension UInt128: ConstantTimeEquatable {
    /// A branch-free comparison of two 128-bit values.
    /// - Parameter other: The value to compare with.
    /// - Returns: `true` if equal.
    @inlinable public func isEqualInConstantTime(to other: UInt128) -> Bool {
        let d = self ^ other
        let folded = UInt64(truncatingIfNeeded: d) | UInt64(truncatingIfNeeded: d >> 64)
        return folded.isEqualInConstantTime(to: 0)
    }
}
