public import CircuitCompiler
public import ContractLanguage
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// A table, view or read-only query of a PostgreSQL database (or of an engine that speaks its
/// protocol and dialect, such as a Citus coordinator), read over vapor/postgres-nio.
///
/// Before anything runs, the columns' types are read from the catalog (`pg_attribute`) and checked
/// against the contract's schema (spec: protocols/data-sources.md §7):
/// `int` smallint, integer or bigint; `decimal(S)` numeric, smallint, integer or bigint (each value
/// with at most S fraction digits and at most 2^63−1 units); `text` text or character varying;
/// `bool` boolean; `date` date (finite, years 1–9999). Validation, then the plan, run in one
/// `REPEATABLE READ READ ONLY` transaction, so they see the same snapshot and write nothing.
///
/// - Warning: The password is read from an environment variable or a file when connecting and
///   is never printed, logged or put in an error; server messages, which may quote a value, are
///   never passed on (errors name the SQLSTATE), except the server's own words when a
///   configured query does not prepare.
public struct PostgreSQLSource: DataSource {
    /// How to reach the server and who to be there.
    public struct Connection: Sendable, Hashable, CustomStringConvertible {
        /// Where the server listens.
        public enum Endpoint: Sendable, Hashable {
            /// A host name or address and a TCP port.
            case tcp(host: String, port: Int)
            /// A Unix-domain socket: the directory holding `.s.PGSQL.<port>` (libpq's `host=/dir`).
            case unixSocket(directory: String, port: Int)
        }

        /// TLS on a TCP connection (libpq's `sslmode` values of the same names).
        public enum TLSMode: String, Sendable, Hashable, CaseIterable {
            /// No TLS.
            case disable
            /// TLS, without checking the server's certificate (protects against eavesdropping only).
            case require
            /// TLS, with the server's certificate checked against the CA (`caFile`, or the system's
            /// roots) and the host name.
            case verifyFull = "verify-full"
        }

        /// Where the password comes from.
        public enum Password: Sendable, Hashable {
            /// No password (trust or peer authentication).
            case none
            /// The value of an environment variable, by name.
            case environment(String)
            /// The first line of a file.
            case file(String)
        }

        /// Where the server listens.
        public var endpoint: Endpoint
        /// The database.
        public var database: String
        /// The user (role).
        public var user: String
        /// Where the password comes from.
        public var password: Password
        /// TLS on a TCP connection (a Unix socket is never encrypted).
        public var tls: TLSMode
        /// A PEM file of CA certificates for `verify-full` (nil: the system's roots).
        public var caFile: String?
        /// How long connecting may take.
        public var connectTimeout: Duration

        /// Creates connection settings.
        /// - Parameters:
        ///   - endpoint: where the server listens.
        ///   - database: the database.
        ///   - user: the user.
        ///   - password: where the password comes from.
        ///   - tls: TLS on a TCP connection.
        ///   - caFile: CA certificates for `verify-full`.
        ///   - connectTimeout: how long connecting may take.
        public init(
            endpoint: Endpoint, database: String, user: String, password: Password = .none, tls: TLSMode = .verifyFull,
            caFile: String? = nil, connectTimeout: Duration = .seconds(10)
        ) {
            self.endpoint = endpoint
            self.database = database
            self.user = user
            self.password = password
            self.tls = tls
            self.caFile = caFile
            self.connectTimeout = connectTimeout
        }

        /// `postgresql://user@host:port/database` or `postgresql://user@/database?host=/dir&port=5432`:
        /// never a password.
        public var description: String {
            switch endpoint {
            case .tcp(let host, let port):
                let shown = host.contains(":") ? "[\(host)]" : host
                return "postgresql://\(user)@\(shown):\(port)/\(database)"
            case .unixSocket(let directory, let port):
                return "postgresql://\(user)@/\(database)?host=\(directory)&port=\(port)"
            }
        }
    }

    /// What to read.
    public enum Relation: Sendable, Hashable {
        /// A table or view, by name, in `schema` or on the search path.
        case table(schema: String?, name: String)
        /// A SELECT statement (or `WITH … SELECT`).
        case query(String)
    }

    /// The server, database and user.
    public let connection: Connection
    /// The table, view or query.
    public let relation: Relation
    /// Input column → database column name; unmapped columns use their own name.
    public let columns: [String: String]
    /// Input columns in which null is an error.
    public let notNull: Set<String>

    /// Creates a source.
    /// - Parameters:
    ///   - connection: the server, database and user.
    ///   - relation: the table, view or query.
    ///   - columns: input column → database column.
    ///   - notNull: input columns in which null is an error.
    public init(connection: Connection, relation: Relation, columns: [String: String] = [:], notNull: Set<String> = []) {
        self.connection = connection
        self.relation = relation
        self.columns = columns
        self.notNull = notNull
    }

    /// `postgresql://user@host:port/db: table 'staff'` or `…: query`.
    public var name: String { location().description }

    var tableLabel: String {
        switch relation {
        case .table(let schema, let name): return schema.map { "\($0).\(name)" } ?? name
        case .query: return "query"
        }
    }

    func location(row: Int? = nil, column: String? = nil) -> DataSourceError.Location {
        .init(file: connection.description, table: tableLabel, row: row, column: column)
    }

    // MARK: - DataSource

    /// Checks the catalog types, then every row (in SQL).
    /// - Parameter columns: the input columns.
    /// - Returns: the number of rows.
    /// - Throws: `DataSourceError`.
    public func validate(_ columns: [ColumnDeclaration]) async throws -> Int {
        try await session(deadline: nil) { session in
            let base = try await session.prepare(columns)
            try await session.validate(base: base, columns)
            let rows = try await session.query("SELECT count(*)::text FROM (\(base.sql)) AS b")
            return rows.first?.first.flatMap { $0 }.flatMap { Int($0) } ?? 0
        }
    }

    /// Reads every row, validated.
    /// - Parameter columns: the input columns.
    /// - Returns: rows in input-column order.
    /// - Throws: `DataSourceError`.
    public func rows(_ columns: [ColumnDeclaration]) async throws -> [[Value]] {
        try await session(deadline: nil) { session in
            let base = try await session.prepare(columns)
            try await session.validate(base: base, columns)
            var rows: [[Value]] = []
            try await session.forEachRow(base: base.sql, columns) { rows.append($0) }
            return rows
        }
    }

    /// Checks the catalog types, then runs the plan as one query in PostgreSQL's dialect when it
    /// translates (`SQLPushdown`, exact `numeric` sums), validating every row in that same scan
    /// (when it finds an invalid row, the validation scan names the first one), else validates and
    /// streams the rows through `LocalPlan.Accumulator`; all in one read-only snapshot.
    /// - Parameters:
    ///   - plan: the local plan.
    ///   - strategy: `.automatic` (pushdown when possible) or `.rowPipeline`.
    ///   - deadline: when to give up: connecting is bounded by it, each statement runs under a
    ///     `statement_timeout` of the time left, and the row pipeline checks it between chunks.
    /// - Returns: the partials and how they were computed.
    /// - Throws: `DataSourceError`, `deadlineExceeded` past the deadline.
    public func execute(_ plan: LocalPlan, strategy: ExecutionStrategy, deadline: ContinuousClock.Instant?) async throws
        -> LocalExecution
    {
        let columns = plan.pipeline.columns
        return try await session(deadline: deadline) { session in
            let base = try await session.prepare(columns)
            var reason: String? = "the row pipeline was requested"
            if strategy == .automatic, plan.width > 0 {
                do {
                    // Validation in the plan's own scan: it counts the invalid rows.
                    let pushdown = try SQLPushdown(
                        plan: plan, base: base.sql, dialect: .postgreSQL, validation: session.problemExpression(columns, base))
                    let outcome: SQLPushdown.Outcome
                    try await session.query("SAVEPOINT covenant_pushdown", timed: false)
                    do {
                        outcome = try await session.run(pushdown)
                    } catch let error as PSQLError where error.code == .server
                        && ["22", "0A"].contains((error.serverInfo?[.sqlState] ?? "").prefix(2))
                    {
                        // A bad cell can stop the scan with a data exception (a decimal whose
                        // units leave bigint: 22003) or a NaN cast to bigint (0A000): back to
                        // before the scan, the validation scan names the cell, as it would have
                        // first.
                        try await session.query("ROLLBACK TO SAVEPOINT covenant_pushdown", timed: false)
                        try await session.validate(base: base, columns)
                        throw error
                    }
                    switch outcome {
                    case .partials(let partials): return LocalExecution(partials: partials, path: .pushdown)
                    case .invalidRow:
                        try await session.validate(base: base, columns)
                        reason = "the pushed-down scan saw an invalid row that the validation scan did not"
                    }
                } catch let untranslatable as SQLPushdown.Untranslatable {
                    reason = untranslatable.reason
                }
            }
            try await session.validate(base: base, columns)
            var accumulator = try PartialAccumulator(plan, deadline: deadline, location: location())
            try await session.forEachRow(base: base.sql, columns) { try accumulator.append($0) }
            return LocalExecution(partials: try accumulator.finish(), path: .rowPipeline(reason: reason))
        }
    }

    // MARK: - Sessions

    /// Logs nothing: a data source never logs (its messages could name a member's tables).
    static let logger = Logger(label: "covenant.datasources.postgresql", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Connects, runs `body`, and closes the connection whatever happens; maps every error.
    func session<T: Sendable>(
        deadline: ContinuousClock.Instant?, _ body: (Session) async throws -> T
    ) async throws -> T {
        let connection: PostgresConnection
        do {
            connection = try await connect(deadline: deadline)
        } catch {
            throw failure(error, deadline: deadline, connecting: true)
        }
        let session = Session(source: self, connection: connection, deadline: deadline)
        do {
            // Cancelling the task closes the connection, which ends the query on the server.
            let result = try await withTaskCancellationHandler {
                let result = try await body(session)
                try await session.finish()
                return result
            } onCancel: {
                connection.close().whenComplete { _ in }
            }
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw failure(error, deadline: deadline, connecting: false)
        }
    }

    /// Opens a connection (never logging, the password read only here).
    func connect(deadline: ContinuousClock.Instant? = nil) async throws -> PostgresConnection {
        let password: String?
        switch connection.password {
        case .none: password = nil
        case .environment(let variable):
            guard let value = ProcessInfo.processInfo.environment[variable] else {
                throw DataSourceError(
                    .authenticationFailed, "the environment variable '\(variable)' that holds the password is not set",
                    at: location())
            }
            password = value
        case .file(let path):
            // At most 4 KiB are read: a device or an endless file is refused, not loaded.
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                let handle = FileHandle(forReadingAtPath: path)
            else {
                throw DataSourceError(.authenticationFailed, "the password file cannot be read", at: .init(file: path))
            }
            defer { try? handle.close() }
            guard let data = try? handle.read(upToCount: 4097), data.count <= 4096, let text = String(data: data, encoding: .utf8) else {
                throw DataSourceError(
                    .authenticationFailed, "the password file cannot be read as UTF-8 text of at most 4096 bytes", at: .init(file: path))
            }
            password = String(text.prefix { $0 != "\n" && $0 != "\r" })
        }
        var configuration: PostgresConnection.Configuration
        switch connection.endpoint {
        case .tcp(let host, let port):
            let tls: PostgresConnection.Configuration.TLS
            switch connection.tls {
            case .disable: tls = .disable
            case .require, .verifyFull:
                var settings = TLSConfiguration.makeClientConfiguration()
                if connection.tls == .require {
                    settings.certificateVerification = .none
                } else {
                    settings.certificateVerification = .fullVerification
                    if let caFile = connection.caFile { settings.trustRoots = .file(caFile) }
                }
                do {
                    tls = .require(try NIOSSLContext(configuration: settings))
                } catch {
                    throw DataSourceError(
                        .invalidConfiguration, "the TLS settings cannot be used (is caFile a PEM file of CA certificates?)",
                        at: location())
                }
            }
            configuration = .init(host: host, port: port, username: connection.user, password: password, database: connection.database, tls: tls)
        case .unixSocket(let directory, let port):
            let path = directory + "/.s.PGSQL.\(port)"
            guard path.utf8.count < 104 else {
                throw DataSourceError(.invalidConfiguration, "the socket path is longer than a Unix socket address allows", at: location())
            }
            configuration = .init(unixSocketPath: path, username: connection.user, password: password, database: connection.database)
        }
        var timeout = connection.connectTimeout
        if let deadline { timeout = min(timeout, max(.milliseconds(1), deadline - .now)) }
        configuration.options.connectTimeout = .milliseconds(max(1, timeout.milliseconds))
        configuration.options.additionalStartupParameters = [("application_name", "covenant")]
        return try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 1, logger: Self.logger)
    }

    /// One connection's work: the catalog check, the read-only transaction, the queries.
    final class Session: Sendable {
        let source: PostgreSQLSource
        let connection: PostgresConnection
        let deadline: ContinuousClock.Instant?

        init(source: PostgreSQLSource, connection: PostgresConnection, deadline: ContinuousClock.Instant?) {
            self.source = source
            self.connection = connection
            self.deadline = deadline
        }

        /// The name of the temporary view that describes a configured query.
        static let queryView = "covenant_input"

        /// Runs a statement, its result cells as text (nil for NULL), under the time left.
        @discardableResult
        func query(_ sql: String, binds: [String] = [], timed: Bool = true) async throws -> [[String?]] {
            if timed { try await limitTime() }
            var bindings = PostgresBindings()
            for bind in binds { bindings.append(bind) }
            var result: [[String?]] = []
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: PostgreSQLSource.logger) {
                result.append(try row.map { try $0.decode(String?.self) })
            }
            return result
        }

        /// `SET LOCAL statement_timeout` to the time left before the deadline.
        func limitTime() async throws {
            guard let deadline else { return }
            let left = deadline - .now
            guard left > .zero else {
                throw DataSourceError(.deadlineExceeded, "the local plan did not finish before its deadline", at: source.location())
            }
            _ = try await connection.query(
                PostgresQuery(unsafeSQL: "SET LOCAL statement_timeout = \(max(1, left.milliseconds))"), logger: PostgreSQLSource.logger
            ).collect()
        }

        /// The validated input as the queries read it.
        struct Base: Sendable {
            /// `SELECT … AS c0, … FROM relation` (text in NFC, compared by code point).
            var sql: String
            /// The decimal columns (by index) whose catalog type keeps every value valid, or
            /// every value but NaN, so that `problemExpression` checks no more (`fit`).
            var fitting: [Int: Fit] = [:]
        }

        /// What a decimal column's catalog type guarantees.
        enum Fit: Sendable {
            /// `smallint` or `integer` with at most 9 fraction digits declared.
            case always
            /// `numeric(p, s)` with s at most the declared scale S and p − s + S ≤ 18: the units
            /// stay below 10^18, with no fraction left; NaN remains possible.
            case unlessNaN
        }

        /// Checks the relation and its columns in the catalog, opens the read-only transaction,
        /// and returns the base query.
        func prepare(_ declared: [ColumnDeclaration]) async throws -> Base {
            let from: String
            let regclass: String
            switch source.relation {
            case .table(let schema, let name):
                from = (schema.map { quoteIdentifier($0) + "." } ?? "") + quoteIdentifier(name)
                regclass = from
                let found = try await query("SELECT (to_regclass($1) IS NOT NULL)::text", binds: [regclass], timed: false)
                guard found.first?.first == "true" else {
                    throw DataSourceError(
                        .tableNotFound, "the database has no table or view '\(source.tableLabel)' (or the user cannot see it)",
                        at: source.location())
                }
            case .query(let sql):
                let trimmed = sql.trimmingSemicolons()
                let lowered = trimmed.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
                guard lowered.hasPrefix("select") || lowered.hasPrefix("with") else {
                    throw DataSourceError(.invalidQuery, "the query must be a single read-only SELECT", at: source.location())
                }
                // A temporary view describes the query's columns in the catalog, refuses
                // data-modifying statements, and is dropped with the session.
                do {
                    try await query("CREATE TEMPORARY VIEW \(Self.queryView) AS \(trimmed)", timed: false)
                } catch let error as PSQLError where error.code == .server {
                    let state = error.serverInfo?[.sqlState] ?? ""
                    if state == "42501" {
                        throw DataSourceError(
                            .permissionDenied, "the user may not create the temporary view that describes the query (TEMP privilege)",
                            at: source.location())
                    }
                    let message = state.hasPrefix("42") || state.hasPrefix("0A") ? (error.serverInfo?[.message] ?? state) : "SQLSTATE \(state)"
                    throw DataSourceError(.invalidQuery, "the query does not prepare: \(message)", at: source.location())
                }
                from = "pg_temp.\(Self.queryView)"
                regclass = from
            }
            // From PostgreSQL 14 the server checks every second that the client is still there,
            // so a query whose client went away (a cancelled task closes the connection) stops.
            try await query(
                """
                SELECT set_config('client_connection_check_interval', '1000', false)
                WHERE current_setting('server_version_num')::int >= 140000
                """, timed: false)
            try await query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", timed: false)
            let catalog = try await query(
                """
                SELECT a.attname::text,
                       format_type(CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END, NULL),
                       has_column_privilege(a.attrelid, a.attnum, 'SELECT')::text,
                       (CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END)::text
                FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
                WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
                ORDER BY a.attnum
                """, binds: [regclass])
            let available: [(name: String, type: String, readable: Bool, typmod: Int)] = catalog.compactMap { row in
                guard row.count == 4, let name = row[0], let type = row[1] else { return nil }
                return (name, type, row[2] == "true", row[3].flatMap { Int($0) } ?? -1)
            }
            var selections: [String] = []
            var fitting: [Int: Fit] = [:]
            var needsUTF8 = false
            for (index, column) in declared.enumerated() {
                let wanted = source.columns[column.name.text] ?? column.name.text
                guard let actual = available.first(where: { $0.name == wanted })
                    ?? available.first(where: { $0.name.lowercased() == wanted.lowercased() })
                else {
                    let mapped = wanted == column.name.text ? "" : " (mapped to '\(wanted)')"
                    throw DataSourceError(
                        .missingColumn, "no database column for input column '\(column.name.text)'\(mapped)",
                        at: source.location(column: column.name.text))
                }
                let accepted = PostgreSQLSource.acceptedTypes(column.type)
                guard accepted.contains(actual.type) else {
                    throw DataSourceError(
                        .wrongType,
                        "the database column has type \(actual.type); \(column.type) needs \(PostgreSQLSource.listed(accepted))",
                        at: source.location(column: column.name.text))
                }
                guard actual.readable else {
                    throw DataSourceError(
                        .permissionDenied, "permission denied: user '\(source.connection.user)' may not read this column",
                        at: source.location(column: column.name.text))
                }
                if case .decimal(let scale) = column.type {
                    fitting[index] = Self.fit(type: actual.type, typmod: actual.typmod, scale: scale)
                }
                if column.type == .text {
                    needsUTF8 = true
                    // ASCII text is already NFC: one length comparison spares normalize() on it
                    // (a third of the scan on the demo's table; protocols/data-sources.md §7).
                    let name = quoteIdentifier(actual.name)
                    selections.append(
                        "(CASE WHEN octet_length(\(name)) = length(\(name)) THEN \(name) ELSE normalize(\(name), NFC) END) COLLATE \"C\" AS c\(index)")
                } else {
                    selections.append("\(quoteIdentifier(actual.name)) AS c\(index)")
                }
            }
            if needsUTF8 {
                let encoding = try await query("SELECT current_setting('server_encoding')", timed: false).first?.first ?? nil
                guard encoding == "UTF8" else {
                    throw DataSourceError(
                        .databaseError, "the database's encoding is \(encoding ?? "unknown"); text columns need UTF8",
                        at: source.location())
                }
            }
            return Base(sql: "SELECT \(selections.isEmpty ? "NULL" : selections.joined(separator: ", ")) FROM \(from)", fitting: fitting)
        }

        /// What a decimal column of catalog type `type` (with `typmod`, −1 for none) guarantees
        /// of its values' units in 10^-scale, nil when they need every check.
        static func fit(type: String, typmod: Int, scale: Int) -> Fit? {
            switch type {
            case "smallint", "integer": return scale <= 9 ? .always : nil
            case "numeric":
                // numeric(p, s): typmod − 4 holds p in its high 16 bits and s (11-bit signed from
                // PostgreSQL 15, never negative before) in its low ones; −1 when unconstrained.
                guard typmod >= 4 else { return nil }
                let precision = ((typmod - 4) >> 16) & 0xFFFF
                let typeScale = (((typmod - 4) & 0x7FF) ^ 1024) - 1024
                return precision >= 1 && typeScale <= scale && precision - typeScale + scale <= 18 ? .unlessNaN : nil
            default: return nil
            }
        }

        /// Ends the read-only transaction.
        func finish() async throws {
            try await query("COMMIT", timed: false)
        }

        /// The validation expression over the stored values `c0, …` of the base: NULL for a valid
        /// row, else the first problem's code (column × 3 + kind: 1 does not fit, 2 null in a
        /// `notNull` column); nil when no column needs a check. The validation scan and the
        /// pushed-down query (`SQLPushdown`'s `validation`) both use it.
        func problemExpression(_ declared: [ColumnDeclaration], _ base: Base) -> String? {
            var checks: [String] = []
            for (index, column) in declared.enumerated() {
                let c = "c\(index)"
                let code = { (problem: Int) in index * 3 + problem }  // 1 unparsable, 2 null
                let onNull = source.notNull.contains(column.name.text) ? "\(code(2))" : "NULL"
                let content: String
                switch column.type {
                case .decimal where base.fitting[index] != nil:
                    // The catalog type keeps the rest valid (`Base.fitting`).
                    content = base.fitting[index] == .always ? "" : " WHEN \(c)::numeric = 'NaN'::numeric THEN \(code(1))"
                case .decimal(let scale):
                    // |c| · 10^scale > 2^63 − 1 as a comparison with (2^63 − 1) / 10^scale, and
                    // `round` only for a value shown with more than `scale` fraction digits.
                    let limit = PostgreSQLSource.int64Limit(scaledDown: scale)
                    content = """
                         WHEN \(c)::numeric = 'NaN'::numeric OR \(c)::numeric NOT BETWEEN -\(limit) AND \(limit) \
                        OR (scale(\(c)::numeric) > \(scale) AND \(c)::numeric <> round(\(c)::numeric, \(scale))) THEN \(code(1))
                        """
                case .date:
                    // Infinities order before and after every date.
                    content = " WHEN \(c) NOT BETWEEN DATE '0001-01-01' AND DATE '9999-12-31' THEN \(code(1))"
                case .int, .text, .bool:
                    content = ""
                }
                if onNull == "NULL" && content.isEmpty { continue }
                checks.append("CASE WHEN \(c) IS NULL THEN \(onNull)\(content) END")
            }
            guard !checks.isEmpty else { return nil }
            return checks.count == 1 ? checks[0] : "COALESCE(\(checks.joined(separator: ", ")))"
        }

        /// Finds the first invalid cell (scan order, then column order) with one SQL scan.
        func validate(base: Base, _ declared: [ColumnDeclaration]) async throws {
            guard let problem = problemExpression(declared, base) else { return }
            let scan = "SELECT \(problem) AS e FROM (\(base.sql)) AS b"
            guard try await query("SELECT e::text FROM (\(scan)) AS v WHERE e IS NOT NULL LIMIT 1").first != nil else { return }
            let numbered = """
                SELECT e::text, n::text FROM (SELECT \(problem) AS e, row_number() OVER () AS n FROM (\(base.sql)) AS b) AS v \
                WHERE e IS NOT NULL LIMIT 1
                """
            guard let found = try await query(numbered).first, found.count == 2,
                let encoded = found[0].flatMap({ Int($0) }), let row = found[1].flatMap({ Int($0) }),
                declared.indices.contains(encoded / 3)
            else { return }
            let column = declared[encoded / 3]
            let at = source.location(row: row, column: column.name.text)
            if encoded % 3 == 2 { throw DataSourceError(.nullValue, "null in a column declared notNull", at: at) }
            throw DataSourceError(.unparsableValue, "value does not fit \(column.type)", at: at)
        }

        /// Runs a pushed-down plan: its result cells are bigint or numeric, read as text and
        /// parsed exactly.
        /// - Returns: the partials, or `.invalidRow` when the validation expression counted an
        ///   invalid row.
        func run(_ pushdown: SQLPushdown) async throws -> SQLPushdown.Outcome {
            let location = source.location()
            guard pushdown.plan.width > 0 else { return .partials(try pushdown.assemble([], location: location)) }
            let rows = try await query(pushdown.sql)
            if let column = pushdown.invalidColumn,
                rows.contains(where: { column < $0.count && $0[column] != "0" && $0[column] != nil })
            {
                return .invalidRow
            }
            let cells: [[Int128?]] = try rows.map { row in
                try row.map { cell -> Int128? in
                    guard let cell else { return nil }
                    guard let value = Int128(cell) else {
                        throw cell.allSatisfy({ $0.isNumber || $0 == "-" })
                            ? DataSourceError(.overflow, "a pushed-down aggregate exceeds 128 bits", at: location)
                            : SQLPushdown.notAnInteger(location)
                    }
                    return value
                }
            }
            return .partials(try pushdown.assemble(cells, location: location))
        }

        /// Streams validated rows, converted to values, in scan order.
        func forEachRow(base: String, _ declared: [ColumnDeclaration], _ body: ([Value]) throws -> Void) async throws {
            var selections: [String] = []
            for (index, column) in declared.enumerated() {
                let c = "c\(index)"
                switch column.type {
                case .int, .bool: selections.append("\(c)::text")
                case .decimal(let scale): selections.append("round(\(c)::numeric, \(scale))::text")
                case .date: selections.append("(\(c) - DATE '1970-01-01')::text")
                case .text: selections.append(c)
                }
            }
            try await limitTime()
            let sql = "SELECT \(selections.isEmpty ? "NULL" : selections.joined(separator: ", ")) FROM (\(base)) AS b"
            var row = 0
            var values: [Value] = []
            values.reserveCapacity(declared.count)
            for try await record in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: PostgreSQLSource.logger) {
                row += 1
                values.removeAll(keepingCapacity: true)
                for (cell, column) in zip(record, declared) {
                    guard let value = PostgreSQLSource.value(try cell.decode(String?.self), as: column.type) else {
                        // Validation ran in the same snapshot, so this means a bug, not bad data.
                        throw DataSourceError(
                            .wrongType, "value changed type after validation", at: source.location(row: row, column: column.name.text))
                    }
                    values.append(value)
                }
                try body(values)
            }
        }
    }

    /// Converts a validated cell read as text.
    static func value(_ text: String?, as type: ColumnType) -> Value? {
        guard let text else { return .null }
        switch type {
        case .int: return Int64(text).map { .int($0) }
        case .decimal(let scale): return Value.units(Substring(text), scale: scale).map { .decimal($0, scale: scale) }
        case .text: return .text(text)
        case .bool:
            switch text {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: return nil
            }
        case .date: return Int32(text).map { .date(CivilDate(daysSinceEpoch: $0)) }
        }
    }

    /// (2^63 − 1) / 10^scale as an exact decimal literal (10^scale as `pow10` has it).
    static func int64Limit(scaledDown scale: Int) -> String {
        let digits = "9223372036854775807"
        let shift = max(0, min(scale, 18))
        guard shift > 0 else { return digits }
        let padded = String(repeating: "0", count: max(0, shift + 1 - digits.count)) + digits
        return padded.dropLast(shift) + "." + padded.suffix(shift)
    }

    /// The catalog types (`format_type`) a contract type accepts (spec §7).
    static func acceptedTypes(_ type: ColumnType) -> [String] {
        switch type {
        case .int: return ["smallint", "integer", "bigint"]
        case .decimal: return ["numeric", "smallint", "integer", "bigint"]
        case .text: return ["text", "character varying"]
        case .bool: return ["boolean"]
        case .date: return ["date"]
        }
    }

    static func listed(_ types: [String]) -> String {
        types.count == 1 ? types[0] : types.dropLast().joined(separator: ", ") + " or " + types[types.count - 1]
    }

    // MARK: - Errors

    /// A `DataSourceError` for anything thrown while connecting or reading: SQLSTATEs and client
    /// codes mapped to codes and messages of our own (never the server's message, never the password).
    func failure(_ error: any Error, deadline: ContinuousClock.Instant?, connecting: Bool) -> any Error {
        let pastDeadline = deadline.map { ContinuousClock.now >= $0 } ?? false
        let timedOut = DataSourceError(.deadlineExceeded, "the local plan did not finish before its deadline", at: location())
        if let error = error as? DataSourceError { return error }
        if error is CancellationError { return pastDeadline ? timedOut : error }
        if Task.isCancelled && !pastDeadline { return CancellationError() }
        let server = connection.description
        guard let error = error as? PSQLError else {
            if pastDeadline { return timedOut }
            if error is NIOSSLError {
                return DataSourceError(.connectionFailed, "the TLS handshake with the server failed: \(error)", at: location())
            }
            return DataSourceError(.databaseError, "the PostgreSQL client failed (\(type(of: error)))", at: location())
        }
        switch error.code {
        case .server:
            let state = error.serverInfo?[.sqlState] ?? "?????"
            switch state {
            case "28P01":
                return DataSourceError(.authenticationFailed, "the server refused the password of user '\(connection.user)'", at: location())
            case "28000":
                return DataSourceError(
                    .authenticationFailed,
                    "the server refused user '\(connection.user)' (no such role, or no pg_hba.conf entry allows it)", at: location())
            case "3D000":
                return DataSourceError(.connectionFailed, "the server has no database '\(connection.database)'", at: location())
            case "42501":
                return DataSourceError(
                    .permissionDenied, "permission denied: user '\(connection.user)' may not read what the source reads",
                    at: location())
            case "42P01":
                return DataSourceError(.tableNotFound, "a table the source reads does not exist", at: location())
            case "57014":
                return pastDeadline || deadline != nil
                    ? timedOut : DataSourceError(.databaseError, "the server cancelled the query (SQLSTATE 57014)", at: location())
            case "57P01", "57P02", "57P03":
                return DataSourceError(
                    .connectionFailed, "the server is shutting down or restarting (SQLSTATE \(state)); nothing was computed",
                    at: location())
            default:
                if state.hasPrefix("08") {
                    return DataSourceError(.connectionFailed, "the connection failed (SQLSTATE \(state))", at: location())
                }
                return DataSourceError(.databaseError, "the server reported an error (SQLSTATE \(state))", at: location())
            }
        case .connectionError:
            if pastDeadline { return timedOut }
            let reason = error.underlying.map { "\($0)" } ?? "unknown reason"
            let lowered = reason.lowercased()
            let what: String
            if lowered.contains("refused") {
                what = "connection refused"
            } else if lowered.contains("no such file") || lowered.contains("enoent") {
                what = "no server socket there"
            } else if lowered.contains("timeout") || lowered.contains("timed out") {
                what = "timed out"
            } else if error.underlying is NIOSSLError {
                what = "the TLS handshake failed"
            } else {
                what = "the connection failed"
            }
            return DataSourceError(.connectionFailed, "cannot connect to \(server): \(what)", at: location())
        case .sslUnsupported:
            return DataSourceError(.connectionFailed, "the server does not offer TLS, and tls is '\(connection.tls.rawValue)'", at: location())
        case .failedToAddSSLHandler, .receivedUnencryptedDataAfterSSLRequest:
            return DataSourceError(.connectionFailed, "the TLS handshake with the server failed", at: location())
        case .authMechanismRequiresPassword:
            return DataSourceError(
                .authenticationFailed, "the server asks for a password and none is configured (passwordEnv or passwordFile)",
                at: location())
        case .unsupportedAuthMechanism, .saslError:
            return DataSourceError(
                .authenticationFailed, "the server's authentication failed or uses a method the client does not support",
                at: location())
        case .serverClosedConnection, .uncleanShutdown, .clientClosedConnection:
            if pastDeadline { return timedOut }
            return DataSourceError(
                .connectionFailed,
                connecting ? "the server closed the connection while connecting" : "the server closed the connection mid-scan (restarting?); nothing was computed",
                at: location())
        case .queryCancelled:
            return pastDeadline ? timedOut : DataSourceError(.databaseError, "the query was cancelled", at: location())
        default:
            return DataSourceError(.databaseError, "the PostgreSQL client failed (\(error.code))", at: location())
        }
    }
}

extension Duration {
    /// Whole milliseconds (rounded down), for timeouts.
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
