public import MultiPrecision

/// Reads canonical encodings from a byte buffer with explicit bounds.
///
/// Every read checks the bytes remaining; every declared length or count is checked against
/// ``limits`` and against the remaining input *before* anything is allocated, so a decoder never
/// allocates what an input merely claims. Every failure throws a ``WireFormatError``; nothing
/// traps. Spec: protocols/wire-format.md#decoding-rules-and-limits.
public struct WireReader: Sendable {
    private let storage: [UInt8]
    /// The offset of the next unread byte in the underlying buffer.
    private var position: Int
    /// One past the last byte this reader may read (an envelope body reader stops early).
    private let end: Int
    /// The limits this reader enforces.
    public let limits: WireLimits

    /// A reader over `bytes`.
    /// - Parameters:
    ///   - bytes: The input (not copied).
    ///   - limits: The bounds on declared lengths and counts.
    public init(_ bytes: [UInt8], limits: WireLimits = .default) {
        storage = bytes
        position = 0
        end = bytes.count
        self.limits = limits
    }

    private init(sharing storage: [UInt8], from start: Int, to end: Int, limits: WireLimits) {
        self.storage = storage
        self.position = start
        self.end = end
        self.limits = limits
    }

    /// The number of bytes not yet read.
    public var remainingCount: Int { end - position }

    /// True when every byte has been read.
    public var isAtEnd: Bool { position == end }

    /// Succeeds only if every byte has been read. Call it after decoding a complete message.
    /// - Throws: ``WireFormatError/trailingBytes(count:)`` if bytes remain.
    public func finish() throws(WireFormatError) {
        if position != end { throw .trailingBytes(count: end - position) }
    }

    // MARK: Fixed-width values

    /// Reads a `u8`.
    /// - Returns: The byte.
    /// - Throws: ``WireFormatError/truncated(needed:available:)`` if no byte remains.
    public mutating func readUInt8() throws(WireFormatError) -> UInt8 {
        try require(1)
        defer { position += 1 }
        return storage[position]
    }

    /// Reads a big-endian `u16`.
    /// - Returns: The integer.
    /// - Throws: ``WireFormatError/truncated(needed:available:)`` if fewer than 2 bytes remain.
    public mutating func readUInt16() throws(WireFormatError) -> UInt16 { try readBigEndian() }

    /// Reads a big-endian `u32`.
    /// - Returns: The integer.
    /// - Throws: ``WireFormatError/truncated(needed:available:)`` if fewer than 4 bytes remain.
    public mutating func readUInt32() throws(WireFormatError) -> UInt32 { try readBigEndian() }

    /// Reads a big-endian `u64`.
    /// - Returns: The integer.
    /// - Throws: ``WireFormatError/truncated(needed:available:)`` if fewer than 8 bytes remain.
    public mutating func readUInt64() throws(WireFormatError) -> UInt64 { try readBigEndian() }

    /// Reads a `bool` (0x00 or 0x01).
    /// - Returns: The flag.
    /// - Throws: `truncated` if no byte remains; `invalidValue` for any other byte.
    public mutating func readBool() throws(WireFormatError) -> Bool {
        switch try readUInt8() {
        case 0: return false
        case 1: return true
        default: throw .invalidValue("bool must be 0x00 or 0x01")
        }
    }

    /// Reads exactly `count` raw bytes (`bytes[k]`, a size the type fixes).
    /// - Parameter count: The number of bytes, fixed by the caller's type (not by the input).
    /// - Returns: The bytes.
    /// - Throws: ``WireFormatError/truncated(needed:available:)`` if fewer than `count` remain.
    public mutating func readRawBytes(count: Int) throws(WireFormatError) -> [UInt8] {
        precondition(count >= 0, "negative byte count")
        try require(count)
        defer { position += count }
        return Array(storage[position..<position + count])
    }

    // MARK: Length-prefixed values

    /// Reads a `u32` length or count and checks it against `limit` and against the remaining
    /// input, counting `unitSize` bytes per unit, before the caller allocates anything.
    ///
    /// Use it to decode custom length-prefixed structures with the same guarantees as the
    /// built-in ones. Spec: protocols/wire-format.md#decoding-rules-and-limits.
    /// - Parameters:
    ///   - limit: The largest acceptable value.
    ///   - unitSize: The minimum number of bytes each unit occupies in the input (0 if unknown).
    /// - Returns: The checked length.
    /// - Throws: `truncated` if the prefix is missing or `length × unitSize` bytes are not
    ///   present; `lengthExceedsLimit` if the length exceeds `limit`.
    public mutating func readLength(limit: Int, unitSize: Int) throws(WireFormatError) -> Int {
        let length = Int(try readUInt32())
        if length > limit { throw .lengthExceedsLimit(length: length, limit: limit) }
        let (needed, overflow) = length.multipliedReportingOverflow(by: max(unitSize, 0))
        if overflow || needed > remainingCount {
            throw .truncated(needed: overflow ? Int.max : needed, available: remainingCount)
        }
        return length
    }

    /// Reads a byte string: `u32` length ‖ bytes.
    /// - Returns: The bytes.
    /// - Throws: `lengthExceedsLimit` above ``WireLimits/maxByteStringCount``; `truncated` if
    ///   the input is shorter than the declared length.
    public mutating func readByteString() throws(WireFormatError) -> [UInt8] {
        let count = try readLength(limit: limits.maxByteStringCount, unitSize: 1)
        return try readRawBytes(count: count)
    }

    /// A byte string that must be valid UTF-8.
    /// - Returns: The string.
    /// - Throws: `truncated`, `lengthExceedsLimit`, `invalidValue` for invalid UTF-8.
    public mutating func readString() throws(WireFormatError) -> String {
        let bytes = try readByteString()
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw .invalidValue("string is not valid UTF-8")
        }
        return string
    }

    /// Reads a canonical big integer: sign byte ‖ `u32` length ‖ minimal magnitude.
    /// Spec: protocols/wire-format.md#bigint.
    /// - Returns: The integer.
    /// - Throws: `truncated`; `lengthExceedsLimit` above ``WireLimits/maxBigIntByteCount``;
    ///   `invalidValue` for a sign byte other than 0x00/0x01, a leading zero byte, or negative zero.
    public mutating func readBigInt() throws(WireFormatError) -> BigInt {
        let sign = try readUInt8()
        guard sign <= 1 else { throw .invalidValue("bigint sign byte must be 0x00 or 0x01") }
        let count = try readLength(limit: limits.maxBigIntByteCount, unitSize: 1)
        try require(count)
        let magnitude = storage[position..<position + count]
        position += count
        if count == 0 {
            if sign == 1 { throw .invalidValue("bigint negative zero is non-canonical") }
            return BigInt()
        }
        guard magnitude.first != 0 else { throw .invalidValue("bigint magnitude has a leading zero byte") }
        let value = BigInt(bigEndianMagnitude: magnitude)
        return sign == 1 ? -value : value
    }

    /// Reads an array of words: `u32` count ‖ `u64` each. The fast path for share vectors.
    /// - Returns: The words.
    /// - Throws: `lengthExceedsLimit` above ``WireLimits/maxElementCount``; `truncated` if fewer
    ///   than `8 · count` bytes remain.
    public mutating func readUInt64Array() throws(WireFormatError) -> [UInt64] {
        let count = try readLength(limit: limits.maxElementCount, unitSize: 8)
        let start = position
        position += 8 * count
        return storage.withUnsafeBytes { raw in
            [UInt64](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0..<count {
                    buffer[i] = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: start + 8 * i, as: UInt64.self))
                }
                initialized = count
            }
        }
    }

    /// Reads an array: `u32` count ‖ elements. The count is checked against
    /// ``WireLimits/maxElementCount`` and against `count · T.minimumWireByteCount` remaining bytes
    /// before any element is decoded.
    /// - Parameter type: The element type.
    /// - Returns: The elements.
    /// - Throws: `lengthExceedsLimit`, `truncated`, or any error of the element decoder.
    public mutating func readArray<T: WireDecodable>(of type: T.Type) throws(WireFormatError) -> [T] {
        if T.self == UInt8.self { return unsafeBitCast(try readByteString(), to: [T].self) }
        if T.self == UInt64.self { return unsafeBitCast(try readUInt64Array(), to: [T].self) }
        let unit = T.minimumWireByteCount
        let count = try readLength(limit: limits.maxElementCount, unitSize: unit)
        var out: [T] = []
        // Reserve only what the remaining bytes can actually hold.
        if unit > 0 { out.reserveCapacity(count) }
        for _ in 0..<count { out.append(try T(from: &self)) }
        return out
    }

    /// Decodes one value of type `T`.
    /// - Parameter type: The type to decode.
    /// - Returns: The value.
    /// - Throws: Whatever `T`'s decoder throws.
    public mutating func read<T: WireDecodable>(_ type: T.Type) throws(WireFormatError) -> T {
        try T(from: &self)
    }

    // MARK: Envelopes

    /// Reads an envelope header and returns a reader over its body, leaving `self` after the body.
    /// Spec: protocols/wire-format.md#envelope.
    /// - Returns: The tag and a reader limited to the body (same limits). Call `finish()` on the
    ///   body reader after decoding the body.
    /// - Throws: `truncated`, `invalidMagic`, `unknownVersion`, or `lengthExceedsLimit` above
    ///   ``WireLimits/maxEnvelopeBodyCount``.
    public mutating func decodeEnvelope() throws(WireFormatError) -> (tag: UInt16, body: WireReader) {
        try require(WireEnvelope.magic.count)
        let magicMatches = storage[position..<position + 4].elementsEqual(WireEnvelope.magic)
        position += 4
        guard magicMatches else { throw .invalidMagic }
        let version = try readUInt16()
        guard version == WireEnvelope.version else { throw .unknownVersion(version) }
        let tag = try readUInt16()
        let body = try readEnvelopeBody()
        return (tag, body)
    }

    /// Reads an envelope whose tag must be `expectedTag`, returning a reader over its body.
    /// - Parameter expectedTag: The registered tag the caller expects.
    /// - Returns: A reader limited to the body. Call `finish()` on it after decoding the body.
    /// - Throws: As ``decodeEnvelope()``, plus ``WireFormatError/unknownTag(_:)`` if the tag differs
    ///   (checked before the body length is read).
    public mutating func decodeEnvelope(expectedTag: UInt16) throws(WireFormatError) -> WireReader {
        try require(WireEnvelope.magic.count)
        let magicMatches = storage[position..<position + 4].elementsEqual(WireEnvelope.magic)
        position += 4
        guard magicMatches else { throw .invalidMagic }
        let version = try readUInt16()
        guard version == WireEnvelope.version else { throw .unknownVersion(version) }
        let tag = try readUInt16()
        guard tag == expectedTag else { throw .unknownTag(tag) }
        return try readEnvelopeBody()
    }

    /// Reads an envelope tagged `expectedTag` and decodes its body as a `T`, requiring the body to
    /// be consumed exactly.
    /// - Parameters:
    ///   - type: The body type.
    ///   - expectedTag: The registered tag of `T`.
    /// - Returns: The decoded body.
    /// - Throws: As ``decodeEnvelope(expectedTag:)``, `T`'s decoder, or `trailingBytes` inside the body.
    public mutating func decodeEnvelope<T: WireDecodable>(
        _ type: T.Type, expectedTag: UInt16
    ) throws(WireFormatError) -> T {
        var body = try decodeEnvelope(expectedTag: expectedTag)
        let value = try T(from: &body)
        try body.finish()
        return value
    }

    private mutating func readEnvelopeBody() throws(WireFormatError) -> WireReader {
        let count = try readLength(limit: limits.maxEnvelopeBodyCount, unitSize: 1)
        let body = WireReader(sharing: storage, from: position, to: position + count, limits: limits)
        position += count
        return body
    }

    // MARK: Helpers

    @inline(__always)
    private func require(_ count: Int) throws(WireFormatError) {
        if count > end - position { throw .truncated(needed: count, available: end - position) }
    }

    @inline(__always)
    private mutating func readBigEndian<T: FixedWidthInteger>() throws(WireFormatError) -> T {
        let size = MemoryLayout<T>.size
        try require(size)
        let value = storage.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: position, as: T.self) }
        position += size
        return T(bigEndian: value)
    }
}
