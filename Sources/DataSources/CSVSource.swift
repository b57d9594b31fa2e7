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

    /// Checks every row.
    /// - Parameter columns: the input columns.
    /// - Returns: the number of rows.
    /// - Throws: `DataSourceError`.
    public func validate(_ columns: [ColumnDeclaration]) throws -> Int {
        var count = 0
        try forEachRow(columns) { _ in count += 1 }
        return count
    }

    /// Reads every row.
    /// - Parameter columns: the input columns.
    /// - Returns: rows in input-column order.
    /// - Throws: `DataSourceError`.
    public func rows(_ columns: [ColumnDeclaration]) throws -> [[Value]] {
        var rows: [[Value]] = []
        try forEachRow(columns) { rows.append($0) }
        return rows
    }

    /// Streams the rows through the plan (one pass: each row is validated before it is used, and
    /// the vector is returned only when every row has validated).
    /// - Parameters:
    ///   - plan: the local plan.
    ///   - strategy: ignored (a CSV file always streams through the Swift pipeline).
    ///   - deadline: checked between chunks of rows.
    /// - Returns: the partials.
    /// - Throws: `DataSourceError`, `deadlineExceeded` past the deadline.
    public func execute(_ plan: LocalPlan, strategy: ExecutionStrategy, deadline: ContinuousClock.Instant?) throws
        -> LocalExecution
    {
        var accumulator = try PartialAccumulator(plan, deadline: deadline, location: .init(file: path))
        try forEachRow(plan.pipeline.columns) { try accumulator.append($0) }
        return LocalExecution(partials: try accumulator.finish(), path: .rowPipeline(reason: nil))
    }

    /// Reads the file, converting and checking each row, and hands rows to `body` in file order.
    func forEachRow(_ declared: [ColumnDeclaration], _ body: ([Value]) throws -> Void) throws {
        var reader = try CSVRecordReader(path: path)
        guard let header = try reader.next(row: nil) else {
            throw DataSourceError(.malformedFile, "the file is empty: no header row", at: .init(file: path, line: 1))
        }
        let names = header.fields.map { $0.trimmingBlanks() }
        var positions: [Int] = []
        for column in declared {
            let wanted = columns[column.name.text] ?? column.name.text
            guard let position = names.firstIndex(of: wanted) else {
                let mapped = wanted == column.name.text ? "" : " (mapped to '\(wanted)')"
                throw DataSourceError(
                    .missingColumn, "the header has no column for input column '\(column.name.text)'\(mapped)",
                    at: .init(file: path, line: header.line, column: column.name.text))
            }
            positions.append(position)
        }
        let required = declared.map { notNull.contains($0.name.text) }
        var row = 0
        var values: [Value] = []
        values.reserveCapacity(declared.count)
        func convert(_ record: CSVRecordReader.Record, row: Int) throws {
            guard record.fields.count == names.count else {
                throw DataSourceError(
                    .malformedFile, "the row has \(record.fields.count) fields, the header has \(names.count)",
                    at: .init(file: path, row: row, line: record.line))
            }
            values.removeAll(keepingCapacity: true)
            for (index, column) in declared.enumerated() {
                let value: Value
                do {
                    value = try Value.parse(record.fields[positions[index]], as: column.type, column: column.name.text)
                } catch {
                    throw DataSourceError(
                        .unparsableValue, "value does not parse as \(column.type)",
                        at: .init(file: path, row: row, line: record.line, column: column.name.text))
                }
                if required[index] && value.isNull {
                    throw DataSourceError(
                        .nullValue, "null (an empty field) in a column declared notNull",
                        at: .init(file: path, row: row, line: record.line, column: column.name.text))
                }
                values.append(value)
            }
            try body(values)
        }
        // Records whose fields are all empty are held back: at the end of the file they are
        // dropped (spreadsheet exports end in `,,,` lines), as `CSVTable` does.
        var held: [(row: Int, record: CSVRecordReader.Record)] = []
        while let next = try reader.next(row: row + 1) {
            if next.fields.count == 1 && next.fields[0].isEmpty { continue }  // a blank line
            row += 1
            if next.fields.allSatisfy(\.isEmpty) {
                held.append((row, next))
                continue
            }
            for (heldRow, record) in held { try convert(record, row: heldRow) }
            held.removeAll()
            try convert(next, row: row)
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
