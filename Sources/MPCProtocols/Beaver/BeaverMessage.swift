public import WireFormat
import SecretSharing

/// A message of protocol `beaver`'s online phase: one party's contribution to one layer.
/// Spec: protocols/beaver.md#messages.
///
/// `values` is the sender's shares of the layer's openings — `d = x − a` and `e = y − b` for each
/// multiplication, then the gate's own masked openings — followed, in an input layer, by the
/// recipient's shares of the sender's inputs. Every value is a canonical element of
/// ``MersenneField127``. The header's round field is 1 for every layer; the layer's number is
/// `step`.
public struct BeaverMessage: ProtocolMessage, CustomStringConvertible {
    /// Registered tags (protocols/wire-format.md#type-tag-registry).
    public enum WireTag {
        /// One layer's values.
        public static let layer: UInt16 = 0x0531
    }

    /// The session.
    public let sessionID: SessionID
    /// The sender.
    public let sender: PartyID
    /// The layer number (0 for the first layer of the session).
    public let step: UInt32
    /// Field elements (canonical, below `2^127 − 1`).
    public let values: [UInt128]

    /// A message.
    /// - Parameters:
    ///   - sessionID: The session.
    ///   - sender: The sender.
    ///   - step: The layer.
    ///   - values: The sender's values for the recipient.
    public init(sessionID: SessionID, sender: PartyID, step: UInt32, values: [UInt128]) {
        self.sessionID = sessionID
        self.sender = sender
        self.step = step
        self.values = values
    }

    /// Always 1: layers are numbered by ``step``.
    public var round: UInt8 { 1 }

    /// `envelope(0x0531, header ‖ u32 step ‖ u32 count ‖ count × (u64 high ‖ u64 low) ‖ digest)`.
    /// - Returns: The bytes.
    public func wireEncoded() -> [UInt8] {
        let header = MessageHeader(sessionID: sessionID, round: round, sender: sender)
        return MessageCodec.encode(tag: WireTag.layer, header: header, capacity: 8 + 16 * values.count) { writer in
            writer.writeUInt32(step)
            writer.writeFieldElements(values)
        }
    }

    /// Decodes and checks framing, digest, header round and that every value is below `p`.
    /// - Parameters:
    ///   - bytes: One enveloped message.
    ///   - limits: The reader limits.
    /// - Throws: ``MPCProtocolError/wire(_:)`` or ``MPCProtocolError/corruptedMessage``.
    public init(wireEncoded bytes: [UInt8], limits: WireLimits = .default) throws(MPCProtocolError) {
        var (tag, body) = try MessageCodec.open(bytes, limits: limits)
        do throws(WireFormatError) {
            guard tag == WireTag.layer else { throw WireFormatError.unknownTag(tag) }
            let header = try MessageHeader.decode(from: &body, expectedRound: 1)
            let step = try body.readUInt32()
            let values = try body.readFieldElements()
            try MessageCodec.finish(&body)
            self.init(sessionID: header.sessionID, sender: header.sender, step: step, values: values)
        } catch {
            throw .wire(error)
        }
    }

    /// Sender, step and count only.
    public var description: String {
        "BeaverMessage(from: \(sender), step: \(step), count: \(values.count), values: redacted)"
    }
}

extension WireWriter {
    /// `u32 count ‖ count × (u64 high ‖ u64 low)`: elements of ``MersenneField127``, big-endian
    /// (written as one block, not word by word).
    mutating func writeFieldElements(_ values: [UInt128]) {
        writeUInt32(UInt32(values.count))
        let bytes = [UInt8](unsafeUninitializedCapacity: 16 * values.count) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            for (i, value) in values.enumerated() {
                raw.storeBytes(of: UInt64(truncatingIfNeeded: value >> 64).bigEndian, toByteOffset: 16 * i, as: UInt64.self)
                raw.storeBytes(of: UInt64(truncatingIfNeeded: value).bigEndian, toByteOffset: 16 * i + 8, as: UInt64.self)
            }
            initialized = 16 * values.count
        }
        writeRawBytes(bytes)
    }
}

extension WireReader {
    /// Reads what ``WireWriter/writeFieldElements(_:)`` writes; every value must be below `p`.
    mutating func readFieldElements() throws(WireFormatError) -> [UInt128] {
        let count = try readLength(limit: limits.maxElementCount, unitSize: 16)
        let bytes = try readRawBytes(count: 16 * count)
        var canonical = true
        let values = bytes.withUnsafeBytes { raw in
            [UInt128](unsafeUninitializedCapacity: count) { out, initialized in
                for i in 0..<count {
                    let high = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16 * i, as: UInt64.self))
                    let low = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16 * i + 8, as: UInt64.self))
                    let value = UInt128(high) << 64 | UInt128(low)
                    canonical = canonical && value < MersenneField127.modulus
                    out[i] = value
                }
                initialized = count
            }
        }
        guard canonical else { throw .invalidValue("field element not below 2^127 − 1") }
        return values
    }
}
