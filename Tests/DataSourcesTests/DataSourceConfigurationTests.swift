import ContractLanguage
import DataSources
import Foundation
import Testing

struct DataSourceConfigurationTests {
    static let input = try! TypeChecker.check(
        source: """
            contract c version 1 {
              input employees(dept: text, salary: decimal(2))
              compute { n = count() }
              reveal n to all
            }
            """
    ).input

    @Test func parsesAndResolvesRelativePaths() throws {
        let directory = try TemporaryDirectory()
        let file = directory.file("member.json")
        try """
        {"member": "bank-a",
         "sources": {"employees": {"kind": "sqlite", "path": "data/bank-a.sqlite", "table": "staff",
                                   "columns": {"dept": "department", "salary": "salary_eur"}, "notNull": ["salary"]},
                     "visits": {"kind": "csv", "path": "/abs/visits.csv"},
                     "sums": {"kind": "sqlite", "path": "x.db", "query": "SELECT 1 AS a"}}}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let configuration = try DataSourceConfiguration.load(contentsOf: file)
        #expect(configuration.member == "bank-a")
        let employees = try #require(configuration.sources["employees"])
        #expect(employees.kind == .sqliteTable("staff"))
        #expect(employees.path == directory.path + "/data/bank-a.sqlite")
        #expect(employees.columns == ["dept": "department", "salary": "salary_eur"])
        #expect(employees.notNull == ["salary"])
        #expect(configuration.sources["visits"] == SourceDescription(kind: .csv, path: "/abs/visits.csv"))
        #expect(configuration.sources["sums"]?.kind == .sqliteQuery("SELECT 1 AS a"))
        let source = try configuration.source(for: Self.input)
        #expect(source is SQLiteSource)
    }

    struct BadCase: Sendable, CustomStringConvertible {
        let desc: String
        let json: String
        /// The text at the reported position (its first occurrence); nil: column 1.
        let at: String?
        let column: String?
        let message: String
        var description: String { desc }
    }

    static let badCases: [BadCase] = [
        .init(desc: "not-json", json: "{member", at: "m", column: nil, message: "expected a key in double quotes, found 'm'"),
        .init(desc: "not-object", json: "[1]", at: nil, column: nil,
              message: "must be an object with 'member' and 'sources'; found an array"),
        .init(desc: "unknown-top-key", json: #"{"member": "a", "sources": {}, "extra": 1}"#, at: #""extra""#, column: "extra",
              message: "unknown key 'extra' (expected one of member, sources)"),
        .init(desc: "missing-member", json: #"{"sources": {}}"#, at: nil, column: "member",
              message: "the key 'member' is missing; it must be the member's name"),
        .init(desc: "member-not-string", json: #"{"member": 1, "sources": {}}"#, at: "1", column: "member",
              message: "must be a non-empty string without control characters; found an integer"),
        .init(desc: "sources-not-object", json: #"{"member": "a", "sources": []}"#, at: "[", column: "sources",
              message: "must be an object mapping input tables to sources; found an array"),
        .init(desc: "bad-kind", json: #"{"member": "a", "sources": {"t": {"kind": "postgres", "path": "x"}}}"#, at: #""postgres""#,
              column: "sources.t.kind", message: #"must be "sqlite", "csv" or "postgresql""#),
        .init(desc: "kind-boolean", json: #"{"member": "a", "sources": {"t": {"kind": true, "path": "x"}}}"#, at: "true",
              column: "sources.t.kind", message: "must be a non-empty string without control characters; found a boolean"),
        .init(desc: "missing-path", json: #"{"member": "a", "sources": {"t": {"kind": "csv"}}}"#, at: #"{"kind""#,
              column: "sources.t.path", message: "the key 'path' is missing; it must be a file path"),
        .init(desc: "path-with-nul", json: #"{"member": "a", "sources": {"t": {"kind": "csv", "path": "x\u0000y"}}}"#, at: #""x\u"#,
              column: "sources.t.path", message: "must not contain control characters (found U+0000)"),
        .init(desc: "table-and-query", json: #"{"member": "a", "sources": {"t": {"kind": "sqlite", "path": "x", "table": "a", "query": "SELECT 1"}}}"#,
              at: #""SELECT"#, column: "sources.t.query", message: "a sqlite source takes exactly one of 'table' and 'query', not both"),
        .init(desc: "neither-table-nor-query", json: #"{"member": "a", "sources": {"t": {"kind": "sqlite", "path": "x"}}}"#,
              at: #"{"kind""#, column: "sources.t", message: "a sqlite source needs exactly one of 'table' and 'query'"),
        .init(desc: "csv-with-table", json: #"{"member": "a", "sources": {"t": {"kind": "csv", "path": "x", "table": "a"}}}"#,
              at: #""a"}"#, column: "sources.t.table", message: "a csv source takes no 'table' or 'query'"),
        .init(desc: "misspelt-key", json: #"{"member": "a", "sources": {"t": {"kind": "csv", "path": "x", "colums": {}}}}"#,
              at: #""colums""#, column: "sources.t.colums",
              message: "unknown key 'colums' (did you mean 'columns'? expected one of kind, path, table, query, columns, notNull, host, port, socket, database, user, passwordEnv, passwordFile, tls, caFile, connectTimeoutSeconds, schema)"),
        .init(desc: "mapping-not-string", json: #"{"member": "a", "sources": {"t": {"kind": "csv", "path": "x", "columns": {"a": 1}}}}"#,
              at: "1}", column: "sources.t.columns.a", message: "must be a non-empty string without control characters; found an integer"),
        .init(desc: "notnull-not-array", json: #"{"member": "a", "sources": {"t": {"kind": "csv", "path": "x", "notNull": "a"}}}"#,
              at: #""a"}"#, column: "sources.t.notNull", message: "must be an array of non-empty strings; found a string"),
        .init(desc: "notnull-repeated", json: #"{"member": "a", "sources": {"t": {"kind": "csv", "path": "x", "notNull": ["a", "a"]}}}"#,
              at: #""a"]"#, column: "sources.t.notNull[1]", message: "repeats entry 0 of the array"),
        .init(desc: "duplicate-source", json: #"{"member": "a", "sources": {"t": {"kind": "csv", "path": "x"}, "t": {"kind": "csv", "path": "y"}}}"#,
              at: #""t": {"kind": "csv", "path": "y""#, column: nil, message: "duplicate key 't' (first at 1:29)"),
        .init(desc: "trailing-comma", json: #"{"member": "a", "sources": {"t": {"kind": "csv", "path": "x",}}}"#, at: "}", column: nil,
              message: "a trailing comma is not allowed before '}'"),
        .init(desc: "pg-misspelt-password-key",
              json: #"{"member": "a", "sources": {"t": {"kind": "postgresql", "host": "h", "database": "d", "user": "u", "passwrdEnv": "P", "table": "t"}}}"#,
              at: #""passwrdEnv""#, column: "sources.t.passwrdEnv",
              message: "unknown key 'passwrdEnv' (did you mean 'passwordEnv'? expected one of kind, path, table, query, columns, notNull, host, port, socket, database, user, passwordEnv, passwordFile, tls, caFile, connectTimeoutSeconds, schema)"),
        .init(desc: "pg-with-path", json: #"{"member": "a", "sources": {"t": {"kind": "postgresql", "path": "x", "host": "h", "database": "d", "user": "u", "table": "t"}}}"#,
              at: #""x""#, column: "sources.t.path", message: "a postgresql source takes no 'path' (it names a server)"),
        .init(desc: "pg-host-and-socket", json: #"{"member": "a", "sources": {"t": {"kind": "postgresql", "host": "h", "socket": "/s", "database": "d", "user": "u", "table": "t"}}}"#,
              at: #""/s""#, column: "sources.t.socket", message: "a postgresql source takes exactly one of 'host' and 'socket', not both"),
        .init(desc: "pg-no-endpoint", json: #"{"member": "a", "sources": {"t": {"kind": "postgresql", "database": "d", "user": "u", "table": "t"}}}"#,
              at: #"{"kind""#, column: "sources.t", message: "a postgresql source needs exactly one of 'host' and 'socket' (a directory)"),
        .init(desc: "pg-port-out-of-range", json: #"{"member": "a", "sources": {"t": {"kind": "postgresql", "host": "h", "port": 70000, "database": "d", "user": "u", "table": "t"}}}"#,
              at: "70000", column: "sources.t.port", message: "must be an integer from 1 to 65535; found an integer out of range"),
        .init(desc: "pg-missing-user", json: #"{"member": "a", "sources": {"t": {"kind": "postgresql", "host": "h", "database": "d", "table": "t"}}}"#,
              at: #"{"kind""#, column: "sources.t.user", message: "the key 'user' is missing; it must be the user's name"),
        .init(desc: "pg-two-passwords", json: #"{"member": "a", "sources": {"t": {"kind": "postgresql", "host": "h", "database": "d", "user": "u", "passwordEnv": "P", "passwordFile": "f", "table": "t"}}}"#,
              at: #""f""#, column: "sources.t.passwordFile", message: "take the password from one of 'passwordEnv' and 'passwordFile', not both"),
        .init(desc: "pg-bad-tls", json: #"{"member": "a", "sources": {"t": {"kind": "postgresql", "host": "h", "database": "d", "user": "u", "tls": "maybe", "table": "t"}}}"#,
              at: #""maybe""#, column: "sources.t.tls", message: #"must be one of "disable", "require", "verify-full""#),
        .init(desc: "pg-tls-on-socket", json: #"{"member": "a", "sources": {"t": {"kind": "postgresql", "socket": "/s", "database": "d", "user": "u", "tls": "require", "table": "t"}}}"#,
              at: #""require""#, column: "sources.t.tls", message: #"a Unix socket is not encrypted: leave 'tls' out or make it "disable""#),
        .init(desc: "pg-table-and-query", json: #"{"member": "a", "sources": {"t": {"kind": "postgresql", "host": "h", "database": "d", "user": "u", "table": "t", "query": "SELECT 1"}}}"#,
              at: #""SELECT"#, column: "sources.t.query", message: "a postgresql source takes exactly one of 'table' and 'query', not both"),
        .init(desc: "sqlite-with-host", json: #"{"member": "a", "sources": {"t": {"kind": "sqlite", "path": "x", "host": "h", "table": "t"}}}"#,
              at: #""h""#, column: "sources.t.host", message: "a sqlite source takes no 'host'"),
        .init(desc: "empty-table-name", json: #"{"member": "a", "sources": {"": {"kind": "csv", "path": "x"}}}"#, at: #"{"kind""#,
              column: #"sources[""]"#, message: "an input table name must be 1 to 256 characters"),
    ]

    @Test(arguments: badCases)
    func rejectsBadConfiguration(_ bad: BadCase) throws {
        let error = #expect(throws: DataSourceError.self) {
            try DataSourceConfiguration.parse(Array(bad.json.utf8), file: "member.json", baseDirectory: "/base")
        }
        let character = bad.at.map { bad.json.distance(from: bad.json.startIndex, to: bad.json.range(of: $0)!.lowerBound) + 1 } ?? 1
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message == bad.message)
        #expect(error?.location == .init(file: "member.json", line: 1, character: character, column: bad.column))
    }

    /// A postgresql source: the server, never a password, in its description; paths resolved.
    @Test func parsesPostgreSQLSources() throws {
        let json = #"""
            {"member": "bank-a", "sources": {
              "employees": {"kind": "postgresql", "host": "db.internal", "port": 6432, "database": "hr", "user": "covenant",
                            "passwordEnv": "COVENANT_PG_PASSWORD", "tls": "require", "schema": "public", "table": "staff",
                            "columns": {"dept": "department"}, "notNull": ["salary"]},
              "visits": {"kind": "postgresql", "socket": "run", "database": "clinic", "user": "reader",
                         "passwordFile": "secrets/pg.pass", "query": "SELECT ward AS dept, cost AS salary FROM visits"}}}
            """#
        let configuration = try DataSourceConfiguration.parse(Array(json.utf8), file: "member.json", baseDirectory: "/base")
        let employees = try #require(configuration.sources["employees"])
        let connection = PostgreSQLSource.Connection(
            endpoint: .tcp(host: "db.internal", port: 6432), database: "hr", user: "covenant",
            password: .environment("COVENANT_PG_PASSWORD"), tls: .require)
        #expect(employees.kind == .postgreSQL(connection, .table(schema: "public", name: "staff")))
        #expect(employees.path == "postgresql://covenant@db.internal:6432/hr")
        #expect(employees.columns == ["dept": "department"])
        let visits = try #require(configuration.sources["visits"])
        let socket = PostgreSQLSource.Connection(
            endpoint: .unixSocket(directory: "/base/run", port: 5432), database: "clinic", user: "reader",
            password: .file("/base/secrets/pg.pass"), tls: .disable)
        #expect(visits.kind == .postgreSQL(socket, .query("SELECT ward AS dept, cost AS salary FROM visits")))
        let source = try configuration.source(for: Self.input)
        #expect(source is PostgreSQLSource)
        #expect(source.name == "postgresql://covenant@db.internal:6432/hr: table 'public.staff'")
    }

    @Test func missingConfigurationFile() {
        let error = #expect(throws: DataSourceError.self) {
            try DataSourceConfiguration.load(contentsOf: "/nonexistent/member.json")
        }
        #expect(error == DataSourceError(.fileNotFound, "the configuration file does not exist", at: .init(file: "/nonexistent/member.json")))
        let directory = #expect(throws: DataSourceError.self) { try DataSourceConfiguration.load(contentsOf: "/") }
        #expect(directory?.code == .unreadableFile)
    }

    @Test func unknownInputAndUndeclaredColumns() throws {
        let none = DataSourceConfiguration(member: "m", sources: ["other": .init(kind: .csv, path: "/x.csv")])
        let error = #expect(throws: DataSourceError.self) { try none.source(for: Self.input) }
        #expect(error?.code == .unknownInput)
        #expect(error?.message == "member 'm' has no source for input table 'employees' (configured: other)")

        let typo = DataSourceConfiguration(
            member: "m", sources: ["employees": .init(kind: .csv, path: "/x.csv", columns: ["salry": "pay"])])
        let mapped = #expect(throws: DataSourceError.self) { try typo.source(for: Self.input) }
        #expect(mapped == DataSourceError(.invalidConfiguration, "input table 'employees' declares no column 'salry'", at: .init(file: "/x.csv", column: "salry")))
    }
}
