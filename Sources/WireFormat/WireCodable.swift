public import MultiPrecision

/// A type with a canonical wire encoding. Spec: protocols/wire-format.md#composite-encodings.
public protocol WireEncodable {
    /// Appends the canonical encoding of `self`.
    /// - Parameter writer: The writer to append to.
    func encode(to writer: inout WireWriter)
}

/// A type that decodes from its canonical wire encoding, rejecting every non-canonical one.
/// Spec: protocols/wire-format.md#decoding-rules-and-limits.
public protocol WireDecodable {
    /// Decodes a value from the reader's current position.
    /// - Parameter reader: The reader; on success it is positioned after the value.
    /// - Throws: A ``WireFormatError``; never traps on any input.
    init(from reader: inout WireReader) throws(WireFormatError)

    /// The fewest bytes any encoding of this type occupies (protocols/wire-format.md's `min(T)`).
    /// Array decoders use it to reject counts the remaining input cannot hold before allocating.
    /// The default, 0, disables that pre-check (the element limit still applies).
    static var minimumWireByteCount: Int { get }
}

extension WireDecodable {
    /// 0: no lower bound is known.
    public static var minimumWireByteCount: Int { 0 }
}

/// A type that both encodes and decodes.
public typealias WireCodable = WireEncodable & WireDecodable

extension WireEncodable {
    /// The canonical encoding of `self`, with no envelope.
    /// - Returns: The encoded bytes.
    public func wireEncoded() -> [UInt8] {
        var writer = WireWriter()
        encode(to: &writer)
        return writer.bytes
    }
}

extension WireDecodable {
    /// Decodes a complete encoding (no envelope), rejecting trailing bytes.
    /// - Parameters:
    ///   - bytes: The encoding.
    ///   - limits: The reader's limits.
    /// - Throws: Any ``WireFormatError``, including `trailingBytes`.
    public init(wireEncoded bytes: [UInt8], limits: WireLimits = .default) throws(WireFormatError) {
        var reader = WireReader(bytes, limits: limits)
        self = try Self(from: &reader)
        try reader.finish()
    }
}

// MARK: - Conformances

extension UInt8: WireEncodable, WireDecodable {
    /// Encodes as `u8`.
    /// - Parameter writer: The writer to append to.
    public func encode(to writer: inout WireWriter) { writer.writeUInt8(self) }
    /// Decodes a `u8`.
    /// - Parameter reader: The reader.
    /// - Throws: `truncated`.
    public init(from reader: inout WireReader) throws(WireFormatError) { self = try reader.readUInt8() }
    /// 1.
    public static var minimumWireByteCount: Int { 1 }
}

extension UInt16: WireEncodable, WireDecodable {
    /// Encodes as big-endian `u16`.
    /// - Parameter writer: The writer to append to.
    public func encode(to writer: inout WireWriter) { writer.writeUInt16(self) }
    /// Decodes a `u16`.
    /// - Parameter reader: The reader.
    /// - Throws: `truncated`.
    public init(from reader: inout WireReader) throws(WireFormatError) { self = try reader.readUInt16() }
    /// 2.
    public static var minimumWireByteCount: Int { 2 }
}

extension UInt32: WireEncodable, WireDecodable {
    /// Encodes as big-endian `u32`.
    /// - Parameter writer: The writer to append to.
    public func encode(to writer: inout WireWriter) { writer.writeUInt32(self) }
    /// Decodes a `u32`.
    /// - Parameter reader: The reader.
    /// - Throws: `truncated`.
    public init(from reader: inout WireReader) throws(WireFormatError) { self = try reader.readUInt32() }
    /// 4.
    public static var minimumWireByteCount: Int { 4 }
}

extension UInt64: WireEncodable, WireDecodable {
    /// Encodes as big-endian `u64`.
    /// - Parameter writer: The writer to append to.
    public func encode(to writer: inout WireWriter) { writer.writeUInt64(self) }
    /// Decodes a `u64`.
    /// - Parameter reader: The reader.
    /// - Throws: `truncated`.
    public init(from reader: inout WireReader) throws(WireFormatError) { self = try reader.readUInt64() }
    /// 8.
    public static var minimumWireByteCount: Int { 8 }
}

extension Bool: WireEncodable, WireDecodable {
    /// Encodes as 0x00 or 0x01.
    /// - Parameter writer: The writer to append to.
    public func encode(to writer: inout WireWriter) { writer.writeBool(self) }
    /// Decodes a canonical `bool`.
    /// - Parameter reader: The reader.
    /// - Throws: `truncated`, or `invalidValue` for bytes other than 0x00/0x01.
    public init(from reader: inout WireReader) throws(WireFormatError) { self = try reader.readBool() }
    /// 1.
    public static var minimumWireByteCount: Int { 1 }
}

extension BigInt: WireEncodable, WireDecodable {
    /// Encodes as sign byte ‖ `u32` length ‖ minimal magnitude (protocols/wire-format.md#bigint).
    /// - Parameter writer: The writer to append to.
    public func encode(to writer: inout WireWriter) { writer.writeBigInt(self) }
    /// Decodes a canonical big integer.
    /// - Parameter reader: The reader.
    /// - Throws: `truncated`, `lengthExceedsLimit`, or `invalidValue` (bad sign byte, leading
    ///   zero, negative zero).
    public init(from reader: inout WireReader) throws(WireFormatError) { self = try reader.readBigInt() }
    /// 5 (sign byte and length of zero).
    public static var minimumWireByteCount: Int { 5 }
}

extension Array: WireEncodable where Element: WireEncodable {
    /// Encodes as `u32` count ‖ elements; `[UInt8]` is thereby a byte string.
    /// - Parameter writer: The writer to append to.
    public func encode(to writer: inout WireWriter) {
        if Element.self == UInt8.self {
            writer.writeByteString(unsafeBitCast(self, to: [UInt8].self))
        } else if Element.self == UInt64.self {
            writer.writeUInt64Array(unsafeBitCast(self, to: [UInt64].self))
        } else {
            precondition(count <= Int(UInt32.max), "array exceeds the u32 count prefix")
            writer.writeUInt32(UInt32(count))
            for element in self { element.encode(to: &writer) }
        }
    }
}

extension Array: WireDecodable where Element: WireDecodable {
    /// Decodes `u32` count ‖ elements, bounding the count before allocating
    /// (``WireReader/readArray(of:)``).
    /// - Parameter reader: The reader.
    /// - Throws: `lengthExceedsLimit`, `truncated`, or an element's error.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        self = try reader.readArray(of: Element.self)
    }
    /// 4 (the count of an empty array).
    public static var minimumWireByteCount: Int { 4 }
}
