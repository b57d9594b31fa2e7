import CryptoPrimitives
import WireFormat

/// The framing shared by every protocol message (protocols/additive.md#encodings):
///
/// `envelope(tag, body)` with `body = header ‖ payload ‖ bytes[32] digest`, where `header` is
/// ``MessageHeader`` and `digest = SHA-256(every envelope byte before the digest)`.
///
/// The digest catches corruption in transit, so that a flipped bit in a seed or a partial sum is an
/// error (``MPCProtocolError/corruptedMessage``), never a wrong number. It is not a MAC: a sender
/// or relay that changes a message on purpose recomputes it; the authenticated channel (mutual
/// TLS in `NodeRuntime`) and the protocol's own checks are what stop that.
enum MessageCodec {
    static let digestByteCount = SHA256.byteCount

    /// Encodes one message. `payload` appends the payload after the header.
    static func encode(
        tag: UInt16, header: MessageHeader, capacity: Int = 0, payload: (inout WireWriter) -> Void
    ) -> [UInt8] {
        var bytes = framed(tag: tag, header: header, capacity: capacity, payload: payload)
        let digest = SHA256.hash(bytes[0..<(bytes.count - digestByteCount)])
        bytes.withUnsafeMutableBufferPointer { buffer in
            let start = buffer.count - digestByteCount
            for i in 0..<digestByteCount { buffer[start + i] = digest[i] }
        }
        return bytes
    }

    private static func framed(
        tag: UInt16, header: MessageHeader, capacity: Int, payload: (inout WireWriter) -> Void
    ) -> [UInt8] {
        var writer = WireWriter(reservingCapacity: WireEnvelope.headerByteCount + MessageHeader.byteCount + capacity + digestByteCount)
        writer.encodeEnvelope(tag: tag) { body in
            header.encode(to: &body)
            payload(&body)
            body.writeRawBytes(repeatElement(0, count: digestByteCount))
        }
        return writer.bytes
    }

    /// Opens a message: envelope checks (magic, version, body length, nothing after the
    /// envelope), then the digest, in that order. Returns the tag and a reader positioned at the
    /// header; the caller decodes header and payload and then calls ``finish(_:)``.
    static func open(_ bytes: [UInt8], limits: WireLimits) throws(MPCProtocolError) -> (tag: UInt16, body: WireReader) {
        var reader = WireReader(bytes, limits: limits)
        let tag: UInt16
        let body: WireReader
        do {
            (tag, body) = try reader.decodeEnvelope()
            try reader.finish()
        } catch {
            throw .wire(error)
        }
        let minimum = MessageHeader.byteCount + digestByteCount
        guard body.remainingCount >= minimum else {
            throw .wire(.truncated(needed: minimum, available: body.remainingCount))
        }
        let digestStart = bytes.count - digestByteCount
        let digest = SHA256.hash(bytes[0..<digestStart])
        guard constantTimeEquals(digest, bytes[digestStart...]) else { throw .corruptedMessage }
        return (tag, body)
    }

    /// The envelope's tag, with the envelope's own checks but not the digest: for dispatching
    /// to the decoder that opens the message (``open(_:limits:)``).
    static func tag(of bytes: [UInt8]) throws(MPCProtocolError) -> UInt16 {
        var reader = WireReader(bytes, limits: .default)
        do {
            return try reader.decodeEnvelope().tag
        } catch {
            throw .wire(error)
        }
    }

    /// Skips the digest (already checked) and requires the body to be consumed exactly.
    static func finish(_ body: inout WireReader) throws(WireFormatError) {
        guard body.remainingCount >= digestByteCount else {
            throw .truncated(needed: digestByteCount, available: body.remainingCount)
        }
        guard body.remainingCount == digestByteCount else {
            throw .trailingBytes(count: body.remainingCount - digestByteCount)
        }
        _ = try body.readRawBytes(count: digestByteCount)
        try body.finish()
    }
}
