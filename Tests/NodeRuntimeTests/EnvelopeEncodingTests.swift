import CryptoPrimitives
import MPCProtocols
import NodeRuntime
import Runtime
import Testing
import WireFormat

/// The envelope encoding of protocols/node.md#envelope, without a network.
@Suite("Node envelope: encoding, signature and bounded decoding")
struct EnvelopeEncodingTests {
    static let key = try! Ed25519.PrivateKey(rawRepresentation: [UInt8](repeating: 7, count: 32))
    static let session = try! SessionID(bytes: [UInt8](repeating: 0xAB, count: 32))
    static let consortium = [UInt8](repeating: 0xCD, count: 32)

    static func envelope(payload: [UInt8] = [0xDE, 0xAD]) -> NodeEnvelope {
        NodeEnvelope.seal(
            TransportMessage(session: session, from: PartyID(1), to: PartyID(0), round: 3, bytes: payload),
            consortium: consortium, sender: "ab", receiver: "c", sequence: 5, signingKey: key)
    }

    @Test("the encoding is the WireFormat envelope 0x0701 around the fields in order")
    func layout() throws {
        let envelope = Self.envelope()
        let bytes = envelope.wireEncoded()
        var expected: [UInt8] = Array("CVNT".utf8) + [0x00, 0x01] + [0x07, 0x01]
        var body: [UInt8] = Self.consortium + Self.session.bytes
        body += [0, 0, 0, 2] + Array("ab".utf8) + [0, 0, 0, 1]  // sender, its party
        body += [0, 0, 0, 1] + Array("c".utf8) + [0, 0, 0, 0]  // receiver, the aggregator
        body += [3] + [0, 0, 0, 0, 0, 0, 0, 5]  // round, sequence
        body += [0, 0, 0, 2, 0xDE, 0xAD]  // payload
        body += envelope.signature
        expected += [0, 0, 0, UInt8(body.count)] + body
        #expect(bytes == expected)
        #expect(envelope.signature.count == 64)
        let decoded = try NodeEnvelope(wireEncoded: bytes, maxPayloadBytes: 2)
        #expect(decoded == envelope)
        #expect(decoded.isSigned(by: Self.key.publicKey))
        #expect(decoded.transportMessage == TransportMessage(session: Self.session, from: PartyID(1), to: PartyID(0), round: 3, bytes: [0xDE, 0xAD]))
    }

    @Test("the signature covers every field and the payload")
    func signatureBindsFields() throws {
        let envelope = Self.envelope()
        let other = Ed25519.PrivateKey().publicKey
        #expect(!envelope.isSigned(by: other))
        var changes: [NodeEnvelope] = []
        var copy = envelope
        copy.consortium[0] ^= 1; changes.append(copy)
        copy = envelope; copy.session = try SessionID(bytes: [UInt8](repeating: 0xAC, count: 32)); changes.append(copy)
        copy = envelope; copy.sender = "ac"; changes.append(copy)
        copy = envelope; copy.senderParty = PartyID(2); changes.append(copy)
        copy = envelope; copy.receiver = "d"; changes.append(copy)
        copy = envelope; copy.receiverParty = PartyID(3); changes.append(copy)
        copy = envelope; copy.round = 4; changes.append(copy)
        copy = envelope; copy.sequence = 6; changes.append(copy)
        copy = envelope; copy.payload = [0xDE, 0xAE]; changes.append(copy)
        for changed in changes { #expect(!changed.isSigned(by: Self.key.publicKey)) }
        #expect(envelope.isSigned(by: Self.key.publicKey))
    }

    @Test("decoding refuses oversized payloads, invalid names and trailing bytes, and every truncation throws")
    func boundedDecoding() throws {
        let bytes = Self.envelope(payload: [UInt8](repeating: 1, count: 100)).wireEncoded()
        #expect(throws: WireFormatError.self) { _ = try NodeEnvelope(wireEncoded: bytes, maxPayloadBytes: 99) }
        do {
            _ = try NodeEnvelope(wireEncoded: bytes, maxPayloadBytes: 99)
        } catch {
            if case .lengthExceedsLimit = error {} else { Issue.record("expected lengthExceedsLimit, got \(error)") }
        }
        #expect(throws: WireFormatError.trailingBytes(count: 1)) { _ = try NodeEnvelope(wireEncoded: bytes + [0], maxPayloadBytes: 100) }
        for count in 0..<bytes.count {
            #expect(throws: WireFormatError.self) { _ = try NodeEnvelope(wireEncoded: Array(bytes.prefix(count)), maxPayloadBytes: 100) }
        }
        let badName = NodeEnvelope.seal(
            TransportMessage(session: Self.session, from: PartyID(1), to: PartyID(2), round: 1, bytes: []),
            consortium: Self.consortium, sender: "bad name", receiver: "c", sequence: 0, signingKey: Self.key)
        #expect(throws: WireFormatError.invalidValue("a member name is 1-64 characters from [A-Za-z0-9._-]")) {
            _ = try NodeEnvelope(wireEncoded: badName.wireEncoded(), maxPayloadBytes: 100)
        }
        var wrongTag = bytes
        wrongTag[7] = 0x02
        #expect(throws: WireFormatError.unknownTag(0x0702)) { _ = try NodeEnvelope(wireEncoded: wrongTag, maxPayloadBytes: 100) }
    }

    @Test("a node identity's certificate carries the member's key, and a directory refuses duplicates")
    func identityAndDirectory() throws {
        let identity = try NodeIdentity(member: "ab", key: Self.key)
        #expect(identity.publicKey == Self.key.publicKey)
        #expect(!identity.certificateDER.isEmpty)
        // The SubjectPublicKeyInfo of RFC 8410 with the member's key appears in the certificate.
        let spki: [UInt8] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00] + Self.key.publicKey.rawRepresentation
        #expect(identity.certificateDER.indices.contains { identity.certificateDER[$0...].starts(with: spki) })
        #expect(!"\(identity)".contains(String(repeating: "07", count: 32)))
        let key = Ed25519.PrivateKey().publicKey
        #expect(throws: RuntimeError.self) { _ = try MemberDirectory([("ab", key), ("ab", Self.key.publicKey)]) }
        #expect(throws: RuntimeError.self) { _ = try MemberDirectory([("ab", key), ("cd", key)]) }
        #expect(throws: RuntimeError.self) { _ = try MemberDirectory([("not valid", key)]) }
        let directory = try MemberDirectory([("ab", Self.key.publicKey), ("cd", key)])
        #expect(directory.member(withKey: key) == "cd")
        #expect(directory.key(of: "ab") == Self.key.publicKey)
        #expect(directory.members == ["ab", "cd"])
    }
}
