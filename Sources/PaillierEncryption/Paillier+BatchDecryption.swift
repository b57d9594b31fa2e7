import CryptoPrimitives
public import MultiPrecision

// Batch decryption shares: one key holder's shares of K ciphertexts with one proof, via the
// small-exponents batch test [BGR98 §3] on the squares of Z_{n²}^*, whose order has only large
// prime factors. Spec: protocols/paillier.md#batch-decryption-shares.

extension Paillier {
    /// One key holder's decryption shares `c_{i,j} = c_j^{2Δ s_i}` of a batch of ciphertexts,
    /// with one proof that all of them are correct (protocols/paillier.md#batch-decryption-shares).
    public struct BatchDecryptionShare: Sendable, Hashable {
        /// The party `i` (1-based).
        public let index: Int
        /// `c_{i,j}` for each ciphertext `c_j`, in order.
        public let values: [BigInt]
        /// The proof for the random linear combination of the batch.
        public let proof: DecryptionShareProof

        /// A batch share.
        /// - Parameters:
        ///   - index: The party.
        ///   - values: One share per ciphertext.
        ///   - proof: The batch proof.
        public init(index: Int, values: [BigInt], proof: DecryptionShareProof) {
            self.index = index
            self.values = values
            self.proof = proof
        }
    }

    /// Domain of the batch seed.
    static let batchSeedDomain = "covenant/paillier/batch-decryption-shares/v1"
    /// Domain of the batch proof's challenge.
    static let batchProofDomain = "covenant/paillier/batch-decryption-share-proof/v1"

    /// The batch statement: the seed binding every ciphertext and share, and the combined pair
    /// `C = ∏ c_j^{ρ_j}`, `C_i = ∏ c_{i,j}^{ρ_j}` with `ρ_j` the first 128 bits of
    /// `SHA-256(seed ‖ u32 j)`, `j = 1…K` (protocols/paillier.md#batch-decryption-shares).
    /// - Returns: nil for an empty batch, mismatched lengths or values outside `(0, n²)`.
    package static func batchStatement(
        ciphertexts: [BigInt], shares: [BigInt], index: Int, key: ThresholdPublicKey
    ) -> (seed: [UInt8], combinedCiphertext: BigInt, combinedShare: BigInt)? {
        let nSquared = key.publicKey.nSquared
        guard !ciphertexts.isEmpty, ciphertexts.count == shares.count, ciphertexts.count <= Int(UInt32.max),
              (ciphertexts + shares).allSatisfy({ $0.signum > 0 && $0 < nSquared })
        else { return nil }
        var transcript = Array(batchSeedDomain.utf8)
        for x in [key.publicKey.n, key.v, BigInt(index), key.verificationKeys[index - 1]] {
            appendLengthPrefixed(x, to: &transcript)
        }
        appendUInt32(UInt32(ciphertexts.count), to: &transcript)
        for x in ciphertexts + shares { appendLengthPrefixed(x, to: &transcript) }
        let seed = SHA256.hash(transcript)
        var combinedCiphertext = BigInt(1), combinedShare = BigInt(1)
        for j in ciphertexts.indices {
            var input = seed
            appendUInt32(UInt32(j + 1), to: &input)
            let digest = SHA256.hash(input)
            let rho = BigInt(bigEndianMagnitude: Array(digest.prefix(16)))
            combinedCiphertext.multiply(by: ciphertexts[j].modPow(rho, modulus: nSquared), modulo: nSquared)
            combinedShare.multiply(by: shares[j].modPow(rho, modulus: nSquared), modulo: nSquared)
        }
        return (seed, combinedCiphertext, combinedShare)
    }
}

extension Paillier.KeyShare {
    /// This party's decryption shares of every ciphertext, with one batch proof: far cheaper
    /// than a proof per ciphertext (two full exponentiations in all, plus two 128-bit ones per
    /// ciphertext). Spec: protocols/paillier.md#batch-decryption-shares.
    /// - Parameters:
    ///   - ciphertexts: At least one ciphertext of `key`.
    ///   - key: The threshold key.
    ///   - rng: Randomness for the proof (``SecureRandomGenerator`` in production).
    /// - Returns: The batch share.
    /// - Throws: ``PaillierError/invalidCiphertext``, ``PaillierError/unknownParty(party:)``,
    ///   ``PaillierError/emptyBatch``.
    public func decryptionShares(
        for ciphertexts: [Paillier.Ciphertext], key: Paillier.ThresholdPublicKey,
        using rng: inout some RandomNumberGenerator
    ) throws(PaillierError) -> Paillier.BatchDecryptionShare {
        try decryptionShares(for: ciphertexts, key: key, nonce: Paillier.proofNonce(for: key, using: &rng))
    }

    /// ``decryptionShares(for:key:using:)`` with the proof's commitment exponent `r` given
    /// (known-answer tests).
    package func decryptionShares(
        for ciphertexts: [Paillier.Ciphertext], key: Paillier.ThresholdPublicKey, nonce r: BigInt
    ) throws(PaillierError) -> Paillier.BatchDecryptionShare {
        guard !ciphertexts.isEmpty else { throw .emptyBatch }
        for c in ciphertexts { _ = try key.publicKey.ciphertext(c.value) }
        let x = try witness(for: key)
        let nSquared = key.publicKey.nSquared
        let values = ciphertexts.map { $0.value.modPowSecret(x << 1, modulus: nSquared) }
        guard let statement = Paillier.batchStatement(
            ciphertexts: ciphertexts.map(\.value), shares: values, index: index, key: key)
        else { throw .invalidCiphertext }
        let proof = Paillier.proveEquality(
            base: statement.combinedCiphertext, share: statement.combinedShare, witness: x, index: index, key: key,
            nonce: r, domain: Paillier.batchProofDomain, binding: statement.seed)
        return Paillier.BatchDecryptionShare(index: index, values: values, proof: proof)
    }
}

extension Paillier.ThresholdPublicKey {
    /// Whether `batch` holds correct decryption shares of `ciphertexts` by its party: rebuilds the
    /// batch statement and checks its proof. A wrong share anywhere in the batch is caught except
    /// with probability about 2^-128.
    /// - Parameters:
    ///   - batch: The batch share.
    ///   - ciphertexts: The ciphertexts it claims to decrypt, in order.
    /// - Returns: True if valid.
    public func isValid(_ batch: Paillier.BatchDecryptionShare, for ciphertexts: [Paillier.Ciphertext]) -> Bool {
        guard (1...parties).contains(batch.index),
              let statement = Paillier.batchStatement(
                ciphertexts: ciphertexts.map(\.value), shares: batch.values, index: batch.index, key: self)
        else { return false }
        return Paillier.verifyEquality(
            base: statement.combinedCiphertext, share: statement.combinedShare, proof: batch.proof,
            index: batch.index, key: self, domain: Paillier.batchProofDomain, binding: statement.seed)
    }

    /// Combines batch shares into the plaintext of every ciphertext: verifies every batch, then
    /// combines each ciphertext with the first `t` batches [DJ01 §4.1].
    /// - Parameters:
    ///   - batches: One batch share per party.
    ///   - ciphertexts: The ciphertexts, in the batches' order.
    /// - Returns: One plaintext per ciphertext.
    /// - Throws: ``PaillierError/duplicateShare(party:)``, ``PaillierError/unknownParty(party:)``,
    ///   ``PaillierError/invalidDecryptionShare(party:)``,
    ///   ``PaillierError/insufficientShares(valid:needed:)``.
    public func combine(
        _ batches: [Paillier.BatchDecryptionShare], for ciphertexts: [Paillier.Ciphertext]
    ) throws(PaillierError) -> [BigInt] {
        try checkParties(batches.map(\.index))
        for batch in batches where !isValid(batch, for: ciphertexts) { throw .invalidDecryptionShare(party: batch.index) }
        let used = batches.prefix(threshold)
        var plaintexts: [BigInt] = []
        plaintexts.reserveCapacity(ciphertexts.count)
        for j in ciphertexts.indices {
            plaintexts.append(try combineVerified(used.map { ($0.index, $0.values[j]) }))
        }
        return plaintexts
    }
}
