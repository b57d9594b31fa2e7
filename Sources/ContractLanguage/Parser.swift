/// Recursive-descent parser for the contract grammar (spec §3–§7, grammar in §10).
///
/// The parser never traps and always terminates: every loop consumes a token or stops, nesting
/// deeper than `maximumDepth` is reported rather than recursed into, and after an error it skips
/// to the start of the next clause so that one run reports several independent errors.
public struct Parser {
    /// Nesting limit for conditions and expressions.
    public static let maximumDepth = 64
    /// At most this many diagnostics are reported; later ones are dropped.
    public static let maximumDiagnostics = 50
    /// Binary operators allowed in one condition or expression (keeps trees shallow enough for
    /// recursive passes).
    public static let maximumOperators = 1000

    private struct Failure: Error {}

    private var tokens: [Token]
    private var position = 0
    private var depth = 0
    private var operators = 0
    private(set) var diagnostics: [Diagnostic] = []

    /// The result of parsing: a tree (when the top-level structure was recognised) and the
    /// diagnostics, lexical ones included.
    public struct Result: Sendable {
        /// The tree; present whenever the header parsed, even if later clauses had errors.
        public var contract: Contract?
        /// Errors in source order.
        public var diagnostics: [Diagnostic]
        /// True when there are no errors.
        public var succeeded: Bool { contract != nil && !diagnostics.contains { $0.severity == .error } }
    }

    /// Parses contract source text.
    /// - Parameter source: the contract.
    /// - Returns: the tree and the diagnostics.
    public static func parse(_ source: String) -> Result {
        var lexer = Lexer(source)
        let tokens = lexer.tokenize()
        var parser = Parser(tokens: tokens)
        parser.diagnostics = lexer.diagnostics
        let contract = parser.parseContract()
        let sorted = parser.diagnostics.enumerated().sorted {
            ($0.element.range.start.offset, $0.offset) < ($1.element.range.start.offset, $1.offset)
        }.map(\.element)
        return Result(contract: contract, diagnostics: Array(sorted.prefix(maximumDiagnostics)))
    }

    private init(tokens: [Token]) { self.tokens = tokens }

    // MARK: Token helpers

    private var current: Token { tokens[min(position, tokens.count - 1)] }
    private func peek(_ ahead: Int) -> Token { tokens[min(position + ahead, tokens.count - 1)] }
    private var previousEnd: SourceLocation {
        position > 0 ? tokens[min(position - 1, tokens.count - 1)].range.end : current.range.start
    }

    @discardableResult
    private mutating func advance() -> Token {
        let token = current
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private func isSymbol(_ s: String) -> Bool { current.kind == .symbol && current.text == s }
    private func isWord(_ s: String) -> Bool {
        (current.kind == .identifier || current.kind == .reserved) && current.text == s
    }

    private mutating func error(_ message: String, at range: SourceRange, help: String? = nil) {
        guard diagnostics.count < Parser.maximumDiagnostics else { return }
        guard !diagnostics.contains(where: { $0.range.start == range.start && $0.severity == .error }) else { return }
        diagnostics.append(Diagnostic(message, at: range, help: help))
    }

    private func describe(_ token: Token) -> String {
        switch token.kind {
        case .end: return "end of input"
        case .string: return "string \(quoted(token.text))"
        case .number: return "number '\(token.text)'"
        case .identifier: return "'\(token.text)'"
        case .reserved: return "keyword '\(token.text)'"
        case .symbol: return "'\(token.text)'"
        }
    }

    private mutating func fail(expected: String, help: String? = nil) -> Failure {
        error("expected \(expected), found \(describe(current))", at: current.range, help: help)
        return Failure()
    }

    private mutating func expectSymbol(_ s: String, help: String? = nil) throws(Failure) -> Token {
        guard isSymbol(s) else { throw fail(expected: "'\(s)'", help: help) }
        return advance()
    }

    private mutating func expectWord(_ s: String, help: String? = nil) throws(Failure) -> Token {
        guard isWord(s) else { throw fail(expected: "'\(s)'", help: help) }
        return advance()
    }

    private mutating func expectName(_ what: String) throws(Failure) -> Name {
        if current.kind == .reserved {
            error(
                "'\(current.text)' is a reserved word and cannot be used as \(what)", at: current.range,
                help: "rename it; reserved words are: \(reservedWords.sorted().joined(separator: ", "))")
            throw Failure()
        }
        guard current.kind == .identifier else { throw fail(expected: what) }
        let token = advance()
        return Name(token.text, range: token.range)
    }

    private mutating func expectString(_ what: String) throws(Failure) -> (String, SourceRange) {
        guard current.kind == .string else { throw fail(expected: what) }
        let token = advance()
        return (token.text, token.range)
    }

    private mutating func expectInteger(_ what: String) throws(Failure) -> (Int64, SourceRange) {
        guard current.kind == .number else { throw fail(expected: what) }
        let token = advance()
        guard let numeral = Numeral(parsing: token.text), numeral.isInteger,
            !token.text.contains(".")
        else {
            if Numeral(parsing: token.text) == nil && !token.text.contains(".") {
                error("number '\(token.text)' is too large (at most 18 digits)", at: token.range)
            } else {
                error("expected \(what), found \(describe(token))", at: token.range)
            }
            throw Failure()
        }
        return (numeral.significand, token.range)
    }

    /// `["-"] NUMBER`.
    private mutating func parseSignedNumeral(_ what: String) throws(Failure) -> (Numeral, SourceRange) {
        let start = current.range
        var negative = false
        if isSymbol("-") {
            advance()
            negative = true
        }
        guard current.kind == .number else { throw fail(expected: what) }
        let token = advance()
        guard let numeral = Numeral(parsing: token.text) else {
            if !diagnostics.contains(where: { $0.range.start == token.range.start }) {
                error(
                    "number '\(token.text)' is too large (at most 18 significant digits)", at: token.range)
            }
            throw Failure()
        }
        return (negative ? numeral.negated : numeral, start.union(token.range))
    }

    /// Skips to the next token for which `stop` holds, keeping braces balanced. Always consumes
    /// at least one token unless already at a stopping point.
    private mutating func synchronize(_ stop: (Token, Token) -> Bool) {
        var braces = 0
        while current.kind != .end {
            if braces == 0 && stop(current, peek(1)) { return }
            if isSymbol("{") { braces += 1 }
            if isSymbol("}") {
                if braces == 0 { return }
                braces -= 1
            }
            advance()
        }
    }

    private static let clauseKeywords: Set<String> = [
        "input", "local", "compute", "reveal", "require", "disclose", "privacy", "protocol",
    ]
    private static let localKeywords: Set<String> = ["where", "generalize", "clip"]

    private static func isClauseStart(_ token: Token) -> Bool {
        token.kind == .identifier && token.startsLine && clauseKeywords.contains(token.text)
    }

    // MARK: Contract

    private mutating func parseContract() -> Contract? {
        let start = current.range
        let name: Name
        let version: Int64
        do {
            _ = try expectWord("contract", help: "a contract starts with: contract NAME version N {")
            name = try expectName("a contract name")
            _ = try expectWord("version")
            let (v, vRange) = try expectInteger("a version number")
            if v < 1 { error("version must be at least 1", at: vRange) }
            version = v
            _ = try expectSymbol("{")
        } catch {
            return nil
        }
        var contract = Contract(
            name: name, version: version, input: nil, local: [], compute: nil, reveals: [], requirements: [],
            privacy: nil, protocolClause: nil, range: start)
        var seenLocal = false
        while !isSymbol("}") && current.kind != .end {
            let before = position
            do throws(Failure) {
                try parseClause(into: &contract, seenLocal: &seenLocal)
            } catch {
                synchronize { token, _ in Parser.isClauseStart(token) }
            }
            if position == before { advance() }
        }
        if isSymbol("}") {
            advance()
            if current.kind != .end {
                error("unexpected \(describe(current)) after the end of the contract", at: current.range)
            }
        } else {
            error(
                "expected '}' to close contract '\(name.text)', found end of input", at: current.range,
                help: "every '{' needs a matching '}'")
        }
        contract.range = start.union(SourceRange(start: previousEnd, end: previousEnd))
        if contract.protocolClause == nil {
            // An absent protocol clause means `protocol auto` (spec §7.3); making it explicit keeps
            // parse ∘ print the identity.
            contract.protocolClause = ProtocolClause(choice: .auto, range: .synthesized)
        }
        return contract
    }

    private mutating func parseClause(into contract: inout Contract, seenLocal: inout Bool) throws(Failure) {
        let token = current
        guard token.kind == .identifier else {
            throw fail(
                expected: "a clause (input, local, compute, reveal, require, disclose, privacy or protocol)")
        }
        switch token.text {
        case "input":
            let input = try parseInput()
            if contract.input != nil {
                error("duplicate input declaration: a contract reads exactly one table", at: input.range)
            } else {
                contract.input = input
            }
        case "local":
            let start = advance().range
            _ = try expectSymbol("{")
            let statements = parseLocalStatements()
            if seenLocal {
                error("duplicate local block: put all local statements in one block", at: start)
            } else {
                contract.local = statements
                seenLocal = true
            }
        case "compute":
            let block = try parseCompute()
            if contract.compute != nil {
                error("duplicate compute block: a contract has exactly one", at: block.range)
            } else {
                contract.compute = block
            }
        case "reveal":
            contract.reveals.append(try parseReveal())
        case "require":
            contract.requirements.append(try parseRequire())
        case "disclose":
            let start = advance().range
            let end = try expectWord("sums", help: "write: disclose sums").range
            if contract.disclosure != nil {
                error("duplicate disclose clause", at: start.union(end))
            } else {
                contract.disclosure = DisclosureClause(range: start.union(end))
            }
        case "privacy":
            let clause = try parsePrivacy()
            if contract.privacy != nil {
                error("duplicate privacy clause", at: clause.range)
            } else {
                contract.privacy = clause
            }
        case "protocol":
            let start = advance().range
            guard current.kind == .identifier, let choice = ProtocolChoice(rawValue: current.text) else {
                throw fail(expected: "a protocol (additive, secagg, paillier, beaver or auto)")
            }
            let end = advance().range
            if contract.protocolClause != nil {
                error("duplicate protocol clause", at: start.union(end))
            } else {
                contract.protocolClause = ProtocolClause(choice: choice, range: start.union(end))
            }
        default:
            let help = suggestion(for: token.text, among: Array(Parser.clauseKeywords)).map { "did you mean '\($0)'?" }
            error(
                "unknown clause '\(token.text)'; expected input, local, compute, reveal, require, disclose, privacy or protocol",
                at: token.range, help: help)
            throw Failure()
        }
    }

    // MARK: Input

    private mutating func parseInput() throws(Failure) -> InputDeclaration {
        let start = advance().range
        let table = try expectName("a table name")
        _ = try expectSymbol("(", help: "declare columns as: input TABLE(column: type, …)")
        var columns: [ColumnDeclaration] = []
        if !isSymbol(")") {
            repeat {
                if !columns.isEmpty { advance() }
                let name = try expectName("a column name")
                _ = try expectSymbol(":", help: "write the column's type after a colon, e.g. \(name.text): int")
                let type = try parseType()
                columns.append(ColumnDeclaration(name: name, type: type, range: name.range.union(SourceRange(start: previousEnd, end: previousEnd))))
            } while isSymbol(",")
        }
        let end = try expectSymbol(")").range
        if columns.isEmpty { error("input '\(table.text)' declares no columns", at: table.range) }
        return InputDeclaration(table: table, columns: columns, range: start.union(end))
    }

    private mutating func parseType() throws(Failure) -> ColumnType {
        guard current.kind == .identifier else { throw fail(expected: "a type (int, decimal(S), text, bool, date)") }
        let token = advance()
        switch token.text {
        case "int": return .int
        case "text": return .text
        case "bool": return .bool
        case "date": return .date
        case "decimal":
            _ = try expectSymbol("(", help: "give the number of fraction digits, e.g. decimal(2)")
            let (scale, range) = try expectInteger("a scale")
            _ = try expectSymbol(")")
            guard (0...18).contains(scale) else {
                error("decimal scale must be between 0 and 18", at: range)
                return .decimal(scale: 0)
            }
            return .decimal(scale: Int(scale))
        default:
            let help = suggestion(for: token.text, among: ["int", "decimal", "text", "bool", "date"]).map {
                "did you mean '\($0)'?"
            }
            error("unknown type '\(token.text)'; expected int, decimal(S), text, bool or date", at: token.range, help: help)
            return .text
        }
    }

    // MARK: Local block

    private mutating func parseLocalStatements() -> [LocalStatement] {
        var statements: [LocalStatement] = []
        while !isSymbol("}") && current.kind != .end {
            if Parser.isClauseStart(current) { break }
            let before = position
            do throws(Failure) {
                statements.append(try parseLocalStatement())
            } catch {
                synchronize { token, _ in
                    (token.kind == .identifier && Parser.localKeywords.contains(token.text) && token.startsLine)
                        || Parser.isClauseStart(token)
                }
            }
            if position == before { advance() }
        }
        if isSymbol("}") {
            advance()
        } else {
            error("expected '}' to close the local block, found \(describe(current))", at: current.range)
        }
        return statements
    }

    private mutating func parseLocalStatement() throws(Failure) -> LocalStatement {
        let token = current
        guard token.kind == .identifier else { throw fail(expected: "where, generalize or clip") }
        switch token.text {
        case "where":
            advance()
            return .filter(try parseCondition())
        case "generalize":
            advance()
            let column = try expectName("a column name")
            let rule: Generalization.Rule
            if isWord("into") {
                advance()
                _ = try expectWord("bands")
                let (edges, _) = try parseNumberList()
                rule = .bands(edges)
            } else if isWord("to") {
                advance()
                if isWord("prefix") {
                    advance()
                    let (k, range) = try expectInteger("a prefix length")
                    guard (1...1000).contains(k) else {
                        error("prefix length must be between 1 and 1000", at: range)
                        throw Failure()
                    }
                    rule = .prefix(Int(k))
                } else if current.kind == .identifier, let unit = DateUnit(rawValue: current.text) {
                    advance()
                    rule = .truncate(unit)
                } else {
                    throw fail(expected: "year, quarter, month or prefix K")
                }
            } else if isWord("map") {
                advance()
                rule = try parseMapping()
            } else {
                throw fail(
                    expected: "'into bands [...]', 'to year|quarter|month', 'to prefix K' or 'map { ... }'")
            }
            return .generalize(
                Generalization(column: column, rule: rule, range: token.range.union(SourceRange(start: previousEnd, end: previousEnd))))
        case "clip":
            advance()
            let column = try expectName("a column name")
            _ = try expectWord("to", help: "write: clip \(column.text) to [LOW, HIGH]")
            let (bounds, range) = try parseNumberList()
            guard bounds.count == 2 else {
                error("clip needs exactly two bounds [LOW, HIGH], found \(bounds.count)", at: range)
                throw Failure()
            }
            return .clip(Clip(column: column, lower: bounds[0], upper: bounds[1], range: token.range.union(range)))
        default:
            let help = suggestion(for: token.text, among: Array(Parser.localKeywords)).map { "did you mean '\($0)'?" }
            error("unknown local statement '\(token.text)'; expected where, generalize or clip", at: token.range, help: help)
            throw Failure()
        }
    }

    /// `[ n, n, … ]`.
    private mutating func parseNumberList() throws(Failure) -> ([Numeral], SourceRange) {
        let start = try expectSymbol("[").range
        var values: [Numeral] = []
        if !isSymbol("]") {
            repeat {
                if !values.isEmpty { advance() }
                values.append(try parseSignedNumeral("a number").0)
                if values.count > 10_000 {
                    error("list is too long (at most 10000 numbers)", at: current.range)
                    throw Failure()
                }
            } while isSymbol(",")
        }
        let end = try expectSymbol("]").range
        return (values, start.union(end))
    }

    private mutating func parseMapping() throws(Failure) -> Generalization.Rule {
        _ = try expectSymbol("{")
        var pairs: [TextMapping] = []
        var otherwise: String?
        while !isSymbol("}") {
            if isWord("else") {
                let start = advance().range
                _ = try expectSymbol("->")
                let (to, _) = try expectString("a replacement string")
                if otherwise != nil { error("duplicate 'else' in map", at: start) }
                otherwise = to
            } else {
                let (from, range) = try expectString("a string to map from, or 'else'")
                _ = try expectSymbol("->", help: "write: \(quoted(from)) -> \"replacement\"")
                let (to, toRange) = try expectString("a replacement string")
                pairs.append(TextMapping(from: from, to: to, range: range.union(toRange)))
            }
            if isSymbol(",") { advance() } else { break }
        }
        _ = try expectSymbol("}")
        return .map(pairs, otherwise: otherwise)
    }

    // MARK: Conditions

    private mutating func countOperator() throws(Failure) {
        operators += 1
        if operators > Parser.maximumOperators {
            error("expression is too long (more than \(Parser.maximumOperators) operators)", at: current.range)
            throw Failure()
        }
    }

    private mutating func enter() throws(Failure) {
        if depth == 0 { operators = 0 }
        depth += 1
        if depth > Parser.maximumDepth {
            error("expression is nested too deeply (more than \(Parser.maximumDepth) levels)", at: current.range)
            throw Failure()
        }
    }

    private mutating func parseCondition() throws(Failure) -> Condition {
        try enter()
        defer { depth -= 1 }
        var left = try parseAnd()
        while isWord("or") {
            advance()
            try countOperator()
            let right = try parseAnd()
            left = Condition(.or(left, right), range: left.range.union(right.range))
        }
        return left
    }

    private mutating func parseAnd() throws(Failure) -> Condition {
        var left = try parseNot()
        while isWord("and") {
            advance()
            try countOperator()
            let right = try parseNot()
            left = Condition(.and(left, right), range: left.range.union(right.range))
        }
        return left
    }

    private mutating func parseNot() throws(Failure) -> Condition {
        if isWord("not") {
            let start = advance().range
            try enter()
            defer { depth -= 1 }
            let inner = try parseNot()
            return Condition(.not(inner), range: start.union(inner.range))
        }
        return try parsePredicate()
    }

    private mutating func parsePredicate() throws(Failure) -> Condition {
        if isSymbol("(") {
            let start = advance().range
            let inner = try parseCondition()
            let end = try expectSymbol(")").range
            return Condition(inner.kind, range: start.union(end))
        }
        let left = try parseOperand()
        if current.kind == .symbol, let op = Parser.comparison(current.text) {
            advance()
            let right = try parseOperand()
            return Condition(.comparison(left, op, right), range: left.range.union(right.range))
        }
        if isWord("is") {
            advance()
            var negated = false
            if isWord("not") {
                advance()
                negated = true
            }
            let end = try expectWord("null", help: "write 'is null' or 'is not null'").range
            return Condition(.isNull(left, negated: negated), range: left.range.union(end))
        }
        var negated = false
        if isWord("not") && (peek(1).text == "in" || peek(1).text == "between") && peek(1).kind == .reserved {
            advance()
            negated = true
        }
        if isWord("in") {
            advance()
            let (values, range) = try parseLiteralList()
            return Condition(.inList(left, values, negated: negated), range: left.range.union(range))
        }
        if isWord("between") {
            advance()
            let low = try parseOperand()
            _ = try expectWord("and", help: "write: x between LOW and HIGH")
            let high = try parseOperand()
            return Condition(.between(left, low, high, negated: negated), range: left.range.union(high.range))
        }
        return Condition(.operand(left), range: left.range)
    }

    private static func comparison(_ text: String) -> ComparisonOperator? {
        switch text {
        case "=", "==": return .equal
        case "!=", "<>": return .notEqual
        case "<": return .less
        case "<=": return .lessOrEqual
        case ">": return .greater
        case ">=": return .greaterOrEqual
        default: return nil
        }
    }

    private mutating func parseOperand() throws(Failure) -> Operand {
        if current.kind == .identifier && !(current.text == "date" && peek(1).kind == .string) {
            let token = advance()
            return .column(Name(token.text, range: token.range))
        }
        let (literal, range) = try parseLiteral()
        return .literal(literal, range)
    }

    private mutating func parseLiteral() throws(Failure) -> (Literal, SourceRange) {
        let token = current
        switch token.kind {
        case .string:
            advance()
            return (.text(token.text), token.range)
        case .reserved where token.text == "true" || token.text == "false":
            advance()
            return (.bool(token.text == "true"), token.range)
        case .reserved where token.text == "null":
            advance()
            return (.null, token.range)
        case .identifier where token.text == "date" && peek(1).kind == .string:
            advance()
            let (text, range) = try expectString("a date")
            guard let date = CivilDate(iso: text) else {
                error("invalid date \(quoted(text)); write dates as \"YYYY-MM-DD\"", at: range)
                throw Failure()
            }
            return (.date(date), token.range.union(range))
        case .number:
            let (numeral, range) = try parseSignedNumeral("a number")
            return (.number(numeral), range)
        case .symbol where token.text == "-":
            let (numeral, range) = try parseSignedNumeral("a number")
            return (.number(numeral), range)
        default:
            throw fail(expected: "a column name or a literal")
        }
    }

    private mutating func parseLiteralList() throws(Failure) -> ([Literal], SourceRange) {
        let start = try expectSymbol("(", help: "write the values in parentheses: in (\"a\", \"b\")").range
        var values: [Literal] = []
        if !isSymbol(")") {
            repeat {
                if !values.isEmpty { advance() }
                values.append(try parseLiteral().0)
                if values.count > 10_000 {
                    error("list is too long (at most 10000 values)", at: current.range)
                    throw Failure()
                }
            } while isSymbol(",")
        }
        let end = try expectSymbol(")").range
        return (values, start.union(end))
    }

    // MARK: Compute block

    private mutating func parseCompute() throws(Failure) -> ComputeBlock {
        let start = advance().range
        var keys: [GroupKey] = []
        if isWord("by") {
            advance()
            repeat {
                if !keys.isEmpty { advance() }
                let column = try expectName("a group-by column")
                var domain: [Literal]?
                var range = column.range
                if isWord("in") {
                    advance()
                    let (values, listRange) = try parseLiteralList()
                    domain = values
                    range = range.union(listRange)
                }
                keys.append(GroupKey(column: column, domain: domain, range: range))
            } while isSymbol(",")
        }
        _ = try expectSymbol("{")
        var outputs: [OutputDefinition] = []
        while !isSymbol("}") && current.kind != .end {
            if Parser.isClauseStart(current) && !(peek(1).kind == .symbol && peek(1).text == "=") { break }
            let before = position
            do throws(Failure) {
                let name = try expectName("an output name")
                _ = try expectSymbol("=", help: "define outputs as: NAME = aggregate(column)")
                let value = try parseExpression()
                outputs.append(OutputDefinition(name: name, value: value, range: name.range.union(value.range)))
            } catch {
                synchronize { token, next in
                    (token.kind == .identifier && token.startsLine && next.kind == .symbol && next.text == "=")
                        || Parser.isClauseStart(token)
                }
            }
            if position == before { advance() }
        }
        let end: SourceRange
        if isSymbol("}") {
            end = advance().range
        } else {
            error("expected '}' to close the compute block, found \(describe(current))", at: current.range)
            end = current.range
        }
        return ComputeBlock(groupKeys: keys, outputs: outputs, range: start.union(end))
    }

    private mutating func parseExpression() throws(Failure) -> OutputExpression {
        try enter()
        defer { depth -= 1 }
        var left = try parseTerm()
        while current.kind == .symbol, current.text == "+" || current.text == "-" {
            let op: ArithmeticOperator = advance().text == "+" ? .add : .subtract
            try countOperator()
            let right = try parseTerm()
            left = OutputExpression(.binary(op, left, right), range: left.range.union(right.range))
        }
        return left
    }

    private mutating func parseTerm() throws(Failure) -> OutputExpression {
        var left = try parseUnary()
        while current.kind == .symbol, current.text == "*" || current.text == "/" {
            let op: ArithmeticOperator = advance().text == "*" ? .multiply : .divide
            try countOperator()
            let right = try parseUnary()
            left = OutputExpression(.binary(op, left, right), range: left.range.union(right.range))
        }
        return left
    }

    private mutating func parseUnary() throws(Failure) -> OutputExpression {
        if isSymbol("-") {
            let start = advance().range
            try enter()
            defer { depth -= 1 }
            let inner = try parseUnary()
            if case .number(let n) = inner.kind {
                return OutputExpression(.number(n.negated), range: start.union(inner.range))
            }
            return OutputExpression(.negate(inner), range: start.union(inner.range))
        }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws(Failure) -> OutputExpression {
        let token = current
        if token.kind == .number {
            let (numeral, range) = try parseSignedNumeral("a number")
            return OutputExpression(.number(numeral), range: range)
        }
        if isSymbol("(") {
            let start = advance().range
            let inner = try parseExpression()
            let end = try expectSymbol(")").range
            return OutputExpression(inner.kind, range: start.union(end))
        }
        if token.kind == .identifier && peek(1).kind == .symbol && peek(1).text == "(" {
            advance()
            guard let function = AggregateFunction(rawValue: token.text) else {
                let help = suggestion(for: token.text, among: AggregateFunction.allCases.map(\.rawValue))
                    .map { "did you mean '\($0)'?" }
                error(
                    "unknown aggregate function '\(token.text)'", at: token.range,
                    help: help ?? "known aggregates: \(AggregateFunction.allCases.map(\.rawValue).joined(separator: ", "))")
                throw Failure()
            }
            advance()  // "("
            var arguments: [AggregateArgument] = []
            if !isSymbol(")") {
                repeat {
                    if !arguments.isEmpty { advance() }
                    if current.kind == .identifier {
                        let name = advance()
                        arguments.append(.column(Name(name.text, range: name.range)))
                    } else if isSymbol("[") {
                        let (values, range) = try parseNumberList()
                        arguments.append(.list(values, range))
                    } else if current.kind == .number || isSymbol("-") {
                        let (numeral, range) = try parseSignedNumeral("a number")
                        arguments.append(.number(numeral, range))
                    } else {
                        throw fail(expected: "a column name, a number or a [list]")
                    }
                    if arguments.count > 8 {
                        error("too many arguments to \(function.rawValue)", at: current.range)
                        throw Failure()
                    }
                } while isSymbol(",")
            }
            let end = try expectSymbol(")").range
            return OutputExpression(
                .aggregate(AggregateCall(function: function, arguments: arguments, range: token.range.union(end))),
                range: token.range.union(end))
        }
        if token.kind == .identifier {
            advance()
            return OutputExpression(.reference(Name(token.text, range: token.range)), range: token.range)
        }
        throw fail(expected: "an aggregate such as count() or sum(x), an output name, or a number")
    }

    // MARK: Reveal, require, privacy

    private mutating func parseReveal() throws(Failure) -> RevealClause {
        let start = advance().range
        var outputs: [Name] = []
        repeat {
            if !outputs.isEmpty { advance() }
            outputs.append(try expectName("an output name"))
        } while isSymbol(",")
        _ = try expectWord("to", help: "write: reveal OUTPUT, … to all | member \"NAME\" | role \"NAME\"")
        var recipients: [Recipient] = []
        var ranges: [SourceRange] = []
        repeat {
            if !recipients.isEmpty { advance() }
            let token = current
            if isWord("all") {
                advance()
                recipients.append(.all)
                ranges.append(token.range)
            } else if isWord("member") || isWord("role") {
                advance()
                let (name, range) = try expectString("a quoted \(token.text) name")
                recipients.append(token.text == "member" ? .member(name) : .role(name))
                ranges.append(token.range.union(range))
            } else if current.kind == .string {
                throw fail(
                    expected: "all, member \"NAME\" or role \"NAME\"",
                    help: "say whether \(quoted(current.text)) is a member or a role: member \(quoted(current.text))")
            } else {
                throw fail(expected: "all, member \"NAME\" or role \"NAME\"")
            }
        } while isSymbol(",")
        return RevealClause(
            outputs: outputs, recipients: recipients, recipientRanges: ranges, range: start.union(ranges.last ?? start))
    }

    private mutating func parseRequire() throws(Failure) -> Requirement {
        let start = advance().range
        if isWord("participants") {
            advance()
            _ = try expectSymbol(">=", help: "write: require participants >= K")
            let (k, range) = try expectInteger("a minimum number of participants")
            return Requirement(kind: .participants(k), range: start.union(range))
        }
        let name = try expectName("'participants' or an output name")
        _ = try expectSymbol(">=", help: "write: require \(name.text) >= K per group")
        let (k, _) = try expectInteger("a minimum count")
        _ = try expectWord("per", help: "write: require \(name.text) >= K per group")
        let end = try expectWord("group").range
        return Requirement(kind: .perGroup(name, k), range: start.union(end))
    }

    private mutating func parsePrivacy() throws(Failure) -> PrivacyClause {
        let start = advance().range
        guard current.kind == .identifier, let mechanism = PrivacyMechanism(rawValue: current.text) else {
            throw fail(expected: "a privacy mechanism (laplace or gaussian)")
        }
        advance()
        _ = try expectWord("epsilon")
        let (epsilon, epsilonRange) = try parseSignedNumeral("a value for epsilon")
        var delta: Numeral?
        var end = epsilonRange
        if isWord("delta") {
            advance()
            let (d, range) = try parseSignedNumeral("a value for delta")
            delta = d
            end = range
        }
        return PrivacyClause(mechanism: mechanism, epsilon: epsilon, delta: delta, range: start.union(end))
    }
}
