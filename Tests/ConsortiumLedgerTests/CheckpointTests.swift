import ConsortiumLedger
import CryptoPrimitives
import Testing
import WireFormat

@Suite("Checkpoints, cosignatures and equivocation")
struct CheckpointTests {
    let c = Consortium()


    @Test func cosigningChecksTheReplica() throws {
        let ledger = try c.populate(InMemoryLedgerStore())
        try ledger.append(.keyCeremony(KeyCeremony(scheme: "s", publicKey: [1], verificationKeys: [])), author: "bob", key: c.key("bob"))
        var checkpoint = try ledger.signCheckpoint(as: "alice", key: c.key("alice"))
        #expect(try !ledger.isFinal(checkpoint))
        checkpoint = try ledger.addCosignature(try ledger.cosign(checkpoint, as: "bob", key: c.key("bob")), to: checkpoint)
        #expect(try !ledger.isFinal(checkpoint))
        checkpoint = try ledger.addCosignature(try ledger.cosign(checkpoint, as: "carol", key: c.key("carol")), to: checkpoint)
        #expect(try ledger.isFinal(checkpoint))
        // Dave is not a voting member; bob's key is not carol's.
        expectLedgerError(.missingRole) { _ = try ledger.cosign(checkpoint, as: "dave", key: c.key("dave")) }
        expectLedgerError(.invalidCosignature) { _ = try ledger.cosign(checkpoint, as: "carol", key: c.key("bob")) }
        // Only a sequencer signs checkpoints.
        expectLedgerError(.invalidCheckpointSignature) { try ledger.signCheckpoint(as: "bob", key: c.key("bob")) }
        // A checkpoint with a root this replica does not have is never cosigned.
        let lie = SignedCheckpoint.sign(Checkpoint(logID: ledger.logID, size: 5, root: .zero), as: "alice", key: c.key("alice"))
        expectLedgerError(.checkpointRootMismatch) { _ = try ledger.cosign(lie, as: "bob", key: c.key("bob")) }
        let ahead = SignedCheckpoint.sign(Checkpoint(logID: ledger.logID, size: 50, root: .zero), as: "alice", key: c.key("alice"))
        expectLedgerError(.outOfRange) { _ = try ledger.cosign(ahead, as: "bob", key: c.key("bob")) }
        // A forged cosignature is refused when recorded.
        var forged = checkpoint
        forged.cosignatures = [Cosignature(signer: "bob", signature: c.key("carol").signature(for: checkpoint.checkpoint.cosignerMessage))]
        expectLedgerError(.invalidCosignature) { try ledger.addCheckpoint(forged) }
    }

    /// Two replicas of one log (A's store, A and B), each with the same entries and checkpoints.
    func twoReplicas() throws -> (InMemoryLedgerStore, Ledger, Ledger) {
        let storeA = InMemoryLedgerStore()
        let ledgerA = try c.populate(storeA)
        let storeB = InMemoryLedgerStore()
        try storeB.append(try storeA.entries(from: 0, limit: 100))
        for checkpoint in try storeA.checkpoints() { try storeB.saveCheckpoint(checkpoint) }
        return (storeA, ledgerA, try Ledger(store: storeB))
    }

    @Test func equivocationIsDetectedByAMember() throws {
        // Two replicas with the same prefix; the sequencer shows each a different entry 10.
        let (storeA, ledgerA, ledgerB) = try twoReplicas()
        try ledgerA.append(.keyCeremony(KeyCeremony(scheme: "paillier-threshold", publicKey: [1], verificationKeys: [])), author: "alice", key: c.key("alice"))
        try ledgerB.append(.keyCeremony(KeyCeremony(scheme: "paillier-threshold", publicKey: [2], verificationKeys: [])), author: "alice", key: c.key("alice"))
        let checkpointA = try ledgerA.signCheckpoint(as: "alice", key: c.key("alice"))
        let checkpointB = try ledgerB.signCheckpoint(as: "alice", key: c.key("alice"))
        #expect(checkpointA.checkpoint.size == checkpointB.checkpoint.size)
        // Bob holds replica A and receives B's checkpoint through gossip.
        expectLedgerError(.equivocation) { try ledgerA.addCheckpoint(checkpointB) }
        let evidence = try #require(try storeA.evidence().first)
        #expect(evidence.isValid(sequencerKey: c.key("alice").publicKey))
        #expect(try EquivocationEvidence(wireEncoded: evidence.wireEncoded()) == evidence)
        // Same size, same root, different log id: not evidence.
        var notEvidence = evidence
        notEvidence.second.checkpoint.logID = .zero
        #expect(!notEvidence.isValid(sequencerKey: c.key("alice").publicKey))
    }

    @Test("gossip: a follower compares a peer's checkpoint with its replica and catches a split view, with or without a checkpoint of its own at that size")
    func gossipComparesReplicas() throws {
        // Replica A and replica B share a prefix; the sequencer then shows each another entry.
        let (storeA, ledgerA, ledgerB) = try twoReplicas()
        // A consistent checkpoint of the shared prefix is recorded; one ahead of the replica compares nothing yet.
        let shared = try ledgerB.signCheckpoint(as: "alice", key: c.key("alice"))
        #expect(try ledgerA.compare(shared))
        #expect(try ledgerA.newestCheckpoint()?.checkpoint == shared.checkpoint)
        try ledgerB.append(.keyCeremony(KeyCeremony(scheme: "s", publicKey: [2], verificationKeys: [])), author: "alice", key: c.key("alice"))
        let forkB = try ledgerB.signCheckpoint(as: "alice", key: c.key("alice"))
        #expect(try !ledgerA.compare(forkB))
        // A's own entry at that position: the root differs (no checkpoint of A's at that size yet).
        try ledgerA.append(.keyCeremony(KeyCeremony(scheme: "s", publicKey: [1], verificationKeys: [])), author: "alice", key: c.key("alice"))
        expectLedgerError(.checkpointRootMismatch) { try ledgerA.compare(forkB) }
        #expect(try storeA.evidence().isEmpty)
        // With A's own signed checkpoint of that size, the two are transferable evidence.
        _ = try ledgerA.signCheckpoint(as: "alice", key: c.key("alice"))
        expectLedgerError(.equivocation) { try ledgerA.compare(forkB) }
        #expect(try storeA.evidence().first?.isValid(sequencerKey: c.key("alice").publicKey) == true)
        // A checkpoint not signed by the sequencer proves nothing.
        let forged = SignedCheckpoint.sign(forkB.checkpoint, as: "bob", key: c.key("bob"))
        expectLedgerError(.invalidCheckpointSignature) { try ledgerA.compare(forged) }
    }

    @Test func consistencyBetweenCheckpoints() throws {
        let ledger = try c.populate(InMemoryLedgerStore())
        let first = try #require(try ledger.latestFinalCheckpoint())
        for i in 0..<7 {
            try ledger.append(.keyCeremony(KeyCeremony(scheme: "s", publicKey: [UInt8(i)], verificationKeys: [])), author: "bob", key: c.key("bob"))
        }
        let second = try ledger.signCheckpoint(as: "alice", key: c.key("alice"))
        let proof = try ledger.consistencyProof(from: first.checkpoint.size, to: second.checkpoint.size)
        try proof.verify(firstRoot: first.checkpoint.root, secondRoot: second.checkpoint.root)
        #expect(throws: LedgerError.self) { try proof.verify(firstRoot: .zero, secondRoot: second.checkpoint.root) }
        let inclusion = try ledger.inclusionProof(index: 3, size: second.checkpoint.size)
        try inclusion.verify(leafHash: MerkleTree.leafHash(try ledger.entry(at: 3).encoded), rootHash: second.checkpoint.root)
    }
}

@Suite("Checkpoints ahead of a replica")
struct CheckpointsAheadTests {
    let c = Consortium()

    @Test func aReplicaBehindItsSequencerReopens() throws {
        let sequencerStore = InMemoryLedgerStore()
        let sequencer = try c.populate(sequencerStore)
        let replicaStore = InMemoryLedgerStore()
        try replicaStore.append(try sequencerStore.entries(from: 0, limit: 5))
        let replica = try Ledger(store: replicaStore)
        // The replica records the sequencer's checkpoint of size 10 before fetching entries 5–9.
        try replica.addCheckpoint(try #require(try sequencerStore.checkpoints().last))
        #expect(try Ledger(store: replicaStore).size == 5)
        // The auditor, though, reports a file whose checkpoint covers missing entries.
        let report = LedgerAuditor().audit(store: replicaStore)
        #expect(report.failure?.rule == "checkpoint-beyond-log")
        #expect(report.failure?.entryIndex == 5)
        // Replication with verification catches the replica up.
        try replica.receive(try (5..<10).map { try sequencer.entry(at: $0) })
        #expect(replica.rootHash == sequencer.rootHash)
        #expect(LedgerAuditor().audit(store: replicaStore).passed)
        expectLedgerError(.outOfRange) {
            try replica.addCheckpoint(SignedCheckpoint.sign(Checkpoint(logID: replica.logID, size: 0, root: MerkleTree.emptyRoot), as: "alice", key: c.key("alice")))
        }
    }
}
