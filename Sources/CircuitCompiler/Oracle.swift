public import ContractLanguage

/// The plaintext oracle (spec §8.6): evaluates a contract on the union of all members' rows in
/// the clear, straight from the definitions in spec §6.3, without local plans or circuits. Every
/// protocol is tested against it.
///
/// Definitions used (n = number of non-null values; pairs: rows where both are non-null):
/// - count, sum, min, max, histogram: exact.
/// - mean = Σx / n; variance = Σ(x − mean)² / (n − 1); stddev = √variance. Sums of squared
///   deviations are exact (integers scaled by n²); one rounding to binary64 at the end.
/// - covariance = Σ(x − x̄)(y − ȳ) / (n − 1); correlation = cov / (s_x s_y);
///   slope(y, x) = Σ(x − x̄)(y − ȳ) / Σ(x − x̄)²; intercept = ȳ − slope·x̄.
/// - quantile(x, p, B): the k-th smallest value, k = max(1, ⌈p·n⌉), reported as the midpoint of
///   its bucket on the B-bucket grid over the clip range (spec §8.3).
/// - quantile(x, p, method): the definition `method` names, read from the sorted values as
///   `exactQuantile` spells it (spec §8.3).
/// - Undefined (null): mean/min/max/quantile of no values; variance/stddev/covariance with n < 2;
///   correlation/slope/intercept when x (or y, for correlation) is constant; division by zero.
public enum Oracle {
    /// Evaluates a contract over the union of the members' rows.
    /// - Parameters:
    ///   - contract: the checked contract.
    ///   - members: each member's rows (values in input-column order).
    /// - Returns: the revealed result.
    /// - Throws: `CompilerError.insufficientParticipants`, `.invalidData`, `.overflow`.
    public static func evaluate(_ contract: CheckedContract, members: [[[Value]]]) throws(CompilerError)
        -> ContractResult
    {
        if let minimum = contract.minimumParticipants, members.count < minimum {
            throw .insufficientParticipants(required: minimum, found: members.count)
        }
        let pipeline = RowPipeline(contract)
        var rowsByGroup = [[[Value]]](repeating: [], count: contract.groupCount)
        for rows in members {
            for row in rows {
                guard row.count == contract.input.columns.count else {
                    throw .invalidData("a row has \(row.count) values, the input declares \(contract.input.columns.count)")
                }
                guard let transformed = pipeline.apply(row),
                    let group = pipeline.group(of: transformed, keys: contract.groupKeys)
                else { continue }
                rowsByGroup[group].append(transformed)
            }
        }
        var groups: [GroupResult] = []
        for (group, rows) in rowsByGroup.enumerated() {
            var environment: [String: OutputValue] = [:]
            let evaluator = GroupEvaluator(contract: contract, pipeline: pipeline, rows: rows)
            for output in contract.outputs {
                environment[output.name] = try evaluator.evaluate(output.expression, environment)
            }
            let suppressed = contract.suppression.contains { requirement in
                guard case .int(let n) = environment[requirement.output] else { return true }
                return n < Int128(requirement.minimum)
            }
            var outputs: [String: OutputValue] = [:]
            if !suppressed {
                for (name, _) in contract.reveals { outputs[name] = environment[name] ?? .undefined }
            }
            groups.append(
                GroupResult(
                    key: RowPipeline.keyValues(of: group, keys: contract.groupKeys), suppressed: suppressed,
                    outputs: outputs))
        }
        return ContractResult(
            contract: contract.syntax.name.text, version: contract.syntax.version,
            keyNames: contract.groupKeys.map(\.column), outputNames: contract.reveals.map(\.output), groups: groups)
    }
}

/// Evaluates output expressions over one group's rows.
private struct GroupEvaluator {
    let contract: CheckedContract
    let pipeline: RowPipeline
    let rows: [[Value]]

    func column(_ name: String) -> [Value] {
        guard let position = pipeline.position(of: name) else { return [] }
        return rows.map { $0[position] }
    }

    func scale(_ name: String) -> Int { contract.columns[name]?.type.scale ?? 0 }

    /// Non-null values of a numeric column, in units.
    func numbers(_ name: String) -> [Int128] { column(name).compactMap(units) }

    /// Pairs (x, y) where both are non-null, in units.
    func pairs(_ x: String, _ y: String) -> [(Int128, Int128)] {
        zip(column(x), column(y)).compactMap { a, b in
            guard let u = units(a), let v = units(b) else { return nil }
            return (u, v)
        }
    }

    func evaluate(_ expression: OutputExpression, _ environment: [String: OutputValue]) throws(CompilerError)
        -> OutputValue
    {
        switch expression.kind {
        case .number(let n):
            return n.isInteger ? .int(Int128(n.significand)) : .real(n.doubleValue)
        case .reference(let name):
            return environment[name.text] ?? .undefined
        case .negate(let inner):
            switch try evaluate(inner, environment) {
            case .int(let v): return try .int(Self.checked(Int128(0).subtractingReportingOverflow(v)))
            case .decimal(let v, let s): return try .decimal(Self.checked(Int128(0).subtractingReportingOverflow(v)), scale: s)
            case .real(let v): return .real(-v)
            default: return .undefined
            }
        case .binary(let op, let l, let r):
            let a = try evaluate(l, environment), b = try evaluate(r, environment)
            return try Self.arithmetic(op, a, b)
        case .aggregate(let call):
            return try aggregate(call)
        }
    }

    static func arithmetic(_ op: ArithmeticOperator, _ a: OutputValue, _ b: OutputValue) throws(CompilerError)
        -> OutputValue
    {
        if a == .undefined || b == .undefined { return .undefined }
        switch (op, a, b) {
        case (.add, .int(let x), .int(let y)): return try .int(checked(x.addingReportingOverflow(y)))
        case (.subtract, .int(let x), .int(let y)): return try .int(checked(x.subtractingReportingOverflow(y)))
        case (.multiply, .int(let x), .int(let y)): return try .int(checked(x.multipliedReportingOverflow(by: y)))
        case (.add, .decimal(let x, let s), .decimal(let y, let t)) where s == t:
            return try .decimal(checked(x.addingReportingOverflow(y)), scale: s)
        case (.subtract, .decimal(let x, let s), .decimal(let y, let t)) where s == t:
            return try .decimal(checked(x.subtractingReportingOverflow(y)), scale: s)
        default:
            guard let x = a.doubleValue, let y = b.doubleValue else { return .undefined }
            switch op {
            case .add: return .real(x + y)
            case .subtract: return .real(x - y)
            case .multiply: return .real(x * y)
            case .divide: return y == 0 ? .undefined : .real(x / y)
            }
        }
    }

    static func checked(_ result: (partialValue: Int128, overflow: Bool)) throws(CompilerError) -> Int128 {
        if result.overflow { throw .overflow("output arithmetic exceeds 128 bits") }
        return result.partialValue
    }

    func aggregate(_ call: AggregateCall) throws(CompilerError) -> OutputValue {
        let x = call.column(at: 0) ?? ""
        let s = scale(x)
        let unit = pow10Double(s)
        switch call.function {
        case .count:
            if call.arguments.isEmpty { return .int(Int128(rows.count)) }
            return .int(Int128(column(x).filter { !$0.isNull }.count))
        case .sum:
            var total: Int128 = 0
            for v in numbers(x) {
                let (next, overflow) = total.addingReportingOverflow(v)
                if overflow { throw .overflow("sum(\(x)) exceeds 128 bits") }
                total = next
            }
            return contract.columns[x]?.type == .int ? .int(total) : .decimal(total, scale: s)
        case .mean:
            let values = numbers(x)
            guard !values.isEmpty else { return .undefined }
            return .real(Double(values.reduce(0, +)) / Double(values.count) / unit)
        case .variance, .stddev:
            let values = numbers(x)
            guard values.count >= 2 else { return .undefined }
            // Σ(x − x̄)² = Σ d² / n² with d = n·x − Σx, exact in integers (spec §8.6).
            let squares = try Self.deviationProducts(values, values)
            let n = Double(values.count)
            let variance = Double(squares) / (n * n) / (n - 1)
            return call.function == .variance ? .real(variance / (unit * unit)) : .real(variance.squareRoot() / unit)
        case .min, .max:
            let values = column(x).filter { !$0.isNull }
            guard let first = values.first else { return .undefined }
            let extreme = values.dropFirst().reduce(first) { best, v in
                let order = Value.compare(v, best) ?? 0
                return (call.function == .min ? order < 0 : order > 0) ? v : best
            }
            switch extreme {
            case .date(let d): return .date(d)
            case .int(let v): return .int(Int128(v))
            case .decimal(let v, let scale): return .decimal(Int128(v), scale: scale)
            default: return .undefined
            }
        case .quantile, .median:
            let values = numbers(x).sorted()
            guard !values.isEmpty, let bounds = contract.columns[x]?.bounds,
                let low = bounds.lowerBound.scaled(to: s), let high = bounds.upperBound.scaled(to: s)
            else { return .undefined }
            let (numerator, denominator) = call.probabilityFraction
            if let method = call.quantileMethod {
                return .real(exactQuantile(values, p: numerator, over: denominator, method: method) / unit)
            }
            let value = values[invertedCDFIndex(count: values.count, p: numerator, over: denominator)]
            let buckets = call.buckets
            let bucket = gridBucket(value, low: Int128(low), high: Int128(high), buckets: buckets)
            let width = Double(Int128(high) - Int128(low)) / Double(buckets)
            return .real((Double(low) + (Double(bucket) + 0.5) * width) / unit)
        case .histogram:
            let edges = call.list(at: 1) ?? []
            var bins = [Int128](repeating: 0, count: max(0, edges.count - 1))
            for v in column(x) where !v.isNull {
                if let bin = histogramBin(v, edges: edges) { bins[bin] += 1 }
            }
            return .histogram(bins)
        case .covariance, .correlation, .slope, .intercept:
            // covariance(x, y), correlation(x, y); slope(y, x), intercept(y, x).
            let regression = call.function == .slope || call.function == .intercept
            let (xName, yName) = regression ? (call.column(at: 1) ?? "", x) : (x, call.column(at: 1) ?? "")
            let data = pairs(xName, yName)
            guard data.count >= 2 else { return .undefined }
            let sx = pow10Double(scale(xName)), sy = pow10Double(scale(yName))
            let xs = data.map(\.0), ys = data.map(\.1)
            let n = Double(data.count)
            // Sums of deviation products, scaled by n², exact: Σ(x − x̄)(y − ȳ) = Σ dx·dy / n².
            let sxy = Double(try Self.deviationProducts(xs, ys)) / (n * n)
            let sxx = try Self.deviationProducts(xs, xs), syy = try Self.deviationProducts(ys, ys)
            switch call.function {
            case .covariance:
                return .real(sxy / (n - 1) / (sx * sy))
            case .correlation:
                if sxx == 0 || syy == 0 { return .undefined }
                return .real(sxy / ((Double(sxx) / (n * n)).squareRoot() * (Double(syy) / (n * n)).squareRoot()))
            case .slope:
                if sxx == 0 { return .undefined }
                return .real(sxy / (Double(sxx) / (n * n)) * sx / sy)
            default:
                if sxx == 0 { return .undefined }
                let slope = sxy / (Double(sxx) / (n * n))
                let mx = Double(xs.reduce(0, +)) / n, my = Double(ys.reduce(0, +)) / n
                return .real((my - slope * mx) / sy)
            }
        }
    }

    /// Σ (n·a_i − Σa)(n·b_i − Σb): n² times the sum of products of deviations from the means,
    /// in exact integers.
    static func deviationProducts(_ a: [Int128], _ b: [Int128]) throws(CompilerError) -> Int128 {
        let n = Int128(a.count)
        var sumA: Int128 = 0, sumB: Int128 = 0
        for v in a { sumA = try checked(sumA.addingReportingOverflow(v)) }
        for v in b { sumB = try checked(sumB.addingReportingOverflow(v)) }
        var total: Int128 = 0
        for (x, y) in zip(a, b) {
            let dx = try checked(checked(n.multipliedReportingOverflow(by: x)).subtractingReportingOverflow(sumA))
            let dy = try checked(checked(n.multipliedReportingOverflow(by: y)).subtractingReportingOverflow(sumB))
            total = try checked(total.addingReportingOverflow(checked(dx.multipliedReportingOverflow(by: dy))))
        }
        return total
    }
}

/// The 0-based index of the k-th smallest of `count` values, `k = max(1, ⌈p·n⌉)` (spec §8.3):
/// the grid quantile's value and the exact `inverted_cdf`.
func invertedCDFIndex(count: Int, p numerator: Int128, over denominator: Int128) -> Int {
    Int(max(1, (numerator * Int128(count) + denominator - 1) / denominator)) - 1
}

/// An exact quantile of sorted values at `p = numerator/denominator` (spec §8.3), as the standard
/// definitions state it: the k-th smallest value for `inverted_cdf`; Python's
/// `statistics.quantiles` arithmetic for `exclusive` and `inclusive` (one value: that value).
/// The interpolation is exact in integers; one rounding to binary64 at the end.
func exactQuantile(_ x: [Int128], p numerator: Int128, over denominator: Int128, method: QuantileMethod) -> Double {
    let n = Int128(x.count)
    if method == .invertedCDF {
        return Double(x[invertedCDFIndex(count: x.count, p: numerator, over: denominator)])
    }
    guard n > 1 else { return Double(x[0]) }
    let (j, delta): (Int128, Int128)
    if method == .exclusive {
        // Rank p·(n + 1), its whole part clamped to [1, n − 1]; delta may leave [0, D]: Python
        // extrapolates linearly beyond the extreme pair.
        let h = numerator * (n + 1)
        let whole = min(max(h / denominator, 1), n - 1)
        (j, delta) = (whole - 1, h - whole * denominator)
    } else {
        let h = numerator * (n - 1)
        (j, delta) = (h / denominator, h % denominator)
    }
    guard delta != 0 else { return Double(x[Int(j)]) }
    let interpolated = x[Int(j)] * (denominator - delta) + x[Int(j) + 1] * delta
    return Double(interpolated) / Double(denominator)
}
