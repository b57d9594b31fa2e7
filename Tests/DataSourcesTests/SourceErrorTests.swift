import CircuitCompiler
import ContractLanguage
import DataSources
import Foundation
import GRDB
import Testing

/// Every error a member can meet, with its code, message and location; no message quotes a value.
struct SourceErrorTests {
    static let compiled = try! ContractCompiler.compile(
        source: """
            contract c version 1 {
              input employees(dept: text, age: int, salary: decimal(2), joined: date, manager: bool)
              compute { n = count() total = sum(salary) }
              reveal n, total to all
            }
            """)
    static var declared: [ColumnDeclaration] { compiled.contract.input.columns }
    /// A value that must never appear in an error message.
    static let secret = "SECRET-7731"

    static func expectError(
        _ code: DataSourceError.Code, _ message: String, at location: DataSourceError.Location?,
        sourceLocation: Testing.SourceLocation = #_sourceLocation, _ body: () throws -> Void
    ) {
        let error = #expect(throws: DataSourceError.self, sourceLocation: sourceLocation) { try body() }
        #expect(error?.code == code, sourceLocation: sourceLocation)
        #expect(error?.message == message, sourceLocation: sourceLocation)
        #expect(error?.location == location, sourceLocation: sourceLocation)
        #expect(error.map { !"\($0)".contains(secret) } ?? true, "the message quotes a value", sourceLocation: sourceLocation)
    }

    // MARK: CSV

    func csv(_ text: String, notNull: Set<String> = [], columns: [String: String] = [:]) throws -> (CSVSource, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        let path = directory.file("member.csv")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return (CSVSource(path: path, columns: columns, notNull: notNull), directory)
    }

    @Test func csvReadsQuotedFieldsAndMatchesCSVTable() throws {
        let text = "extra,dept,age,salary,joined,manager\r\n\"x,1\",\"r\"\"d\",40,1.5,2024-02-29,true\n,\"multi\nline\",18,,,0\n\n"
        let (source, directory) = try csv(text)
        _ = directory
        let rows = try source.rows(Self.declared)
        #expect(rows == [
            [.text("r\"d"), .int(40), .decimal(150, scale: 2), .date(CivilDate(year: 2024, month: 2, day: 29)!), .bool(true)],
            [.text("multi\nline"), .int(18), .null, .null, .bool(false)],
        ])
        #expect(rows == (try CSVTable.rows(text, input: Self.compiled.contract.input)))
        #expect(try source.validate(Self.declared) == 2)
        #expect(try source.execute(Self.compiled.localPlan, strategy: .automatic, deadline: nil).partials == Self.compiled.localPlan.execute(rows: rows))
    }

    @Test func csvMissingFile() {
        let source = CSVSource(path: "/nonexistent/member.csv")
        Self.expectError(.fileNotFound, "the CSV file does not exist", at: .init(file: "/nonexistent/member.csv")) {
            _ = try source.validate(Self.declared)
        }
    }

    @Test func csvEmptyFile() throws {
        let (source, directory) = try csv("")
        Self.expectError(.malformedFile, "the file is empty: no header row", at: .init(file: source.path, line: 1)) {
            _ = try source.validate(Self.declared)
        }
        _ = directory
    }

    @Test func csvMissingColumn() throws {
        let (source, directory) = try csv("dept,age,salary,joined\neng,30,1.00,2024-01-01\n")
        Self.expectError(
            .missingColumn, "the header has no column for input column 'manager'",
            at: .init(file: source.path, line: 1, column: "manager")
        ) { _ = try source.validate(Self.declared) }
        let (mapped, other) = try csv("dept,age,salary,joined,boss\n", columns: ["manager": "is_manager"])
        Self.expectError(
            .missingColumn, "the header has no column for input column 'manager' (mapped to 'is_manager')",
            at: .init(file: mapped.path, line: 1, column: "manager")
        ) { _ = try mapped.validate(Self.declared) }
        _ = (directory, other)
    }

    @Test func csvColumnMapping() throws {
        let (source, directory) = try csv(
            "department,age,salary_eur,joined,manager\neng,30,10.25,2024-01-01,false\n",
            columns: ["dept": "department", "salary": "salary_eur"])
        #expect(try source.rows(Self.declared)[0][2] == .decimal(1025, scale: 2))
        _ = directory
    }

    @Test(arguments: [
        ("age", "4\(secret)", "int"), ("salary", "12.345", "decimal(2)"), ("salary", "\(secret)", "decimal(2)"),
        ("joined", "2023-02-29", "date"), ("manager", "yes-\(secret)", "bool"), ("age", "99999999999999999999", "int"),
    ])
    func csvUnparsableValue(column: String, value: String, type: String) throws {
        var cells = ["dept": "eng", "age": "30", "salary": "1.00", "joined": "2024-01-01", "manager": "true"]
        cells[column] = value
        let header = ["dept", "age", "salary", "joined", "manager"]
        let good = header.map { ["dept": "ops", "age": "41", "salary": "2", "joined": "2024-03-01", "manager": "0"][$0]! }
        let text = header.joined(separator: ",") + "\n" + good.joined(separator: ",") + "\n\"quoted\nfield\",1,1,2024-01-01,1\n"
            + header.map { cells[$0]! }.joined(separator: ",") + "\n"
        let (source, directory) = try csv(text)
        Self.expectError(
            .unparsableValue, "value does not parse as \(type)",
            at: .init(file: source.path, row: 3, line: 5, column: column)
        ) { _ = try source.execute(Self.compiled.localPlan, strategy: .automatic, deadline: nil).partials }
        _ = directory
    }

    @Test func csvNullWhereNotAllowed() throws {
        let (source, directory) = try csv("dept,age,salary,joined,manager\neng,30,,2024-01-01,true\n", notNull: ["salary"])
        Self.expectError(
            .nullValue, "null (an empty field) in a column declared notNull",
            at: .init(file: source.path, row: 1, line: 2, column: "salary")
        ) { _ = try source.validate(Self.declared) }
        _ = directory
    }

    @Test func csvRaggedRowAndUnclosedQuote() throws {
        let (ragged, d1) = try csv("dept,age,salary,joined,manager\neng,30,1,2024-01-01,true\neng,30\n")
        Self.expectError(
            .malformedFile, "the row has 2 fields, the header has 5", at: .init(file: ragged.path, row: 2, line: 3)
        ) { _ = try ragged.validate(Self.declared) }
        let (unclosed, d2) = try csv("dept,age,salary,joined,manager\n\"eng,30,1,2024-01-01,true\n")
        Self.expectError(
            .malformedFile, "a quoted field is not closed before the end of the file",
            at: .init(file: unclosed.path, row: 1, line: 2)
        ) { _ = try unclosed.validate(Self.declared) }
        _ = (d1, d2)
    }

    // MARK: SQLite

    /// Untyped columns: no affinity converts the stored values under test.
    static let schema: [(String, String)] = [
        ("department", ""), ("age", ""), ("salary", ""), ("joined", ""), ("manager", ""),
    ]
    static var goodRow: [(any DatabaseValueConvertible)?] { ["eng", 30, 1234.5, "2024-01-31", 1] }

    func sqlite(_ rows: [[(any DatabaseValueConvertible)?]], notNull: Set<String> = []) throws -> (SQLiteSource, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        let path = directory.file("member.sqlite")
        try TestData.sqlite(path, table: "staff", columns: Self.schema, rows: rows)
        return (SQLiteSource(path: path, relation: .table("staff"), columns: ["dept": "department"], notNull: notNull), directory)
    }

    @Test func sqliteReadsMappedTableAndQuery() throws {
        let (source, directory) = try sqlite([Self.goodRow, ["ops", 41, 70000, nil, 0], [nil, nil, 0.29, "1999-12-31", nil]])
        let rows = try source.rows(Self.declared)
        #expect(rows == [
            [.text("eng"), .int(30), .decimal(123_450, scale: 2), .date(CivilDate(year: 2024, month: 1, day: 31)!), .bool(true)],
            [.text("ops"), .int(41), .decimal(7_000_000, scale: 2), .null, .bool(false)],
            [.null, .null, .decimal(29, scale: 2), .date(CivilDate(year: 1999, month: 12, day: 31)!), .null],
        ])
        #expect(try source.validate(Self.declared) == 3)
        let query = SQLiteSource(
            path: source.path,
            relation: .query("SELECT department AS dept, age, salary, joined, manager FROM staff WHERE age > 35;"))
        #expect(try query.rows(Self.declared) == [rows[1]])
        let execution = try source.execute(Self.compiled.localPlan, strategy: .automatic, deadline: nil)
        #expect(execution.path == .pushdown)
        #expect(execution.partials == (try Self.compiled.localPlan.execute(rows: rows)))
        _ = directory
    }

    @Test func sqliteMissingFileAndNotADatabase() throws {
        let missing = SQLiteSource(path: "/nonexistent/member.sqlite", relation: .table("staff"))
        Self.expectError(.fileNotFound, "the SQLite database does not exist", at: .init(file: "/nonexistent/member.sqlite")) {
            _ = try missing.validate(Self.declared)
        }
        let directory = try TemporaryDirectory()
        let path = directory.file("garbage.sqlite")
        try String(repeating: "not a database ", count: 100).write(toFile: path, atomically: true, encoding: .utf8)
        let garbage = SQLiteSource(path: path, relation: .table("staff"))
        let error = #expect(throws: DataSourceError.self) { _ = try garbage.validate(Self.declared) }
        #expect(error?.code == .unreadableFile)
        #expect(error?.location == .init(file: path))
    }

    @Test func sqliteTableNotFound() throws {
        let (source, directory) = try sqlite([Self.goodRow])
        let wrong = SQLiteSource(path: source.path, relation: .table("staf"))
        Self.expectError(.tableNotFound, "the database has no table or view 'staf'", at: .init(file: source.path, table: "staf")) {
            _ = try wrong.execute(Self.compiled.localPlan, strategy: .automatic, deadline: nil).partials
        }
        _ = directory
    }

    @Test func sqliteInvalidQuery() throws {
        let (source, directory) = try sqlite([Self.goodRow])
        let broken = SQLiteSource(path: source.path, relation: .query("SELEC * FROM staff"))
        let error = #expect(throws: DataSourceError.self) { _ = try broken.validate(Self.declared) }
        #expect(error?.code == .invalidQuery)
        #expect(error?.message.hasPrefix("the query does not prepare: ") == true)
        #expect(error?.location == .init(file: source.path, table: "query"))
        let writing = SQLiteSource(path: source.path, relation: .query("DELETE FROM staff"))
        Self.expectError(.invalidQuery, "the query must be a single read-only SELECT", at: .init(file: source.path, table: "query")) {
            _ = try writing.validate(Self.declared)
        }
        _ = directory
    }

    @Test func sqliteMissingColumn() throws {
        let (source, directory) = try sqlite([Self.goodRow])
        let unmapped = SQLiteSource(path: source.path, relation: .table("staff"))
        Self.expectError(
            .missingColumn, "no database column for input column 'dept'",
            at: .init(file: source.path, table: "staff", column: "dept")
        ) { _ = try unmapped.validate(Self.declared) }
        let mapped = SQLiteSource(path: source.path, relation: .table("staff"), columns: ["dept": "dept_name"])
        Self.expectError(
            .missingColumn, "no database column for input column 'dept' (mapped to 'dept_name')",
            at: .init(file: source.path, table: "staff", column: "dept")
        ) { _ = try mapped.validate(Self.declared) }
        _ = directory
    }

    struct Bad: Sendable, CustomStringConvertible {
        let desc: String
        let column: Int
        let value: (any DatabaseValueConvertible & Sendable)?
        let code: DataSourceError.Code
        let message: String
        var description: String { desc }
    }

    static let badCells: [Bad] = [
        .init(desc: "text-in-int", column: 1, value: secret, code: .wrongType, message: "the value is stored as text; int needs an integer"),
        .init(desc: "real-in-int", column: 1, value: 30.5, code: .wrongType, message: "the value is stored as real; int needs an integer"),
        .init(desc: "integer-in-text", column: 0, value: 7, code: .wrongType, message: "the value is stored as integer; text needs text"),
        .init(desc: "text-in-decimal-three-places", column: 2, value: "12.505", code: .unparsableValue, message: "value does not parse as decimal(2)"),
        .init(desc: "text-in-decimal-not-a-number", column: 2, value: "12,50", code: .unparsableValue, message: "value does not parse as decimal(2)"),
        .init(desc: "text-in-decimal-out-of-range", column: 2, value: "92233720368547758.08", code: .unparsableValue, message: "value does not parse as decimal(2)"),
        .init(desc: "blob-in-decimal", column: 2, value: Data([1, 2]), code: .wrongType, message: "the value is stored as blob; decimal(2) needs an integer, a real, or text such as '1234.50'"),
        .init(desc: "too-many-digits", column: 2, value: 12.345, code: .unparsableValue, message: "value does not parse as decimal(2)"),
        .init(desc: "decimal-out-of-range", column: 2, value: Int64(200_000_000_000_000_000), code: .unparsableValue, message: "value does not parse as decimal(2)"),
        .init(desc: "bool-two", column: 4, value: 2, code: .unparsableValue, message: "value does not parse as bool"),
        .init(desc: "bool-text", column: 4, value: "true", code: .wrongType, message: "the value is stored as text; bool needs an integer 0 or 1"),
        .init(desc: "date-nonexistent", column: 3, value: "2023-02-29", code: .unparsableValue, message: "value does not parse as date"),
        .init(desc: "date-with-time", column: 3, value: "2023-02-01 10:00", code: .unparsableValue, message: "value does not parse as date"),
        .init(desc: "date-as-number", column: 3, value: 20230201, code: .wrongType, message: "the value is stored as integer; date needs text YYYY-MM-DD"),
        .init(desc: "blob", column: 0, value: Data([1, 2]), code: .wrongType, message: "the value is stored as blob; text needs text"),
    ]

    @Test(arguments: badCells)
    func sqliteBadCell(_ bad: Bad) throws {
        var row = Self.goodRow
        row[bad.column] = bad.value
        let (source, directory) = try sqlite([Self.goodRow, Self.goodRow, row, Self.goodRow])
        let name = Self.declared[bad.column].name.text
        for strategy in [ExecutionStrategy.automatic, .rowPipeline] {
            Self.expectError(bad.code, bad.message, at: .init(file: source.path, table: "staff", row: 3, column: name)) {
                _ = try source.execute(Self.compiled.localPlan, strategy: strategy, deadline: nil)
            }
        }
        _ = directory
    }

    @Test func sqliteNullWhereNotAllowed() throws {
        var row = Self.goodRow
        row[2] = nil
        let (source, directory) = try sqlite([Self.goodRow, row], notNull: ["salary"])
        Self.expectError(
            .nullValue, "null in a column declared notNull", at: .init(file: source.path, table: "staff", row: 2, column: "salary")
        ) { _ = try source.validate(Self.declared) }
        _ = directory
    }

    @Test func configurationEndToEnd() async throws {
        let directory = try TemporaryDirectory()
        try TestData.sqlite(directory.file("bank.sqlite"), table: "staff", columns: Self.schema, rows: [Self.goodRow])
        try "dept,age,salary,joined,manager\neng,30,1234.5,2024-01-31,true\n".write(
            toFile: directory.file("bank.csv"), atomically: true, encoding: .utf8)
        for (kind, extra) in [("sqlite", #""path": "bank.sqlite", "table": "staff", "columns": {"dept": "department"}"#),
                              ("csv", #""path": "bank.csv""#)] {
            let json = #"{"member": "bank", "sources": {"employees": {"kind": "\#(kind)", \#(extra)}}}"#
            try json.write(toFile: directory.file("member.json"), atomically: true, encoding: .utf8)
            let source = try DataSourceConfiguration.load(contentsOf: directory.file("member.json"))
                .source(for: Self.compiled.contract.input)
            #expect(try await source.partials(for: Self.compiled.localPlan) == [1, 123_450])
        }
    }
}

extension SourceErrorTests {
    /// All-empty records count as all-null rows, except at the end of the file (as in CSVTable).
    @Test func csvTrailingEmptyRecordsAreDropped() throws {
        let text = "dept,age,salary,joined,manager\n,,,,\neng,1,1,2024-01-01,1\n,,,,\n\"\",,,,\n"
        let (source, directory) = try csv(text)
        let rows = try source.rows(Self.declared)
        #expect(rows.count == 2)
        #expect(rows == (try CSVTable.rows(text, input: Self.compiled.contract.input)))
        _ = directory
    }
}
