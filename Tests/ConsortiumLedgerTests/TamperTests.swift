import ConsortiumLedger
import CryptoPrimitives
import Foundation
import Testing
import WireFormat
import _TestSupport

/// The tamper suite (issue 4, Deliver 6): each mutation of a ledger file is detected by the
/// offline auditor, which names the first failing entry (or checkpoint) and the rule.
///
/// The fixture ledger: 0 genesis · 1 proposed · 2, 3 approved · 4 activated · 5 run started ·
/// 6, 7, 8 inputs committed · 9 result published · checkpoint of size 10 cosigned at quorum.
@Suite("Tamper suite")
struct TamperTests {
    let c = Consortium()

    /// A populated SQLite ledger file, closed.
    func ledgerFile() throws -> String {
        let path = temporaryLedgerPath()
        try c.populate(try SQLiteLedgerStore(path: path))
        let report = LedgerAuditor().audit(path: path)
        #expect(report.passed, "\(String(describing: report.failure))")
        return path
    }

    func body(_ path: String, _ index: UInt64) throws -> [UInt8] {
        try #require(try SQLiteLedgerStore(readingFrom: path).entries(from: index, limit: 1).first).bytes
    }

    /// Replaces entry `index`'s bytes, recomputing its stored leaf hash like a careful attacker.
    func replace(_ path: String, _ index: UInt64, with bytes: [UInt8]) throws {
        try SQLiteLedgerStore(path: path).tamper(
            "UPDATE entry SET body = ?, leaf = ? WHERE seq = \(index)", blobs: [bytes, MerkleTree.leafHash(bytes).bytes])
    }

    @Test func flippedByteInAnEntry() throws {
        let path = try ledgerFile()
        var bytes = try body(path, 5)
        bytes[80] ^= 0x01  // inside the timestamp
        try replace(path, 5, with: bytes)
        expectAuditFailure(LedgerAuditor().audit(path: path), .invalidSignature, entry: 5)
        // Without recomputing the stored leaf hash, the mismatch is caught first.
        let path2 = try ledgerFile()
        var bytes2 = try body(path2, 5)
        bytes2[80] ^= 0x01
        try SQLiteLedgerStore(path: path2).tamper("UPDATE entry SET body = ? WHERE seq = 5", blobs: [bytes2])
        expectAuditFailure(LedgerAuditor().audit(path: path2), .leafHashMismatch, entry: 5)
    }

    @Test func everyFlippedByteIsLocatedAtItsEntry() throws {
        let store = InMemoryLedgerStore()
        try c.populate(store)
        let original = try store.entries(from: 0, limit: 100)
        for target in [UInt64(4), 9] {
            for offset in 0..<original[Int(target)].bytes.count {
                let tampered = InMemoryLedgerStore()
                var entries = original
                entries[Int(target)].bytes[offset] ^= 0x80
                entries[Int(target)].leafHash = MerkleTree.leafHash(entries[Int(target)].bytes)
                try tampered.append(entries)
                let report = LedgerAuditor().audit(store: tampered)
                #expect(!report.passed)
                #expect(report.failure?.entryIndex == target, "entry \(target) byte \(offset): \(String(describing: report.failure))")
            }
        }
    }

    @Test func deletedEntry() throws {
        let path = try ledgerFile()
        try SQLiteLedgerStore(path: path).tamper("DELETE FROM entry WHERE seq = 4")
        expectAuditFailure(LedgerAuditor().audit(path: path), .sequenceMismatch, entry: 4)
        // Deleting the last entry: the checkpoint proves it existed.
        let path2 = try ledgerFile()
        try SQLiteLedgerStore(path: path2).tamper("DELETE FROM entry WHERE seq = 9")
        expectAuditFailure(LedgerAuditor().audit(path: path2), .checkpointBeyondLog, entry: 9, checkpoint: 10)
    }

    @Test func twoEntriesSwapped() throws {
        let path = try ledgerFile()
        let two = try body(path, 2)
        let three = try body(path, 3)
        try replace(path, 2, with: three)
        try replace(path, 3, with: two)
        expectAuditFailure(LedgerAuditor().audit(path: path), .sequenceMismatch, entry: 2)
    }

    @Test func forgedSignature() throws {
        let path = try ledgerFile()
        // Carol's input commitment replaced by one in dave's name, signed with a key mallory made.
        var entry = try SignedEntry.decode(try body(path, 8), at: 8)
        entry.entry.payload = .inputCommitted(InputCommitment(runID: c.runID, commitment: LedgerHash.sha256([0xEE])))
        let forged = entry.entry.signed(with: Ed25519.PrivateKey())
        try replace(path, 8, with: forged.encoded)
        expectAuditFailure(LedgerAuditor().audit(path: path), .invalidSignature, entry: 8)
    }

    @Test func approvalBelowQuorum() throws {
        let path = temporaryLedgerPath()
        var writer = try RawWriter(try SQLiteLedgerStore(path: path))
        try writer.write(.genesis(c.genesis), by: "alice", key: c.key("alice"))
        try writer.write(.contractProposed(ContractProposal(versionID: c.versionID, name: "x", source: [1])), by: "bob", key: c.key("bob"))
        try writer.write(.contractApproved(versionID: c.versionID), by: "alice", key: c.key("alice"))
        try writer.write(.contractActivated(versionID: c.versionID), by: "alice", key: c.key("alice"))
        expectAuditFailure(LedgerAuditor().audit(path: path), .belowQuorum, entry: 3)
    }

    @Test func duplicateApproval() throws {
        let path = temporaryLedgerPath()
        var writer = try RawWriter(try SQLiteLedgerStore(path: path))
        try writer.write(.genesis(c.genesis), by: "alice", key: c.key("alice"))
        try writer.write(.contractProposed(ContractProposal(versionID: c.versionID, name: "x", source: [1])), by: "bob", key: c.key("bob"))
        try writer.write(.contractApproved(versionID: c.versionID), by: "alice", key: c.key("alice"))
        try writer.write(.contractApproved(versionID: c.versionID), by: "alice", key: c.key("alice"))
        try writer.write(.contractActivated(versionID: c.versionID), by: "alice", key: c.key("alice"))
        expectAuditFailure(LedgerAuditor().audit(path: path), .duplicateApproval, entry: 3)
    }

    @Test func runOnAnUnapprovedVersion() throws {
        let path = temporaryLedgerPath()
        var writer = try RawWriter(try SQLiteLedgerStore(path: path))
        try writer.write(.genesis(c.genesis), by: "alice", key: c.key("alice"))
        try writer.write(.contractProposed(ContractProposal(versionID: c.versionID, name: "x", source: [1])), by: "bob", key: c.key("bob"))
        try writer.write(.contractApproved(versionID: c.versionID), by: "alice", key: c.key("alice"))
        try writer.write(.runStarted(RunStart(runID: c.runID, versionID: c.versionID, circuitHash: c.circuitHash, protocolName: "additive", participants: ["alice", "bob"])), by: "alice", key: c.key("alice"))
        expectAuditFailure(LedgerAuditor().audit(path: path), .versionNotActive, entry: 3)
    }

    @Test func resultHashThatDoesNotMatch() throws {
        let store = InMemoryLedgerStore()
        let ledger = try c.populate(store)
        // Rebuild the first nine entries, then a correctly signed result whose hash lies.
        let path = temporaryLedgerPath()
        let file = try SQLiteLedgerStore(path: path)
        try file.append(try store.entries(from: 0, limit: 9))
        var writer = try RawWriter(file)
        var lie = c.result(for: ledger, revealed: Array("n=31 avg=9999".utf8), revealedHash: ResultPublication.hashRevealedValues(Array("n=30 avg=5100".utf8)))
        let entry = writer.next(.resultPublished(lie), author: "alice")
        lie.endorsements = ["alice", "bob", "dave"].map { entry.endorsement(by: $0, key: c.key($0)) }
        try writer.write(writer.next(.resultPublished(lie), author: "alice"), key: c.key("alice"))
        expectAuditFailure(LedgerAuditor().audit(path: path), .resultHashMismatch, entry: 9)
    }

    @Test func truncatedFile() throws {
        let path = try ledgerFile()
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        for keep in [size / 2, size - 4096, 100] {
            let copy = temporaryLedgerPath("truncated")
            try FileManager.default.copyItem(atPath: path, toPath: copy)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: copy))
            try handle.truncate(atOffset: UInt64(keep))
            try handle.close()
            let report = LedgerAuditor().audit(path: copy)
            #expect(!report.passed, "truncated to \(keep) of \(size) bytes")
            let rule = report.failure?.rule ?? ""
            #expect(["storage-corrupt", "checkpoint-beyond-log", "unsupported-schema"].contains(rule), "truncated to \(keep): \(String(describing: report.failure))")
            if rule == "checkpoint-beyond-log" { #expect(report.failure?.entryIndex != nil) }
        }
    }

    @Test func equivocatingCheckpoint() throws {
        let path = try ledgerFile()
        let store = try SQLiteLedgerStore(path: path)
        let honest = try #require(try store.checkpoints().last)
        let other = Checkpoint(logID: honest.checkpoint.logID, size: honest.checkpoint.size, root: LedgerHash.sha256([0xBA, 0xD0]))
        try store.saveCheckpoint(SignedCheckpoint.sign(other, as: "alice", key: c.key("alice")))
        let report = expectAuditFailure(LedgerAuditor().audit(path: path), .equivocation, entry: nil, checkpoint: 10)
        // The report carries the evidence, checkable by anyone with the sequencer's key.
        let hex = try #require(report.equivocations.first)
        let bytes = try #require([UInt8](hex: hex))
        let evidence = try EquivocationEvidence(wireEncoded: bytes)
        #expect(evidence.isValid(sequencerKey: c.key("alice").publicKey))
        #expect(!evidence.isValid(sequencerKey: c.key("bob").publicKey))
    }

    @Test func checkpointWithAForgedRootOrCosignature() throws {
        let path = try ledgerFile()
        let store = try SQLiteLedgerStore(path: path)
        // A checkpoint signed by a non-sequencer.
        let fake = SignedCheckpoint.sign(Checkpoint(logID: try #require(try store.checkpoints().last).checkpoint.logID, size: 4, root: .zero), as: "bob", key: c.key("bob"))
        try store.saveCheckpoint(fake)
        expectAuditFailure(LedgerAuditor().audit(path: path), .invalidCheckpointSignature, entry: nil, checkpoint: 4)
    }
}

