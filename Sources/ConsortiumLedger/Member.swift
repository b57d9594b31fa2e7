public import CryptoPrimitives
public import WireFormat

/// What a member may do. Spec: protocols/ledger.md#members-and-roles.
public struct MemberRoles: OptionSet, Hashable, Sendable, Codable {
    /// The bit mask (`u8` on the wire).
    public let rawValue: UInt8

    /// Roles from a bit mask.
    /// - Parameter rawValue: The mask.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Approves contract versions, endorses membership changes and revocations, cosigns
    /// checkpoints; counts toward the quorum.
    public static let voting = MemberRoles(rawValue: 0x01)
    /// Orders entries and signs checkpoints.
    public static let sequencer = MemberRoles(rawValue: 0x02)
    /// May take part in runs (contribute inputs).
    public static let participant = MemberRoles(rawValue: 0x04)

    /// Every defined bit.
    public static let all: MemberRoles = [.voting, .sequencer, .participant]

    /// Roles from their names (`voting`, `sequencer`, `participant`); nil for any other name.
    /// - Parameter names: The names.
    public init?(names: some Sequence<some StringProtocol>) {
        var roles: MemberRoles = []
        for name in names {
            switch name {
            case "voting": roles.insert(.voting)
            case "sequencer": roles.insert(.sequencer)
            case "participant": roles.insert(.participant)
            default: return nil
            }
        }
        self = roles
    }

    /// `voting,sequencer,participant`.
    public var names: [String] {
        var out: [String] = []
        if contains(.voting) { out.append("voting") }
        if contains(.sequencer) { out.append("sequencer") }
        if contains(.participant) { out.append("participant") }
        return out
    }
}

/// A consortium member: a name, an Ed25519 key, ledger roles and contract roles. Spec:
/// protocols/ledger.md#members-and-roles.
public struct Member: Hashable, Sendable, WireCodable {
    /// 1–64 characters from `[A-Za-z0-9._-]`; unique in the consortium.
    public var name: String
    /// The key that signs this member's entries, endorsements and cosignatures.
    public var publicKey: Ed25519.PublicKey
    /// What the member may do on the ledger.
    public var roles: MemberRoles
    /// The contract roles it holds (`reveal … to role "regulator"` designates every holder of
    /// `regulator`): distinct valid names (``isValidName(_:)``) in ascending order (rule L5).
    public var contractRoles: [String]

    /// A member.
    /// - Parameters:
    ///   - name: The member's unique name.
    ///   - publicKey: Its signing key.
    ///   - roles: Its ledger roles.
    ///   - contractRoles: Its contract roles (kept distinct and sorted).
    public init(name: String, publicKey: Ed25519.PublicKey, roles: MemberRoles, contractRoles: some Sequence<String> = [String]()) {
        self.name = name
        self.publicKey = publicKey
        self.roles = roles
        self.contractRoles = Set(contractRoles).sorted()
    }

    /// Encodes as `string name ‖ bytes[32] key ‖ u8 roles ‖ array<string> contractRoles`.
    /// - Parameter writer: The writer.
    public func encode(to writer: inout WireWriter) {
        writer.writeString(name)
        writer.writeRawBytes(publicKey.rawRepresentation)
        writer.writeUInt8(roles.rawValue)
        writer.writeStrings(contractRoles)
    }

    /// Decodes a member; unknown role bits are rejected (the contract roles' names and order are
    /// rule L5's).
    /// - Parameter reader: The reader.
    /// - Throws: `truncated`, `invalidValue`.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        name = try reader.readString()
        let raw = try reader.readRawBytes(count: Ed25519.keyByteCount)
        publicKey = try Ed25519.PublicKey.fromWire(raw)
        let roleBits = try reader.readUInt8()
        guard roleBits & ~MemberRoles.all.rawValue == 0 else { throw .invalidValue("unknown member role bits") }
        roles = MemberRoles(rawValue: roleBits)
        contractRoles = try reader.readStrings()
    }

    /// 4 + 32 + 1 + 4.
    public static var minimumWireByteCount: Int { 41 }

    /// Why `contractRoles` is not a valid list of contract roles (names, distinct, ascending),
    /// or nil when it is: the one check of rule L5 and of every place that takes roles.
    /// - Parameter contractRoles: The roles, in their recorded order.
    /// - Returns: The problem, or nil.
    public static func contractRoleProblem(_ contractRoles: [String]) -> String? {
        for (position, role) in contractRoles.enumerated() {
            guard isValidName(role) else { return "a contract role name is 1–64 characters of [A-Za-z0-9._-]" }
            guard position == 0 || contractRoles[position - 1] < role else { return "contract roles must be distinct and in ascending order" }
        }
        return nil
    }

    /// Whether `name` is a valid member name: 1–64 characters from `[A-Za-z0-9._-]`.
    /// - Parameter name: The candidate.
    /// - Returns: `true` if valid.
    public static func isValidName(_ name: String) -> Bool {
        let utf8 = name.utf8
        guard (1...64).contains(utf8.count) else { return false }
        return utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || c == 0x2E || c == 0x5F || c == 0x2D
        }
    }
}

/// A member's signature over the subject of an entry it did not author (a membership change,
/// a revocation, a result). Spec: protocols/ledger.md#endorsements.
public struct Endorsement: Hashable, Sendable, WireCodable {
    /// The endorsing member's name.
    public var signer: String
    /// Ed25519 over ``LedgerEntry/endorsementMessage(kind:logID:subject:)``.
    public var signature: [UInt8]

    /// An endorsement.
    /// - Parameters:
    ///   - signer: The member's name.
    ///   - signature: Its 64-byte signature.
    public init(signer: String, signature: [UInt8]) {
        self.signer = signer
        self.signature = signature
    }

    /// Encodes as `string signer ‖ bytes[64] signature`.
    /// - Parameter writer: The writer.
    public func encode(to writer: inout WireWriter) {
        writer.writeString(signer)
        writer.writeRawBytes(signature)
    }

    /// Decodes an endorsement.
    /// - Parameter reader: The reader.
    /// - Throws: `truncated`, `invalidValue`.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        signer = try reader.readString()
        signature = try reader.readRawBytes(count: Ed25519.signatureByteCount)
    }

    /// 4 + 64.
    public static var minimumWireByteCount: Int { 68 }
}

extension Ed25519.PublicKey {
    static func fromWire(_ raw: [UInt8]) throws(WireFormatError) -> Ed25519.PublicKey {
        do {
            return try Ed25519.PublicKey(rawRepresentation: raw)
        } catch {
            throw .invalidValue("Ed25519 public key must be 32 bytes")
        }
    }
}

extension WireWriter {
    /// `u8 0` or `u8 1 ‖ bytes[32]`.
    mutating func writeOptionalHash(_ value: LedgerHash?) {
        if let value {
            writeUInt8(1)
            writeRawBytes(value.bytes)
        } else {
            writeUInt8(0)
        }
    }
}

extension WireWriter {
    /// `array<string>`: `u32 count ‖ count × string`.
    mutating func writeStrings(_ values: [String]) {
        writeUInt32(UInt32(values.count))
        for value in values { writeString(value) }
    }
}

extension WireReader {
    /// `array<string>`, its count bounded by the reader's element limit.
    mutating func readStrings() throws(WireFormatError) -> [String] {
        let count = try readLength(limit: limits.maxElementCount, unitSize: 4)
        var values: [String] = []
        for _ in 0..<count { values.append(try readString()) }
        return values
    }

    /// `u8 0` or `u8 1 ‖ bytes[32]`; any other flag is non-canonical.
    mutating func readOptionalHash() throws(WireFormatError) -> LedgerHash? {
        switch try readUInt8() {
        case 0: return nil
        case 1: return try LedgerHash(from: &self)
        default: throw .invalidValue("optional flag must be 0x00 or 0x01")
        }
    }
}
