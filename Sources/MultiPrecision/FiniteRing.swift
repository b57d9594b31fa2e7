/// A finite commutative ring whose elements additive secret sharing works over.
/// Spec: protocols/primitives.md#rings-and-fields.
public protocol FiniteRing: Sendable {
    /// An element, always held in canonical form.
    associatedtype Element: Hashable & Sendable

    /// The additive identity.
    var zero: Element { get }
    /// The multiplicative identity.
    var one: Element { get }
    /// `a + b`.
    func add(_ a: Element, _ b: Element) -> Element
    /// `a − b`.
    func subtract(_ a: Element, _ b: Element) -> Element
    /// `−a`.
    func negate(_ a: Element) -> Element
    /// `a · b`.
    func multiply(_ a: Element, _ b: Element) -> Element
    /// The image of a machine integer.
    func element(_ value: UInt64) -> Element
    /// A uniformly random element.
    func random(using rng: inout some RandomNumberGenerator) -> Element
}

/// A finite field: a ring in which every non-zero element has an inverse.
public protocol FiniteField: FiniteRing {
    /// `a^{-1}`, or nil for zero.
    func inverse(_ a: Element) -> Element?
}

/// The ring `Z_{2^64}`: machine words with wrapping arithmetic. Additive sharing over it is
/// as fast as memory; it cannot divide.
public struct Ring64: FiniteRing, Hashable {
    /// The ring (it has no parameters).
    public init() {}
    /// 0.
    public var zero: UInt64 { 0 }
    /// 1.
    public var one: UInt64 { 1 }
    /// `a + b mod 2^64`.
    @inlinable public func add(_ a: UInt64, _ b: UInt64) -> UInt64 { a &+ b }
    /// `a − b mod 2^64`.
    @inlinable public func subtract(_ a: UInt64, _ b: UInt64) -> UInt64 { a &- b }
    /// `−a mod 2^64`.
    @inlinable public func negate(_ a: UInt64) -> UInt64 { 0 &- a }
    /// `a · b mod 2^64`.
    @inlinable public func multiply(_ a: UInt64, _ b: UInt64) -> UInt64 { a &* b }
    /// The word itself.
    @inlinable public func element(_ value: UInt64) -> UInt64 { value }
    /// A uniformly random word.
    @inlinable public func random(using rng: inout some RandomNumberGenerator) -> UInt64 { rng.next() }
}

/// The prime field `Z_p` for a prime `p < 2^63`, with word-sized elements.
public struct PrimeField64: FiniteField, Hashable {
    /// The modulus.
    public let p: UInt64

    /// The field of the prime 2^61 − 1 (a Mersenne prime).
    public static let mersenne61 = PrimeField64(uncheckedPrime: (1 << 61) - 1)

    /// The field modulo `p`, or nil unless `p` is a prime below 2^63.
    public init?(prime p: UInt64) {
        guard p >= 2, p < (1 << 63), BigInt(p).isProbablePrime() else { return nil }
        self.p = p
    }

    init(uncheckedPrime p: UInt64) { self.p = p }

    /// 0.
    public var zero: UInt64 { 0 }
    /// 1.
    public var one: UInt64 { 1 }
    /// `a + b mod p` (both below p < 2^63, so the sum cannot wrap).
    @inlinable public func add(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let s = a + b
        return s >= p ? s - p : s
    }
    /// `a − b mod p`.
    @inlinable public func subtract(_ a: UInt64, _ b: UInt64) -> UInt64 { a >= b ? a - b : a &+ (p - b) }
    /// `−a mod p`.
    @inlinable public func negate(_ a: UInt64) -> UInt64 { a == 0 ? 0 : p - a }
    /// `a · b mod p` via the 128-bit product.
    @inlinable public func multiply(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (high, low) = a.multipliedFullWidth(by: b)
        return p.dividingFullWidth((high, low)).remainder
    }
    /// `value mod p`.
    @inlinable public func element(_ value: UInt64) -> UInt64 { value % p }
    /// A uniformly random element, by rejection sampling.
    public func random(using rng: inout some RandomNumberGenerator) -> UInt64 {
        let mask = UInt64.max >> UInt64(p.leadingZeroBitCount)
        while true {
            let candidate = rng.next() & mask
            if candidate < p { return candidate }
        }
    }
    /// `a^{-1} = a^{p−2} mod p`, or nil for zero.
    public func inverse(_ a: UInt64) -> UInt64? {
        guard a % p != 0 else { return nil }
        var result: UInt64 = 1, base = a % p, exponent = p - 2
        while exponent > 0 {
            if exponent & 1 == 1 { result = multiply(result, base) }
            base = multiply(base, base)
            exponent >>= 1
        }
        return result
    }
}

/// The prime field `Z_p` for an arbitrary prime `p`, with ``BigInt`` elements in `[0, p)`.
public struct PrimeField: FiniteField, Hashable {
    /// The modulus.
    public let p: BigInt

    /// The field modulo `p`, or nil unless `p` is a probable prime.
    public init?(prime p: BigInt) {
        guard p > 1, p.isProbablePrime() else { return nil }
        self.p = p
    }

    /// The field of the smallest prime above 2^bits (deterministic, for shares of values
    /// below 2^bits); e.g. `bits = 128` for seed shares.
    public static func smallestPrime(above bits: Int) -> PrimeField {
        var candidate = (BigInt(1) << bits) + 1
        while !candidate.isProbablePrime() { candidate += 2 }
        return PrimeField(uncheckedPrime: candidate)
    }

    init(uncheckedPrime p: BigInt) { self.p = p }

    /// 0.
    public var zero: BigInt { BigInt() }
    /// 1.
    public var one: BigInt { BigInt(1) }
    /// `a + b mod p`.
    public func add(_ a: BigInt, _ b: BigInt) -> BigInt {
        let s = a + b
        return s >= p ? s - p : s
    }
    /// `a − b mod p`.
    public func subtract(_ a: BigInt, _ b: BigInt) -> BigInt {
        let d = a - b
        return d.isNegative ? d + p : d
    }
    /// `−a mod p`.
    public func negate(_ a: BigInt) -> BigInt { a.isZero ? a : p - a }
    /// `a · b mod p`.
    public func multiply(_ a: BigInt, _ b: BigInt) -> BigInt { (a * b).modulo(p) }
    /// `value mod p`.
    public func element(_ value: UInt64) -> BigInt { BigInt(value).modulo(p) }
    /// The canonical representative of any integer.
    public func element(_ value: BigInt) -> BigInt { value.modulo(p) }
    /// A uniformly random element.
    public func random(using rng: inout some RandomNumberGenerator) -> BigInt {
        BigInt.random(below: p, using: &rng)
    }
    /// `a^{-1} mod p`, or nil for zero.
    public func inverse(_ a: BigInt) -> BigInt? { a.modulo(p).inverse(modulo: p) }
}
