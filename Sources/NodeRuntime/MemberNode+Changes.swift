import ConsortiumLedger
import CryptoPrimitives
import Foundation
import Logging
import Runtime
import WireFormat

/// Consortium changes (a member's contract roles, a new or removed member, a revoked contract
/// version) drafted by one voting member's operator, endorsed by each other voting member's
/// operator on that member's own node, and recorded by the proposer's node once a quorum
/// endorsed them (rules L5 and L9). Each node signs only
/// as its own member. Spec: protocols/node.md#consortium-changes.
extension MemberNode {
    // MARK: Admin commands

    /// `change-propose`: drafts a change on this node, endorses it as this member (its operator
    /// asked for it), keeps it pending and records it if that already makes a quorum.
    func proposeChange(_ request: [String: Any]) async throws -> [String: Any] {
        let state = await ledger.state
        guard let logID = state.logID else { throw RuntimeError(.ledgerFailure, "the replica holds no genesis", member: name) }
        guard state.members[name]?.roles.contains(.voting) == true else {
            throw RuntimeError(.changeRefused, "\(name) is not a voting member; only a voting member drafts a consortium change", member: name)
        }
        let contractRoles = request["contractRoles"] as? [String] ?? []
        let change: PendingChange.Change
        switch request["change"] as? String {
        case "roles":
            guard let member = request["member"] as? String else {
                throw RuntimeError(.invalidConfiguration, "a roles change names its \"member\"")
            }
            change = .roles(ContractRoleChange(member: member, contractRoles: contractRoles, basis: state.membershipDigest))
        case "add-member":
            guard let text = request["card"] as? String else {
                throw RuntimeError(.invalidConfiguration, "an add-member change carries the new member's \"card\"")
            }
            let card = try MemberCard.parse(Array(text.utf8), file: "the new member's card")
            let quorum = request["quorumAfter"] as? Int ?? state.quorum
            guard (1...Int(UInt32.max)).contains(quorum) else { throw RuntimeError(.changeRefused, "the quorum after the change must be positive") }
            change = .addMember(MemberAddition(
                member: ConsortiumLedger.Member(name: card.name, publicKey: card.signingKey, roles: card.roles, contractRoles: contractRoles),
                quorumAfter: UInt32(quorum), basis: state.membershipDigest))
        case "remove-member":
            guard let member = request["member"] as? String else {
                throw RuntimeError(.invalidConfiguration, "a remove-member change names its \"member\"")
            }
            let voting = state.votingMemberCount - (state.members[member]?.roles.contains(.voting) == true ? 1 : 0)
            let quorum = request["quorumAfter"] as? Int ?? min(state.quorum, max(1, voting))
            guard (1...Int(UInt32.max)).contains(quorum) else { throw RuntimeError(.changeRefused, "the quorum after the change must be positive") }
            change = .removeMember(MemberRemoval(name: member, quorumAfter: UInt32(quorum), basis: state.membershipDigest))
        case "revoke-contract":
            guard let reference = request["version"] as? String, let reason = request["reason"] as? String else {
                throw RuntimeError(.invalidConfiguration, "a revoke-contract change names its \"version\" and states its \"reason\"")
            }
            change = .revokeContract(ContractRevocation(versionID: try Self.revocableVersion(reference, in: state), reason: reason))
        default:
            throw RuntimeError(.invalidConfiguration, "a change is \"roles\", \"add-member\", \"remove-member\" or \"revoke-contract\"")
        }
        var pending = PendingChange(change: change, proposer: name)
        try pending.check(against: state)
        let id = pending.id(logID: logID)
        if changes.change(id) == nil {
            pending = pending.adding(Endorsement(signer: name, signature: signingKey.signature(for: pending.endorsementMessage(logID: logID))))
            try changes.keep(pending)
            logger.info("drafted a consortium change", metadata: ["change": "\(id.hex.prefix(16))", "kind": "\(pending.kind.name)"])
        }
        return try await recordIfEndorsed(id)
    }

    /// `change-list`: the changes this node holds pending.
    func listChanges() async -> [String: Any] {
        let state = await ledger.state
        guard let logID = state.logID else { return ["changes": [Any]()] }
        return ["changes": changes.all.map { $0.summary(logID: logID, quorum: state.quorum) }]
    }

    /// `change-show`: a change held here or by another voting member's node, checked against this
    /// node's replica.
    func showChange(_ reference: String) async throws -> [String: Any] {
        let (pending, logID, state) = try await fetchChange(reference)
        var answer = pending.summary(logID: logID, quorum: state.quorum)
        if case .revokeContract(let revocation) = pending.change, let version = state.contracts[revocation.versionID] {
            // What the reviewer's own replica says the version is, not the proposer's reason alone.
            answer["contract"] = version.name
            answer["versionStatus"] = version.status.rawValue
        }
        answer["endorsedByThisMember"] = pending.endorsements.contains { $0.signer == name }
        answer["verifiedEndorsements"] = pending.verifiedEndorsers(in: state)
        do {
            try pending.check(against: state)
            answer["verifies"] = true
        } catch let error as RuntimeError {
            answer["verifies"] = false
            answer["problem"] = error.message
        }
        return answer
    }

    /// `change-endorse`: fetches the change from the node holding it, checks it against this
    /// node's replica, signs this member's endorsement and sends it to that node.
    func endorseChange(_ reference: String) async throws -> [String: Any] {
        let (pending, logID, state) = try await fetchChange(reference)
        let id = pending.id(logID: logID)
        try pending.check(against: state)
        guard state.members[name]?.roles.contains(.voting) == true else {
            throw RuntimeError(.changeRefused, "\(name) is not a voting member; only voting members endorse a consortium change", member: name)
        }
        guard !pending.endorsements.contains(where: { $0.signer == name }) else {
            throw RuntimeError(.changeRefused, "\(name) already endorsed this change", member: name)
        }
        let endorsement = Endorsement(signer: name, signature: signingKey.signature(for: pending.endorsementMessage(logID: logID)))
        var reader = try ControlResponse.read(
            try await transport.call(pending.proposer, ControlRequest.endorseChange(id: id, endorsement: endorsement).encoded(), timeout: settings.limits.callTimeout),
            from: pending.proposer, limits: .default)
        let recorded = try reader.readBool()
        let index = try reader.readUInt64()
        let entry = recorded ? index : nil
        let count = Int(try reader.readUInt32())
        try reader.finish()
        logger.info("endorsed a consortium change", metadata: ["change": "\(id.hex.prefix(16))", "proposer": "\(pending.proposer)"])
        var answer = pending.adding(endorsement).summary(logID: logID, quorum: state.quorum)
        answer["endorsementCount"] = count
        // What this node can confirm of the list the proposer's node reported.
        answer["verifiedEndorsements"] = pending.adding(endorsement).verifiedEndorsers(in: state)
        answer["status"] = entry == nil ? "pending" : "recorded"
        if let entry { answer["entry"] = entry }
        return answer
    }

    /// `change-withdraw`: forgets a change this node holds (nothing was recorded).
    func withdrawChange(_ reference: String) async throws -> [String: Any] {
        let id = try Self.changeID(reference)
        guard changes.change(id) != nil else { throw RuntimeError(.changeRefused, "\(name) holds no pending change \(reference)", member: name) }
        try changes.remove(id)
        return ["id": id.hex, "status": "withdrawn"]
    }

    // MARK: Control calls

    /// Control call 13: the pending change `id`, to any member's node that asks (it is what the
    /// caller's operator reviews; nothing in it is secret).
    func answerPendingChange(_ id: LedgerHash) throws -> [UInt8] {
        guard let pending = changes.change(id) else {
            throw RuntimeError(.changeRefused, "\(name) holds no pending change \(id.hex)", member: name)
        }
        return ControlResponse.ok { $0.write(pending) }
    }

    /// Control call 14: `caller`'s endorsement of this node's change `id`, kept only if it is
    /// the caller's own, valid under the caller's registered key on this replica, by a current
    /// voting member that had not endorsed yet; the change is recorded once a quorum endorsed it.
    /// Answers `bool recorded ‖ u64 entry (0 unless recorded) ‖ u32 endorsements`.
    func receiveEndorsement(_ endorsement: Endorsement, of id: LedgerHash, from caller: String) async throws -> [UInt8] {
        guard changes.change(id) != nil else {
            throw RuntimeError(.changeRefused, "\(name) holds no pending change \(id.hex)", member: name)
        }
        try await ledger.sync()
        let state = await ledger.state
        // Looked up again: the store may have moved on while the replica caught up.
        guard let pending = changes.change(id) else {
            throw RuntimeError(.changeRefused, "\(name) holds no pending change \(id.hex) any more", member: name)
        }
        try pending.check(against: state)
        try pending.checkEndorsement(endorsement, by: caller, in: state)
        try changes.keep(pending.adding(endorsement))
        logger.info("received an endorsement", metadata: ["change": "\(id.hex.prefix(16))", "endorser": "\(caller)"])
        let answer = try await recordIfEndorsed(id)
        return ControlResponse.ok { w in
            let entry = answer["entry"] as? UInt64
            w.writeBool(entry != nil)
            w.writeUInt64(entry ?? 0)
            w.writeUInt32(UInt32(clamping: (answer["endorsements"] as? [String])?.count ?? 0))
        }
    }

    // MARK: Helpers

    /// Authors the change's entry once it holds a quorum of endorsements (rule L5), through the
    /// sequencer like any entry of this member; the change is then forgotten. Returns the
    /// change's summary with its `status` (`pending` or `recorded`, and `entry`).
    private func recordIfEndorsed(_ id: LedgerHash) async throws -> [String: Any] {
        guard var pending = changes.change(id) else {
            throw RuntimeError(.changeRefused, "\(name) holds no pending change \(id.hex)", member: name)
        }
        let state = await ledger.state
        guard let logID = state.logID else { throw RuntimeError(.ledgerFailure, "the replica holds no genesis", member: name) }
        // Only endorsers who are still voting members count (a revocation, which has no basis,
        // may outlive a membership change): the others are dropped, or the ledger would refuse
        // the entry for good.
        let current = Set(pending.verifiedEndorsers(in: state))
        if current.count < pending.endorsements.count {
            pending = pending.keeping(current)
            try changes.keep(pending)
        }
        var answer = pending.summary(logID: logID, quorum: state.quorum)
        answer["status"] = "pending"
        guard Set(pending.endorsements.map(\.signer)).count >= state.quorum, !submittingChanges.contains(id) else { return answer }
        submittingChanges.insert(id)
        defer { submittingChanges.remove(id) }
        try pending.check(against: state)
        let entry: UInt64
        do {
            entry = try await member.author(pending.payload, on: ledger)
        } catch let error as RuntimeError {
            logger.warning("the ledger refused a consortium change", metadata: ["change": "\(id.hex.prefix(16))", "code": "\(error.code.rawValue)"])
            // The endorsements stay with the change: drafting it again on this node retries.
            throw RuntimeError(
                error.code, "the change holds a quorum of endorsements (kept) but was not recorded: \(error.message)", member: name, cause: error)
        }
        do { try changes.remove(id) } catch {
            // Recorded on the ledger all the same; the stale copy is refused from now on.
            logger.error("a recorded change could not be removed from the pending changes", metadata: ["change": "\(id.hex.prefix(16))"])
        }
        logger.info("recorded a consortium change", metadata: ["change": "\(id.hex.prefix(16))", "entry": "\(entry)"])
        answer["status"] = "recorded"
        answer["entry"] = entry
        return answer
    }

    /// The change `reference` (64 hex digits) from this node's store, else from the first
    /// voting member's node that holds it, with the replica it is checked against (caught up).
    private func fetchChange(_ reference: String) async throws -> (PendingChange, LedgerHash, ConsortiumState) {
        let id = try Self.changeID(reference)
        let state = await ledger.state
        guard let logID = state.logID else { throw RuntimeError(.ledgerFailure, "the replica holds no genesis", member: name) }
        if let pending = changes.change(id) { return (pending, logID, state) }
        var unreachable: [String] = []
        let holders = state.members.values.filter { $0.roles.contains(.voting) && $0.name != name }.map(\.name).sorted()
        for holder in holders {
            let answer: [UInt8]
            do {
                answer = try await transport.call(holder, ControlRequest.pendingChange(id: id).encoded(), timeout: settings.limits.callTimeout)
            } catch {
                unreachable.append(holder)
                continue
            }
            guard var reader = try? ControlResponse.read(answer, from: holder, limits: .default) else { continue }
            guard let pending = try? reader.read(PendingChange.self), (try? reader.finish()) != nil,
                pending.proposer == holder, pending.id(logID: logID) == id
            else {
                throw RuntimeError(.changeRefused, "\(holder) answered a change that is not \(reference)", member: name)
            }
            return (pending, logID, state)
        }
        let note = unreachable.isEmpty ? "" : " (not reachable: \(unreachable.joined(separator: ", ")))"
        throw RuntimeError(.changeRefused, "no voting member's node holds a pending change \(reference)\(note)", member: name)
    }

    /// The version a revocation names: its id, or a contract's name for its one version that is
    /// active or proposed.
    static func revocableVersion(_ reference: String, in state: ConsortiumState) throws -> LedgerHash {
        if let id = LedgerHash(hex: reference) { return id }
        let candidates = state.contracts.values.filter { $0.name == reference && ($0.status == .active || $0.status == .proposed) }
        guard candidates.count == 1, let version = candidates.first else {
            throw RuntimeError(
                .changeRefused,
                candidates.isEmpty
                    ? "no active or proposed version of a contract named \(reference); give the version id (covenant contract list)"
                    : "\(reference) has \(candidates.count) active or proposed versions; give the version id (covenant contract list)")
        }
        return version.versionID
    }

    static func changeID(_ reference: String) throws -> LedgerHash {
        guard let id = LedgerHash(hex: reference) else {
            throw RuntimeError(.changeRefused, "a change id is 64 hex digits (covenant consortium change list)")
        }
        return id
    }
}
