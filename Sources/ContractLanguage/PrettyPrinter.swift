/// Prints a contract in canonical layout (spec §8.1): two-space indentation, one clause per line,
/// clauses in the order input, local, compute, reveal, require, disclose, privacy, protocol; no comments;
/// numbers without redundant zeros; strings with the language's escapes; the fewest parentheses
/// that preserve the tree. `Parser.parse(PrettyPrinter.format(c)).contract == c` for every
/// contract `c` that parsed.
public enum PrettyPrinter {
    /// Formats a contract.
    /// - Parameter contract: the tree.
    /// - Returns: canonical source text ending in a newline.
    public static func format(_ contract: Contract) -> String {
        var lines: [String] = []
        lines.append("contract \(contract.name.text) version \(contract.version) {")
        if let input = contract.input {
            let columns = input.columns.map { "\($0.name.text): \($0.type)" }.joined(separator: ", ")
            lines.append("  input \(input.table.text)(\(columns))")
        }
        if !contract.local.isEmpty {
            lines.append("  local {")
            for statement in contract.local { lines.append("    " + format(statement)) }
            lines.append("  }")
        }
        if let compute = contract.compute {
            var header = "  compute"
            if !compute.groupKeys.isEmpty {
                header += " by " + compute.groupKeys.map(format).joined(separator: ", ")
            }
            lines.append(header + " {")
            for output in compute.outputs {
                lines.append("    \(output.name.text) = \(format(output.value))")
            }
            lines.append("  }")
        }
        for reveal in contract.reveals {
            lines.append(
                "  reveal \(reveal.outputs.map(\.text).joined(separator: ", ")) to \(reveal.recipients.map(\.description).joined(separator: ", "))"
            )
        }
        for requirement in contract.requirements {
            switch requirement.kind {
            case .participants(let k): lines.append("  require participants >= \(k)")
            case .perGroup(let name, let k): lines.append("  require \(name.text) >= \(k) per group")
            }
        }
        if contract.disclosure != nil { lines.append("  disclose sums") }
        if let privacy = contract.privacy {
            var line = "  privacy \(privacy.mechanism.rawValue) epsilon \(privacy.epsilon)"
            if let delta = privacy.delta { line += " delta \(delta)" }
            lines.append(line)
        }
        lines.append("  protocol \((contract.protocolClause?.choice ?? .auto).rawValue)")
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Formats one local statement.
    /// - Parameter statement: the statement.
    /// - Returns: its canonical text.
    public static func format(_ statement: LocalStatement) -> String {
        switch statement {
        case .filter(let condition):
            return "where \(format(condition))"
        case .generalize(let g):
            switch g.rule {
            case .bands(let edges):
                return "generalize \(g.column.text) into bands [\(edges.map(\.description).joined(separator: ", "))]"
            case .truncate(let unit):
                return "generalize \(g.column.text) to \(unit.rawValue)"
            case .prefix(let k):
                return "generalize \(g.column.text) to prefix \(k)"
            case .map(let pairs, let otherwise):
                var items = pairs.map { "\(quoted($0.from)) -> \(quoted($0.to))" }
                if let otherwise { items.append("else -> \(quoted(otherwise))") }
                return "generalize \(g.column.text) map { \(items.joined(separator: ", ")) }"
            }
        case .clip(let clip):
            return "clip \(clip.column.text) to [\(clip.lower), \(clip.upper)]"
        }
    }

    private static func format(_ key: GroupKey) -> String {
        guard let domain = key.domain else { return key.column.text }
        return "\(key.column.text) in (\(domain.map(\.description).joined(separator: ", ")))"
    }

    private static func format(_ operand: Operand) -> String {
        switch operand {
        case .column(let name): return name.text
        case .literal(let literal, _): return literal.description
        }
    }

    /// Binding strength: or 1, and 2, not 3, predicates 4.
    private static func precedence(_ condition: Condition) -> Int {
        switch condition.kind {
        case .or: return 1
        case .and: return 2
        case .not: return 3
        default: return 4
        }
    }

    /// Formats a row condition with minimal parentheses.
    /// - Parameter condition: the condition.
    /// - Returns: its canonical text.
    public static func format(_ condition: Condition) -> String {
        func child(_ c: Condition, _ minimum: Int) -> String {
            precedence(c) < minimum ? "(\(format(c)))" : format(c)
        }
        switch condition.kind {
        case .or(let a, let b): return "\(child(a, 1)) or \(child(b, 2))"
        case .and(let a, let b): return "\(child(a, 2)) and \(child(b, 3))"
        case .not(let a): return "not \(child(a, 3))"
        case .comparison(let l, let op, let r): return "\(format(l)) \(op.rawValue) \(format(r))"
        case .isNull(let x, let negated): return "\(format(x)) is \(negated ? "not " : "")null"
        case .inList(let x, let values, let negated):
            return "\(format(x)) \(negated ? "not " : "")in (\(values.map(\.description).joined(separator: ", ")))"
        case .between(let x, let low, let high, let negated):
            return "\(format(x)) \(negated ? "not " : "")between \(format(low)) and \(format(high))"
        case .operand(let x): return format(x)
        }
    }

    private static func precedence(_ expression: OutputExpression) -> Int {
        switch expression.kind {
        case .binary(.add, _, _), .binary(.subtract, _, _): return 1
        case .binary: return 2
        default: return 3
        }
    }

    /// Formats an output expression with minimal parentheses.
    /// - Parameter expression: the expression.
    /// - Returns: its canonical text.
    public static func format(_ expression: OutputExpression) -> String {
        switch expression.kind {
        case .number(let n): return n.description
        case .reference(let name): return name.text
        case .aggregate(let call):
            let arguments = call.arguments.map { argument -> String in
                switch argument {
                case .column(let name): return name.text
                case .number(let n, _): return n.description
                case .list(let values, _): return "[\(values.map(\.description).joined(separator: ", "))]"
                }
            }
            return "\(call.function.rawValue)(\(arguments.joined(separator: ", ")))"
        case .negate(let inner):
            let text = format(inner)
            let needsParentheses: Bool
            switch inner.kind {
            case .binary, .negate: needsParentheses = true
            case .number(let n): needsParentheses = n.significand < 0
            default: needsParentheses = false
            }
            return needsParentheses ? "-(\(text))" : "-\(text)"
        case .binary(let op, let l, let r):
            let mine = precedence(expression)
            let left = precedence(l) < mine ? "(\(format(l)))" : format(l)
            let right = precedence(r) <= mine ? "(\(format(r)))" : format(r)
            return "\(left) \(op.rawValue) \(right)"
        }
    }
}
