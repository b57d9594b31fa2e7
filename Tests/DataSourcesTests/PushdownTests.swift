import Circuit
import CircuitCompiler
import ContractLanguage
import DataSources
import Foundation
import PropertyBased
import Testing
import _TestSupport

/// The pushed-down SQL query, the Swift row pipeline over SQLite, the streamed CSV path and
/// `LocalPlan.execute(rows:)` give identical partials; summed across members they give the oracle.
struct PushdownTests {
    /// For each example: each member's CSV loaded into SQLite gives, by pushdown and by the row
    /// pipeline, the CSV path's partials; combined by the circuit, the oracle's result.
    @Test(arguments: TestData.examples)
    func exampleMembersAgreeWithOracle(_ name: String) throws {
        let (compiled, files) = try TestData.example(name)
        let plan = compiled.localPlan
        let declared = compiled.contract.input.columns
        let directory = try TemporaryDirectory()
        var rng = DeterministicRNG(seed: 0xDA7A)
        var members: [[[Value]]] = []
        var vectors: [[Int128]] = []
        for (index, file) in files.enumerated() {
            let csv = CSVSource(path: file)
            let rows = try csv.rows(declared)
            #expect(rows == (try CSVTable.rows(String(contentsOfFile: file, encoding: .utf8), input: compiled.contract.input)))
            let reference = try plan.execute(rows: rows)
            let streamed = try csv.execute(plan, strategy: .automatic, deadline: nil)
            #expect(streamed.partials == reference)

            let database = directory.file("member-\(index).sqlite")
            try TestData.sqlite(database, table: "rows", declared: declared, rows: rows, using: &rng)
            let sqlite = SQLiteSource(path: database, relation: .table("rows"))
            #expect(try sqlite.rows(declared) == rows)
            let pushed = try sqlite.execute(plan, strategy: .automatic, deadline: nil)
            #expect(pushed.path == .pushdown, "\(name): \(pushed.path)")
            #expect(pushed.partials == reference, "\(name) member \(index)")
            let piped = try sqlite.execute(plan, strategy: .rowPipeline, deadline: nil)
            #expect(piped.partials == reference)
            members.append(rows)
            vectors.append(pushed.partials)
        }
        let joint = ContractResult(revelations: try compiled.circuit.evaluate(memberInputs: vectors), contract: compiled.contract)
        let oracle = try Oracle.evaluate(compiled.contract, members: members)
        #expect(joint.differences(from: oracle).isEmpty, "\(joint.differences(from: oracle))")
    }

    static var contracts: [String] {
        get throws {
            try TestData.examples.map { name in
                try String(contentsOf: TestData.exampleDirectory(name).appendingPathComponent("contract.cov"), encoding: .utf8)
            } + TestData.coverageContracts
        }
    }

    @Test func coverageContractsCompileAndPushDown() throws {
        for source in TestData.coverageContracts {
            let compiled = try ContractCompiler.compile(source: source)
            #expect(compiled.contract.warnings.isEmpty, "\(compiled.contract.warnings)")
        }
    }

    /// Property: over random rows (nulls, extremes, perturbed example values), the pushdown equals
    /// the row pipeline equals `LocalPlan.execute(rows:)`, for every example and coverage contract.
    @Test func pushdownEqualsRowPipelineOnRandomRows() async throws {
        let sources = try Self.contracts
        let bases: [[[Value]]] = try sources.map { source in
            let compiled = try ContractCompiler.compile(source: source)
            guard let name = TestData.examples.first(where: { source.contains("contract \($0) ") }) else { return [] }
            let (_, files) = try TestData.example(name)
            return try files.flatMap { try CSVSource(path: $0).rows(compiled.contract.input.columns) }
        }
        let compiledContracts = try sources.map { try ContractCompiler.compile(source: $0) }
        await propertyCheck(count: 100, input: Gen.uint64()) { seed in
            var rng = DeterministicRNG(seed: seed)
            let which = Int(seed % UInt64(compiledContracts.count))
            let compiled = compiledContracts[which]
            let declared = compiled.contract.input.columns
            let rows = TestData.randomRows(
                like: bases[which], declared: declared, count: Int.random(in: 0...300, using: &rng), using: &rng)
            do {
                let directory = try TemporaryDirectory()
                let path = directory.file("random.sqlite")
                try TestData.sqlite(path, declared: declared, rows: rows, using: &rng)
                let source = SQLiteSource(path: path, relation: .table("t"))
                let reference = try compiled.localPlan.execute(rows: rows)
                let pushed = try source.execute(compiled.localPlan, strategy: .automatic, deadline: nil)
                let piped = try source.execute(compiled.localPlan, strategy: .rowPipeline, deadline: nil)
                #expect(pushed.path == .pushdown, "\(compiled.contract.syntax.name.text): \(pushed.path)")
                #expect(pushed.partials == reference, "\(compiled.contract.syntax.name.text) seed \(seed)")
                #expect(piped.partials == reference, "\(compiled.contract.syntax.name.text) seed \(seed)")
                let csvPath = directory.file("random.csv")
                try TestData.csv(csvPath, declared: declared, rows: rows)
                // CSV cannot tell empty text from null (spec §11), so compare with CSVTable's reading.
                let reread = try CSVTable.rows(String(contentsOfFile: csvPath, encoding: .utf8), input: compiled.contract.input)
                #expect(try CSVSource(path: csvPath).rows(declared) == reread)
                #expect(try CSVSource(path: csvPath).execute(compiled.localPlan, strategy: .automatic, deadline: nil).partials == compiled.localPlan.execute(rows: reread))
            } catch {
                Issue.record("\(compiled.contract.syntax.name.text) seed \(seed): \(error)")
            }
        }
    }

    /// A plan the translator declines falls back to the row pipeline and says why.
    @Test func untranslatableComparisonFallsBack() throws {
        let compiled = try ContractCompiler.compile(
            source: """
                contract fallback version 1 {
                  input t(a: int, b: decimal(2))
                  local { where a < b }
                  compute { n = count() s = sum(b) }
                  reveal n, s to all
                }
                """)
        let directory = try TemporaryDirectory()
        let path = directory.file("f.sqlite")
        try TestData.sqlite(path, table: "t", columns: [("a", ""), ("b", "")], rows: [[1, 1.5], [2, 1.25], [nil, 3.0], [1, 1.0]])
        let execution = try SQLiteSource(path: path, relation: .table("t")).execute(compiled.localPlan, strategy: .automatic, deadline: nil)
        #expect(execution.path == .rowPipeline(reason: "a comparison of columns with different scales"))
        #expect(execution.partials == [1, 150])
    }

    /// A query whose values change storage class between validation and the pushed-down
    /// aggregate (here through `random()`) ends in a thrown `wrongType`: never a trap in a typed
    /// read of a REAL aggregate beyond 64 bits, nor a REAL silently truncated to an integer.
    @Test func aggregateOfAnotherStorageClassThrows() throws {
        let compiled = try ContractCompiler.compile(
            source: """
                contract flip version 1 {
                  input t(x: int)
                  compute { lo = min(x) hi = max(x) }
                  reveal lo, hi to all
                }
                """)
        let directory = try TemporaryDirectory()
        let path = directory.file("flip.sqlite")
        try TestData.sqlite(path, table: "t", columns: [("x", "INTEGER")], rows: [[Int64.max]])
        let source = SQLiteSource(
            path: path, relation: .query("SELECT CASE WHEN random() & 1 = 0 THEN x ELSE x * 2.0 END AS x FROM t"))
        // Each attempt passes validation and then reads a REAL aggregate with probability 1/4.
        var codes = Set<DataSourceError.Code>()
        var succeeded = 0
        for _ in 0..<64 {
            do {
                _ = try source.execute(compiled.localPlan, strategy: .automatic, deadline: nil)
                succeeded += 1
            } catch let error as DataSourceError {
                codes.insert(error.code)
            }
        }
        #expect(codes.isSubset(of: [.wrongType]))
        #expect(succeeded < 64)
    }

    /// Sums of squares far beyond 64 bits stay exact (`covenant_partials` adds in Int128).
    @Test func sumsOfSquaresAreExactBeyond64Bits() throws {
        let compiled = try ContractCompiler.compile(
            source: """
                contract big version 1 {
                  input t(x: int, y: decimal(4))
                  compute { v = variance(x) c = covariance(x, y) s = sum(y) lo = min(x) hi = max(y) }
                  reveal v, c, s, lo, hi to all
                }
                """)
        // Each x² is up to 2^123, far beyond 64 bits; the 24-row sums still fit Int128.
        let values: [Int64] = [1 << 60, -(1 << 60), -1, 0, 1, 1 << 48, -(1 << 48) - 1, 3_000_000_000_000_000_000]
        var rows: [[Value]] = []
        for x in values { for y in [Int64(-999_999_999_999_999), 0, 123_456_789_012_345] { rows.append([.int(x), .decimal(y, scale: 4)]) } }
        let directory = try TemporaryDirectory()
        let path = directory.file("big.sqlite")
        try TestData.sqlite(path, table: "t", columns: [("x", "INTEGER"), ("y", "")],
                            rows: rows.map { row in
                                guard case .int(let x) = row[0], case .decimal(let y, _) = row[1] else { return [] }
                                return [x, Double(y) / 10_000]
                            })
        let source = SQLiteSource(path: path, relation: .table("t"))
        let pushed = try source.execute(compiled.localPlan, strategy: .automatic, deadline: nil)
        #expect(pushed.path == .pushdown)
        #expect(pushed.partials == (try compiled.localPlan.execute(rows: rows)))
    }

    /// The two data paths accept the same values (issue: CSV refused Int64.min, Int64.max and
    /// 10^18; SQLite refused a decimal kept as text; a decomposed ward matched no group).
    @Test func csvAndSQLiteAcceptTheSameValues() throws {
        let compiled = try ContractCompiler.compile(
            source: """
                contract same version 1 {
                  input t(ward: text, x: int, amount: decimal(2))
                  compute by ward in ("caf\u{E9}", "icu") { n = count() lo = min(x) hi = max(x) total = sum(amount) }
                  reveal n, lo, hi, total to all
                }
                """)
        let decomposed = "cafe\u{301}"
        #expect(Array(decomposed.utf8) != Array("caf\u{E9}".utf8))
        let directory = try TemporaryDirectory()
        let csvPath = directory.file("same.csv")
        try """
            ward,x,amount
            \(decomposed),9223372036854775807,1234.50
            \(decomposed),-9223372036854775808,-0.01
            icu,1000000000000000000,92233720368547758.07
            icu,-1000000000000000000,0
            """.write(toFile: csvPath, atomically: true, encoding: .utf8)
        let sqlitePath = directory.file("same.sqlite")
        try TestData.sqlite(
            sqlitePath, table: "t", columns: [("ward", "TEXT"), ("x", "INTEGER"), ("amount", "")],
            rows: [
                [decomposed, Int64.max, "1234.50"], [decomposed, Int64.min, "-0.01"],
                ["icu", 1_000_000_000_000_000_000 as Int64, "92233720368547758.07"], ["icu", -1_000_000_000_000_000_000 as Int64, 0],
            ])
        let csv = try CSVSource(path: csvPath).execute(compiled.localPlan, strategy: .automatic, deadline: nil)
        let sqlite = SQLiteSource(path: sqlitePath, relation: .table("t"))
        let pushed = try sqlite.execute(compiled.localPlan, strategy: .automatic, deadline: nil)
        let piped = try sqlite.execute(compiled.localPlan, strategy: .rowPipeline, deadline: nil)
        #expect(pushed.path == .pushdown)
        #expect(csv.partials == pushed.partials)
        #expect(piped.partials == pushed.partials)
        // Both rows of the decomposed ward count in the composed group, and the extremes are exact.
        let rows = try CSVSource(path: csvPath).rows(compiled.contract.input.columns)
        #expect(csv.partials == (try compiled.localPlan.execute(rows: rows)))
        let oracle = try Oracle.evaluate(compiled.contract, members: [rows])
        #expect(oracle.groups[0].outputs["n"] == .int(2))
        #expect(oracle.groups[0].outputs["lo"] == .int(Int128(Int64.min)))
        #expect(oracle.groups[0].outputs["hi"] == .int(Int128(Int64.max)))
        #expect(oracle.groups[1].outputs["total"] == .decimal(Int128(Int64.max), scale: 2))
    }
}
