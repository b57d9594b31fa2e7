public import WireFormat

// The payload of each entry kind. Field order is the wire order (protocols/ledger.md#entry-kinds).

/// Founds the consortium: its name, members and quorum. Entry 0, and only entry 0.
public struct Genesis: Hashable, Sendable {
    /// A human-readable consortium name.
    public var consortium: String
    /// 16 random bytes, so two consortia with the same members never share a log id.
    public var nonce: [UInt8]
    /// The founding members.
    public var members: [Member]
    /// The number of distinct voting members whose approval is required.
    public var quorum: UInt32

    /// A genesis payload.
    /// - Parameters:
    ///   - consortium: The consortium's name.
    ///   - nonce: 16 random bytes.
    ///   - members: The founding members.
    ///   - quorum: The approval quorum.
    public init(consortium: String, nonce: [UInt8], members: [Member], quorum: UInt32) {
        self.consortium = consortium
        self.nonce = nonce
        self.members = members
        self.quorum = quorum
    }
}

/// Adds a member; endorsed by a quorum of the voting members before the change.
public struct MemberAddition: Hashable, Sendable {
    /// The new member.
    public var member: Member
    /// The quorum after the change.
    public var quorumAfter: UInt32
    /// ``ConsortiumState/membershipDigest`` of the state it changes (rule L5): endorsements of
    /// it are good for that membership only, so they cannot be replayed once it moved on.
    public var basis: LedgerHash
    /// Quorum endorsements over ``LedgerEntry/endorsementSubject``.
    public var endorsements: [Endorsement]

    /// An addition.
    /// - Parameters:
    ///   - member: The new member.
    ///   - quorumAfter: The quorum afterwards.
    ///   - basis: The membership digest of the state it changes.
    ///   - endorsements: The voting members' endorsements.
    public init(member: Member, quorumAfter: UInt32, basis: LedgerHash, endorsements: [Endorsement] = []) {
        self.member = member
        self.quorumAfter = quorumAfter
        self.basis = basis
        self.endorsements = endorsements
    }
}

/// Removes a member; endorsed by a quorum of the voting members before the change.
public struct MemberRemoval: Hashable, Sendable {
    /// The member to remove.
    public var name: String
    /// The quorum after the change.
    public var quorumAfter: UInt32
    /// ``ConsortiumState/membershipDigest`` of the state it changes (rule L5).
    public var basis: LedgerHash
    /// Quorum endorsements.
    public var endorsements: [Endorsement]

    /// A removal.
    /// - Parameters:
    ///   - name: The member's name.
    ///   - quorumAfter: The quorum afterwards.
    ///   - basis: The membership digest of the state it changes.
    ///   - endorsements: The voting members' endorsements.
    public init(name: String, quorumAfter: UInt32, basis: LedgerHash, endorsements: [Endorsement] = []) {
        self.name = name
        self.quorumAfter = quorumAfter
        self.basis = basis
        self.endorsements = endorsements
    }
}

/// Gives a current member other contract roles (replacing its list); endorsed by a quorum of the
/// voting members, like a membership change (rule L5). Spec: protocols/ledger.md#members-and-roles.
public struct ContractRoleChange: Hashable, Sendable {
    /// The member whose roles change.
    public var member: String
    /// Its contract roles from this entry on: distinct valid names, ascending.
    public var contractRoles: [String]
    /// ``ConsortiumState/membershipDigest`` of the state it changes (rule L5).
    public var basis: LedgerHash
    /// Quorum endorsements over ``LedgerEntry/endorsementSubject``.
    public var endorsements: [Endorsement]

    /// A change of a member's contract roles.
    /// - Parameters:
    ///   - member: The member.
    ///   - contractRoles: Its roles afterwards (kept distinct and sorted).
    ///   - basis: The membership digest of the state it changes.
    ///   - endorsements: The voting members' endorsements.
    public init(member: String, contractRoles: some Sequence<String>, basis: LedgerHash, endorsements: [Endorsement] = []) {
        self.member = member
        self.contractRoles = Set(contractRoles).sorted()
        self.basis = basis
        self.endorsements = endorsements
    }
}

/// Records a key ceremony: an encoded threshold public key and its verification keys, opaque
/// to the ledger (for Paillier: `Paillier.ThresholdPublicKey`, wire tag 0x0103).
public struct KeyCeremony: Hashable, Sendable {
    /// `paillier-threshold`, or another scheme name.
    public var scheme: String
    /// The encoded public key.
    public var publicKey: [UInt8]
    /// The encoded verification keys, one per key holder.
    public var verificationKeys: [[UInt8]]
    /// The key holders by name: share `i` is `holders[i − 1]`'s, and a run under this ceremony
    /// lists them first, in this order (rule L10).
    public var holders: [String]

    /// A ceremony record.
    /// - Parameters:
    ///   - scheme: The scheme's name.
    ///   - publicKey: The encoded public key.
    ///   - verificationKeys: The encoded verification keys.
    ///   - holders: The key holders, one per verification key, in share order.
    public init(scheme: String, publicKey: [UInt8], verificationKeys: [[UInt8]], holders: [String] = []) {
        self.scheme = scheme
        self.publicKey = publicKey
        self.verificationKeys = verificationKeys
        self.holders = holders
    }

    /// The ceremony id runs refer to: SHA-256 of this payload's encoding.
    public var ceremonyID: LedgerHash {
        var writer = WireWriter()
        encode(to: &writer)
        return LedgerHash.sha256(writer.bytes)
    }
}

/// Proposes a contract version (Fabric-style lifecycle [ABB+18]).
public struct ContractProposal: Hashable, Sendable {
    /// The contract version id computed by the contract compiler (opaque here).
    public var versionID: LedgerHash
    /// The contract's name; an upgrade keeps the name.
    public var name: String
    /// The canonical contract source.
    public var source: [UInt8]
    /// The version this one upgrades, which must be active.
    public var predecessor: LedgerHash?

    /// A proposal.
    /// - Parameters:
    ///   - versionID: The version id.
    ///   - name: The contract's name.
    ///   - source: The canonical source bytes.
    ///   - predecessor: The upgraded version, if any.
    public init(versionID: LedgerHash, name: String, source: [UInt8], predecessor: LedgerHash? = nil) {
        self.versionID = versionID
        self.name = name
        self.source = source
        self.predecessor = predecessor
    }
}

/// Revokes a contract version; endorsed by a quorum.
public struct ContractRevocation: Hashable, Sendable {
    /// The revoked version.
    public var versionID: LedgerHash
    /// Why.
    public var reason: String
    /// Quorum endorsements.
    public var endorsements: [Endorsement]

    /// A revocation.
    /// - Parameters:
    ///   - versionID: The version.
    ///   - reason: Why.
    ///   - endorsements: The voting members' endorsements.
    public init(versionID: LedgerHash, reason: String, endorsements: [Endorsement] = []) {
        self.versionID = versionID
        self.reason = reason
        self.endorsements = endorsements
    }
}

/// Starts a run of an active contract version.
public struct RunStart: Hashable, Sendable {
    /// A fresh run id.
    public var runID: LedgerHash
    /// The active contract version.
    public var versionID: LedgerHash
    /// The hash of the joint circuit.
    public var circuitHash: LedgerHash
    /// `additive`, `secagg`, `paillier`, …
    public var protocolName: String
    /// The key ceremony a Paillier run uses.
    public var keyCeremony: LedgerHash?
    /// The participating members, distinct, each with the participant role.
    public var participants: [String]
    /// The fewest members whose committed inputs a result may rest on: the contract's
    /// `require participants`, and never fewer than 2 (rule L12 refuses a result with fewer).
    public var minimumContributors: UInt32

    /// The floor of ``minimumContributors``: a result of one member's data is that member's data.
    public static let leastContributors: UInt32 = 2

    /// A run start.
    /// - Parameters:
    ///   - runID: A fresh id.
    ///   - versionID: The active version.
    ///   - circuitHash: The circuit's hash.
    ///   - protocolName: The protocol.
    ///   - keyCeremony: The key ceremony, for Paillier.
    ///   - participants: The participants.
    ///   - minimumContributors: The contract's minimum of contributors (at least 2).
    public init(
        runID: LedgerHash, versionID: LedgerHash, circuitHash: LedgerHash, protocolName: String,
        keyCeremony: LedgerHash? = nil, participants: [String], minimumContributors: UInt32 = RunStart.leastContributors
    ) {
        self.minimumContributors = minimumContributors
        self.runID = runID
        self.versionID = versionID
        self.circuitHash = circuitHash
        self.protocolName = protocolName
        self.keyCeremony = keyCeremony
        self.participants = participants
    }
}

/// A participant's commitment to its input, before the joint computation.
public struct InputCommitment: Hashable, Sendable {
    /// The run.
    public var runID: LedgerHash
    /// The commitment (e.g. `HashCommitment` of the encoded aggregate vector).
    public var commitment: LedgerHash

    /// A commitment.
    /// - Parameters:
    ///   - runID: The run.
    ///   - commitment: The commitment value.
    public init(runID: LedgerHash, commitment: LedgerHash) {
        self.runID = runID
        self.commitment = commitment
    }
}

/// The outcome of a run, signed by its participants.
public struct ResultPublication: Hashable, Sendable {
    /// The run.
    public var runID: LedgerHash
    /// A commitment to the full result, including values revealed only to some members.
    public var resultHash: LedgerHash
    /// The canonical encoding of the values revealed to all members.
    public var revealedValues: [UInt8]
    /// ``ResultPublication/hashRevealedValues(_:)`` of ``revealedValues``; the auditor recomputes it.
    public var revealedHash: LedgerHash
    /// The hash of the protocol transcript.
    public var transcriptHash: LedgerHash
    /// The members whose committed inputs the result counts, in ascending order (rule L12,
    /// protocols/ledger.md#lifecycle-rules).
    public var contributors: [String]
    /// The contributors' endorsements over ``LedgerEntry/endorsementSubject``: each says "I
    /// recomputed these values from the output I received" (protocols/runtime.md#endorsements).
    public var endorsements: [Endorsement]
    /// To whom the run's views went, per recipient the contract names other than `all` (whose
    /// values are ``revealedValues``), in ascending order of the recipient: the members the
    /// ledger designates at this entry (rule L15, protocols/ledger.md#lifecycle-rules).
    public var recipients: [ViewRecipients]

    /// A result.
    /// - Parameters:
    ///   - runID: The run.
    ///   - resultHash: The full result's commitment.
    ///   - revealedValues: The public values.
    ///   - revealedHash: Their hash; defaults to the correct one.
    ///   - transcriptHash: The transcript's hash.
    ///   - contributors: The members whose inputs the result counts (sorted here).
    ///   - recipients: The members each view went to (sorted here by recipient).
    ///   - endorsements: The contributors' signatures.
    public init(
        runID: LedgerHash, resultHash: LedgerHash, revealedValues: [UInt8], revealedHash: LedgerHash? = nil,
        transcriptHash: LedgerHash, contributors: [String], recipients: [ViewRecipients] = [], endorsements: [Endorsement] = []
    ) {
        self.runID = runID
        self.resultHash = resultHash
        self.revealedValues = revealedValues
        self.revealedHash = revealedHash ?? Self.hashRevealedValues(revealedValues)
        self.transcriptHash = transcriptHash
        self.contributors = contributors.sorted()
        self.recipients = recipients.sorted { $0.recipient < $1.recipient }
        self.endorsements = endorsements
    }

    /// ``recipients`` as recipient → members, for readers.
    public var recipientMap: [String: [String]] {
        Dictionary(recipients.map { ($0.recipient, $0.members) }, uniquingKeysWith: { first, _ in first })
    }

    /// `SHA-256("covenant.ledger.revealed.v1" ‖ 0x00 ‖ u32 length ‖ values)`.
    /// - Parameter values: The revealed values' encoding.
    /// - Returns: The hash recorded as ``revealedHash``.
    public static func hashRevealedValues(_ values: [UInt8]) -> LedgerHash {
        var writer = WireWriter(reservingCapacity: values.count + 40)
        writer.writeRawBytes(Array("covenant.ledger.revealed.v1".utf8))
        writer.writeUInt8(0)
        writer.writeByteString(values)
        return LedgerHash.sha256(writer.bytes)
    }
}

/// The members one view of a run's result went to: a recipient in the contract's spelling
/// (`member "x"` or `role "y"`) and the members it designated. Spec: protocols/ledger.md#entry-kinds.
public struct ViewRecipients: Hashable, Sendable, WireCodable {
    /// The recipient as the contract spells it (`member "x"`, `role "y"`; never `all`).
    public var recipient: String
    /// The members that received it, in ascending order.
    public var members: [String]

    /// A view's recipients.
    /// - Parameters:
    ///   - recipient: The contract's recipient.
    ///   - members: The members it designated (sorted here).
    public init(recipient: String, members: [String]) {
        self.recipient = recipient
        self.members = members.sorted()
    }

    /// Encodes as `string recipient ‖ array<string> members`.
    /// - Parameter writer: The writer.
    public func encode(to writer: inout WireWriter) {
        writer.writeString(recipient)
        writer.writeStrings(members)
    }

    /// Decodes a view's recipients.
    /// - Parameter reader: The reader.
    /// - Throws: `truncated`, `invalidValue`.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        recipient = try reader.readString()
        members = try reader.readStrings()
    }

    /// 4 + 4.
    public static var minimumWireByteCount: Int { 8 }

    /// Whether `recipient` is one a result may record: `member "x"` or `role "x"` with `x` a
    /// valid name (``Member/isValidName(_:)``); any other spelling designates no member.
    /// - Parameter recipient: The contract's spelling.
    /// - Returns: True if it is well-formed.
    public static func isRecordable(_ recipient: String) -> Bool {
        for prefix in ["member \"", "role \""] where recipient.hasPrefix(prefix) && recipient.hasSuffix("\"") {
            let name = recipient.dropFirst(prefix.count).dropLast()
            return recipient.count > prefix.count && Member.isValidName(String(name))
        }
        return false
    }
}

/// Ends a run without a result.
public struct RunAbort: Hashable, Sendable {
    /// The run.
    public var runID: LedgerHash
    /// Why it was aborted.
    public var reason: String

    /// An abort.
    /// - Parameters:
    ///   - runID: The run.
    ///   - reason: Why.
    public init(runID: LedgerHash, reason: String) {
        self.runID = runID
        self.reason = reason
    }
}

/// Evidence with which anyone can re-check a run's decryption, opaque to the ledger (for
/// paillier: `PaillierAggregationEvidence`, every contributor's ciphertexts and the decryptors'
/// batch proofs; protocols/paillier-aggregation.md#evidence). Recorded before the result.
public struct DecryptionEvidence: Hashable, Sendable {
    /// The run.
    public var runID: LedgerHash
    /// SHA-256 of the scheme's encoding of the evidence. The evidence itself is kept off the
    /// ledger (it would let any ledger reader recompute sums the contract withholds) and given
    /// to an auditor, who checks it against this digest (protocols/ledger.md#decryption-evidence).
    public var digest: LedgerHash
    /// The evidence's length in bytes.
    public var size: UInt64

    /// A record of evidence kept off the ledger.
    /// - Parameters:
    ///   - runID: The run.
    ///   - evidence: The encoded evidence (only its digest and size are recorded).
    public init(runID: LedgerHash, evidence: [UInt8]) {
        self.runID = runID
        self.digest = LedgerHash.sha256(evidence)
        self.size = UInt64(evidence.count)
    }

    /// Whether `evidence` is the evidence this record commits to.
    /// - Parameter evidence: Bytes given to an auditor.
    /// - Returns: True when digest and size match.
    public func matches(_ evidence: [UInt8]) -> Bool {
        UInt64(evidence.count) == size && LedgerHash.sha256(evidence) == digest
    }
}

// MARK: - Encodings

/// A payload that members other than its author endorse: its encoding is its subject (what the
/// endorsers sign, ``LedgerEntry/endorsementSubject``) followed by `array<Endorsement>`.
public protocol EndorsedPayload: WireCodable {
    /// The endorsements over the subject.
    var endorsements: [Endorsement] { get }
    /// Writes the subject: the payload without its endorsements.
    /// - Parameter writer: The writer.
    func encodeSubject(to writer: inout WireWriter)
}

extension EndorsedPayload {
    /// `subject ‖ array<Endorsement>`.
    /// - Parameter writer: The writer.
    public func encode(to writer: inout WireWriter) {
        encodeSubject(to: &writer)
        writer.write(endorsements)
    }
}

extension Genesis: WireCodable {
    /// `string consortium ‖ bytes[16] nonce ‖ array<Member> ‖ u32 quorum`.
    /// - Parameter writer: The writer.
    public func encode(to writer: inout WireWriter) {
        writer.writeString(consortium)
        writer.writeRawBytes(nonce)
        writer.write(members)
        writer.writeUInt32(quorum)
    }
    /// Decodes a genesis payload.
    /// - Parameter reader: The reader.
    /// - Throws: A ``WireFormatError``.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        consortium = try reader.readString()
        nonce = try reader.readRawBytes(count: 16)
        members = try reader.read([Member].self)
        quorum = try reader.readUInt32()
    }
}

extension MemberAddition: EndorsedPayload {
    /// `Member ‖ u32 quorumAfter ‖ bytes[32] basis ‖ array<Endorsement>`.
    /// - Parameter writer: The writer (the subject only; ``EndorsedPayload`` appends the endorsements).
    public func encodeSubject(to writer: inout WireWriter) {
        writer.write(member)
        writer.writeUInt32(quorumAfter)
        writer.write(basis)
    }
    /// Decodes an addition.
    /// - Parameter reader: The reader.
    /// - Throws: A ``WireFormatError``.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        member = try Member(from: &reader)
        quorumAfter = try reader.readUInt32()
        basis = try reader.read(LedgerHash.self)
        endorsements = try reader.read([Endorsement].self)
    }
}

extension MemberRemoval: EndorsedPayload {
    /// `string name ‖ u32 quorumAfter ‖ bytes[32] basis ‖ array<Endorsement>`.
    /// - Parameter writer: The writer (the subject only; ``EndorsedPayload`` appends the endorsements).
    public func encodeSubject(to writer: inout WireWriter) {
        writer.writeString(name)
        writer.writeUInt32(quorumAfter)
        writer.write(basis)
    }
    /// Decodes a removal.
    /// - Parameter reader: The reader.
    /// - Throws: A ``WireFormatError``.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        name = try reader.readString()
        quorumAfter = try reader.readUInt32()
        basis = try reader.read(LedgerHash.self)
        endorsements = try reader.read([Endorsement].self)
    }
}

extension ContractRoleChange: EndorsedPayload {
    /// `string member ‖ array<string> contractRoles ‖ bytes[32] basis ‖ array<Endorsement>`.
    /// - Parameter writer: The writer (the subject only; ``EndorsedPayload`` appends the endorsements).
    public func encodeSubject(to writer: inout WireWriter) {
        writer.writeString(member)
        writer.writeStrings(contractRoles)
        writer.write(basis)
    }
    /// Decodes a change of contract roles.
    /// - Parameter reader: The reader.
    /// - Throws: A ``WireFormatError``.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        member = try reader.readString()
        contractRoles = try reader.readStrings()
        basis = try reader.read(LedgerHash.self)
        endorsements = try reader.read([Endorsement].self)
    }
}

extension KeyCeremony: WireCodable {
    /// `string scheme ‖ bytes publicKey ‖ array<bytes> verificationKeys ‖ array<string> holders`.
    /// - Parameter writer: The writer.
    public func encode(to writer: inout WireWriter) {
        writer.writeString(scheme)
        writer.writeByteString(publicKey)
        writer.writeUInt32(UInt32(verificationKeys.count))
        for key in verificationKeys { writer.writeByteString(key) }
        writer.writeStrings(holders)
    }
    /// Decodes a ceremony.
    /// - Parameter reader: The reader.
    /// - Throws: A ``WireFormatError``.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        scheme = try reader.readString()
        publicKey = try reader.readByteString()
        let count = try reader.readLength(limit: reader.limits.maxElementCount, unitSize: 4)
        var keys: [[UInt8]] = []
        for _ in 0..<count { keys.append(try reader.readByteString()) }
        verificationKeys = keys
        holders = try reader.readStrings()
    }
}

extension ContractProposal: WireCodable {
    /// `bytes[32] versionID ‖ string name ‖ bytes source ‖ optional<bytes[32]> predecessor`.
    /// - Parameter writer: The writer.
    public func encode(to writer: inout WireWriter) {
        writer.write(versionID)
        writer.writeString(name)
        writer.writeByteString(source)
        writer.writeOptionalHash(predecessor)
    }
    /// Decodes a proposal.
    /// - Parameter reader: The reader.
    /// - Throws: A ``WireFormatError``.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        versionID = try LedgerHash(from: &reader)
        name = try reader.readString()
        source = try reader.readByteString()
        predecessor = try reader.readOptionalHash()
    }
}

extension ContractRevocation: EndorsedPayload {
    /// `bytes[32] versionID ‖ string reason ‖ array<Endorsement>`.
    /// - Parameter writer: The writer (the subject only; ``EndorsedPayload`` appends the endorsements).
    public func encodeSubject(to writer: inout WireWriter) {
        writer.write(versionID)
        writer.writeString(reason)
    }
    /// Decodes a revocation.
    /// - Parameter reader: The reader.
    /// - Throws: A ``WireFormatError``.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        versionID = try LedgerHash(from: &reader)
        reason = try reader.readString()
        endorsements = try reader.read([Endorsement].self)
    }
}

extension RunStart: WireCodable {
    /// `bytes[32] runID ‖ bytes[32] versionID ‖ bytes[32] circuitHash ‖ string protocol ‖
    /// optional<bytes[32]> keyCeremony ‖ array<string> participants ‖ u32 minimumContributors`.
    /// - Parameter writer: The writer.
    public func encode(to writer: inout WireWriter) {
        writer.write(runID)
        writer.write(versionID)
        writer.write(circuitHash)
        writer.writeString(protocolName)
        writer.writeOptionalHash(keyCeremony)
        writer.writeStrings(participants)
        writer.writeUInt32(minimumContributors)
    }
    /// Decodes a run start.
    /// - Parameter reader: The reader.
    /// - Throws: A ``WireFormatError``.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        runID = try LedgerHash(from: &reader)
        versionID = try LedgerHash(from: &reader)
        circuitHash = try LedgerHash(from: &reader)
        protocolName = try reader.readString()
        keyCeremony = try reader.readOptionalHash()
        participants = try reader.readStrings()
        minimumContributors = try reader.readUInt32()
    }
}

extension InputCommitment: WireCodable {
    /// `bytes[32] runID ‖ bytes[32] commitment`.
    /// - Parameter writer: The writer.
    public func encode(to writer: inout WireWriter) {
        writer.write(runID)
        writer.write(commitment)
    }
    /// Decodes a commitment.
    /// - Parameter reader: The reader.
    /// - Throws: A ``WireFormatError``.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        runID = try LedgerHash(from: &reader)
        commitment = try LedgerHash(from: &reader)
    }
}

extension ResultPublication: EndorsedPayload {
    /// `bytes[32] runID ‖ bytes[32] resultHash ‖ bytes revealedValues ‖ bytes[32] revealedHash ‖
    /// bytes[32] transcriptHash ‖ array<string> contributors ‖ array<ViewRecipients> recipients ‖
    /// array<Endorsement>`; the endorsed subject is everything before the endorsements.
    /// - Parameter writer: The writer (the subject only; ``EndorsedPayload`` appends the endorsements).
    public func encodeSubject(to writer: inout WireWriter) {
        writer.write(runID)
        writer.write(resultHash)
        writer.writeByteString(revealedValues)
        writer.write(revealedHash)
        writer.write(transcriptHash)
        writer.writeStrings(contributors)
        writer.write(recipients)
    }
    /// Decodes a result.
    /// - Parameter reader: The reader.
    /// - Throws: A ``WireFormatError``.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        runID = try LedgerHash(from: &reader)
        resultHash = try LedgerHash(from: &reader)
        revealedValues = try reader.readByteString()
        revealedHash = try LedgerHash(from: &reader)
        transcriptHash = try LedgerHash(from: &reader)
        contributors = try reader.readStrings()
        recipients = try reader.read([ViewRecipients].self)
        endorsements = try reader.read([Endorsement].self)
    }
}

extension RunAbort: WireCodable {
    /// `bytes[32] runID ‖ string reason`.
    /// - Parameter writer: The writer.
    public func encode(to writer: inout WireWriter) {
        writer.write(runID)
        writer.writeString(reason)
    }
    /// Decodes an abort.
    /// - Parameter reader: The reader.
    /// - Throws: A ``WireFormatError``.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        runID = try LedgerHash(from: &reader)
        reason = try reader.readString()
    }
}

extension DecryptionEvidence: WireCodable {
    /// `bytes[32] runID ‖ bytes[32] digest ‖ u64 size`.
    /// - Parameter writer: The writer.
    public func encode(to writer: inout WireWriter) {
        writer.write(runID)
        writer.write(digest)
        writer.writeUInt64(size)
    }
    /// Decodes an evidence record.
    /// - Parameter reader: The reader.
    /// - Throws: A ``WireFormatError``.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        runID = try LedgerHash(from: &reader)
        digest = try LedgerHash(from: &reader)
        size = try reader.readUInt64()
    }
}
