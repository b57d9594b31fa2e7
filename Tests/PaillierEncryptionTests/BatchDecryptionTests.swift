import MultiPrecision
import PaillierEncryption
import Testing
import WireFormat
import _TestSupport

/// Independent batch vectors (protocols/tools/paillier_vectors.py): seed, coefficients, the
/// combined pair and a proof with a given nonce.
struct BatchVectorFile: Decodable {
    struct Case: Decodable {
        let tcId: Int
        let desc: String
        let thresholdCase, party: Int
        let ciphertexts, shares, coefficients: [String]
        let seed, combinedCiphertext, combinedShare, nonce, challenge, response: String
    }
    let cases: [Case]
}

/// Batch decryption shares: one proof for every chunk (protocols/paillier.md#batch-decryption-shares).
@Suite("Batch decryption shares")
struct BatchDecryptionTests {
    static let file = try! Vectors.load(BatchVectorFile.self, from: "protocols/paillier/vectors/v1/batch-decryption.json")

    @Test("known answers: shares, batch statement and proof match the independent computation", arguments: BatchDecryptionTests.file.cases.map(\.tcId))
    func vector(tcId: Int) throws {
        let v = try #require(Self.file.cases.first { $0.tcId == tcId })
        let t = try #require(PaillierVectorTests.threshold.cases.first { $0.tcId == v.thresholdCase })
        let (tpk, keyShares) = try Paillier.dealThresholdKey(
            p: big(t.p), q: big(t.q), threshold: t.threshold, parties: t.parties,
            randomCoefficients: t.coefficients.dropFirst().map { BigInt($0)! }, v: big(t.v), hs: big(t.hs))
        let ciphertexts = try v.ciphertexts.map { try tpk.publicKey.ciphertext(big($0)) }
        let batch = try keyShares[v.party - 1].decryptionShares(for: ciphertexts, key: tpk, nonce: big(v.nonce))
        #expect(batch.values == v.shares.map { BigInt($0)! })
        let statement = try #require(Paillier.batchStatement(
            ciphertexts: ciphertexts.map(\.value), shares: batch.values, index: v.party, key: tpk))
        #expect(statement.seed == hexBytes(v.seed))
        #expect(statement.combinedCiphertext == big(v.combinedCiphertext))
        #expect(statement.combinedShare == big(v.combinedShare))
        #expect(batch.proof.challenge == big(v.challenge))
        #expect(batch.proof.response == big(v.response))
        #expect(tpk.isValid(batch, for: ciphertexts))
        // The Python-made proof verifies as it is.
        let python = Paillier.BatchDecryptionShare(
            index: v.party, values: v.shares.map { BigInt($0)! },
            proof: .init(challenge: big(v.challenge), response: big(v.response)))
        #expect(tpk.isValid(python, for: ciphertexts))
    }

    /// Any t of ℓ batches decrypt every ciphertext; errors name what is wrong.
    @Test func anyThresholdSubsetDecryptsEveryCiphertext() throws {
        let (tpk, shares) = thresholdKey
        var rng = DeterministicRNG(seed: 31)
        let messages = (0..<6).map { _ in BigInt.random(below: tpk.publicKey.n, using: &rng) }
        let ciphertexts = try messages.map { try tpk.publicKey.encrypt($0, using: &rng) }
        let batches = try shares.map { try $0.decryptionShares(for: ciphertexts, key: tpk, using: &rng) }
        for batch in batches { #expect(tpk.isValid(batch, for: ciphertexts)) }
        for subset in [[0, 1, 2], [4, 2, 0], [1, 3, 4]] {
            #expect(try tpk.combine(subset.map { batches[$0] }, for: ciphertexts) == messages)
        }
        // Each batch share equals the single share of its ciphertext.
        let single = try shares[0].decryptionShare(for: ciphertexts[3], key: tpk, using: &rng)
        #expect(batches[0].values[3] == single.value)
        #expect(throws: PaillierError.insufficientShares(valid: 2, needed: 3)) { try tpk.combine([batches[0], batches[1]], for: ciphertexts) }
        #expect(throws: PaillierError.duplicateShare(party: 1)) { try tpk.combine([batches[0], batches[0], batches[1]], for: ciphertexts) }
        #expect(throws: PaillierError.emptyBatch) { try shares[0].decryptionShares(for: [], key: tpk, using: &rng) }
    }

    /// One wrong share anywhere in the batch, a reordered or truncated batch, a proof for other
    /// ciphertexts, a stolen index, a tampered proof, a lying key share: each fails the batch proof.
    @Test func everyMutationIsCaught() throws {
        let (tpk, shares) = thresholdKey
        var rng = DeterministicRNG(seed: 32)
        let ciphertexts = try (0..<5).map { try tpk.publicKey.encrypt(BigInt($0 * 1000 + 7), using: &rng) }
        let good = try shares[1].decryptionShares(for: ciphertexts, key: tpk, using: &rng)
        let nSquared = tpk.publicKey.nSquared
        func with(_ values: [BigInt], index: Int = 2, proof: Paillier.DecryptionShareProof? = nil) -> Paillier.BatchDecryptionShare {
            Paillier.BatchDecryptionShare(index: index, values: values, proof: proof ?? good.proof)
        }
        for position in ciphertexts.indices {
            var values = good.values
            values[position] = (values[position] * 2).modulo(nSquared)
            #expect(!tpk.isValid(with(values), for: ciphertexts), "wrong share at \(position)")
        }
        #expect(!tpk.isValid(with([good.values[1], good.values[0]] + good.values.dropFirst(2)), for: ciphertexts))
        #expect(!tpk.isValid(with(Array(good.values.dropLast())), for: ciphertexts))
        #expect(!tpk.isValid(good, for: Array(ciphertexts.dropLast())))
        #expect(!tpk.isValid(good, for: [ciphertexts[1], ciphertexts[0]] + ciphertexts.dropFirst(2)))
        #expect(!tpk.isValid(with(good.values, index: 3), for: ciphertexts))
        #expect(!tpk.isValid(with(good.values, proof: .init(challenge: good.proof.challenge, response: good.proof.response + 1)), for: ciphertexts))
        #expect(!tpk.isValid(with(good.values, proof: .init(challenge: good.proof.challenge ^^ 1, response: good.proof.response)), for: ciphertexts))
        #expect(!tpk.isValid(with(good.values + [good.values[0]]), for: ciphertexts))
        let lie = try Paillier.KeyShare(index: 2, secret: shares[1].secret + 1).decryptionShares(for: ciphertexts, key: tpk, using: &rng)
        #expect(!tpk.isValid(lie, for: ciphertexts))
        let fine = try [shares[0], shares[2]].map { try $0.decryptionShares(for: ciphertexts, key: tpk, using: &rng) }
        var values = good.values
        values[4] = (values[4] + 1).modulo(nSquared)
        #expect(throws: PaillierError.invalidDecryptionShare(party: 2)) { try tpk.combine([fine[0], with(values), fine[1]], for: ciphertexts) }
        // Even the sign of a share is bound: the batch seed hashes the exact values.
        values = good.values
        values[2] = nSquared - values[2]
        #expect(!tpk.isValid(with(values), for: ciphertexts))
    }

    /// Wire round trip; a decoder refuses an empty batch and index 0.
    @Test func wireRoundTrip() throws {
        let (tpk, shares) = thresholdKey
        var rng = DeterministicRNG(seed: 33)
        let ciphertexts = try (0..<3).map { try tpk.publicKey.encrypt(BigInt($0), using: &rng) }
        let batch = try shares[0].decryptionShares(for: ciphertexts, key: tpk, using: &rng)
        let bytes = WireEnvelope.encode(tag: Paillier.WireTag.batchDecryptionShare, body: batch)
        let decoded = try WireEnvelope.decode(Paillier.BatchDecryptionShare.self, from: bytes, expectedTag: Paillier.WireTag.batchDecryptionShare)
        #expect(decoded == batch)
        for bad in [Paillier.BatchDecryptionShare(index: 1, values: [], proof: batch.proof),
                    Paillier.BatchDecryptionShare(index: 0, values: batch.values, proof: batch.proof)] {
            let encoded = WireEnvelope.encode(tag: Paillier.WireTag.batchDecryptionShare, body: bad)
            #expect(throws: WireFormatError.self) {
                try WireEnvelope.decode(Paillier.BatchDecryptionShare.self, from: encoded, expectedTag: Paillier.WireTag.batchDecryptionShare)
            }
        }
    }
}

func hexBytes(_ hex: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        bytes.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}
