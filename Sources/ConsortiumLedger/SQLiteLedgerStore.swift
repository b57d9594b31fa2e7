import Foundation
import GRDB
import WireFormat

/// A ledger replica in one SQLite file, through GRDB: schema migrations, WAL journal,
/// `synchronous = FULL`, and every append one transaction, so a process killed mid-append
/// leaves either the whole batch or none of it. Entries are append-only: triggers refuse any
/// `UPDATE` or `DELETE` on the entry table. Spec: protocols/ledger.md#storage.
public final class SQLiteLedgerStore: LedgerStore {
    /// The file's path.
    public let path: String
    let database: any DatabaseWriter
    /// Held by a writable store for its whole life; nil for a read-only one.
    private let writerLock: LedgerWriterLock?

    /// The schema migrations; their identifiers are recorded in the file by GRDB.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-ledger") { db in
            try db.execute(sql: """
                CREATE TABLE entry (
                    seq INTEGER PRIMARY KEY,
                    body BLOB NOT NULL,
                    leaf BLOB NOT NULL CHECK (length(leaf) = 32)
                );
                CREATE TRIGGER entry_no_update BEFORE UPDATE ON entry
                BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
                CREATE TRIGGER entry_no_delete BEFORE DELETE ON entry
                BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
                CREATE TABLE checkpoint (
                    size INTEGER NOT NULL,
                    root BLOB NOT NULL,
                    body BLOB NOT NULL,
                    PRIMARY KEY (size, root)
                );
                CREATE TABLE evidence (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    body BLOB NOT NULL
                );
                """)
        }
        return migrator
    }

    /// How long a writer waits for another process's writer lock before it gives up.
    public static let defaultLockTimeout: Duration = .seconds(30)

    /// Opens (creating if needed) a writable replica, takes its writer lock and migrates its
    /// schema. The lock (an exclusive `flock` on `path + ".lock"`) is held until the store is
    /// released, so one process at a time writes the file; the kernel releases it when the
    /// process dies, however it dies. Spec: protocols/ledger.md#one-writer.
    /// - Parameters:
    ///   - path: The SQLite file.
    ///   - lockTimeout: How long to wait for a writer lock held by another process (or by
    ///     another open store in this process).
    /// - Throws: `ledgerBusy` if the lock stays held for `lockTimeout` (nothing is opened or
    ///   written); `storageFailure`, `storageCorrupt`, `unsupportedSchema` if the file was
    ///   written by a newer version, or `schemaMismatch`/`triggerMismatch` if its schema is
    ///   not the one this store creates.
    public init(path: String, lockTimeout: Duration = SQLiteLedgerStore.defaultLockTimeout) throws {
        self.path = path
        writerLock = try LedgerWriterLock(ledgerPath: path, timeout: lockTimeout)
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        database = try Self.mapErrors("open \(path)") {
            try DatabasePool(path: path, configuration: configuration)
        }
        try Self.mapErrors("migrate \(path)") {
            try database.read { db in try Self.checkSchema(db) }
            try Self.migrator.migrate(database)
        }
        try checkFileSchema()
    }

    /// Opens an existing replica read-only, as the auditor does; nothing is migrated or written.
    /// - Parameter path: The SQLite file.
    /// - Throws: `storageFailure` if it cannot be opened; `storageCorrupt` if it is not a
    ///   SQLite database; `unsupportedSchema` if the schema is missing or newer.
    public init(readingFrom path: String) throws {
        self.path = path
        writerLock = nil
        guard FileManager.default.fileExists(atPath: path) else {
            throw LedgerError(.storageFailure, "no ledger file at \(path)")
        }
        var configuration = Configuration()
        configuration.readonly = true
        database = try Self.mapErrors("open \(path)") {
            try DatabaseQueue(path: path, configuration: configuration)
        }
        try Self.mapErrors("read the schema of \(path)") {
            try database.read { db in
                try Self.checkSchema(db)
                guard try Self.migrator.hasCompletedMigrations(db) else {
                    throw LedgerError(.unsupportedSchema, "\(path) is not an initialised ledger (schema migrations missing)")
                }
            }
        }
    }

    private static func checkSchema(_ db: Database) throws {
        if try migrator.hasBeenSuperseded(db) {
            throw LedgerError(.unsupportedSchema, "the ledger file was written by a newer schema")
        }
    }

    /// Runs SQLite's own consistency check (`PRAGMA quick_check`).
    /// - Throws: `storageCorrupt` with SQLite's first complaint.
    public func checkIntegrity() throws {
        let result = try Self.mapErrors("check \(path)") {
            try database.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
        }
        guard result == ["ok"] else {
            throw LedgerError(.storageCorrupt, "SQLite integrity check failed: \(result.first ?? "no result")")
        }
    }

    /// The number of stored entries (the highest index plus one).
    /// - Throws: `strayRow` if the highest stored index is negative; a storage error.
    public func entryCount() throws -> UInt64 {
        try Self.mapErrors("count entries") {
            try database.read { db in try Self.nextIndex(db) }
        }
    }

    /// The highest stored index plus one, or 0 for an empty table.
    private static func nextIndex(_ db: Database) throws -> UInt64 {
        guard let row = try Row.fetchOne(db, sql: "SELECT MAX(seq) FROM entry") else { return 0 }
        let value: DatabaseValue = row[0]
        switch value.storage {
        case .null:
            return 0
        case .int64(let maximum) where maximum >= 0:
            return UInt64(maximum) + 1
        case .int64(let maximum):
            throw LedgerError.file(.strayRow, table: "entry", row: maximum, "entry row seq \(maximum) lies outside the log (indices start at 0)")
        default:
            throw LedgerError.file(.storageCorrupt, table: "entry", "the entry table's highest seq is not an integer")
        }
    }

    /// Appends a batch in one transaction.
    /// - Parameter entries: The batch.
    /// - Throws: `sequenceMismatch` (nothing written) or `storageFailure`.
    public func append(_ entries: [StoredEntry]) throws {
        guard !entries.isEmpty else { return }
        try Self.mapErrors("append \(entries.count) entries") {
            try database.write { db in
                var next = try Self.nextIndex(db)
                let statement = try db.cachedStatement(sql: "INSERT INTO entry (seq, body, leaf) VALUES (?, ?, ?)")
                for entry in entries {
                    guard entry.index == next else {
                        throw LedgerError.entry(.sequenceMismatch, entry.index, "store expected index \(next)")
                    }
                    guard let seq = Int64(exactly: entry.index) else {
                        throw LedgerError.entry(.outOfRange, entry.index, "index \(entry.index) does not fit the store's integer column")
                    }
                    try statement.execute(arguments: [seq, Data(entry.bytes), Data(entry.leafHash.bytes)])
                    next += 1
                }
            }
        }
    }

    /// Reads entries in order; on a corrupt page, names the first entry that cannot be read.
    /// - Parameters:
    ///   - start: The first index.
    ///   - limit: The most entries to return.
    /// - Returns: The entries.
    /// - Throws: `storageCorrupt` located at the first unreadable entry.
    public func entries(from start: UInt64, limit: Int) throws -> [StoredEntry] {
        let limit = max(0, limit)
        do {
            return try read(from: start, limit: limit)
        } catch let error as LedgerError where error.code == .storageCorrupt && error.location.entryIndex == nil {
            // Locate the first unreadable entry one row at a time.
            var index = start
            let (sum, overflow) = start.addingReportingOverflow(UInt64(limit))
            let end = overflow ? UInt64.max : sum
            while index < end {
                do {
                    let rows = try read(from: index, limit: 1)
                    guard let row = rows.first else { break }
                    index = row.index + 1
                } catch let inner as LedgerError {
                    throw inner.located(atEntry: index)
                }
            }
            throw error.located(atEntry: index)
        }
    }

    private func read(from start: UInt64, limit: Int) throws -> [StoredEntry] {
        // Indices beyond Int64.max cannot be stored: nothing is there.
        guard let first = Int64(exactly: start) else { return [] }
        return try Self.mapErrors("read entries from \(start)") {
            try database.read { db in
                let cursor = try Row.fetchCursor(
                    db, sql: "SELECT seq, body, leaf FROM entry WHERE seq >= ? ORDER BY seq LIMIT ?",
                    arguments: [first, limit])
                var out: [StoredEntry] = []
                out.reserveCapacity(min(limit, 1 << 16))
                while let row = try cursor.next() {
                    out.append(try Self.storedEntry(row))
                }
                return out
            }
        }
    }

    /// One entry row, every column checked: nothing read from the file is trusted to have the
    /// type the schema declares (SQLite columns are dynamically typed, and damage reads as NULL).
    private static func storedEntry(_ row: Row) throws -> StoredEntry {
        guard case .int64(let seq) = (row[0] as DatabaseValue).storage else {
            throw LedgerError.file(.storageCorrupt, table: "entry", "an entry row's seq is not an integer")
        }
        guard seq >= 0 else {
            throw LedgerError.file(.strayRow, table: "entry", row: seq, "entry row seq \(seq) lies outside the log (indices start at 0)")
        }
        let index = UInt64(seq)
        func damaged(_ column: String, _ problem: String) -> LedgerError {
            LedgerError(.storageCorrupt, "entry row seq \(seq): \(column) \(problem)", at: .init(entryIndex: index, table: "entry", row: seq))
        }
        let body = try blob(row[1] as DatabaseValue) { damaged("body", $0) }
        let leaf = try blob(row[2] as DatabaseValue) { damaged("leaf", $0) }
        guard let hash = try? LedgerHash(leaf) else {
            throw damaged("leaf", "is \(leaf.count) bytes, not 32")
        }
        return StoredEntry(index: index, bytes: [UInt8](body), leafHash: hash)
    }

    /// The bytes of a BLOB value, or the error `fail` makes from what the value is instead.
    static func blob(_ value: DatabaseValue, _ fail: (String) -> LedgerError) throws -> Data {
        switch value.storage {
        case .blob(let data): return data
        case .null: throw fail("is NULL, not a blob")
        case .int64: throw fail("is an integer, not a blob")
        case .double: throw fail("is a real number, not a blob")
        case .string: throw fail("is text, not a blob")
        }
    }

    /// Every stored checkpoint, ordered by size then root. Each row's `size` and `root` columns
    /// are checked against the signed body they were derived from.
    /// - Throws: `malformedEncoding` (a body does not decode), `columnMismatch` (a column
    ///   disagrees with its body), `storageCorrupt` (a value of the wrong type), located at the
    ///   checkpoint row.
    public func checkpoints() throws -> [SignedCheckpoint] {
        let rows = try Self.mapErrors("read checkpoints") {
            try database.read { db in
                try Row.fetchAll(db, sql: "SELECT size, root, body FROM checkpoint ORDER BY size, root")
                    .map { row in (row[0] as DatabaseValue, row[1] as DatabaseValue, row[2] as DatabaseValue) }
            }
        }
        return try rows.map { sizeValue, rootValue, bodyValue in
            guard case .int64(let size) = sizeValue.storage else {
                throw LedgerError.file(.storageCorrupt, table: "checkpoint", "a checkpoint row's size is not an integer")
            }
            var location = LedgerError.Location(table: "checkpoint", row: size)
            location.checkpointSize = UInt64(exactly: size)
            func damaged(_ column: String, _ problem: String) -> LedgerError {
                LedgerError(.storageCorrupt, "checkpoint row of size \(size): \(column) \(problem)", at: location)
            }
            let root = try Self.blob(rootValue) { damaged("root", $0) }
            let body = try Self.blob(bodyValue) { damaged("body", $0) }
            let checkpoint: SignedCheckpoint
            do {
                checkpoint = try SignedCheckpoint(wireEncoded: [UInt8](body))
            } catch {
                throw LedgerError(.malformedEncoding, "checkpoint row of size \(size): the body does not decode", at: location, cause: error)
            }
            guard UInt64(exactly: size) == checkpoint.checkpoint.size else {
                throw LedgerError(
                    .columnMismatch, "checkpoint row of size \(size): the size column differs from the signed body's size \(checkpoint.checkpoint.size)",
                    at: location)
            }
            guard [UInt8](root) == checkpoint.checkpoint.root.bytes else {
                throw LedgerError(.columnMismatch, "checkpoint row of size \(size): the root column differs from the signed body's root", at: location)
            }
            return checkpoint
        }
    }

    /// Stores a checkpoint, merging cosignatures into an existing one with the same size and root.
    /// - Parameter checkpoint: The checkpoint.
    public func saveCheckpoint(_ checkpoint: SignedCheckpoint) throws {
        try Self.mapErrors("save checkpoint \(checkpoint.checkpoint.size)") {
            try database.write { db in
                guard let size = Int64(exactly: checkpoint.checkpoint.size) else {
                    throw LedgerError(
                        .outOfRange, "a checkpoint of size \(checkpoint.checkpoint.size) cannot be stored",
                        at: .init(checkpointSize: checkpoint.checkpoint.size))
                }
                let root = Data(checkpoint.checkpoint.root.bytes)
                var merged = checkpoint
                if let existing = try Data.fetchOne(db, sql: "SELECT body FROM checkpoint WHERE size = ? AND root = ?", arguments: [size, root]),
                   let stored = try? SignedCheckpoint(wireEncoded: [UInt8](existing)) {
                    merged = stored.merging(checkpoint)
                }
                try db.execute(
                    sql: "INSERT OR REPLACE INTO checkpoint (size, root, body) VALUES (?, ?, ?)",
                    arguments: [size, root, Data(merged.wireEncoded())])
            }
        }
    }

    /// Every stored equivocation evidence.
    /// - Throws: `invalidEvidence` located at the first row that does not decode; a storage error.
    public func evidence() throws -> [EquivocationEvidence] {
        try evidenceRows().map(\.evidence)
    }

    /// Every stored equivocation evidence with its row id, in row order.
    /// - Throws: `invalidEvidence` located at the first row that does not decode; a storage error.
    public func evidenceRows() throws -> [(row: Int64, evidence: EquivocationEvidence)] {
        let rows = try Self.mapErrors("read evidence") {
            try database.read { db in
                try Row.fetchAll(db, sql: "SELECT id, body FROM evidence ORDER BY id").map { ($0[0] as DatabaseValue, $0[1] as DatabaseValue) }
            }
        }
        return try rows.map { idValue, bodyValue in
            guard case .int64(let id) = idValue.storage else {
                throw LedgerError.file(.storageCorrupt, table: "evidence", "an evidence row's id is not an integer")
            }
            let body = try Self.blob(bodyValue) { LedgerError.file(.invalidEvidence, table: "evidence", row: id, "evidence row \(id): the body \($0)") }
            do {
                return (id, try EquivocationEvidence(wireEncoded: [UInt8](body)))
            } catch {
                throw LedgerError.file(.invalidEvidence, table: "evidence", row: id, "evidence row \(id) does not decode as equivocation evidence", cause: error)
            }
        }
    }

    /// Stores equivocation evidence.
    /// - Parameter evidence: The evidence.
    public func saveEvidence(_ evidence: EquivocationEvidence) throws {
        try Self.mapErrors("save evidence") {
            try database.write { db in
                try db.execute(sql: "INSERT INTO evidence (body) VALUES (?)", arguments: [Data(evidence.wireEncoded())])
            }
        }
    }

    /// Runs raw SQL with the append-only triggers dropped, then restores them exactly as they were,
    /// as a careful attacker with write access to the file would: tests use it. Not for production use.
    /// - Parameters:
    ///   - sql: The statements.
    ///   - blobs: Blob arguments bound in order.
    package func tamper(_ sql: String, blobs: [[UInt8]] = []) throws {
        try database.write { db in
            let triggers = try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'entry' ORDER BY name")
            try db.execute(sql: "DROP TRIGGER IF EXISTS entry_no_update; DROP TRIGGER IF EXISTS entry_no_delete;")
            try db.execute(sql: sql, arguments: StatementArguments(blobs.map { Data($0) }))
            for trigger in triggers { try db.execute(sql: trigger) }
        }
    }

    /// Runs raw SQL with the triggers in place (tests check that they refuse rewrites).
    /// - Parameter sql: The statements.
    package func tamperWithoutDroppingTriggers(_ sql: String) throws {
        try Self.mapErrors("raw SQL") {
            try database.write { db in try db.execute(sql: sql) }
        }
    }

    /// Maps GRDB and SQLite failures to ``LedgerError`` (corruption vs. other failures).
    static func mapErrors<T>(_ operation: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as LedgerError {
            throw error
        } catch is RowDecodingError {
            // Not wrapped: its description quotes the stored value.
            throw LedgerError(.storageCorrupt, "\(operation): a stored value has the wrong type")
        } catch let error as DatabaseError {
            let corrupt = error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB
            throw LedgerError(
                corrupt ? .storageCorrupt : .storageFailure,
                "\(operation): SQLite \(corrupt ? "reports a corrupt or truncated file" : "failed") (\(error.resultCode))",
                cause: error)
        } catch {
            throw LedgerError(.storageFailure, "\(operation) failed", cause: error)
        }
    }
}
