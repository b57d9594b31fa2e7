/// A party of one protocol session: a member (numbered `1…n` in the order of the run's roster,
/// which is also its Shamir evaluation point and its Paillier key-share index) or the aggregator
/// role (any id outside `1…n`, by convention ``aggregator``).
///
/// Spec: protocols/additive.md#parties, protocols/secagg.md#parties,
/// protocols/paillier-aggregation.md#parties.
public struct PartyID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The wire value (`u32`).
    public let rawValue: UInt32

    /// A party id from its wire value.
    /// - Parameter rawValue: The `u32` id.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The id as 4 big-endian bytes (`u32`), as transcripts and committed bytes write it.
    var bigEndianBytes: [UInt8] { SecAggCrypto.u32(rawValue) }

    /// A party id.
    /// - Parameter value: The `u32` id.
    public init(_ value: UInt32) { self.rawValue = value }

    /// The conventional id of the aggregator role (0: never a member).
    public static let aggregator = PartyID(0)

    /// The members `1…count`.
    /// - Parameter count: `n`.
    /// - Returns: `[PartyID(1), …, PartyID(n)]`.
    public static func members(_ count: Int) -> [PartyID] {
        count < 1 ? [] : (1...count).map { PartyID(UInt32($0)) }
    }

    /// Orders by the wire value.
    /// - Parameters:
    ///   - a: A party.
    ///   - b: Another party.
    /// - Returns: `a.rawValue < b.rawValue`.
    public static func < (a: PartyID, b: PartyID) -> Bool { a.rawValue < b.rawValue }

    /// `party 3` (public data).
    public var description: String { rawValue == 0 ? "aggregator" : "party \(rawValue)" }
}

/// The id of one protocol run (the run id of the ledger's run-started entry): 32 bytes that every
/// message carries, so that a message of another run is rejected.
public struct SessionID: Hashable, Sendable, CustomStringConvertible {
    /// The 32 bytes.
    public let bytes: [UInt8]

    /// The length of a session id.
    public static let byteCount = 32

    /// A session id from 32 bytes.
    /// - Parameter bytes: Exactly 32 bytes (e.g. the SHA-256 of the run-started ledger entry).
    /// - Throws: ``MPCProtocolError/invalidConfiguration(_:)`` for another length.
    public init(bytes: [UInt8]) throws {
        guard bytes.count == Self.byteCount else {
            throw MPCProtocolError.invalidConfiguration("a session id is 32 bytes")
        }
        self.bytes = bytes
    }

    init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    /// The first 8 bytes in hex (a session id is public).
    public var description: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes.prefix(8) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return "SessionID(\(String(decoding: out, as: UTF8.self))…)"
    }
}
