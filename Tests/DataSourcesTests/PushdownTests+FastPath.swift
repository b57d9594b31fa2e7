import CircuitCompiler
import ContractLanguage
import DataSources
import Foundation
import GRDB
import Testing

/// The SQLite pushdown's C functions (`covenant_check` validating in the same scan,
/// `covenant_decimal`, `covenant_partials` adding in `Int128`, `covenant_nfc`) give what the row
/// pipeline gives, beyond 64 bits too, and stop with the same errors.
extension PushdownTests {
    static let sums = try! ContractCompiler.compile(
        source: """
            contract sums version 1 {
              input t(x: int, y: decimal(2))
              compute { n = count() s = sum(x) v = variance(x) c = covariance(x, y) t = sum(y) lo = min(y) hi = max(x) h = histogram(y, [-10, 0, 10, 1000]) }
              reveal n, s, v, c, t, lo, hi, h to all
            }
            """)

    /// Runs the plan both ways over raw stored values and expects the pushdown to agree with the
    /// row pipeline and `LocalPlan.execute(rows:)`.
    func expectPushdownAgrees(
        _ compiled: CompiledContract, columns: [(String, String)], rows: [[(any DatabaseValueConvertible)?]],
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("fast.sqlite")
        try TestData.sqlite(path, table: "t", columns: columns, rows: rows)
        let source = SQLiteSource(path: path, relation: .table("t"))
        let pushed = try source.execute(compiled.localPlan, strategy: .automatic, deadline: nil)
        let piped = try source.execute(compiled.localPlan, strategy: .rowPipeline, deadline: nil)
        let reference = try compiled.localPlan.execute(rows: source.rows(compiled.contract.input.columns))
        #expect(pushed.path == .pushdown, sourceLocation: sourceLocation)
        #expect(pushed.partials == reference, sourceLocation: sourceLocation)
        #expect(piped.partials == reference, sourceLocation: sourceLocation)
    }

    /// A sum beyond 64 bits (3·2^62), which a SQL SUM could not hold, is exact.
    @Test func sumBeyond64BitsIsExact() throws {
        try expectPushdownAgrees(
            Self.sums, columns: [("x", "INTEGER"), ("y", "")],
            rows: [[Int64(1) << 62, 1.5], [Int64(1) << 62, nil], [1, "2.25"], [nil, 3], [Int64(1) << 62, -0.01]])
    }

    /// Squares beyond 64 bits (|x| ≥ 3.04·10^9), which SQLite's own arithmetic would turn REAL,
    /// are exact.
    @Test func squaresBeyond64BitsAreExact() throws {
        try expectPushdownAgrees(
            Self.sums, columns: [("x", "INTEGER"), ("y", "")],
            rows: [[1_000_000_000_000_000, 2.5], [-999_999_999_999_999, "-7.10"], [3, nil], [nil, nil]])
    }

    /// Decimals stored as text (parsed by `covenant_decimal`), integers, reals and NULLs in one
    /// column, and negative values.
    @Test func mixedStorageAndNulls() throws {
        var rows: [[(any DatabaseValueConvertible)?]] = []
        for k in 0..<200 {
            let y: (any DatabaseValueConvertible)?
            switch k % 5 {
            case 0: y = nil
            case 1: y = "\(k - 100).\(k % 10)5"
            case 2: y = Int64(k - 150)
            case 3: y = Double(k * 37 - 4000) / 100
            default: y = "-0.0\(k % 10)"
            }
            rows.append([k % 7 == 0 ? nil : Int64(k * k * 1_000_003 - 20_000_000), y])
        }
        try expectPushdownAgrees(Self.sums, columns: [("x", "INTEGER"), ("y", "")], rows: rows)
    }

    /// Validation runs in the pushed-down scan, before the filters: a bad cell in a row that a
    /// `where` drops is still reported, with its row and column, as the validation scan reports it.
    @Test func badCellInAFilteredRowIsReported() throws {
        let compiled = try ContractCompiler.compile(
            source: """
                contract filtered version 1 {
                  input t(age: int, salary: decimal(2))
                  local { where age >= 18 }
                  compute { n = count() s = sum(salary) }
                  reveal n, s to all
                }
                """)
        let directory = try TemporaryDirectory()
        let path = directory.file("bad.sqlite")
        try TestData.sqlite(path, table: "t", columns: [("age", "INTEGER"), ("salary", "")], rows: [[30, 1.5], [10, "12,50"], [40, 2]])
        let source = SQLiteSource(path: path, relation: .table("t"))
        for strategy in [ExecutionStrategy.automatic, .rowPipeline] {
            let error = #expect(throws: DataSourceError.self) {
                _ = try source.execute(compiled.localPlan, strategy: strategy, deadline: nil)
            }
            #expect(error?.code == .unparsableValue)
            #expect(error?.location == .init(file: path, table: "t", row: 2, column: "salary"))
        }
    }

    /// A partial beyond 128 bits (three squares of 2^63 − 1) is `overflow` both ways, never a wrapped
    /// or rounded result.
    @Test func partialBeyond128BitsIsOverflow() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("huge.sqlite")
        try TestData.sqlite(path, table: "t", columns: [("x", "INTEGER"), ("y", "")], rows: [[Int64.max, 1], [Int64.max, 2], [Int64.max, 3]])
        let source = SQLiteSource(path: path, relation: .table("t"))
        for strategy in [ExecutionStrategy.automatic, .rowPipeline] {
            let error = #expect(throws: DataSourceError.self) {
                _ = try source.execute(Self.sums.localPlan, strategy: strategy, deadline: nil)
            }
            #expect(error?.code == .overflow, "\(strategy)")
        }
    }

    /// `count(column)` of a text column (before and after a generalisation into bands) counts
    /// its non-null values: only integers reach `covenant_partials`.
    @Test func countOfATextColumn() throws {
        let compiled = try ContractCompiler.compile(
            source: """
                contract texts version 1 {
                  input t(ward: text, age: int, x: int)
                  local { generalize age into bands [18, 65] }
                  compute { n = count(ward) a = count(age) s = sum(x) }
                  reveal n, a, s to all
                }
                """)
        try expectPushdownAgrees(
            compiled, columns: [("ward", "TEXT"), ("age", "INTEGER"), ("x", "INTEGER")],
            rows: [["icu", 30, 1], [nil, 70, 2], ["", nil, 4], ["caf\u{E9}", 10, nil]])
    }

    /// `covenant_nfc` in C: ASCII passes through, decomposed text is composed, empty text stays
    /// empty text (not NULL).
    @Test func canonicalTextInC() throws {
        let compiled = try ContractCompiler.compile(
            source: """
                contract wards version 1 {
                  input t(ward: text, x: int)
                  compute by ward in ("caf\u{E9}", "icu", "a") { n = count() s = sum(x) }
                  reveal n, s to all
                }
                """)
        try expectPushdownAgrees(
            compiled, columns: [("ward", "TEXT"), ("x", "INTEGER")],
            rows: [["cafe\u{301}", 1], ["caf\u{E9}", 2], ["icu", 4], ["", 8], [nil, 16], ["a", 32], ["\u{E9}", 64]])
    }
}
