public import MultiPrecision

extension Paillier {
    /// A Paillier ciphertext: a unit of `Z_{n²}`. Spec: protocols/paillier.md#ciphertexts.
    public struct Ciphertext: Sendable, Hashable {
        /// The ciphertext value in `[1, n²)`.
        public internal(set) var value: BigInt

        init(unchecked value: BigInt) { self.value = value }
    }
}

extension Paillier.PublicKey {
    /// Validates a ciphertext received from elsewhere: `1 ≤ c < n²` and `gcd(c, n) = 1`.
    /// - Throws: ``PaillierError/invalidCiphertext``.
    public func ciphertext(_ value: BigInt) throws(PaillierError) -> Paillier.Ciphertext {
        guard value.signum > 0, value < nSquared, BigInt.gcd(value, n) == 1 else { throw .invalidCiphertext }
        return Paillier.Ciphertext(unchecked: value)
    }

    /// `g^m = 1 + m·n mod n²` for `g = n + 1` [Pai99 §2, DJ01 §3].
    func gToThe(_ m: BigInt) -> BigInt {
        var gm = m * n
        gm += 1
        return gm
    }

    func checkPlaintext(_ m: BigInt) throws(PaillierError) {
        guard !m.isNegative, m < n else { throw .plaintextOutOfRange }
    }

    /// Encrypts `m ∈ [0, n)` on the public-key path: `c = g^m · h_s^α mod n²` with a fresh
    /// random α of ⌈|n|/2⌉ bits, using the fixed-base table [DJN10 §4].
    /// - Parameters:
    ///   - m: the plaintext, in `[0, n)`; see ``Paillier/SignedEncoding`` for signed values.
    ///   - rng: randomness for α; pass a CSPRNG.
    /// - Throws: ``PaillierError/plaintextOutOfRange``.
    public func encrypt(
        _ m: BigInt, using rng: inout some RandomNumberGenerator
    ) throws(PaillierError) -> Paillier.Ciphertext {
        try checkPlaintext(m)
        var words = Self.randomWords(bits: exponentBits, using: &rng)
        defer { for i in words.indices { words[i] = 0 } }
        return encrypt(m, exponentWords: words)
    }

    /// Encrypts with the system CSPRNG.
    public func encrypt(_ m: BigInt) throws(PaillierError) -> Paillier.Ciphertext {
        var rng = SystemRandomNumberGenerator()
        return try encrypt(m, using: &rng)
    }

    /// DJN encryption with a given exponent α (known-answer tests).
    package func encrypt(_ m: BigInt, djnExponent alpha: BigInt) throws(PaillierError) -> Paillier.Ciphertext {
        try checkPlaintext(m)
        guard !alpha.isNegative, alpha.bitWidth <= exponentBits else { throw .plaintextOutOfRange }
        return encrypt(m, exponentWords: alpha.littleEndianWords(count: (exponentBits + 63) / 64)!)
    }

    func encrypt(_ m: BigInt, exponentWords: [UInt64]) -> Paillier.Ciphertext {
        Paillier.Ciphertext(unchecked: table.table(for: self).power(exponentWords: exponentWords, timesOnePlus: m, times: n))
    }

    /// Textbook encryption `c = g^m · r^n mod n²` with a given unit `r` [Pai99 §2]
    /// (known-answer tests and interoperability).
    package func encrypt(_ m: BigInt, nonce r: BigInt) throws(PaillierError) -> Paillier.Ciphertext {
        try checkPlaintext(m)
        guard r.signum > 0, r < n, BigInt.gcd(r, n) == 1 else { throw .plaintextOutOfRange }
        var c = r.modPow(n, modulus: nSquared)
        c.multiply(by: gToThe(m), modulo: nSquared)
        return Paillier.Ciphertext(unchecked: c)
    }

    // MARK: Homomorphic operations [Pai99 §8]

    /// `Enc(a + b)`: the product of the ciphertexts modulo `n²`.
    public func add(_ a: Paillier.Ciphertext, _ b: Paillier.Ciphertext) -> Paillier.Ciphertext {
        var c = BigInt(reservingBits: 2 * nSquared.bitWidth + 64)
        c.formModularProduct(a.value, b.value, modulus: nSquared)
        return Paillier.Ciphertext(unchecked: c)
    }

    /// Adds `b` into the accumulator `a` in place (no allocation once `a` is sized).
    public func accumulate(_ a: inout Paillier.Ciphertext, _ b: Paillier.Ciphertext) {
        a.value.multiply(by: b.value, modulo: nSquared)
    }

    /// `Enc(Σ m_i)` of many ciphertexts (one accumulator, in place).
    public func sum(_ ciphertexts: some Sequence<Paillier.Ciphertext>) -> Paillier.Ciphertext {
        var accumulator = BigInt(reservingBits: 2 * nSquared.bitWidth + 64)
        accumulator += 1
        for c in ciphertexts { accumulator.multiply(by: c.value, modulo: nSquared) }
        return Paillier.Ciphertext(unchecked: accumulator)
    }

    /// `Enc(a + k)` for a plaintext `k` (any integer, taken modulo `n`).
    public func add(_ a: Paillier.Ciphertext, plaintext k: BigInt) -> Paillier.Ciphertext {
        var c = gToThe(k.modulo(n))
        c.multiply(by: a.value, modulo: nSquared)
        return Paillier.Ciphertext(unchecked: c)
    }

    /// `Enc(k · a)` for a scalar `k` (any integer, taken modulo `n`; negative scalars
    /// negate): `c^k mod n²`.
    public func multiply(_ a: Paillier.Ciphertext, by k: BigInt) -> Paillier.Ciphertext {
        let exponent = k.modulo(n)
        return Paillier.Ciphertext(unchecked: a.value.modPow(exponent, modulus: nSquared))
    }

    /// `Enc(−a)`.
    public func negate(_ a: Paillier.Ciphertext) -> Paillier.Ciphertext {
        Paillier.Ciphertext(unchecked: a.value.inverse(modulo: nSquared)!)
    }

    /// A fresh-looking encryption of the same plaintext: `c · h_s^α` for a new α.
    public func rerandomize(
        _ a: Paillier.Ciphertext, using rng: inout some RandomNumberGenerator
    ) -> Paillier.Ciphertext {
        let zero = try! encrypt(BigInt(), using: &rng)  // 0 is always in range
        return add(a, zero)
    }
}

extension Paillier.PrivateKey {
    /// Decrypts with the CRT [Pai99 §7]: `m_p = L_p(c^{p−1} mod p²)·h_p mod p`, likewise
    /// `m_q`, recombined modulo `n`. The secret exponents use constant-time exponentiation.
    /// - Throws: ``PaillierError/invalidCiphertext`` if `c` is not in `[1, n²)`.
    public func decrypt(_ c: Paillier.Ciphertext) throws(PaillierError) -> BigInt {
        guard c.value.signum > 0, c.value < publicKey.nSquared else { throw .invalidCiphertext }
        let cp = c.value.modulo(pSquared).modPowSecret(pMinusOne, modulus: pSquared)
        let cq = c.value.modulo(qSquared).modPowSecret(qMinusOne, modulus: qSquared)
        var mp = (cp - 1).dividedExactly(by: p)
        mp.multiply(by: hp, modulo: p)
        var mq = (cq - 1).dividedExactly(by: q)
        mq.multiply(by: hq, modulo: q)
        // m = m_q + q · ((m_p − m_q) · q^{−1} mod p)
        var t = mp - mq
        t.multiply(by: qInverse, modulo: p)
        t.reduce(modulo: p)
        t.formProduct(t, q)
        t += mq
        return t
    }

    /// Textbook decryption `L(c^λ mod n²) · μ mod n` [Pai99 §3], for cross-checking the CRT path.
    package func decryptTextbook(_ c: Paillier.Ciphertext) -> BigInt {
        let n = publicKey.n
        let lambda = BigInt.lcm(pMinusOne, qMinusOne)
        let u = c.value.modPow(lambda, modulus: publicKey.nSquared)
        let mu = ((publicKey.gToThe(1).modPow(lambda, modulus: publicKey.nSquared) - 1) / n).inverse(modulo: n)!
        return ((u - 1) / n * mu).modulo(n)
    }

    /// Encrypts on the owner's path: `r^n mod n²` by the CRT modulo `p²` and `q²` with the
    /// exponent reduced modulo `φ(p²) = p(p−1)` and `φ(q²)` (secret, so constant-time)
    /// [Pai99 §7]. For members who hold the private key.
    /// - Throws: ``PaillierError/plaintextOutOfRange``.
    public func encrypt(
        _ m: BigInt, using rng: inout some RandomNumberGenerator
    ) throws(PaillierError) -> Paillier.Ciphertext {
        try publicKey.checkPlaintext(m)
        let r = BigInt.randomUnit(modulo: publicKey.n, using: &rng)
        let rp = r.modPowSecret(nModPhiPSquared, modulus: pSquared)
        let rq = r.modPowSecret(nModPhiQSquared, modulus: qSquared)
        // r^n mod n² = rp + p² · ((rq − rp) · (p²)^{−1} mod q²)
        var t = rq - rp
        t.multiply(by: pSquaredInverse, modulo: qSquared)
        t.reduce(modulo: qSquared)
        t.formProduct(t, pSquared)
        t += rp
        t.multiply(by: publicKey.gToThe(m), modulo: publicKey.nSquared)
        return Paillier.Ciphertext(unchecked: t)
    }
}
