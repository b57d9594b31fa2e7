import CryptoPrimitives
public import MultiPrecision
import WireFormat

// Threshold Paillier with a trusted dealer: Shoup's threshold RSA [Sho00] carried to
// Paillier by Damgård–Jurik [DJ01 §4] (s = 1) and Fouque–Poupard–Stern. Spec:
// protocols/paillier.md#threshold-decryption.

extension Paillier {
    /// The public side of a threshold key: the Paillier key, the threshold `t` of `ℓ`
    /// parties, `Δ = ℓ!`, the verification base `v` (a random square of `Z_{n²}^*`) and
    /// the verification keys `v_i = v^{Δ s_i}` [DJ01 §4.1].
    public struct ThresholdPublicKey: Sendable, Hashable {
        /// The Paillier public key members encrypt under.
        public let publicKey: PublicKey
        /// Shares needed to decrypt.
        public let threshold: Int
        /// Key holders, numbered 1…`parties`.
        public let parties: Int
        /// `Δ = parties!`.
        public let delta: BigInt
        /// The verification base `v`.
        public let v: BigInt
        /// `verificationKeys[i − 1] = v^{Δ s_i} mod n²`.
        public let verificationKeys: [BigInt]

        /// A threshold public key from its published parts, validated.
        /// - Throws: ``PaillierError/invalidThreshold(threshold:parties:)`` or
        ///   ``PaillierError/invalidKey``.
        public init(
            publicKey: PublicKey, threshold: Int, parties: Int, v: BigInt, verificationKeys: [BigInt]
        ) throws(PaillierError) {
            try Paillier.checkThreshold(threshold, of: parties)
            let nSquared = publicKey.nSquared
            guard verificationKeys.count == parties,
                  ([v] + verificationKeys).allSatisfy({ $0 > 1 && $0 < nSquared && BigInt.gcd($0, publicKey.n) == 1 }),
                  ([v] + verificationKeys).allSatisfy({ Paillier.hasOrderAboveTwo($0, modulus: nSquared) })
            else { throw .invalidKey }
            self.publicKey = publicKey
            self.threshold = threshold
            self.parties = parties
            self.delta = Paillier.delta(parties: parties)
            self.v = v
            self.verificationKeys = verificationKeys
        }
    }

    /// Party `index`'s share `s_i = f(i) mod nm` of the decryption exponent. Redacted in
    /// descriptions.
    public struct KeyShare: Sendable, CustomStringConvertible {
        /// The party's index, 1…ℓ.
        public let index: Int
        /// `s_i`.
        package let secret: BigInt

        /// A share from its parts (key ceremony transport, tests).
        package init(index: Int, secret: BigInt) {
            self.index = index
            self.secret = secret
        }

        /// Redacted.
        public var description: String { "Paillier.KeyShare(index: \(index), secret: redacted)" }
    }

    /// A non-interactive proof that `log_{c⁴}(c_i²) = log_v(v_i)` (Chaum–Pedersen made
    /// non-interactive with Fiat–Shamir over SHA-256) [DJ01 §4.1, Sho00 §3].
    public struct DecryptionShareProof: Sendable, Hashable {
        /// The challenge `e` (256 bits).
        public let challenge: BigInt
        /// The response `z = r + e·Δ·s_i`.
        public let response: BigInt

        /// A proof from its parts.
        public init(challenge: BigInt, response: BigInt) {
            self.challenge = challenge
            self.response = response
        }
    }

    /// Party `index`'s decryption share `c_i = c^{2Δ s_i} mod n²` with its proof.
    public struct DecryptionShare: Sendable, Hashable {
        /// The party's index, 1…ℓ.
        public let index: Int
        /// `c_i`.
        public let value: BigInt
        /// The proof that `c_i` used the party's key share.
        public let proof: DecryptionShareProof

        /// A share from its parts (as received from a peer; verify before use).
        public init(index: Int, value: BigInt, proof: DecryptionShareProof) {
            self.index = index
            self.value = value
            self.proof = proof
        }
    }

    /// Deals a threshold key: safe primes `p = 2p'+1`, `q = 2q'+1`, `m = p'q'`,
    /// `d ≡ 0 (mod m)`, `d ≡ 1 (mod n)`, a random polynomial `f` of degree `t − 1` over
    /// `Z_{nm}` with `f(0) = d`, shares `s_i = f(i)` [DJ01 §4.1].
    /// - Warning: the dealer learns the whole key and must erase it; the key ceremony
    ///   (who dealt, which public key) belongs on the ledger.
    /// - Throws: ``PaillierError/invalidThreshold(threshold:parties:)``,
    ///   ``PaillierError/unsupportedKeySize(bits:)``.
    public static func dealThresholdKey(
        bits: Int, threshold: Int, parties: Int, using rng: inout some RandomNumberGenerator
    ) throws(PaillierError) -> (publicKey: ThresholdPublicKey, shares: [KeyShare]) {
        guard bits >= 512, bits % 2 == 0, bits <= 8192 else { throw .unsupportedKeySize(bits: bits) }
        try checkThreshold(threshold, of: parties)
        while true {
            let p = BigInt.randomSafePrime(bits: bits / 2, using: &rng)
            let q = BigInt.randomSafePrime(bits: bits / 2, using: &rng)
            guard p != q, (p * q).bitWidth == bits else { continue }
            return try dealThresholdKey(p: p, q: q, threshold: threshold, parties: parties, using: &rng)
        }
    }

    /// Deals a threshold key from given safe primes (known-answer tests).
    package static func dealThresholdKey(
        p: BigInt, q: BigInt, threshold: Int, parties: Int, using rng: inout some RandomNumberGenerator
    ) throws(PaillierError) -> (publicKey: ThresholdPublicKey, shares: [KeyShare]) {
        let n = p * q
        let m = ((p - 1) >> 1) * ((q - 1) >> 1)
        let randomCoefficients = (1..<threshold).map { _ in BigInt.random(below: n * m, using: &rng) }
        let r = BigInt.randomUnit(modulo: n * n, using: &rng)
        return try dealThresholdKey(
            p: p, q: q, threshold: threshold, parties: parties, randomCoefficients: randomCoefficients,
            v: (r * r).modulo(n * n), hs: djnBase(n: n, using: &rng))
    }

    /// Deals a threshold key from all of its randomness (known-answer tests): the
    /// coefficients `a_1…a_{t−1}` of `f`, the verification base `v` and the DJN base `h_s`.
    package static func dealThresholdKey(
        p: BigInt, q: BigInt, threshold: Int, parties: Int,
        randomCoefficients: [BigInt], v: BigInt, hs: BigInt
    ) throws(PaillierError) -> (publicKey: ThresholdPublicKey, shares: [KeyShare]) {
        try checkThreshold(threshold, of: parties)
        guard randomCoefficients.count == threshold - 1 else {
            throw .invalidThreshold(threshold: threshold, parties: parties)
        }
        let pPrime = (p - 1) >> 1, qPrime = (q - 1) >> 1
        guard p != q, p.isProbablePrime(), q.isProbablePrime(),
              pPrime.isProbablePrime(), qPrime.isProbablePrime() else { throw .invalidKey }
        let n = p * q
        let m = pPrime * qPrime
        guard let mInverse = m.inverse(modulo: n) else { throw .invalidKey }
        let d = m * mInverse  // ≡ 0 (mod m), ≡ 1 (mod n)
        let nm = n * m
        let coefficients = [d] + randomCoefficients.map { $0.modulo(nm) }
        let secrets = (1...parties).map { i -> BigInt in
            // Horner: f(i) mod nm.
            var acc = BigInt()
            for a in coefficients.reversed() {
                acc = (acc * BigInt(i) + a).modulo(nm)
            }
            return acc
        }
        let nSquared = n * n
        let delta = delta(parties: parties)
        let verificationKeys = secrets.map { v.modPowSecret(delta * $0, modulus: nSquared) }
        let publicKey = try ThresholdPublicKey(
            publicKey: PublicKey(n: n, hs: hs), threshold: threshold, parties: parties,
            v: v, verificationKeys: verificationKeys)
        return (publicKey, secrets.enumerated().map { KeyShare(index: $0.offset + 1, secret: $0.element) })
    }
}

extension Paillier.KeyShare {
    /// This party's decryption share of `c`: `c_i = c^{2Δ s_i} mod n²`, with a proof that
    /// `log_{c⁴}(c_i²) = log_v(v_i)` [DJ01 §4.1].
    /// - Throws: ``PaillierError/invalidCiphertext``, ``PaillierError/unknownParty(party:)``.
    public func decryptionShare(
        for c: Paillier.Ciphertext, key: Paillier.ThresholdPublicKey,
        using rng: inout some RandomNumberGenerator
    ) throws(PaillierError) -> Paillier.DecryptionShare {
        _ = try key.publicKey.ciphertext(c.value)
        let x = try witness(for: key)
        let ci = c.value.modPowSecret(x << 1, modulus: key.publicKey.nSquared)
        let proof = Paillier.proveEquality(
            base: c.value, share: ci, witness: x, index: index, key: key,
            nonce: Paillier.proofNonce(for: key, using: &rng), domain: Paillier.shareProofDomain, binding: [])
        return Paillier.DecryptionShare(index: index, value: ci, proof: proof)
    }

    /// The witness `Δ·s_i`, after checking that this share belongs to `key`'s parties.
    /// - Throws: ``PaillierError/unknownParty(party:)``.
    func witness(for key: Paillier.ThresholdPublicKey) throws(PaillierError) -> BigInt {
        guard (1...key.parties).contains(index) else { throw .unknownParty(party: index) }
        return key.delta * secret
    }
}

extension Paillier.ThresholdPublicKey {
    /// Whether `share` is a correct decryption share of `c` by its party: recomputes
    /// `a = (c⁴)^z · (c_i²)^{−e}`, `b = v^z · v_i^{−e}` and checks the challenge.
    public func isValid(_ share: Paillier.DecryptionShare, for c: Paillier.Ciphertext) -> Bool {
        let nSquared = publicKey.nSquared
        guard (1...parties).contains(share.index),
              share.value.signum > 0, share.value < nSquared,
              c.value.signum > 0, c.value < nSquared
        else { return false }
        return Paillier.verifyEquality(
            base: c.value, share: share.value, proof: share.proof, index: share.index, key: self,
            domain: Paillier.shareProofDomain, binding: [])
    }

    /// Combines decryption shares of `c` into the plaintext: verifies every share, then
    /// takes the first `t`, `c' = ∏ c_i^{2μ_i}` with `μ_i = Δ·∏_{j≠i} j/(j−i)`, and
    /// `m = L(c') · (4Δ²)^{−1} mod n` [DJ01 §4.1].
    /// - Throws: ``PaillierError/duplicateShare(party:)``, ``PaillierError/unknownParty(party:)``,
    ///   ``PaillierError/invalidDecryptionShare(party:)``,
    ///   ``PaillierError/insufficientShares(valid:needed:)``.
    public func combine(
        _ shares: [Paillier.DecryptionShare], for c: Paillier.Ciphertext
    ) throws(PaillierError) -> BigInt {
        try checkParties(shares.map(\.index))
        for share in shares where !isValid(share, for: c) { throw .invalidDecryptionShare(party: share.index) }
        return try combineVerified(shares.prefix(threshold).map { ($0.index, $0.value) })
    }

    /// Distinct, known parties, at least `t` of them.
    /// - Throws: ``PaillierError/unknownParty(party:)``, ``PaillierError/duplicateShare(party:)``,
    ///   ``PaillierError/insufficientShares(valid:needed:)``.
    func checkParties(_ indices: [Int]) throws(PaillierError) {
        var seen = Set<Int>()
        for index in indices {
            guard (1...parties).contains(index) else { throw .unknownParty(party: index) }
            guard seen.insert(index).inserted else { throw .duplicateShare(party: index) }
        }
        guard indices.count >= threshold else { throw .insufficientShares(valid: indices.count, needed: threshold) }
    }

    /// Lagrange combination of `t` verified shares of one ciphertext [DJ01 §4.1].
    /// - Throws: ``PaillierError/invalidKey`` if `4Δ²` is not invertible modulo `n`.
    func combineVerified(_ used: [(index: Int, value: BigInt)]) throws(PaillierError) -> BigInt {
        let nSquared = publicKey.nSquared, n = publicKey.n
        var combined = BigInt(1)
        for share in used {
            let i = BigInt(share.index)
            var numerator = delta, denominator = BigInt(1)
            for other in used where other.index != share.index {
                numerator *= BigInt(other.index)
                denominator *= BigInt(other.index) - i
            }
            let mu = numerator.dividedExactly(by: denominator)  // an integer since Δ = ℓ!
            // A verified share is a unit of Z_{n²}; a batch value escapes the proof only with
            // probability ~2^-128, so a non-unit is refused rather than trusted.
            var base = share.value
            if mu.isNegative {
                guard let inverse = share.value.inverse(modulo: nSquared) else {
                    throw .invalidDecryptionShare(party: share.index)
                }
                base = inverse
            }
            combined.multiply(by: base.modPow(mu.magnitude << 1, modulus: nSquared), modulo: nSquared)
        }
        let l = (combined - 1) / n
        let fourDeltaSquared = (delta * delta) << 2
        guard let inverse = fourDeltaSquared.inverse(modulo: n) else { throw .invalidKey }
        return (l * inverse).modulo(n)
    }
}

extension Paillier {
    /// Domain of the single-share proof (protocols/paillier.md#decryption-share-proof).
    static let shareProofDomain = "covenant/paillier/decryption-share-proof/v1"

    /// The proof's commitment exponent `r`: uniform of `|n²| + |Δ| + 384` bits, so that `r`
    /// hides `e·x` statistically (128 extra bits).
    static func proofNonce(for key: ThresholdPublicKey, using rng: inout some RandomNumberGenerator) -> BigInt {
        BigInt.random(bits: key.publicKey.nSquared.bitWidth + key.delta.bitWidth + 384, using: &rng) + 1
    }

    /// Chaum–Pedersen proof that `log_{base⁴}(share²) = log_v(v_i) = x` [DJ01 §4.1], made
    /// non-interactive over `domain` and `binding` (Fiat–Shamir).
    static func proveEquality(
        base: BigInt, share: BigInt, witness x: BigInt, index: Int, key: ThresholdPublicKey, nonce r: BigInt,
        domain: String, binding: [UInt8]
    ) -> DecryptionShareProof {
        let nSquared = key.publicKey.nSquared
        let base4 = base.modPow(4, modulus: nSquared)
        let a = base4.modPowSecret(r, modulus: nSquared)
        let b = key.v.modPowSecret(r, modulus: nSquared)
        let e = proofChallenge(
            key: key, index: index, c: base, ci: share, a: a, b: b, domain: domain, binding: binding)
        return DecryptionShareProof(challenge: e, response: r + e * x)
    }

    /// Checks a ``proveEquality(base:share:witness:index:key:nonce:domain:binding:)`` proof:
    /// `a = (base⁴)^z·(share²)^{−e}`, `b = v^z·v_i^{−e}`, and `e` the challenge; `e < 2^256`,
    /// `0 ≤ z < 2^(|n²|+|Δ|+385)`.
    static func verifyEquality(
        base: BigInt, share: BigInt, proof: DecryptionShareProof, index: Int, key: ThresholdPublicKey,
        domain: String, binding: [UInt8]
    ) -> Bool {
        let nSquared = key.publicKey.nSquared
        let e = proof.challenge, z = proof.response
        guard !e.isNegative, e.bitWidth <= 256, !z.isNegative,
              z.bitWidth <= nSquared.bitWidth + key.delta.bitWidth + 256 + 129
        else { return false }
        let vi = key.verificationKeys[index - 1]
        guard let shareSquaredInverse = share.modPow(2, modulus: nSquared).inverse(modulo: nSquared),
              let viInverse = vi.inverse(modulo: nSquared) else { return false }
        let base4 = base.modPow(4, modulus: nSquared)
        var a = base4.modPow(z, modulus: nSquared)
        a.multiply(by: shareSquaredInverse.modPow(e, modulus: nSquared), modulo: nSquared)
        var b = key.v.modPow(z, modulus: nSquared)
        b.multiply(by: viInverse.modPow(e, modulus: nSquared), modulo: nSquared)
        let expected = proofChallenge(
            key: key, index: index, c: base, ci: share, a: a, b: b, domain: domain, binding: binding)
        return expected == e
    }
}

extension Paillier {
    /// `1 ≤ t ≤ ℓ ≤ 1000`.
    /// - Throws: ``PaillierError/invalidThreshold(threshold:parties:)``.
    static func checkThreshold(_ threshold: Int, of parties: Int) throws(PaillierError) {
        guard parties >= 1, parties <= 1000, threshold >= 1, threshold <= parties else {
            throw .invalidThreshold(threshold: threshold, parties: parties)
        }
    }

    /// `Δ = ℓ!` [Sho00 §3].
    static func delta(parties: Int) -> BigInt {
        (1...parties).reduce(BigInt(1)) { $0 * BigInt($1) }
    }

    /// The Fiat–Shamir challenge: SHA-256 over a domain tag, the length-prefixed statement and
    /// commitments, and (batch proofs) the batch seed. Spec: protocols/paillier.md#decryption-share-proof.
    static func proofChallenge(
        key: ThresholdPublicKey, index: Int, c: BigInt, ci: BigInt, a: BigInt, b: BigInt, domain: String,
        binding: [UInt8]
    ) -> BigInt {
        var transcript = Array(domain.utf8)
        for x in [key.publicKey.n, key.v, BigInt(index), c, ci, key.verificationKeys[index - 1], a, b] {
            appendLengthPrefixed(x, to: &transcript)
        }
        transcript += binding
        return BigInt(bigEndianMagnitude: SHA256.hash(transcript))
    }

    /// Appends `u32 length ‖ big-endian magnitude` of `x`.
    static func appendLengthPrefixed(_ x: BigInt, to transcript: inout [UInt8]) {
        let bytes = x.bigEndianMagnitude
        appendUInt32(UInt32(bytes.count), to: &transcript)
        transcript += bytes
    }

    /// Appends `value` as 4 big-endian bytes.
    static func appendUInt32(_ value: UInt32, to transcript: inout [UInt8]) {
        transcript += [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16),
                       UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }
}

extension Paillier.ThresholdPublicKey {
    /// Whether `share` is this key's share of its index: `v^{Δ s_i} = v_i (mod n²)`, computed in
    /// constant time (the exponent is secret). What a key holder checks when its share arrives
    /// from the dealer (protocols/founding.md#key-ceremony).
    public func holds(_ share: Paillier.KeyShare) -> Bool {
        guard (1...parties).contains(share.index), share.secret.signum > 0 else { return false }
        return v.modPowSecret(delta * share.secret, modulus: publicKey.nSquared) == verificationKeys[share.index - 1]
    }
}

extension Paillier.KeyShare {
    /// `u32 index ‖ bigint s_i`: the share as it is sealed to its holder (package only: the
    /// secret never leaves the package in the clear).
    package var serialized: [UInt8] {
        var writer = WireWriter()
        writer.writeUInt32(UInt32(clamping: index))
        writer.writeBigInt(secret)
        return writer.bytes
    }

    /// A share from ``serialized`` bytes; nil if malformed.
    package init?(serialized bytes: [UInt8]) {
        var reader = WireReader(bytes)
        guard let index = try? reader.readUInt32(), let secret = try? reader.readBigInt(), reader.isAtEnd,
            index >= 1, secret.signum > 0
        else { return nil }
        self.init(index: Int(index), secret: secret)
    }
}
