import CryptoPrimitives
import PropertyBased
import Testing
import _TestSupport

struct X25519Case: Codable, Sendable, NamedCase {
    let tcId: Int
    let desc: String
    let result: VectorResult
    let error: String?
    let privateKey: String
    let publicKey: String
    let peerPublicKey: String
    let sharedSecret: String
}

@Suite struct X25519Tests {
    @Test(arguments: try loadCases(X25519Case.self, "x25519-rfc7748.json"))
    func knownAnswer(_ vector: X25519Case) throws {
        let rawPrivate = try bytes(vector.privateKey)
        let rawPeer = try bytes(vector.peerPublicKey)
        switch vector.result {
        case .valid, .acceptable:
            let privateKey = try X25519.PrivateKey(rawRepresentation: rawPrivate)
            #expect(privateKey.rawRepresentation == rawPrivate)
            if !vector.publicKey.isEmpty {
                #expect(privateKey.publicKey.rawRepresentation == (try bytes(vector.publicKey)))
            }
            let peer = try X25519.PublicKey(rawRepresentation: rawPeer)
            #expect(try privateKey.sharedSecret(with: peer) == (try bytes(vector.sharedSecret)))
        case .invalid:
            let error = thrownCaseName {
                let privateKey = try X25519.PrivateKey(rawRepresentation: rawPrivate)
                return try privateKey.sharedSecret(with: try X25519.PublicKey(rawRepresentation: rawPeer))
            }
            #expect(error == vector.error)
        }
    }

    @Test func privateKeyDescriptionIsRedacted() {
        #expect("\(X25519.PrivateKey())" == "X25519.PrivateKey(redacted)")
    }

    @Test func agreementIsSymmetric() async throws {
        await propertyCheck(input: Gen.uint8().array(of: 32), Gen.uint8().array(of: 32)) { a, b in
            let alice = try X25519.PrivateKey(rawRepresentation: a)
            let bob = try X25519.PrivateKey(rawRepresentation: b)
            let ab = try alice.sharedSecret(with: bob.publicKey)
            let ba = try bob.sharedSecret(with: alice.publicKey)
            #expect(ab == ba)
            #expect(ab.count == 32)
        }
    }

    @Test func generatedKeysAgree() throws {
        let alice = X25519.PrivateKey()
        let bob = X25519.PrivateKey()
        #expect(try alice.sharedSecret(with: bob.publicKey) == (try bob.sharedSecret(with: alice.publicKey)))
        #expect(alice.publicKey != bob.publicKey)
    }
}
