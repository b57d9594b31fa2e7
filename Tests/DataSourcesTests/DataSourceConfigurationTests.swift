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
        let column: String?
        let message: String
        var description: String { desc }
    }

    static let badCases: [BadCase] = [
        .init(desc: "not-json", json: "{member", column: nil, message: "the configuration is not valid JSON"),
        .init(desc: "not-object", json: "[1]", column: nil, message: "the configuration must be a JSON object"),
        .init(desc: "unknown-top-key", json: #"{"member": "a", "sources": {}, "extra": 1}"#, column: "extra",
              message: "unknown key 'extra' (expected 'member' and 'sources')"),
        .init(desc: "missing-member", json: #"{"sources": {}}"#, column: "member", message: "'member' must be a non-empty string"),
        .init(desc: "sources-not-object", json: #"{"member": "a", "sources": []}"#, column: "sources",
              message: "'sources' must be an object mapping input tables to sources"),
        .init(desc: "bad-kind", json: #"{"member": "a", "sources": {"t": {"kind": "postgres", "path": "x"}}}"#,
              column: "sources.t.kind", message: #"'kind' must be "sqlite" or "csv""#),
        .init(desc: "missing-path", json: #"{"member": "a", "sources": {"t": {"kind": "csv"}}}"#,
              column: "sources.t.path", message: "'path' must be a non-empty string"),
        .init(desc: "table-and-query", json: #"{"member": "a", "sources": {"t": {"kind": "sqlite", "path": "x", "table": "a", "query": "SELECT 1"}}}"#,
              column: "sources.t", message: "a sqlite source needs exactly one of 'table' or 'query' (a non-empty string)"),
        .init(desc: "neither-table-nor-query", json: #"{"member": "a", "sources": {"t": {"kind": "sqlite", "path": "x"}}}"#,
              column: "sources.t", message: "a sqlite source needs exactly one of 'table' or 'query' (a non-empty string)"),
        .init(desc: "csv-with-table", json: #"{"member": "a", "sources": {"t": {"kind": "csv", "path": "x", "table": "a"}}}"#,
              column: "sources.t", message: "a csv source takes no 'table' or 'query'"),
        .init(desc: "misspelt-key", json: #"{"member": "a", "sources": {"t": {"kind": "csv", "path": "x", "colums": {}}}}"#,
              column: "sources.t.colums", message: "unknown key 'colums' (expected one of kind, path, table, query, columns, notNull)"),
        .init(desc: "mapping-not-string", json: #"{"member": "a", "sources": {"t": {"kind": "csv", "path": "x", "columns": {"a": 1}}}}"#,
              column: "sources.t.columns.a", message: "a column mapping must be a non-empty string"),
        .init(desc: "notnull-not-array", json: #"{"member": "a", "sources": {"t": {"kind": "csv", "path": "x", "notNull": "a"}}}"#,
              column: "sources.t.notNull", message: "'notNull' must be an array of input column names"),
    ]

    @Test(arguments: badCases)
    func rejectsBadConfiguration(_ bad: BadCase) throws {
        let error = #expect(throws: DataSourceError.self) {
            try DataSourceConfiguration.parse(Array(bad.json.utf8), file: "member.json", baseDirectory: "/base")
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message == bad.message)
        #expect(error?.location == .init(file: "member.json", column: bad.column))
    }

    @Test func missingConfigurationFile() {
        let error = #expect(throws: DataSourceError.self) {
            try DataSourceConfiguration.load(contentsOf: "/nonexistent/member.json")
        }
        #expect(error == DataSourceError(.fileNotFound, "the configuration file does not exist", at: .init(file: "/nonexistent/member.json")))
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
