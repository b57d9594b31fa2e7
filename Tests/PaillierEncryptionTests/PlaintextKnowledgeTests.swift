import CryptoPrimitives
import MultiPrecision
import PaillierEncryption
import PropertyBased
import Testing
import WireFormat
import _TestSupport

/// Plaintext-knowledge proofs (protocols/paillier.md#plaintext-knowledge-proofs): a proof made by
/// the encryptor verifies under its context only, and fails for a rerandomised or altered
/// ciphertext, another context, or any altered part.
@Suite("Plaintext-knowledge proofs")
struct PlaintextKnowledgeTests {
    let key = testKey.publicKey

    @Test func aProofVerifiesUnderItsContextOnly() throws {
        var rng = DeterministicRNG(seed: 17)
        for m in [BigInt(0), BigInt(1), BigInt(123_456_789), key.n - BigInt(1)] {
            let (c, proof) = try key.encryptWithProof(m, context: Array("run A, member 1".utf8), using: &rng)
            #expect(try testKey.decrypt(c) == m)
            #expect(key.verify(proof, of: c, context: Array("run A, member 1".utf8)))
            // Bound to the context: another member or another run.
            #expect(!key.verify(proof, of: c, context: Array("run A, member 2".utf8)))
            #expect(!key.verify(proof, of: c, context: Array("run B, member 1".utf8)))
            // A rerandomised copy (same plaintext, fresh look) does not carry the proof over.
            #expect(!key.verify(proof, of: key.rerandomize(c, using: &rng), context: Array("run A, member 1".utf8)))
            // Wire round trip.
            var writer = WireWriter()
            proof.encode(to: &writer)
            var reader = WireReader(writer.bytes)
            #expect(try Paillier.PlaintextKnowledgeProof(from: &reader) == proof)
        }
    }

    @Test func anyAlteredPartFails() throws {
        var rng = DeterministicRNG(seed: 18)
        let context = Array("ctx".utf8)
        let (c, proof) = try key.encryptWithProof(BigInt(42), context: context, using: &rng)
        let one = BigInt(1)
        let altered = [
            Paillier.PlaintextKnowledgeProof(commitment: proof.commitment + one, plaintextResponse: proof.plaintextResponse, exponentResponse: proof.exponentResponse),
            Paillier.PlaintextKnowledgeProof(commitment: proof.commitment, plaintextResponse: (proof.plaintextResponse + one).modulo(key.n), exponentResponse: proof.exponentResponse),
            Paillier.PlaintextKnowledgeProof(commitment: proof.commitment, plaintextResponse: proof.plaintextResponse, exponentResponse: proof.exponentResponse + one),
            // Out of range: z₁ ≥ n, z₂ too wide, a not a unit.
            Paillier.PlaintextKnowledgeProof(commitment: proof.commitment, plaintextResponse: proof.plaintextResponse + key.n, exponentResponse: proof.exponentResponse),
            Paillier.PlaintextKnowledgeProof(commitment: proof.commitment, plaintextResponse: proof.plaintextResponse, exponentResponse: proof.exponentResponse << 2000),
            Paillier.PlaintextKnowledgeProof(commitment: key.n, plaintextResponse: proof.plaintextResponse, exponentResponse: proof.exponentResponse),
        ]
        for bad in altered { #expect(!key.verify(bad, of: c, context: context)) }
        // Another ciphertext (the plaintext plus one).
        let shifted = key.add(c, try key.encrypt(one, using: &rng))
        #expect(!key.verify(proof, of: shifted, context: context))
    }

    /// The batch check accepts exactly the valid proofs: one altered proof among several fails it,
    /// and a proof valid only up to the sign of its commitment is accepted (it still proves
    /// knowledge of the plaintext, protocols/paillier.md#plaintext-knowledge-proofs).
    @Test func batchVerification() throws {
        var rng = DeterministicRNG(seed: 19)
        let items = try (0..<6).map { i -> (proof: Paillier.PlaintextKnowledgeProof, ciphertext: Paillier.Ciphertext, context: [UInt8]) in
            let context = Array("chunk \(i)".utf8)
            let (c, proof) = try key.encryptWithProof(BigInt(1000 + i), context: context, using: &rng)
            return (proof, c, context)
        }
        #expect(key.verifyBatch(items))
        #expect(key.verifyBatch([]))
        #expect(key.verifyBatch([items[0]]))
        let one = BigInt(1)
        for index in [0, 3, 5] {
            let p = items[index].proof
            for bad in [
                Paillier.PlaintextKnowledgeProof(commitment: p.commitment, plaintextResponse: (p.plaintextResponse + one).modulo(key.n), exponentResponse: p.exponentResponse),
                Paillier.PlaintextKnowledgeProof(commitment: p.commitment, plaintextResponse: p.plaintextResponse, exponentResponse: p.exponentResponse + one),
                Paillier.PlaintextKnowledgeProof(commitment: p.commitment * (key.n + one) % key.nSquared, plaintextResponse: p.plaintextResponse, exponentResponse: p.exponentResponse),
            ] {
                var altered = items
                altered[index].proof = bad
                #expect(!key.verifyBatch(altered))
            }
            var otherContext = items
            otherContext[index].context = Array("elsewhere".utf8)
            #expect(!key.verifyBatch(otherContext))
            var rerandomised = items
            rerandomised[index].ciphertext = key.rerandomize(items[index].ciphertext, using: &rng)
            #expect(!key.verifyBatch(rerandomised))
        }
    }

    /// A proof valid only up to the sign of its commitment (`g^{z₁} h_s^{z₂} = −a · c^e`, made by
    /// someone who knows the plaintext): the single check refuses it, the batch check accepts it,
    /// which is sound (`−1` is an `n`-th residue; protocols/paillier.md#plaintext-knowledge-proofs).
    @Test func aProofValidUpToSign() throws {
        var rng = DeterministicRNG(seed: 29)
        let n = key.n, n2 = key.nSquared
        let m = BigInt(31_337), alpha = BigInt.random(bits: key.exponentBits - 1, using: &rng)
        let c = try key.encrypt(m, djnExponent: alpha)
        let x = BigInt.random(below: n, using: &rng), y = BigInt.random(bits: key.exponentBits + 200, using: &rng)
        var a = key.hs.modPow(y, modulus: n2)
        a.multiply(by: BigInt(1) + x * n, modulo: n2)
        let flipped = n2 - a
        let context = Array("signed".utf8)
        // The challenge as protocols/paillier.md#plaintext-knowledge-proofs defines it.
        var transcript = Array("covenant/paillier/plaintext-knowledge/v1".utf8)
        func u32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
        transcript += u32(context.count) + context
        for value in [n, key.hs, c.value, flipped] {
            let bytes = value.bigEndianMagnitude
            transcript += u32(bytes.count) + bytes
        }
        let e = BigInt(bigEndianMagnitude: Array(SHA256.hash(transcript).prefix(16)))
        let proof = Paillier.PlaintextKnowledgeProof(commitment: flipped, plaintextResponse: (x + e * m).modulo(n), exponentResponse: y + e * alpha)
        #expect(!key.verify(proof, of: c, context: context))
        #expect(key.verifyBatch([(proof, c, context)]))
        let (other, otherProof) = try key.encryptWithProof(BigInt(5), context: Array("other".utf8), using: &rng)
        #expect(key.verifyBatch([(proof, c, context), (otherProof, other, Array("other".utf8))]))
    }

    @Test func randomPlaintextsAndContexts() async {
        await propertyCheck(count: 20, input: Gen.uint64(), Gen.uint64()) { value, contextValue in
            var rng = DeterministicRNG(seed: contextValue)
            let context = withUnsafeBytes(of: contextValue.bigEndian) { Array($0) }
            let (c, proof) = try! key.encryptWithProof(BigInt(value), context: context, using: &rng)
            #expect(key.verify(proof, of: c, context: context))
            #expect(try! testKey.decrypt(c) == BigInt(value))
        }
    }
}

/// Vectors computed independently with Python integers (protocols/tools/paillier_proof_vectors.py).
struct PlaintextKnowledgeVectorFile: Decodable {
    struct Case: Decodable {
        let tcId: Int
        let desc: String
        let result: VectorResult
        let n, hs, m, alpha, x, y, context, c, a, e, z1, z2: String
    }
    let cases: [Case]
}

@Suite("Plaintext-knowledge proof known answers")
struct PlaintextKnowledgeVectorTests {
    static let file = try! Vectors.load(PlaintextKnowledgeVectorFile.self, from: "protocols/paillier/vectors/v1/plaintext-knowledge.json")

    @Test("prover and verifier against the vectors", arguments: PlaintextKnowledgeVectorTests.file.cases.map(\.tcId))
    func vector(tcId: Int) throws {
        let v = try #require(Self.file.cases.first { $0.tcId == tcId })
        let key = try Paillier.PublicKey(n: big(v.n), hs: big(v.hs))
        let context = try #require([UInt8](hex: v.context))
        let proof = Paillier.PlaintextKnowledgeProof(commitment: big(v.a), plaintextResponse: big(v.z1), exponentResponse: big(v.z2))
        let c = try key.ciphertext(big(v.c))
        switch v.result {
        case .valid:
            // The prover with the vector's randomness gives exactly the vector's ciphertext and proof.
            let (made, madeProof) = try key.encryptWithProof(big(v.m), alpha: big(v.alpha), x: big(v.x), y: big(v.y), context: context)
            #expect(made == c)
            #expect(madeProof == proof)
            #expect(key.verify(proof, of: c, context: context))
        case .invalid, .acceptable:
            #expect(!key.verify(proof, of: c, context: context), "\(v.desc)")
        }
    }
}
