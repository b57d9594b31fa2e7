import ConsortiumLedger
import Foundation
import Testing

/// `LedgerAuditor.read`: the view of a ledger that passes the audit, built from the same replay;
/// no view of one that fails it.
@Suite("Reading a verified ledger")
struct LedgerViewReadTests {
    let c = Consortium()

    @Test func theFixtureLedgerReadsBackFromItsEntries() throws {
        let path = temporaryLedgerPath()
        try c.populate(try SQLiteLedgerStore(path: path))
        let (report, readView) = LedgerAuditor().read(path: path, entries: 8..<20)
        #expect(report.passed, "\(String(describing: report.failure))")
        let view = try #require(readView)
        #expect(view.entryCount == 10 && view.entries.map(\.index) == [8, 9])
        #expect(view.members.map(\.name) == ["alice", "bob", "carol", "dave"])
        let contract = try #require(view.contracts.first)
        #expect(contract.source == "contract salary_benchmark version 1 {}" && contract.version == 1)
        #expect(contract.proposed.author == "bob" && contract.approvals.map(\.member) == ["alice", "carol"])
        #expect(contract.approvals.map(\.approved.entry) == [2, 3] && contract.activated?.entry == 4)
        let run = try #require(view.runs.first)
        #expect(run.status == "published" && run.commitments.map(\.member) == ["alice", "bob", "dave"])
        #expect(run.result?.revealedValues == "n=30 avg=5100" && run.result?.published.entry == 9)
        #expect(view.checkpoints.map(\.size) == [10] && view.latestFinalCheckpoint == 10)
        // The audit's per-run checks name what it verified.
        #expect(report.runs.first?.checks.map(\.name) == ["signatures", "lifecycle", "commitments", "revealed-hash", "inclusion"])
        #expect(report.runs.first?.checks.allSatisfy { $0.outcome == .passed } == true)
    }

    @Test func aLedgerFailingTheAuditGivesNoView() throws {
        let path = temporaryLedgerPath()
        try c.populate(try SQLiteLedgerStore(path: path))
        let stored = try #require(try SQLiteLedgerStore(readingFrom: path).entries(from: 6, limit: 1).first)
        var bytes = stored.bytes
        bytes[bytes.count - 1] ^= 0x01
        try SQLiteLedgerStore(path: path).tamper(
            "UPDATE entry SET body = ?, leaf = ? WHERE seq = 6", blobs: [bytes, MerkleTree.leafHash(bytes).bytes])
        let (report, view) = LedgerAuditor().read(path: path)
        #expect(view == nil)
        #expect(report.failure?.rule == LedgerError.Code.invalidSignature.rawValue && report.failure?.entryIndex == 6,
                "\(String(describing: report.failure))")
    }
}
