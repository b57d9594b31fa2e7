/// Resolves names and checks types of a parsed contract (spec §4–§7; rules in §9.2).
///
/// A contract that type-checks always plans and compiles.
public struct TypeChecker {
    private var diagnostics: [Diagnostic] = []
    private var warnings: [Diagnostic] = []

    /// Largest number of groups a compute block may produce.
    public static let maximumGroups = 100_000
    /// Largest estimated circuit size (spec §9.3): keeps every accepted contract compilable.
    public static let maximumGates = 1_000_000
    /// Largest number of values an exact quantile reads (spec §8.3): its search runs over them.
    public static let maximumExactQuantileValues = 65_536

    /// A generous estimate of the gates one group of an output needs (spec §8.2).
    static func estimatedGates(_ expression: OutputExpression, columns: [String: ColumnState]) -> Int {
        switch expression.kind {
        case .number, .reference: return 1
        case .negate(let e): return 1 + estimatedGates(e, columns: columns)
        case .binary(_, let l, let r): return 12 + estimatedGates(l, columns: columns) + estimatedGates(r, columns: columns)
        case .aggregate(let call):
            switch call.function {
            case .quantile, .median:
                // Two searches over the values padded to a power of two (spec §8.3).
                guard call.quantileMethod != nil else { return 6 * call.buckets + 10 }
                let values = call.column(at: 0).flatMap { columns[$0]?.resolutionValueCount } ?? 1
                let padded = 1 << (Int.bitWidth - (values - 1).leadingZeroBitCount)
                return 2 * values + 10 * padded + 200
            case .histogram: return 2 * (call.list(at: 1)?.count ?? 1)
            default: return 40
            }
        }
    }

    /// Parses and type-checks contract source.
    /// - Parameter source: the contract text.
    /// - Returns: the checked contract.
    /// - Throws: `ContractLanguageError.invalidContract` with every error found.
    public static func check(source: String) throws(ContractLanguageError) -> CheckedContract {
        let parsed = Parser.parse(source)
        guard parsed.succeeded, let contract = parsed.contract else {
            throw .invalidContract(parsed.diagnostics.filter { $0.severity == .error })
        }
        return try check(contract)
    }

    /// Type-checks a parsed contract.
    /// - Parameter contract: the tree.
    /// - Returns: the checked contract.
    /// - Throws: `ContractLanguageError.invalidContract` with every error found.
    public static func check(_ contract: Contract) throws(ContractLanguageError) -> CheckedContract {
        var checker = TypeChecker()
        let result = checker.run(contract)
        let errors = checker.diagnostics.enumerated().sorted {
            ($0.element.range.start.offset, $0.offset) < ($1.element.range.start.offset, $1.offset)
        }.map(\.element)
        guard errors.isEmpty, var checked = result else { throw .invalidContract(errors) }
        checked.warnings = checker.warnings
        return checked
    }

    private mutating func error(_ message: String, at range: SourceRange, help: String? = nil) {
        diagnostics.append(Diagnostic(message, at: range, help: help))
    }

    private mutating func warn(_ message: String, at range: SourceRange, help: String? = nil) {
        warnings.append(Diagnostic(severity: .warning, message, at: range, help: help))
    }

    // MARK: Driver

    private mutating func run(_ contract: Contract) -> CheckedContract? {
        guard let input = contract.input else {
            error(
                "contract '\(contract.name.text)' has no input declaration", at: contract.name.range,
                help: "declare the table each member provides, e.g. input rows(amount: decimal(2))")
            return nil
        }
        var columns: [String: ColumnState] = [:]
        for column in input.columns {
            if columns[column.name.text] != nil {
                error("duplicate column '\(column.name.text)' in input '\(input.table.text)'", at: column.name.range)
                continue
            }
            var state = ColumnState(type: column.type)
            if column.type == .bool { state.domain = [.bool(false), .bool(true)] }
            columns[column.name.text] = state
        }
        for statement in contract.local { checkLocal(statement, columns: &columns) }

        guard let compute = contract.compute else {
            error(
                "contract '\(contract.name.text)' has no compute block", at: contract.name.range,
                help: "add: compute { n = count() }")
            return nil
        }
        let keys = checkGroupKeys(compute, columns: columns)
        let outputs = checkOutputs(compute, keys: keys, columns: columns)
        let groups = keys.reduce(1) { $0 * $1.domain.count }
        let perGroup = outputs.reduce(0) { $0 + TypeChecker.estimatedGates($1.expression, columns: columns) }
        if groups.multipliedReportingOverflow(by: perGroup).partialValue > TypeChecker.maximumGates
            || groups.multipliedReportingOverflow(by: perGroup).overflow
        {
            error(
                "contract is too large: about \(perGroup) circuit gates per group × \(groups) groups (limit \(TypeChecker.maximumGates))",
                at: compute.range, help: "use fewer groups or fewer quantile buckets")
        }
        let reveals = checkReveals(contract, outputs: outputs)
        let (participants, suppression) = checkRequirements(contract, outputs: outputs, compute: compute)
        checkPrivacy(contract.privacy)
        let choice = contract.protocolClause?.choice ?? .auto
        var needed = Set(reveals.map(\.output) + suppression.map(\.output))
        for output in outputs.reversed() where needed.contains(output.name) {
            needed.formUnion(output.expression.referencedOutputs)
        }
        let neededOutputs = outputs.filter { needed.contains($0.name) }
        let beyondSums = neededOutputs.first { !$0.extrema.isEmpty }
        if let clause = contract.protocolClause, [.additive, .secagg, .paillier].contains(choice) {
            let help = "use 'protocol beaver' or 'protocol auto'"
            if contract.disclosure != nil, let output = beyondSums {
                error(
                    "protocol \(choice.rawValue) can only add secret values, and output '\(output.name)' needs secure comparison of the members' own values (min or max), which no disclosure of sums provides",
                    at: clause.range, help: help)
            } else if contract.disclosure == nil,
                let reason = neededOutputs.lazy.compactMap({ output in output.nonlinearReason.map { (output.name, $0) } }).first
            {
                error(
                    "protocol \(choice.rawValue) can only add secret values, but output '\(reason.0)' needs \(reason.1)",
                    at: clause.range, help: help + ", or add 'disclose sums' to open the sums it is computed from (§7.5)")
            } else if contract.disclosure == nil, let first = suppression.first {
                error(
                    "protocol \(choice.rawValue) can only add secret values, but 'require \(first.output) >= \(first.minimum) per group' needs secure comparison",
                    at: clause.range, help: help + ", or add 'disclose sums' to open the counts (§7.5)")
            }
        }
        let used = Set(reveals.map(\.output) + suppression.map(\.output))
        let referenced = Set(outputs.flatMap { references(in: $0.expression) })
        for output in outputs where !used.contains(output.name) && !referenced.contains(output.name) {
            if let definition = compute.outputs.first(where: { $0.name.text == output.name }) {
                warn(
                    "output '\(output.name)' is computed but never revealed or used", at: definition.name.range,
                    help: "reveal it, or remove it so that it is not computed")
            }
        }
        if contract.reveals.isEmpty {
            warn("nothing is revealed: the contract computes results no one can see", at: contract.name.range)
        }
        guard diagnostics.isEmpty else { return nil }
        let checked = CheckedContract(
            syntax: contract, input: input, columns: columns, groupKeys: keys, outputs: outputs, reveals: reveals,
            minimumParticipants: participants, suppression: suppression, privacy: contract.privacy,
            protocolChoice: choice, warnings: [])
        if let disclosure = contract.disclosure {
            if checked.isLinear {
                warn(
                    "'disclose sums' has no effect: every revealed output is itself a sum, opened as it is",
                    at: disclosure.range, help: "remove the clause")
            } else if choice == .beaver {
                warn(
                    "'disclose sums' has no effect under protocol beaver, which computes on secret sums and opens only the outputs",
                    at: disclosure.range, help: "remove the clause, or choose an aggregation protocol")
            }
        }
        warnPublicRestrictedOutputs(contract, checked, aggregationProtocol: choice != .beaver && beyondSums == nil && (checked.isLinear || contract.disclosure != nil))
        return checked
    }

    /// Warns about each output revealed only to members or roles whose every sum is opened to
    /// every participant anyway (by an output revealed to `all`, or by `disclose sums`) when an
    /// aggregation protocol runs it: `reveal … to` then keeps it from no one who receives those
    /// sums (protocols/runtime.md#output-pads; beaver opens each output on its own).
    private mutating func warnPublicRestrictedOutputs(_ contract: Contract, _ checked: CheckedContract, aggregationProtocol: Bool) {
        guard aggregationProtocol else { return }
        var sums: [String: Set<String>] = [:]
        func aggregates(in expression: OutputExpression) -> Set<String> {
            switch expression.kind {
            case .number: return []
            case .reference(let name): return sums[name.text] ?? []
            case .aggregate: return [PrettyPrinter.format(expression)]
            case .binary(_, let l, let r): return aggregates(in: l).union(aggregates(in: r))
            case .negate(let e): return aggregates(in: e)
            }
        }
        for output in checked.outputs { sums[output.name] = aggregates(in: output.expression) }
        let opened = checked.reveals.filter { $0.recipients.contains(.all) }.reduce(into: Set<String>()) { $0.formUnion(sums[$1.output] ?? []) }
        for (output, recipients) in checked.reveals where !recipients.contains(.all) {
            guard let own = sums[output], !own.isEmpty, contract.disclosure != nil || own.isSubset(of: opened) else { continue }
            let clause = contract.reveals.first { $0.outputs.contains { $0.text == output } }
            let name = clause?.outputs.first { $0.text == output }
            let to = recipients.map(\.description).joined(separator: ", ")
            if let disclosure = contract.disclosure {
                warn(
                    "output '\(output)' is revealed to \(to), but 'disclose sums' opens every sum it is computed from to every participant, who can compute it",
                    at: name?.range ?? disclosure.range,
                    help: "reveal it to all, or remove 'disclose sums' (then protocol beaver keeps it to its recipients)")
            } else {
                warn(
                    "output '\(output)' is revealed to \(to), but every sum it is computed from is also revealed to all, so every participant can compute it",
                    at: name?.range ?? contract.name.range,
                    help: "reveal it to all, or compute it from sums that no output revealed to all uses")
            }
        }
    }

    private func references(in expression: OutputExpression) -> [String] {
        switch expression.kind {
        case .number, .aggregate: return []
        case .reference(let name): return [name.text]
        case .binary(_, let l, let r): return references(in: l) + references(in: r)
        case .negate(let e): return references(in: e)
        }
    }

    // MARK: Columns

    private mutating func resolve(_ name: Name, in columns: [String: ColumnState]) -> ColumnState? {
        if let state = columns[name.text] { return state }
        let help = suggestion(for: name.text, among: columns.keys.sorted()).map { "did you mean '\($0)'?" }
        error(
            "unknown column '\(name.text)'", at: name.range,
            help: help ?? "declared columns: \(columns.keys.sorted().joined(separator: ", "))")
        return nil
    }

    private func typeNote(_ name: String, _ state: ColumnState) -> String? {
        guard let changedAt = state.changedAt else { return nil }
        return "'\(name)' became \(state.type) at \(changedAt.start) (generalize)"
    }

    // MARK: Local block

    private mutating func checkLocal(_ statement: LocalStatement, columns: inout [String: ColumnState]) {
        switch statement {
        case .filter(let condition):
            checkCondition(condition, columns: columns)
        case .generalize(let g):
            guard var state = resolve(g.column, in: columns) else { return }
            switch g.rule {
            case .bands(let edges):
                guard state.type.isNumeric else {
                    error(
                        "cannot generalize '\(g.column.text)' into bands: it is \(state.type), not a number",
                        at: g.range, help: typeNote(g.column.text, state))
                    return
                }
                guard checkEdges(edges, at: g.range, what: "band edges") else { return }
                state = ColumnState(
                    type: .text, domain: bandLabels(edges).map { .text($0) }, bounds: nil, changedAt: g.range)
            case .truncate(let unit):
                guard state.type == .date else {
                    error(
                        "cannot truncate '\(g.column.text)' to \(unit.rawValue): it is \(state.type), not a date",
                        at: g.range, help: typeNote(g.column.text, state))
                    return
                }
                state.domain = nil
                state.changedAt = g.range
            case .prefix:
                guard state.type == .text else {
                    error(
                        "cannot take a prefix of '\(g.column.text)': it is \(state.type), not text", at: g.range,
                        help: typeNote(g.column.text, state))
                    return
                }
                state.domain = nil
                state.changedAt = g.range
            case .map(let pairs, let otherwise):
                guard state.type == .text else {
                    error(
                        "cannot map '\(g.column.text)': it is \(state.type), not text", at: g.range,
                        help: typeNote(g.column.text, state))
                    return
                }
                var seen: Set<String> = []
                var domain: [Value] = []
                for pair in pairs {
                    if !seen.insert(pair.from).inserted {
                        error("\(quoted(pair.from)) is mapped twice", at: pair.range)
                    }
                    if !domain.contains(.text(pair.to)) { domain.append(.text(pair.to)) }
                }
                if let otherwise, !domain.contains(.text(otherwise)) { domain.append(.text(otherwise)) }
                if pairs.isEmpty && otherwise == nil {
                    error("map for '\(g.column.text)' is empty", at: g.range)
                }
                state = ColumnState(type: .text, domain: domain, bounds: nil, changedAt: g.range)
            }
            columns[g.column.text] = state
        case .clip(let clip):
            guard var state = resolve(clip.column, in: columns) else { return }
            guard state.type.isNumeric else {
                error(
                    "cannot clip '\(clip.column.text)': it is \(state.type), not a number", at: clip.range,
                    help: typeNote(clip.column.text, state))
                return
            }
            for bound in [clip.lower, clip.upper] where bound.scaled(to: state.type.scale) == nil {
                error(
                    "clip bound \(bound) does not fit '\(clip.column.text)' (\(state.type))", at: clip.range,
                    help: "use a bound with at most \(state.type.scale) decimal places")
                return
            }
            guard clip.lower <= clip.upper else {
                error(
                    "clip bounds are reversed: \(clip.lower) is greater than \(clip.upper)", at: clip.range,
                    help: "write the lower bound first: clip \(clip.column.text) to [\(clip.upper), \(clip.lower)]")
                return
            }
            if let existing = state.bounds {
                let lower = max(existing.lowerBound, clip.lower), upper = min(existing.upperBound, clip.upper)
                state.bounds = lower <= upper ? lower...upper : clip.lower...clip.upper
            } else {
                state.bounds = clip.lower...clip.upper
            }
            columns[clip.column.text] = state
        }
    }

    private mutating func checkEdges(_ edges: [Numeral], at range: SourceRange, what: String) -> Bool {
        guard edges.count >= 2 else {
            error("\(what) need at least two numbers, found \(edges.count)", at: range)
            return false
        }
        for index in 1..<edges.count where !(edges[index - 1] < edges[index]) {
            error(
                "\(what) must be strictly increasing: \(edges[index - 1]) is followed by \(edges[index])", at: range)
            return false
        }
        return true
    }

    /// The operand's type: a column's current type, or a literal's (nil type for `null`).
    private enum OperandType: Equatable {
        case column(ColumnType)
        case literal(Literal)
    }

    private mutating func operandType(_ operand: Operand, columns: [String: ColumnState]) -> OperandType? {
        switch operand {
        case .column(let name):
            guard let state = resolve(name, in: columns) else { return nil }
            return .column(state.type)
        case .literal(let literal, _):
            return .literal(literal)
        }
    }

    private static func kind(of literal: Literal) -> String {
        switch literal {
        case .number(let n): return n.isInteger ? "int" : "decimal"
        case .text: return "text"
        case .bool: return "bool"
        case .date: return "date"
        case .null: return "null"
        }
    }

    private static func literal(_ literal: Literal, fits type: ColumnType) -> Bool {
        switch (literal, type) {
        case (.number, .int), (.number, .decimal): return true
        case (.text, .text), (.bool, .bool), (.date, .date): return true
        default: return false
        }
    }

    private static func comparable(_ a: ColumnType, _ b: ColumnType) -> Bool {
        (a.isNumeric && b.isNumeric) || a == b
    }

    private mutating func checkComparable(
        _ lhs: Operand, _ rhs: Operand, columns: [String: ColumnState], at range: SourceRange, ordering: Bool
    ) {
        guard let l = operandType(lhs, columns: columns), let r = operandType(rhs, columns: columns) else { return }
        func describe(_ t: OperandType) -> String {
            switch t {
            case .column(let type): return "\(type)"
            case .literal(let literal): return TypeChecker.kind(of: literal)
            }
        }
        var ok: Bool
        switch (l, r) {
        case (.literal(.null), _), (_, .literal(.null)):
            error(
                "comparison with null is never true", at: range,
                help: "use 'is null' or 'is not null' to test for missing values")
            return
        case (.column(let a), .column(let b)): ok = TypeChecker.comparable(a, b)
        case (.column(let a), .literal(let lit)), (.literal(let lit), .column(let a)):
            ok = TypeChecker.literal(lit, fits: a)
        case (.literal(let a), .literal(let b)):
            ok = TypeChecker.kind(of: a) == TypeChecker.kind(of: b)
                || (TypeChecker.kind(of: a) != "text" && [a, b].allSatisfy { if case .number = $0 { true } else { false } })
        }
        if ok && ordering {
            if case .column(.bool) = l { ok = false }
            if case .column(.bool) = r { ok = false }
        }
        if !ok {
            error(
                "type mismatch: cannot compare \(describe(l)) with \(describe(r))", at: range,
                help: ordering && (l == .column(.bool) || r == .column(.bool))
                    ? "booleans can only be tested with = and !=" : nil)
        }
    }

    private mutating func checkCondition(_ condition: Condition, columns: [String: ColumnState]) {
        switch condition.kind {
        case .comparison(let l, let op, let r):
            checkComparable(l, r, columns: columns, at: condition.range, ordering: op != .equal && op != .notEqual)
        case .and(let a, let b), .or(let a, let b):
            checkCondition(a, columns: columns)
            checkCondition(b, columns: columns)
        case .not(let a):
            checkCondition(a, columns: columns)
        case .isNull(let operand, _):
            if case .column(let name) = operand { _ = resolve(name, in: columns) } else {
                error("'is null' applies to a column", at: condition.range)
            }
        case .inList(let operand, let values, _):
            guard let type = operandType(operand, columns: columns) else { return }
            guard case .column(let columnType) = type else {
                error("'in' applies to a column", at: condition.range)
                return
            }
            if values.isEmpty { error("'in' needs at least one value", at: condition.range) }
            for value in values {
                if value == .null {
                    error(
                        "'in' list contains null, which never matches", at: condition.range,
                        help: "use 'is null' to test for missing values")
                } else if !TypeChecker.literal(value, fits: columnType) {
                    error(
                        "type mismatch: \(value) (\(TypeChecker.kind(of: value))) in a list for a \(columnType) column",
                        at: condition.range)
                }
            }
        case .between(let x, let low, let high, _):
            checkComparable(x, low, columns: columns, at: condition.range, ordering: true)
            checkComparable(x, high, columns: columns, at: condition.range, ordering: true)
        case .operand(let operand):
            guard let type = operandType(operand, columns: columns) else { return }
            switch type {
            case .column(.bool), .literal(.bool): break
            case .column(let t):
                let name: String
                if case .column(let n) = operand { name = n.text } else { name = "?" }
                error(
                    "a condition must be true or false, but '\(name)' is \(t)", at: condition.range,
                    help: "compare it, e.g. where \(name) > 0")
            case .literal(let lit):
                error(
                    "a condition must be true or false, but \(lit) is not a boolean",
                    at: condition.range)
            }
        }
    }

    // MARK: Compute block

    private mutating func value(of literal: Literal, as type: ColumnType, column: String, at range: SourceRange)
        -> Value?
    {
        switch (literal, type) {
        case (.number(let n), .int):
            guard n.isInteger else {
                error("domain value \(n) is not an integer, but '\(column)' is int", at: range)
                return nil
            }
            return .int(n.significand)
        case (.number(let n), .decimal(let scale)):
            guard let units = n.scaled(to: scale) else {
                error("domain value \(n) has more than \(scale) decimal places", at: range)
                return nil
            }
            return .decimal(units, scale: scale)
        case (.text(let s), .text): return .text(s)
        case (.bool(let b), .bool): return .bool(b)
        case (.date(let d), .date): return .date(d)
        default:
            error(
                "type mismatch: domain value \(literal) (\(TypeChecker.kind(of: literal))) for '\(column)', which is \(type)",
                at: range)
            return nil
        }
    }

    private mutating func checkGroupKeys(_ compute: ComputeBlock, columns: [String: ColumnState]) -> [CheckedGroupKey] {
        var keys: [CheckedGroupKey] = []
        var total = 1
        for key in compute.groupKeys {
            guard let state = resolve(key.column, in: columns) else { continue }
            if keys.contains(where: { $0.column == key.column.text }) {
                error("duplicate group-by key '\(key.column.text)'", at: key.column.range)
                continue
            }
            var domain: [Value] = []
            var seen: Set<Value> = []
            if let literals = key.domain {
                if literals.isEmpty {
                    error("the domain of '\(key.column.text)' is empty", at: key.range)
                    continue
                }
                for literal in literals {
                    guard let value = value(of: literal, as: state.type, column: key.column.text, at: key.range)
                    else { continue }
                    if !seen.insert(value).inserted {
                        error("duplicate value \(literal) in the domain of '\(key.column.text)'", at: key.range)
                    } else if let implicit = state.domain, !implicit.contains(value) {
                        error(
                            "\(literal) is not a possible value of '\(key.column.text)'", at: key.range,
                            help: "possible values: \(implicit.map { $0.description }.joined(separator: ", "))")
                    } else {
                        domain.append(value)
                    }
                }
            } else if let implicit = state.domain {
                domain = implicit
            } else {
                error(
                    "cannot group by unbounded column '\(key.column.text)' (\(state.type)): its domain is not declared",
                    at: key.column.range,
                    help: state.type.isNumeric
                        ? "list its values with 'by \(key.column.text) in (…)' or generalize it into bands"
                        : "list its values with 'by \(key.column.text) in (…)'")
                continue
            }
            total = total.multipliedReportingOverflow(by: max(1, domain.count)).partialValue
            if total > TypeChecker.maximumGroups || total < 0 {
                error(
                    "too many groups: the group-by keys produce more than \(TypeChecker.maximumGroups) groups",
                    at: key.range)
                return keys
            }
            keys.append(CheckedGroupKey(column: key.column.text, type: state.type, domain: domain))
        }
        return keys
    }

    private mutating func checkOutputs(
        _ compute: ComputeBlock, keys: [CheckedGroupKey], columns: [String: ColumnState]
    ) -> [CheckedOutput] {
        var outputs: [CheckedOutput] = []
        var byName: [String: CheckedOutput] = [:]
        let allNames = Set(compute.outputs.map(\.name.text))
        if compute.outputs.isEmpty { error("the compute block defines no outputs", at: compute.range) }
        for definition in compute.outputs {
            let name = definition.name.text
            if byName[name] != nil {
                error("duplicate output '\(name)'", at: definition.name.range, help: "give each output its own name")
                continue
            }
            if keys.contains(where: { $0.column == name }) {
                error(
                    "output '\(name)' has the same name as a group-by key", at: definition.name.range,
                    help: "rename the output")
                continue
            }
            guard
                let (type, reason) = typeOf(
                    definition.value, outputs: byName, allNames: allNames, columns: columns, defining: name)
            else { continue }
            // Extrema of this expression and, through its references, of the outputs it uses.
            var extrema = Set(definition.value.aggregateCalls.map(\.function)).intersection([.min, .max])
            for reference in definition.value.referencedOutputs { extrema.formUnion(byName[reference]?.extrema ?? []) }
            let output = CheckedOutput(
                name: name, type: type, expression: definition.value, nonlinearReason: reason,
                extrema: extrema.sorted { $0.rawValue < $1.rawValue })
            outputs.append(output)
            byName[name] = output
        }
        return outputs
    }

    /// The type of an output expression and, if it needs more than additions, why.
    private mutating func typeOf(
        _ expression: OutputExpression, outputs: [String: CheckedOutput], allNames: Set<String>,
        columns: [String: ColumnState], defining: String
    ) -> (OutputType, String?)? {
        switch expression.kind {
        case .number(let n):
            return (n.isInteger ? .int : .real, nil)
        case .reference(let name):
            if let output = outputs[name.text] {
                return (output.type, output.nonlinearReason)
            }
            if name.text == defining {
                error("output '\(name.text)' refers to itself", at: name.range)
            } else if allNames.contains(name.text) {
                error(
                    "output '\(name.text)' is used before it is defined", at: name.range,
                    help: "define '\(name.text)' above '\(defining)'")
            } else if columns[name.text] != nil {
                error(
                    "'\(name.text)' is a column, not an output; aggregate it first", at: name.range,
                    help: "e.g. sum(\(name.text)) or mean(\(name.text))")
            } else {
                let help = suggestion(for: name.text, among: outputs.keys.sorted()).map { "did you mean '\($0)'?" }
                error("unknown output '\(name.text)'", at: name.range, help: help)
            }
            return nil
        case .aggregate(let call):
            return typeOfAggregate(call, columns: columns)
        case .negate(let inner):
            guard let (type, reason) = typeOf(inner, outputs: outputs, allNames: allNames, columns: columns, defining: defining)
            else { return nil }
            guard type.isScalarNumber else {
                error("cannot negate a \(type) value", at: expression.range)
                return nil
            }
            return (type, reason)
        case .binary(let op, let l, let r):
            let left = typeOf(l, outputs: outputs, allNames: allNames, columns: columns, defining: defining)
            let right = typeOf(r, outputs: outputs, allNames: allNames, columns: columns, defining: defining)
            guard let (lt, lr) = left, let (rt, rr) = right else { return nil }
            for (type, side) in [(lt, l), (rt, r)] where !type.isScalarNumber {
                error(
                    "arithmetic needs numbers, but this is a \(type) value", at: side.range,
                    help: type == .date ? nil : "histograms cannot be combined arithmetically")
                return nil
            }
            let constantOperand = { (e: OutputExpression) -> Bool in
                if case .number = e.kind { return true }
                return false
            }
            var reason = lr ?? rr
            switch op {
            case .add, .subtract:
                if lt == .int && rt == .int { return (.int, reason) }
                if case .decimal(let a) = lt, case .decimal(let b) = rt, a == b { return (.decimal(scale: a), reason) }
                return (.real, reason)
            case .multiply:
                if !constantOperand(l) && !constantOperand(r) { reason = reason ?? "secure multiplication" }
                if lt == .int && rt == .int { return (.int, reason) }
                return (.real, reason)
            case .divide:
                return (.real, reason ?? "secure division")
            }
        }
    }

    private mutating func numericColumn(
        _ call: AggregateCall, _ index: Int, columns: [String: ColumnState], allowDate: Bool = false
    ) -> ColumnState? {
        guard index < call.arguments.count, case .column(let name) = call.arguments[index] else {
            let range = index < call.arguments.count ? call.arguments[index].range : call.range
            error("\(call.function.rawValue) expects a column as argument \(index + 1)", at: range)
            return nil
        }
        guard let state = resolve(name, in: columns) else { return nil }
        guard state.type.isNumeric || (allowDate && state.type == .date) else {
            error(
                "\(call.function.rawValue)(\(name.text)) needs a numeric column, but '\(name.text)' is \(state.type)",
                at: name.range, help: typeNote(name.text, state))
            return nil
        }
        return state
    }

    private mutating func arity(_ call: AggregateCall, _ allowed: ClosedRange<Int>, usage: String) -> Bool {
        guard allowed.contains(call.arguments.count) else {
            error(
                "\(call.function.rawValue) takes \(allowed.lowerBound == allowed.upperBound ? "\(allowed.lowerBound)" : "\(allowed.lowerBound) to \(allowed.upperBound)") argument\(allowed.upperBound == 1 ? "" : "s"), found \(call.arguments.count)",
                at: call.range, help: "write: \(usage)")
            return false
        }
        return true
    }

    /// The third argument of `quantile` (second of `median`): a grid's bucket count, or an exact
    /// method (spec §8.3), which reads every value of the clip range at the column's resolution.
    private mutating func checkQuantileOption(_ call: AggregateCall, column name: String, state: ColumnState) -> Bool {
        let argument = call.arguments[call.methodIndex]
        let methods = QuantileMethod.allCases.map(\.rawValue).joined(separator: ", ")
        if case .column(let method) = argument {
            guard QuantileMethod(rawValue: method.text) != nil else {
                error(
                    "unknown quantile method '\(method.text)'", at: method.range,
                    help: "use one of \(methods), or a bucket count for a grid quantile")
                return false
            }
            let unit = Numeral(significand: 1, scale: state.type.scale)
            guard let count = state.resolutionValueCount, count <= TypeChecker.maximumExactQuantileValues else {
                error(
                    "\(call.function.rawValue)(\(name), …, \(method.text)) reads every value of '\(name)' in its clip range at resolution \(unit): more than \(TypeChecker.maximumExactQuantileValues) values",
                    at: call.range,
                    help: "clip '\(name)' to a narrower range, or read a grid: a bucket count instead of '\(method.text)'")
                return false
            }
            return true
        }
        guard let b = call.number(at: call.methodIndex), b.isInteger, (1...10_000).contains(b.significand) else {
            error(
                "the bucket count must be a whole number between 1 and 10000, or a method (\(methods))",
                at: argument.range)
            return false
        }
        return true
    }

    private mutating func typeOfAggregate(_ call: AggregateCall, columns: [String: ColumnState]) -> (OutputType, String?)? {
        switch call.function {
        case .count:
            guard arity(call, 0...1, usage: "count() or count(column)") else { return nil }
            if call.arguments.count == 1 {
                guard case .column(let name) = call.arguments[0] else {
                    error("count expects a column or nothing", at: call.arguments[0].range)
                    return nil
                }
                guard resolve(name, in: columns) != nil else { return nil }
            }
            return (.int, nil)
        case .sum:
            guard arity(call, 1...1, usage: "sum(column)"), let state = numericColumn(call, 0, columns: columns)
            else { return nil }
            return (state.type == .int ? .int : .decimal(scale: state.type.scale), nil)
        case .mean:
            guard arity(call, 1...1, usage: "mean(column)"), numericColumn(call, 0, columns: columns) != nil
            else { return nil }
            return (.real, "secure division (mean)")
        case .variance, .stddev:
            guard arity(call, 1...1, usage: "\(call.function.rawValue)(column)"),
                numericColumn(call, 0, columns: columns) != nil
            else { return nil }
            return (.real, "secure multiplication and division (\(call.function.rawValue))")
        case .min, .max:
            guard arity(call, 1...1, usage: "\(call.function.rawValue)(column)"),
                let state = numericColumn(call, 0, columns: columns, allowDate: true)
            else { return nil }
            let type: OutputType =
                switch state.type {
                case .int: .int
                case .date: .date
                default: .decimal(scale: state.type.scale)
                }
            return (type, "secure comparison (\(call.function.rawValue))")
        case .quantile, .median:
            let usage = call.function == .median ? "median(column [, buckets | method])" : "quantile(column, p [, buckets | method])"
            guard arity(call, call.function == .median ? 1...2 : 2...3, usage: usage),
                let state = numericColumn(call, 0, columns: columns)
            else { return nil }
            if call.function == .quantile {
                guard let p = call.number(at: 1) else {
                    error("quantile expects a probability as argument 2", at: call.arguments[1].range)
                    return nil
                }
                if p < Numeral(significand: 0) || Numeral(significand: 1) < p {
                    error(
                        "quantile probability \(p) is outside [0, 1]", at: call.arguments[1].range,
                        help: "use e.g. 0.5 for the median, 0.9 for the 90th percentile")
                    return nil
                }
            }
            let name = call.column(at: 0) ?? "x"
            guard let bounds = state.bounds else {
                error(
                    "\(call.function.rawValue)(\(name)) needs bounds on '\(name)'", at: call.range,
                    help: "add 'clip \(name) to [LOW, HIGH]' to the local block; the quantile is read from a grid over that range")
                return nil
            }
            if bounds.lowerBound == bounds.upperBound {
                error("\(call.function.rawValue)(\(name)) needs a clip range wider than one point", at: call.range)
                return nil
            }
            if call.arguments.count > call.methodIndex, !checkQuantileOption(call, column: name, state: state) { return nil }
            return (.real, "secure comparison (\(call.function.rawValue))")
        case .histogram:
            guard arity(call, 2...2, usage: "histogram(column, [e0, e1, …])"),
                numericColumn(call, 0, columns: columns) != nil
            else { return nil }
            guard let edges = call.list(at: 1) else {
                error("histogram expects a list of bin edges as argument 2", at: call.arguments[1].range)
                return nil
            }
            guard checkEdges(edges, at: call.arguments[1].range, what: "histogram edges") else { return nil }
            if edges.count > 1001 {
                error("a histogram has at most 1000 bins", at: call.arguments[1].range)
                return nil
            }
            return (.histogram(bins: edges.count - 1), nil)
        case .covariance, .correlation, .slope, .intercept:
            let usage =
                call.function == .slope || call.function == .intercept
                ? "\(call.function.rawValue)(y, x)" : "\(call.function.rawValue)(x, y)"
            guard arity(call, 2...2, usage: usage), numericColumn(call, 0, columns: columns) != nil,
                numericColumn(call, 1, columns: columns) != nil
            else { return nil }
            return (.real, "secure multiplication and division (\(call.function.rawValue))")
        }
    }

    // MARK: Reveal, require, privacy

    private mutating func checkReveals(_ contract: Contract, outputs: [CheckedOutput]) -> [(
        output: String, recipients: [Recipient]
    )] {
        var result: [(output: String, recipients: [Recipient])] = []
        let defined = Set(outputs.map(\.name))
        var position: [String: Int] = [:]
        for clause in contract.reveals {
            for (recipient, range) in zip(clause.recipients, clause.recipientRanges) {
                switch recipient {
                case .member(let name) where name.isEmpty, .role(let name) where name.isEmpty:
                    error("recipient name is empty", at: range)
                default: break
                }
            }
            for name in clause.outputs {
                guard defined.contains(name.text) else {
                    let help = suggestion(for: name.text, among: outputs.map(\.name)).map { "did you mean '\($0)'?" }
                    error(
                        "cannot reveal '\(name.text)': no output has that name", at: name.range,
                        help: help ?? "outputs: \(outputs.map(\.name).joined(separator: ", "))")
                    continue
                }
                let index: Int
                if let existing = position[name.text] {
                    index = existing
                } else {
                    result.append((name.text, []))
                    index = result.count - 1
                    position[name.text] = index
                }
                for recipient in clause.recipients {
                    if result[index].recipients.contains(recipient) {
                        error("'\(name.text)' is revealed to \(recipient) more than once", at: name.range)
                    } else {
                        result[index].recipients.append(recipient)
                    }
                }
            }
        }
        return result
    }

    private mutating func checkRequirements(_ contract: Contract, outputs: [CheckedOutput], compute: ComputeBlock)
        -> (Int64?, [(output: String, minimum: Int64)])
    {
        var participants: Int64?
        var suppression: [(output: String, minimum: Int64)] = []
        for requirement in contract.requirements {
            switch requirement.kind {
            case .participants(let k):
                if participants != nil {
                    error("duplicate 'require participants'", at: requirement.range)
                } else if k < 1 {
                    error("require participants needs at least 1", at: requirement.range)
                } else {
                    participants = k
                }
            case .perGroup(let name, let k):
                guard let output = outputs.first(where: { $0.name == name.text }) else {
                    let help = suggestion(for: name.text, among: outputs.map(\.name)).map { "did you mean '\($0)'?" }
                    error("unknown output '\(name.text)' in require", at: name.range, help: help)
                    continue
                }
                guard case .aggregate(let call) = output.expression.kind, call.function == .count else {
                    error(
                        "'require \(name.text) >= \(k) per group' needs '\(name.text)' to be a count",
                        at: name.range, help: "define it as \(name.text) = count()")
                    continue
                }
                if k < 1 {
                    error("the minimum group size must be at least 1", at: requirement.range)
                } else if suppression.contains(where: { $0.output == name.text }) {
                    error("duplicate requirement on '\(name.text)'", at: requirement.range)
                } else {
                    suppression.append((name.text, k))
                }
            }
        }
        return (participants, suppression)
    }

    private mutating func checkPrivacy(_ privacy: PrivacyClause?) {
        guard let privacy else { return }
        if !(Numeral(significand: 0) < privacy.epsilon) {
            error("epsilon must be greater than 0, found \(privacy.epsilon)", at: privacy.range)
        }
        switch privacy.mechanism {
        case .laplace:
            if privacy.delta != nil {
                error(
                    "the laplace mechanism takes no delta", at: privacy.range,
                    help: "remove 'delta', or use 'privacy gaussian epsilon E delta D'")
            }
        case .gaussian:
            guard let delta = privacy.delta else {
                error("the gaussian mechanism needs delta", at: privacy.range, help: "write: privacy gaussian epsilon E delta D")
                return
            }
            if !(Numeral(significand: 0) < delta && delta < Numeral(significand: 1)) {
                error("delta must be strictly between 0 and 1, found \(delta)", at: privacy.range)
            }
        }
    }
}
