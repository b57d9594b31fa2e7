import CryptoPrimitives
import WireFormat

/// A signature the rules require, collected so that many can be verified in parallel.
struct SignatureCheck: Sendable {
    let index: UInt64
    let key: Ed25519.PublicKey
    let message: [UInt8]
    let signature: [UInt8]
    let code: LedgerError.Code
    let what: String

    var isValid: Bool { key.isValidSignature(signature, for: message) }

    var error: LedgerError {
        LedgerError.entry(code, index, "\(what) does not verify")
    }
}

/// The consortium as the log defines it after some prefix of entries: members, quorum, contract
/// versions, key ceremonies and runs. Applying an entry enforces the lifecycle rules of
/// protocols/ledger.md#lifecycle-rules; the same code runs on append and in the audit.
public struct ConsortiumState: Sendable {
    /// A contract version's lifecycle state [ABB+18].
    public enum VersionStatus: String, Sendable, Codable {
        /// Proposed, collecting approvals.
        case proposed
        /// Activated at quorum; runs may use it.
        case active
        /// Replaced by an activated upgrade.
        case superseded
        /// Revoked by a quorum.
        case revoked
    }

    /// A contract version and its approvals.
    public struct ContractVersion: Sendable, Hashable {
        /// The version id.
        public let versionID: LedgerHash
        /// The contract's name.
        public let name: String
        /// The upgraded version, if any.
        public let predecessor: LedgerHash?
        /// The proposing entry.
        public let proposedAt: UInt64
        /// The approving members, in order.
        public internal(set) var approvals: [String]
        /// For each approval, the membership epoch of its approver at the time (the entry that
        /// admitted the member): an approval counts only while that membership lasts, so a
        /// member removed and re-added does not keep its old approval.
        public internal(set) var approvalEpochs: [UInt64] = []
        /// The lifecycle state.
        public internal(set) var status: VersionStatus
        /// The activating entry.
        public internal(set) var activatedAt: UInt64?
    }

    /// A run's state.
    public enum RunStatus: String, Sendable, Codable {
        /// Started, no result yet.
        case open
        /// A result was published.
        case published
        /// Aborted.
        case aborted
    }

    /// A run and what was recorded about it.
    public struct Run: Sendable, Hashable {
        /// The run id.
        public let runID: LedgerHash
        /// The contract version it ran.
        public let versionID: LedgerHash
        /// The circuit hash.
        public let circuitHash: LedgerHash
        /// The protocol.
        public let protocolName: String
        /// The participants.
        public let participants: [String]
        /// The fewest committed members a result may rest on (at least 2).
        public let minimumContributors: UInt32
        /// The starting entry.
        public let startedAt: UInt64
        /// The member that started the run (its coordinator): the only one that may record its
        /// decryption evidence, so that no other participant can block the run with bogus evidence.
        public let startedBy: String
        /// The key ceremony (paillier).
        public let keyCeremony: LedgerHash?
        /// Input commitments by participant.
        public internal(set) var commitments: [String: LedgerHash]
        /// The decryption evidence entry, if one was recorded.
        public internal(set) var evidenceAt: UInt64?
        /// The run's state.
        public internal(set) var status: RunStatus
        /// The result, once published.
        public internal(set) var result: ResultPublication?
        /// The entry that closed the run.
        public internal(set) var closedAt: UInt64?
        /// The entries about this run, in order.
        public internal(set) var entries: [UInt64]
    }

    /// The log id, once the genesis entry is applied.
    public private(set) var logID: LedgerHash?
    /// The consortium's name.
    public private(set) var consortium: String = ""
    /// The current members by name.
    public private(set) var members: [String: Member] = [:]
    /// Each current member's membership epoch: the index of the entry that admitted it (0 for
    /// the founders). Approvals are counted by member and epoch.
    public private(set) var memberSince: [String: UInt64] = [:]
    /// The number of distinct voting members required for approvals and endorsements.
    public private(set) var quorum: Int = 0
    /// The entry that last changed the members, their roles or the quorum (the genesis at first).
    public private(set) var membershipChangedAt: UInt64 = 0
    /// Contract versions by id.
    public private(set) var contracts: [LedgerHash: ContractVersion] = [:]
    /// Key ceremonies by id.
    public private(set) var ceremonies: [LedgerHash: KeyCeremony] = [:]
    /// Runs by id.
    public private(set) var runs: [LedgerHash: Run] = [:]
    /// The number of entries applied.
    public private(set) var entryCount: UInt64 = 0
    private var lastTimestamp: UInt64 = 0
    var lastTimestampValue: UInt64 { lastTimestamp }

    /// The state before any entry.
    public init() {}

    /// The voting members' count.
    public var votingMemberCount: Int { members.values.filter { $0.roles.contains(.voting) }.count }

    /// SHA-256 over the current members (sorted by name, each `Member` as encoded: name, key,
    /// ledger and contract roles), `u32` quorum and `u64` ``membershipChangedAt``: the **basis** a
    /// membership or roles change names and is endorsed over (rule L5). Its endorsements are good
    /// for this membership only, and cannot be replayed once another change was recorded, even one
    /// that brought the same members and roles back (the entry's position differs).
    public var membershipDigest: LedgerHash {
        var writer = WireWriter()
        writer.write(members.values.sorted { $0.name < $1.name })
        writer.writeUInt32(UInt32(clamping: quorum))
        writer.writeUInt64(membershipChangedAt)
        return .sha256(writer.bytes)
    }
    /// The names of the members with the participant role, sorted.
    public var participantNames: [String] { members.values.filter { $0.roles.contains(.participant) }.map(\.name).sorted() }

    /// Every contract role the current members hold, with its holders (sorted): the roles a
    /// `reveal … to role "x"` reaches, as the genesis, member-added and contract-roles-changed
    /// entries record them.
    public var contractRoles: [String: [String]] {
        var roles: [String: [String]] = [:]
        for member in members.values.sorted(by: { $0.name < $1.name }) {
            for role in member.contractRoles { roles[role, default: []].append(member.name) }
        }
        return roles
    }

    /// Whether a reveal recipient other than `all` (the contract's spelling: `member "x"` or
    /// `role "y"`) designates the current member `name`: the one rule by which coordinators,
    /// members and the audit decide who receives a view, from the ledger alone (a member's
    /// contract roles are those its genesis or addition entry records, or the latest change).
    /// - Parameters:
    ///   - recipient: `member "x"` or `role "y"` (`all` designates no one here).
    ///   - name: A member's name.
    /// - Returns: True if `name` is a current member the recipient designates.
    public func designates(_ recipient: String, member name: String) -> Bool {
        guard let member = members[name] else { return false }
        return recipient == "member \"\(name)\"" || member.contractRoles.contains { recipient == "role \"\($0)\"" }
    }

    /// The current members a reveal recipient other than `all` designates, sorted.
    /// - Parameter recipient: `member "x"` or `role "y"`.
    /// - Returns: Their names (none for `all`, an unknown member or a role no one holds).
    public func designatedMembers(_ recipient: String) -> [String] {
        members.keys.filter { designates(recipient, member: $0) }.sorted()
    }

    // MARK: Applying entries

    /// Applies the rules to `signed` as entry `index`, updating the state. Signatures are not
    /// verified here but appended to `checks`; the caller verifies them (in parallel) and must
    /// discard the state if any fails.
    mutating func apply(
        _ signed: SignedEntry, leafHash: LedgerHash, previousRoot: LedgerHash, at index: UInt64,
        checks: inout [SignatureCheck]
    ) throws {
        let entry = signed.entry
        func fail(_ code: LedgerError.Code, _ message: String) -> LedgerError {
            .entry(code, index, message)
        }
        guard entry.sequence == index else {
            throw fail(.sequenceMismatch, "entry at position \(index) claims sequence \(entry.sequence) (an entry was deleted, inserted or moved)")
        }
        if index == 0 {
            guard case .genesis = entry.payload else {
                throw fail(.genesisMisplaced, "the first entry is \(entry.kind.name), not genesis")
            }
            guard entry.logID == .zero else { throw fail(.logMismatch, "the genesis entry's log id must be zero") }
        } else {
            if case .genesis = entry.payload { throw fail(.genesisMisplaced, "a second genesis entry") }
            guard entry.logID == logID else {
                throw fail(.logMismatch, "entry names log \(entry.logID), this log is \(logID?.hex ?? "-")")
            }
        }
        guard entry.previousRoot == previousRoot else {
            throw fail(.previousRootMismatch, "entry attests previous root \(entry.previousRoot), the log's root at size \(index) is \(previousRoot)")
        }
        guard entry.timestamp >= lastTimestamp else {
            throw fail(.timestampRegression, "timestamp \(entry.timestamp) precedes the previous entry's \(lastTimestamp)")
        }

        // The author must be a member (for genesis: a founding member).
        let author: Member
        if case .genesis(let genesis) = entry.payload {
            guard let founder = genesis.members.first(where: { $0.name == entry.author }) else {
                throw fail(.notAMember, "genesis author \(entry.author) is not a founding member")
            }
            author = founder
        } else {
            guard let member = members[entry.author] else {
                throw fail(.notAMember, "author \(entry.author) is not a member")
            }
            author = member
        }
        checks.append(SignatureCheck(
            index: index, key: author.publicKey, message: signed.entry.signedMessage, signature: signed.signature,
            code: .invalidSignature, what: "the author signature of \(entry.author) on \(entry.kind.name) entry \(index)"))

        func requireRole(_ role: MemberRoles, _ roleName: String) throws {
            guard author.roles.contains(role) else {
                throw fail(.missingRole, "\(entry.author) lacks the \(roleName) role a \(entry.kind.name) entry needs")
            }
        }
        // A membership or roles change is endorsed for the membership it changes (rule L5).
        func checkBasis(_ basis: LedgerHash) throws {
            guard basis == membershipDigest else {
                throw fail(
                    .invalidMembership,
                    "the \(entry.kind.name) entry was drafted against another membership (basis \(basis.hex.prefix(16))…); its endorsements are for that membership only")
            }
        }

        switch entry.payload {
        case .genesis(let genesis):
            try validateMembership(genesis.members, quorum: genesis.quorum, index: index)
            guard genesis.nonce.count == 16 else { throw fail(.invalidMembership, "the genesis nonce must be 16 bytes") }
            logID = leafHash
            consortium = genesis.consortium
            members = Dictionary(uniqueKeysWithValues: genesis.members.map { ($0.name, $0) })
            memberSince = Dictionary(uniqueKeysWithValues: genesis.members.map { ($0.name, index) })
            quorum = Int(genesis.quorum)
            membershipChangedAt = index

        case .memberAdded(let change):
            try requireRole(.voting, "voting")
            guard members[change.member.name] == nil else {
                throw fail(.duplicateIdentifier, "member \(change.member.name) already exists")
            }
            try checkBasis(change.basis)
            try checkEndorsements(entry, change.endorsements, index: index, checks: &checks)
            var after = Array(members.values)
            after.append(change.member)
            try validateMembership(after, quorum: change.quorumAfter, index: index)
            members[change.member.name] = change.member
            memberSince[change.member.name] = index
            membershipChangedAt = index
            quorum = Int(change.quorumAfter)

        case .memberRemoved(let change):
            try requireRole(.voting, "voting")
            guard members[change.name] != nil else {
                throw fail(.unknownReference, "no member \(change.name) to remove")
            }
            try checkBasis(change.basis)
            try checkEndorsements(entry, change.endorsements, index: index, checks: &checks)
            let after = members.values.filter { $0.name != change.name }
            try validateMembership(after, quorum: change.quorumAfter, index: index)
            members[change.name] = nil
            memberSince[change.name] = nil
            membershipChangedAt = index
            quorum = Int(change.quorumAfter)

        case .contractRolesChanged(let change):
            try requireRole(.voting, "voting")
            guard var member = members[change.member] else {
                throw fail(.unknownReference, "no member \(change.member) whose contract roles could change")
            }
            try checkBasis(change.basis)
            try checkEndorsements(entry, change.endorsements, index: index, checks: &checks)
            if let problem = Member.contractRoleProblem(change.contractRoles) {
                throw fail(.invalidMembership, "member \(change.member): \(problem)")
            }
            member.contractRoles = change.contractRoles
            members[change.member] = member
            membershipChangedAt = index

        case .keyCeremony(let ceremony):
            guard !ceremony.scheme.isEmpty, !ceremony.publicKey.isEmpty else {
                throw fail(.invalidLifecycleState, "a key ceremony needs a scheme and a public key")
            }
            // The holders: one per verification key, distinct, each a current participant.
            guard ceremony.holders.count == ceremony.verificationKeys.count, Set(ceremony.holders).count == ceremony.holders.count else {
                throw fail(.notAParticipant, "a key ceremony names one distinct holder per verification key")
            }
            for holder in ceremony.holders where members[holder]?.roles.contains(.participant) != true {
                throw fail(.notAParticipant, "key holder \(holder) is not a member with the participant role")
            }
            let id = ceremony.ceremonyID
            guard ceremonies[id] == nil else { throw fail(.duplicateIdentifier, "key ceremony \(id) is already recorded") }
            ceremonies[id] = ceremony

        case .contractProposed(let proposal):
            guard contracts[proposal.versionID] == nil else {
                throw fail(.duplicateIdentifier, "contract version \(proposal.versionID) was already proposed")
            }
            guard !proposal.name.isEmpty else { throw fail(.invalidLifecycleState, "a contract needs a name") }
            if let predecessor = proposal.predecessor {
                guard let previous = contracts[predecessor], previous.status == .active, previous.name == proposal.name else {
                    throw fail(.invalidPredecessor, "predecessor \(predecessor) is not an active version of \(proposal.name)")
                }
            }
            contracts[proposal.versionID] = ContractVersion(
                versionID: proposal.versionID, name: proposal.name, predecessor: proposal.predecessor,
                proposedAt: index, approvals: [], status: .proposed, activatedAt: nil)

        case .contractApproved(let versionID):
            try requireRole(.voting, "voting")
            guard var version = contracts[versionID] else {
                throw fail(.unknownReference, "no proposed contract version \(versionID)")
            }
            guard version.status == .proposed else {
                throw fail(.invalidLifecycleState, "version \(versionID) is \(version.status.rawValue), not proposed")
            }
            let epoch = memberSince[entry.author] ?? 0
            if let earlier = version.approvals.firstIndex(of: entry.author) {
                guard version.approvalEpochs[earlier] != epoch else {
                    throw fail(.duplicateApproval, "\(entry.author) already approved version \(versionID); an approval counts once per member")
                }
                // An approval from an earlier membership of the same name: replaced, not added.
                version.approvals.remove(at: earlier)
                version.approvalEpochs.remove(at: earlier)
            }
            version.approvals.append(entry.author)
            version.approvalEpochs.append(epoch)
            contracts[versionID] = version

        case .contractActivated(let versionID):
            guard var version = contracts[versionID] else {
                throw fail(.unknownReference, "no proposed contract version \(versionID)")
            }
            guard version.status == .proposed else {
                throw fail(.invalidLifecycleState, "version \(versionID) is \(version.status.rawValue), not proposed")
            }
            let counted = zip(version.approvals, version.approvalEpochs).filter { name, epoch in
                members[name]?.roles.contains(.voting) == true && memberSince[name] == epoch
            }.count
            guard counted >= quorum else {
                throw fail(.belowQuorum, "version \(versionID) has \(counted) approvals, the quorum is \(quorum)")
            }
            if let predecessor = version.predecessor {
                guard var previous = contracts[predecessor], previous.status == .active else {
                    throw fail(.invalidPredecessor, "predecessor \(predecessor) is no longer active")
                }
                previous.status = .superseded
                contracts[predecessor] = previous
            }
            version.status = .active
            version.activatedAt = index
            contracts[versionID] = version

        case .contractRevoked(let revocation):
            try requireRole(.voting, "voting")
            guard var version = contracts[revocation.versionID] else {
                throw fail(.unknownReference, "no contract version \(revocation.versionID)")
            }
            guard version.status == .proposed || version.status == .active else {
                throw fail(.invalidLifecycleState, "version \(revocation.versionID) is already \(version.status.rawValue)")
            }
            try checkEndorsements(entry, revocation.endorsements, index: index, checks: &checks)
            version.status = .revoked
            contracts[revocation.versionID] = version

        case .runStarted(let start):
            guard runs[start.runID] == nil else { throw fail(.duplicateIdentifier, "run \(start.runID) already exists") }
            guard let version = contracts[start.versionID] else {
                throw fail(.versionNotActive, "run \(start.runID) uses version \(start.versionID), which was never proposed")
            }
            guard version.status == .active else {
                throw fail(.versionNotActive, "run \(start.runID) uses version \(start.versionID), which is \(version.status.rawValue), not active")
            }
            guard !start.participants.isEmpty, Set(start.participants).count == start.participants.count else {
                throw fail(.notAParticipant, "a run needs distinct participants")
            }
            guard start.participants.contains(entry.author) else {
                throw fail(.notAParticipant, "\(entry.author) may not start run \(start.runID): only one of its participants coordinates it")
            }
            for name in start.participants {
                guard let member = members[name], member.roles.contains(.participant) else {
                    throw fail(.notAParticipant, "\(name) is not a member with the participant role")
                }
            }
            guard start.minimumContributors >= RunStart.leastContributors,
                start.minimumContributors <= start.participants.count
            else {
                throw fail(
                    .insufficientContributors,
                    "run \(start.runID) declares a minimum of \(start.minimumContributors) contributors; it must be at least \(RunStart.leastContributors) and at most its \(start.participants.count) participants")
            }
            if let ceremony = start.keyCeremony, ceremonies[ceremony] == nil {
                throw fail(.unknownReference, "run \(start.runID) names key ceremony \(ceremony), which is not recorded")
            }
            // Key share i is party i's: the run lists the ceremony's holders first, in share order.
            if let ceremony = start.keyCeremony.flatMap({ ceremonies[$0] }), !ceremony.holders.isEmpty,
                Array(start.participants.prefix(ceremony.holders.count)) != ceremony.holders
            {
                throw fail(
                    .notAParticipant,
                    "run \(start.runID) must list the key holders \(ceremony.holders.joined(separator: ", ")) first, in share order")
            }
            runs[start.runID] = Run(
                runID: start.runID, versionID: start.versionID, circuitHash: start.circuitHash,
                protocolName: start.protocolName, participants: start.participants,
                minimumContributors: start.minimumContributors, startedAt: index, startedBy: entry.author,
                keyCeremony: start.keyCeremony, commitments: [:], evidenceAt: nil, status: .open, result: nil,
                closedAt: nil, entries: [index])

        case .inputCommitted(let commitment):
            var run = try openRun(commitment.runID, index: index)
            guard run.participants.contains(entry.author) else {
                throw fail(.notAParticipant, "\(entry.author) is not a participant of run \(commitment.runID)")
            }
            guard run.commitments[entry.author] == nil else {
                throw fail(.duplicateCommitment, "\(entry.author) already committed an input to run \(commitment.runID)")
            }
            run.commitments[entry.author] = commitment.commitment
            run.entries.append(index)
            runs[commitment.runID] = run

        case .resultPublished(let result):
            var run = try openRun(result.runID, index: index)
            guard contracts[run.versionID]?.status != .revoked else {
                throw fail(.versionNotActive, "run \(result.runID) ran version \(run.versionID), which was revoked: no result may be published for it")
            }
            guard run.participants.contains(entry.author) else {
                throw fail(.notAParticipant, "\(entry.author) is not a participant of run \(result.runID)")
            }
            let expected = ResultPublication.hashRevealedValues(result.revealedValues)
            guard result.revealedHash == expected else {
                throw fail(.resultHashMismatch, "run \(result.runID): the revealed values hash to \(expected), the entry records \(result.revealedHash)")
            }
            // No result without its members (protocols/ledger.md#lifecycle-rules, L12): the
            // contributors are distinct committers, at least the run's minimum (≥ 2); only
            // contributors endorse (a member that contributed nothing has checked nothing), and
            // at least the run's minimum of them did, each having recomputed the values.
            for (position, name) in result.contributors.enumerated() {
                guard position == 0 || result.contributors[position - 1] < name else {
                    throw fail(.insufficientContributors, "run \(result.runID): the contributors must be distinct and in ascending order")
                }
                guard run.commitments[name] != nil else {
                    throw fail(.insufficientContributors, "run \(result.runID): \(name) is listed as a contributor but committed no input")
                }
            }
            guard result.contributors.count >= Int(run.minimumContributors) else {
                throw fail(
                    .insufficientContributors,
                    "run \(result.runID): a result needs at least \(run.minimumContributors) contributors with committed inputs; it lists \(result.contributors.count)")
            }
            guard let message = entry.endorsementSubject else { preconditionFailure("results carry endorsements") }
            var signers = Set<String>()
            for endorsement in result.endorsements {
                guard signers.insert(endorsement.signer).inserted else {
                    throw fail(.duplicateEndorsement, "\(endorsement.signer) signed the result of run \(result.runID) twice")
                }
                guard result.contributors.contains(endorsement.signer), let member = members[endorsement.signer] else {
                    throw fail(.notAContributor, "result signer \(endorsement.signer) is not a contributor of run \(result.runID): only contributors endorse")
                }
                checks.append(SignatureCheck(
                    index: index, key: member.publicKey, message: message, signature: endorsement.signature,
                    code: .invalidEndorsement, what: "the result signature of contributor \(endorsement.signer)"))
            }
            guard signers.count >= Int(run.minimumContributors) else {
                throw fail(
                    .insufficientEndorsements,
                    "run \(result.runID): a result needs the endorsements of at least \(run.minimumContributors) contributors; it has \(signers.count)")
            }
            // Who received each view is the ledger's word (L15): a role's holders, a named member.
            for (position, view) in result.recipients.enumerated() {
                guard ViewRecipients.isRecordable(view.recipient), position == 0 || result.recipients[position - 1].recipient < view.recipient else {
                    throw fail(
                        .recipientMismatch,
                        "run \(result.runID): recorded recipients must be member \"NAME\" or role \"NAME\", distinct, in ascending order")
                }
                let designated = designatedMembers(view.recipient)
                guard view.members == designated else {
                    throw fail(
                        .recipientMismatch,
                        "run \(result.runID): the view to \(view.recipient) went to [\(view.members.joined(separator: ", "))]; the ledger designates [\(designated.joined(separator: ", "))]")
                }
            }
            run.status = .published
            run.result = result
            run.closedAt = index
            run.entries.append(index)
            runs[result.runID] = run

        case .decryptionEvidence(let evidence):
            var run = try openRun(evidence.runID, index: index)
            guard run.participants.contains(entry.author) else {
                throw fail(.notAParticipant, "\(entry.author) is not a participant of run \(evidence.runID)")
            }
            guard run.keyCeremony != nil else {
                throw fail(.unknownReference, "run \(evidence.runID) names no key ceremony, so it has no decryption to evidence")
            }
            guard entry.author == run.startedBy else {
                throw fail(.notAParticipant, "only \(run.startedBy), who started run \(evidence.runID), records its decryption evidence; \(entry.author) may not")
            }
            guard run.evidenceAt == nil else {
                throw fail(.duplicateIdentifier, "run \(evidence.runID) already has decryption evidence")
            }
            run.evidenceAt = index
            run.entries.append(index)
            runs[evidence.runID] = run

        case .runAborted(let abort):
            var run = try openRun(abort.runID, index: index)
            guard run.participants.contains(entry.author) || author.roles.contains(.voting) else {
                throw fail(.notAParticipant, "\(entry.author) may not abort run \(abort.runID)")
            }
            run.status = .aborted
            run.closedAt = index
            run.entries.append(index)
            runs[abort.runID] = run
        }
        lastTimestamp = entry.timestamp
        entryCount = index + 1
    }

    private func openRun(_ runID: LedgerHash, index: UInt64) throws -> Run {
        guard let run = runs[runID] else {
            throw LedgerError.entry(.unknownReference, index, "no run \(runID)")
        }
        guard run.status == .open else {
            throw LedgerError.entry(.runClosed, index, "run \(runID) is already \(run.status.rawValue)")
        }
        return run
    }

    /// Quorum endorsements by distinct current voting members.
    private func checkEndorsements(
        _ entry: LedgerEntry, _ endorsements: [Endorsement], index: UInt64, checks: inout [SignatureCheck]
    ) throws {
        guard let message = entry.endorsementSubject else { preconditionFailure("\(entry.kind.name) has no endorsements") }
        var signers = Set<String>()
        for endorsement in endorsements {
            guard signers.insert(endorsement.signer).inserted else {
                throw LedgerError.entry(.duplicateEndorsement, index, "\(endorsement.signer) endorsed \(entry.kind.name) entry \(index) twice")
            }
            guard let member = members[endorsement.signer] else {
                throw LedgerError.entry(.notAMember, index, "endorser \(endorsement.signer) is not a member")
            }
            guard member.roles.contains(.voting) else {
                throw LedgerError.entry(.missingRole, index, "endorser \(endorsement.signer) is not a voting member")
            }
            checks.append(SignatureCheck(
                index: index, key: member.publicKey, message: message, signature: endorsement.signature,
                code: .invalidEndorsement, what: "the endorsement of \(endorsement.signer)"))
        }
        guard signers.count >= quorum else {
            throw LedgerError.entry(.belowQuorum, index, "\(entry.kind.name) has \(signers.count) endorsements, the quorum is \(quorum)")
        }
    }

    private func validateMembership(_ list: [Member], quorum: UInt32, index: UInt64) throws {
        func fail(_ message: String) -> LedgerError { .entry(.invalidMembership, index, message) }
        var names = Set<String>()
        var keys = Set<Ed25519.PublicKey>()
        for member in list {
            guard Member.isValidName(member.name) else { throw fail("invalid member name (1–64 of [A-Za-z0-9._-])") }
            guard names.insert(member.name).inserted else { throw fail("member name \(member.name) appears twice") }
            guard keys.insert(member.publicKey).inserted else { throw fail("member \(member.name) reuses another member's key") }
            if let problem = Member.contractRoleProblem(member.contractRoles) { throw fail("member \(member.name): \(problem)") }
        }
        let voting = list.filter { $0.roles.contains(.voting) }.count
        guard quorum >= 1, Int(quorum) <= voting else {
            throw fail("quorum \(quorum) must be between 1 and the number of voting members (\(voting))")
        }
        guard list.contains(where: { $0.roles.contains(.sequencer) }) else {
            throw fail("the consortium must keep a member with the sequencer role")
        }
    }

    // MARK: Checkpoints

    /// Checks a checkpoint's signatures against the membership of this state (the log at the
    /// checkpoint's size) and reports how many distinct voting members validly cosigned it.
    /// - Parameter signed: The checkpoint.
    /// - Returns: The number of valid cosignatures.
    /// - Throws: `invalidCheckpointSignature`, `invalidCosignature`, located at the checkpoint.
    public func verifyCheckpoint(_ signed: SignedCheckpoint) throws -> Int {
        let size = signed.checkpoint.size
        let location = LedgerError.Location(checkpointSize: size)
        guard signed.checkpoint.logID == logID else {
            throw LedgerError(.logMismatch, "checkpoint names log \(signed.checkpoint.logID)", at: location)
        }
        guard let sequencer = members[signed.sequencer], sequencer.roles.contains(.sequencer) else {
            throw LedgerError(.invalidCheckpointSignature, "checkpoint signer \(signed.sequencer) is not a sequencer", at: location)
        }
        guard signed.hasValidSequencerSignature(sequencer.publicKey) else {
            throw LedgerError(.invalidCheckpointSignature, "the sequencer signature of \(signed.sequencer) does not verify", at: location)
        }
        var cosigners = Set<String>()
        let message = signed.checkpoint.cosignerMessage
        for cosignature in signed.cosignatures {
            guard let member = members[cosignature.signer], member.roles.contains(.voting) else {
                throw LedgerError(.invalidCosignature, "cosigner \(cosignature.signer) is not a voting member", at: location)
            }
            guard cosigners.insert(cosignature.signer).inserted else {
                throw LedgerError(.invalidCosignature, "\(cosignature.signer) cosigned twice", at: location)
            }
            guard member.publicKey.isValidSignature(cosignature.signature, for: message) else {
                throw LedgerError(.invalidCosignature, "the cosignature of \(cosignature.signer) does not verify", at: location)
            }
        }
        return cosigners.count
    }
}
