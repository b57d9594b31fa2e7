import GRDB

/// The file against what the store writes: the schema objects are exactly those the store's
/// migrations create (same SQL, as SQLite records it), and every row lies where the store puts
/// rows. The auditor runs these checks (with the per-row checks of ``SQLiteLedgerStore/entries(from:limit:)``,
/// ``SQLiteLedgerStore/checkpoints()`` and ``SQLiteLedgerStore/evidenceRows()``), so anything in
/// the file that the ledger did not write fails the audit with a named rule and a location.
/// Spec: protocols/ledger.md#file-integrity.
extension SQLiteLedgerStore {
    /// One row of `sqlite_master`.
    struct SchemaObject: Hashable, Sendable {
        var type: String
        var name: String
        var table: String
        var sql: String?
    }

    /// The schema the store's migrations create, recorded by SQLite in a scratch in-memory
    /// database: the reference a file's schema must equal.
    static let expectedSchema: Result<[SchemaObject], LedgerError> = {
        do {
            let scratch = try DatabaseQueue()
            try migrator.migrate(scratch)
            return .success(try scratch.read { db in try schemaObjects(db) })
        } catch {
            return .failure(LedgerError(.storageFailure, "cannot build the reference schema", cause: error))
        }
    }()

    private static func schemaObjects(_ db: Database) throws -> [SchemaObject] {
        try Row.fetchAll(db, sql: "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid").map { row in
            func text(_ value: DatabaseValue) -> String? {
                if case .string(let string) = value.storage { return string }
                return nil
            }
            return SchemaObject(
                type: text(row[0] as DatabaseValue) ?? "?", name: text(row[1] as DatabaseValue) ?? "?",
                table: text(row[2] as DatabaseValue) ?? "?", sql: text(row[3] as DatabaseValue))
        }
    }

    /// Checks that the file's tables, columns, indexes and triggers are exactly those the store
    /// creates: none missing, none altered, none unknown.
    /// - Throws: `triggerMismatch` (an append-only trigger missing, altered, or an unknown
    ///   trigger) or `schemaMismatch` (any other object), located at the table; a storage error.
    public func checkFileSchema() throws {
        let expected = try Self.expectedSchema.get()
        let actual = try Self.mapErrors("read the schema of \(path)") {
            try database.read { db in try Self.schemaObjects(db) }
        }
        let byName = Dictionary(actual.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        func mismatch(_ object: SchemaObject, _ problem: String) -> LedgerError {
            let code: LedgerError.Code = object.type == "trigger" ? .triggerMismatch : .schemaMismatch
            return LedgerError.file(code, table: object.table, "\(object.type) \(object.name) \(problem)")
        }
        for object in expected {
            guard let found = byName[object.name] else {
                throw mismatch(object, "is missing")
            }
            guard found == object else {
                throw mismatch(object, "differs from the definition the store creates")
            }
        }
        let known = Set(expected.map(\.name))
        if let unknown = actual.filter({ !known.contains($0.name) }).min(by: { $0.name < $1.name }) {
            throw mismatch(unknown, "is not part of the ledger's schema")
        }
        if actual.count != expected.count {
            throw LedgerError(.schemaMismatch, "the schema holds \(actual.count) objects where the store creates \(expected.count)")
        }
    }

    /// Checks the rows that the replay does not read: entry rows outside `0..<entryCount` or
    /// missing inside it, and SQLite's AUTOINCREMENT bookkeeping for tables other than `evidence`.
    /// - Parameter entryCount: The number of entries the log holds (verified by the replay).
    /// - Throws: `strayRow` located at the first such row; a storage error.
    public func checkFileRows(entryCount: UInt64) throws {
        guard let count = Int64(exactly: entryCount) else {
            throw LedgerError(.outOfRange, "a log of \(entryCount) entries cannot be stored")
        }
        try Self.mapErrors("check the rows of \(path)") {
            try database.read { db in
                if let row = try Row.fetchOne(
                    db, sql: "SELECT seq FROM entry WHERE seq < 0 OR seq >= ? ORDER BY seq LIMIT 1", arguments: [count]),
                   case .int64(let seq) = (row[0] as DatabaseValue).storage {
                    throw LedgerError.file(
                        .strayRow, table: "entry", row: seq, "entry row seq \(seq) lies outside the log's \(entryCount) entries (0..<\(entryCount))")
                }
                let inside = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM entry") ?? 0
                if inside != count {
                    let gap = try Int64.fetchOne(
                        db,
                        sql: "SELECT MIN(seq) + 1 FROM entry AS e WHERE NOT EXISTS (SELECT 1 FROM entry WHERE seq = e.seq + 1) AND seq + 1 < ?",
                        arguments: [count]) ?? 0
                    throw LedgerError.file(.strayRow, table: "entry", row: gap, "entry rows skip seq \(gap): the table holds \(inside) rows for \(entryCount) entries")
                }
                for row in try Row.fetchAll(db, sql: "SELECT name FROM sqlite_sequence") {
                    guard case .string(let name) = (row[0] as DatabaseValue).storage, name == "evidence" else {
                        throw LedgerError.file(.strayRow, table: "sqlite_sequence", "a sequence row names a table other than evidence")
                    }
                }
            }
        }
    }
}
