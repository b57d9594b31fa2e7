public import ContractLanguage

/// Reads comma-separated member data for the oracle and the examples (spec §11): a header row
/// naming the columns (any order; extra columns are ignored), then one row per line. Fields may be
/// double-quoted (`""` is a quote inside a quoted field); an empty field is null.
public enum CSVTable {
    /// Parses CSV text into rows in the input declaration's column order.
    /// - Parameters:
    ///   - text: the file contents.
    ///   - input: the contract's input declaration.
    /// - Returns: the rows.
    /// - Throws: `CompilerError.invalidData` for a missing column, a ragged row or a bad value.
    public static func rows(_ text: String, input: InputDeclaration) throws(CompilerError) -> [[Value]] {
        var records = parse(text)
        while let last = records.last, last.allSatisfy({ $0.isEmpty }) { records.removeLast() }
        guard let header = records.first else { throw .invalidData("empty file: no header row") }
        var positions: [Int] = []
        for column in input.columns {
            guard let position = header.firstIndex(where: { $0.trimmingCharacters() == column.name.text }) else {
                throw .invalidData("the header has no column '\(column.name.text)'")
            }
            positions.append(position)
        }
        var rows: [[Value]] = []
        for (number, record) in records.dropFirst().enumerated() {
            if record.count == 1 && record[0].isEmpty { continue }
            guard record.count == header.count else {
                throw .invalidData("line \(number + 2) has \(record.count) fields, the header has \(header.count)")
            }
            var row: [Value] = []
            for (column, position) in zip(input.columns, positions) {
                do {
                    row.append(try Value.parse(record[position], as: column.type, column: column.name.text))
                } catch {
                    throw .invalidData("line \(number + 2): \(error)")
                }
            }
            rows.append(row)
        }
        return rows
    }

    /// Splits CSV text into records of fields (RFC 4180 quoting; LF or CRLF line ends).
    /// - Parameter text: the text.
    /// - Returns: the records.
    public static func parse(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        while let scalar = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if scalar == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.unicodeScalars.append("\"") } else {
                            quoted = false
                            pending = next
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where field.isEmpty: quoted = true
            case ",":
                record.append(field)
                field = ""
            case "\r": break
            case "\n":
                record.append(field)
                records.append(record)
                record = []
                field = ""
            default: field.unicodeScalars.append(scalar)
            }
        }
        if !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        return records
    }
}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" || s.last == "\r" { s = s.dropLast() }
        return String(s)
    }
}
