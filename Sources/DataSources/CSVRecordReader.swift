import Foundation

/// Streams RFC 4180 records from a file in fixed-size chunks (never the whole file in memory):
/// comma-separated fields, double-quoted fields with `""` for a quote (commas and line breaks
/// allowed inside), LF or CRLF line ends. The same dialect as `CSVTable.parse` (a carriage return
/// outside quotes is ignored; text after a closing quote joins the field), plus errors for an
/// unterminated quote and invalid UTF-8.
struct CSVRecordReader {
    /// One record and the line it starts on.
    struct Record {
        var fields: [String]
        var line: Int
    }

    private let file: String
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var position = 0
    private var exhausted = false
    private var line = 1
    private static let chunkSize = 1 << 16

    /// Opens a file.
    /// - Throws: `.fileNotFound` or `.unreadableFile`.
    init(path: String) throws {
        file = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataSourceError(.fileNotFound, "the CSV file does not exist", at: .init(file: path))
        }
        guard !isDirectory.boolValue, let handle = FileHandle(forReadingAtPath: path) else {
            throw DataSourceError(.unreadableFile, "the CSV file cannot be opened for reading", at: .init(file: path))
        }
        self.handle = handle
    }

    private mutating func nextByte() throws -> UInt8? {
        if position == buffer.count {
            if exhausted { return nil }
            do {
                buffer = Array(try handle.read(upToCount: Self.chunkSize) ?? Data())
            } catch {
                throw DataSourceError(.unreadableFile, "reading the CSV file failed", at: .init(file: file, line: line))
            }
            position = 0
            if buffer.isEmpty {
                exhausted = true
                try? handle.close()
                return nil
            }
        }
        defer { position += 1 }
        return buffer[position]
    }

    /// The next record, or nil at the end of the file.
    /// - Parameter row: the data row number the record would have, for messages.
    mutating func next(row: Int?) throws -> Record? {
        let startLine = line
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var quoteSeen = false  // inside a quoted field, just after a `"`
        var any = false
        func finish(_ field: inout [UInt8]) throws {
            guard let text = String(validating: field, as: UTF8.self) else {
                throw DataSourceError(
                    .malformedFile, "a field is not valid UTF-8",
                    at: .init(file: file, row: row, line: startLine))
            }
            fields.append(text)
            field.removeAll(keepingCapacity: true)
        }
        while let byte = try nextByte() {
            any = true
            if byte == 0x0A { line += 1 }
            if quoted {
                if quoteSeen {
                    quoteSeen = false
                    if byte == 0x22 {
                        field.append(0x22)
                        continue
                    }
                    quoted = false  // the quote closed the field; handle this byte unquoted
                } else if byte == 0x22 {
                    quoteSeen = true
                    continue
                } else {
                    field.append(byte)
                    continue
                }
            }
            switch byte {
            case 0x22 where field.isEmpty: quoted = true
            case 0x2C: try finish(&field)
            case 0x0D: break
            case 0x0A:
                try finish(&field)
                return Record(fields: fields, line: startLine)
            default: field.append(byte)
            }
        }
        if quoted && !quoteSeen {
            throw DataSourceError(
                .malformedFile, "a quoted field is not closed before the end of the file",
                at: .init(file: file, row: row, line: startLine))
        }
        guard any, !field.isEmpty || !fields.isEmpty || quoted else { return nil }
        try finish(&field)
        return Record(fields: fields, line: startLine)
    }
}
