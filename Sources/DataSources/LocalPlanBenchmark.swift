import CircuitCompiler
import ContractLanguage
import Foundation
import GRDB

/// Rows per second of a local plan over a generated SQLite table, by pushdown and by the row
/// pipeline (`covenant bench`-style entry point; figures in benchmarks/results/datasources-*.json).
/// Wall-clock figures for local runs only: nothing asserts on them.
public enum LocalPlanBenchmark {
    /// One measured figure.
    public struct Figure: Codable, Sendable {
        /// `datasources.<path>.<contract>.<rows>`.
        public var name: String
        /// Input rows per second (validation included: it is part of every run).
        public var rowsPerSecond: Double
        /// Best wall-clock seconds over the repetitions.
        public var seconds: Double
        /// How the plan ran (`pushdown` or `rowPipeline`).
        public var path: String
        /// The process's CPU seconds (user + system) in the run of `seconds`: on a shared
        /// machine, the figure that other processes' load disturbs least.
        public var cpuSeconds: Double?
    }

    /// The process's user + system CPU time so far, in seconds.
    static func processCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// The benchmarked contract: salary_benchmark's shape (filters, clipping, three groups,
    /// count / mean / stddev / max / 100-bucket median).
    public static let contract = """
        contract salary_bench version 1 {
          input employees(dept: text, age: int, salary: decimal(2))
          local {
            where salary > 0 and age >= 18
            where dept is not null
            clip salary to [0, 300000]
          }
          compute by dept in ("eng", "ops", "sales") {
            n = count()
            avg = mean(salary)
            sd = stddev(salary)
            top = max(salary)
            p50 = median(salary)
          }
          reveal n, avg, sd, top, p50 to all
        }
        """

    /// Generates `rows` rows into a SQLite file in `directory`, then times both paths.
    /// - Parameters:
    ///   - rows: table size.
    ///   - directory: where the database is written (and left).
    ///   - repetitions: runs per path; the best is reported.
    ///   - progress: called with a line per step.
    /// - Returns: the figures, pushdown first.
    /// - Throws: `DataSourceError` or a GRDB error while generating.
    public static func run(
        rows: Int, directory: String, repetitions: Int = 3, progress: (String) -> Void = { _ in }
    ) throws -> [Figure] {
        let path = try generateSQLite(rows: rows, directory: directory, progress: progress)
        return try runSQLite(path: path, rows: rows, repetitions: repetitions, progress: progress)
    }

    /// Generates the benchmark's `employees(dept TEXT, age INTEGER, salary REAL)` table with
    /// `rows` seeded rows into `directory/datasources-bench-ROWS.sqlite` (replaced if present).
    /// - Parameters:
    ///   - rows: table size.
    ///   - directory: where the database is written (and left).
    ///   - progress: called with a line per step.
    /// - Returns: the database's path.
    /// - Throws: a GRDB error.
    public static func generateSQLite(rows: Int, directory: String, progress: (String) -> Void = { _ in }) throws -> String {
        let path = directory + "/datasources-bench-\(rows).sqlite"
        try? FileManager.default.removeItem(atPath: path)
        progress("generating \(rows) rows into \(path)")
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE employees (dept TEXT, age INTEGER, salary REAL)")
            let statement = try db.makeStatement(sql: "INSERT INTO employees VALUES (?, ?, ?)")
            try forEachGeneratedRow(rows) { dept, age, cents in
                try statement.execute(arguments: [dept, age, Double(cents) / 100])
            }
        }
        try queue.close()
        return path
    }

    /// The benchmark's seeded rows (dept or nil, age, salary in cents), as `generateSQLite` and
    /// `generateCSV` write them.
    static func forEachGeneratedRow(_ rows: Int, _ body: (String?, Int64, Int64) throws -> Void) rethrows {
        var state: UInt64 = 0xC0FFEE
        func next() -> UInt64 {  // SplitMix64: reproducible inputs, not secrets
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let departments = ["eng", "ops", "sales", "legal", nil]
        for _ in 0..<rows {
            let dept = departments[Int(next() % 5)]
            let age = Int64(16 + next() % 50)
            let cents = Int64(next() % 40_000_000)
            try body(dept, age, cents)
        }
    }

    /// Writes the benchmark's rows as `directory/datasources-bench-ROWS.csv` (header
    /// `dept,age,salary`, an empty field for a null dept, salaries with two decimals), replaced if
    /// present: the same rows as `generateSQLite`.
    /// - Parameters:
    ///   - rows: row count.
    ///   - directory: where the file is written (and left).
    /// - Returns: the file's path.
    /// - Throws: a file error.
    public static func generateCSV(rows: Int, directory: String) throws -> String {
        let path = directory + "/datasources-bench-\(rows).csv"
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw DataSourceError(.unreadableFile, "cannot create the benchmark's CSV file", at: .init(file: path))
        }
        defer { try? handle.close() }
        var buffer: [UInt8] = Array("dept,age,salary\n".utf8)
        func digits(_ value: Int64, width: Int = 1) {
            var text = Array(String(value).utf8)
            while text.count < width { text.insert(UInt8(ascii: "0"), at: 0) }
            buffer.append(contentsOf: text)
        }
        try forEachGeneratedRow(rows) { dept, age, cents in
            if let dept { buffer.append(contentsOf: dept.utf8) }
            buffer.append(UInt8(ascii: ","))
            digits(age)
            buffer.append(UInt8(ascii: ","))
            digits(cents / 100)
            buffer.append(UInt8(ascii: "."))
            digits(cents % 100, width: 2)
            buffer.append(UInt8(ascii: "\n"))
            if buffer.count >= 1 << 20 {
                try handle.write(contentsOf: buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try handle.write(contentsOf: buffer)
        return path
    }

    /// Times the plan over a CSV file `generateCSV` wrote (best of `repetitions`).
    /// - Parameters:
    ///   - path: the file.
    ///   - rows: its row count, for the figure.
    ///   - repetitions: runs.
    /// - Returns: the figure.
    /// - Throws: `DataSourceError`.
    public static func runCSV(path: String, rows: Int, repetitions: Int = 3) throws -> Figure {
        let compiled = try ContractCompiler.compile(source: contract)
        let source = CSVSource(path: path)
        var best = Double.infinity
        var bestCPU = 0.0
        var reference: [Int128]? = nil
        for _ in 0..<max(1, repetitions) {
            let start = ContinuousClock.now
            let cpu = processCPUSeconds()
            let execution = try source.execute(compiled.localPlan, strategy: .automatic, deadline: nil)
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            if seconds < best { bestCPU = processCPUSeconds() - cpu }
            best = min(best, seconds)
            if let reference {
                precondition(reference == execution.partials, "benchmark self-check: two runs differ")
            } else {
                reference = execution.partials
            }
        }
        return Figure(
            name: "datasources.csv.salary_benchmark.\(rows)", rowsPerSecond: Double(rows) / best, seconds: best, path: "csv",
            cpuSeconds: bestCPU)
    }

    /// Times the plan over a table `generateSQLite` wrote (or another contract's local plan over
    /// another table), by each strategy (best of `repetitions`).
    /// - Parameters:
    ///   - path: the database.
    ///   - rows: its row count, for the figures.
    ///   - strategies: the strategies to time; their results must agree.
    ///   - repetitions: runs per strategy.
    ///   - contractSource: the contract whose local plan runs (default: the salary benchmark's).
    ///   - table: its input table in the database.
    ///   - label: the contract's name in the figures.
    ///   - progress: called with a line per figure.
    /// - Returns: the figures, in the order of `strategies`.
    /// - Throws: `DataSourceError`.
    public static func runSQLite(
        path: String, rows: Int, strategies: [ExecutionStrategy] = [.automatic, .rowPipeline], repetitions: Int = 3,
        contractSource: String = contract, table: String = "employees", label: String = "salary_benchmark",
        progress: (String) -> Void = { _ in }
    ) throws -> [Figure] {
        let compiled = try ContractCompiler.compile(source: contractSource)
        let source = SQLiteSource(path: path, relation: .table(table))
        var figures: [Figure] = []
        var reference: [Int128]? = nil
        for strategy in strategies {
            var best = Double.infinity
            var bestCPU = 0.0
            var pathLabel = ""
            for _ in 0..<max(1, repetitions) {
                let start = ContinuousClock.now
                let cpu = processCPUSeconds()
                let execution = try source.execute(compiled.localPlan, strategy: strategy, deadline: nil)
                let elapsed = ContinuousClock.now - start
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                if seconds < best { bestCPU = processCPUSeconds() - cpu }
                best = min(best, seconds)
                pathLabel = execution.path == .pushdown ? "pushdown" : "rowPipeline"
                if let reference {
                    precondition(reference == execution.partials, "benchmark self-check: pushdown and row pipeline differ")
                } else {
                    reference = execution.partials
                }
            }
            let figure = Figure(
                name: "datasources.\(pathLabel).\(label).\(rows)", rowsPerSecond: Double(rows) / best, seconds: best,
                path: pathLabel, cpuSeconds: bestCPU)
            progress("\(figure.name): \(Int(figure.rowsPerSecond)) rows/s (\(best) s)")
            figures.append(figure)
        }
        return figures
    }

    /// The SQL the pushdown runs for the benchmark's plan over the SQLite table at `path`
    /// (for profiling: `_DataSourcesBenchmark sqlite` prints it to standard error).
    /// - Parameter path: a database `generateSQLite` wrote.
    /// - Returns: the query.
    /// - Throws: `DataSourceError`, or `DataSourceError.invalidQuery` when the plan does not translate.
    public static func sqlitePushdownSQL(path: String) throws -> String {
        let compiled = try ContractCompiler.compile(source: contract)
        let source = SQLiteSource(path: path, relation: .table("employees"))
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            let columns = compiled.localPlan.pipeline.columns
            do {
                // The query `SQLiteSource.execute` runs: validating and aggregating in one scan.
                return try SQLPushdown(
                    plan: compiled.localPlan, base: source.pushdownBase(db, columns), validation: source.problemExpression(columns)
                ).sql
            } catch let error as SQLPushdown.Untranslatable {
                throw DataSourceError(.invalidQuery, "the plan does not translate: \(error.reason)")
            }
        }
    }

    /// The plain query sqlite3 runs for the same aggregates as the plan (filters, clip, the
    /// median's 100-bucket grid as a GROUP BY column) over `employees`: what the pushed-down plan
    /// is measured against (benchmarks/sqlite-local-plan.sh times it with the sqlite3 CLI).
    public static let plainSQLiteQuery = """
        SELECT dept, b, count(*), sum(s), sum(s * s), max(s) FROM (
          SELECT dept, min(max(salary, 0), 300000) AS s,
                 min(99, max(0, CAST(min(max(salary, 0), 300000) * 100 / 300000 AS INTEGER))) AS b
          FROM employees WHERE salary > 0 AND age >= 18 AND dept IN ('eng', 'ops', 'sales'))
        GROUP BY dept, b
        """

    /// The plain query a member's engine would run for the same aggregates (filters, clip, the
    /// median's 100-bucket grid as a GROUP BY column), in PostgreSQL's dialect, over `table`: what
    /// the pushed-down plan is measured against (benchmarks/postgres-local-plan.sh times it with psql).
    /// - Parameter table: the (quoted) table.
    /// - Returns: the SQL.
    public static func plainPostgreSQLQuery(table: String) -> String {
        """
        SELECT dept, b, count(*), sum(s), sum(s * s), max(s) FROM (
          SELECT dept, LEAST(GREATEST(salary, 0), 300000) AS s,
                 LEAST(99, GREATEST(0, floor(LEAST(GREATEST(salary, 0), 300000) * 100 / 300000)::int)) AS b
          FROM \(table) WHERE salary > 0 AND age >= 18 AND dept IN ('eng', 'ops', 'sales')) AS t
        GROUP BY dept, b
        """
    }

    /// Times the plan over an existing PostgreSQL table of `employees(dept text, age integer,
    /// salary numeric(12,2))` shape (or another contract's plan over its table), by each strategy
    /// (best of `repetitions`).
    /// - Parameters:
    ///   - connection: the server.
    ///   - table: the table (in the search path).
    ///   - rows: its row count, for the figures.
    ///   - repetitions: runs per path.
    ///   - strategies: the strategies to time; their results must agree.
    ///   - contractSource: the contract whose local plan runs (default: the salary benchmark's).
    ///   - label: the contract's name in the figures.
    ///   - progress: called with a line per figure.
    /// - Returns: the figures, in the order of `strategies`.
    /// - Throws: `DataSourceError`.
    public static func runPostgreSQL(
        connection: PostgreSQLSource.Connection, table: String, rows: Int, repetitions: Int = 3,
        strategies: [ExecutionStrategy] = [.automatic, .rowPipeline], contractSource: String = contract,
        label: String = "salary_benchmark", progress: (String) -> Void = { _ in }
    ) async throws -> [Figure] {
        let compiled = try ContractCompiler.compile(source: contractSource)
        let source = PostgreSQLSource(connection: connection, relation: .table(schema: nil, name: table))
        var figures: [Figure] = []
        var reference: [Int128]? = nil
        for strategy in strategies {
            var best = Double.infinity
            var pathLabel = ""
            for _ in 0..<max(1, repetitions) {
                let start = ContinuousClock.now
                let execution = try await source.execute(compiled.localPlan, strategy: strategy, deadline: nil)
                let elapsed = ContinuousClock.now - start
                best = min(best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                pathLabel = execution.path == .pushdown ? "pushdown" : "rowPipeline"
                if let reference {
                    precondition(reference == execution.partials, "benchmark self-check: pushdown and row pipeline differ")
                } else {
                    reference = execution.partials
                }
            }
            let figure = Figure(
                name: "datasources.postgresql.\(pathLabel).\(label).\(rows)", rowsPerSecond: Double(rows) / best, seconds: best,
                path: pathLabel)
            progress("\(figure.name): \(Int(figure.rowsPerSecond)) rows/s (\(best) s)")
            figures.append(figure)
        }
        return figures
    }
}
