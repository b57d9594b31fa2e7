import ConsortiumLedger
import CryptoPrimitives
import Foundation
import Runtime
import WireFormat

/// A consortium change a member's operator drafted on its node and that waits for the voting
/// members' endorsements (rules L5 and L9): a `contract-roles-changed`, `member-added`,
/// `member-removed` or `contract-revoked` entry's payload. Its id is SHA-256 of the endorsement message (``LedgerEntry/endorsementMessage(kind:logID:subject:)``),
/// so the id names exactly what each endorser signs. Spec: protocols/node.md#consortium-changes.
/// What the change payloads share: endorsements over their subject and, for a change of the
/// membership, the membership it was drafted against.
protocol ChangePayload: EndorsedPayload {
    /// The membership the change was drafted against, or nil for a change that does not depend
    /// on it (a revocation names its version, which is revoked once).
    var membershipBasis: LedgerHash? { get }
}

extension ContractRoleChange: ChangePayload { var membershipBasis: LedgerHash? { basis } }
extension MemberAddition: ChangePayload { var membershipBasis: LedgerHash? { basis } }
extension MemberRemoval: ChangePayload { var membershipBasis: LedgerHash? { basis } }
extension ContractRevocation: ChangePayload { var membershipBasis: LedgerHash? { nil } }

struct PendingChange: Sendable, Hashable {
    /// The change, its endorsements gathered so far inside.
    enum Change: Sendable, Hashable {
        case roles(ContractRoleChange)
        case addMember(MemberAddition)
        case removeMember(MemberRemoval)
        case revokeContract(ContractRevocation)
    }

    /// The change.
    var change: Change
    /// The member whose node holds the change and will author its entry.
    var proposer: String

    /// The payload, whichever change it is.
    private var body: any ChangePayload {
        switch change {
        case .roles(let change): change
        case .addMember(let addition): addition
        case .removeMember(let removal): removal
        case .revokeContract(let revocation): revocation
        }
    }

    /// The membership a membership or roles change was drafted against
    /// (``ConsortiumState/membershipDigest``), part of what endorsers sign: such a change is stale
    /// once the members, their keys, roles or the quorum moved on, and the ledger refuses it then
    /// (rule L5). Nil for a revocation.
    var basis: LedgerHash? { body.membershipBasis }

    var payload: LedgerEntry.Payload {
        switch change {
        case .roles(let change): .contractRolesChanged(change)
        case .addMember(let addition): .memberAdded(addition)
        case .removeMember(let removal): .memberRemoved(removal)
        case .revokeContract(let revocation): .contractRevoked(revocation)
        }
    }

    var kind: LedgerEntry.Kind { payload.kind }

    var endorsements: [Endorsement] { body.endorsements }

    /// The payload without its endorsements.
    var subject: [UInt8] {
        var writer = WireWriter()
        body.encodeSubject(to: &writer)
        return writer.bytes
    }

    /// What each endorser signs, in the consortium of log `logID`.
    func endorsementMessage(logID: LedgerHash) -> [UInt8] {
        LedgerEntry.endorsementMessage(kind: kind, logID: logID, subject: subject)
    }

    /// The change's id: SHA-256 of its endorsement message.
    func id(logID: LedgerHash) -> LedgerHash { .sha256(endorsementMessage(logID: logID)) }

    /// The change with `endorsement` added.
    func adding(_ endorsement: Endorsement) -> PendingChange { withEndorsements { $0 + [endorsement] } }

    /// The change with only the endorsements of `signers` (those that still verify on a replica).
    func keeping(_ signers: Set<String>) -> PendingChange { withEndorsements { $0.filter { signers.contains($0.signer) } } }

    private func withEndorsements(_ transform: ([Endorsement]) -> [Endorsement]) -> PendingChange {
        var copy = self
        switch change {
        case .roles(var change):
            change.endorsements = transform(change.endorsements)
            copy.change = .roles(change)
        case .addMember(var addition):
            addition.endorsements = transform(addition.endorsements)
            copy.change = .addMember(addition)
        case .removeMember(var removal):
            removal.endorsements = transform(removal.endorsements)
            copy.change = .removeMember(removal)
        case .revokeContract(var revocation):
            revocation.endorsements = transform(revocation.endorsements)
            copy.change = .revokeContract(revocation)
        }
        return copy
    }

    /// Refuses the change unless the replica's `state` still admits it: a membership or roles
    /// change drafted against this membership and valid under rule L5 (a current member whose
    /// roles it changes, or a new member with a fresh name and key and a quorum the voting members
    /// after it can reach), a revocation of a version that is proposed or active (rule L9).
    /// - Throws: ``RuntimeError`` `changeRefused` saying what is wrong.
    func check(against state: ConsortiumState) throws {
        if let basis, state.membershipDigest != basis {
            throw RuntimeError(
                .changeRefused,
                "the consortium's members, roles or quorum changed on the ledger since this change was drafted; it is stale: draft it again")
        }
        switch change {
        case .roles(let change):
            guard let member = state.members[change.member] else {
                throw RuntimeError(.changeRefused, "\(change.member) is not a current member")
            }
            if let problem = ConsortiumLedger.Member.contractRoleProblem(change.contractRoles) {
                throw RuntimeError(.changeRefused, "the contract roles of \(change.member): \(problem)")
            }
            guard member.contractRoles != change.contractRoles else {
                throw RuntimeError(.changeRefused, "\(change.member) already holds exactly these contract roles")
            }
        case .addMember(let addition):
            let member = addition.member
            guard ConsortiumLedger.Member.isValidName(member.name) else {
                throw RuntimeError(.changeRefused, "the new member's name is not valid (1–64 of [A-Za-z0-9._-])")
            }
            guard state.members[member.name] == nil else { throw RuntimeError(.changeRefused, "\(member.name) is already a member") }
            if let holder = state.members.values.first(where: { $0.publicKey == member.publicKey }) {
                throw RuntimeError(.changeRefused, "the new member's key is already \(holder.name)'s")
            }
            guard !member.roles.isEmpty, MemberRoles.all.isSuperset(of: member.roles) else {
                throw RuntimeError(.changeRefused, "the new member needs ledger roles among voting, sequencer and participant")
            }
            if let problem = ConsortiumLedger.Member.contractRoleProblem(member.contractRoles) {
                throw RuntimeError(.changeRefused, "the contract roles of \(member.name): \(problem)")
            }
            let voting = state.votingMemberCount + (member.roles.contains(.voting) ? 1 : 0)
            guard addition.quorumAfter >= 1, Int(addition.quorumAfter) <= voting else {
                throw RuntimeError(.changeRefused, "the quorum after the change must be between 1 and the \(voting) voting members")
            }
        case .removeMember(let removal):
            guard let member = state.members[removal.name] else { throw RuntimeError(.changeRefused, "\(removal.name) is not a current member") }
            // Every node follows the sequencer it found at start; removing it would leave them
            // following a member the ledger no longer knows.
            guard !member.roles.contains(.sequencer) else {
                throw RuntimeError(.changeRefused, "\(removal.name) is the sequencer the nodes follow; it cannot be removed")
            }
            let voting = state.votingMemberCount - (member.roles.contains(.voting) ? 1 : 0)
            guard voting >= 1, removal.quorumAfter >= 1, Int(removal.quorumAfter) <= voting else {
                throw RuntimeError(.changeRefused, "the quorum after the change must be between 1 and the \(voting) voting members left")
            }
        case .revokeContract(let revocation):
            guard let version = state.contracts[revocation.versionID] else {
                throw RuntimeError(.changeRefused, "no contract version \(revocation.versionID.hex) is on the ledger")
            }
            guard version.status == .proposed || version.status == .active else {
                throw RuntimeError(.changeRefused, "version \(revocation.versionID.hex.prefix(16))… of \(version.name) is already \(version.status.rawValue)")
            }
            guard !revocation.reason.isEmpty, revocation.reason.utf8.count <= Self.maximumReasonBytes else {
                throw RuntimeError(.changeRefused, "a revocation states its reason in 1–\(Self.maximumReasonBytes) bytes")
            }
            guard !revocation.reason.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw RuntimeError(.changeRefused, "a revocation's reason holds no control characters (it is printed on every member's terminal)")
            }
        }
    }

    /// The longest reason a revocation carries (it is public on the ledger: no data value belongs in it).
    static let maximumReasonBytes = 1024

    /// Refuses `endorsement` unless it is a valid endorsement of this change by `signer`, a
    /// current voting member of `state` that has not endorsed it yet.
    /// - Throws: ``RuntimeError`` `changeRefused`.
    func checkEndorsement(_ endorsement: Endorsement, by signer: String, in state: ConsortiumState) throws {
        guard endorsement.signer == signer else {
            throw RuntimeError(.changeRefused, "\(signer) sent an endorsement signed as \(endorsement.signer); a node endorses only as its own member")
        }
        guard let member = state.members[signer], member.roles.contains(.voting) else {
            throw RuntimeError(.changeRefused, "\(signer) is not a voting member; only voting members endorse a consortium change")
        }
        guard !endorsements.contains(where: { $0.signer == signer }) else {
            throw RuntimeError(.changeRefused, "\(signer) already endorsed this change")
        }
        guard let logID = state.logID, member.publicKey.isValidSignature(endorsement.signature, for: endorsementMessage(logID: logID)) else {
            throw RuntimeError(.changeRefused, "the endorsement of \(signer) does not verify under its registered key")
        }
    }

    /// The endorsers whose endorsements verify under their keys on `state` and who are current
    /// voting members there, sorted: what a reviewer's node can confirm of the list a proposer's
    /// node reports.
    func verifiedEndorsers(in state: ConsortiumState) -> [String] {
        guard let logID = state.logID else { return [] }
        let message = endorsementMessage(logID: logID)
        return endorsements.filter { endorsement in
            guard let member = state.members[endorsement.signer], member.roles.contains(.voting) else { return false }
            return member.publicKey.isValidSignature(endorsement.signature, for: message)
        }.map(\.signer).sorted()
    }

    /// A summary for the operator: public facts only.
    func summary(logID: LedgerHash, quorum: Int) -> [String: Any] {
        var object: [String: Any] = [
            "id": id(logID: logID).hex, "proposer": proposer, "kind": kind.name,
            "endorsements": endorsements.map(\.signer).sorted(), "quorum": quorum,
        ]
        switch change {
        case .roles(let change):
            object["member"] = change.member
            object["contractRoles"] = change.contractRoles
        case .addMember(let addition):
            object["member"] = addition.member.name
            object["fingerprint"] = MemberCard.fingerprint(of: addition.member.publicKey)
            object["roles"] = addition.member.roles.names
            object["contractRoles"] = addition.member.contractRoles
            object["quorumAfter"] = Int(addition.quorumAfter)
        case .removeMember(let removal):
            object["member"] = removal.name
            object["quorumAfter"] = Int(removal.quorumAfter)
        case .revokeContract(let revocation):
            object["version"] = revocation.versionID.hex
            object["reason"] = revocation.reason
        }
        return object
    }
}

extension PendingChange: WireCodable {
    /// `u16 kind ‖ payload(kind) ‖ string proposer`, the payload encoded as on the ledger (its
    /// basis and endorsements included).
    func encode(to writer: inout WireWriter) {
        writer.writeUInt16(kind.rawValue)
        body.encode(to: &writer)
        writer.writeString(proposer)
    }

    init(from reader: inout WireReader) throws(WireFormatError) {
        switch try reader.readUInt16() {
        case LedgerEntry.Kind.contractRolesChanged.rawValue: change = .roles(try ContractRoleChange(from: &reader))
        case LedgerEntry.Kind.memberAdded.rawValue: change = .addMember(try MemberAddition(from: &reader))
        case LedgerEntry.Kind.memberRemoved.rawValue: change = .removeMember(try MemberRemoval(from: &reader))
        case LedgerEntry.Kind.contractRevoked.rawValue: change = .revokeContract(try ContractRevocation(from: &reader))
        default: throw .invalidValue("not a consortium change")
        }
        proposer = try reader.readString()
    }

    static var minimumWireByteCount: Int { 2 + 4 }
}

/// The consortium changes a node's operators drafted and that wait for endorsements, at most
/// ``maximumCount``, kept in a small file next to the replica (`<ledger>.changes`, rewritten
/// whole and renamed into place, so a crash leaves the old list or the new one) so that they
/// survive a restart. Spec: protocols/node.md#consortium-changes.
struct PendingChangeStore: Sendable {
    /// The most changes one node keeps pending.
    static let maximumCount = 64
    /// The largest file read back (bounded whatever its size on disk).
    static let maximumFileBytes = 4 << 20

    /// The changes, by id.
    private(set) var changes: [LedgerHash: PendingChange] = [:]
    /// The file, or nil to keep them in memory only.
    let file: String?
    /// The consortium's log id (part of every id).
    let logID: LedgerHash

    /// A store, reading the changes `file` holds (none if it does not exist).
    /// - Throws: ``RuntimeError`` `invalidConfiguration` when the file cannot be read as changes.
    init(file: String?, logID: LedgerHash) throws {
        self.file = file
        self.logID = logID
        guard let file, FileManager.default.fileExists(atPath: file) else { return }
        var limits = WireLimits.default
        limits.maxElementCount = 4096
        guard let data = DurableFile.read(file, limit: Self.maximumFileBytes),
            let list = try? [PendingChange](wireEncoded: data, limits: limits), list.count <= Self.maximumCount
        else {
            throw RuntimeError(.invalidConfiguration, "\(file) does not hold pending consortium changes; move it aside to start without them")
        }
        for change in list { changes[change.id(logID: logID)] = change }
    }

    /// The change with this id.
    func change(_ id: LedgerHash) -> PendingChange? { changes[id] }

    /// Keeps `change` (a new draft or one with another endorsement) and writes the file.
    /// - Throws: ``RuntimeError`` `changeRefused` past ``maximumCount``, `fileFailure` when the
    ///   file cannot be written (nothing changes then).
    mutating func keep(_ change: PendingChange) throws {
        let id = change.id(logID: logID)
        guard changes[id] != nil || changes.count < Self.maximumCount else {
            throw RuntimeError(.changeRefused, "this node already holds \(Self.maximumCount) pending changes; withdraw or complete some first")
        }
        var next = changes
        next[id] = change
        try save(next)
        changes = next
    }

    /// Forgets a change (submitted or withdrawn) and writes the file.
    mutating func remove(_ id: LedgerHash) throws {
        var next = changes
        next[id] = nil
        try save(next)
        changes = next
    }

    /// The changes in id order.
    var all: [PendingChange] { changes.keys.sorted().compactMap { changes[$0] } }

    private func save(_ changes: [LedgerHash: PendingChange]) throws {
        guard let file else { return }
        let list = changes.keys.sorted().compactMap { changes[$0] }
        guard DurableFile.replace(file, with: list.wireEncoded()) else {
            throw RuntimeError(.fileFailure, "the pending changes could not be written to \(file)")
        }
    }
}
