import CGMP

/// An arbitrary-precision signed integer over GMP's `mpz_t`, with value semantics.
///
/// Copies share one GMP integer until one of them is mutated (copy-on-write). Every limb
/// buffer, including GMP's internal temporaries, is wiped before it is freed (see
/// ``BigInt/Storage``). The mutating methods (`+=`, ``multiply(by:modulo:)``,
/// ``formModPow(_:_:modulus:)``, …) reuse the receiver's limbs and allocate nothing once
/// the receiver has grown to its working size: use them in hot loops.
///
/// - Warning: Only ``modPowSecret(_:modulus:)`` is constant-time. Every other operation
///   runs in time that depends on its operands; keep those to public values, or to values
///   whose timing leaks nothing (spec: protocols/primitives.md#big-integers).
public struct BigInt: @unchecked Sendable {
    // @unchecked: the storage is only mutated after `isKnownUniquelyReferenced` proves no
    // other value (and so no other thread) can see it.
    var storage: Storage

    /// The GMP integer behind a ``BigInt``. `deinit` clears it through the zeroising
    /// allocator, so its limbs are wiped.
    final class Storage {
        let z: UnsafeMutablePointer<__mpz_struct>

        init() {
            _ = zeroingAllocatorInstalled
            z = .allocate(capacity: 1)
            cgmp_init(z)
        }

        init(bits: Int) {
            _ = zeroingAllocatorInstalled
            z = .allocate(capacity: 1)
            cgmp_init2(z, mp_bitcnt_t(max(bits, 64)))
        }

        init(copying other: Storage) {
            _ = zeroingAllocatorInstalled
            z = .allocate(capacity: 1)
            cgmp_init2(z, mp_bitcnt_t(max(cgmp_limb_count(other.z), 1) * 64))
            cgmp_set(z, other.z)
        }

        deinit {
            cgmp_clear(z)
            z.deallocate()
        }
    }

    /// Zero.
    public init() { storage = Storage() }

    /// Zero, with room for `bits` bits reserved, so a hot loop can fill it without growing.
    public init(reservingBits bits: Int) { storage = Storage(bits: bits) }

    /// The value of a machine integer.
    public init(_ value: Int) {
        storage = Storage()
        cgmp_set_si(storage.z, value)
    }

    /// The value of an unsigned machine integer.
    public init(_ value: UInt64) {
        storage = Storage()
        cgmp_set_ui(storage.z, UInt(value))
    }

    /// Parses `text` in `radix` (2…62); an optional leading `-`. Returns nil if malformed.
    public init?(_ text: String, radix: Int = 10) {
        guard (2...62).contains(radix), !text.isEmpty else { return nil }
        var body = Substring(text)
        let negative = body.first == "-"
        if negative { body = body.dropFirst() }
        // mpz_set_str accepts whitespace inside numbers; a canonical parser must not.
        guard !body.isEmpty, body.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            return nil
        }
        storage = Storage()
        let status = String(body).withCString { cgmp_set_str(storage.z, $0, Int32(radix)) }
        guard status == 0 else { return nil }
        if negative { cgmp_neg(storage.z, storage.z) }
    }

    /// The non-negative integer whose big-endian magnitude is `bytes` (empty means zero).
    public init(bigEndianMagnitude bytes: some Collection<UInt8>) {
        storage = Storage()
        let array = Array(bytes)
        array.withUnsafeBytes { raw in
            if !raw.isEmpty { cgmp_import(storage.z, raw.count, raw.baseAddress) }
        }
    }

    /// The non-negative integer whose 64-bit words are `words`, least significant first.
    public init(littleEndianWords words: [UInt64]) {
        storage = Storage()
        words.withUnsafeBufferPointer { buffer in
            if !buffer.isEmpty {
                buffer.withMemoryRebound(to: UInt64.self) { rebound in
                    rebound.baseAddress!.withMemoryRebound(to: CUnsignedLongLong.self, capacity: rebound.count) {
                        cgmp_import_u64_le(storage.z, rebound.count, $0)
                    }
                }
            }
        }
    }

    @inline(__always)
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(copying: storage) }
    }

    /// Runs `body` on a fresh result and the operands, keeping the operands alive throughout.
    @inline(__always)
    static func result(
        _ a: BigInt, _ b: BigInt,
        _ body: (UnsafeMutablePointer<__mpz_struct>, UnsafeMutablePointer<__mpz_struct>, UnsafeMutablePointer<__mpz_struct>) -> Void
    ) -> BigInt {
        let r = BigInt()
        withExtendedLifetime((a, b)) { body(r.storage.z, a.storage.z, b.storage.z) }
        return r
    }

    @inline(__always)
    static func result(
        _ a: BigInt, _ body: (UnsafeMutablePointer<__mpz_struct>, UnsafeMutablePointer<__mpz_struct>) -> Void
    ) -> BigInt {
        let r = BigInt()
        withExtendedLifetime(a) { body(r.storage.z, a.storage.z) }
        return r
    }
}

/// Installs GMP's zeroising allocator once per process, before the first integer exists.
let zeroingAllocatorInstalled: Void = cgmp_install_zeroing_allocator()

// MARK: - Properties

extension BigInt {
    /// -1, 0 or 1.
    public var signum: Int { Int(cgmp_sgn(storage.z)) }

    /// True for zero.
    public var isZero: Bool { cgmp_sgn(storage.z) == 0 }

    /// True for negative values.
    public var isNegative: Bool { cgmp_sgn(storage.z) < 0 }

    /// True if the lowest bit of the magnitude is set.
    public var isOdd: Bool { cgmp_tstbit(storage.z, 0) == 1 }

    /// The number of bits of the magnitude (0 for zero).
    public var bitWidth: Int { isZero ? 0 : Int(cgmp_sizeinbase(storage.z, 2)) }

    /// Bit `index` of the two's-complement value (GMP `mpz_tstbit`).
    public func bit(_ index: Int) -> Bool {
        precondition(index >= 0, "bit index must be non-negative")
        return cgmp_tstbit(storage.z, mp_bitcnt_t(index)) == 1
    }

    /// The magnitude.
    public var magnitude: BigInt { BigInt.result(self) { cgmp_abs($0, $1) } }

    /// The value as an `Int`, or nil if it does not fit.
    public var intValue: Int? {
        cgmp_fits_slong_p(storage.z) != 0 ? cgmp_get_si(storage.z) : nil
    }

    /// The value as a `UInt64`, or nil if it is negative or does not fit.
    public var uint64Value: UInt64? {
        cgmp_fits_ulong_p(storage.z) != 0 ? UInt64(cgmp_get_ui(storage.z)) : nil
    }

    /// The low 64 bits of the magnitude (the value modulo 2^64 for non-negative values).
    public var low64: UInt64 {
        cgmp_limb_count(storage.z) == 0 ? 0 : UInt64(cgmp_limb_pointer(storage.z)[0])
    }

    /// The nearest `Double` (truncated toward zero, as `mpz_get_d`).
    public var doubleValue: Double { cgmp_get_d(storage.z) }

    /// The minimal big-endian bytes of the magnitude (empty for zero).
    public var bigEndianMagnitude: [UInt8] {
        let count = (bitWidth + 7) / 8
        return bigEndianMagnitude(count: count) ?? []
    }

    /// The big-endian magnitude left-padded to exactly `count` bytes, or nil if it needs more.
    public func bigEndianMagnitude(count: Int) -> [UInt8]? {
        let needed = (bitWidth + 7) / 8
        guard needed <= count else { return nil }
        var out = [UInt8](repeating: 0, count: count)
        if needed > 0 {
            out.withUnsafeMutableBytes { raw in
                var written = 0
                cgmp_export(raw.baseAddress! + (count - needed), &written, storage.z)
                assert(written == needed)
            }
        }
        return out
    }

    /// The magnitude as 64-bit words, least significant first, padded to `count` words;
    /// nil if it needs more.
    public func littleEndianWords(count: Int) -> [UInt64]? {
        let limbs = cgmp_limb_count(storage.z)
        guard limbs <= count else { return nil }
        var out = [UInt64](repeating: 0, count: count)
        let pointer = cgmp_limb_pointer(storage.z)
        for i in 0..<limbs { out[i] = UInt64(pointer![i]) }
        return out
    }

    /// The value in `radix` (2…36), lower-case digits.
    public func toString(radix: Int = 10) -> String {
        precondition((2...36).contains(radix), "radix must be in 2...36")
        let size = cgmp_sizeinbase(storage.z, Int32(radix)) + 2
        var buffer = [UInt8](repeating: 0, count: size)
        buffer.withUnsafeMutableBufferPointer { raw in
            raw.withMemoryRebound(to: CChar.self) { _ = cgmp_get_str($0.baseAddress, Int32(radix), storage.z) }
        }
        return String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
    }
}

// MARK: - Protocol conformances

extension BigInt: ExpressibleByIntegerLiteral {
    /// A literal that fits in `Int`; write larger constants as `BigInt("…")!`.
    public init(integerLiteral value: Int) { self.init(value) }
}

extension BigInt: Equatable {
    /// Value equality.
    public static func == (a: BigInt, b: BigInt) -> Bool {
        withExtendedLifetime((a, b)) { cgmp_cmp(a.storage.z, b.storage.z) == 0 }
    }

    /// Equality with a machine integer.
    public static func == (a: BigInt, b: Int) -> Bool { cgmp_cmp_si(a.storage.z, b) == 0 }
}

extension BigInt: Comparable {
    /// Numeric order.
    public static func < (a: BigInt, b: BigInt) -> Bool {
        withExtendedLifetime((a, b)) { cgmp_cmp(a.storage.z, b.storage.z) < 0 }
    }
}

extension BigInt: Hashable {
    /// Hashes the sign and the magnitude.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(signum)
        hasher.combine(bigEndianMagnitude)
    }
}

extension BigInt: CustomStringConvertible {
    /// The decimal representation.
    ///
    /// - Warning: a ``BigInt`` may hold a secret; types that hold secrets redact their own
    ///   descriptions and must never print their integers.
    public var description: String { toString(radix: 10) }
}

extension BigInt: Codable {
    /// Decodes a decimal string (JSON numbers cannot carry big integers exactly).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = BigInt(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not a decimal integer")
        }
        self = value
    }

    /// Encodes as a decimal string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

// MARK: - Arithmetic operators

extension BigInt {
    /// Sum.
    public static func + (a: BigInt, b: BigInt) -> BigInt { result(a, b) { cgmp_add($0, $1, $2) } }
    /// Difference.
    public static func - (a: BigInt, b: BigInt) -> BigInt { result(a, b) { cgmp_sub($0, $1, $2) } }
    /// Product.
    public static func * (a: BigInt, b: BigInt) -> BigInt { result(a, b) { cgmp_mul($0, $1, $2) } }
    /// Negation.
    public static prefix func - (a: BigInt) -> BigInt { result(a) { cgmp_neg($0, $1) } }

    /// Quotient truncated toward zero, as for `Int`.
    /// - Precondition: `b` is non-zero.
    public static func / (a: BigInt, b: BigInt) -> BigInt {
        precondition(!b.isZero, "division by zero")
        return result(a, b) { cgmp_tdiv_q($0, $1, $2) }
    }

    /// Remainder with the sign of the dividend, as for `Int`; see ``modulo(_:)`` for residues.
    /// - Precondition: `b` is non-zero.
    public static func % (a: BigInt, b: BigInt) -> BigInt {
        precondition(!b.isZero, "division by zero")
        return result(a, b) { cgmp_tdiv_r($0, $1, $2) }
    }

    /// `a · 2^n`.
    public static func << (a: BigInt, n: Int) -> BigInt {
        precondition(n >= 0, "shift must be non-negative")
        return result(a) { cgmp_mul_2exp($0, $1, mp_bitcnt_t(n)) }
    }

    /// `⌊a / 2^n⌋`.
    public static func >> (a: BigInt, n: Int) -> BigInt {
        precondition(n >= 0, "shift must be non-negative")
        return result(a) { cgmp_fdiv_q_2exp($0, $1, mp_bitcnt_t(n)) }
    }

    /// Adds in place.
    public static func += (a: inout BigInt, b: BigInt) {
        a.makeUnique()
        withExtendedLifetime(b) { cgmp_add(a.storage.z, a.storage.z, b.storage.z) }
    }

    /// Subtracts in place.
    public static func -= (a: inout BigInt, b: BigInt) {
        a.makeUnique()
        withExtendedLifetime(b) { cgmp_sub(a.storage.z, a.storage.z, b.storage.z) }
    }

    /// Multiplies in place.
    public static func *= (a: inout BigInt, b: BigInt) {
        a.makeUnique()
        withExtendedLifetime(b) { cgmp_mul(a.storage.z, a.storage.z, b.storage.z) }
    }

    /// `self^exponent` for a machine exponent.
    public func power(_ exponent: Int) -> BigInt {
        precondition(exponent >= 0, "exponent must be non-negative")
        return BigInt.result(self) { cgmp_pow_ui($0, $1, UInt(exponent)) }
    }

    /// Quotient and remainder truncated toward zero.
    public func quotientAndRemainder(dividingBy b: BigInt) -> (quotient: BigInt, remainder: BigInt) {
        precondition(!b.isZero, "division by zero")
        let q = BigInt(), r = BigInt()
        withExtendedLifetime((self, b)) { cgmp_tdiv_qr(q.storage.z, r.storage.z, storage.z, b.storage.z) }
        return (q, r)
    }

    /// Integer square root `⌊√self⌋`.
    public func squareRoot() -> BigInt {
        precondition(!isNegative, "square root of a negative number")
        return BigInt.result(self) { cgmp_sqrt($0, $1) }
    }
}

// MARK: - Number theory

extension BigInt {
    /// The residue of `self` modulo `m` in `[0, |m|)`.
    /// - Precondition: `m` is non-zero.
    public func modulo(_ m: BigInt) -> BigInt {
        precondition(!m.isZero, "modulus must be non-zero")
        return BigInt.result(self, m) { cgmp_mod($0, $1, $2) }
    }

    /// `self^exponent mod m` with a public exponent (`mpz_powm`, variable time).
    /// - Precondition: `exponent ≥ 0` and `m > 0`.
    public func modPow(_ exponent: BigInt, modulus m: BigInt) -> BigInt {
        precondition(!exponent.isNegative, "exponent must be non-negative; invert first")
        precondition(m.signum > 0, "modulus must be positive")
        let r = BigInt()
        withExtendedLifetime((self, exponent, m)) {
            cgmp_powm(r.storage.z, storage.z, exponent.storage.z, m.storage.z)
        }
        return r
    }

    /// `self^exponent mod m` in time independent of the exponent's value (`mpz_powm_sec`).
    /// Use it whenever the exponent is secret (Paillier λ, decryption-key shares).
    /// - Precondition: `exponent > 0` and `m` odd and positive.
    public func modPowSecret(_ exponent: BigInt, modulus m: BigInt) -> BigInt {
        precondition(exponent.signum > 0, "secret exponent must be positive")
        precondition(m.signum > 0 && m.isOdd, "constant-time exponentiation needs an odd modulus")
        let r = BigInt()
        withExtendedLifetime((self, exponent, m)) {
            cgmp_powm_sec(r.storage.z, storage.z, exponent.storage.z, m.storage.z)
        }
        return r
    }

    /// The inverse of `self` modulo `m`, in `[0, m)`, or nil if `gcd(self, m) ≠ 1`.
    public func inverse(modulo m: BigInt) -> BigInt? {
        guard !m.isZero else { return nil }
        let r = BigInt()
        let ok = withExtendedLifetime((self, m)) { cgmp_invert(r.storage.z, storage.z, m.storage.z) }
        return ok != 0 ? r : nil
    }

    /// Greatest common divisor (non-negative).
    public static func gcd(_ a: BigInt, _ b: BigInt) -> BigInt { result(a, b) { cgmp_gcd($0, $1, $2) } }

    /// Least common multiple (non-negative).
    public static func lcm(_ a: BigInt, _ b: BigInt) -> BigInt { result(a, b) { cgmp_lcm($0, $1, $2) } }

    /// The unique `x` in `[0, ∏ moduli)` with `x ≡ residues[i] (mod moduli[i])` (Chinese
    /// remainder theorem, Garner's incremental form), or nil if the moduli are not pairwise
    /// coprime, not positive, or the arrays differ in length.
    public static func crt(residues: [BigInt], moduli: [BigInt]) -> BigInt? {
        guard residues.count == moduli.count, !moduli.isEmpty,
              moduli.allSatisfy({ $0.signum > 0 }) else { return nil }
        var x = residues[0].modulo(moduli[0])
        var m = moduli[0]
        for i in 1..<moduli.count {
            guard let inverse = m.inverse(modulo: moduli[i]) else { return nil }
            // x' = x + m · ((r_i − x) · m^{-1} mod m_i)
            let t = ((residues[i] - x) * inverse).modulo(moduli[i])
            x += m * t
            m *= moduli[i]
        }
        return x
    }

    /// Whether `self = a^b` for some integers `a` and `b > 1` (`mpz_perfect_power_p`).
    public var isPerfectPower: Bool { cgmp_perfect_power_p(storage.z) != 0 }

    /// Whether `self` is a probable prime: trial division, Baillie–PSW, then `rounds − 24`
    /// Miller–Rabin rounds (GMP `mpz_probab_prime_p`; its bases are public and need no secrecy).
    public func isProbablePrime(rounds: Int = 30) -> Bool {
        guard signum > 0 else { return false }
        return cgmp_probab_prime_p(storage.z, Int32(rounds)) > 0
    }
}

// MARK: - In-place operations for hot loops

extension BigInt {
    /// `self = a · b`. Reuses `self`'s limbs; allocates nothing once `self` is large enough.
    public mutating func formProduct(_ a: BigInt, _ b: BigInt) {
        makeUnique()
        withExtendedLifetime((a, b)) { cgmp_mul(storage.z, a.storage.z, b.storage.z) }
    }

    /// `self = self · b mod m`, in place (truncated remainder: non-negative for
    /// non-negative operands).
    public mutating func multiply(by b: BigInt, modulo m: BigInt) {
        makeUnique()
        withExtendedLifetime((b, m)) {
            cgmp_mul(storage.z, storage.z, b.storage.z)
            cgmp_tdiv_r(storage.z, storage.z, m.storage.z)
        }
    }

    /// `self = a · b mod m`, in place.
    public mutating func formModularProduct(_ a: BigInt, _ b: BigInt, modulus m: BigInt) {
        makeUnique()
        withExtendedLifetime((a, b, m)) {
            cgmp_mul(storage.z, a.storage.z, b.storage.z)
            cgmp_tdiv_r(storage.z, storage.z, m.storage.z)
        }
    }

    /// `self = self mod m` in `[0, |m|)`, in place.
    public mutating func reduce(modulo m: BigInt) {
        makeUnique()
        withExtendedLifetime(m) { cgmp_mod(storage.z, storage.z, m.storage.z) }
    }

    /// `self = base^exponent mod m` (public exponent), in place.
    public mutating func formModPow(_ base: BigInt, _ exponent: BigInt, modulus m: BigInt) {
        precondition(!exponent.isNegative && m.signum > 0, "modPow needs e ≥ 0, m > 0")
        makeUnique()
        withExtendedLifetime((base, exponent, m)) {
            cgmp_powm(storage.z, base.storage.z, exponent.storage.z, m.storage.z)
        }
    }

    /// `self = self + a · b`, in place.
    public mutating func addProduct(_ a: BigInt, _ b: BigInt) {
        makeUnique()
        withExtendedLifetime((a, b)) { cgmp_addmul(storage.z, a.storage.z, b.storage.z) }
    }

    /// `self = self + word`, in place, without a temporary integer.
    public mutating func add(word: UInt64) {
        makeUnique()
        cgmp_add_ui(storage.z, storage.z, UInt(word))
    }

    /// `self = self · 2^n`, in place.
    public mutating func shiftLeft(by n: Int) {
        precondition(n >= 0, "shift must be non-negative")
        makeUnique()
        cgmp_mul_2exp(storage.z, storage.z, mp_bitcnt_t(n))
    }

    /// `self = ⌊self / 2^n⌋`, in place.
    public mutating func shiftRight(by n: Int) {
        precondition(n >= 0, "shift must be non-negative")
        makeUnique()
        cgmp_fdiv_q_2exp(storage.z, storage.z, mp_bitcnt_t(n))
    }

    /// `self mod 2^n` in `[0, 2^n)`.
    public func lowBits(_ n: Int) -> BigInt {
        precondition(n >= 0, "bit count must be non-negative")
        return BigInt.result(self) { cgmp_fdiv_r_2exp($0, $1, mp_bitcnt_t(n)) }
    }

    /// Exact division by a divisor known to divide `self` (`mpz_divexact`, faster than `/`).
    public func dividedExactly(by d: BigInt) -> BigInt {
        precondition(!d.isZero, "division by zero")
        return BigInt.result(self, d) { cgmp_divexact($0, $1, $2) }
    }

    /// The remainder of `self` modulo a machine word (non-negative).
    public func remainder(dividingBy d: UInt) -> UInt {
        precondition(d != 0, "division by zero")
        return UInt(cgmp_fdiv_ui(storage.z, d))
    }
}
