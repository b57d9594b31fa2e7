import ConsortiumLedger
import CryptoPrimitives
import Testing

/// Checkpoints chain (issue 9, item 5): each names its predecessor's id, so that deleting,
/// inserting or reordering one is detected, and a run is reported "proven included in
/// checkpoint K" only when K is final.
@Suite("Checkpoint chain")
struct CheckpointChainTests {
    let c = Consortium()

    /// The fixture log (entries 0–9, a final checkpoint of size 10), then two key ceremonies, each
    /// followed by a final checkpoint (sizes 11 and 12).
    func chainedLedgerFile() throws -> (path: String, checkpoints: [SignedCheckpoint]) {
        let path = temporaryLedgerPath("chain")
        let ledger = try c.populate(try SQLiteLedgerStore(path: path))
        for scheme in ["a", "b"] {
            try ledger.append(.keyCeremony(KeyCeremony(scheme: scheme, publicKey: [1], verificationKeys: [])), author: "bob", key: c.key("bob"))
            try c.checkpoint(ledger)
        }
        return (path, try SQLiteLedgerStore(readingFrom: path).checkpoints())
    }

    @Test func eachCheckpointNamesItsPredecessor() throws {
        let (path, checkpoints) = try chainedLedgerFile()
        #expect(checkpoints.map(\.checkpoint.size) == [10, 11, 12])
        #expect(checkpoints[0].checkpoint.previous == .zero)
        #expect(checkpoints[1].checkpoint.previous == checkpoints[0].checkpoint.id)
        #expect(checkpoints[2].checkpoint.previous == checkpoints[1].checkpoint.id)
        let report = LedgerAuditor().audit(path: path)
        #expect(report.passed, "\(String(describing: report.failure))")
    }

    /// Deleting the newest entries together with their checkpoints leaves a consistent, shorter
    /// ledger that the file alone cannot tell from an honest one; a reader that trusts its latest
    /// final checkpoint (`--checkpoint SIZE:ROOT`) catches it, and a rewrite before that size too.
    @Test func aRollbackFailsAnAuditThatTrustsTheLatestCheckpoint() throws {
        let (path, checkpoints) = try chainedLedgerFile()
        let latest = LedgerAuditor.TrustedCheckpoint(size: checkpoints[2].checkpoint.size, root: checkpoints[2].checkpoint.root)
        #expect(LedgerAuditor.TrustedCheckpoint(latest.description) == latest)
        let honest = LedgerAuditor(trusted: latest).audit(path: path)
        #expect(honest.passed, "\(String(describing: honest.failure))")
        #expect(honest.latestFinalCheckpointPin == latest.description)
        // An older trusted checkpoint: the ledger extends it.
        let older = LedgerAuditor.TrustedCheckpoint(size: checkpoints[0].checkpoint.size, root: checkpoints[0].checkpoint.root)
        #expect(LedgerAuditor(trusted: older).audit(path: path).passed)
        // A root the ledger never had at that size: rewritten history.
        let rewritten = LedgerAuditor(trusted: .init(size: 11, root: checkpoints[0].checkpoint.root)).audit(path: path)
        #expect(rewritten.failure?.rule == "history-mismatch", "\(String(describing: rewritten.failure))")
        // Rolled back: the last two entries and their checkpoints deleted.
        try SQLiteLedgerStore(path: path).tamper("DELETE FROM checkpoint WHERE size > 10; DELETE FROM entry WHERE seq >= 10")
        let unpinned = LedgerAuditor().audit(store: try SQLiteLedgerStore(readingFrom: path))
        #expect(unpinned.passed, "the shorter ledger is consistent on its own: \(String(describing: unpinned.failure))")
        let rolledBack = LedgerAuditor(trusted: latest).audit(path: path)
        #expect(rolledBack.failure?.rule == "history-mismatch", "\(String(describing: rolledBack.failure))")
        #expect(rolledBack.failure?.message.contains("rolled back") == true)
        #expect(LedgerAuditor.TrustedCheckpoint("12:zz") == nil && LedgerAuditor.TrustedCheckpoint("0:\(latest.root.hex)") == nil)
    }

    @Test func aDeletedMiddleCheckpointBreaksTheChain() throws {
        let (path, _) = try chainedLedgerFile()
        try SQLiteLedgerStore(path: path).tamper("DELETE FROM checkpoint WHERE size = 11")
        let report = LedgerAuditor().audit(path: path)
        #expect(!report.passed)
        #expect(report.failure?.rule == "checkpoint-chain-broken", "\(String(describing: report.failure))")
        #expect(report.failure?.checkpointSize == 12)
    }

    @Test func aDeletedFirstCheckpointBreaksTheChain() throws {
        let (path, _) = try chainedLedgerFile()
        try SQLiteLedgerStore(path: path).tamper("DELETE FROM checkpoint WHERE size = 10")
        let report = LedgerAuditor().audit(path: path)
        #expect(report.failure?.rule == "checkpoint-chain-broken", "\(String(describing: report.failure))")
        #expect(report.failure?.checkpointSize == 11)
    }

    @Test func aValidlySignedCheckpointNamingAnotherPredecessorIsRefusedAndFailsTheAudit() throws {
        let path = temporaryLedgerPath("chain-forged")
        let ledger = try c.populate(try SQLiteLedgerStore(path: path))
        try ledger.append(.keyCeremony(KeyCeremony(scheme: "a", publicKey: [1], verificationKeys: [])), author: "bob", key: c.key("bob"))
        // The sequencer's own signature over a checkpoint that skips its predecessor.
        let skipping = SignedCheckpoint.sign(
            Checkpoint(logID: ledger.logID, size: ledger.size, root: ledger.rootHash, previous: .zero), as: "alice", key: c.key("alice"))
        expectLedgerError(.checkpointChainBroken) { try ledger.addCheckpoint(skipping) }
        // Written to the file anyway: the audit names the rule.
        try ledger.store.saveCheckpoint(skipping)
        let report = LedgerAuditor().audit(path: path)
        #expect(report.failure?.rule == "checkpoint-chain-broken", "\(String(describing: report.failure))")
        #expect(report.failure?.checkpointSize == 11)
    }

    @Test func inclusionIsClaimedOnlyInAFinalCheckpoint() throws {
        let ledger = try c.populate(InMemoryLedgerStore())
        try ledger.append(.keyCeremony(KeyCeremony(scheme: "a", publicKey: [1], verificationKeys: [])), author: "bob", key: c.key("bob"))
        // A newer checkpoint with the sequencer's signature only: not final.
        let unfinal = try ledger.signCheckpoint(as: "alice", key: c.key("alice"))
        #expect(try !ledger.isFinal(unfinal))
        let report = LedgerAuditor().audit(store: ledger.store)
        #expect(report.passed, "\(String(describing: report.failure))")
        #expect(report.latestFinalCheckpoint == 10)
        #expect(report.runs.first?.provenInCheckpoint == 10, "\(report.runs)")
    }

    /// Old checkpoints are judged against the membership of their time: carol cosigned the
    /// checkpoint of size 10 as a voting member and was removed later; the audit still counts her.
    @Test func oldCheckpointsAreJudgedByTheMembershipOfTheirTime() throws {
        let ledger = try c.populate(InMemoryLedgerStore())
        var removal = MemberRemoval(name: "carol", quorumAfter: 2, basis: ledger.state.membershipDigest)
        let entry = ledger.nextEntry(.memberRemoved(removal), author: "alice", timestamp: 1_800_000_000_000)
        removal.endorsements = ["alice", "bob"].map { entry.endorsement(by: $0, key: c.key($0)) }
        try ledger.append(.memberRemoved(removal), author: "alice", key: c.key("alice"), timestamp: entry.timestamp)
        var later = try ledger.signCheckpoint(as: "alice", key: c.key("alice"))
        for name in ["alice", "bob"] { later = try ledger.addCosignature(try ledger.cosign(later, as: name, key: c.key(name)), to: later) }
        // Carol, no longer a member, cannot cosign the later one.
        expectLedgerError(.missingRole) { _ = try ledger.cosign(later, as: "carol", key: c.key("carol")) }
        let report = LedgerAuditor().audit(store: ledger.store)
        #expect(report.passed, "\(String(describing: report.failure))")
        #expect(report.checkpoints.map(\.size) == [10, 11])
        #expect(report.checkpoints.allSatisfy { $0.isFinal })
        #expect(report.checkpoints.first?.cosignatures == 2)
    }
}
