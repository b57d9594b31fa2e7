import CircuitCompiler
import ContractLanguage
import DataSources
import Foundation
import Testing
import _TestSupport

/// Each failure of a PostgreSQL source is a precise `DataSourceError` (code, message, location)
/// that quotes no value from the table and never the password, and nothing is computed.
@Suite(.enabled(if: TestPostgreSQL.isEnabled, "PostgreSQL server binaries (initdb, pg_ctl) not found"))
struct PostgreSQLErrorTests {
    static let compiled = try! ContractCompiler.compile(
        source: """
            contract staff version 1 {
              input employees(dept: text, age: int, salary: decimal(2), joined: date, manager: bool)
              compute by dept in ("eng", "ops") { n = count() total = sum(salary) }
              reveal n, total to all
            }
            """)
    static var declared: [ColumnDeclaration] { compiled.contract.input.columns }

    /// A value no message may quote.
    static let secret = "Zyxw-4711"

    /// Creates a table `columns` with one good row holding the secret, and returns its name.
    static func table(
        _ connection: PostgreSQLSource.Connection, columns: [(String, String)], rows: [[String?]]? = nil
    ) async throws -> String {
        let name = PG.name("staff")
        let definitions = columns.map { "\"\($0.0)\" \($0.1)" }.joined(separator: ", ")
        try await connection.execute(["CREATE TABLE \"\(name)\" (\(definitions))"])
        let good: [String: String] = ["dept": secret, "age": "47", "salary": "98765.43", "joined": "2024-02-29", "manager": "true"]
        try await connection.insert(
            into: "\"\(name)\"", columns: columns.map { (name: $0.0, type: $0.1) },
            rows: rows ?? [columns.map { good[$0.0] ?? "1" }])
        return name
    }

    static let goodColumns = [("dept", "text"), ("age", "integer"), ("salary", "numeric(12,2)"), ("joined", "date"), ("manager", "boolean")]

    /// Runs the plan and returns its error, checking that it quotes neither the secret nor a password.
    static func failure(_ source: PostgreSQLSource, strategy: ExecutionStrategy = .automatic, password: String? = nil) async -> DataSourceError? {
        do {
            _ = try await source.execute(compiled.localPlan, strategy: strategy)
            Issue.record("\(source.name): no error")
            return nil
        } catch let error as DataSourceError {
            #expect(!"\(error)".contains(secret))
            if let password { #expect(!"\(error)".contains(password)) }
            return error
        } catch {
            Issue.record("not a DataSourceError: \(type(of: error))")
            return nil
        }
    }

    @Test func goodTableRuns() async throws {
        let connection = PG.connection(try TestPostgreSQL.cluster())
        let table = try await Self.table(connection, columns: Self.goodColumns, rows: [
            ["eng", "30", "1234.5", "2024-01-31", "true"], ["ops", "41", "2", "2024-03-01", "false"], ["eng", nil, nil, nil, nil],
        ])
        let source = PostgreSQLSource(connection: connection, relation: .table(schema: nil, name: table))
        let pushed = try await source.execute(Self.compiled.localPlan, strategy: .automatic)
        #expect(pushed.path == .pushdown)
        #expect(pushed.partials == [2, 123_450, 1, 200])
        #expect(try await source.execute(Self.compiled.localPlan, strategy: .rowPipeline).partials == pushed.partials)
    }

    /// Over TCP: without TLS, with TLS unchecked (`require`), and with the certificate checked
    /// against its CA and the host name (`verify-full`); a certificate the system's roots do not
    /// vouch for, or a CA file that is not PEM, is refused before anything is read.
    @Test func tcpAndTLS() async throws {
        let cluster = try TestPostgreSQL.cluster()
        func tcp(_ host: String, _ tls: PostgreSQLSource.Connection.TLSMode, caFile: String? = nil) -> PostgreSQLSource.Connection {
            PostgreSQLSource.Connection(
                endpoint: .tcp(host: host, port: cluster.port), database: cluster.database, user: cluster.user,
                password: .file(cluster.passwordFile), tls: tls, caFile: caFile)
        }
        let table = try await Self.table(PG.connection(cluster), columns: Self.goodColumns, rows: [["eng", "30", "1234.5", "2024-01-31", "true"]])
        let encrypted = [ColumnDeclaration.test("ssl", .bool)]
        for (connection, expectTLS) in [
            (tcp("127.0.0.1", .disable), false), (tcp("127.0.0.1", .require), true),
            (tcp("localhost", .verifyFull, caFile: cluster.certificate), true),
        ] {
            let source = PostgreSQLSource(connection: connection, relation: .table(schema: nil, name: table))
            #expect(try await source.execute(Self.compiled.localPlan, strategy: .automatic).partials == [1, 123_450, 0, 0], "\(connection.tls)")
            let probe = PostgreSQLSource(connection: connection, relation: .query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))
            #expect(try await probe.rows(encrypted) == [[.bool(expectTLS)]], "\(connection.tls)")
        }
        let untrusted = await Self.failure(
            PostgreSQLSource(connection: tcp("localhost", .verifyFull), relation: .table(schema: nil, name: table)))
        #expect(untrusted?.code == .connectionFailed)
        #expect(untrusted?.message.contains("TLS") == true, "\(untrusted.map { "\($0)" } ?? "")")
        let directory = try TemporaryDirectory()
        try "not a certificate".write(toFile: directory.file("ca.pem"), atomically: true, encoding: .utf8)
        let garbage = await Self.failure(
            PostgreSQLSource(connection: tcp("localhost", .verifyFull, caFile: directory.file("ca.pem")), relation: .table(schema: nil, name: table)))
        #expect(garbage?.code == .invalidConfiguration)
        #expect(garbage?.message == "the TLS settings cannot be used (is caFile a PEM file of CA certificates?)")
    }

    @Test func typeMismatchNamesTheColumnAndTheTypes() async throws {
        let connection = PG.connection(try TestPostgreSQL.cluster())
        var columns = Self.goodColumns
        columns[2] = ("salary", "double precision")
        let table = try await Self.table(connection, columns: columns)
        let error = await Self.failure(PostgreSQLSource(connection: connection, relation: .table(schema: nil, name: table)))
        #expect(error == DataSourceError(
            .wrongType, "the database column has type double precision; decimal(2) needs numeric, smallint, integer or bigint",
            at: .init(file: connection.description, table: table, column: "salary")))
        columns = Self.goodColumns
        columns[0] = ("dept", "integer")
        let integers = try await Self.table(connection, columns: columns, rows: [["4711", "47", "1.50", "2024-02-29", "true"]])
        let text = await Self.failure(PostgreSQLSource(connection: connection, relation: .table(schema: "public", name: integers)))
        #expect(text?.code == .wrongType)
        #expect(text?.message == "the database column has type integer; text needs text or character varying")
        #expect(text?.location?.column == "dept")
    }

    @Test func missingColumnAndMissingTable() async throws {
        let connection = PG.connection(try TestPostgreSQL.cluster())
        let table = try await Self.table(connection, columns: Self.goodColumns.filter { $0.0 != "joined" })
        let missing = await Self.failure(PostgreSQLSource(connection: connection, relation: .table(schema: nil, name: table)))
        #expect(missing == DataSourceError(
            .missingColumn, "no database column for input column 'joined'",
            at: .init(file: connection.description, table: table, column: "joined")))
        let mapped = await Self.failure(
            PostgreSQLSource(connection: connection, relation: .table(schema: nil, name: table), columns: ["joined": "hired"]))
        #expect(mapped?.message == "no database column for input column 'joined' (mapped to 'hired')")
        let none = await Self.failure(PostgreSQLSource(connection: connection, relation: .table(schema: nil, name: "no_such_table")))
        #expect(none == DataSourceError(
            .tableNotFound, "the database has no table or view 'no_such_table' (or the user cannot see it)",
            at: .init(file: connection.description, table: "no_such_table")))
        let query = await Self.failure(PostgreSQLSource(connection: connection, relation: .query("SELECT * FROM no_such_table")))
        #expect(query?.code == .invalidQuery)
        #expect(query?.message == #"the query does not prepare: relation "no_such_table" does not exist"#)
    }

    @Test func invalidQueries() async throws {
        let connection = PG.connection(try TestPostgreSQL.cluster())
        let table = try await Self.table(connection, columns: Self.goodColumns)
        let delete = await Self.failure(PostgreSQLSource(connection: connection, relation: .query("DELETE FROM \"\(table)\"")))
        #expect(delete?.code == .invalidQuery)
        #expect(delete?.message == "the query must be a single read-only SELECT")
        let hidden = await Self.failure(PostgreSQLSource(
            connection: connection, relation: .query("WITH d AS (DELETE FROM \"\(table)\" RETURNING *) SELECT * FROM d")))
        #expect(hidden?.code == .invalidQuery)
        // Nothing was deleted.
        let source = PostgreSQLSource(connection: connection, relation: .table(schema: nil, name: table))
        #expect(try await source.validate(Self.declared) == 1)
    }

    @Test func permissionDeniedForARoleWithoutSelect() async throws {
        let cluster = try TestPostgreSQL.cluster()
        let connection = PG.connection(cluster)
        let table = try await Self.table(connection, columns: Self.goodColumns)
        let role = PG.name("reader")
        let password = "pw-\(UUID().uuidString)"
        try await connection.execute(["CREATE ROLE \(role) LOGIN PASSWORD '\(password)'"])
        let directory = try TemporaryDirectory()
        try password.write(toFile: directory.file("password"), atomically: true, encoding: .utf8)
        var reader = connection
        reader.user = role
        reader.password = .file(directory.file("password"))
        let denied = await Self.failure(
            PostgreSQLSource(connection: reader, relation: .table(schema: nil, name: table)), password: password)
        #expect(denied == DataSourceError(
            .permissionDenied, "permission denied: user '\(role)' may not read this column",
            at: .init(file: reader.description, table: table, column: "dept")))
        let viaQuery = await Self.failure(
            PostgreSQLSource(connection: reader, relation: .query("SELECT * FROM \"\(table)\"")), password: password)
        #expect(viaQuery == DataSourceError(
            .permissionDenied, "permission denied: user '\(role)' may not read what the source reads",
            at: .init(file: reader.description, table: "query")))
        // Granted, the same role reads it.
        try await connection.execute(["GRANT SELECT ON \"\(table)\" TO \(role)"])
        let granted = try await PostgreSQLSource(connection: reader, relation: .table(schema: nil, name: table))
            .execute(Self.compiled.localPlan, strategy: .automatic)
        #expect(granted.partials == [0, 0, 0, 0])
    }

    @Test func wrongPasswordAndMissingPassword() async throws {
        let cluster = try TestPostgreSQL.cluster()
        let directory = try TemporaryDirectory()
        let wrong = "wrong-\(UUID().uuidString)"
        try wrong.write(toFile: directory.file("password"), atomically: true, encoding: .utf8)
        var connection = PG.connection(cluster)
        connection.password = .file(directory.file("password"))
        let source = PostgreSQLSource(connection: connection, relation: .table(schema: nil, name: "anything"))
        let error = await Self.failure(source, password: wrong)
        #expect(error == DataSourceError(
            .authenticationFailed, "the server refused the password of user 'covenant'",
            at: .init(file: connection.description, table: "anything")))
        #expect(!"\(error.map { "\($0)" } ?? "")".contains(cluster.password))

        let variable = "COVENANT_TEST_UNSET_\(UUID().uuidString.prefix(8))"
        connection.password = .environment(variable)
        let unset = await Self.failure(PostgreSQLSource(connection: connection, relation: .table(schema: nil, name: "anything")))
        #expect(unset?.code == .authenticationFailed)
        #expect(unset?.message == "the environment variable '\(variable)' that holds the password is not set")

        connection.password = .none
        let none = await Self.failure(PostgreSQLSource(connection: connection, relation: .table(schema: nil, name: "anything")))
        #expect(none?.code == .authenticationFailed)
        #expect(none?.message == "the server asks for a password and none is configured (passwordEnv or passwordFile)")

        connection.password = .file(directory.file("absent"))
        let absent = await Self.failure(PostgreSQLSource(connection: connection, relation: .table(schema: nil, name: "anything")))
        #expect(absent == DataSourceError(.authenticationFailed, "the password file cannot be read", at: .init(file: directory.file("absent"))))

        // An endless device is refused after 4 KiB, not read to the end.
        connection.password = .file("/dev/zero")
        let endless = await Self.failure(PostgreSQLSource(connection: connection, relation: .table(schema: nil, name: "anything")))
        #expect(endless == DataSourceError(
            .authenticationFailed, "the password file cannot be read as UTF-8 text of at most 4096 bytes", at: .init(file: "/dev/zero")))
    }

    @Test func connectionRefusedAndNoSocket() async throws {
        let tcp = PostgreSQLSource.Connection(
            endpoint: .tcp(host: "127.0.0.1", port: 1), database: "postgres", user: "covenant", tls: .disable)
        let refused = await Self.failure(PostgreSQLSource(connection: tcp, relation: .table(schema: nil, name: "t")))
        #expect(refused == DataSourceError(
            .connectionFailed, "cannot connect to postgresql://covenant@127.0.0.1:1/postgres: connection refused",
            at: .init(file: tcp.description, table: "t")))
        let directory = try TemporaryDirectory()
        let socket = PostgreSQLSource.Connection(
            endpoint: .unixSocket(directory: directory.path, port: 5432), database: "postgres", user: "covenant", tls: .disable)
        let absent = await Self.failure(PostgreSQLSource(connection: socket, relation: .table(schema: nil, name: "t")))
        #expect(absent?.code == .connectionFailed)
        #expect(absent?.message == "cannot connect to \(socket.description): no server socket there")
    }

    @Test func databaseMissing() async throws {
        var connection = PG.connection(try TestPostgreSQL.cluster())
        connection.database = "no_such_database"
        let error = await Self.failure(PostgreSQLSource(connection: connection, relation: .table(schema: nil, name: "t")))
        #expect(error?.code == .connectionFailed)
        #expect(error?.message == "the server has no database 'no_such_database'")
    }

    @Test func badValuesNullsAndLocations() async throws {
        let connection = PG.connection(try TestPostgreSQL.cluster())
        let table = try await Self.table(connection, columns: [("dept", "text"), ("age", "integer"), ("salary", "numeric"), ("joined", "date"), ("manager", "boolean")], rows: [
            ["eng", "30", "1.5", "2024-01-31", "true"],
            ["ops", "30", "1.005", "2024-01-31", "true"],
        ])
        for strategy in [ExecutionStrategy.automatic, .rowPipeline] {
            let error = await Self.failure(PostgreSQLSource(connection: connection, relation: .table(schema: nil, name: table)), strategy: strategy)
            #expect(error == DataSourceError(
                .unparsableValue, "value does not fit decimal(2)",
                at: .init(file: connection.description, table: table, row: 2, column: "salary")))
        }
        let infinite = try await Self.table(connection, columns: Self.goodColumns, rows: [
            ["eng", "30", "1.5", "2024-01-31", "true"], ["eng", "30", "1.5", "infinity", "true"], ["eng", nil, "1.5", "2024-01-31", "true"],
        ])
        let date = await Self.failure(PostgreSQLSource(connection: connection, relation: .table(schema: nil, name: infinite)))
        #expect(date?.code == .unparsableValue)
        #expect(date?.location?.row == 2)
        #expect(date?.location?.column == "joined")
        let nulls = await Self.failure(PostgreSQLSource(
            connection: connection, relation: .query("SELECT * FROM \"\(infinite)\" WHERE joined <> 'infinity'"), notNull: ["age"]))
        #expect(nulls == DataSourceError(
            .nullValue, "null in a column declared notNull", at: .init(file: connection.description, table: "query", row: 2, column: "age")))
    }

    /// Validation runs in the pushed-down scan; a bad cell that stops that scan with a data
    /// exception (NaN, or a decimal whose units leave bigint, cast to bigint in the conversion
    /// layer) is still reported as the validation scan reports it, with its row and column.
    @Test func badCellThatStopsThePushedDownScan() async throws {
        let connection = PG.connection(try TestPostgreSQL.cluster())
        for bad in ["NaN", "100000000000000000", "-100000000000000000.5"] {
            let columns = [("dept", "text"), ("age", "integer"), ("salary", "numeric"), ("joined", "date"), ("manager", "boolean")]
            let table = try await Self.table(connection, columns: columns, rows: [
                ["eng", "30", "1.5", "2024-01-31", "true"], ["ops", "31", bad, "2024-01-31", "true"],
            ])
            for strategy in [ExecutionStrategy.automatic, .rowPipeline] {
                let error = await Self.failure(PostgreSQLSource(connection: connection, relation: .table(schema: nil, name: table)), strategy: strategy)
                #expect(error == DataSourceError(
                    .unparsableValue, "value does not fit decimal(2)",
                    at: .init(file: connection.description, table: table, row: 2, column: "salary")), "\(bad), \(strategy)")
            }
        }
    }

    /// An invalid cell is found whether the plan's filter keeps its row or not, and whatever
    /// the column's catalog type leaves to check: NaN in `numeric(12,2)` (whose type rules out
    /// the other problems), units past 2^63 in `numeric(20,2)` (whose type does not), an
    /// infinite date.
    @Test func badCellsInFilteredAndKeptRows() async throws {
        let connection = PG.connection(try TestPostgreSQL.cluster())
        let filtered = try ContractCompiler.compile(
            source: """
                contract staff version 1 {
                  input employees(dept: text, age: int, salary: decimal(2), joined: date, manager: bool)
                  local {
                    where age >= 40
                    clip salary to [0, 1000000]
                  }
                  compute by dept in ("eng", "ops") { n = count() total = sum(salary) spread = stddev(salary) }
                  reveal n, total, spread to all
                }
                """)
        let cases: [(salary: String, bad: [String?], column: String)] = [
            ("numeric(12,2)", ["ops", "AGE", "NaN", "2024-01-31", "true"], "salary"),
            ("numeric(20,2)", ["ops", "AGE", "100000000000000000", "2024-01-31", "true"], "salary"),
            ("numeric(12,2)", ["ops", "AGE", "2.5", "-infinity", "true"], "joined"),
        ]
        for (salary, bad, column) in cases {
            for age in ["30", "50"] {
                let columns = [("dept", "text"), ("age", "integer"), ("salary", salary), ("joined", "date"), ("manager", "boolean")]
                let table = try await Self.table(connection, columns: columns, rows: [
                    ["eng", "45", "1.5", "2024-01-31", "true"], bad.map { $0 == "AGE" ? age : $0 }, ["ops", "41", "7.25", "2024-02-01", "false"],
                ])
                let source = PostgreSQLSource(connection: connection, relation: .table(schema: nil, name: table))
                for strategy in [ExecutionStrategy.automatic, .rowPipeline] {
                    do {
                        _ = try await source.execute(filtered.localPlan, strategy: strategy)
                        Issue.record("\(salary), \(column), age \(age), \(strategy): no error")
                    } catch let error as DataSourceError {
                        #expect(error.code == .unparsableValue, "\(salary), \(column), age \(age), \(strategy)")
                        #expect(error.location?.row == 2)
                        #expect(error.location?.column == column)
                    }
                }
            }
        }
        // The same table without the bad row: the pushdown agrees with the row pipeline.
        let table = try await Self.table(connection, columns: [("dept", "text"), ("age", "integer"), ("salary", "numeric(12,2)"), ("joined", "date"), ("manager", "boolean")], rows: [
            ["eng", "45", "1.5", "2024-01-31", "true"], ["ops", "41", "7.25", "2024-02-01", "false"], ["ops", "39", "3", "2024-02-01", "false"],
            ["hr", "50", "2", "2024-02-01", "false"], ["eng", "60", nil, "2024-02-01", "false"], ["ops", "70", "2000000", "2024-02-01", "false"],
        ])
        let source = PostgreSQLSource(connection: connection, relation: .table(schema: nil, name: table))
        let pushed = try await source.execute(filtered.localPlan, strategy: .automatic)
        let streamed = try await source.execute(filtered.localPlan, strategy: .rowPipeline)
        #expect(pushed.path == .pushdown)
        #expect(pushed.partials == streamed.partials)
    }

    /// A source over a query of 10^10 rows (never finishing in time) whose column has a name of
    /// its own, `tag`, by which `backend(_:tag:)` finds the scan among the server's backends.
    static func endless(_ connection: PostgreSQLSource.Connection, tag: String) -> PostgreSQLSource {
        PostgreSQLSource(
            connection: connection,
            relation: .query("SELECT a * b AS \(tag) FROM generate_series(1, 100000) AS a, generate_series(1, 100000) AS b"),
            columns: ["x": tag])
    }
    static let slow = try! ContractCompiler.compile(
        source: """
            contract slow version 1 {
              input t(x: int)
              compute { n = count() s = sum(x) }
              reveal n, s to all
            }
            """)

    /// Waits until a backend scans the endless query tagged `tag`, then returns its pid (nil after 30 s).
    static func backend(_ connection: PostgreSQLSource.Connection, tag: String) async throws -> String? {
        for _ in 0..<300 {
            let rows = try await connection.fetch(
                "SELECT pid::text FROM pg_stat_activity WHERE query LIKE '%\(tag)%' AND query LIKE '%SUM(%' AND pid <> pg_backend_pid() AND state = 'active'")
            if let pid = rows.first?.first ?? nil { return pid }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    /// A server that terminates the scan's backend (as a restart or an administrator does):
    /// `connectionFailed`, and no partials.
    @Test func serverTerminatingTheScanMidway() async throws {
        let connection = PG.connection(try TestPostgreSQL.cluster())
        let tag = PG.name("terminated")
        let source = Self.endless(connection, tag: tag)
        let scan = Task { try await source.execute(Self.slow.localPlan, strategy: .automatic) }
        let pid = try #require(try await Self.backend(connection, tag: tag))
        _ = try await connection.fetch("SELECT pg_terminate_backend(\(pid))::text")
        let result = await scan.result
        guard case .failure(let error as DataSourceError) = result else {
            Issue.record("expected a DataSourceError, got \(result)")
            return
        }
        #expect(error == DataSourceError(
            .connectionFailed, "the server is shutting down or restarting (SQLSTATE 57P01); nothing was computed",
            at: .init(file: connection.description, table: "query")))
    }

    /// Cancelling the task ends the scan: the caller gets `CancellationError` at once, and the
    /// server stops the query (its backend goes away).
    @Test func cancellationStopsTheQuery() async throws {
        let connection = PG.connection(try TestPostgreSQL.cluster())
        let tag = PG.name("cancelled")
        let source = Self.endless(connection, tag: tag)
        let scan = Task { try await source.execute(Self.slow.localPlan, strategy: .automatic) }
        let pid = try #require(try await Self.backend(connection, tag: tag))
        let start = ContinuousClock.now
        scan.cancel()
        let result = await scan.result
        guard case .failure(let error) = result else {
            Issue.record("expected cancellation, got \(result)")
            return
        }
        #expect(error is CancellationError, "\(error)")
        #expect(ContinuousClock.now - start < .seconds(10))
        var gone = false
        for _ in 0..<100 where !gone {
            gone = try await connection.fetch("SELECT pid::text FROM pg_stat_activity WHERE pid = \(pid)").isEmpty
            if !gone { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(gone, "backend \(pid) still runs the cancelled query")
    }

    @Test func deadlineInterruptsTheQuery() async throws {
        let connection = PG.connection(try TestPostgreSQL.cluster())
        let compiled = try ContractCompiler.compile(
            source: """
                contract slow version 1 {
                  input t(x: int)
                  compute { n = count() s = sum(x) }
                  reveal n, s to all
                }
                """)
        let source = PostgreSQLSource(
            connection: connection, relation: .query("SELECT a * b AS x FROM generate_series(1, 100000) AS a, generate_series(1, 100000) AS b"))
        let start = ContinuousClock.now
        do {
            _ = try await source.execute(compiled.localPlan, strategy: .automatic, deadline: .now + .milliseconds(400))
            Issue.record("no deadline error")
        } catch let error as DataSourceError {
            #expect(error == DataSourceError(
                .deadlineExceeded, "the local plan did not finish before its deadline",
                at: .init(file: connection.description, table: "query")))
        }
        // Not a timing assertion: without the deadline the query runs for hours; this only says it was stopped.
        #expect(ContinuousClock.now - start < .seconds(600))
    }
}
