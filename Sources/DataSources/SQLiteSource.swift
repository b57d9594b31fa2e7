public import CircuitCompiler
public import ContractLanguage
import Foundation
import GRDB
import GRDBSQLite

/// A table, view or read-only query of a SQLite database, opened read-only.
///
/// Storage classes accepted for each contract type (spec: protocols/data-sources.md §3):
/// `int` INTEGER; `decimal(S)` INTEGER (a whole number) or REAL (the binary64 nearest to a
/// decimal with at most S fraction digits, |x·10^S| < 2^53; see `decimalUnits`); `text` TEXT; `bool` INTEGER 0 or 1; `date` TEXT `YYYY-MM-DD`; NULL for
/// any type unless the column is declared `notNull`. Validation runs in SQL (`covenant_check`),
/// in the pushed-down plan's own scan, or before the rows stream when the plan is not pushed down,
/// in the same read transaction either way.
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

    /// Checks every row (in SQL), on a thread of its own (`ScanThread`).
    /// - Parameter columns: the input columns.
    /// - Returns: the number of rows.
    /// - Throws: `DataSourceError`; `CancellationError` when the task is cancelled.
    public func validate(_ columns: [ColumnDeclaration]) async throws -> Int {
        try await ScanThread.run { control in try validate(columns, control: control) }
    }

    /// Reads every row, validated, on a thread of its own (`ScanThread`).
    /// - Parameter columns: the input columns.
    /// - Returns: rows in input-column order.
    /// - Throws: `DataSourceError`; `CancellationError` when the task is cancelled.
    public func rows(_ columns: [ColumnDeclaration]) async throws -> [[Value]] {
        try await ScanThread.run { control in try rows(columns, control: control) }
    }

    /// Runs the plan (see the synchronous `execute(_:strategy:deadline:)`) on a thread of its
    /// own (`ScanThread`), so that the scan never holds a thread of the shared concurrency pool.
    /// - Parameters:
    ///   - plan: the local plan.
    ///   - strategy: `.automatic` (pushdown when possible) or `.rowPipeline`.
    ///   - deadline: when to interrupt the query; nil: never.
    /// - Returns: the partials and how they were computed.
    /// - Throws: `DataSourceError`, `deadlineExceeded` at the deadline; `CancellationError` when
    ///   the task is cancelled (the statement is interrupted within 1,000 SQLite steps).
    public func execute(_ plan: LocalPlan, strategy: ExecutionStrategy, deadline: ContinuousClock.Instant?) async throws
        -> LocalExecution
    {
        try await ScanThread.run { control in try execute(plan, strategy: strategy, deadline: deadline, control: control) }
    }

    /// Checks every row (in SQL), on the caller's thread.
    /// - Parameter columns: the input columns.
    /// - Returns: the number of rows.
    /// - Throws: `DataSourceError`.
    public func validate(_ columns: [ColumnDeclaration]) throws -> Int {
        try validate(columns, control: nil)
    }

    func validate(_ columns: [ColumnDeclaration], control: ScanControl?) throws -> Int {
        try read(control: control) { db in
            let base = try baseQuery(db, columns)
            try validate(db, base: base, columns)
            return try wrap { try Int.fetchOne(db, sql: "SELECT count(*) FROM (\(base))") ?? 0 }
        }
    }

    /// Reads every row, validated, on the caller's thread.
    /// - Parameter columns: the input columns.
    /// - Returns: rows in input-column order.
    /// - Throws: `DataSourceError`.
    public func rows(_ columns: [ColumnDeclaration]) throws -> [[Value]] {
        try rows(columns, control: nil)
    }

    func rows(_ columns: [ColumnDeclaration], control: ScanControl?) throws -> [[Value]] {
        try read(control: control) { db in
            let base = try baseQuery(db, columns)
            try validate(db, base: base, columns)
            var rows: [[Value]] = []
            try forEachRow(db, base: base, columns) { rows.append($0) }
            return rows
        }
    }

    /// Runs the plan as one SQL query when it translates (see `SQLPushdown`), validating every row
    /// in that same scan, else validates and streams the rows through `LocalPlan.Accumulator`.
    /// When the scan finds an invalid row, the validation scan names the first one (the same
    /// error as without pushdown). Everything runs in one read transaction, on the caller's thread.
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
        try execute(plan, strategy: strategy, deadline: deadline, control: nil)
    }

    func execute(_ plan: LocalPlan, strategy: ExecutionStrategy, deadline: ContinuousClock.Instant?, control: ScanControl?)
        throws -> LocalExecution
    {
        let columns = plan.pipeline.columns
        return try read(deadline: deadline, control: control) { db in
            let base = try baseQuery(db, columns)
            var reason: String? = "the row pipeline was requested"
            if strategy == .automatic {
                do {
                    if plan.width == 0 { try validate(db, base: base, columns) }
                    let pushdown = try SQLPushdown(
                        plan: plan, base: try pushdownBase(db, columns), validation: problemExpression(columns))
                    switch try runValidating(db, pushdown, base, columns) {
                    case .partials(let partials): return LocalExecution(partials: partials, path: .pushdown)
                    case .invalidRow: reason = "the pushed-down scan saw an invalid row that the validation scan did not"
                    }
                } catch let untranslatable as SQLPushdown.Untranslatable {
                    reason = untranslatable.reason
                }
            }
            try validate(db, base: base, columns)
            var accumulator = try PartialAccumulator(plan, deadline: deadline, control: control, location: location())
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

    private func read<T>(
        deadline: ContinuousClock.Instant? = nil, control: ScanControl? = nil, _ body: (Database) throws -> T
    ) throws -> T {
        try ScanControl.check(control, deadline: nil, location: nil)
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
            try SQLiteSource.registerFunctions(db)
        }
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw DataSourceError(.unreadableFile, "the SQLite database cannot be opened: \(Self.reason(error))", at: .init(file: path))
        }
        do {
            return try queue.read { db in
                guard deadline != nil || control != nil else { return try body(db) }
                // SQLite asks the handler every 1,000 virtual-machine steps whether to go on; past
                // the deadline, or once the task is cancelled, it answers no, and the statement (a
                // recursive CTE that never ends included) fails with SQLITE_INTERRUPT. No timer
                // thread, no race with statement boundaries.
                let box = Unmanaged.passRetained(StopBox(deadline: deadline, control: control))
                sqlite3_progress_handler(db.sqliteConnection, 1000, { context in
                    guard let context else { return 0 }
                    return Unmanaged<StopBox>.fromOpaque(context).takeUnretainedValue().shouldStop ? 1 : 0
                }, box.toOpaque())
                defer {
                    sqlite3_progress_handler(db.sqliteConnection, 0, nil, nil)
                    box.release()
                }
                return try body(db)
            }
        } catch let error as DataSourceError {
            if let control, control.isCancelled, error.code == .databaseError || error.code == .deadlineExceeded {
                throw CancellationError()
            }
            if let deadline, ContinuousClock.now >= deadline, error.code == .databaseError {
                throw DataSourceError(.deadlineExceeded, "the local plan did not finish before its deadline", at: location())
            }
            throw error
        } catch let error as CancellationError {
            throw error
        } catch {
            if let control, control.isCancelled { throw CancellationError() }
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

    /// The base of the pushed-down query: stored values as they are (the pushdown composes text
    /// to NFC itself, once per cell); a query's base is fenced (`LIMIT -1`) so that SQLite
    /// computes each of its cells once, a table's columns flatten into the next layer.
    func pushdownBase(_ db: Database, _ declared: [ColumnDeclaration]) throws -> String {
        let base = try baseQuery(db, declared, canonical: false)
        if case .query = relation { return base + " LIMIT -1" }
        return base
    }

    /// `SELECT "db column" AS c0, … FROM relation`: stored values in input-column order, text
    /// (and decimals, which may be stored as text) in NFC unless `canonical` is false.
    func baseQuery(_ db: Database, _ declared: [ColumnDeclaration], canonical: Bool = true) throws -> String {
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
            let selected = canonical && (column.type == .text || column.type.scale > 0)
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
    /// validation scan and the pushed-down query (`SQLPushdown`'s `validation`) both use it:
    /// one `covenant_check` call per row (per 100 columns), which reads each cell's storage class
    /// once and applies the §3 rules in C.
    func problemExpression(_ declared: [ColumnDeclaration]) -> String? {
        guard !declared.isEmpty else { return nil }
        var calls: [String] = []
        for first in stride(from: 0, to: declared.count, by: 100) {
            let chunk = declared[first..<min(first + 100, declared.count)]
            let checks = chunk.map { column -> ColumnCheck in
                let kind: ColumnCheck.Kind
                switch column.type {
                case .int: kind = .int
                case .text: kind = .text
                case .bool: kind = .bool
                case .date: kind = .date
                case .decimal(let scale): kind = .decimal(scale: scale)
                }
                return ColumnCheck(kind: kind, notNull: notNull.contains(column.name.text))
            }
            let arguments = chunk.enumerated().map { offset, column in Self.checkArgument("c\(first + offset)", column.type) }
            calls.append("\(Self.checkName)('\(Self.checkSpec(first: first, checks))', \(arguments.joined(separator: ", ")))")
        }
        return calls.count == 1 ? calls[0] : "COALESCE(\(calls.joined(separator: ", ")))"
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
            // The same IEEE operations as `decimalUnits` (the validation and the pushdown), in the same order.
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

/// What a progress handler reads (a class, so that C gets a stable pointer to it): the deadline
/// and the scan's cancellation.
private final class StopBox {
    let deadline: ContinuousClock.Instant?
    let control: ScanControl?
    init(deadline: ContinuousClock.Instant?, control: ScanControl?) {
        self.deadline = deadline
        self.control = control
    }

    var shouldStop: Bool {
        if let control, control.isCancelled { return true }
        if let deadline, ContinuousClock.now >= deadline { return true }
        return false
    }
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
