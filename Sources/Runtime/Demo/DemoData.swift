import ContractLanguage
import DataSources
import Foundation
import GRDB

/// Realistic synthetic hospital admissions for `covenant demo`: one SQLite file per member, with a
/// table `admissions(ward, admitted_on, age, stay_days, cost, readmitted)`. Seeded, so a given
/// seed reproduces the files. The data is synthetic; no real patient is described.
public enum DemoData {
    /// The demo's contract: linear statistics (counts, sums, a histogram, a constant multiple)
    /// per ward, one output revealed to the role "regulator" only, `protocol auto`.
    public static let contractSource = """
        -- Hospital activity across a consortium of hospitals: admissions, bed-days, stays, costs and
        -- an age mix per ward. Means, the spread of stays and the readmission rate are computed from
        -- the per-ward sums, which the members agree to open ('disclose sums'), so the contract runs
        -- under additive, secagg or paillier. Wards with fewer than 50 admissions are suppressed.
        -- Readmissions are revealed to the regulator only.
        contract hospital_activity version 1 {
          input admissions(ward: text, admitted_on: date, age: int, stay_days: int, cost: decimal(2), readmitted: int)

          local {
            where admitted_on >= date "2024-01-01" and age >= 0
            clip stay_days to [0, 365]
            clip cost to [0, 250000]
            clip readmitted to [0, 1]
          }

          compute by ward in ("cardiology", "emergency", "oncology", "pediatrics", "transplant") {
            admissions   = count()
            bed_days     = sum(stay_days)
            mean_stay    = mean(stay_days)
            sd_stay      = stddev(stay_days)
            total_cost   = sum(cost)
            mean_cost    = mean(cost)
            readmissions = sum(readmitted)
            readmit_rate = readmissions / admissions
            age_mix      = histogram(age, [0, 18, 40, 65, 120])
            bed_hours    = bed_days * 24
          }

          reveal admissions, bed_days, bed_hours, mean_stay, sd_stay, total_cost, mean_cost, age_mix to all
          reveal readmissions, readmit_rate to role "regulator"
          require participants >= 2
          require admissions >= 50 per group
          disclose sums
          protocol auto
        }

        """

    /// The input table's name in the contract.
    public static let table = "admissions"

    /// Member names for `count` hospitals.
    /// - Parameter count: The number of members.
    /// - Returns: Distinct valid member names.
    public static func memberNames(_ count: Int) -> [String] {
        let base = ["st-marys", "northgate", "riverside", "lakeview", "hillcrest", "westbrook", "kingsbridge", "meadowvale"]
        return (0..<count).map { $0 < base.count ? base[$0] : "hospital-\($0 + 1)" }
    }

    /// Writes the demo's table of the `index`-th hospital (its own seed and scale), the same for
    /// the one-process demo and `demo --nodes`.
    /// - Parameters:
    ///   - path: The database file (replaced if it exists).
    ///   - rows: The number of rows.
    ///   - seed: The demo's data seed.
    ///   - index: The hospital's position among the members.
    /// - Throws: ``RuntimeError`` `fileFailure`.
    public static func writeHospital(path: String, rows: Int, seed: UInt64, index: Int) throws {
        try writeHospital(path: path, rows: rows, seed: seed &+ UInt64(index) &* 7919, size: 0.8 + 0.5 * Double(index % 5) / 4)
    }

    /// Writes `rows` admissions for one hospital into a new SQLite file.
    /// - Parameters:
    ///   - path: The database file (replaced if it exists).
    ///   - rows: The number of rows.
    ///   - seed: The generator seed.
    ///   - size: A per-hospital scale factor for costs and stays (0.8…1.3 is realistic).
    /// - Throws: ``RuntimeError`` `fileFailure`.
    public static func writeHospital(path: String, rows: Int, seed: UInt64, size: Double = 1) throws {
        try? FileManager.default.removeItem(atPath: path)
        var random = SplitMix64(seed: seed)
        do {
            let queue = try DatabaseQueue(path: path)
            try queue.write { db in
                try db.execute(sql: """
                    CREATE TABLE admissions (
                      id INTEGER PRIMARY KEY, ward TEXT, admitted_on TEXT, age INTEGER,
                      stay_days INTEGER, cost REAL, readmitted INTEGER)
                    """)
                let statement = try db.makeStatement(sql: "INSERT INTO admissions (ward, admitted_on, age, stay_days, cost, readmitted) VALUES (?, ?, ?, ?, ?, ?)")
                // Transplants are rare: with the demo's defaults the ward stays below the contract's
                // suppression threshold.
                let wards = ["cardiology", "emergency", "oncology", "pediatrics", "transplant"]
                let wardWeights = [0.22, 0.45, 0.18, 0.15, 0.004]
                let dailyCost = ["cardiology": 2400.0, "emergency": 1500.0, "oncology": 3100.0, "pediatrics": 1700.0, "transplant": 5200.0]
                for _ in 0..<rows {
                    let ward = wards[random.pick(weights: wardWeights)]
                    let age: Int
                    switch ward {
                    case "pediatrics": age = Int(random.uniform(0, 18))
                    case "oncology": age = Int(min(99, max(18, random.normal(mean: 62, sd: 13))))
                    case "cardiology": age = Int(min(99, max(18, random.normal(mean: 67, sd: 12))))
                    default: age = Int(min(99, max(0, random.normal(mean: 44, sd: 21))))
                    }
                    let stay = max(0, Int((random.exponential(mean: ward == "emergency" ? 1.6 : 5.5) * size).rounded()))
                    // 2% of rows are from the previous year (filtered by the contract); 1% lack a cost.
                    let day = Int(random.uniform(0, 366))
                    let year2023 = random.uniform(0, 1) < 0.02
                    let date = isoDate(year: year2023 ? 2023 : 2024, dayOfYear: day % 365)
                    let cost: Double? = random.uniform(0, 1) < 0.01 ? nil
                        : (max(0, (Double(stay) + 0.5) * dailyCost[ward]! * size * random.uniform(0.8, 1.25)) * 100).rounded() / 100
                    let readmitted = random.uniform(0, 1) < (ward == "cardiology" ? 0.14 : 0.08) ? 1 : 0
                    try statement.execute(arguments: [ward, date, age, stay, cost, readmitted])
                }
            }
        } catch {
            throw RuntimeError(.fileFailure, "cannot write the demo database \(path)", cause: error)
        }
    }

    /// The PostgreSQL schema holding a member's demo table: `covenant_demo_` and the member's
    /// name with every character other than a–z and 0–9 made `_`.
    /// - Parameter member: The hospital.
    /// - Returns: The schema name.
    public static func postgreSQLSchema(_ member: String) -> String {
        "covenant_demo_" + String(member.lowercased().map { ("a"..."z").contains($0) || ("0"..."9").contains($0) ? $0 : "_" })
    }

    /// Copies a hospital's SQLite table into a PostgreSQL schema (dropped and created anew):
    /// `admissions(id bigint, ward text, admitted_on date, age integer, stay_days integer,
    /// cost numeric(12,2), readmitted integer)`.
    /// - Parameters:
    ///   - sqlite: The hospital's SQLite file (from ``writeHospital(path:rows:seed:size:)``).
    ///   - server: The server.
    ///   - schema: The schema (from ``postgreSQLSchema(_:)``).
    /// - Throws: ``RuntimeError`` `inputRejected` when the server cannot be written.
    static func copyToPostgreSQL(sqlite: String, server: PostgreSQLSource.Connection, schema: String) async throws {
        let columns: [(name: String, type: String)] = [
            ("id", "bigint"), ("ward", "text"), ("admitted_on", "date"), ("age", "integer"), ("stay_days", "integer"),
            ("cost", "numeric(12,2)"), ("readmitted", "integer"),
        ]
        let rows: [[String?]]
        do {
            rows = try await DatabaseQueue(path: sqlite).read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT id, ward, admitted_on, age, stay_days,
                               CASE WHEN cost IS NULL THEN NULL ELSE printf('%.2f', cost) END, readmitted
                        FROM admissions ORDER BY id
                        """
                ).map { row in
                    (0..<7).map { index -> String? in
                        switch (row[index] as DatabaseValue).storage {
                        case .int64(let value): return String(value)
                        case .string(let text): return text
                        case .double(let value): return String(value)
                        case .null, .blob: return nil
                        }
                    }
                }
            }
        } catch {
            throw RuntimeError(.fileFailure, "cannot read the demo database \(sqlite)", cause: error)
        }
        let quoted = "\"\(schema)\""
        do {
            try await server.execute([
                "DROP SCHEMA IF EXISTS \(quoted) CASCADE", "CREATE SCHEMA \(quoted)",
                "CREATE TABLE \(quoted).\"\(table)\" (" + columns.map { "\"\($0.name)\" \($0.type)" }.joined(separator: ", ") + ")",
            ])
            try await server.insert(into: "\(quoted).\"\(table)\"", columns: columns, rows: rows)
        } catch {
            throw RuntimeError(.inputRejected, "cannot write the demo tables into \(server.description): \(error)", cause: error)
        }
    }

    static func isoDate(year: Int, dayOfYear: Int) -> String {
        let lengths = [31, year % 4 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        var day = dayOfYear
        var month = 0
        while day >= lengths[month] {
            day -= lengths[month]
            month += 1
        }
        let m = month + 1, d = day + 1
        return "\(year)-\(m < 10 ? "0" : "")\(m)-\(d < 10 ? "0" : "")\(d)"
    }
}

/// SplitMix64: a small seeded generator for synthetic data (never for secrets).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * Double(next() >> 11) / Double(1 << 53)
    }

    mutating func normal(mean: Double, sd: Double) -> Double {
        let u = max(uniform(0, 1), 1e-12), v = uniform(0, 1)
        return mean + sd * (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }

    mutating func exponential(mean: Double) -> Double { -mean * log(max(uniform(0, 1), 1e-12)) }

    mutating func pick(weights: [Double]) -> Int {
        var x = uniform(0, weights.reduce(0, +))
        for (index, weight) in weights.enumerated() {
            if x < weight { return index }
            x -= weight
        }
        return weights.count - 1
    }
}
