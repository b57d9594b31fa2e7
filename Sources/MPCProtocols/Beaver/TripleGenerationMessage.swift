public import WireFormat

/// A message of member-generated triples: base OTs, then the OT extension and the Gilboa
/// corrections of one ordered pair of members. Spec: protocols/beaver.md#messages.
public struct TripleGenerationMessage: ProtocolMessage, CustomStringConvertible {
    /// The round payloads. Every message goes to one peer; each carries the sender's part of
    /// both directions of the pair (as extension receiver and as extension sender).
    public enum Payload: Sendable, Equatable {
        /// Round 1: the sender's base-OT point `S` towards the recipient, compressed (33 bytes;
        /// tag 0x0537).
        case baseSetup([UInt8])
        /// Round 2: the sender's `κ = 128` base-OT points `R_l`, compressed (tag 0x0538).
        case baseChoices([[UInt8]])
        /// Round 3: the extension matrix `u` of one chunk: `κ` columns of `m_c` bits, column `l`
        /// at bytes `[l·m_c/8, (l+1)·m_c/8)`, bit `j` of a column at bit `j mod 8` of its byte
        /// `⌊j/8⌋` (tag 0x0539).
        case extensionColumns(chunk: UInt32, columns: [UInt8])
        /// Round 4: the Gilboa corrections `y_j` of one chunk, one field element per transfer
        /// (tag 0x053A).
        case corrections(chunk: UInt32, values: [UInt128])
    }

    /// Registered tags (protocols/wire-format.md#type-tag-registry).
    public enum WireTag {
        /// Round 1.
        public static let baseSetup: UInt16 = 0x0537
        /// Round 2.
        public static let baseChoices: UInt16 = 0x0538
        /// Round 3.
        public static let extensionColumns: UInt16 = 0x0539
        /// Round 4.
        public static let corrections: UInt16 = 0x053A
        /// All four, in round order.
        public static let all: [UInt16] = [baseSetup, baseChoices, extensionColumns, corrections]
    }

    /// The length of a compressed P-256 point.
    static let pointByteCount = 33

    /// The session.
    public let sessionID: SessionID
    /// The sender.
    public let sender: PartyID
    /// The payload (points are validated by the recipient's machine).
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

    /// 1 to 4.
    public var round: UInt8 {
        switch payload {
        case .baseSetup: 1
        case .baseChoices: 2
        case .extensionColumns: 3
        case .corrections: 4
        }
    }

    /// `envelope(tag, header ‖ payload ‖ digest)`: round 1 `bytes[33]`; round 2
    /// `u32 count ‖ count × bytes[33]`; round 3 `u32 chunk ‖ bytes`; round 4
    /// `u32 chunk ‖ array<element127>`.
    /// - Returns: The bytes.
    public func wireEncoded() -> [UInt8] {
        let header = MessageHeader(sessionID: sessionID, round: round, sender: sender)
        let tag = WireTag.all[Int(round) - 1]
        switch payload {
        case let .baseSetup(point):
            return MessageCodec.encode(tag: tag, header: header) { $0.writeRawBytes(point) }
        case let .baseChoices(points):
            return MessageCodec.encode(tag: tag, header: header, capacity: 4 + Self.pointByteCount * points.count) { writer in
                writer.writeUInt32(UInt32(points.count))
                for point in points { writer.writeRawBytes(point) }
            }
        case let .extensionColumns(chunk, columns):
            return MessageCodec.encode(tag: tag, header: header, capacity: 8 + columns.count) { writer in
                writer.writeUInt32(chunk)
                writer.writeByteString(columns)
            }
        case let .corrections(chunk, values):
            return MessageCodec.encode(tag: tag, header: header, capacity: 8 + 16 * values.count) { writer in
                writer.writeUInt32(chunk)
                writer.writeFieldElements(values)
            }
        }
    }

    /// Decodes and checks framing, digest and header round.
    /// - Parameters:
    ///   - bytes: One enveloped message.
    ///   - limits: The reader limits.
    /// - Throws: ``MPCProtocolError/wire(_:)`` (an unknown tag, a round field that does not
    ///   match the tag, a truncated body, trailing bytes, a field element `≥ p`) or
    ///   ``MPCProtocolError/corruptedMessage``.
    public init(wireEncoded bytes: [UInt8], limits: WireLimits = .default) throws(MPCProtocolError) {
        var (tag, body) = try MessageCodec.open(bytes, limits: limits)
        do throws(WireFormatError) {
            guard let index = WireTag.all.firstIndex(of: tag) else { throw WireFormatError.unknownTag(tag) }
            let header = try MessageHeader.decode(from: &body, expectedRound: UInt8(index + 1))
            let payload: Payload
            switch index {
            case 0:
                payload = .baseSetup(try body.readRawBytes(count: Self.pointByteCount))
            case 1:
                let count = try body.readLength(limit: limits.maxElementCount, unitSize: Self.pointByteCount)
                var points: [[UInt8]] = []
                points.reserveCapacity(count)
                for _ in 0..<count { points.append(try body.readRawBytes(count: Self.pointByteCount)) }
                payload = .baseChoices(points)
            case 2:
                let chunk = try body.readUInt32()
                payload = .extensionColumns(chunk: chunk, columns: try body.readByteString())
            default:
                let chunk = try body.readUInt32()
                payload = .corrections(chunk: chunk, values: try body.readFieldElements())
            }
            try MessageCodec.finish(&body)
            self.init(sessionID: header.sessionID, sender: header.sender, payload: payload)
        } catch {
            throw .wire(error)
        }
    }

    /// Kind, sender, chunk and size only.
    public var description: String {
        switch payload {
        case .baseSetup: "TripleGenerationMessage.baseSetup(from: \(sender))"
        case let .baseChoices(points): "TripleGenerationMessage.baseChoices(from: \(sender), count: \(points.count))"
        case let .extensionColumns(chunk, columns):
            "TripleGenerationMessage.extensionColumns(from: \(sender), chunk: \(chunk), bytes: \(columns.count))"
        case let .corrections(chunk, values):
            "TripleGenerationMessage.corrections(from: \(sender), chunk: \(chunk), count: \(values.count), values: redacted)"
        }
    }
}
