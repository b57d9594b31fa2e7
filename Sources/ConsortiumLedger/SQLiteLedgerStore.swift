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
    private let database: any DatabaseWriter

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

    /// Opens (creating if needed) a writable replica and migrates its schema.
    /// - Parameter path: The SQLite file.
    /// - Throws: `storageFailure`, `storageCorrupt`, or `unsupportedSchema` if the file was
    ///   written by a newer version.
    public init(path: String) throws {
        self.path = path
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
    }

    /// Opens an existing replica read-only, as the auditor does; nothing is migrated or written.
    /// - Parameter path: The SQLite file.
    /// - Throws: `storageFailure` if it cannot be opened; `storageCorrupt` if it is not a
    ///   SQLite database; `unsupportedSchema` if the schema is missing or newer.
    public init(readingFrom path: String) throws {
        self.path = path
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
    public func entryCount() throws -> UInt64 {
        try Self.mapErrors("count entries") {
            try database.read { db in
                let maximum = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM entry")
                return maximum.map { UInt64($0) + 1 } ?? 0
            }
        }
    }

    /// Appends a batch in one transaction.
    /// - Parameter entries: The batch.
    /// - Throws: `sequenceMismatch` (nothing written) or `storageFailure`.
    public func append(_ entries: [StoredEntry]) throws {
        guard !entries.isEmpty else { return }
        try Self.mapErrors("append \(entries.count) entries") {
            try database.write { db in
                let maximum = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM entry")
                var next = maximum.map { UInt64($0) + 1 } ?? 0
                let statement = try db.cachedStatement(sql: "INSERT INTO entry (seq, body, leaf) VALUES (?, ?, ?)")
                for entry in entries {
                    guard entry.index == next else {
                        throw LedgerError.entry(.sequenceMismatch, entry.index, "store expected index \(next)")
                    }
                    try statement.execute(arguments: [Int64(entry.index), Data(entry.bytes), Data(entry.leafHash.bytes)])
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
        do {
            return try read(from: start, limit: limit)
        } catch let error as LedgerError where error.code == .storageCorrupt {
            // Locate the first unreadable entry one row at a time.
            var index = start
            while index < start + UInt64(limit) {
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
        try Self.mapErrors("read entries from \(start)") {
            try database.read { db in
                let cursor = try Row.fetchCursor(
                    db, sql: "SELECT seq, body, leaf FROM entry WHERE seq >= ? ORDER BY seq LIMIT ?",
                    arguments: [Int64(clamping: start), limit])
                var out: [StoredEntry] = []
                out.reserveCapacity(min(limit, 1 << 16))
                while let row = try cursor.next() {
                    let seq: Int64 = row[0]
                    let body: Data = row[1]
                    let leaf: Data = row[2]
                    guard seq >= 0, let hash = try? LedgerHash(leaf) else {
                        throw LedgerError.entry(.storageCorrupt, UInt64(max(seq, 0)), "a stored row has an invalid index or leaf hash")
                    }
                    out.append(StoredEntry(index: UInt64(seq), bytes: [UInt8](body), leafHash: hash))
                }
                return out
            }
        }
    }

    /// Every stored checkpoint, ordered by size then root.
    public func checkpoints() throws -> [SignedCheckpoint] {
        let bodies = try Self.mapErrors("read checkpoints") {
            try database.read { db in
                try Row.fetchAll(db, sql: "SELECT size, body FROM checkpoint ORDER BY size, root").map { row in
                    (row[0] as Int64, [UInt8](row[1] as Data))
                }
            }
        }
        return try bodies.map { size, body in
            do {
                return try SignedCheckpoint(wireEncoded: body)
            } catch {
                throw LedgerError(.malformedEncoding, "a stored checkpoint does not decode: \(error)",
                                  at: .init(checkpointSize: UInt64(max(size, 0))), cause: error)
            }
        }
    }

    /// Stores a checkpoint, merging cosignatures into an existing one with the same size and root.
    /// - Parameter checkpoint: The checkpoint.
    public func saveCheckpoint(_ checkpoint: SignedCheckpoint) throws {
        try Self.mapErrors("save checkpoint \(checkpoint.checkpoint.size)") {
            try database.write { db in
                let size = Int64(clamping: checkpoint.checkpoint.size)
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
    public func evidence() throws -> [EquivocationEvidence] {
        let bodies = try Self.mapErrors("read evidence") {
            try database.read { db in try Data.fetchAll(db, sql: "SELECT body FROM evidence ORDER BY id") }
        }
        return try bodies.map { body in
            do {
                return try EquivocationEvidence(wireEncoded: [UInt8](body))
            } catch {
                throw LedgerError(.malformedEncoding, "stored equivocation evidence does not decode: \(error)", cause: error)
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

    /// Runs raw SQL with the append-only triggers dropped: tests use it to play an attacker with
    /// write access to the file. Not for production use.
    /// - Parameters:
    ///   - sql: The statements.
    ///   - blobs: Blob arguments bound in order.
    package func tamper(_ sql: String, blobs: [[UInt8]] = []) throws {
        try database.write { db in
            try db.execute(sql: "DROP TRIGGER IF EXISTS entry_no_update; DROP TRIGGER IF EXISTS entry_no_delete;")
            try db.execute(sql: sql, arguments: StatementArguments(blobs.map { Data($0) }))
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
