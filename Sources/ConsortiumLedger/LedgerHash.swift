public import WireFormat
import CryptoPrimitives

/// A 32-byte SHA-256 value on the ledger: a Merkle leaf or node, a root, a log id, a contract
/// version id, a run id, a commitment. Spec: protocols/ledger.md#encoding.
public struct LedgerHash: Hashable, Sendable, Comparable, CustomStringConvertible, WireCodable {
    /// The 32 bytes.
    public let bytes: [UInt8]

    /// The length of every ledger hash.
    public static let byteCount = 32

    /// The all-zero value (the genesis entry's log id and previous root).
    public static let zero = LedgerHash(validated: [UInt8](repeating: 0, count: 32))

    /// Wraps 32 bytes.
    /// - Parameter bytes: Exactly 32 bytes.
    /// - Throws: ``LedgerError`` `malformedEncoding` for any other length.
    public init(_ bytes: some Collection<UInt8>) throws {
        guard bytes.count == Self.byteCount else {
            throw LedgerError(.malformedEncoding, "a ledger hash is 32 bytes, got \(bytes.count)")
        }
        self.bytes = Array(bytes)
    }

    init(validated bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Parses 64 hexadecimal digits.
    /// - Parameter hex: The hex string.
    /// - Returns: The hash, or nil if `hex` is not 64 hex digits.
    public init?(hex: String) {
        guard let bytes = hexDecode(hex), bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    /// SHA-256 of `data`.
    /// - Parameter data: The message.
    /// - Returns: Its digest.
    public static func sha256(_ data: [UInt8]) -> LedgerHash {
        LedgerHash(validated: SHA256.hash(data))
    }

    /// Lower-case hex.
    public var hex: String { hexEncode(bytes) }

    /// Lower-case hex.
    public var description: String { hex }

    /// Lexicographic order of the bytes.
    public static func < (lhs: LedgerHash, rhs: LedgerHash) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    /// Encodes as `bytes[32]`.
    /// - Parameter writer: The writer.
    public func encode(to writer: inout WireWriter) { writer.writeRawBytes(bytes) }

    /// Decodes `bytes[32]`.
    /// - Parameter reader: The reader.
    /// - Throws: `truncated`.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        bytes = try reader.readRawBytes(count: Self.byteCount)
    }

    /// 32.
    public static var minimumWireByteCount: Int { byteCount }
}

/// Lower-case hex of public bytes.
/// - Parameter bytes: The bytes (never a secret's: hex strings end up in files and messages).
/// - Returns: Two digits per byte.
public func hexEncode(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// Bytes from hex (no whitespace); nil if malformed.
/// - Parameter hex: The digits.
/// - Returns: The bytes, or nil.
public func hexDecode(_ hex: String) -> [UInt8]? {
    let utf8 = Array(hex.utf8)
    guard utf8.count % 2 == 0 else { return nil }
    func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
    var out = [UInt8]()
    out.reserveCapacity(utf8.count / 2)
    var i = 0
    while i < utf8.count {
        guard let hi = nibble(utf8[i]), let lo = nibble(utf8[i + 1]) else { return nil }
        out.append(hi << 4 | lo)
        i += 2
    }
    return out
}
