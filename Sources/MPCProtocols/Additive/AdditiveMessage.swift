public import SecretSharing
public import WireFormat

/// A message of the additive protocol. Spec: protocols/additive.md#messages.
public struct AdditiveMessage: ProtocolMessage, CustomStringConvertible {
    /// The round payloads.
    public enum Payload: Sendable {
        /// Round 1: the recipient's additive share, as a 16-byte seed (or, for compatibility, an
        /// explicit vector), tag 0x0501.
        case share(SeededAdditiveShare)
        /// Round 2: the sender's partial sum (the sum of every share it holds), tag 0x0502.
        case partialSum([UInt64])
        /// Round 3: the sum of every partial sum, from the collector to the other output parties,
        /// tag 0x0503.
        case total([UInt64])
    }

    /// Registered tags (protocols/wire-format.md#type-tag-registry).
    public enum WireTag {
        /// Round 1 share.
        public static let share: UInt16 = 0x0501
        /// Round 2 partial sum.
        public static let partialSum: UInt16 = 0x0502
        /// Round 3, the total.
        public static let total: UInt16 = 0x0503
    }

    /// The session.
    public let sessionID: SessionID
    /// The sender.
    public let sender: PartyID
    /// The payload.
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

    /// 1 for shares, 2 for partial sums.
    public var round: UInt8 {
        switch payload {
        case .share: 1
        case .partialSum: 2
        case .total: 3
        }
    }

    /// The enveloped encoding: `header ‖ SeededAdditiveShare` (tag 0x0501) or
    /// `header ‖ array<u64>` (tag 0x0502), then the digest.
    /// - Returns: The bytes.
    public func wireEncoded() -> [UInt8] {
        let header = MessageHeader(sessionID: sessionID, round: round, sender: sender)
        switch payload {
        case let .share(share):
            return MessageCodec.encode(tag: WireTag.share, header: header) { share.encode(to: &$0) }
        case let .partialSum(values):
            return MessageCodec.encode(tag: WireTag.partialSum, header: header, capacity: 4 + 8 * values.count) {
                $0.writeUInt64Array(values)
            }
        case let .total(values):
            return MessageCodec.encode(tag: WireTag.total, header: header, capacity: 4 + 8 * values.count) {
                $0.writeUInt64Array(values)
            }
        }
    }

    /// Decodes and checks framing, digest, header round and canonicality.
    /// - Parameters:
    ///   - bytes: One enveloped message.
    ///   - limits: The reader limits (lower them to the session's vector length in production).
    /// - Throws: ``MPCProtocolError/wire(_:)`` (truncated, oversized, unknown tag, trailing
    ///   bytes, bad round field) or ``MPCProtocolError/corruptedMessage``.
    public init(wireEncoded bytes: [UInt8], limits: WireLimits = .default) throws(MPCProtocolError) {
        var (tag, body) = try MessageCodec.open(bytes, limits: limits)
        do throws(WireFormatError) {
            switch tag {
            case WireTag.share:
                let header = try MessageHeader.decode(from: &body, expectedRound: 1)
                let share = try SeededAdditiveShare(from: &body)
                try MessageCodec.finish(&body)
                self.init(sessionID: header.sessionID, sender: header.sender, payload: .share(share))
            case WireTag.partialSum, WireTag.total:
                let round: UInt8 = tag == WireTag.total ? 3 : 2
                let header = try MessageHeader.decode(from: &body, expectedRound: round)
                let values = try body.readUInt64Array()
                try MessageCodec.finish(&body)
                self.init(
                    sessionID: header.sessionID, sender: header.sender,
                    payload: tag == WireTag.total ? .total(values) : .partialSum(values))
            default:
                throw WireFormatError.unknownTag(tag)
            }
        } catch {
            throw .wire(error)
        }
    }

    /// Kind, session, sender and lengths only.
    public var description: String {
        switch payload {
        case let .share(share): "AdditiveMessage.share(from: \(sender), \(share))"
        case let .partialSum(values): "AdditiveMessage.partialSum(from: \(sender), count: \(values.count), values: redacted)"
        case let .total(values): "AdditiveMessage.total(from: \(sender), count: \(values.count), values: redacted)"
        }
    }
}
