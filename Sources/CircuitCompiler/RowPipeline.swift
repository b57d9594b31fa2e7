public import ContractLanguage

/// Row-level semantics of the local block (spec §5): three-valued conditions, generalisation and
/// clipping. Both the local-plan executor and the plaintext oracle use it; it is deliberately
/// small so that it can be read against the spec line by line.
public struct RowPipeline: Sendable {
    /// Input columns in declaration order.
    public let columns: [ColumnDeclaration]
    /// The local block's statements, in order.
    public let statements: [LocalStatement]
    private let index: [String: Int]
    /// `statements` with column names resolved to positions and literals to values, once: what
    /// `apply` runs (a row costs no name lookup).
    private let steps: [Step]

    /// A statement with its column resolved (nil: not an input column).
    private enum Step: Sendable {
        case filter(Test)
        case generalize(Int?, Generalization.Rule)
        case clip(Int?, Clip)
    }

    /// A condition with its operands resolved; `test` evaluates it as the spec's §5.1 says.
    private indirect enum Test: Sendable {
        case comparison(Term, ComparisonOperator, Term)
        case and(Test, Test)
        case or(Test, Test)
        case not(Test)
        case isNull(Term, negated: Bool)
        case inList(Term, [Value], negated: Bool)
        case between(Term, Term, Term, negated: Bool)
        case operand(Term)
    }

    /// An operand: a column position (nil: unknown, read as null) or a literal's value.
    private enum Term: Sendable {
        case column(Int?)
        case literal(Value)
    }

    /// Creates the pipeline of a checked contract.
    /// - Parameter contract: the checked contract.
    public init(_ contract: CheckedContract) {
        columns = contract.input.columns
        statements = contract.syntax.local
        var index: [String: Int] = [:]
        for (position, column) in columns.enumerated() where index[column.name.text] == nil {
            index[column.name.text] = position
        }
        self.index = index
        steps = statements.map { statement in
            switch statement {
            case .filter(let condition): return .filter(Self.resolve(condition, index))
            case .generalize(let g): return .generalize(index[g.column.text], g.rule)
            case .clip(let clip): return .clip(index[clip.column.text], clip)
            }
        }
    }

    private static func resolve(_ operand: Operand, _ index: [String: Int]) -> Term {
        switch operand {
        case .column(let name): return .column(index[name.text])
        case .literal(let literal, _): return .literal(RowPipeline.value(of: literal))
        }
    }

    private static func resolve(_ condition: Condition, _ index: [String: Int]) -> Test {
        func term(_ operand: Operand) -> Term { resolve(operand, index) }
        switch condition.kind {
        case .comparison(let l, let op, let r): return .comparison(term(l), op, term(r))
        case .and(let a, let b): return .and(resolve(a, index), resolve(b, index))
        case .or(let a, let b): return .or(resolve(a, index), resolve(b, index))
        case .not(let a): return .not(resolve(a, index))
        case .isNull(let x, let negated): return .isNull(term(x), negated: negated)
        case .inList(let x, let literals, let negated): return .inList(term(x), literals.map(RowPipeline.value(of:)), negated: negated)
        case .between(let x, let low, let high, let negated): return .between(term(x), term(low), term(high), negated: negated)
        case .operand(let x): return .operand(term(x))
        }
    }

    /// The position of a column in a row.
    /// - Parameter name: column name.
    /// - Returns: its index.
    public func position(of name: String) -> Int? { index[name] }

    /// Runs the local block over one row.
    /// - Parameter row: values in input-column order.
    /// - Returns: the transformed row, or nil when a `where` drops it.
    public func apply(_ row: [Value]) -> [Value]? {
        var row = row
        for step in steps {
            switch step {
            case .filter(let condition):
                guard test(condition, row) == true else { return nil }
            case .generalize(let i, let rule):
                guard let i else { continue }
                row[i] = RowPipeline.generalize(row[i], rule)
            case .clip(let i, let clip):
                guard let i else { continue }
                row[i] = RowPipeline.clip(row[i], clip)
            }
        }
        return row
    }

    /// SQL three-valued logic: nil is "unknown" (spec §5.1).
    /// - Parameters:
    ///   - condition: the condition.
    ///   - row: the current row.
    /// - Returns: true, false, or nil for unknown.
    public func evaluate(_ condition: Condition, _ row: [Value]) -> Bool? {
        test(Self.resolve(condition, index), row)
    }

    private func test(_ condition: Test, _ row: [Value]) -> Bool? {
        switch condition {
        case .comparison(let l, let op, let r):
            let a = value(l, row), b = value(r, row)
            guard let order = Self.order(a, b) else { return nil }
            switch op {
            case .equal: return order == 0
            case .notEqual: return order != 0
            case .less: return order < 0
            case .lessOrEqual: return order <= 0
            case .greater: return order > 0
            case .greaterOrEqual: return order >= 0
            }
        case .and(let a, let b):
            let x = test(a, row), y = test(b, row)
            if x == false || y == false { return false }
            if x == nil || y == nil { return nil }
            return true
        case .or(let a, let b):
            let x = test(a, row), y = test(b, row)
            if x == true || y == true { return true }
            if x == nil || y == nil { return nil }
            return false
        case .not(let a):
            return test(a, row).map { !$0 }
        case .isNull(let x, let negated):
            return value(x, row).isNull != negated
        case .inList(let x, let values, let negated):
            let v = value(x, row)
            if v.isNull { return nil }
            let found = values.contains { Self.order(v, $0) == 0 }
            return found != negated
        case .between(let x, let low, let high, let negated):
            let v = value(x, row)
            let lower = Self.order(v, value(low, row)).map { $0 >= 0 }
            let upper = Self.order(v, value(high, row)).map { $0 <= 0 }
            let both: Bool?
            if lower == false || upper == false {
                both = false
            } else if lower == nil || upper == nil {
                both = nil
            } else {
                both = true
            }
            return negated ? both.map { !$0 } : both
        case .operand(let x):
            if case .bool(let b) = value(x, row) { return b }
            return nil
        }
    }

    private func value(_ term: Term, _ row: [Value]) -> Value {
        switch term {
        case .column(let i): return i.map { row[$0] } ?? .null
        case .literal(let value): return value
        }
    }

    /// `Value.compare`, with text compared by its UTF-8 bytes: UTF-8 orders as code points do,
    /// so the result is the same, without building arrays of code points per comparison.
    static func order(_ a: Value, _ b: Value) -> Int? {
        if case .text(let x) = a, case .text(let y) = b {
            if x.utf8.elementsEqual(y.utf8) { return 0 }
            return x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1
        }
        return Value.compare(a, b)
    }

    /// The value of a literal (numbers as decimals at their own scale).
    /// - Parameter literal: the literal.
    /// - Returns: its value.
    public static func value(of literal: Literal) -> Value {
        switch literal {
        case .number(let n): return n.isInteger ? .int(n.significand) : .decimal(n.significand, scale: n.scale)
        case .text(let s): return .text(s)
        case .bool(let b): return .bool(b)
        case .date(let d): return .date(d)
        case .null: return .null
        }
    }

    /// Applies a generalisation rule to one value (spec §5.2).
    /// - Parameters:
    ///   - value: the value.
    ///   - rule: the rule.
    /// - Returns: the generalised value (null stays null).
    public static func generalize(_ value: Value, _ rule: Generalization.Rule) -> Value {
        if value.isNull { return .null }
        switch rule {
        case .bands(let edges):
            let labels = bandLabels(edges)
            var band = 0
            for edge in edges {
                guard let order = Value.compare(value, RowPipeline.value(of: .number(edge))), order >= 0 else { break }
                band += 1
            }
            return .text(labels[band])
        case .truncate(let unit):
            guard case .date(let d) = value else { return .null }
            return .date(d.truncated(to: unit))
        case .prefix(let k):
            guard case .text(let s) = value else { return .null }
            var scalars = String.UnicodeScalarView()
            scalars.append(contentsOf: s.unicodeScalars.prefix(k))
            return .text(String(scalars))
        case .map(let pairs, let otherwise):
            guard case .text(let s) = value else { return .null }
            if let pair = pairs.first(where: { $0.from == s }) { return .text(pair.to) }
            return otherwise.map { .text($0) } ?? .null
        }
    }

    /// Clamps a numeric value into the clip bounds (spec §5.3).
    /// - Parameters:
    ///   - value: the value.
    ///   - clip: the statement.
    /// - Returns: the clamped value (null stays null).
    public static func clip(_ value: Value, _ clip: Clip) -> Value {
        guard let (units, scale) = value.scaledNumber,
            let low = clip.lower.scaled(to: scale), let high = clip.upper.scaled(to: scale)
        else { return value }
        let clamped = Swift.min(Swift.max(units, low), high)
        if case .int = value { return .int(clamped) }
        return .decimal(clamped, scale: scale)
    }

    /// The index of the group a transformed row belongs to, row-major over the keys' domains;
    /// nil when a key is null or outside its declared domain (spec §6.1).
    /// - Parameters:
    ///   - row: a transformed row.
    ///   - keys: the group-by keys.
    /// - Returns: the group index.
    public func group(of row: [Value], keys: [CheckedGroupKey]) -> Int? {
        group(of: row, keys: keys, columns: keys.map { index[$0.column] })
    }

    /// `group(of:keys:)` with the keys' column positions resolved (`position(of:)`) by the caller.
    func group(of row: [Value], keys: [CheckedGroupKey], columns: [Int?]) -> Int? {
        var group = 0
        for k in keys.indices {
            guard let i = columns[k], let position = keys[k].domain.firstIndex(where: { Self.equal($0, row[i]) })
            else { return nil }
            group = group * keys[k].domain.count + position
        }
        return group
    }

    /// `Value.compare(a, b) == 0`, with text compared by its UTF-8 bytes (equal exactly when the
    /// code points are).
    static func equal(_ a: Value, _ b: Value) -> Bool {
        if case .text(let x) = a, case .text(let y) = b { return x.utf8.elementsEqual(y.utf8) }
        return Value.compare(a, b) == 0
    }

    /// The key values of a group index.
    /// - Parameters:
    ///   - group: the index.
    ///   - keys: the group-by keys.
    /// - Returns: one value per key.
    public static func keyValues(of group: Int, keys: [CheckedGroupKey]) -> [Value] {
        var group = group
        var values: [Value] = []
        for key in keys.reversed() {
            values.append(key.domain[group % key.domain.count])
            group /= key.domain.count
        }
        return values.reversed()
    }
}

/// The integer units of a numeric or date value (dates: days since 1970-01-01).
func units(_ value: Value) -> Int128? {
    switch value {
    case .int(let v): return Int128(v)
    case .decimal(let v, _): return Int128(v)
    case .date(let d): return Int128(d.daysSinceEpoch)
    default: return nil
    }
}

/// The grid bucket of `v` in `[low, high]` split into `buckets` equal parts (spec §8.3):
/// `min(B − 1, ⌊(v − low)·B / (high − low)⌋)`, all in exact integers.
func gridBucket(_ v: Int128, low: Int128, high: Int128, buckets: Int) -> Int {
    let b = Int128(buckets)
    let raw = (v - low) * b / (high - low)
    return Int(Swift.max(0, Swift.min(b - 1, raw)))
}

/// The histogram bin of `v` for edges `e0 < … < ek` (spec §6.3): bins are `[e_i, e_{i+1})`, the
/// last one closed; values outside `[e0, ek]` are in no bin.
func histogramBin(_ value: Value, edges: [Numeral]) -> Int? {
    guard let first = edges.first, let last = edges.last,
        let lower = Value.compare(value, RowPipeline.value(of: .number(first))), lower >= 0,
        let upper = Value.compare(value, RowPipeline.value(of: .number(last))), upper <= 0
    else { return nil }
    var bin = 0
    while bin + 1 < edges.count - 1,
        let order = Value.compare(value, RowPipeline.value(of: .number(edges[bin + 1]))), order >= 0
    {
        bin += 1
    }
    return bin
}
