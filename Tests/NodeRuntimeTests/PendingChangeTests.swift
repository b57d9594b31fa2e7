import ConsortiumLedger
import CryptoPrimitives
import Foundation
import Runtime
import Testing
import WireFormat
@testable import NodeRuntime

/// The pending consortium changes a node keeps (protocols/node.md#consortium-changes): what an
/// endorser signs is what the ledger checks, endorsements are refused from anyone but a current
/// voting member signing as itself, once each, a change goes stale when the membership moves on,
/// and the store survives a restart and is bounded.
@Suite("Pending consortium changes")
struct PendingChangeTests {
    let keys = ["a": Ed25519.PrivateKey(), "b": Ed25519.PrivateKey(), "c": Ed25519.PrivateKey()]

    /// a (voting, sequencer), b (voting), c (participant only); quorum 2.
    func ledger() throws -> Ledger {
        let members = [
            ConsortiumLedger.Member(name: "a", publicKey: keys["a"]!.publicKey, roles: [.voting, .sequencer, .participant]),
            ConsortiumLedger.Member(name: "b", publicKey: keys["b"]!.publicKey, roles: [.voting, .participant]),
            ConsortiumLedger.Member(name: "c", publicKey: keys["c"]!.publicKey, roles: [.participant]),
        ]
        return try Ledger.create(
            in: InMemoryLedgerStore(), genesis: Genesis(consortium: "t", nonce: Array(repeating: 7, count: 16), members: members, quorum: 2),
            founder: "a", key: keys["a"]!)
    }

    func endorsement(_ change: PendingChange, by signer: String, key: String? = nil, logID: LedgerHash) -> Endorsement {
        Endorsement(signer: signer, signature: keys[key ?? signer]!.signature(for: change.endorsementMessage(logID: logID)))
    }

    func temporaryFile() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("changes-\(UUID().uuidString)").path
    }

    @Test("a roles change endorsed by a quorum of voting members is what the ledger accepts; refused endorsements; stale afterwards")
    func rolesChange() throws {
        let ledger = try ledger()
        let state = ledger.state
        let logID = ledger.logID
        var change = PendingChange(
            change: .roles(ContractRoleChange(member: "c", contractRoles: ["regulator"], basis: state.membershipDigest)), proposer: "a")
        try change.check(against: state)
        let id = change.id(logID: logID)
        change = change.adding(endorsement(change, by: "a", logID: logID))
        #expect(change.id(logID: logID) == id, "the id names the subject, not the endorsements")

        // Refused: a non-voting member, a signature by another key, a name other than the caller's, twice.
        #expect(throws: RuntimeError.self) { try change.checkEndorsement(endorsement(change, by: "c", logID: logID), by: "c", in: state) }
        #expect(throws: RuntimeError.self) { try change.checkEndorsement(endorsement(change, by: "b", key: "c", logID: logID), by: "b", in: state) }
        #expect(throws: RuntimeError.self) { try change.checkEndorsement(endorsement(change, by: "b", logID: logID), by: "c", in: state) }
        let again = #expect(throws: RuntimeError.self) { try change.checkEndorsement(endorsement(change, by: "a", logID: logID), by: "a", in: state) }
        #expect(again?.code == .changeRefused && again?.message.contains("already endorsed") == true)
        let fromB = endorsement(change, by: "b", logID: logID)
        try change.checkEndorsement(fromB, by: "b", in: state)
        #expect(change.adding(endorsement(change, by: "b", key: "c", logID: logID)).verifiedEndorsers(in: state) == ["a"])
        change = change.adding(fromB)
        #expect(change.verifiedEndorsers(in: state) == ["a", "b"])

        // Below quorum the ledger refuses it; at quorum it records it.
        guard case .contractRolesChanged(var one) = change.payload else { Issue.record("not a roles change"); return }
        one.endorsements = Array(one.endorsements.prefix(1))
        #expect(throws: LedgerError.self) { try ledger.append(.contractRolesChanged(one), author: "a", key: keys["a"]!) }
        try ledger.append(change.payload, author: "a", key: keys["a"]!)
        #expect(ledger.state.members["c"]?.contractRoles == ["regulator"])

        // The membership moved on: the same change is stale.
        let stale = #expect(throws: RuntimeError.self) { try change.check(against: ledger.state) }
        #expect(stale?.message.contains("stale") == true)

        // Its role taken away again by a second change; replaying the first entry, with its valid
        // endorsements, would give the role back: the ledger refuses it (its basis is spent, rule L5).
        var back = PendingChange(
            change: .roles(ContractRoleChange(member: "c", contractRoles: [], basis: ledger.state.membershipDigest)), proposer: "b")
        for signer in ["a", "b"] { back = back.adding(endorsement(back, by: signer, logID: logID)) }
        try ledger.append(back.payload, author: "b", key: keys["b"]!)
        #expect(ledger.state.members["c"]?.contractRoles == [])
        let replay = #expect(throws: LedgerError.self) { try ledger.append(change.payload, author: "a", key: keys["a"]!) }
        #expect(replay?.code == .invalidMembership && replay?.message.contains("another membership") == true, "\(String(describing: replay))")
        #expect(ledger.state.members["c"]?.contractRoles == [])
    }

    @Test("an addition is checked against the replica: a fresh name and key, ledger roles, and a reachable quorum")
    func addMember() throws {
        let state = try ledger().state
        let basis = state.membershipDigest
        func addition(_ name: String, _ key: Ed25519.PublicKey, roles: MemberRoles = [.voting, .participant], quorum: UInt32 = 2) -> PendingChange {
            PendingChange(
                change: .addMember(MemberAddition(member: .init(name: name, publicKey: key, roles: roles, contractRoles: ["auditor"]), quorumAfter: quorum, basis: basis)), proposer: "a")
        }
        let fresh = Ed25519.PrivateKey().publicKey
        try addition("d", fresh).check(against: state)
        try addition("d", fresh, quorum: 3).check(against: state)
        #expect(throws: RuntimeError.self) { try addition("b", fresh).check(against: state) }
        #expect(throws: RuntimeError.self) { try addition("d", keys["c"]!.publicKey).check(against: state) }
        #expect(throws: RuntimeError.self) { try addition("d", fresh, quorum: 4).check(against: state) }
        #expect(throws: RuntimeError.self) { try addition("d", fresh, roles: [.participant], quorum: 3).check(against: state) }
        #expect(throws: RuntimeError.self) { try addition("d", fresh, quorum: 0).check(against: state) }
    }

    @Test("a removal is checked against the replica: a current member other than the sequencer, a quorum the voting members left can reach; endorsed by a quorum, the ledger accepts it")
    func removeMember() throws {
        let ledger = try ledger()
        let state = ledger.state
        let basis = state.membershipDigest
        func removal(_ name: String, quorum: UInt32) -> PendingChange {
            PendingChange(change: .removeMember(MemberRemoval(name: name, quorumAfter: quorum, basis: basis)), proposer: "a")
        }
        try removal("c", quorum: 2).check(against: state)
        try removal("b", quorum: 1).check(against: state)
        #expect(throws: RuntimeError.self) { try removal("b", quorum: 2).check(against: state) }  // one voting member left
        #expect(throws: RuntimeError.self) { try removal("a", quorum: 1).check(against: state) }  // the sequencer
        #expect(throws: RuntimeError.self) { try removal("z", quorum: 1).check(against: state) }
        #expect(throws: RuntimeError.self) { try removal("c", quorum: 0).check(against: state) }
        // What the change gathers is what the ledger records.
        var change = removal("c", quorum: 2)
        let logID = ledger.logID
        for signer in ["a", "b"] { change = change.adding(endorsement(change, by: signer, logID: logID)) }
        try ledger.append(change.payload, author: "a", key: keys["a"]!)
        #expect(ledger.state.members["c"] == nil)
    }

    @Test("a revocation names a proposed or active version and a reason; endorsed by a quorum, the ledger revokes the version, and the same revocation is refused afterwards")
    func revokeContract() throws {
        let ledger = try ledger()
        let logID = ledger.logID
        let versionID = LedgerHash.sha256(Array("contract stats version 1".utf8))
        try ledger.append(.contractProposed(ContractProposal(versionID: versionID, name: "stats", source: Array("contract stats version 1 {}".utf8))), author: "a", key: keys["a"]!)
        for approver in ["a", "b"] { try ledger.append(.contractApproved(versionID: versionID), author: approver, key: keys[approver]!) }
        try ledger.append(.contractActivated(versionID: versionID), author: "a", key: keys["a"]!)
        let state = ledger.state
        #expect(state.contracts[versionID]?.status == .active)
        #expect(try MemberNode.revocableVersion("stats", in: state) == versionID)
        #expect(try MemberNode.revocableVersion(versionID.hex, in: state) == versionID)
        #expect(throws: RuntimeError.self) { try MemberNode.revocableVersion("other", in: state) }

        func revocation(_ id: LedgerHash, reason: String = "the consortium withdrew consent") -> PendingChange {
            PendingChange(change: .revokeContract(ContractRevocation(versionID: id, reason: reason)), proposer: "b")
        }
        #expect(revocation(versionID).basis == nil, "a revocation does not depend on the membership")
        #expect(throws: RuntimeError.self) { try revocation(.sha256([1])).check(against: state) }
        #expect(throws: RuntimeError.self) { try revocation(versionID, reason: "").check(against: state) }
        #expect(throws: RuntimeError.self) { try revocation(versionID, reason: String(repeating: "x", count: 1025)).check(against: state) }
        var change = revocation(versionID)
        try change.check(against: state)
        // Endorsed by one voting member, below the quorum of 2: the ledger refuses it.
        change = change.adding(endorsement(change, by: "b", logID: logID))
        #expect(throws: LedgerError.self) { try ledger.append(change.payload, author: "b", key: keys["b"]!) }
        try change.checkEndorsement(endorsement(change, by: "a", logID: logID), by: "a", in: state)
        #expect(throws: RuntimeError.self) { try change.checkEndorsement(endorsement(change, by: "c", logID: logID), by: "c", in: state) }
        change = change.adding(endorsement(change, by: "a", logID: logID))
        try ledger.append(change.payload, author: "b", key: keys["b"]!)
        #expect(ledger.state.contracts[versionID]?.status == .revoked)

        // Revoked once: drafting it again is refused by the node, replaying it by the ledger.
        let again = #expect(throws: RuntimeError.self) { try change.check(against: ledger.state) }
        #expect(again?.message.contains("already revoked") == true)
        #expect(throws: LedgerError.self) { try ledger.append(change.payload, author: "b", key: keys["b"]!) }
        #expect(throws: RuntimeError.self) { try MemberNode.revocableVersion("stats", in: ledger.state) }

        // It travels as control call 13 answers it and the pending-change file keeps it.
        let decoded = try PendingChange(wireEncoded: change.wireEncoded())
        #expect(decoded == change && decoded.kind == .contractRevoked)
        // A reason is printed on every member's terminal: no control characters.
        #expect(throws: RuntimeError.self) { try revocation(versionID, reason: "ok\u{1B}[2J").check(against: state) }
    }

    @Test("a revocation endorsed by a member removed before the quorum: that endorsement is dropped, not recorded with the others, so the ledger accepts the change")
    func revocationOutlivesItsEndorser() throws {
        let ledger = try ledger()
        let logID = ledger.logID
        let versionID = LedgerHash.sha256(Array("contract stats version 1".utf8))
        try ledger.append(.contractProposed(ContractProposal(versionID: versionID, name: "stats", source: Array("contract stats version 1 {}".utf8))), author: "a", key: keys["a"]!)
        var change = PendingChange(change: .revokeContract(ContractRevocation(versionID: versionID, reason: "withdrawn")), proposer: "a")
        change = change.adding(endorsement(change, by: "b", logID: logID))
        // b is removed (quorum 1 after it) while the revocation waits.
        var removal = PendingChange(change: .removeMember(MemberRemoval(name: "b", quorumAfter: 1, basis: ledger.state.membershipDigest)), proposer: "a")
        for signer in ["a", "b"] { removal = removal.adding(endorsement(removal, by: signer, logID: logID)) }
        try ledger.append(removal.payload, author: "a", key: keys["a"]!)
        change = change.adding(endorsement(change, by: "a", logID: logID))
        try change.check(against: ledger.state)
        #expect(change.verifiedEndorsers(in: ledger.state) == ["a"])
        // With b's endorsement the ledger refuses the entry, for good; kept to the verified ones, it records it.
        #expect(throws: LedgerError.self) { try ledger.append(change.payload, author: "a", key: keys["a"]!) }
        let kept = change.keeping(Set(change.verifiedEndorsers(in: ledger.state)))
        #expect(kept.endorsements.map(\.signer) == ["a"] && kept.id(logID: logID) == change.id(logID: logID))
        try ledger.append(kept.payload, author: "a", key: keys["a"]!)
        #expect(ledger.state.contracts[versionID]?.status == .revoked)
    }

    @Test("a witness answers whether a coordinator is reachable only about an open run it shares with the caller, or orders as the sequencer")
    func reachIsAnsweredOnlyAboutSharedRuns() throws {
        let ledger = try ledger()
        let versionID = LedgerHash.sha256(Array("contract stats version 1".utf8))
        try ledger.append(.contractProposed(ContractProposal(versionID: versionID, name: "stats", source: Array("contract stats version 1 {}".utf8))), author: "a", key: keys["a"]!)
        for approver in ["a", "b"] { try ledger.append(.contractApproved(versionID: versionID), author: approver, key: keys[approver]!) }
        try ledger.append(.contractActivated(versionID: versionID), author: "a", key: keys["a"]!)
        // A run of b and c coordinated by b, open.
        let runID = LedgerHash.sha256([9])
        try ledger.append(.runStarted(RunStart(runID: runID, versionID: versionID, circuitHash: .sha256([1]), protocolName: "additive", participants: ["b", "c"])), author: "b", key: keys["b"]!)
        let state = ledger.state
        func answers(about peer: String, from caller: String, at member: String) -> Bool {
            MemberNode.answersReach(about: peer, from: caller, at: member, sequencer: "a", in: state)
        }
        #expect(answers(about: "b", from: "c", at: "a"), "the sequencer orders every run")
        #expect(!answers(about: "a", from: "c", at: "b"), "a coordinates no open run")
        #expect(!answers(about: "b", from: "a", at: "c"), "a takes no part in the run")
        #expect(!answers(about: "b", from: "b", at: "a"), "a coordinator does not ask about itself")
        #expect(!answers(about: "a", from: "c", at: "a"), "nor is a witness asked about itself")
        try ledger.append(.runAborted(RunAbort(runID: runID, reason: "test")), author: "b", key: keys["b"]!)
        #expect(!MemberNode.answersReach(about: "b", from: "c", at: "a", sequencer: "a", in: ledger.state), "the run is closed")
    }

    @Test("the store survives a restart, refuses a damaged file, forgets removed changes and is bounded")
    func store() throws {
        let ledger = try ledger()
        let logID = ledger.logID
        let basis = ledger.state.membershipDigest
        let file = temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        var store = try PendingChangeStore(file: file, logID: logID)
        #expect(store.all.isEmpty)
        var change = PendingChange(change: .roles(ContractRoleChange(member: "b", contractRoles: ["regulator", "auditor"], basis: basis)), proposer: "a")
        change = change.adding(endorsement(change, by: "a", logID: logID))
        try store.keep(change)
        let id = change.id(logID: logID)

        let reopened = try PendingChangeStore(file: file, logID: logID)
        #expect(reopened.change(id) == change)
        #expect(reopened.all.count == 1)

        store = reopened
        try store.remove(id)
        #expect(try PendingChangeStore(file: file, logID: logID).all.isEmpty)

        for index in 0..<PendingChangeStore.maximumCount {
            try store.keep(PendingChange(change: .roles(ContractRoleChange(member: "b", contractRoles: ["r\(index)"], basis: basis)), proposer: "a"))
        }
        let full = #expect(throws: RuntimeError.self) {
            try store.keep(PendingChange(change: .roles(ContractRoleChange(member: "c", contractRoles: ["x"], basis: basis)), proposer: "a"))
        }
        #expect(full?.code == .changeRefused)
        #expect(try PendingChangeStore(file: file, logID: logID).all.count == PendingChangeStore.maximumCount)

        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: file))
        let damaged = #expect(throws: RuntimeError.self) { try PendingChangeStore(file: file, logID: logID) }
        #expect(damaged?.code == .invalidConfiguration)
    }
}
