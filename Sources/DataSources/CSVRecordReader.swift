import ContractLanguage
import Foundation

/// Streams RFC 4180 records from a file in fixed-size chunks (never the whole file in memory):
/// comma-separated fields, double-quoted fields with `""` for a quote (commas and line breaks
/// allowed inside), LF or CRLF line ends. The same dialect as `CSVTable.parse` (a carriage return
/// outside quotes is ignored; text after a closing quote joins the field), plus errors for an
/// unterminated quote and invalid UTF-8.
///
/// A record is kept as bytes (its fields' contents end to end, quotes removed) with the fields'
/// end offsets: no string is made for a field nobody reads, and runs of ordinary bytes are
/// copied at once. Invalid UTF-8 in any field is an error, as before; a record of ASCII bytes
/// (most data) needs no check.
struct CSVRecordReader {
    private let file: String
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var position = 0
    private var exhausted = false
    private var line = 1
    private static let chunkSize = 1 << 20

    /// The current record's field contents, end to end.
    private(set) var bytes: [UInt8] = []
    /// The end offset in `bytes` of each field of the current record.
    private(set) var ends: [Int] = []
    /// The line the current record starts on.
    private(set) var recordLine = 1

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

    /// The number of fields of the current record.
    var fieldCount: Int { ends.count }

    /// Where field `i` of the current record lies in `bytes`.
    func range(_ i: Int) -> Range<Int> { (i == 0 ? 0 : ends[i - 1])..<ends[i] }

    /// True when field `i` of the current record is empty.
    func isEmpty(_ i: Int) -> Bool { range(i).isEmpty }

    /// Field `i` of the current record as text (its UTF-8 was checked when the record was read).
    func string(_ i: Int) -> String { String(decoding: bytes[range(i)], as: UTF8.self) }

    /// Field `i` of the current record parsed as `type`, exactly as `Value.parse` parses its
    /// text; nil when it does not parse. A numeral or text without blanks at either end (what
    /// `Value.parse` trims) goes straight to `Value.units` or `.text`; anything else through
    /// `Value.parse` itself.
    func value(_ i: Int, as type: ColumnType, column: String) -> Value? {
        let r = range(i)
        if r.isEmpty { return .null }
        let text = String(decoding: bytes[r], as: UTF8.self)
        func blank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }
        if !blank(bytes[r.lowerBound]) && !blank(bytes[r.upperBound - 1]) {
            switch type {
            case .int, .decimal:
                guard let units = Value.units(Substring(text), scale: type.scale) else { return nil }
                return type == .int ? .int(units) : .decimal(units, scale: type.scale)
            case .text where !bytes[r].contains(where: { $0 >= 0x80 }):
                return .text(text)  // ASCII is already in NFC
            default:
                break
            }
        }
        return try? Value.parse(text, as: type, column: column)
    }

    /// Reads the next chunk; false at the end of the file.
    private mutating func refill() throws -> Bool {
        do {
            buffer = Array(try handle.read(upToCount: Self.chunkSize) ?? Data())
        } catch {
            throw DataSourceError(.unreadableFile, "reading the CSV file failed", at: .init(file: file, line: line))
        }
        position = 0
        if buffer.isEmpty {
            exhausted = true
            try? handle.close()
            return false
        }
        return true
    }

    /// Reads the next record into `bytes`, `ends` and `recordLine`; false at the end of the file.
    /// - Parameter row: the data row number the record would have, for messages.
    mutating func next(row: Int?) throws -> Bool {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        recordLine = line
        var fieldStart = 0
        var quoted = false
        var quoteSeen = false  // inside a quoted field, just after a `"`
        var any = false
        var high: UInt8 = 0  // the OR of the record's bytes: ≥ 0x80 when one is not ASCII
        var ended = false
        scan: while !exhausted {
            if position == buffer.count {
                guard try refill() else { break }
            }
            any = true
            var i = position
            let count = buffer.count
            while i < count {
                let byte = buffer[i]
                i += 1
                high |= byte
                if byte == 0x0A { line += 1 }
                if quoted {
                    if quoteSeen {
                        quoteSeen = false
                        if byte == 0x22 {
                            bytes.append(0x22)
                            continue
                        }
                        quoted = false  // the quote closed the field; handle this byte unquoted
                    } else if byte == 0x22 {
                        quoteSeen = true
                        continue
                    } else {
                        bytes.append(byte)
                        continue
                    }
                }
                switch byte {
                case 0x22 where bytes.count == fieldStart:
                    quoted = true
                case 0x2C:
                    ends.append(bytes.count)
                    fieldStart = bytes.count
                case 0x0D:
                    break
                case 0x0A:
                    ends.append(bytes.count)
                    position = i
                    ended = true
                    break scan
                default:
                    // A run of ordinary bytes (a quote inside a non-empty field is ordinary).
                    var j = i
                    while j < count {
                        let next = buffer[j]
                        if next == 0x2C || next == 0x0A || next == 0x0D { break }
                        high |= next
                        j += 1
                    }
                    bytes.append(contentsOf: buffer[(i - 1)..<j])
                    i = j
                }
            }
            position = i
        }
        if !ended {
            if quoted && !quoteSeen {
                try checkUTF8(high, row: row)  // the fields before the open quote come first
                throw DataSourceError(
                    .malformedFile, "a quoted field is not closed before the end of the file",
                    at: .init(file: file, row: row, line: recordLine))
            }
            guard any, bytes.count > fieldStart || !ends.isEmpty || quoted else { return false }
            ends.append(bytes.count)
        }
        try checkUTF8(high, row: row)
        return true
    }

    /// Checks the UTF-8 of the record's finished fields, in order, unless all its bytes are ASCII.
    private func checkUTF8(_ high: UInt8, row: Int?) throws {
        guard high >= 0x80 else { return }
        for i in 0..<ends.count where String(validating: bytes[range(i)], as: UTF8.self) == nil {
            throw DataSourceError(.malformedFile, "a field is not valid UTF-8", at: .init(file: file, row: row, line: recordLine))
        }
    }
}
