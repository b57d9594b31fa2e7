public import WireFormat

// Wire encodings of shares: protocols/secret-sharing.md#wire-encoding.

extension ShamirShare: WireEncodable where Element: WireEncodable {
    /// Encodes `u64 x ‖ element y`.
    /// - Parameter writer: The writer to append to.
    public func encode(to writer: inout WireWriter) {
        writer.writeUInt64(x)
        writer.write(y)
    }
}

extension ShamirShare: WireDecodable where Element: WireDecodable {
    /// Decodes `u64 x ‖ element y`, rejecting `x = 0`. Field range checks happen in
    /// ``ShamirSharing/reconstruct(_:threshold:)``.
    /// - Parameter reader: The reader.
    /// - Throws: `truncated`, the element's errors, or `invalidValue` for `x = 0`.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        let x = try reader.readUInt64()
        guard x != 0 else { throw .invalidValue("Shamir share evaluation point x = 0") }
        self.init(x: x, y: try Element(from: &reader))
    }

    /// 8 plus the element's minimum.
    public static var minimumWireByteCount: Int { 8 + Element.minimumWireByteCount }
}

extension ShamirVectorShare: WireEncodable where Element: WireEncodable {
    /// Encodes `u64 x ‖ array<element> ys`.
    /// - Parameter writer: The writer to append to.
    public func encode(to writer: inout WireWriter) {
        writer.writeUInt64(x)
        writer.write(ys)
    }
}

extension ShamirVectorShare: WireDecodable where Element: WireDecodable {
    /// Decodes `u64 x ‖ array<element> ys`, rejecting `x = 0`.
    /// - Parameter reader: The reader.
    /// - Throws: `truncated`, `lengthExceedsLimit`, the elements' errors, or `invalidValue`.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        let x = try reader.readUInt64()
        guard x != 0 else { throw .invalidValue("Shamir share evaluation point x = 0") }
        self.init(x: x, ys: try reader.readArray(of: Element.self))
    }

    /// 12: the point and an empty array.
    public static var minimumWireByteCount: Int { 12 }
}

extension BeaverTriple: WireEncodable where Element: WireEncodable {
    /// Encodes `a ‖ b ‖ c`.
    /// - Parameter writer: The writer to append to.
    public func encode(to writer: inout WireWriter) {
        writer.write(a)
        writer.write(b)
        writer.write(c)
    }
}

extension BeaverTriple: WireDecodable where Element: WireDecodable {
    /// Decodes `a ‖ b ‖ c`.
    /// - Parameter reader: The reader.
    /// - Throws: The elements' errors.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        let a = try Element(from: &reader)
        let b = try Element(from: &reader)
        let c = try Element(from: &reader)
        self.init(a: a, b: b, c: c)
    }

    /// Three element minimums.
    public static var minimumWireByteCount: Int { 3 * Element.minimumWireByteCount }
}

extension SeededAdditiveShare: WireEncodable, WireDecodable {
    /// Encodes kind 0: `u8 0 ‖ bytes[16] seed ‖ u32 count`, or kind 1: `u8 1 ‖ array<u64>`.
    /// - Parameter writer: The writer to append to.
    public func encode(to writer: inout WireWriter) {
        switch self {
        case let .seed(seed, count):
            precondition(seed.count == 16, "a seed is 16 bytes")
            precondition(count >= 0 && count <= Int(UInt32.max), "count exceeds the u32 field")
            writer.writeUInt8(0)
            writer.writeRawBytes(seed)
            writer.writeUInt32(UInt32(count))
        case let .explicit(words):
            writer.writeUInt8(1)
            writer.writeUInt64Array(words)
        }
    }

    /// Decodes either kind; a seed's count is bounded by the reader's `maxElementCount`, so a peer
    /// cannot make the receiver expand an unbounded stream.
    /// - Parameter reader: The reader.
    /// - Throws: `truncated`, `lengthExceedsLimit`, or `invalidValue` for an unknown kind.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        switch try reader.readUInt8() {
        case 0:
            let seed = try reader.readRawBytes(count: 16)
            let count = Int(try reader.readUInt32())
            guard count <= reader.limits.maxElementCount else {
                throw .lengthExceedsLimit(length: count, limit: reader.limits.maxElementCount)
            }
            self = .seed(seed, count: count)
        case 1:
            self = .explicit(try reader.readUInt64Array())
        default:
            throw .invalidValue("seeded share kind must be 0 (seed) or 1 (explicit)")
        }
    }

    /// 5: a kind byte and an empty explicit vector.
    public static var minimumWireByteCount: Int { 5 }
}
