public import CryptoPrimitives
public import WireFormat

/// One entry of the consortium ledger, before its author's signature.
///
/// Wire body (protocols/ledger.md#entry-encoding):
/// `u16 kind ‖ u64 sequence ‖ bytes[32] logID ‖ bytes[32] previousRoot ‖ u64 timestamp ‖
/// string author ‖ payload`. The author signs
/// `"covenant.ledger.entry.v1" ‖ 0x00 ‖ body`; the signed entry is `body ‖ bytes[64] signature`,
/// and its Merkle leaf is `SHA-256(0x00 ‖ signed entry)` [RFC9162 §2.1.1].
public struct LedgerEntry: Hashable, Sendable {
    /// The entry kinds and their `u16` codes. Spec: protocols/ledger.md#entry-kinds.
    public enum Kind: UInt16, Sendable, CaseIterable, Codable {
        /// ``Genesis``.
        case genesis = 0x0001
        /// ``MemberAddition``.
        case memberAdded = 0x0002
        /// ``MemberRemoval``.
        case memberRemoved = 0x0003
        /// ``ContractRoleChange``.
        case contractRolesChanged = 0x0004
        /// ``KeyCeremony``.
        case keyCeremony = 0x0010
        /// ``ContractProposal``.
        case contractProposed = 0x0020
        /// A contract version id.
        case contractApproved = 0x0021
        /// A contract version id.
        case contractActivated = 0x0022
        /// ``ContractRevocation``.
        case contractRevoked = 0x0023
        /// ``RunStart``.
        case runStarted = 0x0030
        /// ``InputCommitment``.
        case inputCommitted = 0x0031
        /// ``ResultPublication``.
        case resultPublished = 0x0032
        /// ``RunAbort``.
        case runAborted = 0x0033
        /// Scheme evidence that lets anyone re-check a run's decryption (paillier: every
        /// contributor's ciphertexts and the batch decryption proofs).
        case decryptionEvidence = 0x0034

        /// `contract-approved` and so on.
        public var name: String {
            switch self {
            case .genesis: "genesis"
            case .memberAdded: "member-added"
            case .memberRemoved: "member-removed"
            case .contractRolesChanged: "contract-roles-changed"
            case .keyCeremony: "key-ceremony"
            case .contractProposed: "contract-proposed"
            case .contractApproved: "contract-approved"
            case .contractActivated: "contract-activated"
            case .contractRevoked: "contract-revoked"
            case .runStarted: "run-started"
            case .inputCommitted: "input-committed"
            case .resultPublished: "result-published"
            case .runAborted: "run-aborted"
            case .decryptionEvidence: "decryption-evidence"
            }
        }
    }

    /// What the entry records.
    public enum Payload: Hashable, Sendable {
        /// Founds the consortium.
        case genesis(Genesis)
        /// Adds a member (quorum-endorsed).
        case memberAdded(MemberAddition)
        /// Removes a member (quorum-endorsed).
        case memberRemoved(MemberRemoval)
        /// Changes a member's contract roles (quorum-endorsed).
        case contractRolesChanged(ContractRoleChange)
        /// Records a key ceremony.
        case keyCeremony(KeyCeremony)
        /// Proposes a contract version.
        case contractProposed(ContractProposal)
        /// One voting member's approval of a version.
        case contractApproved(versionID: LedgerHash)
        /// Activates a version that has a quorum of approvals.
        case contractActivated(versionID: LedgerHash)
        /// Revokes a version (quorum-endorsed).
        case contractRevoked(ContractRevocation)
        /// Starts a run.
        case runStarted(RunStart)
        /// A participant's input commitment.
        case inputCommitted(InputCommitment)
        /// A run's result.
        case resultPublished(ResultPublication)
        /// Aborts a run.
        case runAborted(RunAbort)
        /// Decryption evidence of a run.
        case decryptionEvidence(DecryptionEvidence)

        /// The payload's kind.
        public var kind: Kind {
            switch self {
            case .genesis: .genesis
            case .memberAdded: .memberAdded
            case .memberRemoved: .memberRemoved
            case .contractRolesChanged: .contractRolesChanged
            case .keyCeremony: .keyCeremony
            case .contractProposed: .contractProposed
            case .contractApproved: .contractApproved
            case .contractActivated: .contractActivated
            case .contractRevoked: .contractRevoked
            case .runStarted: .runStarted
            case .inputCommitted: .inputCommitted
            case .resultPublished: .resultPublished
            case .runAborted: .runAborted
            case .decryptionEvidence: .decryptionEvidence
            }
        }
    }

    /// The entry's position in the log (0 for genesis).
    public var sequence: UInt64
    /// The log id (the genesis entry's leaf hash); zero in the genesis entry itself.
    public var logID: LedgerHash
    /// The root of the log's first ``sequence`` entries (`MTH({})` for genesis): the author
    /// attests the whole history it appends to.
    public var previousRoot: LedgerHash
    /// Milliseconds since the Unix epoch, as claimed by the author; never decreasing.
    public var timestamp: UInt64
    /// The author's member name.
    public var author: String
    /// What the entry records.
    public var payload: Payload

    /// An entry.
    /// - Parameters:
    ///   - sequence: Its position.
    ///   - logID: The log id.
    ///   - previousRoot: The root before it.
    ///   - timestamp: Milliseconds since the epoch.
    ///   - author: The author's name.
    ///   - payload: The content.
    public init(
        sequence: UInt64, logID: LedgerHash, previousRoot: LedgerHash, timestamp: UInt64, author: String,
        payload: Payload
    ) {
        self.sequence = sequence
        self.logID = logID
        self.previousRoot = previousRoot
        self.timestamp = timestamp
        self.author = author
        self.payload = payload
    }

    /// The entry's kind.
    public var kind: Kind { payload.kind }

    /// The canonical body encoding (what the author signs, after the domain prefix).
    public var body: [UInt8] {
        var writer = WireWriter(reservingCapacity: 256)
        encodeBody(to: &writer)
        return writer.bytes
    }

    func encodeBody(to writer: inout WireWriter) {
        writer.writeUInt16(kind.rawValue)
        writer.writeUInt64(sequence)
        writer.write(logID)
        writer.write(previousRoot)
        writer.writeUInt64(timestamp)
        writer.writeString(author)
        switch payload {
        case .genesis(let p): writer.write(p)
        case .memberAdded(let p): writer.write(p)
        case .memberRemoved(let p): writer.write(p)
        case .contractRolesChanged(let p): writer.write(p)
        case .keyCeremony(let p): writer.write(p)
        case .contractProposed(let p): writer.write(p)
        case .contractApproved(let id), .contractActivated(let id): writer.write(id)
        case .contractRevoked(let p): writer.write(p)
        case .runStarted(let p): writer.write(p)
        case .inputCommitted(let p): writer.write(p)
        case .resultPublished(let p): writer.write(p)
        case .runAborted(let p): writer.write(p)
        case .decryptionEvidence(let p): writer.write(p)
        }
    }

    init(bodyFrom reader: inout WireReader) throws(WireFormatError) {
        let rawKind = try reader.readUInt16()
        guard let kind = Kind(rawValue: rawKind) else { throw .invalidValue("unknown ledger entry kind") }
        sequence = try reader.readUInt64()
        logID = try LedgerHash(from: &reader)
        previousRoot = try LedgerHash(from: &reader)
        timestamp = try reader.readUInt64()
        author = try reader.readString()
        switch kind {
        case .genesis: payload = .genesis(try Genesis(from: &reader))
        case .memberAdded: payload = .memberAdded(try MemberAddition(from: &reader))
        case .memberRemoved: payload = .memberRemoved(try MemberRemoval(from: &reader))
        case .contractRolesChanged: payload = .contractRolesChanged(try ContractRoleChange(from: &reader))
        case .keyCeremony: payload = .keyCeremony(try KeyCeremony(from: &reader))
        case .contractProposed: payload = .contractProposed(try ContractProposal(from: &reader))
        case .contractApproved: payload = .contractApproved(versionID: try LedgerHash(from: &reader))
        case .contractActivated: payload = .contractActivated(versionID: try LedgerHash(from: &reader))
        case .contractRevoked: payload = .contractRevoked(try ContractRevocation(from: &reader))
        case .runStarted: payload = .runStarted(try RunStart(from: &reader))
        case .inputCommitted: payload = .inputCommitted(try InputCommitment(from: &reader))
        case .resultPublished: payload = .resultPublished(try ResultPublication(from: &reader))
        case .runAborted: payload = .runAborted(try RunAbort(from: &reader))
        case .decryptionEvidence: payload = .decryptionEvidence(try DecryptionEvidence(from: &reader))
        }
    }

    /// The domain-separated message the author signs.
    public var signedMessage: [UInt8] {
        var writer = WireWriter(reservingCapacity: 300)
        writer.writeRawBytes(Self.entryDomain)
        encodeBody(to: &writer)
        return writer.bytes
    }

    /// Signs the entry.
    /// - Parameter key: The author's private key.
    /// - Returns: The signed entry.
    public func signed(with key: Ed25519.PrivateKey) -> SignedEntry {
        SignedEntry(entry: self, signature: key.signature(for: signedMessage))
    }

    /// The part of an endorsed payload that endorsers sign (everything but the endorsements),
    /// or nil for kinds without endorsements.
    public var endorsementSubject: [UInt8]? {
        let endorsed: (any EndorsedPayload)?
        switch payload {
        case .memberAdded(let p): endorsed = p
        case .memberRemoved(let p): endorsed = p
        case .contractRolesChanged(let p): endorsed = p
        case .contractRevoked(let p): endorsed = p
        case .resultPublished(let p): endorsed = p
        default: endorsed = nil
        }
        guard let endorsed else { return nil }
        var writer = WireWriter()
        endorsed.encodeSubject(to: &writer)
        return Self.endorsementMessage(kind: kind, logID: logID, subject: writer.bytes)
    }

    /// `"covenant.ledger.endorsement.v1" ‖ 0x00 ‖ bytes[32] logID ‖ u16 kind ‖ subject`.
    /// - Parameters:
    ///   - kind: The entry kind.
    ///   - logID: The log id.
    ///   - subject: The payload without its endorsements.
    /// - Returns: The message each endorser signs.
    public static func endorsementMessage(kind: Kind, logID: LedgerHash, subject: [UInt8]) -> [UInt8] {
        var writer = WireWriter(reservingCapacity: subject.count + 70)
        writer.writeRawBytes(endorsementDomain)
        writer.write(logID)
        writer.writeUInt16(kind.rawValue)
        writer.writeRawBytes(subject)
        return writer.bytes
    }

    /// Produces `name`'s endorsement of this entry's subject.
    /// - Parameters:
    ///   - name: The endorsing member.
    ///   - key: Its private key.
    /// - Returns: The endorsement.
    /// - Precondition: the payload kind takes endorsements (a programmer error otherwise).
    public func endorsement(by name: String, key: Ed25519.PrivateKey) -> Endorsement {
        guard let message = endorsementSubject else {
            preconditionFailure("\(kind.name) entries carry no endorsements")
        }
        return Endorsement(signer: name, signature: key.signature(for: message))
    }

    static let entryDomain: [UInt8] = Array("covenant.ledger.entry.v1".utf8) + [0]
    static let endorsementDomain: [UInt8] = Array("covenant.ledger.endorsement.v1".utf8) + [0]
}

/// A ledger entry with its author's Ed25519 signature: the leaf data of the Merkle log.
public struct SignedEntry: Hashable, Sendable, WireCodable {
    /// The registered envelope tag (protocols/wire-format.md#type-tag-registry).
    public static let wireTag: UInt16 = 0x0401

    /// The entry.
    public var entry: LedgerEntry
    /// The author's 64-byte signature over ``LedgerEntry/signedMessage``.
    public var signature: [UInt8]

    /// A signed entry.
    /// - Parameters:
    ///   - entry: The entry.
    ///   - signature: The signature.
    public init(entry: LedgerEntry, signature: [UInt8]) {
        self.entry = entry
        self.signature = signature
    }

    /// Encodes as `body ‖ bytes[64] signature`.
    /// - Parameter writer: The writer.
    public func encode(to writer: inout WireWriter) {
        entry.encodeBody(to: &writer)
        writer.writeRawBytes(signature)
    }

    /// Decodes a signed entry.
    /// - Parameter reader: The reader.
    /// - Throws: A ``WireFormatError``.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        entry = try LedgerEntry(bodyFrom: &reader)
        signature = try reader.readRawBytes(count: Ed25519.signatureByteCount)
    }

    /// The canonical encoding (the Merkle leaf data).
    public var encoded: [UInt8] { wireEncoded() }

    /// Decodes a complete stored encoding, mapping failures to ``LedgerError``.
    /// - Parameters:
    ///   - bytes: The encoding.
    ///   - index: The entry's position, for the error's location.
    /// - Returns: The entry.
    /// - Throws: `malformedEncoding` with the wire error as cause.
    public static func decode(_ bytes: [UInt8], at index: UInt64) throws -> SignedEntry {
        do {
            return try SignedEntry(wireEncoded: bytes)
        } catch {
            throw LedgerError.entry(.malformedEncoding, index, "entry \(index) does not decode: \(error)", cause: error)
        }
    }
}
