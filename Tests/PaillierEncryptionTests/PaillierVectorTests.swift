import MultiPrecision
import PaillierEncryption
import Testing
import _TestSupport

/// Vectors computed independently with Python integers (protocols/tools/paillier_vectors.py).
struct PaillierVectorFile: Decodable {
    struct Case: Decodable {
        let tcId: Int
        let desc: String
        let result: VectorResult
        let p, q, hs: String
        let m, r, alpha, ciphertextTextbook, ciphertextDJN: String?
        let a, b, ca, cb, k, sum, scaled, sumPlain: String?
        let ciphertext: String?
    }
    let cases: [Case]
}

struct ThresholdVectorFile: Decodable {
    struct Case: Decodable {
        let tcId: Int
        let desc: String
        let p, q, v, hs, message, ciphertext: String
        let threshold, parties: Int
        let coefficients, keyShares, verificationKeys, decryptionShares: [String]
        let combineParties: [Int]
    }
    let cases: [Case]
}

func big(_ s: String?) -> BigInt { BigInt(s!)! }

@Suite("Paillier known answers")
struct PaillierVectorTests {
    static let file = try! Vectors.load(PaillierVectorFile.self, from: "protocols/paillier/vectors/v1/encrypt.json")
    static let threshold = try! Vectors.load(ThresholdVectorFile.self, from: "protocols/paillier/vectors/v1/threshold.json")

    @Test("encrypt/decrypt vectors", arguments: PaillierVectorTests.file.cases.map(\.tcId))
    func vector(tcId: Int) throws {
        let v = try #require(Self.file.cases.first { $0.tcId == tcId })
        let key = try Paillier.PrivateKey(p: big(v.p), q: big(v.q), hs: big(v.hs))
        let pk = key.publicKey
        switch v.result {
        case .valid where v.m != nil:
            let textbook = try pk.encrypt(big(v.m), nonce: big(v.r))
            #expect(textbook.value == big(v.ciphertextTextbook))
            let djn = try pk.encrypt(big(v.m), djnExponent: big(v.alpha))
            #expect(djn.value == big(v.ciphertextDJN))
            #expect(try key.decrypt(textbook) == big(v.m))
            #expect(try key.decrypt(djn) == big(v.m))
            #expect(key.decryptTextbook(djn) == big(v.m))
        case .valid:
            let ca = try pk.ciphertext(big(v.ca)), cb = try pk.ciphertext(big(v.cb))
            #expect(try key.decrypt(ca) == big(v.a))
            #expect(try key.decrypt(pk.add(ca, cb)) == big(v.sum))
            #expect(try key.decrypt(pk.multiply(ca, by: big(v.k))) == big(v.scaled))
            #expect(try key.decrypt(pk.add(ca, plaintext: big(v.k))) == big(v.sumPlain))
        case .invalid, .acceptable:
            #expect(throws: PaillierError.invalidCiphertext) { try pk.ciphertext(big(v.ciphertext)) }
        }
    }

    @Test("threshold vectors", arguments: PaillierVectorTests.threshold.cases.map(\.tcId))
    func thresholdVector(tcId: Int) throws {
        let v = try #require(Self.threshold.cases.first { $0.tcId == tcId })
        let (tpk, shares) = try Paillier.dealThresholdKey(
            p: big(v.p), q: big(v.q), threshold: v.threshold, parties: v.parties,
            randomCoefficients: v.coefficients.dropFirst().map { BigInt($0)! }, v: big(v.v), hs: big(v.hs))
        #expect(shares.map(\.secret) == v.keyShares.map { BigInt($0)! })
        #expect(tpk.verificationKeys == v.verificationKeys.map { BigInt($0)! })
        let c = try tpk.publicKey.ciphertext(big(v.ciphertext))
        var rng = DeterministicRNG(seed: UInt64(tcId))
        let decryptionShares = try v.combineParties.map {
            try shares[$0 - 1].decryptionShare(for: c, key: tpk, using: &rng)
        }
        #expect(decryptionShares.map(\.value) == v.combineParties.map { BigInt(v.decryptionShares[$0 - 1])! })
        #expect(try tpk.combine(decryptionShares, for: c) == big(v.message))
    }
}
