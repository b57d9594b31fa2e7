import CryptoPrimitives
import PropertyBased
import Testing
import _TestSupport

struct Ed25519Case: Codable, Sendable, NamedCase {
    let tcId: Int
    let desc: String
    let result: VectorResult
    let seed: String
    let publicKey: String
    let message: String
    let signature: String
}

@Suite struct Ed25519Tests {
    @Test(arguments: try loadCases(Ed25519Case.self, "ed25519-rfc8032.json"))
    func knownAnswer(_ vector: Ed25519Case) throws {
        let message = try bytes(vector.message)
        let signature = try bytes(vector.signature)
        let rawPublicKey = try bytes(vector.publicKey)
        switch vector.result {
        case .valid, .acceptable:
            let privateKey = try Ed25519.PrivateKey(rawRepresentation: try bytes(vector.seed))
            #expect(privateKey.rawRepresentation == (try bytes(vector.seed)))
            #expect(privateKey.publicKey.rawRepresentation == rawPublicKey)
            #expect(privateKey.signature(for: message) == signature)
            let publicKey = try Ed25519.PublicKey(rawRepresentation: rawPublicKey)
            #expect(publicKey.isValidSignature(signature, for: message))
            #expect(publicKey == privateKey.publicKey)
        case .invalid:
            guard rawPublicKey.count == Ed25519.keyByteCount else {
                #expect(thrownCaseName { try Ed25519.PublicKey(rawRepresentation: rawPublicKey) } == "invalidKeyLength")
                return
            }
            let publicKey = try Ed25519.PublicKey(rawRepresentation: rawPublicKey)
            #expect(!publicKey.isValidSignature(signature, for: message))
        }
    }

    @Test func wrongSeedLengthThrows() {
        #expect(throws: CryptoError.invalidKeyLength(expected: 32, actual: 31)) {
            try Ed25519.PrivateKey(rawRepresentation: [UInt8](repeating: 1, count: 31))
        }
        #expect(throws: CryptoError.invalidKeyLength(expected: 32, actual: 64)) {
            try Ed25519.PrivateKey(rawRepresentation: [UInt8](repeating: 1, count: 64))
        }
    }

    @Test func privateKeyDescriptionIsRedacted() throws {
        let key = try Ed25519.PrivateKey(rawRepresentation: [UInt8](repeating: 0xab, count: 32))
        #expect(String(describing: key) == "Ed25519.PrivateKey(redacted)")
        #expect(String(reflecting: key) == "Ed25519.PrivateKey(redacted)")
        #expect(!"\(key)".contains("ab"))
    }

    @Test func generatedKeysDiffer() {
        #expect(Ed25519.PrivateKey().publicKey != Ed25519.PrivateKey().publicKey)
    }

    @Test func signVerifyRoundTrip() async throws {
        await propertyCheck(
            input: Gen.uint8().array(of: 32), Gen.uint8().array(of: 0...200), Gen.int(in: 0...1599)
        ) { seed, message, bit in
            let key = try Ed25519.PrivateKey(rawRepresentation: seed)
            let signature = key.signature(for: message)
            let publicKey = try Ed25519.PublicKey(rawRepresentation: key.publicKey.rawRepresentation)
            #expect(publicKey.isValidSignature(signature, for: message))
            #expect(publicKey.isValidSignature(signature[...], for: AnySequence(message)))
            // Any single flipped bit in signature or message breaks verification.
            if bit < 512 {
                var forged = signature
                forged[bit / 8] ^= 1 << (bit % 8)
                #expect(!publicKey.isValidSignature(forged, for: message))
            } else if !message.isEmpty {
                var altered = message
                let index = (bit - 512) / 8 % message.count
                altered[index] ^= 1 << (bit % 8)
                #expect(!publicKey.isValidSignature(signature, for: altered))
            }
        }
    }
}

@Suite struct Ed25519ConcurrencyTests {
    /// One key shared by many tasks: libcrypto allows concurrent read-only use of an EVP_PKEY.
    @Test func concurrentSigningWithOneKey() async throws {
        let key = try Ed25519.PrivateKey(rawRepresentation: [UInt8](repeating: 0x11, count: 32))
        let publicKey = key.publicKey
        let expected = key.signature(for: [1, 2, 3])
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<64 {
                group.addTask {
                    let message: [UInt8] = [1, 2, 3]
                    let signature = key.signature(for: message)
                    return signature == expected && publicKey.isValidSignature(signature, for: message)
                        && !publicKey.isValidSignature(signature, for: [UInt8(index)])
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 64 && results.allSatisfy { $0 })
    }
}
