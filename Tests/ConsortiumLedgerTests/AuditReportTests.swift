import ConsortiumLedger
import Foundation
import Testing

@Suite("Audit report")
struct AuditReportTests {
    let c = Consortium()

    @Test func reportDescribesTheConsortium() throws {
        let path = temporaryLedgerPath()
        try c.populate(try SQLiteLedgerStore(path: path))
        let report = LedgerAuditor().audit(path: path)
        #expect(report.passed)
        #expect(report.verifiedEntries == 10)
        #expect(report.consortium == "test-consortium")
        #expect(report.quorum == 2)
        #expect(report.members.map(\.name) == ["alice", "bob", "carol", "dave"])
        #expect(report.contracts.first?.status == "active")
        #expect(report.contracts.first?.approvals == ["alice", "carol"])
        #expect(report.entryKinds["input-committed"] == 3)
        let run = try #require(report.runs.first)
        #expect(run.status == "published")
        #expect(run.entries == [5, 6, 7, 8, 9])
        #expect(run.provenInCheckpoint == 10)
        #expect(run.resultSigners == ["alice", "bob", "dave"])
        #expect(report.checkpoints.first?.isFinal == true)
        #expect(report.latestFinalCheckpoint == 10)
        #expect(report.unfinalisedEntries == 0)
        #expect(!report.notChecked.isEmpty)
        // The JSON form round-trips.
        let json = try JSONEncoder().encode(report)
        #expect(try JSONDecoder().decode(AuditReport.self, from: json).rootHash == report.rootHash)
    }

    @Test func runFilter() throws {
        let store = InMemoryLedgerStore()
        try c.populate(store)
        #expect(LedgerAuditor().audit(store: store, runID: c.runID).runs.count == 1)
        let missing = LedgerAuditor().audit(store: store, runID: .zero)
        #expect(!missing.passed)
        #expect(missing.failure?.rule == "unknown-reference")
    }

    @Test func emptyAndMissingLedgers() throws {
        let empty = LedgerAuditor().audit(store: InMemoryLedgerStore())
        #expect(empty.failure?.rule == "empty-log")
        #expect(empty.failure?.entryIndex == 0)
        let missing = LedgerAuditor().audit(path: "/nonexistent/ledger.sqlite")
        #expect(missing.failure?.rule == "storage-failure")
    }

    @Test func smallChunksGiveTheSameVerdicts() throws {
        // Chunk boundaries must not change where a failure is located.
        let store = InMemoryLedgerStore()
        try c.populate(store)
        var entries = try store.entries(from: 0, limit: 100)
        entries[7].bytes[100] ^= 1
        entries[7].leafHash = MerkleTree.leafHash(entries[7].bytes)
        let tampered = InMemoryLedgerStore()
        try tampered.append(entries)
        for chunk in [1, 2, 3, 7, 100] {
            let report = LedgerAuditor(chunkSize: chunk).audit(store: tampered)
            #expect(report.failure?.entryIndex == 7, "chunk \(chunk)")
        }
    }
}
