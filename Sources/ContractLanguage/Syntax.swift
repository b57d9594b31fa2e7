// The abstract syntax tree of a contract. Spec: protocols/contract-language.md §3–§7.
// Every node carries its source range; ranges never take part in equality (see SourceRange).

/// A name as written, with its position.
public struct Name: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The identifier.
    public var text: String
    /// Where it was written.
    public var range: SourceRange

    /// Creates a name.
    /// - Parameters:
    ///   - text: identifier.
    ///   - range: position.
    public init(_ text: String, range: SourceRange = .synthesized) {
        self.text = text
        self.range = range
    }

    /// The identifier.
    public var description: String { text }
}

/// A whole contract: `contract NAME version N { … }` (spec §3).
public struct Contract: Sendable, Hashable, Codable {
    /// The contract's name.
    public var name: Name
    /// The version number (≥ 1).
    public var version: Int64
    /// The input table declaration.
    public var input: InputDeclaration?
    /// The local block's statements, in order (a pipeline).
    public var local: [LocalStatement]
    /// The compute block.
    public var compute: ComputeBlock?
    /// `reveal` clauses, in order.
    public var reveals: [RevealClause]
    /// `require` clauses, in order.
    public var requirements: [Requirement]
    /// The reserved `privacy` clause.
    public var privacy: PrivacyClause?
    /// The `protocol` clause; nil means `auto`.
    public var protocolClause: ProtocolClause?
    /// The `disclose sums` clause (spec §7.5); nil when the contract discloses only its outputs.
    public var disclosure: DisclosureClause?
    /// The whole contract's range.
    public var range: SourceRange

    /// Creates a contract node.
    public init(
        name: Name, version: Int64, input: InputDeclaration?, local: [LocalStatement], compute: ComputeBlock?,
        reveals: [RevealClause], requirements: [Requirement], privacy: PrivacyClause?,
        protocolClause: ProtocolClause?, disclosure: DisclosureClause? = nil, range: SourceRange = .synthesized
    ) {
        self.name = name
        self.version = version
        self.input = input
        self.local = local
        self.compute = compute
        self.reveals = reveals
        self.requirements = requirements
        self.privacy = privacy
        self.protocolClause = protocolClause
        self.disclosure = disclosure
        self.range = range
    }
}

/// `input TABLE(column: type, …)` (spec §4).
public struct InputDeclaration: Sendable, Hashable, Codable {
    /// Table name.
    public var table: Name
    /// Declared columns in order.
    public var columns: [ColumnDeclaration]
    /// Range of the clause.
    public var range: SourceRange

    /// Creates an input declaration.
    public init(table: Name, columns: [ColumnDeclaration], range: SourceRange = .synthesized) {
        self.table = table
        self.columns = columns
        self.range = range
    }
}

/// `name: type` inside an input declaration.
public struct ColumnDeclaration: Sendable, Hashable, Codable {
    /// Column name.
    public var name: Name
    /// Declared type.
    public var type: ColumnType
    /// Range of the declaration.
    public var range: SourceRange

    /// Creates a column declaration.
    public init(name: Name, type: ColumnType, range: SourceRange = .synthesized) {
        self.name = name
        self.type = type
        self.range = range
    }
}

/// A statement of the local block (spec §5).
public enum LocalStatement: Sendable, Hashable, Codable {
    /// `where CONDITION`: keep rows for which the condition is true.
    case filter(Condition)
    /// `generalize COLUMN …`.
    case generalize(Generalization)
    /// `clip COLUMN to [LO, HI]`.
    case clip(Clip)

    /// The statement's range.
    public var range: SourceRange {
        switch self {
        case .filter(let c): return c.range
        case .generalize(let g): return g.range
        case .clip(let c): return c.range
        }
    }
}

/// A literal in a row condition or domain (spec §2.4).
public enum Literal: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A possibly negative number.
    case number(Numeral)
    /// A string.
    case text(String)
    /// `true` / `false`.
    case bool(Bool)
    /// `date "YYYY-MM-DD"`.
    case date(CivilDate)
    /// `null`.
    case null

    /// Canonical spelling.
    public var description: String {
        switch self {
        case .number(let n): return n.description
        case .text(let s): return quoted(s)
        case .bool(let b): return b ? "true" : "false"
        case .date(let d): return "date \"\(d)\""
        case .null: return "null"
        }
    }
}

/// Quotes a string with the language's escapes.
public func quoted(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

/// Comparison operators in row conditions.
public enum ComparisonOperator: String, Sendable, Hashable, Codable, CaseIterable {
    /// `=` (also written `==`).
    case equal = "="
    /// `!=` (also written `<>`).
    case notEqual = "!="
    /// `<`.
    case less = "<"
    /// `<=`.
    case lessOrEqual = "<="
    /// `>`.
    case greater = ">"
    /// `>=`.
    case greaterOrEqual = ">="
}

/// An operand of a row condition: a column or a literal.
public enum Operand: Sendable, Hashable, Codable {
    /// A column reference.
    case column(Name)
    /// A literal with its range.
    case literal(Literal, SourceRange)

    /// The operand's range.
    public var range: SourceRange {
        switch self {
        case .column(let n): return n.range
        case .literal(_, let r): return r
        }
    }
}

/// A boolean row condition (spec §5.1), evaluated with SQL three-valued logic.
///
/// Its `Codable` form is flat, like ``OutputExpression``'s: `{"postfix": [node, …]}`, each node
/// with its `range` and either `leaf` (a comparison, null test, list, range or operand) or
/// `connective` (`and`/`or`: two conditions popped; `not`: one).
public struct Condition: Sendable, Hashable, Codable {
    /// Condition forms.
    public indirect enum Kind: Sendable, Hashable, Codable {
        /// `a OP b`.
        case comparison(Operand, ComparisonOperator, Operand)
        /// `a and b`.
        case and(Condition, Condition)
        /// `a or b`.
        case or(Condition, Condition)
        /// `not a`.
        case not(Condition)
        /// `x is null` / `x is not null`.
        case isNull(Operand, negated: Bool)
        /// `x in (v, …)` / `x not in (v, …)`.
        case inList(Operand, [Literal], negated: Bool)
        /// `x between lo and hi` (inclusive) / `x not between lo and hi`.
        case between(Operand, Operand, Operand, negated: Bool)
        /// A boolean column or literal used as a condition: `where active`.
        case operand(Operand)
    }

    /// The form.
    public var kind: Kind
    /// Its range.
    public var range: SourceRange

    /// Creates a condition.
    public init(_ kind: Kind, range: SourceRange = .synthesized) {
        self.kind = kind
        self.range = range
    }

    /// A condition without connectives, encoded as its own form.
    private enum Leaf: Codable {
        case comparison(Operand, ComparisonOperator, Operand)
        case isNull(Operand, negated: Bool)
        case inList(Operand, [Literal], negated: Bool)
        case between(Operand, Operand, Operand, negated: Bool)
        case operand(Operand)
    }

    private enum Connective: String, Codable { case and, or, not }

    private struct Node: Codable {
        var range: SourceRange
        var leaf: Leaf?
        var connective: Connective?
    }

    private enum CodingKeys: String, CodingKey { case postfix }

    /// Encodes the flat postfix form.
    /// - Parameter encoder: The encoder.
    /// - Throws: The encoder's errors.
    public func encode(to encoder: any Encoder) throws {
        var nodes: [Node] = []
        var stack: [(Condition, Bool)] = [(self, false)]
        while let (condition, expanded) = stack.popLast() {
            let leaf: Leaf
            switch condition.kind {
            case .and(let a, let b), .or(let a, let b):
                if !expanded {
                    stack.append((condition, true))
                    stack.append((b, false))
                    stack.append((a, false))
                } else {
                    let connective: Connective
                    if case .and = condition.kind { connective = .and } else { connective = .or }
                    nodes.append(Node(range: condition.range, connective: connective))
                }
                continue
            case .not(let inner):
                if !expanded {
                    stack.append((condition, true))
                    stack.append((inner, false))
                } else {
                    nodes.append(Node(range: condition.range, connective: .not))
                }
                continue
            case .comparison(let a, let op, let b): leaf = .comparison(a, op, b)
            case .isNull(let a, let negated): leaf = .isNull(a, negated: negated)
            case .inList(let a, let list, let negated): leaf = .inList(a, list, negated: negated)
            case .between(let a, let lo, let hi, let negated): leaf = .between(a, lo, hi, negated: negated)
            case .operand(let a): leaf = .operand(a)
            }
            nodes.append(Node(range: condition.range, leaf: leaf))
        }
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(nodes, forKey: .postfix)
    }

    /// Decodes the flat postfix form.
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError.dataCorrupted` for a malformed node list.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let nodes = try container.decode([Node].self, forKey: .postfix)
        var stack: [Condition] = []
        func corrupt(_ why: String) -> DecodingError {
            .dataCorruptedError(forKey: .postfix, in: container, debugDescription: why)
        }
        for node in nodes {
            switch (node.leaf, node.connective) {
            case (.comparison(let a, let op, let b)?, nil): stack.append(Condition(.comparison(a, op, b), range: node.range))
            case (.isNull(let a, let negated)?, nil): stack.append(Condition(.isNull(a, negated: negated), range: node.range))
            case (.inList(let a, let list, let negated)?, nil):
                stack.append(Condition(.inList(a, list, negated: negated), range: node.range))
            case (.between(let a, let lo, let hi, let negated)?, nil):
                stack.append(Condition(.between(a, lo, hi, negated: negated), range: node.range))
            case (.operand(let a)?, nil): stack.append(Condition(.operand(a), range: node.range))
            case (nil, .not?):
                guard let inner = stack.popLast() else { throw corrupt("not without an operand") }
                stack.append(Condition(.not(inner), range: node.range))
            case (nil, let connective?):
                guard let b = stack.popLast(), let a = stack.popLast() else { throw corrupt("\(connective) without two operands") }
                stack.append(Condition(connective == .and ? .and(a, b) : .or(a, b), range: node.range))
            default:
                throw corrupt("a node needs exactly one of leaf and connective")
            }
        }
        guard stack.count == 1, let condition = stack.first else { throw corrupt("not exactly one condition") }
        self = condition
    }
}

/// `generalize COLUMN RULE` (spec §5.2).
public struct Generalization: Sendable, Hashable, Codable {
    /// Generalisation rules.
    public enum Rule: Sendable, Hashable, Codable {
        /// `into bands [e0, e1, …]`: numeric → text band labels.
        case bands([Numeral])
        /// `to year|quarter|month`: date → first day of the period.
        case truncate(DateUnit)
        /// `to prefix K`: text → its first K characters.
        case prefix(Int)
        /// `map { "from" -> "to", …, else -> "other" }`: text → text.
        case map([TextMapping], otherwise: String?)
    }

    /// The column generalised in place.
    public var column: Name
    /// The rule.
    public var rule: Rule
    /// Range of the statement.
    public var range: SourceRange
}

/// One `"from" -> "to"` pair of a text mapping.
public struct TextMapping: Sendable, Hashable, Codable {
    /// Source text.
    public var from: String
    /// Replacement text.
    public var to: String
    /// Range of the pair.
    public var range: SourceRange

    /// Creates a pair.
    public init(from: String, to: String, range: SourceRange = .synthesized) {
        self.from = from
        self.to = to
        self.range = range
    }
}

/// `clip COLUMN to [LO, HI]` (spec §5.3).
public struct Clip: Sendable, Hashable, Codable {
    /// The clipped column.
    public var column: Name
    /// Lower bound.
    public var lower: Numeral
    /// Upper bound.
    public var upper: Numeral
    /// Range of the statement.
    public var range: SourceRange
}

/// `compute [by KEY, …] { OUTPUT = EXPR … }` (spec §6).
public struct ComputeBlock: Sendable, Hashable, Codable {
    /// Group-by keys, in order (the result's groups are their cartesian product).
    public var groupKeys: [GroupKey]
    /// Output definitions, in order.
    public var outputs: [OutputDefinition]
    /// Range of the block.
    public var range: SourceRange
}

/// `COLUMN [in (v, …)]` in a compute block's `by` list (spec §6.1).
public struct GroupKey: Sendable, Hashable, Codable {
    /// The grouping column.
    public var column: Name
    /// The declared domain, if written.
    public var domain: [Literal]?
    /// Range of the key.
    public var range: SourceRange
}

/// `NAME = EXPRESSION` in a compute block (spec §6.2).
public struct OutputDefinition: Sendable, Hashable, Codable {
    /// The output's name.
    public var name: Name
    /// Its defining expression.
    public var value: OutputExpression
    /// Range of the definition.
    public var range: SourceRange
}

/// Aggregate functions (spec §6.3).
public enum AggregateFunction: String, Sendable, Hashable, Codable, CaseIterable {
    /// `count()` rows, or `count(x)` non-null values.
    case count
    /// `sum(x)`.
    case sum
    /// `mean(x)`.
    case mean
    /// `variance(x)`: sample variance.
    case variance
    /// `stddev(x)`: sample standard deviation.
    case stddev
    /// `min(x)`.
    case min
    /// `max(x)`.
    case max
    /// `quantile(x, p [, buckets])`.
    case quantile
    /// `median(x [, buckets])`.
    case median
    /// `histogram(x, [e0, …])`.
    case histogram
    /// `covariance(x, y)`: sample covariance.
    case covariance
    /// `correlation(x, y)`: Pearson's r.
    case correlation
    /// `slope(y, x)`: least-squares slope of y on x.
    case slope
    /// `intercept(y, x)`: least-squares intercept of y on x.
    case intercept
}

/// An argument of an aggregate call.
public enum AggregateArgument: Sendable, Hashable, Codable {
    /// A column.
    case column(Name)
    /// A number (a probability or a bucket count).
    case number(Numeral, SourceRange)
    /// A bracketed list of numbers (histogram edges).
    case list([Numeral], SourceRange)

    /// The argument's range.
    public var range: SourceRange {
        switch self {
        case .column(let n): return n.range
        case .number(_, let r), .list(_, let r): return r
        }
    }
}

/// `FUNCTION(ARG, …)`.
public struct AggregateCall: Sendable, Hashable, Codable {
    /// The function.
    public var function: AggregateFunction
    /// Arguments as written.
    public var arguments: [AggregateArgument]
    /// Range of the call.
    public var range: SourceRange
}

/// Arithmetic operators over aggregates.
public enum ArithmeticOperator: String, Sendable, Hashable, Codable, CaseIterable {
    /// `+`.
    case add = "+"
    /// `-`.
    case subtract = "-"
    /// `*`.
    case multiply = "*"
    /// `/`.
    case divide = "/"
}

/// An expression over aggregates and earlier outputs (spec §6.2).
///
/// Its `Codable` form is flat, so that the JSON of an expression with the language's maximum of
/// operators stays shallow: `{"postfix": [node, …]}`, the nodes in postfix order, each with its
/// `range` and one of `number`, `reference`, `aggregate`, `negate` (an operand popped) or
/// `binary` (an operator: two operands popped).
public struct OutputExpression: Sendable, Hashable, Codable {
    /// Expression forms.
    public indirect enum Kind: Sendable, Hashable, Codable {
        /// A number.
        case number(Numeral)
        /// An earlier output.
        case reference(Name)
        /// An aggregate.
        case aggregate(AggregateCall)
        /// `a OP b`.
        case binary(ArithmeticOperator, OutputExpression, OutputExpression)
        /// `-a`.
        case negate(OutputExpression)
    }

    /// The form.
    public var kind: Kind
    /// Its range.
    public var range: SourceRange

    /// Creates an expression.
    public init(_ kind: Kind, range: SourceRange = .synthesized) {
        self.kind = kind
        self.range = range
    }

    private struct Node: Codable {
        var range: SourceRange
        var number: Numeral?
        var reference: Name?
        var aggregate: AggregateCall?
        var binary: ArithmeticOperator?
        var negate: Bool?
    }

    private enum CodingKeys: String, CodingKey { case postfix }

    /// Encodes the flat postfix form.
    /// - Parameter encoder: The encoder.
    /// - Throws: The encoder's errors.
    public func encode(to encoder: any Encoder) throws {
        var nodes: [Node] = []
        // Iterative post-order: (expression, children already emitted).
        var stack: [(OutputExpression, Bool)] = [(self, false)]
        while let (expression, expanded) = stack.popLast() {
            var node = Node(range: expression.range)
            switch expression.kind {
            case .number(let n): node.number = n
            case .reference(let name): node.reference = name
            case .aggregate(let call): node.aggregate = call
            case .negate(let inner):
                if !expanded {
                    stack.append((expression, true))
                    stack.append((inner, false))
                    continue
                }
                node.negate = true
            case .binary(let op, let left, let right):
                if !expanded {
                    stack.append((expression, true))
                    stack.append((right, false))
                    stack.append((left, false))
                    continue
                }
                node.binary = op
            }
            nodes.append(node)
        }
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(nodes, forKey: .postfix)
    }

    /// Decodes the flat postfix form.
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError.dataCorrupted` for a malformed node list.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let nodes = try container.decode([Node].self, forKey: .postfix)
        var stack: [OutputExpression] = []
        func corrupt(_ why: String) -> DecodingError {
            .dataCorruptedError(forKey: .postfix, in: container, debugDescription: why)
        }
        for node in nodes {
            if let n = node.number {
                stack.append(OutputExpression(.number(n), range: node.range))
            } else if let name = node.reference {
                stack.append(OutputExpression(.reference(name), range: node.range))
            } else if let call = node.aggregate {
                stack.append(OutputExpression(.aggregate(call), range: node.range))
            } else if node.negate == true {
                guard let inner = stack.popLast() else { throw corrupt("negate without an operand") }
                stack.append(OutputExpression(.negate(inner), range: node.range))
            } else if let op = node.binary {
                guard let right = stack.popLast(), let left = stack.popLast() else { throw corrupt("operator without two operands") }
                stack.append(OutputExpression(.binary(op, left, right), range: node.range))
            } else {
                throw corrupt("a node with no form")
            }
        }
        guard stack.count == 1, let expression = stack.first else { throw corrupt("not exactly one expression") }
        self = expression
    }
}

/// Who may see a revealed output (spec §7.1).
public enum Recipient: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Every participating member.
    case all
    /// One member, by name.
    case member(String)
    /// Every holder of a consortium role, by name.
    case role(String)

    /// Canonical spelling: `all`, `member "bank_a"`, `role "regulator"`.
    public var description: String {
        switch self {
        case .all: return "all"
        case .member(let m): return "member \(quoted(m))"
        case .role(let r): return "role \(quoted(r))"
        }
    }
}

/// `reveal OUTPUT, … to RECIPIENT, …` (spec §7.1).
public struct RevealClause: Sendable, Hashable, Codable {
    /// Revealed outputs.
    public var outputs: [Name]
    /// Recipients, with their ranges.
    public var recipients: [Recipient]
    /// Ranges of the recipients, parallel to `recipients`.
    public var recipientRanges: [SourceRange]
    /// Range of the clause.
    public var range: SourceRange
}

/// `require …` (spec §7.2).
public struct Requirement: Sendable, Hashable, Codable {
    /// Requirement forms.
    public enum Kind: Sendable, Hashable, Codable {
        /// `require participants >= K`.
        case participants(Int64)
        /// `require OUTPUT >= K per group`.
        case perGroup(Name, Int64)
    }

    /// The form.
    public var kind: Kind
    /// Range of the clause.
    public var range: SourceRange
}

/// Differential-privacy mechanisms of the reserved `privacy` clause (spec §7.4).
public enum PrivacyMechanism: String, Sendable, Hashable, Codable, CaseIterable {
    /// Laplace noise, parameter epsilon.
    case laplace
    /// Gaussian noise, parameters epsilon and delta.
    case gaussian
}

/// `privacy MECHANISM epsilon E [delta D]` — parsed and checked, not yet applied (spec §7.4).
public struct PrivacyClause: Sendable, Hashable, Codable {
    /// Mechanism.
    public var mechanism: PrivacyMechanism
    /// Privacy-loss parameter ε.
    public var epsilon: Numeral
    /// δ for the Gaussian mechanism.
    public var delta: Numeral?
    /// Range of the clause.
    public var range: SourceRange
}

/// Protocols a contract may name (spec §7.3).
public enum ProtocolChoice: String, Sendable, Hashable, Codable, CaseIterable {
    /// n-of-n additive sharing.
    case additive
    /// Bonawitz et al. secure aggregation.
    case secagg
    /// Threshold Paillier.
    case paillier
    /// Beaver multiplication and secure comparison.
    case beaver
    /// The cheapest protocol whose capabilities cover the circuit.
    case auto
}

/// `protocol NAME` (spec §7.3).
public struct ProtocolClause: Sendable, Hashable, Codable {
    /// The choice.
    public var choice: ProtocolChoice
    /// Range of the clause.
    public var range: SourceRange
}

/// `disclose sums` (spec §7.5): the members consent to opening, to every participant, the joint
/// per-group sums that the outputs and requirements are computed from, so that an aggregation
/// protocol (additive, secagg, paillier) can run a contract whose outputs need division,
/// multiplication or comparison of those sums; the rest is computed in the clear after opening.
public struct DisclosureClause: Sendable, Hashable, Codable {
    /// Range of the clause.
    public var range: SourceRange

    /// Creates the clause node.
    /// - Parameter range: Its source range.
    public init(range: SourceRange = .synthesized) { self.range = range }
}
