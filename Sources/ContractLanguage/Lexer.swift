/// A lexical token of the contract language.
///
/// Spec: protocols/contract-language.md §2 (Lexical structure).
public struct Token: Sendable, Hashable {
    /// Token categories.
    public enum Kind: Sendable, Hashable {
        /// A name: `[A-Za-z_][A-Za-z0-9_]*`. Keywords other than the reserved words are
        /// contextual and lexed as identifiers.
        case identifier
        /// A reserved word: `and or not is null true false in between`.
        case reserved
        /// An unsigned decimal numeral such as `18`, `0.5`.
        case number
        /// A double-quoted string; `text` holds the decoded contents.
        case string
        /// Punctuation or an operator; `text` holds its spelling.
        case symbol
        /// End of input.
        case end
    }

    /// The category.
    public var kind: Kind
    /// The identifier, keyword, numeral or symbol spelling, or the decoded string contents.
    public var text: String
    /// Where the token is.
    public var range: SourceRange
    /// True when this token is the first on its line.
    public var startsLine: Bool
}

/// The reserved words: these can never name a column, output or contract.
public let reservedWords: Set<String> = ["and", "or", "not", "is", "null", "true", "false", "in", "between"]

/// Splits source text into tokens. Never traps: malformed input produces diagnostics and the
/// lexer carries on with the next character.
///
/// Spec: protocols/contract-language.md §2.
public struct Lexer {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var column = 1
    private var sawNewline = true
    /// Problems found so far.
    public private(set) var diagnostics: [Diagnostic] = []

    /// Creates a lexer over `source`.
    /// - Parameter source: contract text.
    public init(_ source: String) {
        bytes = Array(source.utf8)
    }

    private var location: SourceLocation { SourceLocation(line: line, column: column, offset: index) }

    private func peek(_ ahead: Int = 0) -> UInt8? {
        index + ahead < bytes.count ? bytes[index + ahead] : nil
    }

    private mutating func advance() {
        guard index < bytes.count else { return }
        let byte = bytes[index]
        index += 1
        if byte == UInt8(ascii: "\n") {
            line += 1
            column = 1
            sawNewline = true
        } else if byte & 0xC0 != 0x80 {
            column += 1
        }
    }

    /// Tokenises the whole input; the last token is always `.end`.
    /// - Returns: the tokens.
    public mutating func tokenize() -> [Token] {
        var tokens: [Token] = []
        while true {
            let token = next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private static func isIdentifierStart(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    private mutating func next() -> Token {
        while true {
            if let token = nextOrSkip() { return token }
        }
    }

    private mutating func report(_ diagnostic: Diagnostic) {
        if diagnostics.count < Parser.maximumDiagnostics { diagnostics.append(diagnostic) }
    }

    /// The next token, or nil after skipping an unknown character.
    private mutating func nextOrSkip() -> Token? {
        skipTrivia()
        let start = location
        let startsLine = sawNewline
        sawNewline = false
        guard let byte = peek() else {
            return Token(kind: .end, text: "", range: SourceRange(start: start, end: start), startsLine: true)
        }
        func make(_ kind: Token.Kind, _ text: String) -> Token {
            Token(kind: kind, text: text, range: SourceRange(start: start, end: location), startsLine: startsLine)
        }
        if Self.isIdentifierStart(byte) {
            let from = index
            while let b = peek(), Self.isIdentifierStart(b) || Self.isDigit(b) { advance() }
            let text = String(decoding: bytes[from..<index], as: UTF8.self)
            return make(reservedWords.contains(text) ? .reserved : .identifier, text)
        }
        if Self.isDigit(byte) {
            let from = index
            while let b = peek(), Self.isDigit(b) { advance() }
            if peek() == UInt8(ascii: "."), let b = peek(1), Self.isDigit(b) {
                advance()
                while let b = peek(), Self.isDigit(b) { advance() }
            }
            if let b = peek(), Self.isIdentifierStart(b) {
                // "12abc": report and swallow the tail so the parser sees one bad numeral.
                while let b = peek(), Self.isIdentifierStart(b) || Self.isDigit(b) { advance() }
                report(
                    Diagnostic(
                        "malformed number '\(String(decoding: bytes[from..<index], as: UTF8.self))'",
                        at: SourceRange(start: start, end: location)))
            }
            return make(.number, String(decoding: bytes[from..<index], as: UTF8.self))
        }
        if byte == UInt8(ascii: "\"") {
            return lexString(start: start, startsLine: startsLine)
        }
        // Symbols: longest match first.
        let two: [String] = ["==", "!=", "<>", "<=", ">=", "->", ".."]
        if let second = peek(1) {
            let pair = String(decoding: [byte, second], as: UTF8.self)
            if two.contains(pair) {
                advance()
                advance()
                return make(.symbol, pair)
            }
        }
        let single: Set<UInt8> = Set("(){}[],:=<>+-*/.;".utf8)
        if single.contains(byte) {
            advance()
            return make(.symbol, String(decoding: [byte], as: UTF8.self))
        }
        // Unknown character (possibly multi-byte): report it once and skip it.
        advance()
        while let b = peek(), b & 0xC0 == 0x80 { advance() }
        let text = String(decoding: bytes[start.offset..<index], as: UTF8.self)
        report(Diagnostic("unexpected character '\(text)'", at: SourceRange(start: start, end: location)))
        return nil
    }

    private mutating func skipTrivia() {
        while let byte = peek() {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
                || byte == UInt8(ascii: "\n")
            {
                advance()
            } else if byte == UInt8(ascii: "-") && peek(1) == UInt8(ascii: "-") {
                while let b = peek(), b != UInt8(ascii: "\n") { advance() }
            } else {
                return
            }
        }
    }

    private mutating func lexString(start: SourceLocation, startsLine: Bool) -> Token {
        advance()  // opening quote
        var contents: [UInt8] = []
        while true {
            guard let byte = peek(), byte != UInt8(ascii: "\n") else {
                report(
                    Diagnostic(
                        "unterminated string literal", at: SourceRange(start: start, end: location),
                        help: "close the string with '\"' on the same line"))
                break
            }
            if byte == UInt8(ascii: "\"") {
                advance()
                break
            }
            if byte == UInt8(ascii: "\\") {
                let escapeStart = location
                advance()
                switch peek() {
                case UInt8(ascii: "\""): contents.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): contents.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "n"): contents.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "t"): contents.append(UInt8(ascii: "\t"))
                default:
                    report(
                        Diagnostic(
                            "unknown escape sequence in string", at: SourceRange(start: escapeStart, end: location),
                            help: "use \\\" \\\\ \\n or \\t"))
                    continue
                }
                advance()
                continue
            }
            contents.append(byte)
            advance()
        }
        return Token(
            kind: .string, text: String(decoding: contents, as: UTF8.self),
            range: SourceRange(start: start, end: location), startsLine: startsLine)
    }
}
