import CryptoPrimitives
import PropertyBased
import Testing
import _TestSupport

struct AESGCMCase: Codable, Sendable, NamedCase {
    let tcId: Int
    let desc: String
    let result: VectorResult
    let error: String?
    let key: String
    let iv: String
    let aad: String
    let plaintext: String
    let ciphertext: String
    let tag: String
}

@Suite struct AESGCMTests {
    @Test(arguments: try loadCases(AESGCMCase.self, "aes256-gcm-nist.json"))
    func knownAnswer(_ vector: AESGCMCase) throws {
        let key = try bytes(vector.key)
        let nonce = try bytes(vector.iv)
        let aad = try bytes(vector.aad)
        let ciphertext = try bytes(vector.ciphertext)
        let tag = try bytes(vector.tag)
        switch vector.result {
        case .valid, .acceptable:
            let plaintext = try bytes(vector.plaintext)
            let box = try AESGCM.seal(plaintext, key: key, nonce: nonce, authenticating: aad)
            #expect(box.nonce == nonce)
            #expect(box.ciphertext == ciphertext)
            #expect(box.tag == tag)
            #expect(try AESGCM.open(box, key: key, authenticating: aad) == plaintext)
            #expect(try AESGCM.SealedBox(combined: box.combined) == box)
        case .invalid:
            let error = thrownCaseName {
                try AESGCM.open(
                    try AESGCM.SealedBox(nonce: nonce, ciphertext: ciphertext, tag: tag), key: key,
                    authenticating: aad)
            }
            #expect(error == vector.error)
        }
    }

    @Test func combinedLayoutAndLengths() throws {
        let key = [UInt8](repeating: 3, count: 32)
        let box = try AESGCM.seal([1, 2, 3], key: key)
        #expect(box.nonce.count == 12)
        #expect(box.combined.count == 12 + 3 + 16)
        #expect(box.combined == box.nonce + box.ciphertext + box.tag)
        #expect(throws: CryptoError.invalidSealedBoxLength(minimum: 28, actual: 27)) {
            try AESGCM.SealedBox(combined: [UInt8](repeating: 0, count: 27))
        }
        #expect(try AESGCM.SealedBox(combined: [UInt8](repeating: 0, count: 28)).ciphertext.isEmpty)
        #expect(throws: CryptoError.invalidKeyLength(expected: 32, actual: 16)) {
            try AESGCM.seal([], key: [UInt8](repeating: 0, count: 16))
        }
        #expect(throws: CryptoError.invalidNonceLength(expected: 12, actual: 16)) {
            try AESGCM.seal([], key: key, nonce: [UInt8](repeating: 0, count: 16))
        }
    }

    @Test func randomNoncesDiffer() throws {
        let key = [UInt8](repeating: 9, count: 32)
        #expect(try AESGCM.seal([], key: key).nonce != (try AESGCM.seal([], key: key).nonce))
    }

    @Test func sealOpenRoundTrip() async throws {
        await propertyCheck(
            input: Gen.uint8().array(of: 32), Gen.uint8().array(of: 0...300), Gen.uint8().array(of: 0...40),
            Gen.int(in: 0...10_000)
        ) { key, plaintext, aad, position in
            let box = try AESGCM.seal(plaintext, key: key, authenticating: aad)
            #expect(try AESGCM.open(box, key: key, authenticating: aad) == plaintext)
            let reparsed = try AESGCM.SealedBox(combined: box.combined)
            #expect(try AESGCM.open(reparsed, key: key, authenticating: aad) == plaintext)
            // Any flipped bit in the combined encoding is an authentication failure.
            var combined = box.combined
            combined[position % combined.count] ^= 1 << (position % 8)
            #expect(throws: CryptoError.authenticationFailure) {
                try AESGCM.open(try AESGCM.SealedBox(combined: combined), key: key, authenticating: aad)
            }
            #expect(throws: CryptoError.authenticationFailure) {
                try AESGCM.open(box, key: key, authenticating: aad + [0])
            }
        }
    }
}
