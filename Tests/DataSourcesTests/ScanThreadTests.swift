import CircuitCompiler
import ContractLanguage
import DataSources
import Foundation
import Testing

/// SQLite and CSV scans run on threads of their own: cancelling the awaiting task or reaching the
/// deadline stops a scan in the middle, and other tasks keep running while scans block.
struct ScanThreadTests {
    static let compiled = try! ContractCompiler.compile(
        source: """
            contract scan version 1 {
              input t(x: int)
              local { where x >= 0 }
              compute { n = count() s = sum(x) }
              reveal n, s to all
            }
            """)

    /// A SQLite source whose query never ends (a recursive CTE without a bound).
    static func endlessSQLite(_ directory: TemporaryDirectory) throws -> SQLiteSource {
        let path = directory.file("endless.sqlite")
        try TestData.sqlite(path, table: "t", columns: [("x", "INTEGER")], rows: [[1]])
        return SQLiteSource(
            path: path, relation: .query("WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r) SELECT x FROM r"))
    }

    /// A CSV file of `rows` rows, large enough that reading it takes far longer than the tests wait.
    static func largeCSV(_ directory: TemporaryDirectory, rows: Int = 2_000_000) throws -> CSVSource {
        let path = directory.file("large.csv")
        try ("x\n" + String(repeating: "12345\n", count: rows)).write(toFile: path, atomically: false, encoding: .utf8)
        return CSVSource(path: path)
    }

    /// Awaits `task` and returns its error (nil when it succeeded).
    static func error<T: Sendable>(of task: Task<T, any Error>) async -> (any Error)? {
        do {
            _ = try await task.value
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: ["sqlite", "csv"])
    func cancellationStopsTheScan(kind: String) async throws {
        let directory = try TemporaryDirectory()
        let source: any DataSource = kind == "sqlite" ? try Self.endlessSQLite(directory) : try Self.largeCSV(directory)
        let plan = Self.compiled.localPlan
        // A generous deadline only so that a failure ends the test instead of hanging it.
        let scan = Task { try await source.execute(plan, strategy: .automatic, deadline: .now + .seconds(300)) }
        try await Task.sleep(for: .milliseconds(50))
        scan.cancel()
        let error = await Self.error(of: scan)
        #expect(error is CancellationError, "\(String(describing: error))")
    }

    @Test(arguments: ["sqlite", "csv"])
    func deadlineStopsTheScan(kind: String) async throws {
        let directory = try TemporaryDirectory()
        let source: any DataSource = kind == "sqlite" ? try Self.endlessSQLite(directory) : try Self.largeCSV(directory)
        let error = await Self.error(of: Task {
            try await source.execute(Self.compiled.localPlan, strategy: .automatic, deadline: .now + .milliseconds(100))
        })
        let dataSourceError = try #require(error as? DataSourceError, "\(String(describing: error))")
        #expect(dataSourceError.code == .deadlineExceeded)
    }

    /// Validation and reading rows are cancellable too.
    @Test func validateAndRowsAreCancellable() async throws {
        let directory = try TemporaryDirectory()
        let source = try Self.endlessSQLite(directory)
        let columns = Self.compiled.contract.input.columns
        let validation = Task { try await (source as any DataSource).validate(columns) }
        let reading = Task { try await (source as any DataSource).rows(columns) }
        try await Task.sleep(for: .milliseconds(50))
        validation.cancel()
        reading.cancel()
        #expect(await Self.error(of: validation) is CancellationError)
        #expect(await Self.error(of: reading) is CancellationError)
    }

    /// More blocking scans than the machine has cores (the shared pool's width) run at once; a
    /// task that needs a pool thread still finishes at once. Were the scans on the pool, it
    /// would wait for their deadline (ten minutes); the bound is half of that, since the other
    /// suites running beside this one in the same process keep the pool busy too.
    @Test func otherTasksProgressWhileScansRun() async throws {
        let directory = try TemporaryDirectory()
        let source = try Self.endlessSQLite(directory)
        let plan = Self.compiled.localPlan
        let count = ProcessInfo.processInfo.activeProcessorCount + 2
        let start = ContinuousClock.now
        let scans = (0..<count).map { _ in
            Task.detached { try await source.execute(plan, strategy: .automatic, deadline: .now + .seconds(600)) }
        }
        try await Task.sleep(for: .milliseconds(200))  // the scans have started
        let sum = await withTaskGroup(of: Int.self) { group in
            for k in 0..<(2 * count) { group.addTask { (0...k).reduce(0, +) } }
            return await group.reduce(0, +)
        }
        let waited = ContinuousClock.now - start
        #expect(sum > 0)
        #expect(waited < .seconds(300), "other tasks waited \(waited) for the scans")
        // Still running (they end only when cancelled or at their deadline, ten minutes away).
        for scan in scans { scan.cancel() }
        for scan in scans { #expect(await Self.error(of: scan) is CancellationError) }
    }
}
