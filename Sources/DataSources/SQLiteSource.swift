public import CircuitCompiler
public import ContractLanguage
import Foundation
import GRDB
import GRDBSQLite

/// A table, view or read-only query of a SQLite database, opened read-only.
///
/// Storage classes accepted for each contract type (spec: protocols/data-sources.md §3):
/// `int` INTEGER; `decimal(S)` INTEGER (a whole number) or REAL (the binary64 nearest to a
/// decimal with at most S fraction digits, |x·10^S| < 2^53; see `realUnits`); `text` TEXT; `bool` INTEGER 0 or 1; `date` TEXT `YYYY-MM-DD`; NULL for
/// any type unless the column is declared `notNull`. Validation runs in SQL, over the same read
/// transaction as the plan, before the plan runs.
public struct SQLiteSource: DataSource {
    /// What to read.
    public enum Relation: Sendable, Hashable {
        /// A table or view, by name.
        case table(String)
        /// A SELECT statement.
        case query(String)
    }

    /// The database file.
    public let path: String
    /// The table, view or query.
    public let relation: Relation
    /// Input column → database column name; unmapped columns use their own name.
    public let columns: [String: String]
    /// Input columns in which null is an error.
    public let notNull: Set<String>

    /// Creates a source.
    /// - Parameters:
    ///   - path: the database file.
    ///   - relation: the table, view or query.
    ///   - columns: input column → database column.
    ///   - notNull: input columns in which null is an error.
    public init(path: String, relation: Relation, columns: [String: String] = [:], notNull: Set<String> = []) {
        self.path = path
        self.relation = relation
        self.columns = columns
        self.notNull = notNull
    }

    /// `path: table 'staff'` or `path: query`.
    public var name: String { location().description }

    var tableLabel: String {
        switch relation {
        case .table(let name): return name
        case .query: return "query"
        }
    }

    func location(row: Int? = nil, column: String? = nil) -> DataSourceError.Location {
        .init(file: path, table: tableLabel, row: row, column: column)
    }

    /// Checks every row (in SQL).
    /// - Parameter columns: the input columns.
    /// - Returns: the number of rows.
    /// - Throws: `DataSourceError`.
    public func validate(_ columns: [ColumnDeclaration]) throws -> Int {
        try read { db in
            let base = try baseQuery(db, columns)
            try validate(db, base: base, columns)
            return try wrap { try Int.fetchOne(db, sql: "SELECT count(*) FROM (\(base))") ?? 0 }
        }
    }

    /// Reads every row, validated.
    /// - Parameter columns: the input columns.
    /// - Returns: rows in input-column order.
    /// - Throws: `DataSourceError`.
    public func rows(_ columns: [ColumnDeclaration]) throws -> [[Value]] {
        try read { db in
            let base = try baseQuery(db, columns)
            try validate(db, base: base, columns)
            var rows: [[Value]] = []
            try forEachRow(db, base: base, columns) { rows.append($0) }
            return rows
        }
    }

    /// Runs the plan as one SQL query when it translates (see `SQLPushdown`), validating every row
    /// in that same scan, else validates and streams the rows through `LocalPlan.execute(rows:)`.
    /// When the scan finds an invalid row, the validation scan names the first one (the same
    /// error as without pushdown). Everything runs in one read transaction.
    /// - Parameters:
    ///   - plan: the local plan.
    ///   - strategy: `.automatic` (pushdown when possible) or `.rowPipeline`.
    ///   - deadline: when to interrupt the query (a progress handler checks it every 1,000 SQLite
    ///     steps); nil: never.
    /// - Returns: the partials and how they were computed.
    /// - Throws: `DataSourceError`, `deadlineExceeded` when interrupted at the deadline.
    public func execute(_ plan: LocalPlan, strategy: ExecutionStrategy, deadline: ContinuousClock.Instant?) throws
        -> LocalExecution
    {
        let columns = plan.pipeline.columns
        return try read(deadline: deadline) { db in
            let base = try baseQuery(db, columns)
            var reason: String? = "the row pipeline was requested"
            if strategy == .automatic {
                do {
                    // Plain 64-bit sums first; exact 16-bit limbs only when SQLite reports an overflow.
                    let problem = problemExpression(columns)
                    if plan.width == 0 { try validate(db, base: base, columns) }
                    let split = try SQLPushdown(plan: plan, base: base, validation: problem, arithmetic: .split)
                    var outcome = try runValidating(db, split, base, columns)
                    if case .overflow = outcome {
                        let limbs = try SQLPushdown(plan: plan, base: base, validation: problem, arithmetic: .limbs)
                        outcome = try runValidating(db, limbs, base, columns)
                    }
                    switch outcome {
                    case .partials(let partials): return LocalExecution(partials: partials, path: .pushdown)
                    case .invalidRow: reason = "the pushed-down scan saw an invalid row that the validation scan did not"
                    case .overflow: reason = "a 64-bit SQL sum overflowed"
                    }
                } catch let untranslatable as SQLPushdown.Untranslatable {
                    reason = untranslatable.reason
                }
            }
            try validate(db, base: base, columns)
            var accumulator = try PartialAccumulator(plan, deadline: deadline, location: location())
            try forEachRow(db, base: base, columns) { try accumulator.append($0) }
            return LocalExecution(partials: try accumulator.finish(), path: .rowPipeline(reason: reason))
        }
    }

    /// Runs a pushed-down query that validates as it scans. When it flags an invalid row, or
    /// fails, the validation scan runs first, so that a bad cell is reported as such (row and
    /// column) before anything else.
    private func runValidating(
        _ db: Database, _ query: SQLPushdown, _ base: String, _ columns: [ColumnDeclaration]
    ) throws -> SQLPushdown.Outcome {
        let outcome: SQLPushdown.Outcome
        do {
            outcome = try query.run(db, wrap: wrap, location: location())
        } catch {
            try validate(db, base: base, columns)
            throw error
        }
        if case .invalidRow = outcome { try validate(db, base: base, columns) }
        return outcome
    }

    // MARK: - Connection and schema

    private func read<T>(deadline: ContinuousClock.Instant? = nil, _ body: (Database) throws -> T) throws -> T {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataSourceError(.fileNotFound, "the SQLite database does not exist", at: .init(file: path))
        }
        guard !isDirectory.boolValue else {
            throw DataSourceError(.unreadableFile, "the path is a directory, not a SQLite database", at: .init(file: path))
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.label = "covenant.datasource"
        configuration.prepareDatabase { db in
            let code = sqlite3_create_function_v2(
                db.sqliteConnection, SQLiteSource.canonicalTextName, 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nil,
                canonicalText, nil, nil, nil)
            guard code == SQLITE_OK else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot register \(SQLiteSource.canonicalTextName)")
            }
            db.add(function: SQLiteSource.decimalTextUnits)
        }
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw DataSourceError(.unreadableFile, "the SQLite database cannot be opened: \(Self.reason(error))", at: .init(file: path))
        }
        do {
            return try queue.read { db in
                guard let deadline else { return try body(db) }
                // SQLite asks the handler every 1,000 virtual-machine steps whether to go on; past
                // the deadline it answers no, and the statement (a recursive CTE that never ends
                // included) fails with SQLITE_INTERRUPT. No timer thread, no race with statement
                // boundaries.
                let box = Unmanaged.passRetained(DeadlineBox(deadline))
                sqlite3_progress_handler(db.sqliteConnection, 1000, { context in
                    guard let context else { return 0 }
                    return ContinuousClock.now >= Unmanaged<DeadlineBox>.fromOpaque(context).takeUnretainedValue().deadline ? 1 : 0
                }, box.toOpaque())
                defer {
                    sqlite3_progress_handler(db.sqliteConnection, 0, nil, nil)
                    box.release()
                }
                return try body(db)
            }
        } catch let error as DataSourceError {
            if let deadline, ContinuousClock.now >= deadline, error.code == .databaseError {
                throw DataSourceError(.deadlineExceeded, "the local plan did not finish before its deadline", at: location())
            }
            throw error
        } catch {
            if let deadline, ContinuousClock.now >= deadline {
                throw DataSourceError(.deadlineExceeded, "the local plan did not finish before its deadline", at: location())
            }
            throw DataSourceError(.unreadableFile, "the SQLite database cannot be read: \(Self.reason(error))", at: .init(file: path))
        }
    }

    /// SQLite's own message (it names SQL objects, never cell values).
    static func reason(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }

    /// Runs a database call, wrapping SQLite errors.
    func wrap<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DataSourceError {
            throw error
        } catch {
            throw DataSourceError(.databaseError, Self.reason(error), at: location())
        }
    }

    /// `covenant_nfc(x)`: a TEXT value in Unicode Normalization Form C, anything else unchanged
    /// (registered as a plain C function, `canonicalText`: it runs once per text cell).
    static let canonicalTextName = "covenant_nfc"

    /// `covenant_decimal_units(x, scale)`: the exact units of a decimal stored as TEXT (`'1234.50'`
    /// at scale 2 is 123450), parsed as the CSV path parses it; NULL when it does not parse.
    static let decimalTextUnits = DatabaseFunction("covenant_decimal_units", argumentCount: 2, pure: true) { values in
        guard case .string(let text) = values[0].storage, case .int64(let scale) = values[1].storage,
            (0...18).contains(scale)
        else { return nil }
        return Value.units(Substring(text), scale: Int(scale))
    }

    /// `SELECT "db column" AS c0, … FROM relation`: stored values (text in NFC), in input-column order.
    func baseQuery(_ db: Database, _ declared: [ColumnDeclaration]) throws -> String {
        let available: [String]
        let from: String
        switch relation {
        case .table(let table):
            let exists = try wrap { try db.tableExists(table) || db.viewExists(table) }
            guard exists else {
                throw DataSourceError(.tableNotFound, "the database has no table or view '\(table)'", at: .init(file: path, table: table))
            }
            available = try wrap { try db.columns(in: table).map(\.name) }
            from = quoteIdentifier(table)
        case .query(let sql):
            let statement: Statement
            do {
                statement = try db.makeStatement(sql: sql)
            } catch {
                throw DataSourceError(.invalidQuery, "the query does not prepare: \(Self.reason(error))", at: location())
            }
            let trimmed = sql.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            guard statement.isReadonly, trimmed.hasPrefix("select") || trimmed.hasPrefix("with") else {
                throw DataSourceError(.invalidQuery, "the query must be a single read-only SELECT", at: location())
            }
            available = statement.columnNames
            from = "(\(sql.trimmingSemicolons()))"
        }
        var selections: [String] = []
        for (index, column) in declared.enumerated() {
            let wanted = columns[column.name.text] ?? column.name.text
            guard let actual = available.first(where: { $0.lowercased() == wanted.lowercased() }) else {
                let mapped = wanted == column.name.text ? "" : " (mapped to '\(wanted)')"
                throw DataSourceError(
                    .missingColumn, "no database column for input column '\(column.name.text)'\(mapped)",
                    at: location(column: column.name.text))
            }
            // Text is compared in Unicode NFC, as the contract's literals are (a ward written
            // decomposed matches its group); other storage classes pass through unchanged.
            let selected = column.type == .text || column.type.scale > 0
                ? "\(Self.canonicalTextName)(\(quoteIdentifier(actual)))" : quoteIdentifier(actual)
            selections.append("\(selected) AS c\(index)")
        }
        return "SELECT \(selections.isEmpty ? "NULL" : selections.joined(separator: ", ")) FROM \(from)"
    }

    // MARK: - Validation

    /// Error kinds encoded by the validation query: column × 3 + kind.
    private enum Problem: Int {
        case wrongType = 0, unparsable = 1, null = 2
    }

    /// Finds the first invalid cell (scan order, then column order) with one SQL scan.
    func validate(_ db: Database, base: String, _ declared: [ColumnDeclaration]) throws {
        guard let problem = problemExpression(declared) else { return }
        // A plain scan first (fast); only when it finds a problem, a second scan numbers the rows.
        let scan = "SELECT \(problem) AS e FROM (\(base))"
        guard try wrap({ try Int.fetchOne(db, sql: "SELECT e FROM (\(scan)) WHERE e IS NOT NULL LIMIT 1") }) != nil else { return }
        let numbered = "SELECT e, n FROM (SELECT \(problem) AS e, row_number() OVER () AS n FROM (\(base))) WHERE e IS NOT NULL LIMIT 1"
        guard let found = try wrap({ try Row.fetchOne(db, sql: numbered) }) else { return }
        let encoded: Int = found[0], row: Int = found[1]
        let column = declared[encoded / 3]
        let at = location(row: row, column: column.name.text)
        switch Problem(rawValue: encoded % 3)! {
        case .null:
            throw DataSourceError(.nullValue, "null in a column declared notNull", at: at)
        case .unparsable:
            throw DataSourceError(.unparsableValue, "value does not parse as \(column.type)", at: at)
        case .wrongType:
            let storage = try wrap {
                try String.fetchOne(db, sql: "SELECT typeof(c\(encoded / 3)) FROM (\(base)) LIMIT 1 OFFSET \(row - 1)")
            } ?? "another storage class"
            throw DataSourceError(
                .wrongType, "the value is stored as \(storage); \(column.type) needs \(Self.accepted(column.type))", at: at)
        }
    }

    /// The validation expression over the stored values `c0, …` of `baseQuery`: NULL for a
    /// valid row, else the first problem's code (column × 3 + kind); nil for no columns. The
    /// validation scan and the pushed-down query (`SQLPushdown`'s `validation`) both use it.
    func problemExpression(_ declared: [ColumnDeclaration]) -> String? {
        guard !declared.isEmpty else { return nil }
        var checks: [String] = []
        for (index, column) in declared.enumerated() {
            let c = "c\(index)"
            func code(_ problem: Problem) -> Int { index * 3 + problem.rawValue }
            let onNull = notNull.contains(column.name.text) ? "\(code(.null))" : "NULL"
            let type: String
            switch column.type {
            case .int:
                type = "WHEN typeof(\(c)) <> 'integer' THEN \(code(.wrongType))"
            case .decimal(let scale):
                let factor = pow10(scale)
                let limit = Int64.max / factor
                type = """
                    WHEN typeof(\(c)) = 'integer' THEN CASE WHEN \(c) BETWEEN -\(limit) AND \(limit) THEN NULL ELSE \(code(.unparsable)) END \
                    WHEN typeof(\(c)) = 'real' THEN CASE WHEN abs(\(c) * \(factor).0) < 9007199254740991.0 \
                    AND \(realUnits(c, scale: scale)) / \(factor).0 = \(c) THEN NULL ELSE \(code(.unparsable)) END \
                    WHEN typeof(\(c)) = 'text' THEN CASE WHEN \(Self.decimalTextUnits.name)(\(c), \(scale)) IS NOT NULL THEN NULL ELSE \(code(.unparsable)) END \
                    ELSE \(code(.wrongType))
                    """
            case .text:
                type = "WHEN typeof(\(c)) <> 'text' THEN \(code(.wrongType))"
            case .bool:
                type = "WHEN typeof(\(c)) <> 'integer' THEN \(code(.wrongType)) WHEN \(c) NOT IN (0, 1) THEN \(code(.unparsable))"
            case .date:
                type = """
                    WHEN typeof(\(c)) <> 'text' THEN \(code(.wrongType)) \
                    WHEN date(julianday(\(c))) IS NOT \(c) OR \(c) < '0001-01-01' THEN \(code(.unparsable))
                    """
            }
            checks.append("CASE WHEN \(c) IS NULL THEN \(onNull) \(type) END")
        }
        return checks.count == 1 ? checks[0] : "COALESCE(\(checks.joined(separator: ", ")))"
    }

    static func accepted(_ type: ColumnType) -> String {
        switch type {
        case .int: return "an integer"
        case .decimal: return "an integer, a real, or text such as '1234.50'"
        case .text: return "text"
        case .bool: return "an integer 0 or 1"
        case .date: return "text YYYY-MM-DD"
        }
    }

    // MARK: - Reading rows

    /// Streams validated rows, converted to values, in scan order.
    func forEachRow(_ db: Database, base: String, _ declared: [ColumnDeclaration], _ body: ([Value]) throws -> Void) throws {
        let cursor = try wrap { try Row.fetchCursor(db, sql: base) }
        var row = 0
        var values: [Value] = []
        values.reserveCapacity(declared.count)
        while let record = try wrap({ try cursor.next() }) {
            row += 1
            values.removeAll(keepingCapacity: true)
            for (index, column) in declared.enumerated() {
                let stored: DatabaseValue = record[index]
                guard let value = Self.value(stored, as: column.type) else {
                    // Validation ran in the same read transaction, so this means a bug, not bad data.
                    throw DataSourceError(
                        .wrongType, "value changed storage class after validation",
                        at: location(row: row, column: column.name.text))
                }
                values.append(value)
            }
            try body(values)
        }
    }

    /// Converts a validated stored value; mirrors the pushdown's conversion exactly.
    static func value(_ stored: DatabaseValue, as type: ColumnType) -> Value? {
        switch (type, stored.storage) {
        case (_, .null): return .null
        case (.int, .int64(let v)): return .int(v)
        case (.decimal(let scale), .int64(let v)):
            let (units, overflow) = v.multipliedReportingOverflow(by: pow10(scale))
            return overflow ? nil : .decimal(units, scale: scale)
        case (.decimal(let scale), .double(let x)):
            // The same IEEE operations as `realUnits` and the validation query, in the same order.
            let factor = Double(pow10(scale))
            guard (x * factor).magnitude < 9_007_199_254_740_991 else { return nil }
            let units = (x * factor + (x < 0 ? -0.5 : 0.5)).rounded(.towardZero)
            guard units / factor == x else { return nil }
            return .decimal(Int64(units), scale: scale)
        case (.decimal(let scale), .string(let s)):
            return Value.units(Substring(s), scale: scale).map { .decimal($0, scale: scale) }
        case (.text, .string(let s)): return .text(s)
        case (.bool, .int64(let v)) where v == 0 || v == 1: return .bool(v == 1)
        case (.date, .string(let s)): return CivilDate(iso: s).map { .date($0) }
        default: return nil
        }
    }
}

/// The SQL for the units of a REAL `x` in a `decimal(scale)` column: x·10^S rounded half away
/// from zero. A REAL is accepted only when these units divided by 10^S give back exactly x, that is
/// when x is the binary64 nearest to a decimal with at most S fraction digits (how `0.29` is stored).
func realUnits(_ x: String, scale: Int) -> String {
    "CAST(\(x) * \(pow10(scale)).0 + (CASE WHEN \(x) < 0 THEN -0.5 ELSE 0.5 END) AS INTEGER)"
}

/// 10^n for 0 ≤ n ≤ 18.
func pow10(_ n: Int) -> Int64 {
    var result: Int64 = 1
    for _ in 0..<max(0, min(n, 18)) { result *= 10 }
    return result
}

/// A double-quoted SQL identifier.
func quoteIdentifier(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

/// A single-quoted SQL string literal.
func quoteText(_ text: String) -> String {
    "'" + text.precomposedStringWithCanonicalMapping.replacingOccurrences(of: "'", with: "''") + "'"
}

extension String {
    func trimmingSemicolons() -> String {
        var s = Substring(self)
        while let c = s.last, c == ";" || c == " " || c == "\n" || c == "\t" || c == "\r" { s = s.dropLast() }
        return String(s)
    }
}

/// The deadline a progress handler reads (a class, so that C gets a stable pointer to it).
private final class DeadlineBox {
    let deadline: ContinuousClock.Instant
    init(_ deadline: ContinuousClock.Instant) { self.deadline = deadline }
}

/// `covenant_nfc` as a C function: SQLite calls it for every text cell of the base query, so it
/// returns ASCII text (already in NFC) and other storage classes as they are, with no copy and no
/// Swift string. Other text is read as GRDB reads text (up to its first NUL) and returned in NFC.
private let canonicalText: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = {
    context, _, arguments in
    guard let value = arguments?[0] else { return sqlite3_result_null(context) }
    guard sqlite3_value_type(value) == SQLITE_TEXT, let text = sqlite3_value_text(value) else {
        return sqlite3_result_value(context, value)
    }
    let bytes = UnsafeBufferPointer(start: text, count: Int(sqlite3_value_bytes(value)))
    if !bytes.contains(where: { $0 >= 0x80 || $0 == 0 }) { return sqlite3_result_value(context, value) }
    let prefix = bytes.prefix { $0 != 0 }
    var normalized = String(decoding: prefix, as: UTF8.self).precomposedStringWithCanonicalMapping
    let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
    normalized.withUTF8 { utf8 in
        // An empty buffer may have no address, and a NULL pointer would make the result NULL.
        guard let address = utf8.baseAddress, !utf8.isEmpty else { return sqlite3_result_text(context, "", 0, transient) }
        sqlite3_result_text(context, address, Int32(utf8.count), transient)
    }
}
