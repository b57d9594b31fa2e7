import ConsortiumLedger
import CryptoPrimitives
import Foundation
import Testing
import WireFormat

/// Contract roles live on the ledger (protocols/ledger.md#members-and-roles, rules L5 and L15):
/// the genesis and member-added entries record each member's roles, the state derives who a
/// `reveal … to role` designates, and a result's recorded view recipients must be exactly those.
@Suite("Contract roles on the ledger")
struct ContractRoleTests {
    let c = Consortium()

    /// The fixture's members, carol holding `regulator` and bob `auditor`.
    var members: [Member] {
        c.members.map { member in
            var member = member
            member.contractRoles = ["carol": ["regulator"], "bob": ["auditor"]][member.name] ?? []
            return member
        }
    }

    func genesis(_ members: [Member]) -> Genesis {
        Genesis(consortium: "test-consortium", nonce: [UInt8](repeating: 7, count: 16), members: members, quorum: 2)
    }

    /// Genesis with roles, an active version and an open run of alice, bob and dave, each committed.
    func openRun(in store: any LedgerStore) throws -> Ledger {
        let clock = Consortium.Clock()
        let ledger = try Ledger.create(in: store, genesis: genesis(members), founder: "alice", key: c.key("alice"), timestamp: clock.tick())
        try c.append(ledger, .contractProposed(ContractProposal(versionID: c.versionID, name: "salary_benchmark", source: Array("contract salary_benchmark version 1 {}".utf8))), by: "bob", clock: clock)
        for name in ["alice", "carol"] { try c.append(ledger, .contractApproved(versionID: c.versionID), by: name, clock: clock) }
        try c.append(ledger, .contractActivated(versionID: c.versionID), by: "bob", clock: clock)
        try c.append(ledger, .runStarted(RunStart(runID: c.runID, versionID: c.versionID, circuitHash: c.circuitHash, protocolName: "additive", participants: ["alice", "bob", "dave"])), by: "alice", clock: clock)
        for name in ["alice", "bob", "dave"] {
            try c.append(ledger, .inputCommitted(InputCommitment(runID: c.runID, commitment: LedgerHash.sha256(Array(name.utf8)))), by: name, clock: clock)
        }
        return ledger
    }

    /// A result recording `recipients`, endorsed by its three contributors.
    func result(_ recipients: [ViewRecipients], for ledger: Ledger) -> ResultPublication {
        var result = c.result(for: ledger, signers: [])
        result.recipients = recipients
        let entry = ledger.nextEntry(.resultPublished(result), author: "alice")
        result.endorsements = ["alice", "bob", "dave"].map { entry.endorsement(by: $0, key: c.key($0)) }
        return result
    }

    @Test("the genesis records each member's contract roles; the state derives who each recipient designates; the encoding round-trips")
    func genesisRecordsRoles() throws {
        let ledger = try Ledger.create(in: InMemoryLedgerStore(), genesis: genesis(members), founder: "alice", key: c.key("alice"))
        let state = ledger.state
        #expect(state.contractRoles == ["regulator": ["carol"], "auditor": ["bob"]])
        #expect(state.designatedMembers(#"role "regulator""#) == ["carol"])
        #expect(state.designatedMembers(#"member "dave""#) == ["dave"])
        #expect(state.designatedMembers(#"member "zed""#).isEmpty)
        #expect(state.designatedMembers("all").isEmpty)
        #expect(!state.designates(#"role "regulator""#, member: "alice"))
        // A member's record, roles included, decodes to itself; the roles are sorted and distinct.
        let member = Member(name: "erin", publicKey: c.key("alice").publicKey, roles: .participant, contractRoles: ["z", "a", "z"])
        #expect(member.contractRoles == ["a", "z"])
        #expect(try Member(wireEncoded: member.wireEncoded()) == member)
    }

    @Test("a genesis whose contract roles are ill-formed is refused at entry 0, on append and in the audit", arguments: [["Regulator ", "x"], ["regulator", "auditor"], ["regulator", "regulator"], [""]])
    func illFormedRolesAreRefused(_ roles: [String]) throws {
        var list = members
        list[0].contractRoles = roles  // as recorded, bypassing the initialiser's sorting
        expectLedgerError(.invalidMembership, entry: 0) {
            _ = try Ledger.create(in: InMemoryLedgerStore(), genesis: genesis(list), founder: "alice", key: c.key("alice"))
        }
        let store = InMemoryLedgerStore()
        var writer = try RawWriter(store)
        try writer.write(.genesis(genesis(list)), by: "alice", key: c.key("alice"))
        expectAuditFailure(LedgerAuditor().audit(store: store), .invalidMembership, entry: 0)
    }

    @Test("a member-added entry records the new member's roles; a removal takes them away")
    func membershipChangesCarryRoles() throws {
        let ledger = try Ledger.create(in: InMemoryLedgerStore(), genesis: genesis(members), founder: "alice", key: c.key("alice"))
        let erin = Ed25519.PrivateKey()
        var addition = MemberAddition(member: Member(name: "erin", publicKey: erin.publicKey, roles: [.voting], contractRoles: ["regulator"]), quorumAfter: 2, basis: ledger.state.membershipDigest)
        let entry = ledger.nextEntry(.memberAdded(addition), author: "alice")
        addition.endorsements = ["alice", "bob"].map { entry.endorsement(by: $0, key: c.key($0)) }
        try ledger.append(.memberAdded(addition), author: "alice", key: c.key("alice"), timestamp: entry.timestamp)
        #expect(ledger.state.designatedMembers(#"role "regulator""#) == ["carol", "erin"])
        var removal = MemberRemoval(name: "carol", quorumAfter: 2, basis: ledger.state.membershipDigest)
        let next = ledger.nextEntry(.memberRemoved(removal), author: "alice")
        removal.endorsements = ["alice", "bob"].map { next.endorsement(by: $0, key: c.key($0)) }
        try ledger.append(.memberRemoved(removal), author: "alice", key: c.key("alice"), timestamp: next.timestamp)
        #expect(ledger.state.contractRoles["regulator"] == ["erin"])
        // An addition with an ill-formed role is refused like a genesis.
        var bad = MemberAddition(member: Member(name: "finn", publicKey: Ed25519.PrivateKey().publicKey, roles: [.voting]), quorumAfter: 2, basis: ledger.state.membershipDigest)
        bad.member.contractRoles = ["b", "a"]
        let badEntry = ledger.nextEntry(.memberAdded(bad), author: "alice")
        bad.endorsements = ["alice", "bob"].map { badEntry.endorsement(by: $0, key: c.key($0)) }
        expectLedgerError(.invalidMembership, entry: ledger.size) {
            try ledger.append(.memberAdded(bad), author: "alice", key: c.key("alice"), timestamp: badEntry.timestamp)
        }
    }

    @Test("a contract-roles-changed entry needs a voting author and quorum endorsements; afterwards the role reaches its new holders only, results included")
    func roleChangesNeedQuorum() throws {
        let ledger = try openRun(in: InMemoryLedgerStore())
        func change(_ member: String, _ roles: [String], endorsedBy signers: [String], author: String = "alice") -> LedgerEntry.Payload {
            var change = ContractRoleChange(member: member, contractRoles: roles, basis: ledger.state.membershipDigest)
            let entry = ledger.nextEntry(.contractRolesChanged(change), author: author)
            change.endorsements = signers.map { entry.endorsement(by: $0, key: c.key($0)) }
            return .contractRolesChanged(change)
        }
        func refused(_ code: LedgerError.Code, _ payload: LedgerEntry.Payload, by author: String = "alice") {
            let before = ledger.size
            expectLedgerError(code, entry: before) { try ledger.append(payload, author: author, key: c.key(author)) }
            #expect(ledger.size == before)
        }
        refused(.belowQuorum, change("bob", ["regulator"], endorsedBy: ["alice"]))
        refused(.missingRole, change("bob", ["regulator"], endorsedBy: ["alice", "bob"], author: "dave"), by: "dave")
        refused(.unknownReference, change("zed", ["regulator"], endorsedBy: ["alice", "bob"]))
        var unsorted = ContractRoleChange(member: "bob", contractRoles: [], basis: ledger.state.membershipDigest)
        unsorted.contractRoles = ["regulator", "auditor"]
        let draft = ledger.nextEntry(.contractRolesChanged(unsorted), author: "alice")
        unsorted.endorsements = ["alice", "bob"].map { draft.endorsement(by: $0, key: c.key($0)) }
        refused(.invalidMembership, .contractRolesChanged(unsorted))
        // The regulator role moves from carol to bob.
        try ledger.append(change("bob", ["auditor", "regulator"], endorsedBy: ["alice", "carol"]), author: "alice", key: c.key("alice"))
        try ledger.append(change("carol", [], endorsedBy: ["alice", "bob"]), author: "alice", key: c.key("alice"))
        #expect(ledger.state.contractRoles == ["regulator": ["bob"], "auditor": ["bob"]])
        // A result now records the new holder; the former one is refused.
        let stale = result([ViewRecipients(recipient: #"role "regulator""#, members: ["carol"])], for: ledger)
        refused(.recipientMismatch, .resultPublished(stale))
        try ledger.append(
            .resultPublished(result([ViewRecipients(recipient: #"role "regulator""#, members: ["bob"])], for: ledger)),
            author: "alice", key: c.key("alice"))
        let report = LedgerAuditor().audit(store: ledger.store)
        #expect(report.passed, "\(String(describing: report.failure))")
        #expect(report.entryKinds["contract-roles-changed"] == 2)
    }

    @Test("a result's recorded view recipients must be the ledger's: the holders of the role, the named member, in order, never all")
    func resultRecipientsMatchTheLedger() throws {
        let wrong: [[ViewRecipients]] = [
            [ViewRecipients(recipient: #"role "regulator""#, members: ["alice"])],  // the coordinator made itself the regulator
            [ViewRecipients(recipient: #"role "regulator""#, members: ["alice", "carol"])],
            [ViewRecipients(recipient: #"role "regulator""#, members: [])],
            [ViewRecipients(recipient: #"member "dave""#, members: ["alice"])],
            [ViewRecipients(recipient: "all", members: [])],
            [ViewRecipients(recipient: #"role "a b""#, members: [])],
        ]
        for recipients in wrong {
            let ledger = try openRun(in: InMemoryLedgerStore())
            let before = ledger.size
            expectLedgerError(.recipientMismatch, entry: before) {
                try ledger.append(.resultPublished(result(recipients, for: ledger)), author: "alice", key: c.key("alice"))
            }
            #expect(ledger.size == before)
        }
        // Out of order: the same recipients, hand-ordered the wrong way round.
        let ledger = try openRun(in: InMemoryLedgerStore())
        var unordered = result([], for: ledger)
        unordered.recipients = [ViewRecipients(recipient: #"role "regulator""#, members: ["carol"]), ViewRecipients(recipient: #"member "dave""#, members: ["dave"])]
        let draft = ledger.nextEntry(.resultPublished(unordered), author: "alice")
        unordered.endorsements = ["alice", "bob", "dave"].map { draft.endorsement(by: $0, key: c.key($0)) }
        expectLedgerError(.recipientMismatch, entry: ledger.size) {
            try ledger.append(.resultPublished(unordered), author: "alice", key: c.key("alice"))
        }
        // The ledger's own designation is accepted, and the audit reports who received each view.
        let honest = [ViewRecipients(recipient: #"member "dave""#, members: ["dave"]), ViewRecipients(recipient: #"role "regulator""#, members: ["carol"])]
        try ledger.append(.resultPublished(result(honest, for: ledger)), author: "alice", key: c.key("alice"))
        let report = LedgerAuditor().audit(store: ledger.store)
        #expect(report.passed, "\(String(describing: report.failure))")
        #expect(report.runs.first?.viewRecipients == [#"role "regulator""#: ["carol"], #"member "dave""#: ["dave"]])
        #expect(report.runs.first?.checks.contains { $0.name == "lifecycle" && $0.detail.contains(#"role "regulator" → carol"#) } == true)
    }

    @Test("the audit detects a hand-built result whose recipients are not the role's holders on the ledger, located at that entry")
    func auditDetectsForeignRecipients() throws {
        let store = try SQLiteLedgerStore(path: temporaryLedgerPath())
        let ledger = try openRun(in: store)
        let forged = result([ViewRecipients(recipient: #"role "regulator""#, members: ["alice"])], for: ledger)
        var writer = try RawWriter(store)
        let index = try writer.write(ledger.nextEntry(.resultPublished(forged), author: "alice"), key: c.key("alice"))
        let report = LedgerAuditor().audit(store: store)
        expectAuditFailure(report, .recipientMismatch, entry: index)
        #expect(report.failure?.message.contains("went to [alice]; the ledger designates [carol]") == true, "\(String(describing: report.failure))")
    }

    @Test("a ledger written before contract roles were recorded does not decode: its genesis fails as malformed-encoding at entry 0, never misread")
    func earlierFormatIsRefused() throws {
        // The earlier genesis: members as `string name ‖ bytes[32] key ‖ u8 roles`, nothing after.
        var payload = WireWriter()
        payload.writeString("test-consortium")
        payload.writeRawBytes([UInt8](repeating: 7, count: 16))
        payload.writeUInt32(UInt32(c.members.count))
        for member in c.members {
            payload.writeString(member.name)
            payload.writeRawBytes(member.publicKey.rawRepresentation)
            payload.writeUInt8(member.roles.rawValue)
        }
        payload.writeUInt32(2)
        var body = WireWriter()
        body.writeUInt16(LedgerEntry.Kind.genesis.rawValue)
        body.writeUInt64(0)
        body.writeRawBytes(LedgerHash.zero.bytes)
        body.writeRawBytes(LedgerHash.sha256([]).bytes)
        body.writeUInt64(1_750_000_000_000)
        body.writeString("alice")
        body.writeRawBytes(payload.bytes)
        let signature = c.key("alice").signature(for: Array("covenant.ledger.entry.v1".utf8) + [0] + body.bytes)
        let bytes = body.bytes + signature
        let store = try SQLiteLedgerStore(path: temporaryLedgerPath())
        try store.append([StoredEntry(index: 0, bytes: bytes, leafHash: MerkleTree.leafHash(bytes))])
        expectAuditFailure(LedgerAuditor().audit(store: store), .malformedEncoding, entry: 0)
    }
}
