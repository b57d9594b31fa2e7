import CryptoPrimitives
import PropertyBased
import Testing
import _TestSupport

struct CommitmentCase: Codable, Sendable, NamedCase {
    let tcId: Int
    let desc: String
    let result: VectorResult
    let error: String?
    let message: String
    let nonce: String
    let commitment: String
}

@Suite struct HashCommitmentTests {
    @Test(arguments: try loadCases(CommitmentCase.self, "commitment-v1.json"))
    func knownAnswer(_ vector: CommitmentCase) throws {
        let message = try bytes(vector.message)
        let nonce = try bytes(vector.nonce)
        let commitment = try bytes(vector.commitment)
        switch vector.result {
        case .valid, .acceptable:
            #expect(try HashCommitment.commit(to: message, nonce: nonce) == commitment)
            #expect(try HashCommitment.commit(to: AnySequence(message), nonce: nonce) == commitment)
            #expect(HashCommitment.verify(commitment, opens: message, nonce: nonce))
        case .invalid:
            #expect(!HashCommitment.verify(commitment, opens: message, nonce: nonce))
            if let error = vector.error {
                #expect(thrownCaseName { try HashCommitment.commit(to: message, nonce: nonce) } == error)
            }
        }
    }

    @Test func domainSeparationTagIsFixed() {
        #expect(HashCommitment.domainSeparationTag == Array("covenant/commitment/v1".utf8))
        #expect(HashCommitment.domainSeparationTag.count == 22)
    }

    @Test func seededCommitmentIsReproducible() {
        var rng1 = DeterministicRNG(seed: 9)
        var rng2 = DeterministicRNG(seed: 9)
        let a = HashCommitment.commit(to: [1, 2, 3], using: &rng1)
        let b = HashCommitment.commit(to: [1, 2, 3], using: &rng2)
        #expect(a.commitment == b.commitment && a.nonce == b.nonce)
        #expect(a.nonce.count == 32)
        let fresh = HashCommitment.commit(to: [1, 2, 3])
        #expect(fresh.nonce != a.nonce)
        #expect(HashCommitment.verify(fresh.commitment, opens: [1, 2, 3], nonce: fresh.nonce))
    }

    @Test func binding() async {
        await propertyCheck(
            input: Gen.uint8().array(of: 0...100), Gen.uint8().array(of: 0...100), Gen.uint64()
        ) { message, other, seed in
            var rng = DeterministicRNG(seed: seed)
            let (commitment, nonce) = HashCommitment.commit(to: message, using: &rng)
            #expect(HashCommitment.verify(commitment, opens: message, nonce: nonce))
            #expect(HashCommitment.verify(commitment, opens: other, nonce: nonce) == (other == message))
            var otherNonce = nonce
            otherNonce[Int(seed % 32)] ^= 0x80
            #expect(!HashCommitment.verify(commitment, opens: message, nonce: otherNonce))
            #expect(!HashCommitment.verify(commitment, opens: message + [0], nonce: nonce))
            #expect(!HashCommitment.verify(Array(commitment.dropLast()), opens: message, nonce: nonce))
        }
    }
}
