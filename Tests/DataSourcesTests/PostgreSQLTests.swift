import Circuit
import CircuitCompiler
import ContractLanguage
import DataSources
import Foundation
import PropertyBased
import Testing
import _TestSupport

/// Tables in the test cluster (`TestPostgreSQL`), named uniquely so that tests run in parallel.
enum PG {
    /// The superuser's connection to the cluster's `postgres` database.
    static func connection(_ cluster: TestPostgreSQL.Cluster) -> PostgreSQLSource.Connection {
        PostgreSQLSource.Connection(
            endpoint: .unixSocket(directory: cluster.directory, port: cluster.port), database: cluster.database,
            user: cluster.user, password: .file(cluster.passwordFile), tls: .disable)
    }

    /// A fresh table name.
    static func name(_ prefix: String) -> String { "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())" }

    /// The column type a member would choose for a contract type.
    static func sqlType(_ type: ColumnType, variant: Int = 0) -> String {
        switch type {
        case .int: return "bigint"
        case .decimal(let scale): return variant % 2 == 0 ? "numeric" : "numeric(38,\(scale))"
        case .text: return "text"
        case .bool: return "boolean"
        case .date: return "date"
        }
    }

    /// A value as the text the server casts to its column's type (nil for null).
    static func cell(_ value: Value) -> String? {
        switch value {
        case .null: return nil
        case .text(let s): return s
        default: return value.description
        }
    }

    /// Creates `table` with the contract's columns (text columns in `collation` when given) and
    /// inserts `rows`.
    static func load(
        _ connection: PostgreSQLSource.Connection, table: String, declared: [ColumnDeclaration], rows: [[Value]],
        variant: Int = 0, collation: String? = nil
    ) async throws {
        let columns = declared.map { column in
            (name: column.name.text, type: sqlType(column.type, variant: variant))
        }
        let definitions = columns.map { column in
            "\"\(column.name)\" \(column.type)" + (column.type == "text" ? collation.map { " COLLATE \"\($0)\"" } ?? "" : "")
        }
        try await connection.execute(["CREATE TABLE \"\(table)\" (\(definitions.joined(separator: ", ")))"])
        try await connection.insert(into: "\"\(table)\"", columns: columns, rows: rows.map { $0.map(cell) })
    }
}

/// The same cases over SQLite, CSV and PostgreSQL: pushdown ≡ row pipeline ≡ `LocalPlan.execute(rows:)`
/// on random data with nulls, decimals, dates and non-ASCII text; and the example members'
/// vectors, through the circuit, equal the oracle on every engine.
@Suite(.enabled(if: TestPostgreSQL.isEnabled, "PostgreSQL server binaries (initdb, pg_ctl) not found"))
struct PostgreSQLConformanceTests {
    /// Text ordering must be by code point whatever the column's collation (`und-x-icu` puts
    /// `a` before `B`; the language puts `B` first).
    static let collationContract = """
        contract collation_check version 1 {
          input t(s: text, x: int, d: decimal(2))
          local {
            where s >= "B" and s < "b"
            generalize s map { "AB1" -> "upper", "CD2 3" -> "upper", "\u{E9}" -> "accent", else -> "other" }
          }
          compute by s in ("upper", "accent", "other") { n = count() sx = sum(x) sd = sum(d) }
          reveal n, sx, sd to all
        }
        """

    @Test(arguments: TestData.examples)
    func exampleMembersAgreeWithOracle(_ name: String) async throws {
        let cluster = try TestPostgreSQL.cluster()
        let connection = PG.connection(cluster)
        let (compiled, files) = try TestData.example(name)
        let plan = compiled.localPlan
        let declared = compiled.contract.input.columns
        var members: [[[Value]]] = []
        var vectors: [[Int128]] = []
        for (index, file) in files.enumerated() {
            let csv = CSVSource(path: file)
            let rows = try await csv.rows(declared)
            let reference = try plan.execute(rows: rows)
            let table = PG.name("ex")
            try await PG.load(connection, table: table, declared: declared, rows: rows, variant: index)
            let source = PostgreSQLSource(connection: connection, relation: .table(schema: "public", name: table))
            #expect(try await source.rows(declared) == rows)
            #expect(try await source.validate(declared) == rows.count)
            let pushed = try await source.execute(plan, strategy: .automatic)
            #expect(pushed.path == .pushdown, "\(name): \(pushed.path)")
            #expect(pushed.partials == reference, "\(name) member \(index)")
            let piped = try await source.execute(plan, strategy: .rowPipeline)
            #expect(piped.partials == reference)
            try await connection.execute(["DROP TABLE \"\(table)\""])
            members.append(rows)
            vectors.append(pushed.partials)
        }
        let joint = ContractResult(revelations: try compiled.circuit.evaluate(memberInputs: vectors), contract: compiled.contract)
        let oracle = try Oracle.evaluate(compiled.contract, members: members)
        #expect(joint.differences(from: oracle).isEmpty, "\(joint.differences(from: oracle))")
    }

    /// Property: over random rows, every engine and path gives `LocalPlan.execute(rows:)`'s vector.
    @Test func sameCasesOverEveryEngine() async throws {
        let cluster = try TestPostgreSQL.cluster()
        let connection = PG.connection(cluster)
        let icu = try await Self.hasCollation(connection, "und-x-icu")
        let sources = try PushdownTests.contracts + [Self.collationContract]
        let compiledContracts = try sources.map { try ContractCompiler.compile(source: $0) }
        let bases: [[[Value]]] = try sources.enumerated().map { index, source in
            guard let name = TestData.examples.first(where: { source.contains("contract \($0) ") }) else { return [] }
            let (_, files) = try TestData.example(name)
            return try files.flatMap { try CSVSource(path: $0).rows(compiledContracts[index].contract.input.columns) }
        }
        await propertyCheck(count: 45, input: Gen.uint64()) { seed in
            var rng = DeterministicRNG(seed: seed)
            let which = Int(seed % UInt64(compiledContracts.count))
            let compiled = compiledContracts[which]
            let label = "\(compiled.contract.syntax.name.text) seed \(seed)"
            let declared = compiled.contract.input.columns
            let plan = compiled.localPlan
            let rows = TestData.randomRows(
                like: bases[which], declared: declared, count: Int.random(in: 0...250, using: &rng), using: &rng)
            do {
                let reference = try plan.execute(rows: rows)
                let directory = try TemporaryDirectory()
                // SQLite.
                let sqlitePath = directory.file("random.sqlite")
                try TestData.sqlite(sqlitePath, declared: declared, rows: rows, using: &rng)
                let sqlite = SQLiteSource(path: sqlitePath, relation: .table("t"))
                let sqlitePushed = try await sqlite.execute(plan, strategy: .automatic, deadline: nil)
                #expect(sqlitePushed.path == .pushdown, "\(label): \(sqlitePushed.path)")
                #expect(sqlitePushed.partials == reference, "sqlite pushdown, \(label)")
                #expect(try await sqlite.execute(plan, strategy: .rowPipeline, deadline: nil).partials == reference, "sqlite rows, \(label)")
                // CSV (which cannot tell empty text from null: compared with CSVTable's reading).
                let csvPath = directory.file("random.csv")
                try TestData.csv(csvPath, declared: declared, rows: rows)
                let reread = try CSVTable.rows(String(contentsOfFile: csvPath, encoding: .utf8), input: compiled.contract.input)
                #expect(try await CSVSource(path: csvPath).execute(plan, strategy: .automatic, deadline: nil).partials == plan.execute(rows: reread), "csv, \(label)")
                // PostgreSQL.
                let table = PG.name("random")
                try await PG.load(
                    connection, table: table, declared: declared, rows: rows, variant: Int(seed % 2),
                    collation: icu && seed % 3 == 0 ? "und-x-icu" : nil)
                let relation: PostgreSQLSource.Relation =
                    seed % 5 == 0 ? .query("SELECT * FROM \"\(table)\"") : .table(schema: nil, name: table)
                let postgres = PostgreSQLSource(connection: connection, relation: relation)
                #expect(try await postgres.rows(declared) == rows, "postgresql rows, \(label)")
                let pushed = try await postgres.execute(plan, strategy: .automatic)
                #expect(pushed.path == .pushdown, "\(label): \(pushed.path)")
                #expect(pushed.partials == reference, "postgresql pushdown, \(label)")
                let piped = try await postgres.execute(plan, strategy: .rowPipeline)
                #expect(piped.partials == reference, "postgresql row pipeline, \(label)")
                try await connection.execute(["DROP TABLE \"\(table)\""])
            } catch {
                Issue.record("\(label): \(error)")
            }
        }
    }

    /// Values at the edges of what each type accepts agree between SQLite, CSV and PostgreSQL,
    /// and the order of text is by code point under a locale collation.
    @Test func edgeValuesAndCollation() async throws {
        let cluster = try TestPostgreSQL.cluster()
        let connection = PG.connection(cluster)
        let compiled = try ContractCompiler.compile(
            source: """
                contract edges version 1 {
                  input t(ward: text, x: int, amount: decimal(2), day: date)
                  local { where ward < "d" }
                  compute by ward in ("caf\u{E9}", "B", "Zebra") { n = count() lo = min(x) hi = max(x) total = sum(amount) sq = variance(amount) first = min(day) last = max(day) }
                  reveal n, lo, hi, total, sq, first, last to all
                }
                """)
        let rows: [[Value]] = [
            [.text("cafe\u{301}"), .int(Int64.max), .decimal(123_450, scale: 2), .date(CivilDate(year: 1, month: 1, day: 1)!)],
            [.text("caf\u{E9}"), .int(Int64.min), .decimal(-1, scale: 2), .date(CivilDate(year: 9999, month: 12, day: 31)!)],
            [.text("B"), .int(0), .decimal(Int64.max, scale: 2), .null],
            [.text("Zebra"), .null, .decimal(Int64.min + 1, scale: 2), .date(CivilDate(year: 2024, month: 2, day: 29)!)],
            [.text("a"), .int(5), .decimal(5, scale: 2), .null],
        ]
        let declared = compiled.contract.input.columns
        let icu = try await Self.hasCollation(connection, "und-x-icu")
        let table = PG.name("edges")
        try await PG.load(connection, table: table, declared: declared, rows: rows, collation: icu ? "und-x-icu" : nil)
        let source = PostgreSQLSource(connection: connection, relation: .table(schema: nil, name: table))
        // NFC: the decomposed ward reads as the composed one.
        var normalized = rows
        normalized[0][0] = .text("caf\u{E9}")
        #expect(try await source.rows(declared) == normalized)
        let reference = try compiled.localPlan.execute(rows: normalized)
        let pushed = try await source.execute(compiled.localPlan, strategy: .automatic)
        #expect(pushed.path == .pushdown)
        #expect(pushed.partials == reference)
        #expect(try await source.execute(compiled.localPlan, strategy: .rowPipeline).partials == reference)
        let oracle = try Oracle.evaluate(compiled.contract, members: [normalized])
        // By code point "Zebra" < "d" (a locale collation puts it after): it stays, in its group.
        #expect(oracle.groups[0].outputs["n"] == .int(2))
        #expect(oracle.groups[2].outputs["n"] == .int(1))
        try await connection.execute(["DROP TABLE \"\(table)\""])
    }

    static func hasCollation(_ connection: PostgreSQLSource.Connection, _ name: String) async throws -> Bool {
        let probe = PostgreSQLSource(connection: connection, relation: .query("SELECT count(*)::bigint AS n FROM pg_collation WHERE collname = '\(name)'"))
        let n = try await probe.rows([ColumnDeclaration.test("n", .int)])
        return n == [[.int(1)]]
    }
}

extension ColumnDeclaration {
    /// A column declaration for tests, parsed from a one-column contract.
    static func test(_ name: String, _ type: ColumnType) -> ColumnDeclaration {
        let source = "contract c version 1 { input t(\(name): \(type)) compute { n = count() } reveal n to all }"
        // The contract is a constant of the test: it always type-checks.
        return try! TypeChecker.check(source: source).input.columns[0]
    }
}
