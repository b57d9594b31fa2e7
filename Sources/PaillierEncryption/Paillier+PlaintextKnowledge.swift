public import MultiPrecision
import CryptoPrimitives

extension Paillier {
    /// A non-interactive proof that the sender knows the plaintext of a DJN ciphertext
    /// `c = g^m · h_s^α mod n²`, bound to a context (the session and the sender), so that a
    /// ciphertext copied or rerandomised from another party or another session cannot be
    /// submitted as one's own. Σ-protocol made non-interactive by Fiat–Shamir; spec:
    /// protocols/paillier.md#plaintext-knowledge-proofs.
    public struct PlaintextKnowledgeProof: Sendable, Hashable {
        /// The commitment `a = g^x · h_s^y mod n²`.
        public let commitment: BigInt
        /// `z₁ = x + e·m mod n`.
        public let plaintextResponse: BigInt
        /// `z₂ = y + e·α` (an integer, below `2^(|α| + 256)`).
        public let exponentResponse: BigInt

        /// A proof from its parts (decoded; checked by ``Paillier/PublicKey/verify(_:of:context:)``).
        public init(commitment: BigInt, plaintextResponse: BigInt, exponentResponse: BigInt) {
            self.commitment = commitment
            self.plaintextResponse = plaintextResponse
            self.exponentResponse = exponentResponse
        }
    }

    /// Domain of the proof's challenge.
    static let plaintextProofDomain = "covenant/paillier/plaintext-knowledge/v1"
    /// Bits of the challenge `e`.
    static let plaintextProofChallengeBits = 128
    /// Statistical slack of the masking exponent `y` over `e·α`.
    static let plaintextProofSlackBits = 128
}

extension Paillier.PublicKey {
    /// Bits of the masking exponent `y`: `|α| + 128 + 128`.
    var proofExponentBits: Int { exponentBits + Paillier.plaintextProofChallengeBits + Paillier.plaintextProofSlackBits }

    /// The table of `h_s` for the proof's exponents `y` and `z₂` (at most `|α| + 257` bits).
    private var proofBase: SecureFixedBase { proofTable.table(for: self, bits: proofExponentBits + 1) }

    /// Encrypts `m ∈ [0, n)` and proves knowledge of its plaintext under `context`
    /// (protocols/paillier.md#plaintext-knowledge-proofs). Both exponentiations by a secret
    /// exponent (`h_s^α`, `h_s^y`) use side-channel silent fixed-base tables.
    /// - Parameters:
    ///   - m: The plaintext.
    ///   - context: What the proof is bound to (session id, sender, position).
    ///   - rng: A CSPRNG.
    /// - Returns: The ciphertext and its proof.
    /// - Throws: ``PaillierError/plaintextOutOfRange``.
    public func encryptWithProof(
        _ m: BigInt, context: [UInt8], using rng: inout some RandomNumberGenerator
    ) throws(PaillierError) -> (Paillier.Ciphertext, Paillier.PlaintextKnowledgeProof) {
        try checkPlaintext(m)
        var alpha = Self.randomWords(bits: exponentBits, using: &rng)
        var y = Self.randomWords(bits: proofExponentBits, using: &rng)
        defer {
            for i in alpha.indices { alpha[i] = 0 }
            for i in y.indices { y[i] = 0 }
        }
        return prove(m, alphaWords: alpha, x: BigInt.random(below: n, using: &rng), yWords: y, context: context)
    }

    /// The prover with given randomness (known-answer tests): `α` of at most `|α|` bits, `x < n`,
    /// `y` of at most `|α| + 256` bits, as little-endian words.
    /// - Throws: ``PaillierError/plaintextOutOfRange`` for `m`, `α`, `x` or `y` out of range.
    package func encryptWithProof(
        _ m: BigInt, alpha: BigInt, x: BigInt, y: BigInt, context: [UInt8]
    ) throws(PaillierError) -> (Paillier.Ciphertext, Paillier.PlaintextKnowledgeProof) {
        try checkPlaintext(m)
        try checkPlaintext(x)
        guard !alpha.isNegative, alpha.bitWidth <= exponentBits, !y.isNegative, y.bitWidth <= proofExponentBits,
            let alphaWords = alpha.littleEndianWords(count: (exponentBits + 63) / 64),
            let yWords = y.littleEndianWords(count: (proofExponentBits + 63) / 64)
        else { throw .plaintextOutOfRange }
        return prove(m, alphaWords: alphaWords, x: x, yWords: yWords, context: context)
    }

    private func prove(
        _ m: BigInt, alphaWords: [UInt64], x: BigInt, yWords: [UInt64], context: [UInt8]
    ) -> (Paillier.Ciphertext, Paillier.PlaintextKnowledgeProof) {
        let c = encrypt(m, exponentWords: alphaWords)
        let a = proofBase.power(exponentWords: yWords, timesOnePlus: x, times: n)
        let e = challenge(context: context, ciphertext: c.value, commitment: a)
        // Both responses mix secrets: computed side-channel silently on fixed widths.
        let z1 = SecureArithmetic.multiplyAdd(x, e, m, modulo: n)
        let z2 = SecureArithmetic.multiplyAdd(words: yWords, e, words: alphaWords)
        return (c, Paillier.PlaintextKnowledgeProof(commitment: a, plaintextResponse: z1, exponentResponse: z2))
    }

    /// Checks a plaintext-knowledge proof of `c` under `context`: `g^{z₁} · h_s^{z₂} = a · c^e
    /// mod n²` with `e` recomputed, `a` a unit, `z₁ < n` and `z₂ < 2^(|α| + 256)`.
    /// - Parameters:
    ///   - proof: The proof.
    ///   - c: The ciphertext (already validated under this key).
    ///   - context: The context the prover must have bound it to.
    /// - Returns: Whether it verifies.
    public func verify(_ proof: Paillier.PlaintextKnowledgeProof, of c: Paillier.Ciphertext, context: [UInt8]) -> Bool {
        let a = proof.commitment, z1 = proof.plaintextResponse, z2 = proof.exponentResponse
        guard a.signum > 0, a < nSquared, BigInt.gcd(a, n) == 1,
            !z1.isNegative, z1 < n, !z2.isNegative, z2.bitWidth <= proofExponentBits + 1
        else { return false }
        let e = challenge(context: context, ciphertext: c.value, commitment: a)
        // z₂ is public; the fixed-base table is simply faster than a generic power.
        guard let z2Words = z2.littleEndianWords(count: (proofExponentBits + 64) / 64) else { return false }
        var left = proofBase.power(exponentWords: z2Words)
        left.multiply(by: gToThe(z1), modulo: nSquared)
        var right = c.value.modPow(e, modulus: nSquared)
        right.multiply(by: a, modulo: nSquared)
        return left == right
    }

    /// Checks many plaintext-knowledge proofs at once (the small-exponents test [BGR98 §3]):
    /// with fresh random 128-bit `ρ_j`, `(g^{Σρ_j z₁_j} · h_s^{Σρ_j z₂_j})² = (∏ a_j^{ρ_j} ·
    /// c_j^{ρ_j e_j})²`, the right side by one multi-exponentiation, after the same range checks
    /// as ``verify(_:of:context:)``. Squaring removes the sign (`−1`, of order 2) that the random
    /// exponents could not catch; a proof valid up to sign still proves knowledge of the plaintext
    /// (`−1` is an `n`-th residue). Any other wrong proof passes with probability about `2^-128`
    /// when `n`'s prime factors are safe primes (the dealer's keys; protocols/paillier.md#plaintext-knowledge-proofs).
    /// - Parameter items: Each proof with its ciphertext (validated under this key) and context.
    /// - Returns: Whether all verify (true for none).
    public func verifyBatch(_ items: [(proof: Paillier.PlaintextKnowledgeProof, ciphertext: Paillier.Ciphertext, context: [UInt8])]) -> Bool {
        guard !items.isEmpty else { return true }
        var bases: [BigInt] = [], exponents: [BigInt] = []
        bases.reserveCapacity(2 * items.count)
        exponents.reserveCapacity(2 * items.count)
        var z1 = BigInt(0), z2 = BigInt(0)
        var rng = SystemRandomNumberGenerator()
        for (proof, c, context) in items {
            let a = proof.commitment
            guard a.signum > 0, a < nSquared, BigInt.gcd(a, n) == 1,
                !proof.plaintextResponse.isNegative, proof.plaintextResponse < n,
                !proof.exponentResponse.isNegative, proof.exponentResponse.bitWidth <= proofExponentBits + 1
            else { return false }
            let e = challenge(context: context, ciphertext: c.value, commitment: a)
            let rho = BigInt(littleEndianWords: [rng.next(), rng.next()])
            z1 += rho * proof.plaintextResponse
            z2 += rho * proof.exponentResponse
            bases.append(a)
            exponents.append(rho)
            bases.append(c.value)
            exponents.append(rho * e)
        }
        var left = hs.modPow(z2, modulus: nSquared)
        left.multiply(by: gToThe(z1.modulo(n)), modulo: nSquared)
        var right = BigInt.multiExponentiation(bases: bases, exponents: exponents, modulus: nSquared)
        left.multiply(by: left, modulo: nSquared)
        right.multiply(by: right, modulo: nSquared)
        return left == right
    }

    /// `e` = the first 128 bits of `SHA-256(domain ‖ len‖context ‖ len‖n ‖ len‖h_s ‖ len‖c ‖ len‖a)`.
    private func challenge(context: [UInt8], ciphertext: BigInt, commitment: BigInt) -> BigInt {
        var transcript = Array(Paillier.plaintextProofDomain.utf8)
        Paillier.appendUInt32(UInt32(truncatingIfNeeded: context.count), to: &transcript)
        transcript += context
        for x in [n, hs, ciphertext, commitment] { Paillier.appendLengthPrefixed(x, to: &transcript) }
        return BigInt(bigEndianMagnitude: Array(SHA256.hash(transcript).prefix(Paillier.plaintextProofChallengeBits / 8)))
    }

    /// `bits` uniformly random bits as little-endian words.
    static func randomWords(bits: Int, using rng: inout some RandomNumberGenerator) -> [UInt64] {
        var words = [UInt64](repeating: 0, count: (bits + 63) / 64)
        for i in words.indices { words[i] = rng.next() }
        if bits % 64 != 0 { words[words.count - 1] &= UInt64.max >> UInt64(64 - bits % 64) }
        return words
    }
}
