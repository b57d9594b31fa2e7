/// A strict reader for the JSON of configuration files: RFC 8259 exactly, nothing more.
///
/// No trailing commas, comments, single quotes, `NaN`/`Infinity`, leading zeros, unescaped
/// control characters or lone surrogates; a duplicate key in an object is an error naming both
/// positions; input is bounded in size and nesting depth. Numbers are kept as their literal text,
/// so a reader of the value sees whether it was written as an integer, with a fraction or with an
/// exponent, and nothing is ever converted before it is range-checked. Every value carries its
/// `line:column` (1-based; columns count Unicode scalars). A leading UTF-8 byte order mark is
/// skipped (RFC 8259 §8.1 lets a parser ignore it).
///
/// Errors are ``DataSourceError`` `invalidConfiguration` with the file, line and column, and say
/// what was expected; they never quote the text of a string or number from the file.
///
/// Spec: protocols/data-sources.md#configuration-json. Typed access: ``ConfigurationNode``.
package enum StrictJSON: Sendable {
    /// Bounds on what the reader accepts.
    package struct Limits: Sendable {
        /// The largest input, in bytes.
        package var maximumBytes: Int
        /// The deepest nesting of arrays and objects (the top-level value is depth 1).
        package var maximumDepth: Int

        /// Configuration files: 1 MiB, depth 32.
        package static let configuration = Limits(maximumBytes: 1 << 20, maximumDepth: 32)

        /// Creates limits.
        /// - Parameters:
        ///   - maximumBytes: the largest input, in bytes.
        ///   - maximumDepth: the deepest nesting.
        package init(maximumBytes: Int, maximumDepth: Int) {
            self.maximumBytes = maximumBytes
            self.maximumDepth = maximumDepth
        }
    }

    /// A 1-based line and column (in Unicode scalars) in the file.
    package struct Position: Sendable, Hashable, CustomStringConvertible {
        /// The 1-based line.
        package var line: Int
        /// The 1-based column, counting Unicode scalars.
        package var column: Int

        /// Creates a position.
        /// - Parameters:
        ///   - line: the 1-based line.
        ///   - column: the 1-based column.
        package init(line: Int, column: Int) {
            self.line = line
            self.column = column
        }

        /// `line:column`.
        package var description: String { "\(line):\(column)" }
    }

    /// One member of an object, in file order.
    package struct Member: Sendable {
        /// The key, unescaped.
        package var key: String
        /// Where the key's opening quote is.
        package var keyPosition: Position
        /// The value.
        package var value: Value
    }

    /// A JSON value and where it starts.
    package struct Value: Sendable {
        /// The kinds of JSON value.
        package enum Kind: Sendable {
            /// An object's members in file order (keys are distinct).
            case object([Member])
            /// An array.
            case array([Value])
            /// A string, unescaped.
            case string(String)
            /// A number as its literal text, e.g. `-12`, `1.5`, `1e17` (already checked against
            /// RFC 8259's grammar).
            case number(String)
            /// `true` or `false`.
            case bool(Bool)
            /// `null`.
            case null
        }

        /// The value.
        package var kind: Kind
        /// Where its first character is.
        package var position: Position

        /// "an object", "a string", … for messages (never the value itself).
        package var kindDescription: String {
            switch kind {
            case .object: "an object"
            case .array: "an array"
            case .string: "a string"
            case .number(let text):
                if text.contains(where: { $0 == "e" || $0 == "E" }) {
                    "a number with an exponent"
                } else if text.contains(".") {
                    "a number with a fraction"
                } else {
                    "an integer"
                }
            case .bool: "a boolean"
            case .null: "null"
            }
        }
    }

    /// Reads one JSON text.
    /// - Parameters:
    ///   - bytes: the file's bytes (UTF-8).
    ///   - file: the file's name, for errors.
    ///   - limits: size and depth bounds.
    /// - Returns: the top-level value.
    /// - Throws: ``DataSourceError`` `invalidConfiguration` at the offending line and column.
    package static func read(_ bytes: [UInt8], file: String, limits: Limits = .configuration) throws -> Value {
        guard bytes.count <= limits.maximumBytes else {
            throw DataSourceError(
                .invalidConfiguration,
                "the file has \(bytes.count) bytes; a configuration may have at most \(limits.maximumBytes)",
                at: .init(file: file))
        }
        var reader = Reader(bytes: bytes, file: file, maximumDepth: limits.maximumDepth)
        return try reader.readDocument()
    }
}

/// The recursive-descent reader. Recursion depth is bounded by `maximumDepth`.
private struct Reader {
    let bytes: [UInt8]
    let file: String
    let maximumDepth: Int
    var index = 0
    var line = 1
    var column = 1
    var depth = 0

    init(bytes: [UInt8], file: String, maximumDepth: Int) {
        self.bytes = bytes
        self.file = file
        self.maximumDepth = maximumDepth
    }

    var position: StrictJSON.Position { .init(line: line, column: column) }
    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    func error(_ message: String, at position: StrictJSON.Position? = nil) -> DataSourceError {
        let at = position ?? self.position
        return DataSourceError(.invalidConfiguration, message, at: .init(file: file, line: at.line, character: at.column))
    }

    /// Moves past one byte, keeping line and column.
    mutating func advance() {
        let byte = bytes[index]
        index += 1
        if byte == 0x0A {
            line += 1
            column = 1
        } else if byte & 0xC0 != 0x80 {
            column += 1
        }
    }

    mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { advance() }
    }

    /// What is at the current position, for "expected …, found …" (never more than one character).
    var found: String {
        guard let byte = current else { return "the end of the file" }
        switch byte {
        case 0x22: return "'\"'"
        case 0x21...0x7E: return "'\(Character(Unicode.Scalar(byte)))'"
        case 0x20: return "a space"
        case 0x09, 0x0A, 0x0D: return "a line break or tab"
        case 0x00..<0x20, 0x7F: return "the control character U+\(hex4(UInt32(byte)))"
        default: return "a non-ASCII character"
        }
    }

    mutating func readDocument() throws -> StrictJSON.Value {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        skipWhitespace()
        guard current != nil else { throw error("the file is empty; expected a JSON value") }
        let value = try readValue()
        skipWhitespace()
        guard current == nil else {
            throw error("expected the end of the file after the JSON value, found \(found)")
        }
        return value
    }

    mutating func readValue() throws -> StrictJSON.Value {
        let start = position
        guard let byte = current else { throw error("expected a value, found the end of the file") }
        switch byte {
        case UInt8(ascii: "{"): return .init(kind: try readObject(), position: start)
        case UInt8(ascii: "["): return .init(kind: try readArray(), position: start)
        case UInt8(ascii: "\""): return .init(kind: .string(try readString()), position: start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .init(kind: .number(try readNumber()), position: start)
        case UInt8(ascii: "t"): try readLiteral("true"); return .init(kind: .bool(true), position: start)
        case UInt8(ascii: "f"): try readLiteral("false"); return .init(kind: .bool(false), position: start)
        case UInt8(ascii: "n"): try readLiteral("null"); return .init(kind: .null, position: start)
        case UInt8(ascii: "'"): throw error("strings must be in double quotes")
        case UInt8(ascii: "/"), UInt8(ascii: "#"): throw error("comments are not allowed in JSON")
        case UInt8(ascii: "N"), UInt8(ascii: "I"), UInt8(ascii: "+"), UInt8(ascii: "."):
            throw error("expected a value, found \(found) (JSON numbers have no NaN, Infinity, leading '+' or leading '.')")
        default: throw error("expected a value (object, array, string, number, true, false or null), found \(found)")
        }
    }

    mutating func readLiteral(_ word: StaticString) throws {
        let start = position
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for byte in expected {
            guard current == byte else {
                throw error("expected '\(word)'", at: start)
            }
            advance()
        }
        if let next = current, isIdentifierByte(next) { throw error("expected '\(word)'", at: start) }
    }

    func isIdentifierByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
    }

    mutating func enter() throws {
        depth += 1
        guard depth <= maximumDepth else {
            throw error("arrays and objects are nested more than \(maximumDepth) deep")
        }
    }

    mutating func readObject() throws -> StrictJSON.Value.Kind {
        try enter()
        defer { depth -= 1 }
        advance()  // {
        var members: [StrictJSON.Member] = []
        var seen: [String: StrictJSON.Position] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            advance()
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else {
                if current == UInt8(ascii: "}"), !members.isEmpty {
                    throw error("a trailing comma is not allowed before '}'")
                }
                if current == UInt8(ascii: "/") || current == UInt8(ascii: "#") {
                    throw error("comments are not allowed in JSON")
                }
                throw error("expected a key in double quotes, found \(found)")
            }
            let keyPosition = position
            let key = try readString()
            if let first = seen[key] {
                throw error("duplicate key \(ConfigurationNode.quoted(key)) (first at \(first))", at: keyPosition)
            }
            seen[key] = keyPosition
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw error("expected ':' after the key, found \(found)") }
            advance()
            skipWhitespace()
            let value = try readValue()
            members.append(.init(key: key, keyPosition: keyPosition, value: value))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): advance()
            case UInt8(ascii: "}"): advance(); return .object(members)
            default: throw error("expected ',' or '}' after an object member, found \(found)")
            }
        }
    }

    mutating func readArray() throws -> StrictJSON.Value.Kind {
        try enter()
        defer { depth -= 1 }
        advance()  // [
        var elements: [StrictJSON.Value] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            advance()
            return .array(elements)
        }
        while true {
            skipWhitespace()
            if current == UInt8(ascii: "]"), !elements.isEmpty {
                throw error("a trailing comma is not allowed before ']'")
            }
            elements.append(try readValue())
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): advance()
            case UInt8(ascii: "]"): advance(); return .array(elements)
            default: throw error("expected ',' or ']' after an array element, found \(found)")
            }
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, returned as its text.
    mutating func readNumber() throws -> String {
        let start = index
        let startPosition = position
        if current == UInt8(ascii: "-") { advance() }
        guard let first = current, isDigit(first) else {
            throw error("expected a digit in the number, found \(found)")
        }
        advance()
        if first == UInt8(ascii: "0"), let next = current, isDigit(next) {
            throw error("a number may not have a leading zero", at: startPosition)
        }
        while let byte = current, isDigit(byte) { advance() }
        if current == UInt8(ascii: ".") {
            advance()
            guard let byte = current, isDigit(byte) else { throw error("expected a digit after '.' in the number, found \(found)") }
            while let byte = current, isDigit(byte) { advance() }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            advance()
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { advance() }
            guard let byte = current, isDigit(byte) else { throw error("expected a digit in the number's exponent, found \(found)") }
            while let byte = current, isDigit(byte) { advance() }
        }
        if let next = current, isIdentifierByte(next) || next == UInt8(ascii: ".") {
            throw error("expected ',', '}' or ']' after the number, found \(found)")
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// A string at the opening quote: escapes decoded, UTF-8 validated, control characters refused.
    mutating func readString() throws -> String {
        let open = position
        advance()  // "
        var scalars = String.UnicodeScalarView()
        while true {
            guard let byte = current else {
                throw error("the string that starts at \(open) is not closed (expected '\"')")
            }
            switch byte {
            case UInt8(ascii: "\""):
                advance()
                return String(scalars)
            case UInt8(ascii: "\\"):
                scalars.append(try readEscape())
            case 0x00..<0x20:
                throw error("a string may not contain \(found) unescaped (write it as an escape, e.g. \\n)")
            case 0x20..<0x80:
                scalars.append(Unicode.Scalar(byte))
                advance()
            default:
                scalars.append(try readUTF8Scalar())
            }
        }
    }

    mutating func readEscape() throws -> Unicode.Scalar {
        let start = position
        advance()  // backslash
        guard let byte = current else { throw error("the escape is not finished at the end of the file") }
        advance()
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try readHex4(escapeAt: start)
            switch unit {
            case 0xD800...0xDBFF:
                guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                    throw error("a high surrogate escape must be followed by a low surrogate escape (\\uDC00–\\uDFFF)", at: start)
                }
                let lowStart = position
                advance()
                advance()
                let low = try readHex4(escapeAt: lowStart)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw error("a high surrogate escape must be followed by a low surrogate escape (\\uDC00–\\uDFFF)", at: start)
                }
                return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!
            case 0xDC00...0xDFFF:
                throw error("a low surrogate escape without a high surrogate before it", at: start)
            default:
                return Unicode.Scalar(unit)!
            }
        default:
            throw error("unknown escape (JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)", at: start)
        }
    }

    mutating func readHex4(escapeAt start: StrictJSON.Position) throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current else { throw error("\\u needs four hexadecimal digits", at: start) }
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("\\u needs four hexadecimal digits", at: start)
            }
            value = value << 4 | digit
            advance()
        }
        return value
    }

    /// One multi-byte UTF-8 sequence, strictly (no overlong forms, surrogates or values past U+10FFFF).
    mutating func readUTF8Scalar() throws -> Unicode.Scalar {
        let start = position
        let lead = bytes[index]
        let count: Int
        var value: UInt32
        let minimum: UInt32
        switch lead {
        case 0xC2...0xDF: count = 2; value = UInt32(lead & 0x1F); minimum = 0x80
        case 0xE0...0xEF: count = 3; value = UInt32(lead & 0x0F); minimum = 0x800
        case 0xF0...0xF4: count = 4; value = UInt32(lead & 0x07); minimum = 0x10000
        default: throw error("the file is not valid UTF-8 here", at: start)
        }
        guard index + count <= bytes.count else { throw error("the file is not valid UTF-8 here", at: start) }
        for offset in 1..<count {
            let byte = bytes[index + offset]
            guard byte & 0xC0 == 0x80 else { throw error("the file is not valid UTF-8 here", at: start) }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        guard value >= minimum, value <= 0x10FFFF, !(0xD800...0xDFFF).contains(value), let scalar = Unicode.Scalar(value) else {
            throw error("the file is not valid UTF-8 here", at: start)
        }
        for _ in 0..<count { advance() }
        return scalar
    }
}

/// Four upper-case hexadecimal digits.
func hex4(_ value: UInt32) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
