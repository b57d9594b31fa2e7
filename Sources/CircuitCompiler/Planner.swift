public import Circuit
public import ContractLanguage

/// Turns a checked contract into a local plan and a joint circuit, Conclave-style (spec §8):
/// everything decomposable (counts, sums, sums of squares and cross products, histogram and grid
/// bins, local extrema) is computed by each member in the clear; only the per-member vectors of
/// those partial aggregates enter the circuit, whose gates combine them and derive the outputs.
public struct Planner {
    private let contract: CheckedContract
    private var partials: [PartialAggregate] = []
    private var partialIndex: [PartialAggregate: Int] = [:]
    private var gates: [Gate] = []
    private var cache: [Gate: Int] = [:]
    private var groupCount: Int

    /// The planner's output.
    public struct Output: Sendable {
        /// What each member runs.
        public var localPlan: LocalPlan
        /// What the members run jointly.
        public var circuit: Circuit
    }

    /// Outputs that are revealed, required, or used by those (spec §7.1): only these are computed.
    private let needed: Set<String>
    /// The checked outputs by name.
    private let outputsByName: [String: CheckedOutput]

    private init(_ contract: CheckedContract) {
        self.contract = contract
        groupCount = contract.groupCount
        needed = contract.neededOutputs
        outputsByName = Dictionary(contract.outputs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Plans a checked contract. Total: every checked contract plans.
    /// - Parameter contract: the checked contract.
    /// - Returns: the local plan and the circuit.
    public static func plan(_ contract: CheckedContract) -> Output {
        var planner = Planner(contract)
        // Pass 1 registers partials in a deterministic order; pass 2 emits gates with final slots.
        _ = planner.compileGroup(0, emit: false)
        let width = planner.groupCount * planner.partials.count
        planner.gates = []
        planner.cache = [:]
        for group in 0..<planner.groupCount { _ = planner.compileGroup(group, emit: true) }
        let plan = LocalPlan(pipeline: RowPipeline(contract), groupKeys: contract.groupKeys, partials: planner.partials)
        return Output(localPlan: plan, circuit: Circuit(inputWidth: width, gates: planner.gates))
    }

    // MARK: Gate emission

    private mutating func emit(_ gate: Gate) -> Int {
        if gate.opcode != .reveal, let existing = cache[gate] { return existing }
        gates.append(gate)
        if gate.opcode != .reveal { cache[gate] = gates.count - 1 }
        return gates.count - 1
    }

    private mutating func input(_ partial: PartialAggregate, group: Int) -> Int {
        let p: Int
        if let existing = partialIndex[partial] {
            p = existing
        } else {
            p = partials.count
            partials.append(partial)
            partialIndex[partial] = p
        }
        let opcode: Opcode
        switch partial {
        case .minimum: opcode = .minInputs
        case .maximum: opcode = .maxInputs
        default: opcode = .sumInputs
        }
        return emit(Gate(opcode, slot: group * max(1, partials.count) + p))
    }

    private mutating func constant(_ value: Int128) -> Int { emit(Gate(.constant, constant: .integer(value))) }
    private mutating func realConstant(_ value: Double) -> Int {
        emit(Gate(.constant, kind: .real, constant: .real(value)))
    }

    private func kind(_ wire: Int) -> WireKind { gates[wire].kind }

    private mutating func binary(_ op: Opcode, _ a: Int, _ b: Int) -> Int {
        let resultKind: WireKind = kind(a) == .integer && kind(b) == .integer ? .integer : .real
        return emit(Gate(op, [a, b], kind: resultKind))
    }

    private mutating func multiplyConstant(_ a: Int, _ c: CircuitConstant) -> Int {
        var resultKind = kind(a)
        if case .real = c { resultKind = .real }
        return emit(Gate(.multiplyConstant, [a], kind: resultKind, constant: c))
    }

    private mutating func divide(_ a: Int, _ b: Int) -> Int { emit(Gate(.divide, [a, b], kind: .real)) }
    private mutating func squareRoot(_ a: Int) -> Int { emit(Gate(.squareRoot, [a], kind: .real)) }
    private mutating func atLeast(_ a: Int, _ k: Int128) -> Int {
        emit(Gate(.greaterOrEqual, [a, constant(k)]))
    }

    /// Logical and of bits (a product); nil operands are "true".
    private mutating func both(_ a: Int?, _ b: Int?) -> Int? {
        guard let a else { return b }
        guard let b else { return a }
        if a == b { return a }
        return emit(Gate(.multiply, [a, b]))
    }

    /// 1 when `b ≠ 0`.
    private mutating func nonzero(_ b: Int) -> Int {
        let negated = multiplyConstant(b, .integer(-1))
        if kind(b) == .integer {
            return binary(.add, atLeast(b, 1), atLeast(negated, 1))
        }
        let zero = constant(0)
        let isZero = emit(Gate(.multiply, [emit(Gate(.greaterOrEqual, [b, zero])), emit(Gate(.greaterOrEqual, [negated, zero]))]))
        return binary(.subtract, constant(1), isZero)
    }

    // MARK: Values

    /// A compiled output value: a wire in units of `10^-scale`, with an optional validity bit.
    private struct Compiled {
        var wire: Int
        var scale: Int
        var validity: Int?
        var elements: [Int]?
        var literal: Numeral?
    }

    private func scale(of column: String) -> Int { contract.columns[column]?.type.scale ?? 0 }

    private mutating func materialize(_ value: Compiled) -> Compiled {
        guard let literal = value.literal else { return value }
        return Compiled(wire: constant(Int128(literal.significand)), scale: literal.scale, validity: nil)
    }

    /// Rescales a value to a larger scale: multiply by 10^(target − scale).
    private mutating func align(_ value: Compiled, to target: Int) -> Int {
        let diff = target - value.scale
        guard diff > 0 else { return value.wire }
        if diff <= 30 {
            var factor: Int128 = 1
            for _ in 0..<diff { factor *= 10 }
            return multiplyConstant(value.wire, .integer(factor))
        }
        return multiplyConstant(value.wire, .real(pow10Double(diff)))
    }

    private mutating func compileGroup(_ group: Int, emit doEmit: Bool) -> Bool {
        var values: [String: Compiled] = [:]
        for output in contract.outputs where needed.contains(output.name) {
            values[output.name] = compile(output.expression, group: group, values: values)
        }
        guard doEmit else { return true }
        var suppression: Int?
        for requirement in contract.suppression {
            guard let count = values[requirement.output] else { continue }
            suppression = both(suppression, atLeast(count.wire, Int128(requirement.minimum)))
        }
        for (name, recipients) in contract.reveals {
            guard let value = values[name], let output = outputsByName[name] else { continue }
            let presentation: String
            switch output.type {
            case .int, .histogram: presentation = "int"
            case .decimal: presentation = "decimal"
            case .real: presentation = "real"
            case .date: presentation = "date"
            }
            let who = recipients.map(\.description)
            if let elements = value.elements {
                for (index, wire) in elements.enumerated() {
                    let info = RevealInfo(
                        output: name, group: group, element: index, recipients: who, scale: 0,
                        presentation: presentation, validity: nil, suppression: suppression)
                    _ = emit(Gate(.reveal, [wire] + [suppression].compactMap { $0 }, kind: kind(wire), reveal: info))
                }
            } else {
                let value = materialize(value)
                let info = RevealInfo(
                    output: name, group: group, element: nil, recipients: who, scale: value.scale,
                    presentation: presentation, validity: value.validity, suppression: suppression)
                let operands = [value.wire] + [value.validity, suppression].compactMap { $0 }
                _ = emit(Gate(.reveal, operands, kind: kind(value.wire), reveal: info))
            }
        }
        return true
    }

    private mutating func compile(_ expression: OutputExpression, group: Int, values: [String: Compiled]) -> Compiled {
        switch expression.kind {
        case .number(let n):
            return Compiled(wire: -1, scale: n.scale, validity: nil, literal: n)
        case .reference(let name):
            return values[name.text] ?? Compiled(wire: constant(0), scale: 0, validity: nil)
        case .aggregate(let call):
            return compileAggregate(call, group: group)
        case .negate(let inner):
            let value = compile(inner, group: group, values: values)
            if let literal = value.literal { return Compiled(wire: -1, scale: literal.scale, literal: literal.negated) }
            return Compiled(
                wire: multiplyConstant(value.wire, .integer(-1)), scale: value.scale, validity: value.validity)
        case .binary(let op, let l, let r):
            let a = compile(l, group: group, values: values)
            let b = compile(r, group: group, values: values)
            switch op {
            case .add, .subtract:
                let x = materialize(a), y = materialize(b)
                let target = max(x.scale, y.scale)
                let wire = binary(op == .add ? .add : .subtract, align(x, to: target), align(y, to: target))
                return Compiled(wire: wire, scale: target, validity: both(x.validity, y.validity))
            case .multiply:
                if let literal = b.literal, a.literal == nil {
                    return Compiled(
                        wire: multiplyConstant(a.wire, .integer(Int128(literal.significand))),
                        scale: a.scale + literal.scale, validity: a.validity)
                }
                if let literal = a.literal, b.literal == nil {
                    return Compiled(
                        wire: multiplyConstant(b.wire, .integer(Int128(literal.significand))),
                        scale: b.scale + literal.scale, validity: b.validity)
                }
                let x = materialize(a), y = materialize(b)
                return Compiled(
                    wire: binary(.multiply, x.wire, y.wire), scale: x.scale + y.scale,
                    validity: both(x.validity, y.validity))
            case .divide:
                let x = materialize(a), y = materialize(b)
                var validity = both(x.validity, y.validity)
                if let literal = b.literal {
                    // A literal zero divisor makes the output undefined in every group (spec §6.4).
                    if literal.significand == 0 { validity = both(validity, constant(0)) }
                } else {
                    validity = both(validity, nonzero(y.wire))
                }
                return Compiled(wire: divide(x.wire, y.wire), scale: x.scale - y.scale, validity: validity)
            }
        }
    }

    // MARK: Aggregates (spec §8.1 table)

    private mutating func compileAggregate(_ call: AggregateCall, group: Int) -> Compiled {
        let x = call.column(at: 0) ?? ""
        let s = scale(of: x)
        switch call.function {
        case .count:
            let wire = call.arguments.isEmpty ? input(.rowCount, group: group) : input(.count(x), group: group)
            return Compiled(wire: wire, scale: 0, validity: nil)
        case .sum:
            return Compiled(wire: input(.sum(x), group: group), scale: s, validity: nil)
        case .mean:
            let n = input(.count(x), group: group), total = input(.sum(x), group: group)
            return Compiled(wire: divide(total, n), scale: s, validity: atLeast(n, 1))
        case .variance, .stddev:
            let n = input(.count(x), group: group)
            let total = input(.sum(x), group: group)
            let squares = input(.sumOfSquares(x), group: group)
            let numerator = binary(.subtract, binary(.multiply, n, squares), binary(.multiply, total, total))
            let denominator = binary(.multiply, n, binary(.subtract, n, constant(1)))
            let variance = divide(numerator, denominator)
            if call.function == .variance {
                return Compiled(wire: variance, scale: 2 * s, validity: atLeast(n, 2))
            }
            return Compiled(wire: squareRoot(variance), scale: s, validity: atLeast(n, 2))
        case .min, .max:
            let n = input(.count(x), group: group)
            let wire = input(call.function == .min ? .minimum(x) : .maximum(x), group: group)
            return Compiled(wire: wire, scale: s, validity: atLeast(n, 1))
        case .quantile, .median:
            return compileQuantile(call, column: x, scale: s, group: group)
        case .histogram:
            let edges = call.list(at: 1) ?? []
            let bins = (0..<max(0, edges.count - 1)).map { bin in
                input(.histogramBin(x, edges: edges, bin: bin), group: group)
            }
            return Compiled(wire: bins.first ?? constant(0), scale: 0, validity: nil, elements: bins)
        case .covariance, .correlation, .slope, .intercept:
            // covariance(x, y), correlation(x, y); slope(y, x), intercept(y, x).
            let (a, b) = call.function == .slope || call.function == .intercept
                ? (call.column(at: 1) ?? "", x) : (x, call.column(at: 1) ?? "")
            return compileBivariate(call.function, x: a, y: b, group: group)
        }
    }

    private mutating func compileBivariate(_ function: AggregateFunction, x: String, y: String, group: Int) -> Compiled {
        let (first, second) = x <= y ? (x, y) : (y, x)
        let sx = scale(of: x), sy = scale(of: y)
        let n = input(.pairCount(first, second), group: group)
        let sumX = input(.pairSum(of: x, with: y), group: group)
        let sumY = input(.pairSum(of: y, with: x), group: group)
        let sumXY = input(.sumOfProducts(first, second), group: group)
        // n·Σxy − Σx·Σy = n(n−1)·cov
        let cxy = binary(.subtract, binary(.multiply, n, sumXY), binary(.multiply, sumX, sumY))
        switch function {
        case .covariance:
            let denominator = binary(.multiply, n, binary(.subtract, n, constant(1)))
            return Compiled(wire: divide(cxy, denominator), scale: sx + sy, validity: atLeast(n, 2))
        default:
            let squaresX = input(.pairSumOfSquares(of: x, with: y), group: group)
            let vx = binary(.subtract, binary(.multiply, n, squaresX), binary(.multiply, sumX, sumX))
            if function == .correlation {
                let squaresY = input(.pairSumOfSquares(of: y, with: x), group: group)
                let vy = binary(.subtract, binary(.multiply, n, squaresY), binary(.multiply, sumY, sumY))
                let r = divide(cxy, binary(.multiply, squareRoot(vx), squareRoot(vy)))
                let valid = both(both(atLeast(n, 2), atLeast(vx, 1)), atLeast(vy, 1))
                return Compiled(wire: r, scale: 0, validity: valid)
            }
            // Least squares of y on x: slope = cxy / vx, intercept = (Σy − slope·Σx) / n.
            let slope = divide(cxy, vx)
            let valid = both(atLeast(n, 2), atLeast(vx, 1))
            if function == .slope { return Compiled(wire: slope, scale: sy - sx, validity: valid) }
            let intercept = divide(binary(.subtract, sumY, binary(.multiply, slope, sumX)), n)
            return Compiled(wire: intercept, scale: sy, validity: valid)
        }
    }

    /// Quantile (spec §8.3) from cumulative counts over a value grid: every value of the clip
    /// range at the column's resolution for an exact method, or `B` equal buckets. The k-th
    /// smallest value (0-based) sits at index `#{v : cum_v ≤ k}` of the grid, found by
    /// `searchCount`; for `p = P/D` each rank condition `cum_v ≤ f(n)` is `D·cum_v ≤ t` with `t`
    /// affine in `n` (clamped for `exclusive`), so nothing is divided on secrets.
    private mutating func compileQuantile(_ call: AggregateCall, column: String, scale s: Int, group: Int) -> Compiled {
        guard let state = contract.columns[column], let bounds = state.bounds,
            let low = bounds.lowerBound.scaled(to: s), let high = bounds.upperBound.scaled(to: s)
        else { return Compiled(wire: constant(0), scale: 0, validity: nil) }
        let n = input(.count(column), group: group)
        let (numerator, denominator) = call.probabilityFraction
        // The grid: an exact method's cells are single values (the range widened by one unit so
        // that the top value has a cell of its own); a grid quantile's are B buckets.
        let method = call.quantileMethod
        let cells = method == nil ? call.buckets : (state.resolutionValueCount ?? 1)
        let gridHigh = method == nil ? bounds.upperBound : Numeral(significand: high + 1, scale: s)
        var cumulative: [Int] = []
        for cell in 0..<cells {
            let count = input(
                .gridBucket(column, low: bounds.lowerBound, high: gridHigh, buckets: cells, bucket: cell), group: group)
            cumulative.append(cumulative.last.map { binary(.add, $0, count) } ?? count)
        }
        let valid = atLeast(n, 1)
        // inverted_cdf and the grid: k = max(1, ⌈p·n⌉) − 1, i.e. D·cum_v ≤ max(1, P·n) − 1.
        let firstAbove = numerator == 0 ? constant(0) : offset(multiplyConstant(n, .integer(numerator)), by: -1)
        guard let method, method != .invertedCDF else {
            let index = searchCount(cumulative, scale: denominator, atMost: firstAbove).count
            if method == .invertedCDF {
                return Compiled(wire: multiplyConstant(offset(index, by: Int128(low)), .real(1)), scale: s, validity: valid)
            }
            let width = Double(Int128(high) - Int128(low)) / Double(cells)
            let midpoint = binary(.add, multiplyConstant(index, .real(width)), realConstant(Double(low) + width / 2))
            return Compiled(wire: midpoint, scale: s, validity: valid)
        }
        // Interpolation between x[j] and x[j + 1] at weight delta/D, as Python's statistics
        // computes it (spec §8.3). When x[j] < x[j + 1], cum at x[j]'s index is exactly j + 1;
        // otherwise the weight multiplies a zero difference.
        let rank: Int, lowerCondition: Int, upperCondition: Int
        if method == .exclusive {
            // h = P(n + 1); the whole part of h/D clamped to [1, n − 1] by clamping h to
            // [D, D·n − 1]; for n = 1 both order statistics are x[0].
            rank = offset(multiplyConstant(n, .integer(numerator)), by: numerator)
            let top = offset(multiplyConstant(n, .integer(denominator)), by: -1)
            let clamped = maximum(minimum(rank, top), constant(denominator))
            lowerCondition = offset(clamped, by: -denominator)
            upperCondition = minimum(clamped, top)
        } else {
            // h = P(n − 1); j = ⌊h/D⌋ ∈ [0, n − 1].
            rank = offset(multiplyConstant(n, .integer(numerator)), by: -numerator)
            lowerCondition = rank
            upperCondition = offset(rank, by: denominator)
        }
        let lower = searchCount(cumulative, scale: denominator, atMost: lowerCondition, countAtIndex: true)
        let upper = searchCount(cumulative, scale: denominator, atMost: upperCondition).count
        let atLower = lower.countAtIndex!
        // delta = h − D·j with j = cum − 1 (inclusive, 0-based j) or cum (exclusive, Python's j).
        let j = method == .exclusive ? atLower : offset(atLower, by: -1)
        let delta = binary(.subtract, rank, multiplyConstant(j, .integer(denominator)))
        let interpolated = binary(
            .add, multiplyConstant(offset(lower.count, by: Int128(low)), .integer(denominator)),
            binary(.multiply, delta, binary(.subtract, upper, lower.count)))
        return Compiled(
            wire: multiplyConstant(interpolated, .real(1 / Double(denominator))), scale: s, validity: valid)
    }

    /// An oblivious binary search (spec §8.3): `#{v : D·cum_v ≤ t}` for non-decreasing `cum`
    /// (read as its last value beyond its end), as `L = ⌈log2 K⌉` bits from the most significant.
    /// Level `i` splits the interval the bits so far chose: the left half's last count, a dot
    /// product of their one-hot vector with the candidates, is compared once, and the one-hot
    /// vector is extended by the new bit. An interval that starts beyond the counts never holds
    /// the answer when `t < D·cum_last`, so it is dropped: about `2K` products in all. With
    /// `countAtIndex`, also `cum` at the answer: the candidate of the last level that went left.
    private mutating func searchCount(_ cum: [Int], scale d: Int128, atMost t: Int, countAtIndex: Bool = false)
        -> (count: Int, countAtIndex: Int?)
    {
        let cells = cum.count
        var levels = 0
        while 1 << levels < cells { levels += 1 }
        levels = max(1, levels)
        var chosen: [Int?] = [nil]  // one weight per live prefix; nil is the constant 1
        var count: Int?
        var atIndex: Int? = countAtIndex ? cum[cells - 1] : nil
        for level in 0..<levels {
            let half = 1 << (levels - 1 - level)
            var selected: Int?
            for (q, weight) in chosen.enumerated() {
                let candidate = cum[min((2 * q + 1) * half - 1, cells - 1)]
                let term = weight.map { binary(.multiply, $0, candidate) } ?? candidate
                selected = selected.map { binary(.add, $0, term) } ?? term
            }
            let scaled = d == 1 ? selected! : multiplyConstant(selected!, .integer(d))
            let bit = emit(Gate(.greaterOrEqual, [t, scaled]))
            let weighted = half == 1 ? bit : multiplyConstant(bit, .integer(Int128(half)))
            count = count.map { binary(.add, $0, weighted) } ?? weighted
            if let previous = atIndex {
                atIndex = binary(.add, selected!, binary(.multiply, bit, binary(.subtract, previous, selected!)))
            }
            guard level < levels - 1 else { break }
            chosen = chosen.enumerated().flatMap { q, weight -> [Int?] in
                // Only the last live interval can have a right half beyond the counts.
                guard (2 * q + 1) * half < cells else { return [weight] }
                let right = weight.map { binary(.multiply, $0, bit) } ?? bit
                return [binary(.subtract, weight ?? constant(1), right), right]
            }
        }
        return (count!, atIndex)
    }

    private mutating func offset(_ a: Int, by c: Int128) -> Int {
        c == 0 ? a : binary(c > 0 ? .add : .subtract, a, constant(c > 0 ? c : -c))
    }
    private mutating func minimum(_ a: Int, _ b: Int) -> Int { emit(Gate(.select, [emit(Gate(.greaterOrEqual, [a, b])), b, a])) }
    private mutating func maximum(_ a: Int, _ b: Int) -> Int { emit(Gate(.select, [emit(Gate(.greaterOrEqual, [a, b])), a, b])) }
}
