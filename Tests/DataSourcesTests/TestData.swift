import CircuitCompiler
import ContractLanguage
import DataSources
import Foundation
import GRDB
import _TestSupport

/// A fresh directory under the system temporary directory, removed when released.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("covenant-datasources-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

enum TestData {
    /// Creates a SQLite table and inserts raw stored values (nil is NULL).
    static func sqlite(
        _ path: String, table: String = "t", columns: [(String, String)], rows: [[(any DatabaseValueConvertible)?]]
    ) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            let definition = columns.map { "\"\($0.0)\" \($0.1)" }.joined(separator: ", ")
            try db.execute(sql: "CREATE TABLE \"\(table)\" (\(definition))")
            let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
            let statement = try db.makeStatement(sql: "INSERT INTO \"\(table)\" VALUES (\(marks))")
            for row in rows {
                try statement.execute(arguments: StatementArguments(row.map { $0?.databaseValue ?? .null }))
            }
        }
        try queue.close()
    }

    /// Stores contract rows in SQLite the way a member would: int/bool INTEGER, decimal REAL (or
    /// INTEGER when whole, at random), text and date TEXT. Columns are declared without a type so
    /// that no affinity converts anything.
    static func sqlite(
        _ path: String, table: String = "t", declared: [ColumnDeclaration], rows: [[Value]],
        using rng: inout DeterministicRNG
    ) throws {
        let stored: [[(any DatabaseValueConvertible)?]] = rows.map { row in
            row.map { value -> (any DatabaseValueConvertible)? in
                switch value {
                case .null: return nil
                case .int(let v): return v
                case .decimal(let v, let scale):
                    let factor = Int64(pow10Double(scale))
                    if v % factor == 0 && Bool.random(using: &rng) { return v / factor }
                    return Double(v) / pow10Double(scale)
                case .text(let s): return s
                case .bool(let b): return b ? 1 : 0
                case .date(let d): return d.description
                }
            }
        }
        try sqlite(path, table: table, columns: declared.map { ($0.name.text, "") }, rows: stored)
    }

    /// Writes rows as CSV with a header, quoting every text field.
    static func csv(_ path: String, declared: [ColumnDeclaration], rows: [[Value]]) throws {
        var text = declared.map(\.name.text).joined(separator: ",") + "\r\n"
        for row in rows {
            text += row.map { value -> String in
                switch value {
                case .null: return ""
                case .text(let s): return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                default: return value.description
                }
            }.joined(separator: ",") + "\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    static let examples = [
        "salary_benchmark", "hospital_length_of_stay", "fraud_rates", "spend_regression",
        "loan_defaults_by_age", "energy_usage", "pharmacy_sales", "emergency_waits",
    ]

    static func exampleDirectory(_ name: String) -> URL {
        Vectors.repositoryRoot().appendingPathComponent("examples/contracts/\(name)")
    }

    /// The compiled example and its members' CSV paths.
    static func example(_ name: String) throws -> (CompiledContract, [String]) {
        let directory = exampleDirectory(name)
        let source = try String(contentsOf: directory.appendingPathComponent("contract.cov"), encoding: .utf8)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasPrefix("member-") && $0.hasSuffix(".csv") }.sorted()
        return (try ContractCompiler.compile(source: source), files.map { directory.appendingPathComponent($0).path })
    }

    /// Contracts that exercise what the examples do not: decimal literals finer than the column,
    /// bands with decimal edges, maps without `else`, truncation to month and year, date extrema,
    /// pair partials, grids on decimal(3), three-valued `or` with booleans.
    static let coverageContracts = [
        """
        contract coverage_one version 1 {
          input t(a: int, b: decimal(2), s: text, d: date, f: bool, e: decimal(3))
          local {
            where (a between -50 and 1000 or a is null) and not (s in ("zz", "yy"))
            where b >= 1.005 or f or d < date "2024-06-01"
            generalize d to month
            clip e to [-100, 100]
            generalize s map { "ab" -> "A", "ba" -> "B" }
            generalize a into bands [0, 10.5, 100]
          }
          compute by s, a {
            n   = count()
            cb  = count(b)
            sb  = sum(b)
            vb  = variance(b)
            lo  = min(d)
            hi  = max(d)
            cov = covariance(b, e)
            sl  = slope(e, b)
            h   = histogram(b, [0, 0.5, 10.25, 1000])
            q   = quantile(e, 0.5, 7)
          }
          reveal n, cb, sb, vb, lo, hi, cov, sl, h, q to all
        }
        """,
        """
        contract coverage_two version 1 {
          input t(a: int, b: decimal(2), s: text, d: date, f: bool)
          local {
            where a != 3 and b != 2.5 and s != "x" and f = true or a > 10.75
            where not (b not between 0.5 and 500)
            generalize d to year
            generalize s to prefix 1
            clip b to [0, 250.5]
          }
          compute by f, d in (date "2023-01-01", date "2024-01-01", date "2025-01-01") {
            n   = count()
            m   = mean(b)
            top = max(b)
            p   = median(b, 10)
            sa  = sum(a)
            r   = correlation(a, b)
          }
          reveal n, m, top, p, sa, r to all
        }
        """,
    ]

    /// Random rows shaped like `base`: cells drawn from other rows (so domains and filters are
    /// hit), perturbed, nulled, or replaced by extreme values.
    static func randomRows(
        like base: [[Value]], declared: [ColumnDeclaration], count: Int, using rng: inout DeterministicRNG
    ) -> [[Value]] {
        (0..<count).map { _ in
            declared.enumerated().map { index, column -> Value in
                let roll = Int.random(in: 0..<10, using: &rng)
                let borrowed = base.isEmpty ? Value.null : base[Int.random(in: 0..<base.count, using: &rng)][index]
                switch (roll, column.type) {
                case (0, _): return .null
                case (1, .int): return .int(Int64.random(in: -1_000_000_000_000...1_000_000_000_000, using: &rng))
                case (1, .decimal(let scale)):
                    return .decimal(Int64.random(in: -4_000_000_000_000_000...4_000_000_000_000_000, using: &rng) / Int64(pow10Double(max(0, 3 - scale))), scale: scale)
                case (1, .text):
                    let alphabet = Array("abxyzé€ 𝄞\"',")
                    return .text(String((0..<Int.random(in: 0...5, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }))
                case (1, .bool): return .bool(Bool.random(using: &rng))
                case (1, .date):
                    return .date(CivilDate(daysSinceEpoch: Int32.random(in: -30_000...60_000, using: &rng)))
                case (2, .int), (3, .int):
                    if case .int(let v) = borrowed { return .int(v + Int64.random(in: -20...20, using: &rng)) }
                    return .int(Int64.random(in: -100...1000, using: &rng))
                case (2, .decimal(let scale)), (3, .decimal(let scale)):
                    if case .decimal(let v, _) = borrowed { return .decimal(v + Int64.random(in: -2000...2000, using: &rng), scale: scale) }
                    return .decimal(Int64.random(in: -10_000...100_000, using: &rng), scale: scale)
                case (2, .date):
                    if case .date(let d) = borrowed { return .date(CivilDate(daysSinceEpoch: d.daysSinceEpoch + Int32.random(in: -200...200, using: &rng))) }
                    return .date(CivilDate(daysSinceEpoch: Int32.random(in: 19_000...20_500, using: &rng)))
                default:
                    if borrowed == .null, case .text = column.type { return .text(["ab", "ba", "x", "AB1", "CD2 3"].randomElement(using: &rng)!) }
                    return borrowed
                }
            }
        }
    }
}
