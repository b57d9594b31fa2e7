public import MultiPrecision
public import WireFormat

/// A message of member-generated triples (Gilboa products under each member's own Paillier key).
/// Spec: protocols/beaver.md#member-generated-triples.
public struct TripleGenerationMessage: ProtocolMessage, CustomStringConvertible {
    /// The round payloads.
    public enum Payload: Sendable {
        /// Round 1, broadcast: `Enc_i(a_i^t)` for each triple `t`, under the sender's own key
        /// (tag 0x0534).
        case encryptedFactors([BigInt])
        /// Round 2, to the key's owner `i`: `Enc_i(a_i^t · b_j^t + ρ_{j→i}^t)` (tag 0x0535).
        case maskedProducts([BigInt])
    }

    /// Registered tags (protocols/wire-format.md#type-tag-registry).
    public enum WireTag {
        /// Round 1.
        public static let encryptedFactors: UInt16 = 0x0534
        /// Round 2.
        public static let maskedProducts: UInt16 = 0x0535
    }

    /// The session.
    public let sessionID: SessionID
    /// The sender.
    public let sender: PartyID
    /// The payload (ciphertext values; the recipient validates them under the right key).
    public let payload: Payload

    /// A message.
    /// - Parameters:
    ///   - sessionID: The session.
    ///   - sender: The sender.
    ///   - payload: The payload.
    public init(sessionID: SessionID, sender: PartyID, payload: Payload) {
        self.sessionID = sessionID
        self.sender = sender
        self.payload = payload
    }

    /// 1 or 2.
    public var round: UInt8 {
        switch payload {
        case .encryptedFactors: 1
        case .maskedProducts: 2
        }
    }

    /// `envelope(tag, header ‖ array<bigint> ‖ digest)`.
    /// - Returns: The bytes.
    public func wireEncoded() -> [UInt8] {
        let header = MessageHeader(sessionID: sessionID, round: round, sender: sender)
        let (tag, values): (UInt16, [BigInt]) = switch payload {
        case let .encryptedFactors(values): (WireTag.encryptedFactors, values)
        case let .maskedProducts(values): (WireTag.maskedProducts, values)
        }
        return MessageCodec.encode(tag: tag, header: header) { writer in
            writer.writeUInt32(UInt32(values.count))
            for value in values { writer.writeBigInt(value) }
        }
    }

    /// Decodes and checks framing, digest and header round.
    /// - Parameters:
    ///   - bytes: One enveloped message.
    ///   - limits: The reader limits.
    /// - Throws: ``MPCProtocolError/wire(_:)`` or ``MPCProtocolError/corruptedMessage``.
    public init(wireEncoded bytes: [UInt8], limits: WireLimits = .default) throws(MPCProtocolError) {
        var (tag, body) = try MessageCodec.open(bytes, limits: limits)
        do throws(WireFormatError) {
            switch tag {
            case WireTag.encryptedFactors, WireTag.maskedProducts:
                let round: UInt8 = tag == WireTag.encryptedFactors ? 1 : 2
                let header = try MessageHeader.decode(from: &body, expectedRound: round)
                let values = try body.readArray(of: BigInt.self)
                try MessageCodec.finish(&body)
                self.init(
                    sessionID: header.sessionID, sender: header.sender,
                    payload: round == 1 ? .encryptedFactors(values) : .maskedProducts(values))
            default:
                throw WireFormatError.unknownTag(tag)
            }
        } catch {
            throw .wire(error)
        }
    }

    /// Kind, sender and count only.
    public var description: String {
        switch payload {
        case let .encryptedFactors(values): "TripleGenerationMessage.encryptedFactors(from: \(sender), count: \(values.count))"
        case let .maskedProducts(values): "TripleGenerationMessage.maskedProducts(from: \(sender), count: \(values.count))"
        }
    }
}
