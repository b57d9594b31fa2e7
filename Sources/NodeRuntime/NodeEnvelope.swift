public import CryptoPrimitives
public import MPCProtocols
public import Runtime
public import WireFormat

/// One protocol message between two member nodes, signed by its sender's registered Ed25519 key
/// and bound to its consortium, session, sender, receiver and sequence number, so that a relayed,
/// replayed or forged message is refused. Spec: protocols/node.md#envelope.
///
/// Encoding: the `WireFormat` envelope with tag 0x0701 around
/// `bytes[32] consortium ‖ bytes[32] session ‖ string sender ‖ u32 senderParty ‖ string receiver ‖
/// u32 receiverParty ‖ u8 round ‖ u64 sequence ‖ bytes payload ‖ bytes[64] signature`.
public struct NodeEnvelope: Sendable, Hashable {
    /// The registered type tag (protocols/wire-format.md#type-tag-registry).
    public static let tag: UInt16 = 0x0701
    /// The domain separator of the signed bytes.
    static let domain = Array("covenant/node/envelope/v1\n".utf8)

    /// The consortium's 32-byte identity (its ledger's log id).
    public var consortium: [UInt8]
    /// The session (run) the message belongs to.
    public var session: SessionID
    /// The sending member.
    public var sender: String
    /// The sender's party in the session.
    public var senderParty: PartyID
    /// The receiving member.
    public var receiver: String
    /// The receiver's party in the session.
    public var receiverParty: PartyID
    /// The protocol round (routing metadata).
    public var round: UInt8
    /// The sender's sequence number towards this receiver in this session (from 0, one per envelope).
    public var sequence: UInt64
    /// The protocol message's wire encoding (never inspected by the transport).
    public var payload: [UInt8]
    /// Ed25519 over ``signedBytes``.
    public var signature: [UInt8]

    /// Seals a message: fills in the signature with `key`.
    /// - Parameters:
    ///   - message: The protocol message (session, parties, round, payload).
    ///   - consortium: The consortium's 32-byte identity.
    ///   - sender: The sending member.
    ///   - receiver: The receiving member.
    ///   - sequence: The sequence number.
    ///   - key: The sender's signing key.
    /// - Returns: The signed envelope.
    public static func seal(
        _ message: TransportMessage, consortium: [UInt8], sender: String, receiver: String, sequence: UInt64,
        signingKey key: Ed25519.PrivateKey
    ) -> NodeEnvelope {
        var envelope = NodeEnvelope(
            consortium: consortium, session: message.session, sender: sender, senderParty: message.from, receiver: receiver,
            receiverParty: message.to, round: message.round, sequence: sequence, payload: message.bytes, signature: [])
        envelope.signature = key.signature(for: envelope.signedBytes)
        return envelope
    }

    /// The bytes the sender signs: the domain separator, then every field in encoding order with
    /// the payload replaced by its SHA-256 digest (protocols/node.md#signature).
    public var signedBytes: [UInt8] {
        var writer = WireWriter(reservingCapacity: 256)
        writer.writeRawBytes(Self.domain)
        writeHeader(to: &writer)
        writer.writeRawBytes(SHA256.hash(payload))
        return writer.bytes
    }

    /// Whether the signature is `key`'s over ``signedBytes``.
    /// - Parameter key: The sender's registered key.
    /// - Returns: `true` only for a valid signature.
    public func isSigned(by key: Ed25519.PublicKey) -> Bool {
        key.isValidSignature(signature, for: signedBytes)
    }

    /// The message the receiving party's mailbox gets.
    public var transportMessage: TransportMessage {
        TransportMessage(session: session, from: senderParty, to: receiverParty, round: round, bytes: payload)
    }

    private func writeHeader(to writer: inout WireWriter) {
        writer.writeRawBytes(consortium)
        writer.writeRawBytes(session.bytes)
        writer.writeByteString(Array(sender.utf8))
        writer.writeUInt32(senderParty.rawValue)
        writer.writeByteString(Array(receiver.utf8))
        writer.writeUInt32(receiverParty.rawValue)
        writer.writeUInt8(round)
        writer.writeUInt64(sequence)
    }

    /// The wire encoding.
    /// - Returns: The bytes.
    public func wireEncoded() -> [UInt8] {
        var writer = WireWriter(reservingCapacity: payload.count + NodeLimits.envelopeOverhead)
        writer.encodeEnvelope(tag: Self.tag) { body in
            writeHeader(to: &body)
            body.writeByteString(payload)
            body.writeRawBytes(signature)
        }
        return writer.bytes
    }

    /// Decodes an envelope, refusing a payload over `maxPayloadBytes` before allocating it.
    /// - Parameters:
    ///   - bytes: The encoding.
    ///   - maxPayloadBytes: The largest payload accepted.
    /// - Throws: ``WireFormatError``: `lengthExceedsLimit` for an oversized payload, `invalidValue`
    ///   for an invalid member name, `truncated`,
    ///   `trailingBytes`, `invalidMagic`, `unknownVersion`, `unknownTag`.
    public init(wireEncoded bytes: [UInt8], maxPayloadBytes: Int) throws(WireFormatError) {
        let limits = WireLimits(
            maxByteStringCount: max(maxPayloadBytes, 64), maxElementCount: 0, maxBigIntByteCount: 0,
            maxEnvelopeBodyCount: maxPayloadBytes + NodeLimits.envelopeOverhead)
        var reader = WireReader(bytes, limits: limits)
        var body = try reader.decodeEnvelope(expectedTag: Self.tag)
        try reader.finish()
        consortium = try body.readRawBytes(count: 32)
        let sessionBytes = try body.readRawBytes(count: SessionID.byteCount)
        guard let sessionID = try? SessionID(bytes: sessionBytes) else { throw .invalidValue("a session id is 32 bytes") }
        session = sessionID
        sender = try Self.readName(&body)
        senderParty = PartyID(try body.readUInt32())
        receiver = try Self.readName(&body)
        receiverParty = PartyID(try body.readUInt32())
        round = try body.readUInt8()
        sequence = try body.readUInt64()
        let length = try body.readLength(limit: maxPayloadBytes, unitSize: 1)
        payload = try body.readRawBytes(count: length)
        signature = try body.readRawBytes(count: Ed25519.signatureByteCount)
        try body.finish()
    }

    private init(
        consortium: [UInt8], session: SessionID, sender: String, senderParty: PartyID, receiver: String, receiverParty: PartyID,
        round: UInt8, sequence: UInt64, payload: [UInt8], signature: [UInt8]
    ) {
        self.consortium = consortium
        self.session = session
        self.sender = sender
        self.senderParty = senderParty
        self.receiver = receiver
        self.receiverParty = receiverParty
        self.round = round
        self.sequence = sequence
        self.payload = payload
        self.signature = signature
    }

    private static func readName(_ reader: inout WireReader) throws(WireFormatError) -> String {
        let length = try reader.readLength(limit: 64, unitSize: 1)
        let bytes = try reader.readRawBytes(count: length)
        guard let name = String(validating: bytes, as: UTF8.self), ConsortiumLedgerNames.isValid(name) else {
            throw .invalidValue("a member name is 1-64 characters from [A-Za-z0-9._-]")
        }
        return name
    }
}
