public import MultiPrecision

/// Appends canonical encodings to a growing byte buffer.
///
/// Fixed-width integers are big-endian; byte strings and arrays carry a `u32` length prefix; big
/// integers are a sign byte, a `u32` length and a minimal magnitude.
/// Spec: protocols/wire-format.md#primitive-encodings.
///
/// - Warning: the buffer may hold secrets (shares, keys). Do not log ``bytes``.
public struct WireWriter: Sendable {
    /// The encoding written so far.
    public private(set) var bytes: [UInt8]

    /// An empty writer.
    /// - Parameter capacity: Bytes to reserve up front (an optimisation only).
    public init(reservingCapacity capacity: Int = 0) {
        bytes = []
        if capacity > 0 { bytes.reserveCapacity(capacity) }
    }

    /// Appends a `u8`.
    /// - Parameter value: The byte.
    public mutating func writeUInt8(_ value: UInt8) { bytes.append(value) }

    /// Appends a big-endian `u16`.
    /// - Parameter value: The integer.
    public mutating func writeUInt16(_ value: UInt16) { appendBigEndian(value) }

    /// Appends a big-endian `u32`.
    /// - Parameter value: The integer.
    public mutating func writeUInt32(_ value: UInt32) { appendBigEndian(value) }

    /// Appends a big-endian `u64`.
    /// - Parameter value: The integer.
    public mutating func writeUInt64(_ value: UInt64) { appendBigEndian(value) }

    /// Appends a `bool` as 0x00 or 0x01.
    /// - Parameter value: The flag.
    public mutating func writeBool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    /// Appends raw bytes with no length prefix (`bytes[k]`, for fields whose size the type fixes,
    /// such as 16-byte seeds).
    /// - Parameter raw: The bytes.
    public mutating func writeRawBytes(_ raw: some Collection<UInt8>) { bytes.append(contentsOf: raw) }

    /// ``writeRawBytes(_:)`` for an array: one block copy (the generic form copies byte by byte
    /// when called from another module).
    /// - Parameter raw: The bytes.
    public mutating func writeRawBytes(_ raw: [UInt8]) { bytes.append(contentsOf: raw) }

    /// Appends a byte string: `u32` length ‖ bytes.
    /// - Parameter value: The bytes; fewer than 2^32.
    /// - Precondition: `value.count < 2^32` (a programmer error: no protocol message is that big).
    public mutating func writeByteString(_ value: some Collection<UInt8>) {
        writeLength(value.count)
        bytes.append(contentsOf: value)
    }

    /// ``writeByteString(_:)`` for an array: one block copy.
    /// - Parameter value: The bytes; fewer than 2^32.
    public mutating func writeByteString(_ value: [UInt8]) {
        writeLength(value.count)
        bytes.append(contentsOf: value)
    }

    /// A UTF-8 string as a byte string.
    /// - Parameter value: The string.
    public mutating func writeString(_ value: String) { writeByteString(Array(value.utf8)) }

    /// Appends a big integer: sign byte (0x00 non-negative, 0x01 negative) ‖ `u32` length ‖ minimal
    /// big-endian magnitude. Spec: protocols/wire-format.md#bigint.
    /// - Parameter value: The integer.
    public mutating func writeBigInt(_ value: BigInt) {
        writeUInt8(value.isNegative ? 1 : 0)
        writeByteString(value.bigEndianMagnitude)
    }

    /// Appends an array of words: `u32` count ‖ `u64` each. The fast path for share vectors.
    /// - Parameter words: The words.
    public mutating func writeUInt64Array(_ words: [UInt64]) {
        writeLength(words.count)
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: words.count * 8))
        bytes.withUnsafeMutableBytes { raw in
            for (i, word) in words.enumerated() {
                raw.storeBytes(of: word.bigEndian, toByteOffset: start + 8 * i, as: UInt64.self)
            }
        }
    }

    /// Appends the encoding of `value`.
    /// - Parameter value: Any encodable value.
    public mutating func write(_ value: some WireEncodable) { value.encode(to: &self) }

    /// Appends an envelope: "CVNT" ‖ `u16` version 1 ‖ `u16` tag ‖ `u32` body length ‖ body, the
    /// body being whatever `writeBody` appends. Spec: protocols/wire-format.md#envelope.
    /// - Parameters:
    ///   - tag: The registered type tag of the body.
    ///   - writeBody: Appends the body to the writer it is given.
    public mutating func encodeEnvelope(tag: UInt16, writeBody: (inout WireWriter) -> Void) {
        writeRawBytes(WireEnvelope.magic)
        writeUInt16(WireEnvelope.version)
        writeUInt16(tag)
        let lengthOffset = bytes.count
        writeUInt32(0)
        let bodyStart = bytes.count
        writeBody(&self)
        let bodyCount = bytes.count - bodyStart
        precondition(bodyCount <= Int(UInt32.max), "envelope body exceeds 2^32 − 1 bytes")
        let length = UInt32(bodyCount).bigEndian
        bytes.withUnsafeMutableBytes { $0.storeBytes(of: length, toByteOffset: lengthOffset, as: UInt32.self) }
    }

    /// Appends an envelope whose body is the encoding of `body`.
    /// - Parameters:
    ///   - tag: The registered type tag of `body`'s type.
    ///   - body: The value to wrap.
    public mutating func encodeEnvelope(tag: UInt16, body: some WireEncodable) {
        encodeEnvelope(tag: tag) { body.encode(to: &$0) }
    }

    private mutating func writeLength(_ count: Int) {
        precondition(count >= 0 && count <= Int(UInt32.max), "length exceeds the u32 prefix")
        writeUInt32(UInt32(count))
    }

    private mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
