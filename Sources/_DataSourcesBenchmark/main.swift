// Records the DataSources throughput figure (not API; the CLI can call LocalPlanBenchmark later):
// swift build -c release --scratch-path .build-data-release --product _DataSourcesBenchmark
// .build-data-release/release/_DataSourcesBenchmark ROWS DIRECTORY OUTPUT.json
import DataSources
import Foundation
import Runtime

let arguments = CommandLine.arguments
// `_DataSourcesBenchmark postgresql ROWS URL TABLE`: times the plan over an existing PostgreSQL
// table (benchmarks/postgres-local-plan.sh creates it); prints the figures as JSON.
if arguments.count == 5, arguments[1] == "postgresql", let rows = Int(arguments[2]) {
    let connection = try PostgreSQLSource.Connection(
        url: arguments[3], passwordEnvironment: ProcessInfo.processInfo.environment["PGPASSWORD"] == nil ? nil : "PGPASSWORD")
    let figures = try await LocalPlanBenchmark.runPostgreSQL(connection: connection, table: arguments[4], rows: rows) {
        FileHandle.standardError.write(Data(($0 + "\n").utf8))
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try encoder.encode(figures), as: UTF8.self))
    exit(0)
}
// `_DataSourcesBenchmark sqlite ROWS DIRECTORY [--row-pipeline]`: generates the table into
// DIRECTORY, prints the database's path and the pushed-down SQL to standard error, times the plan
// by pushdown (and by the row pipeline when asked), and prints the figures as JSON
// (benchmarks/sqlite-local-plan.sh times sqlite3's plain query over the same file).
if arguments.count >= 4, arguments[1] == "sqlite", let rows = Int(arguments[2]) {
    func note(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    let path = try LocalPlanBenchmark.generateSQLite(rows: rows, directory: arguments[3], progress: note)
    note("pushed-down SQL: " + (try LocalPlanBenchmark.sqlitePushdownSQL(path: path)))
    let strategies: [ExecutionStrategy] = arguments.contains("--row-pipeline") ? [.automatic, .rowPipeline] : [.automatic]
    let figures = try LocalPlanBenchmark.runSQLite(path: path, rows: rows, strategies: strategies, progress: note)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try encoder.encode(figures), as: UTF8.self))
    exit(0)
}
// `_DataSourcesBenchmark demo-table ROWS DIRECTORY`: only writes the demo's table (SQLite) and
// prints its path (benchmarks/demo-local-plan.sh loads it into PostgreSQL).
if arguments.count == 4, arguments[1] == "demo-table", let rows = Int(arguments[2]) {
    let path = arguments[3] + "/demo-admissions-\(rows).sqlite"
    try DemoData.writeHospital(path: path, rows: rows, seed: 20_241_125)
    print(path)
    exit(0)
}
// `_DataSourcesBenchmark postgresql-demo ROWS URL TABLE`: the demo contract's local plan over the
// demo's table loaded into PostgreSQL (pushdown, best of 3); prints the figures as JSON.
if arguments.count == 5, arguments[1] == "postgresql-demo", let rows = Int(arguments[2]) {
    let connection = try PostgreSQLSource.Connection(
        url: arguments[3], passwordEnvironment: ProcessInfo.processInfo.environment["PGPASSWORD"] == nil ? nil : "PGPASSWORD")
    let figures = try await LocalPlanBenchmark.runPostgreSQL(
        connection: connection, table: arguments[4], rows: rows, strategies: [.automatic], contractSource: DemoData.contractSource,
        label: "hospital_activity"
    ) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try encoder.encode(figures), as: UTF8.self))
    exit(0)
}
// `_DataSourcesBenchmark sqlite-demo ROWS DIRECTORY [--row-pipeline]`: the demo's own table (one
// hospital's `admissions`, DemoData) and the demo contract's local plan: writes the table into
// DIRECTORY, prints its path to standard error, times the plan (best of 3) and prints the figures
// as JSON (benchmarks/demo-local-plan.sh times sqlite3's plain GROUP BY over the same file).
if arguments.count >= 4, arguments[1] == "sqlite-demo", let rows = Int(arguments[2]) {
    func note(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    let path = arguments[3] + "/demo-admissions-\(rows).sqlite"
    try DemoData.writeHospital(path: path, rows: rows, seed: 20_241_125)
    note("database: \(path)")
    let strategies: [ExecutionStrategy] = arguments.contains("--row-pipeline") ? [.automatic, .rowPipeline] : [.automatic]
    let figures = try LocalPlanBenchmark.runSQLite(
        path: path, rows: rows, strategies: strategies, contractSource: DemoData.contractSource, table: DemoData.table,
        label: "hospital_activity", progress: note)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try encoder.encode(figures), as: UTF8.self))
    exit(0)
}
// `_DataSourcesBenchmark csv ROWS DIRECTORY`: writes the benchmark's rows as a CSV file into
// DIRECTORY (left there), prints its path to standard error, times the plan over it (best of 3)
// and prints the figure as JSON (benchmarks/csv-local-plan.sh times reference readers beside it).
if arguments.count == 4, arguments[1] == "csv", let rows = Int(arguments[2]) {
    let path = try LocalPlanBenchmark.generateCSV(rows: rows, directory: arguments[3])
    FileHandle.standardError.write(Data("csv: \(path)\n".utf8))
    let figure = try LocalPlanBenchmark.runCSV(path: path, rows: rows)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try encoder.encode([figure]), as: UTF8.self))
    exit(0)
}
let rows = arguments.count > 1 ? Int(arguments[1]) ?? 1_000_000 : 1_000_000
let directory = arguments.count > 2 ? arguments[2] : FileManager.default.temporaryDirectory.path
let output = arguments.count > 3 ? arguments[3] : nil
let figures = try LocalPlanBenchmark.run(rows: rows, directory: directory) { print($0) }
struct Report: Codable {
    var date: String
    var command: String
    var rows: Int
    var figures: [LocalPlanBenchmark.Figure]
    var notes: String
}
let formatter = ISO8601DateFormatter()
formatter.formatOptions = [.withFullDate]
let report = Report(
    date: formatter.string(from: Date()),
    command: "swift build -c release --scratch-path .build-data-release --product _DataSourcesBenchmark && "
        + ".build-data-release/release/_DataSourcesBenchmark \(rows) DIR benchmarks/results/datasources-DATE.json",
    rows: rows, figures: figures,
    notes: "Wall clock, best of 3, validation included, one core of a shared 2-core Linux VM under concurrent builds; "
        + "contract salary_benchmark shape (3 groups, 2 filters, clip, count/mean/stddev/max/100-bucket median); "
        + "salary stored as REAL, converted exactly to decimal(2) units.")
let encoder = JSONEncoder()
encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
let data = try encoder.encode(report)
if let output { try data.write(to: URL(fileURLWithPath: output)) } else { print(String(decoding: data, as: UTF8.self)) }
