import ConsortiumLedger
import CryptoPrimitives
import Testing
import WireFormat

/// The lifecycle rules, enforced on append (protocols/ledger.md#lifecycle-rules). A refused
/// append stores nothing.
@Suite("Lifecycle rules on append")
struct LifecycleTests {
    let c = Consortium()

    func base() throws -> (Ledger, Consortium.Clock) {
        let clock = Consortium.Clock()
        let ledger = try Ledger.create(in: InMemoryLedgerStore(), genesis: c.genesis, founder: "alice", key: c.key("alice"), timestamp: clock.tick())
        try c.append(ledger, .contractProposed(ContractProposal(versionID: c.versionID, name: "salary_benchmark", source: [1, 2, 3])), by: "bob", clock: clock)
        return (ledger, clock)
    }

    func refused(_ code: LedgerError.Code, _ ledger: Ledger, _ payload: LedgerEntry.Payload, by author: String, key: Ed25519.PrivateKey? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        let before = ledger.size
        let root = ledger.rootHash
        expectLedgerError(code, entry: before, sourceLocation: sourceLocation) {
            try ledger.append(payload, author: author, key: key ?? c.key(author))
        }
        #expect(ledger.size == before, sourceLocation: sourceLocation)
        #expect(ledger.rootHash == root, sourceLocation: sourceLocation)
        #expect((try? ledger.store.entryCount()) == before, sourceLocation: sourceLocation)
    }

    @Test func fullLifecycleIsAccepted() throws {
        let store = InMemoryLedgerStore()
        let ledger = try c.populate(store)
        #expect(ledger.size == 10)
        #expect(ledger.state.contracts[c.versionID]?.status == .active)
        #expect(ledger.state.runs[c.runID]?.status == .published)
        // Reopening replays and verifies everything to the same state.
        let reopened = try Ledger(store: store)
        #expect(reopened.rootHash == ledger.rootHash)
        #expect(reopened.state.runs[c.runID]?.commitments.count == 3)
    }

    @Test func onlyMembersSign() throws {
        let (ledger, _) = try base()
        refused(.notAMember, ledger, .contractApproved(versionID: c.versionID), by: "mallory", key: Ed25519.PrivateKey())
        // A member's name with someone else's key: the signature does not verify (replica path).
        let forged = ledger.nextEntry(.contractApproved(versionID: c.versionID), author: "carol").signed(with: c.key("bob"))
        expectLedgerError(.invalidSignature, entry: 2) { try ledger.receive([forged]) }
        #expect(ledger.size == 2)
    }

    @Test func approvalCountsOncePerMember() throws {
        let (ledger, _) = try base()
        try ledger.append(.contractApproved(versionID: c.versionID), author: "alice", key: c.key("alice"))
        refused(.duplicateApproval, ledger, .contractApproved(versionID: c.versionID), by: "alice")
    }

    @Test func onlyVotingMembersApprove() throws {
        let (ledger, _) = try base()
        refused(.missingRole, ledger, .contractApproved(versionID: c.versionID), by: "dave")
    }

    @Test func activationNeedsQuorum() throws {
        let (ledger, _) = try base()
        try ledger.append(.contractApproved(versionID: c.versionID), author: "alice", key: c.key("alice"))
        refused(.belowQuorum, ledger, .contractActivated(versionID: c.versionID), by: "alice")
        try ledger.append(.contractApproved(versionID: c.versionID), author: "carol", key: c.key("carol"))
        try ledger.append(.contractActivated(versionID: c.versionID), author: "alice", key: c.key("alice"))
        refused(.invalidLifecycleState, ledger, .contractApproved(versionID: c.versionID), by: "bob")
    }

    @Test func runsUseOnlyActiveVersions() throws {
        let (ledger, _) = try base()
        let start = RunStart(runID: c.runID, versionID: c.versionID, circuitHash: c.circuitHash, protocolName: "additive", participants: ["alice", "bob"])
        refused(.versionNotActive, ledger, .runStarted(start), by: "alice")
        var unknown = start
        unknown.versionID = LedgerHash.sha256([9])
        refused(.versionNotActive, ledger, .runStarted(unknown), by: "alice")
    }

    @Test func upgradesNameAnActivePredecessorAndSupersedeIt() throws {
        let (ledger, _) = try base()
        let v2 = LedgerHash.sha256([2])
        refused(.invalidPredecessor, ledger, .contractProposed(ContractProposal(versionID: v2, name: "salary_benchmark", source: [2], predecessor: c.versionID)), by: "bob")
        for name in ["alice", "carol"] { try ledger.append(.contractApproved(versionID: c.versionID), author: name, key: c.key(name)) }
        try ledger.append(.contractActivated(versionID: c.versionID), author: "alice", key: c.key("alice"))
        refused(.invalidPredecessor, ledger, .contractProposed(ContractProposal(versionID: v2, name: "other", source: [2], predecessor: c.versionID)), by: "bob")
        try ledger.append(.contractProposed(ContractProposal(versionID: v2, name: "salary_benchmark", source: [2], predecessor: c.versionID)), author: "bob", key: c.key("bob"))
        for name in ["bob", "carol"] { try ledger.append(.contractApproved(versionID: v2), author: name, key: c.key(name)) }
        try ledger.append(.contractActivated(versionID: v2), author: "alice", key: c.key("alice"))
        #expect(ledger.state.contracts[c.versionID]?.status == .superseded)
        #expect(ledger.state.contracts[v2]?.status == .active)
        refused(.versionNotActive, ledger, .runStarted(RunStart(runID: c.runID, versionID: c.versionID, circuitHash: c.circuitHash, protocolName: "additive", participants: ["alice"])), by: "alice")
    }

    @Test func revocationNeedsQuorumEndorsements() throws {
        let (ledger, _) = try base()
        var revocation = ContractRevocation(versionID: c.versionID, reason: "bug")
        let entry = ledger.nextEntry(.contractRevoked(revocation), author: "alice")
        revocation.endorsements = [entry.endorsement(by: "alice", key: c.key("alice"))]
        refused(.belowQuorum, ledger, .contractRevoked(revocation), by: "alice")
        revocation.endorsements.append(entry.endorsement(by: "alice", key: c.key("alice")))
        refused(.duplicateEndorsement, ledger, .contractRevoked(revocation), by: "alice")
        revocation.endorsements[1] = Endorsement(signer: "bob", signature: [UInt8](repeating: 1, count: 64))
        refused(.invalidEndorsement, ledger, .contractRevoked(revocation), by: "alice")
        revocation.endorsements[1] = entry.endorsement(by: "bob", key: c.key("bob"))
        try ledger.append(.contractRevoked(revocation), author: "alice", key: c.key("alice"), timestamp: entry.timestamp)
        #expect(ledger.state.contracts[c.versionID]?.status == .revoked)
    }

    @Test func membershipChangesNeedQuorum() throws {
        let (ledger, _) = try base()
        let erin = Ed25519.PrivateKey()
        var addition = MemberAddition(member: Member(name: "erin", publicKey: erin.publicKey, roles: [.voting, .participant]), quorumAfter: 3, basis: ledger.state.membershipDigest)
        let entry = ledger.nextEntry(.memberAdded(addition), author: "alice", timestamp: 1_800_000_000_000)
        addition.endorsements = [entry.endorsement(by: "alice", key: c.key("alice"))]
        refused(.belowQuorum, ledger, .memberAdded(addition), by: "alice")
        addition.endorsements.append(entry.endorsement(by: "carol", key: c.key("carol")))
        try ledger.append(.memberAdded(addition), author: "alice", key: c.key("alice"), timestamp: 1_800_000_000_000)
        #expect(ledger.state.members["erin"] != nil)
        #expect(ledger.state.quorum == 3)
        // Erin may now approve; removing erin needs 3 endorsements.
        try ledger.append(.contractApproved(versionID: c.versionID), author: "erin", key: erin)
        var removal = MemberRemoval(name: "erin", quorumAfter: 2, basis: ledger.state.membershipDigest)
        let next = ledger.nextEntry(.memberRemoved(removal), author: "bob", timestamp: 1_800_000_000_001)
        removal.endorsements = ["alice", "bob"].map { next.endorsement(by: $0, key: c.key($0)) }
        refused(.belowQuorum, ledger, .memberRemoved(removal), by: "bob")
        removal.endorsements.append(next.endorsement(by: "erin", key: erin))
        try ledger.append(.memberRemoved(removal), author: "bob", key: c.key("bob"), timestamp: 1_800_000_000_001)
        refused(.notAMember, ledger, .contractApproved(versionID: c.versionID), by: "erin", key: erin)
        // A quorum above the voting members is refused.
        var bad = MemberRemoval(name: "carol", quorumAfter: 3, basis: ledger.state.membershipDigest)
        let badEntry = ledger.nextEntry(.memberRemoved(bad), author: "bob", timestamp: 1_800_000_000_002)
        bad.endorsements = ["alice", "bob"].map { badEntry.endorsement(by: $0, key: c.key($0)) }
        refused(.invalidMembership, ledger, .memberRemoved(bad), by: "bob")
    }

    @Test func runRules() throws {
        let store = InMemoryLedgerStore()
        let ledger = try c.populate(store)
        // The run is closed: no further commitments or results.
        refused(.runClosed, ledger, .inputCommitted(InputCommitment(runID: c.runID, commitment: .zero)), by: "bob")
        let run2 = LedgerHash.sha256(Array("run-2".utf8))
        refused(.notAParticipant, ledger, .runStarted(RunStart(runID: run2, versionID: c.versionID, circuitHash: c.circuitHash, protocolName: "additive", participants: ["alice", "alice"])), by: "alice")
        refused(.duplicateIdentifier, ledger, .runStarted(RunStart(runID: c.runID, versionID: c.versionID, circuitHash: c.circuitHash, protocolName: "additive", participants: ["alice"])), by: "alice")
        refused(.unknownReference, ledger, .runStarted(RunStart(runID: run2, versionID: c.versionID, circuitHash: c.circuitHash, protocolName: "paillier", keyCeremony: .zero, participants: ["alice", "bob"])), by: "alice")
        // A run's minimum of contributors is at least 2 and at most its participants.
        refused(.insufficientContributors, ledger, .runStarted(RunStart(runID: run2, versionID: c.versionID, circuitHash: c.circuitHash, protocolName: "additive", participants: ["alice"])), by: "alice")
        refused(.insufficientContributors, ledger, .runStarted(RunStart(runID: run2, versionID: c.versionID, circuitHash: c.circuitHash, protocolName: "additive", participants: ["alice", "bob"], minimumContributors: 1)), by: "alice")
        refused(.insufficientContributors, ledger, .runStarted(RunStart(runID: run2, versionID: c.versionID, circuitHash: c.circuitHash, protocolName: "additive", participants: ["alice", "bob"], minimumContributors: 3)), by: "alice")
        // Only one of the run's participants starts (coordinates) it.
        refused(.notAParticipant, ledger, .runStarted(RunStart(runID: run2, versionID: c.versionID, circuitHash: c.circuitHash, protocolName: "additive", participants: ["bob", "dave"])), by: "carol")
        try ledger.append(.runStarted(RunStart(runID: run2, versionID: c.versionID, circuitHash: c.circuitHash, protocolName: "additive", participants: ["bob", "dave"])), author: "bob", key: c.key("bob"))
        refused(.notAParticipant, ledger, .inputCommitted(InputCommitment(runID: run2, commitment: .zero)), by: "carol")
        try ledger.append(.inputCommitted(InputCommitment(runID: run2, commitment: .zero)), author: "bob", key: c.key("bob"))
        refused(.duplicateCommitment, ledger, .inputCommitted(InputCommitment(runID: run2, commitment: .zero)), by: "bob")
        try ledger.append(.inputCommitted(InputCommitment(runID: run2, commitment: .zero)), author: "dave", key: c.key("dave"))

        func result(signers: [String], contributors: [String] = ["bob", "dave"], revealedHash: LedgerHash? = nil) -> ResultPublication {
            var r = ResultPublication(
                runID: run2, resultHash: .zero, revealedValues: [1, 2, 3], revealedHash: revealedHash, transcriptHash: .zero,
                contributors: contributors)
            r.contributors = contributors  // as given, unsorted included
            let entry = ledger.nextEntry(.resultPublished(r), author: "bob", timestamp: 1)
            r.endorsements = signers.map { entry.endorsement(by: $0, key: c.key($0)) }
            return r
        }
        refused(.resultHashMismatch, ledger, .resultPublished(result(signers: ["bob", "dave"], revealedHash: .zero)), by: "bob")
        // Rule L12: at least the run's minimum (2) of contributors' endorsements ...
        refused(.insufficientEndorsements, ledger, .resultPublished(result(signers: ["bob"])), by: "bob")
        // ... only contributors endorse ...
        refused(.notAContributor, ledger, .resultPublished(result(signers: ["bob", "dave", "carol"])), by: "bob")
        // ... the contributors are at least the minimum, distinct, in order, and each committed.
        refused(.insufficientContributors, ledger, .resultPublished(result(signers: ["bob"], contributors: ["bob"])), by: "bob")
        refused(.insufficientContributors, ledger, .resultPublished(result(signers: ["bob", "dave"], contributors: ["dave", "bob"])), by: "bob")
        refused(.insufficientContributors, ledger, .resultPublished(result(signers: ["bob", "dave"], contributors: ["bob", "bob", "dave"])), by: "bob")
        refused(.insufficientContributors, ledger, .resultPublished(result(signers: ["bob", "dave"], contributors: ["alice", "bob", "dave"])), by: "bob")
        refused(.notAParticipant, ledger, .resultPublished(result(signers: ["bob", "dave"])), by: "carol")
        // A result must come from the run's participants: a signature by a non-participant key fails.
        var wrongKey = result(signers: ["bob", "dave"])
        wrongKey.endorsements[1] = Endorsement(signer: "dave", signature: c.key("carol").signature(for: [1]))
        refused(.invalidEndorsement, ledger, .resultPublished(wrongKey), by: "bob")
        // Decryption evidence: only for an open run with a key ceremony, by a participant, once.
        refused(.unknownReference, ledger, .decryptionEvidence(DecryptionEvidence(runID: run2, evidence: [1])), by: "bob")
        refused(.runClosed, ledger, .decryptionEvidence(DecryptionEvidence(runID: c.runID, evidence: [1])), by: "alice")
        let ceremony = KeyCeremony(scheme: "paillier-threshold", publicKey: [1, 2], verificationKeys: [[3]], holders: ["bob"])
        // A ceremony names one distinct participant per verification key.
        refused(.notAParticipant, ledger, .keyCeremony(KeyCeremony(scheme: "paillier-threshold", publicKey: [1, 2], verificationKeys: [[3]])), by: "alice")
        refused(.notAParticipant, ledger, .keyCeremony(KeyCeremony(scheme: "paillier-threshold", publicKey: [1, 2], verificationKeys: [[3]], holders: ["mallory"])), by: "alice")
        try ledger.append(.keyCeremony(ceremony), author: "alice", key: c.key("alice"))
        let run3 = LedgerHash.sha256(Array("run-3".utf8))
        // A paillier run lists its key holders first, in share order.
        refused(.notAParticipant, ledger, .runStarted(RunStart(runID: run3, versionID: c.versionID, circuitHash: c.circuitHash, protocolName: "paillier", keyCeremony: ceremony.ceremonyID, participants: ["dave", "bob"])), by: "dave")
        try ledger.append(.runStarted(RunStart(runID: run3, versionID: c.versionID, circuitHash: c.circuitHash, protocolName: "paillier", keyCeremony: ceremony.ceremonyID, participants: ["bob", "dave"])), author: "bob", key: c.key("bob"))
        refused(.notAParticipant, ledger, .decryptionEvidence(DecryptionEvidence(runID: run3, evidence: [1])), by: "carol")
        // Another participant cannot block the run with bogus evidence: only its starter records it.
        refused(.notAParticipant, ledger, .decryptionEvidence(DecryptionEvidence(runID: run3, evidence: [9])), by: "dave")
        try ledger.append(.decryptionEvidence(DecryptionEvidence(runID: run3, evidence: [1])), author: "bob", key: c.key("bob"))
        refused(.duplicateIdentifier, ledger, .decryptionEvidence(DecryptionEvidence(runID: run3, evidence: [2])), by: "bob")
        #expect(ledger.state.runs[run3]?.evidenceAt == ledger.size - 1)
        try ledger.append(.runAborted(RunAbort(runID: run2, reason: "dropout")), author: "dave", key: c.key("dave"))
        refused(.runClosed, ledger, .runAborted(RunAbort(runID: run2, reason: "again")), by: "dave")
    }

    @Test func genesisRules() throws {
        var genesis = c.genesis
        genesis.quorum = 4
        expectLedgerError(.invalidMembership, entry: 0) {
            try Ledger.create(in: InMemoryLedgerStore(), genesis: genesis, founder: "alice", key: c.key("alice"))
        }
        genesis = c.genesis
        genesis.members.append(Member(name: "alice", publicKey: Ed25519.PrivateKey().publicKey, roles: .voting))
        expectLedgerError(.invalidMembership, entry: 0) {
            try Ledger.create(in: InMemoryLedgerStore(), genesis: genesis, founder: "alice", key: c.key("alice"))
        }
        expectLedgerError(.notAMember, entry: 0) {
            try Ledger.create(in: InMemoryLedgerStore(), genesis: c.genesis, founder: "mallory", key: c.key("alice"))
        }
        let (ledger, _) = try base()
        refused(.genesisMisplaced, ledger, .genesis(c.genesis), by: "alice")
    }

    @Test func keyCeremoniesAreRecordedOnce() throws {
        let (ledger, _) = try base()
        let ceremony = KeyCeremony(scheme: "paillier-threshold", publicKey: [0x01, 0x03, 0xAA], verificationKeys: [[1], [2], [3]], holders: ["alice", "bob", "dave"])
        try ledger.append(.keyCeremony(ceremony), author: "alice", key: c.key("alice"))
        #expect(ledger.state.ceremonies[ceremony.ceremonyID] == ceremony)
        refused(.duplicateIdentifier, ledger, .keyCeremony(ceremony), by: "bob")
    }

    @Test func batchesAreAllOrNothing() throws {
        let (ledger, _) = try base()
        let batch = [
            Ledger.Submission(.contractApproved(versionID: c.versionID), author: "alice", key: c.key("alice")),
            Ledger.Submission(.contractApproved(versionID: c.versionID), author: "carol", key: c.key("carol")),
            Ledger.Submission(.contractApproved(versionID: c.versionID), author: "alice", key: c.key("alice")),
        ]
        expectLedgerError(.duplicateApproval, entry: 4) { try ledger.append(batch: batch) }
        #expect(ledger.size == 2)
        #expect(try ledger.store.entryCount() == 2)
        #expect(ledger.state.contracts[c.versionID]?.approvals.isEmpty == true)
        try ledger.append(batch: Array(batch.prefix(2)))
        #expect(ledger.size == 4)
    }

    /// The lone participant's invented result (issue 9): a member starts a run of an active
    /// contract and publishes numbers of its own, endorsed only by itself, before anyone else
    /// commits. Every signature is valid; rule L12 refuses it, on append and in the audit.
    @Test func noResultWithoutItsMembers() throws {
        let store = InMemoryLedgerStore()
        let ledger = try c.populate(store)
        let lone = LedgerHash.sha256(Array("lone".utf8))
        try ledger.append(.runStarted(RunStart(runID: lone, versionID: c.versionID, circuitHash: c.circuitHash, protocolName: "additive", participants: ["alice", "bob", "dave"], minimumContributors: 3)), author: "alice", key: c.key("alice"))
        try ledger.append(.inputCommitted(InputCommitment(runID: lone, commitment: .zero)), author: "alice", key: c.key("alice"))
        func invented(signers: [String]) -> ResultPublication {
            var r = ResultPublication(runID: lone, resultHash: .zero, revealedValues: Array("n=999".utf8), transcriptHash: .zero, contributors: signers)
            let entry = ledger.nextEntry(.resultPublished(r), author: "alice", timestamp: 1)
            r.endorsements = signers.map { entry.endorsement(by: $0, key: c.key($0)) }
            return r
        }
        refused(.insufficientContributors, ledger, .resultPublished(invented(signers: ["alice"])), by: "alice")
        // Two of the contract's three: still refused.
        try ledger.append(.inputCommitted(InputCommitment(runID: lone, commitment: .zero)), author: "bob", key: c.key("bob"))
        refused(.insufficientContributors, ledger, .resultPublished(invented(signers: ["alice", "bob"])), by: "alice")
        // The same forgery written straight into a store (bypassing the append checks) fails the audit.
        let forged = InMemoryLedgerStore()
        let replica = try Ledger(store: forged)
        try replica.receive(try store.entries(from: 0, limit: 1000).map { try SignedEntry.decode($0.bytes, at: $0.index) })
        var publication = ResultPublication(runID: lone, resultHash: .zero, revealedValues: Array("n=999".utf8), transcriptHash: .zero, contributors: ["alice", "bob"])
        let draft = replica.nextEntry(.resultPublished(publication), author: "alice", timestamp: 1_900_000_000_000)
        publication.endorsements = ["alice", "bob"].map { draft.endorsement(by: $0, key: c.key($0)) }
        let bytes = replica.nextEntry(.resultPublished(publication), author: "alice", timestamp: 1_900_000_000_000)
            .signed(with: c.key("alice")).wireEncoded()
        try forged.append([StoredEntry(index: replica.size, bytes: bytes, leafHash: MerkleTree.leafHash(bytes))])
        let report = LedgerAuditor().audit(store: forged)
        #expect(!report.passed)
        #expect(report.failure?.rule == "insufficient-contributors", "\(String(describing: report.failure))")
    }

    /// Governance edges (issue 9): approvals are counted by member and membership epoch, so a
    /// member removed and re-added does not keep its old approval.
    @Test func anApprovalLastsOnlyAsLongAsTheMembership() throws {
        let (ledger, _) = try base()
        try ledger.append(.contractApproved(versionID: c.versionID), author: "carol", key: c.key("carol"))
        // Carol is removed (quorum stays 2 of alice, bob) and re-added with the same name and key.
        var removal = MemberRemoval(name: "carol", quorumAfter: 2, basis: ledger.state.membershipDigest)
        let out = ledger.nextEntry(.memberRemoved(removal), author: "alice", timestamp: 1_800_000_000_000)
        removal.endorsements = ["alice", "bob"].map { out.endorsement(by: $0, key: c.key($0)) }
        try ledger.append(.memberRemoved(removal), author: "alice", key: c.key("alice"), timestamp: out.timestamp)
        var addition = MemberAddition(member: c.members[2], quorumAfter: 2, basis: ledger.state.membershipDigest)
        let back = ledger.nextEntry(.memberAdded(addition), author: "alice", timestamp: 1_800_000_000_001)
        addition.endorsements = ["alice", "bob"].map { back.endorsement(by: $0, key: c.key($0)) }
        try ledger.append(.memberAdded(addition), author: "alice", key: c.key("alice"), timestamp: back.timestamp)
        // With bob's approval the old one of carol would make 2: it no longer counts.
        try ledger.append(.contractApproved(versionID: c.versionID), author: "bob", key: c.key("bob"))
        refused(.belowQuorum, ledger, .contractActivated(versionID: c.versionID), by: "bob")
        // Carol approves again in her new membership: the approval replaces the old one.
        try ledger.append(.contractApproved(versionID: c.versionID), author: "carol", key: c.key("carol"))
        refused(.duplicateApproval, ledger, .contractApproved(versionID: c.versionID), by: "carol")
        try ledger.append(.contractActivated(versionID: c.versionID), author: "bob", key: c.key("bob"))
        #expect(ledger.state.contracts[c.versionID]?.status == .active)
        #expect(ledger.state.contracts[c.versionID]?.approvals == ["bob", "carol"])
    }

    @Test func noResultForARevokedVersion() throws {
        let store = InMemoryLedgerStore()
        let ledger = try Ledger.create(in: store, genesis: c.genesis, founder: "alice", key: c.key("alice"), timestamp: 1_750_000_000_000)
        try ledger.append(.contractProposed(ContractProposal(versionID: c.versionID, name: "salary_benchmark", source: [1])), author: "bob", key: c.key("bob"))
        for name in ["alice", "carol"] { try ledger.append(.contractApproved(versionID: c.versionID), author: name, key: c.key(name)) }
        try ledger.append(.contractActivated(versionID: c.versionID), author: "bob", key: c.key("bob"))
        try ledger.append(.runStarted(RunStart(runID: c.runID, versionID: c.versionID, circuitHash: c.circuitHash, protocolName: "additive", participants: ["alice", "bob"])), author: "alice", key: c.key("alice"))
        for name in ["alice", "bob"] { try ledger.append(.inputCommitted(InputCommitment(runID: c.runID, commitment: .zero)), author: name, key: c.key(name)) }
        var revocation = ContractRevocation(versionID: c.versionID, reason: "a flaw in the contract")
        let entry = ledger.nextEntry(.contractRevoked(revocation), author: "alice")
        revocation.endorsements = ["alice", "bob"].map { entry.endorsement(by: $0, key: c.key($0)) }
        try ledger.append(.contractRevoked(revocation), author: "alice", key: c.key("alice"), timestamp: entry.timestamp)
        var result = ResultPublication(runID: c.runID, resultHash: .zero, revealedValues: [1], transcriptHash: .zero, contributors: ["alice", "bob"])
        let draft = ledger.nextEntry(.resultPublished(result), author: "alice", timestamp: entry.timestamp + 1)
        result.endorsements = ["alice", "bob"].map { draft.endorsement(by: $0, key: c.key($0)) }
        refused(.versionNotActive, ledger, .resultPublished(result), by: "alice")
    }
}

@Suite("Rollback")
struct RollbackTests {
    @Test func aRefusedBatchLeavesNoStaleRoot() throws {
        let c = Consortium()
        let store = InMemoryLedgerStore()
        let ledger = try Ledger.create(in: store, genesis: c.genesis, founder: "alice", key: c.key("alice"))
        try ledger.append(.contractProposed(ContractProposal(versionID: c.versionID, name: "x", source: [1])), author: "bob", key: c.key("bob"))
        // Entries 2 and 3 are fine, entry 4 is refused: the batch rolls back.
        expectLedgerError(.duplicateApproval, entry: 4) {
            try ledger.append(batch: [
                .init(.contractApproved(versionID: c.versionID), author: "alice", key: c.key("alice")),
                .init(.keyCeremony(KeyCeremony(scheme: "s", publicKey: [1], verificationKeys: [])), author: "bob", key: c.key("bob")),
                .init(.contractApproved(versionID: c.versionID), author: "alice", key: c.key("alice")),
            ])
        }
        // A different entry at the same positions gets the right previous root.
        try ledger.append(.keyCeremony(KeyCeremony(scheme: "t", publicKey: [2], verificationKeys: [])), author: "carol", key: c.key("carol"))
        try ledger.append(.keyCeremony(KeyCeremony(scheme: "u", publicKey: [3], verificationKeys: [])), author: "carol", key: c.key("carol"))
        let reopened = try Ledger(store: store)
        #expect(reopened.rootHash == ledger.rootHash)
        #expect(LedgerAuditor().audit(store: store).passed)
    }
}
