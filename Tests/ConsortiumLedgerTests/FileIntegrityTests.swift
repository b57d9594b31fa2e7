import ConsortiumLedger
import CryptoPrimitives
import Foundation
import Testing
import WireFormat

/// Hostile files (issue 13): the audit checks the file, not only the signed content. Each
/// tampering is raw SQL on a real SQLite ledger file and fails with its named rule and location;
/// damaged rows throw a located error on every read path and never trap.
///
/// The fixture ledger (`Consortium.populate`): entries 0–9, a checkpoint of size 10.
@Suite("File integrity")
struct FileIntegrityTests {
    let c = Consortium()

    func ledgerFile() throws -> String {
        let path = temporaryLedgerPath()
        try c.populate(try SQLiteLedgerStore(path: path))
        return path
    }

    /// Tampers as an attacker with write access to the file (append-only triggers restored).
    func tamper(_ path: String, _ sql: String, blobs: [[UInt8]] = []) throws {
        try SQLiteLedgerStore(path: path).tamper(sql, blobs: blobs)
    }

    /// Raw SQL with the triggers left as they are (schema changes).
    func raw(_ path: String, _ sql: String) throws {
        try SQLiteLedgerStore(path: path).tamperWithoutDroppingTriggers(sql)
    }

    @discardableResult
    func expectFileFailure(
        _ path: String, _ rule: LedgerError.Code, table: String, row: Int64? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> AuditReport {
        let report = LedgerAuditor().audit(path: path)
        #expect(!report.passed, sourceLocation: sourceLocation)
        #expect(report.failure?.rule == rule.rawValue, "\(String(describing: report.failure))", sourceLocation: sourceLocation)
        #expect(report.failure?.table == table, "\(String(describing: report.failure))", sourceLocation: sourceLocation)
        #expect(report.failure?.row == row, "\(String(describing: report.failure))", sourceLocation: sourceLocation)
        return report
    }

    @Test func anHonestLedgerPasses() throws {
        let path = try ledgerFile()
        let report = LedgerAuditor().audit(path: path)
        #expect(report.passed, "\(String(describing: report.failure))")
        #expect(report.openRuns.isEmpty)
        // A writer reopens it (schema as created, lock released by the first store).
        #expect(try Ledger(store: try SQLiteLedgerStore(path: path)).size == 10)
    }

    // MARK: Rows outside the log

    @Test(arguments: [Int64(-1), -9_223_372_036_854_775_808])
    func anEntryRowBeforeTheLog(seq: Int64) throws {
        let path = try ledgerFile()
        let genesis = try #require(try SQLiteLedgerStore(readingFrom: path).entries(from: 0, limit: 1).first)
        try tamper(path, "INSERT INTO entry (seq, body, leaf) VALUES (\(seq), ?, ?)", blobs: [genesis.bytes, genesis.leafHash.bytes])
        expectFileFailure(path, .strayRow, table: "entry", row: seq)
    }

    @Test func anEntryRowAfterAGap() throws {
        let path = try ledgerFile()
        let genesis = try #require(try SQLiteLedgerStore(readingFrom: path).entries(from: 0, limit: 1).first)
        try tamper(path, "INSERT INTO entry (seq, body, leaf) VALUES (12, ?, ?)", blobs: [genesis.bytes, genesis.leafHash.bytes])
        // The log reads 0…9, then finds row 12 where entry 10 belongs.
        expectAuditFailure(LedgerAuditor().audit(path: path), .sequenceMismatch, entry: 10)
    }

    @Test func aRowOnlyEverNegative() throws {
        // Every row moved below 0: the highest index is negative, never converted unchecked.
        let path = try ledgerFile()
        try tamper(path, "UPDATE entry SET seq = seq - 100")
        let report = LedgerAuditor().audit(path: path)
        #expect(!report.passed)
        #expect(["empty-log", "stray-row"].contains(report.failure?.rule ?? ""), "\(String(describing: report.failure))")
        expectLedgerError(.strayRow) { _ = try SQLiteLedgerStore(readingFrom: path).entryCount() }
        expectLedgerError(.strayRow) { _ = try SQLiteLedgerStore(path: path) .entryCount() }
    }

    @Test func aSequenceRowForAnotherTable() throws {
        let path = try ledgerFile()
        try tamper(path, "INSERT INTO sqlite_sequence (name, seq) VALUES ('entry', 5)")
        expectFileFailure(path, .strayRow, table: "sqlite_sequence")
    }

    // MARK: Denormalised columns against the signed body

    @Test func aCheckpointSizeColumnThatDisagreesWithItsBody() throws {
        let path = try ledgerFile()
        try tamper(path, "UPDATE checkpoint SET size = 9")
        expectFileFailure(path, .columnMismatch, table: "checkpoint", row: 9)
    }

    @Test func aCheckpointRootColumnThatDisagreesWithItsBody() throws {
        let path = try ledgerFile()
        try tamper(path, "UPDATE checkpoint SET root = zeroblob(32)")
        expectFileFailure(path, .columnMismatch, table: "checkpoint", row: 10)
    }

    @Test func aCheckpointBodyThatIsNotABlob() throws {
        let path = try ledgerFile()
        try tamper(path, "UPDATE checkpoint SET body = 'not a checkpoint'")
        expectFileFailure(path, .storageCorrupt, table: "checkpoint", row: 10)
        try tamper(path, "UPDATE checkpoint SET body = x'00'")
        expectFileFailure(path, .malformedEncoding, table: "checkpoint", row: 10)
    }

    // MARK: Evidence

    @Test func garbageInTheEvidenceTable() throws {
        let path = try ledgerFile()
        try tamper(path, "INSERT INTO evidence (body) VALUES (?)", blobs: [[1, 2, 3]])
        expectFileFailure(path, .invalidEvidence, table: "evidence", row: 1)
        let path2 = try ledgerFile()
        try tamper(path2, "INSERT INTO evidence (id, body) VALUES (7, 42)")
        expectFileFailure(path2, .invalidEvidence, table: "evidence", row: 7)
    }

    @Test func evidenceThatDoesNotProveEquivocation() throws {
        // Two copies of the honest checkpoint: same root, so no equivocation.
        let path = try ledgerFile()
        let honest = try #require(try SQLiteLedgerStore(readingFrom: path).checkpoints().last)
        try tamper(path, "INSERT INTO evidence (body) VALUES (?)", blobs: [EquivocationEvidence(first: honest, second: honest).wireEncoded()])
        expectFileFailure(path, .invalidEvidence, table: "evidence", row: 1)
    }

    @Test func equivocationRecordedByAMemberFailsTheAudit() throws {
        // A member received a conflicting checkpoint: only the evidence table records it.
        let path = try ledgerFile()
        do {
            let ledger = try Ledger(store: try SQLiteLedgerStore(path: path))
            let other = Checkpoint(logID: ledger.logID, size: 10, root: LedgerHash.sha256([0xBA, 0xD0]))
            expectLedgerError(.equivocation) { try ledger.addCheckpoint(SignedCheckpoint.sign(other, as: "alice", key: c.key("alice"))) }
        }
        #expect(try SQLiteLedgerStore(readingFrom: path).checkpoints().count == 1)
        let report = expectFileFailure(path, .equivocation, table: "evidence", row: 1)
        #expect(report.equivocations.count == 1)
    }

    // MARK: Schema

    @Test(arguments: ["entry_no_update", "entry_no_delete"])
    func aDroppedAppendOnlyTrigger(trigger: String) throws {
        let path = try ledgerFile()
        try raw(path, "DROP TRIGGER \(trigger)")
        let report = expectFileFailure(path, .triggerMismatch, table: "entry")
        #expect(report.failure?.message.contains(trigger) == true)
        // A writer refuses the file as well.
        expectLedgerError(.triggerMismatch) { _ = try SQLiteLedgerStore(path: path) }
    }

    @Test func anAlteredAppendOnlyTrigger() throws {
        let path = try ledgerFile()
        try raw(path, "DROP TRIGGER entry_no_delete; CREATE TRIGGER entry_no_delete BEFORE DELETE ON entry BEGIN SELECT 1; END;")
        expectFileFailure(path, .triggerMismatch, table: "entry")
    }

    @Test func anExtraTrigger() throws {
        let path = try ledgerFile()
        try raw(path, "CREATE TRIGGER entry_log AFTER INSERT ON entry BEGIN SELECT 1; END;")
        expectFileFailure(path, .triggerMismatch, table: "entry")
    }

    @Test(arguments: [
        ("CREATE TABLE notes (x BLOB)", "notes"),
        ("CREATE INDEX entry_by_leaf ON entry (leaf)", "entry"),
        ("ALTER TABLE evidence ADD COLUMN note TEXT", "evidence"),
        ("DROP TABLE evidence", "evidence"),
    ])
    func anAlteredSchema(sql: String, table: String) throws {
        let path = try ledgerFile()
        try raw(path, sql)
        expectFileFailure(path, .schemaMismatch, table: table)
    }

    // MARK: Damaged rows never trap

    /// The entry table rebuilt without NOT NULL, then a NULL or mistyped value in one row.
    @Test(arguments: ["body = NULL", "leaf = NULL", "body = 42", "leaf = '0123456789abcdef0123456789abcdef'", "body = 1.5"])
    func aDamagedEntryRowIsLocated(assignment: String) throws {
        let path = try ledgerFile()
        try tamper(path, """
            CREATE TABLE loose (seq INTEGER PRIMARY KEY, body BLOB, leaf BLOB);
            INSERT INTO loose SELECT seq, body, leaf FROM entry;
            DROP TABLE entry;
            ALTER TABLE loose RENAME TO entry;
            UPDATE entry SET \(assignment) WHERE seq = 3;
            """)
        // The audit names the schema first; every read path names the row.
        expectFileFailure(path, .schemaMismatch, table: "entry")
        let store = try SQLiteLedgerStore(readingFrom: path)
        let error = expectLedgerError(.storageCorrupt) { _ = try store.entries(from: 0, limit: 100) }
        #expect(error?.location.entryIndex == 3)
        #expect(error?.location.table == "entry" && error?.location.row == 3)
        #expect(error?.message.contains("42") == false)
        expectLedgerError(.storageCorrupt) { _ = try store.openRuns() }
        expectLedgerError(.storageCorrupt) { _ = try LedgerProver(store: store) }
        expectLedgerError(.storageCorrupt) { _ = try Ledger(store: store) }
        expectLedgerError(.schemaMismatch) { _ = try SQLiteLedgerStore(path: path) }
        // Rows before the damaged one still read.
        #expect(try store.entries(from: 0, limit: 3).count == 3)
    }

    /// Ordinary damage: the last pages of a ledger with large entries cut off.
    @Test(arguments: [2048, 4096, 6000])
    func aTruncatedFileNeverTraps(cut: Int) throws {
        let path = temporaryLedgerPath()
        do {
            let ledger = try c.populate(try SQLiteLedgerStore(path: path))
            for round in 0..<40 {
                let id = LedgerHash.sha256(Array("version \(round)".utf8))
                let source = [UInt8](repeating: UInt8(truncatingIfNeeded: round), count: 3000)
                try ledger.append(.contractProposed(ContractProposal(versionID: id, name: "c\(round)", source: source)), author: "bob", key: c.key("bob"))
            }
        }
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(size - cut))
        try handle.close()
        let report = LedgerAuditor().audit(path: path)
        #expect(!report.passed, "cut \(cut) of \(size) bytes")
        // Every reader throws or reads; none traps.
        if let store = try? SQLiteLedgerStore(readingFrom: path) {
            _ = try? store.entries(from: 0, limit: 1000)
            _ = try? store.checkpoints()
            _ = try? store.evidence()
            _ = try? store.openRuns()
            _ = try? LedgerProver(store: store)
        }
        _ = try? Ledger(store: try SQLiteLedgerStore(path: path))
    }
}
