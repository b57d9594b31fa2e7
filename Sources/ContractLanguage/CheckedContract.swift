/// The state of one column after the local pipeline (spec §5).
public struct ColumnState: Sendable, Hashable {
    /// The column's type at this point of the pipeline.
    public var type: ColumnType
    /// The finite, ordered set of values it can take (besides null), when known: booleans,
    /// numeric bands, mapped text.
    public var domain: [Value]?
    /// Clip bounds, when clipped and not generalised since.
    public var bounds: ClosedRange<Numeral>?
    /// Where the column last changed type (a generalize statement), for diagnostics.
    public var changedAt: SourceRange?

    /// The number of values an int or decimal column can take inside its clip bounds at its
    /// resolution (one unit of its last digit): `(high − low)·10^scale + 1`, the size of an exact
    /// quantile's value grid (spec §8.3). Nil when unclipped, not int or decimal, or beyond 2^62.
    public var resolutionValueCount: Int? {
        guard type.isNumeric, let bounds, let low = bounds.lowerBound.scaled(to: type.scale),
            let high = bounds.upperBound.scaled(to: type.scale)
        else { return nil }
        let count = Int128(high) - Int128(low) + 1
        return count <= Int128(1) << 62 ? Int(count) : nil
    }
}

/// The type of a compute output (spec §6.3).
public enum OutputType: Sendable, Hashable, CustomStringConvertible {
    /// Exact integer.
    case int
    /// Exact decimal with the given scale.
    case decimal(scale: Int)
    /// A real number (binary64 in the oracle, fixed point in protocols; spec §8.3 accuracy).
    case real
    /// A date (min/max of a date column).
    case date
    /// A vector of bin counts.
    case histogram(bins: Int)

    /// Spelling used in messages and plans.
    public var description: String {
        switch self {
        case .int: return "int"
        case .decimal(let s): return "decimal(\(s))"
        case .real: return "real"
        case .date: return "date"
        case .histogram(let bins): return "histogram[\(bins)]"
        }
    }

    /// True for int, decimal and real.
    public var isScalarNumber: Bool {
        switch self {
        case .int, .decimal, .real: return true
        default: return false
        }
    }
}

/// A group-by key with its resolved, ordered domain (spec §6.1).
public struct CheckedGroupKey: Sendable, Hashable {
    /// The column.
    public var column: String
    /// Its type after the local pipeline.
    public var type: ColumnType
    /// The values, in declaration (or band) order; rows with any other value (or null) are not
    /// counted in any group.
    public var domain: [Value]
}

/// A typed output definition.
public struct CheckedOutput: Sendable, Hashable {
    /// Output name.
    public var name: String
    /// Result type.
    public var type: OutputType
    /// The defining expression (references resolved to earlier outputs).
    public var expression: OutputExpression
    /// Why this output needs more than additions, if it does (for `protocol` checks).
    public var nonlinearReason: String?

    /// The extrema (`min`, `max`) this output takes of the members' own values, following
    /// references, sorted by name: what no disclosure of sums can replace (spec §7.5). Computed
    /// once by the type checker from the outputs it refers to, so a chain of outputs costs linear time.
    public var extrema: [AggregateFunction]
}

/// A contract that parsed and type-checked: everything the planner needs, resolved.
/// Spec: protocols/contract-language.md §3–§7.
public struct CheckedContract: Sendable, Hashable {
    /// The syntax tree.
    public var syntax: Contract
    /// The input table.
    public var input: InputDeclaration
    /// Column states after the whole local pipeline, by name.
    public var columns: [String: ColumnState]
    /// Group-by keys in order.
    public var groupKeys: [CheckedGroupKey]
    /// Outputs in definition order.
    public var outputs: [CheckedOutput]
    /// For each output that is revealed, its recipients (in first-mention order).
    public var reveals: [(output: String, recipients: [Recipient])]
    /// `require participants >= k`, if present.
    public var minimumParticipants: Int64?
    /// `require OUTPUT >= k per group` clauses: a group is suppressed unless all hold.
    public var suppression: [(output: String, minimum: Int64)]
    /// The privacy clause (reserved; not applied).
    public var privacy: PrivacyClause?
    /// The protocol named by the contract (`auto` when absent).
    public var protocolChoice: ProtocolChoice
    /// Warnings (the contract is still valid).
    public var warnings: [Diagnostic]

    /// True when the contract says `disclose sums` (spec §7.5).
    public var disclosesSums: Bool { syntax.disclosure != nil }

    /// The number of groups: the product of the domain sizes (1 without `by`).
    public var groupCount: Int { groupKeys.reduce(1) { $0 * $1.domain.count } }

    /// True when every computed output and requirement needs additions only.
    public var isLinear: Bool {
        let needed = neededOutputs
        return outputs.allSatisfy { $0.nonlinearReason == nil || !needed.contains($0.name) } && suppression.isEmpty
    }

    /// The outputs that are computed (spec §7.1): those revealed or required, and every output
    /// they refer to. Others are dropped by the planner.
    public var neededOutputs: Set<String> {
        var needed = Set(reveals.map(\.output) + suppression.map(\.output))
        for output in outputs.reversed() where needed.contains(output.name) {
            needed.formUnion(output.expression.referencedOutputs)
        }
        return needed
    }

    /// Output by name.
    /// - Parameter name: output name.
    /// - Returns: the output, if defined.
    public func output(named name: String) -> CheckedOutput? { outputs.first { $0.name == name } }

    /// Equality of the underlying syntax (everything else is derived from it).
    public static func == (lhs: CheckedContract, rhs: CheckedContract) -> Bool { lhs.syntax == rhs.syntax }

    /// Hashes the syntax.
    public func hash(into hasher: inout Hasher) { hasher.combine(syntax) }
}

extension AggregateCall {
    /// The column argument at `index`, if that argument is a column.
    /// - Parameter index: argument position.
    /// - Returns: the column's name.
    public func column(at index: Int) -> String? {
        guard index < arguments.count, case .column(let name) = arguments[index] else { return nil }
        return name.text
    }

    /// The number argument at `index`, if that argument is a number.
    /// - Parameter index: argument position.
    /// - Returns: the numeral.
    public func number(at index: Int) -> Numeral? {
        guard index < arguments.count, case .number(let value, _) = arguments[index] else { return nil }
        return value
    }

    /// The list argument at `index`, if that argument is a list.
    /// - Parameter index: argument position.
    /// - Returns: the numerals.
    public func list(at index: Int) -> [Numeral]? {
        guard index < arguments.count, case .list(let values, _) = arguments[index] else { return nil }
        return values
    }

    /// The probability of `quantile` (0.5 for `median`).
    public var probability: Numeral {
        function == .median ? Numeral(significand: 5, scale: 1) : (number(at: 1) ?? Numeral(significand: 5, scale: 1))
    }

    /// The probability as `P/D`, `D = 10^scale` (spec §8.3 states every rank in these integers).
    public var probabilityFraction: (numerator: Int128, denominator: Int128) {
        let p = probability
        var denominator: Int128 = 1
        for _ in 0..<p.scale { denominator *= 10 }
        return (Int128(p.significand), denominator)
    }

    /// The histogram-grid bucket count of `quantile`/`median` (default 100, spec §8.3).
    public var buckets: Int {
        Int(number(at: methodIndex)?.significand ?? Int64(AggregateCall.defaultBuckets))
    }

    /// The exact method of `quantile`/`median` (spec §8.3), or nil for a grid quantile.
    public var quantileMethod: QuantileMethod? {
        guard function == .quantile || function == .median else { return nil }
        return column(at: methodIndex).flatMap(QuantileMethod.init(rawValue:))
    }

    /// The position of a quantile's bucket count or method: after the column and the probability.
    var methodIndex: Int { function == .median ? 1 : 2 }

    /// Default grid size for quantiles.
    public static let defaultBuckets = 100
}

/// The standard definitions an exact quantile can follow (spec §6.3, §8.3). Each reads the
/// sorted values `x[0] ≤ … ≤ x[n−1]` of a group at probability `p`.
public enum QuantileMethod: String, Sendable, Hashable, CaseIterable {
    /// The k-th smallest value, `k = max(1, ⌈p·n⌉)`: R's type 1, numpy's `inverted_cdf`.
    case invertedCDF = "inverted_cdf"
    /// Python's `statistics.quantiles(…, method="exclusive")` (its default): R's type 6, with
    /// Python's linear extrapolation beyond the extreme order statistics.
    case exclusive
    /// Python's `statistics.quantiles(…, method="inclusive")`: R's type 7, numpy's `linear`.
    case inclusive
}

/// Band labels for `generalize … into bands [e0, …, ek]` (spec §5.2): `(-inf,e0)`,
/// `[e0,e1)`, …, `[ek,+inf)`.
/// - Parameter edges: strictly increasing edges.
/// - Returns: k + 2 labels.
public func bandLabels(_ edges: [Numeral]) -> [String] {
    guard let first = edges.first, let last = edges.last else { return [] }
    var labels = ["(-inf,\(first))"]
    for index in 0..<(edges.count - 1) { labels.append("[\(edges[index]),\(edges[index + 1]))") }
    labels.append("[\(last),+inf)")
    return labels
}

extension OutputExpression {
    /// The aggregate calls written in this expression (references are not followed).
    public var aggregateCalls: [AggregateCall] {
        switch kind {
        case .number, .reference: return []
        case .aggregate(let call): return [call]
        case .binary(_, let l, let r): return l.aggregateCalls + r.aggregateCalls
        case .negate(let e): return e.aggregateCalls
        }
    }

    /// Names of the outputs this expression refers to.
    public var referencedOutputs: [String] {
        switch kind {
        case .number, .aggregate: return []
        case .reference(let name): return [name.text]
        case .binary(_, let l, let r): return l.referencedOutputs + r.referencedOutputs
        case .negate(let e): return e.referencedOutputs
        }
    }
}
