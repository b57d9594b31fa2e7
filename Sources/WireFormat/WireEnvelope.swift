/// The versioned envelope around a standalone message or stored object:
/// "CVNT" ‖ `u16` version ‖ `u16` type tag ‖ `u32` body length ‖ body.
/// Spec: protocols/wire-format.md#envelope.
public enum WireEnvelope: Sendable {
    /// The magic bytes "CVNT".
    public static let magic: [UInt8] = [0x43, 0x56, 0x4E, 0x54]
    /// The format version this module writes and accepts.
    public static let version: UInt16 = 1
    /// The size of the header before the body: 4 + 2 + 2 + 4 bytes.
    public static let headerByteCount = 12

    /// Wraps the encoding of `body` in an envelope.
    /// - Parameters:
    ///   - tag: The registered type tag (protocols/wire-format.md#type-tag-registry).
    ///   - body: The value to wrap.
    /// - Returns: The envelope bytes.
    public static func encode(tag: UInt16, body: some WireEncodable) -> [UInt8] {
        var writer = WireWriter()
        writer.encodeEnvelope(tag: tag, body: body)
        return writer.bytes
    }

    /// Decodes a complete envelope tagged `expectedTag` whose body is a `T`; neither the body nor
    /// the input may have trailing bytes.
    /// - Parameters:
    ///   - type: The body type.
    ///   - bytes: The envelope.
    ///   - expectedTag: The registered tag of `T`.
    ///   - limits: The reader's limits.
    /// - Returns: The decoded body.
    /// - Throws: Any ``WireFormatError``.
    public static func decode<T: WireDecodable>(
        _ type: T.Type, from bytes: [UInt8], expectedTag: UInt16, limits: WireLimits = .default
    ) throws(WireFormatError) -> T {
        var reader = WireReader(bytes, limits: limits)
        let value = try reader.decodeEnvelope(T.self, expectedTag: expectedTag)
        try reader.finish()
        return value
    }
}
