/// A position in contract source text: 1-based line and column (columns count Unicode scalars).
///
/// Spec: protocols/contract-language.md §9 (Diagnostics).
public struct SourceLocation: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// 1-based line number.
    public var line: Int
    /// 1-based column, counted in Unicode scalars.
    public var column: Int
    /// 0-based UTF-8 byte offset into the source.
    public var offset: Int

    /// Creates a location.
    /// - Parameters:
    ///   - line: 1-based line.
    ///   - column: 1-based column.
    ///   - offset: 0-based UTF-8 offset.
    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    /// `line:column`.
    public var description: String { "\(line):\(column)" }

    /// Orders by offset.
    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool { lhs.offset < rhs.offset }
}

/// A half-open source span `[start, end)`.
///
/// - Note: Two ranges always compare equal and hash alike, so that equality of syntax trees is
///   structural (location-insensitive): a reformatted contract parses to an equal tree.
///   Compare `start` and `end` directly to test positions.
public struct SourceRange: Sendable, Hashable, Codable, CustomStringConvertible {
    /// First position.
    public var start: SourceLocation
    /// Position just past the end.
    public var end: SourceLocation

    /// Creates a range.
    /// - Parameters:
    ///   - start: first position.
    ///   - end: position just past the end.
    public init(start: SourceLocation, end: SourceLocation) {
        self.start = start
        self.end = end
    }

    /// A range used for synthesised nodes (1:1, empty).
    public static let synthesized = SourceRange(
        start: SourceLocation(line: 1, column: 1, offset: 0), end: SourceLocation(line: 1, column: 1, offset: 0))

    /// The smallest range covering both.
    /// - Parameter other: another range.
    /// - Returns: the covering range.
    public func union(_ other: SourceRange) -> SourceRange {
        SourceRange(start: min(start, other.start), end: max(end, other.end))
    }

    /// `line:column` of the start.
    public var description: String { start.description }

    /// Always true: see the type's note.
    public static func == (lhs: SourceRange, rhs: SourceRange) -> Bool { true }

    /// Hashes nothing: see the type's note.
    public func hash(into hasher: inout Hasher) {}
}

/// One problem found in a contract, with its position and an actionable message.
///
/// Spec: protocols/contract-language.md §9 (Diagnostics).
public struct Diagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How serious a diagnostic is.
    public enum Severity: String, Sendable, Hashable, Codable {
        /// The contract is rejected.
        case error
        /// The contract is accepted, but probably not what the author meant.
        case warning
    }

    /// Error or warning.
    public var severity: Severity
    /// What is wrong, in words a contract author can act on.
    public var message: String
    /// Where.
    public var range: SourceRange
    /// An optional suggestion ("did you mean 'salary'?").
    public var help: String?

    /// Creates an error diagnostic.
    /// - Parameters:
    ///   - message: the message.
    ///   - range: the source span.
    ///   - help: an optional suggestion.
    public init(_ message: String, at range: SourceRange, help: String? = nil) {
        self.init(severity: .error, message, at: range, help: help)
    }

    /// Creates a diagnostic.
    /// - Parameters:
    ///   - severity: error or warning.
    ///   - message: the message.
    ///   - range: the source span.
    ///   - help: an optional suggestion.
    public init(severity: Severity, _ message: String, at range: SourceRange, help: String? = nil) {
        self.severity = severity
        self.message = message
        self.range = range
        self.help = help
    }

    /// Line of the start position.
    public var line: Int { range.start.line }
    /// Column of the start position.
    public var column: Int { range.start.column }

    /// `line:column: error: message`.
    public var description: String { "\(range.start.line):\(range.start.column): \(severity.rawValue): \(message)" }

    /// Equality compares severity, message, help and the start and end positions.
    public static func == (lhs: Diagnostic, rhs: Diagnostic) -> Bool {
        lhs.severity == rhs.severity && lhs.message == rhs.message && lhs.help == rhs.help
            && lhs.range.start == rhs.range.start && lhs.range.end == rhs.range.end
    }

    /// Hashes the message and start position.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(message)
        hasher.combine(range.start)
    }

    /// Renders the diagnostic with a caret excerpt of the offending line:
    /// ```
    /// error: unknown column 'salry'
    ///  --> contract.cov:5:11
    ///   |
    /// 5 |     where salry > 0
    ///   |           ^^^^^
    ///   = help: did you mean 'salary'?
    /// ```
    /// - Parameters:
    ///   - source: the full source text the diagnostic refers to.
    ///   - fileName: the name printed after `-->`.
    /// - Returns: the multi-line rendering (no trailing newline).
    public func rendered(source: String, fileName: String = "<contract>") -> String {
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        let lineIndex = range.start.line - 1
        var out = "\(severity.rawValue): \(message)\n"
        let gutter = String(repeating: " ", count: String(range.start.line).count)
        out += "\(gutter)--> \(fileName):\(range.start.line):\(range.start.column)\n"
        if lineIndex >= 0 && lineIndex < lines.count {
            var text = String(lines[lineIndex])
            if text.hasSuffix("\r") { text.removeLast() }
            let scalars = Array(text.unicodeScalars)
            let startColumn = max(1, range.start.column)
            var width = 1
            if range.end.line == range.start.line && range.end.column > range.start.column {
                width = range.end.column - range.start.column
            } else if range.end.line > range.start.line {
                width = max(1, scalars.count - startColumn + 1)
            }
            // Tabs in the prefix are kept so the caret lines up in a terminal.
            var pad = ""
            for index in 0..<min(startColumn - 1, scalars.count) {
                pad.append(scalars[index] == "\t" ? "\t" : " ")
            }
            pad += String(repeating: " ", count: max(0, startColumn - 1 - scalars.count))
            out += "\(gutter) |\n"
            out += "\(range.start.line) | \(text)\n"
            out += "\(gutter) | \(pad)\(String(repeating: "^", count: width))"
        }
        if let help { out += "\n\(gutter) = help: \(help)" }
        return out
    }
}

/// The one error type of `ContractLanguage`: a contract that does not parse or type-check.
///
/// Spec: protocols/contract-language.md §9.
public enum ContractLanguageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The contract was rejected; the diagnostics say why (errors first, in source order).
    case invalidContract([Diagnostic])
    /// A data value does not fit its column's declared type. The value itself is never carried
    /// (it may be personal data): errors say where and what was expected, never what was found.
    case invalidValue(column: String, expected: String)

    /// The diagnostics carried by `invalidContract`, or none.
    public var diagnostics: [Diagnostic] {
        if case .invalidContract(let diagnostics) = self { return diagnostics }
        return []
    }

    /// A one-line-per-diagnostic summary.
    public var description: String {
        switch self {
        case .invalidContract(let diagnostics):
            return diagnostics.map(\.description).joined(separator: "\n")
        case .invalidValue(let column, let expected):
            return "column '\(column)': the value does not parse as \(expected)"
        }
    }
}

/// Levenshtein distance (insertions, deletions, substitutions over Unicode scalars), for "did
/// you mean" suggestions here and in configuration files.
package func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// The closest candidate within a small edit distance, if any.
func suggestion(for name: String, among candidates: [String]) -> String? {
    var best: (String, Int)?
    for candidate in candidates {
        let distance = editDistance(name.lowercased(), candidate.lowercased())
        if distance <= max(1, min(2, name.count / 3)), distance < name.count, best == nil || distance < best!.1 {
            best = (candidate, distance)
        }
    }
    return best?.0
}
