public import MultiPrecision
import Synchronization

extension Paillier {
    /// A Paillier public key: the modulus `n = pq` and the DJN base `h_s = h^n mod n²`
    /// (`h = −x² mod n` for a random unit `x`) [DJN10 §4]. `g = n + 1` is implicit.
    /// Spec: protocols/paillier.md#keys.
    public struct PublicKey: Sendable, Hashable {
        /// The modulus `n`.
        public let n: BigInt
        /// `n²`.
        public let nSquared: BigInt
        /// The fixed base `h_s = h^n mod n²` of DJN encryption.
        public let hs: BigInt
        /// Bits of the random DJN exponent α: `⌈|n| / 2⌉` [DJN10 §4].
        public var exponentBits: Int { (n.bitWidth + 1) / 2 }
        /// The modulus size in bits.
        public var bits: Int { n.bitWidth }

        /// The fixed-base table for `h_s`, built on first use and shared by copies.
        let table: FixedBaseCache
        /// The wider table for the plaintext-knowledge proof's masking exponent (built on first proof).
        let proofTable: FixedBaseCache

        /// A public key from its published parts, validated as far as public data allows
        /// (protocols/paillier.md#key-validation): `n` positive, odd, at least 256 bits, neither a
        /// prime nor a perfect power, with no prime factor below 1000; `h_s` a unit of `Z_{n²}` whose square is not 1
        /// (a base of order 1 or 2, such as `n² − 1`, would make every encryption readable).
        /// - Warning: Structure only. Whether the size is acceptable is the caller's policy
        ///   (2048 bits or more outside tests).
        /// - Throws: ``PaillierError/invalidKey``.
        public init(n: BigInt, hs: BigInt) throws(PaillierError) {
            guard n.signum > 0, n.isOdd, n.bitWidth >= 256, !Paillier.hasSmallFactor(n) else { throw .invalidKey }
            // A prime n makes λ = n − 1 public; a perfect power (squares included) gives its root.
            guard !n.isPerfectPower, !n.isProbablePrime(rounds: 25) else { throw .invalidKey }
            let nSquared = n * n
            guard hs > 1, hs < nSquared, BigInt.gcd(hs, n) == 1, Paillier.hasOrderAboveTwo(hs, modulus: nSquared) else {
                throw .invalidKey
            }
            self.init(unchecked: n, nSquared: nSquared, hs: hs)
        }

        init(unchecked n: BigInt, nSquared: BigInt, hs: BigInt) {
            self.n = n
            self.nSquared = nSquared
            self.hs = hs
            self.table = FixedBaseCache()
            self.proofTable = FixedBaseCache()
        }

        /// Keys are equal when their published parts are.
        public static func == (a: PublicKey, b: PublicKey) -> Bool { a.n == b.n && a.hs == b.hs }
        /// Hashes the published parts.
        public func hash(into hasher: inout Hasher) {
            hasher.combine(n)
            hasher.combine(hs)
        }
    }

    /// A Paillier private key: the factors of `n` and the CRT constants of decryption
    /// [Pai99 §7]. Its description is redacted.
    public struct PrivateKey: Sendable, CustomStringConvertible {
        /// The matching public key.
        public let publicKey: PublicKey
        let p: BigInt
        let q: BigInt
        let pSquared: BigInt
        let qSquared: BigInt
        /// `h_p = L_p(g^{p−1} mod p²)^{−1} mod p` [Pai99 §7].
        let hp: BigInt
        /// `h_q = L_q(g^{q−1} mod q²)^{−1} mod q`.
        let hq: BigInt
        /// `q^{−1} mod p`, for recombination.
        let qInverse: BigInt
        /// `p − 1` and `q − 1`: the secret exponents of CRT decryption.
        let pMinusOne: BigInt
        let qMinusOne: BigInt
        /// `n mod p(p−1)`, `n mod q(q−1)`: exponents of owner-side `r^n` by CRT (secret).
        let nModPhiPSquared: BigInt
        let nModPhiQSquared: BigInt
        /// `(p²)^{−1} mod q²`, for owner-side recombination modulo `n²`.
        let pSquaredInverse: BigInt

        /// A private key from its prime factors and the DJN base; validates them.
        /// - Throws: ``PaillierError/invalidKey`` unless `p ≠ q` are odd primes with
        ///   `gcd(pq, (p−1)(q−1)) = 1` and `h_s` is a unit modulo `n²`.
        public init(p: BigInt, q: BigInt, hs: BigInt) throws(PaillierError) {
            guard p != q, p.isOdd, q.isOdd, p.isProbablePrime(), q.isProbablePrime() else { throw .invalidKey }
            let n = p * q
            guard BigInt.gcd(n, (p - 1) * (q - 1)) == 1 else { throw .invalidKey }
            let publicKey = try PublicKey(n: n, hs: hs)
            self.init(unchecked: publicKey, p: p, q: q)
        }

        init(unchecked publicKey: PublicKey, p: BigInt, q: BigInt) {
            self.publicKey = publicKey
            self.p = p
            self.q = q
            pSquared = p * p
            qSquared = q * q
            pMinusOne = p - 1
            qMinusOne = q - 1
            let g = publicKey.n + 1
            // L_p(x) = (x − 1) / p.
            let lp = (g.modPow(pMinusOne, modulus: pSquared) - 1) / p
            let lq = (g.modPow(qMinusOne, modulus: qSquared) - 1) / q
            hp = lp.inverse(modulo: p)!
            hq = lq.inverse(modulo: q)!
            qInverse = q.inverse(modulo: p)!
            nModPhiPSquared = publicKey.n.modulo(p * pMinusOne)
            nModPhiQSquared = publicKey.n.modulo(q * qMinusOne)
            pSquaredInverse = pSquared.inverse(modulo: qSquared)!
        }

        /// Redacted: a private key never prints its factors.
        public var description: String { "Paillier.PrivateKey(n: \(publicKey.bits) bits, factors redacted)" }
    }

    /// Generates a key pair with an `bits`-bit modulus from two `bits/2`-bit primes whose top
    /// two bits are set [Pai99 §2], and a DJN base from a random unit [DJN10 §4].
    /// - Parameters:
    ///   - bits: 2048 or 3072 in production; any even size ≥ 512 is accepted for tests.
    ///   - rng: the randomness; pass a CSPRNG (the default is the system CSPRNG).
    /// - Throws: ``PaillierError/unsupportedKeySize(bits:)``.
    public static func generatePrivateKey(
        bits: Int, using rng: inout some RandomNumberGenerator
    ) throws(PaillierError) -> PrivateKey {
        guard bits >= 512, bits % 2 == 0, bits <= 8192 else { throw .unsupportedKeySize(bits: bits) }
        while true {
            let p = BigInt.randomPrime(bits: bits / 2, using: &rng)
            let q = BigInt.randomPrime(bits: bits / 2, using: &rng)
            guard p != q else { continue }
            let n = p * q
            guard n.bitWidth == bits, BigInt.gcd(n, (p - 1) * (q - 1)) == 1 else { continue }
            let hs = djnBase(n: n, using: &rng)
            return PrivateKey(unchecked: PublicKey(unchecked: n, nSquared: n * n, hs: hs), p: p, q: q)
        }
    }

    /// Generates a key pair using the system CSPRNG.
    public static func generatePrivateKey(bits: Int) throws(PaillierError) -> PrivateKey {
        var rng = SystemRandomNumberGenerator()
        return try generatePrivateKey(bits: bits, using: &rng)
    }

    /// `h_s = (−x²)^n mod n²` for a random unit `x` of `Z_n` [DJN10 §4].
    static func djnBase(n: BigInt, using rng: inout some RandomNumberGenerator) -> BigInt {
        let x = BigInt.randomUnit(modulo: n, using: &rng)
        let h = n - (x * x).modulo(n)
        return h.modPow(n, modulus: n * n)
    }
}

/// The lazily built fixed-base table of a public key. A class so that copies of a key share
/// one table; the mutex makes the one-time build safe across threads.
final class FixedBaseCache: Sendable {
    private let table = Mutex<SecureFixedBase?>(nil)

    /// The table of `h_s` for exponents of `bits` bits (default: the DJN exponent), built on first
    /// call. A cache serves one width: a key keeps one cache per width.
    func table(for key: Paillier.PublicKey, bits: Int? = nil) -> SecureFixedBase {
        let width = bits ?? key.exponentBits
        if let existing = table.withLock({ $0 }) {
            precondition(existing.digitCount == (width + existing.window - 1) / existing.window, "a fixed-base cache serves one exponent width")
            return existing
        }
        let built = SecureFixedBase(base: key.hs, modulus: key.nSquared, exponentBits: width)
        return table.withLock { slot in
            if let existing = slot { return existing }
            slot = built
            return built
        }
    }
}

extension Paillier {
    /// The odd primes below 1000: a modulus divisible by one of them is no RSA modulus.
    static let smallPrimes: [UInt] = (3..<1000).filter { p in (2..<p).prefix { $0 * $0 <= p }.allSatisfy { p % $0 != 0 } }.map(UInt.init)

    /// Whether `n` has a prime factor below 1000.
    static func hasSmallFactor(_ n: BigInt) -> Bool {
        smallPrimes.contains { n.remainder(dividingBy: $0) == 0 }
    }

    /// Whether `x² ≢ 1 (mod m)`: `x` is neither ±1 nor another square root of 1, so its order
    /// exceeds 2 (a public base of order 1 or 2 would make encryptions, or shares, readable).
    static func hasOrderAboveTwo(_ x: BigInt, modulus m: BigInt) -> Bool {
        (x * x).modulo(m) != BigInt(1)
    }
}

