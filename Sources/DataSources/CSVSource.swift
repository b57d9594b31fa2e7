public import CircuitCompiler
public import ContractLanguage

/// A CSV file with a header row naming the columns (any order; extra columns ignored), RFC 4180
/// quoting, empty fields for null: the format of `CSVTable` (spec: protocols/contract-language.md
/// §11), read as a stream so that the file never has to fit in memory.
public struct CSVSource: DataSource {
    /// The file.
    public let path: String
    /// Input column → header name; unmapped columns use their own name.
    public let columns: [String: String]
    /// Input columns in which null is an error.
    public let notNull: Set<String>

    /// Creates a source.
    /// - Parameters:
    ///   - path: the CSV file.
    ///   - columns: input column → header name.
    ///   - notNull: input columns in which null is an error.
    public init(path: String, columns: [String: String] = [:], notNull: Set<String> = []) {
        self.path = path
        self.columns = columns
        self.notNull = notNull
    }

    /// The file's path.
    public var name: String { path }

    /// Checks every row, on a thread of its own (`ScanThread`).
    /// - Parameter columns: the input columns.
    /// - Returns: the number of rows.
    /// - Throws: `DataSourceError`; `CancellationError` when the task is cancelled.
    public func validate(_ columns: [ColumnDeclaration]) async throws -> Int {
        try await ScanThread.run { control in try validate(columns, control: control) }
    }

    /// Reads every row, on a thread of its own (`ScanThread`).
    /// - Parameter columns: the input columns.
    /// - Returns: rows in input-column order.
    /// - Throws: `DataSourceError`; `CancellationError` when the task is cancelled.
    public func rows(_ columns: [ColumnDeclaration]) async throws -> [[Value]] {
        try await ScanThread.run { control in try rows(columns, control: control) }
    }

    /// Streams the rows through the plan (see the synchronous `execute(_:strategy:deadline:)`)
    /// on a thread of its own (`ScanThread`), so that the read never holds a thread of the
    /// shared concurrency pool.
    /// - Parameters:
    ///   - plan: the local plan.
    ///   - strategy: ignored (a CSV file always streams through the Swift pipeline).
    ///   - deadline: checked between chunks of rows.
    /// - Returns: the partials.
    /// - Throws: `DataSourceError`, `deadlineExceeded` past the deadline; `CancellationError`
    ///   when the task is cancelled (checked between chunks of rows).
    public func execute(_ plan: LocalPlan, strategy: ExecutionStrategy, deadline: ContinuousClock.Instant?) async throws
        -> LocalExecution
    {
        try await ScanThread.run { control in try execute(plan, deadline: deadline, control: control) }
    }

    /// Checks every row, on the caller's thread.
    /// - Parameter columns: the input columns.
    /// - Returns: the number of rows.
    /// - Throws: `DataSourceError`.
    public func validate(_ columns: [ColumnDeclaration]) throws -> Int {
        try validate(columns, control: nil)
    }

    func validate(_ columns: [ColumnDeclaration], control: ScanControl?) throws -> Int {
        var count = 0
        try forEachRow(columns, control: control) { _ in count += 1 }
        return count
    }

    /// Reads every row, on the caller's thread.
    /// - Parameter columns: the input columns.
    /// - Returns: rows in input-column order.
    /// - Throws: `DataSourceError`.
    public func rows(_ columns: [ColumnDeclaration]) throws -> [[Value]] {
        try rows(columns, control: nil)
    }

    func rows(_ columns: [ColumnDeclaration], control: ScanControl?) throws -> [[Value]] {
        var rows: [[Value]] = []
        try forEachRow(columns, control: control) { rows.append($0) }
        return rows
    }

    /// Streams the rows through the plan on the caller's thread (one pass: each row is validated
    /// before it is used, and the vector is returned only when every row has validated).
    /// - Parameters:
    ///   - plan: the local plan.
    ///   - strategy: ignored (a CSV file always streams through the Swift pipeline).
    ///   - deadline: checked between chunks of rows.
    /// - Returns: the partials.
    /// - Throws: `DataSourceError`, `deadlineExceeded` past the deadline.
    public func execute(_ plan: LocalPlan, strategy: ExecutionStrategy, deadline: ContinuousClock.Instant?) throws
        -> LocalExecution
    {
        try execute(plan, deadline: deadline, control: nil)
    }

    func execute(_ plan: LocalPlan, deadline: ContinuousClock.Instant?, control: ScanControl?) throws -> LocalExecution {
        var accumulator = try PartialAccumulator(plan, deadline: deadline, control: control, location: .init(file: path))
        try forEachRow(plan.pipeline.columns, control: control) { try accumulator.append($0) }
        return LocalExecution(partials: try accumulator.finish(), path: .rowPipeline(reason: nil))
    }

    /// Reads the file, converting and checking each row, and hands rows to `body` in file order;
    /// every 4,096 records it stops with `CancellationError` once `control` is cancelled.
    func forEachRow(_ declared: [ColumnDeclaration], control: ScanControl? = nil, _ body: ([Value]) throws -> Void) throws {
        try ScanControl.check(control, deadline: nil, location: nil)
        var reader = try CSVRecordReader(path: path)
        guard try reader.next(row: nil) else {
            throw DataSourceError(.malformedFile, "the file is empty: no header row", at: .init(file: path, line: 1))
        }
        let names = (0..<reader.fieldCount).map { reader.string($0).trimmingBlanks() }
        var positions: [Int] = []
        for column in declared {
            let wanted = columns[column.name.text] ?? column.name.text
            guard let position = names.firstIndex(of: wanted) else {
                let mapped = wanted == column.name.text ? "" : " (mapped to '\(wanted)')"
                throw DataSourceError(
                    .missingColumn, "the header has no column for input column '\(column.name.text)'\(mapped)",
                    at: .init(file: path, line: reader.recordLine, column: column.name.text))
            }
            positions.append(position)
        }
        let required = declared.map { notNull.contains($0.name.text) }
        let types = declared.map(\.type)
        let columnNames = declared.map(\.name.text)
        var row = 0
        var values: [Value] = []
        values.reserveCapacity(declared.count)
        /// Converts the reader's current record (or, with `allEmpty`, a record of `fieldCount`
        /// empty fields held back earlier) and hands it to `body`.
        func convert(row: Int, line: Int, fieldCount: Int, allEmpty: Bool) throws {
            guard fieldCount == names.count else {
                throw DataSourceError(
                    .malformedFile, "the row has \(fieldCount) fields, the header has \(names.count)",
                    at: .init(file: path, row: row, line: line))
            }
            values.removeAll(keepingCapacity: true)
            for index in types.indices {
                let parsed = allEmpty ? Value.null : reader.value(positions[index], as: types[index], column: columnNames[index])
                guard let value = parsed else {
                    throw DataSourceError(
                        .unparsableValue, "value does not parse as \(types[index])",
                        at: .init(file: path, row: row, line: line, column: columnNames[index]))
                }
                if required[index] && value.isNull {
                    throw DataSourceError(
                        .nullValue, "null (an empty field) in a column declared notNull",
                        at: .init(file: path, row: row, line: line, column: columnNames[index]))
                }
                values.append(value)
            }
            try body(values)
        }
        // Records whose fields are all empty are held back: at the end of the file they are
        // dropped (spreadsheet exports end in `,,,` lines), as `CSVTable` does.
        var held: [(row: Int, line: Int, fieldCount: Int)] = []
        while try reader.next(row: row + 1) {
            if reader.fieldCount == 1 && reader.isEmpty(0) { continue }  // a blank line
            row += 1
            if row % 4096 == 0 { try ScanControl.check(control, deadline: nil, location: nil) }
            if (0..<reader.fieldCount).allSatisfy({ reader.isEmpty($0) }) {
                held.append((row, reader.recordLine, reader.fieldCount))
                continue
            }
            for record in held { try convert(row: record.row, line: record.line, fieldCount: record.fieldCount, allEmpty: true) }
            held.removeAll()
            try convert(row: row, line: reader.recordLine, fieldCount: reader.fieldCount, allEmpty: false)
        }
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and carriage returns (as `CSVTable` reads headers).
    func trimmingBlanks() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" || c == "\r" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" { s = s.dropLast() }
        return String(s)
    }
}
