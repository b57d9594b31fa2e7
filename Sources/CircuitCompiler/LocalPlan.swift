public import ContractLanguage

/// One per-group partial aggregate a member computes over its own rows in the clear
/// (spec §8.1). All are decomposable: the consortium's value is the sum (or the min / max) of the
/// members' values. Numbers are in units of `10^-scale` of their column; dates in days.
public enum PartialAggregate: Sendable, Hashable, CustomStringConvertible {
    /// Rows in the group.
    case rowCount
    /// Rows whose column is not null.
    case count(String)
    /// Σ x over non-null x.
    case sum(String)
    /// Σ x² over non-null x.
    case sumOfSquares(String)
    /// min x over non-null x; `Int64.max` when there is none.
    case minimum(String)
    /// max x over non-null x; `Int64.min` when there is none.
    case maximum(String)
    /// Rows where both columns are non-null (columns in name order).
    case pairCount(String, String)
    /// Σ of the first column over rows where both are non-null.
    case pairSum(of: String, with: String)
    /// Σ of the first column squared over rows where both are non-null.
    case pairSumOfSquares(of: String, with: String)
    /// Σ x·y over rows where both are non-null (columns in name order).
    case sumOfProducts(String, String)
    /// Rows whose value falls in histogram bin `bin` of `edges`.
    case histogramBin(String, edges: [Numeral], bin: Int)
    /// Rows whose value falls in bucket `bucket` of the quantile grid over the clip range.
    case gridBucket(String, low: Numeral, high: Numeral, buckets: Int, bucket: Int)

    /// The plan's spelling, e.g. `sum(salary)`, `grid(salary, [0, 1000000], 100)[7]`.
    public var description: String {
        switch self {
        case .rowCount: return "count()"
        case .count(let c): return "count(\(c))"
        case .sum(let c): return "sum(\(c))"
        case .sumOfSquares(let c): return "sum(\(c)^2)"
        case .minimum(let c): return "min(\(c))"
        case .maximum(let c): return "max(\(c))"
        case .pairCount(let a, let b): return "count(\(a), \(b))"
        case .pairSum(let a, let b): return "sum(\(a) | \(b))"
        case .pairSumOfSquares(let a, let b): return "sum(\(a)^2 | \(b))"
        case .sumOfProducts(let a, let b): return "sum(\(a)*\(b))"
        case .histogramBin(let c, let edges, let bin):
            return "histogram(\(c), [\(edges.map(\.description).joined(separator: ", "))])[\(bin)]"
        case .gridBucket(let c, let low, let high, let buckets, let bucket):
            return "grid(\(c), [\(low), \(high)], \(buckets))[\(bucket)]"
        }
    }

    /// True for `minimum` / `maximum`, which members combine by comparison rather than addition.
    public var isExtremum: Bool {
        switch self {
        case .minimum, .maximum: return true
        default: return false
        }
    }
}

/// What each member computes on its own rows, in the clear (spec §8.1): the local block, then
/// per-group partial aggregates, flattened group-major into one vector of `width` integers that
/// enters the joint circuit.
public struct LocalPlan: Sendable {
    /// The row pipeline (input columns, filters, generalisation, clipping).
    public let pipeline: RowPipeline
    /// Group-by keys with their domains.
    public let groupKeys: [CheckedGroupKey]
    /// Partial aggregates computed for every group.
    public let partials: [PartialAggregate]

    /// The number of groups.
    public var groupCount: Int { groupKeys.reduce(1) { $0 * $1.domain.count } }

    /// The input-vector length: groups × partials.
    public var width: Int { groupCount * partials.count }

    /// The vector slot of a partial aggregate of a group.
    /// - Parameters:
    ///   - partial: index into `partials`.
    ///   - group: group index.
    /// - Returns: the slot.
    public func slot(partial: Int, group: Int) -> Int { group * partials.count + partial }

    /// Runs the plan over one member's rows: the reference local executor (data sources may push
    /// the same plan down into SQL instead; results must be identical).
    /// - Parameter rows: the member's rows, values in input-column order.
    /// - Returns: the partial-aggregate vector.
    /// - Throws: `CompilerError.invalidData` for rows of the wrong width, `.overflow` if a sum
    ///   exceeds 128 bits.
    public func execute(rows: [[Value]]) throws(CompilerError) -> [Int128] {
        var vector = [Int128](repeating: 0, count: width)
        for group in 0..<groupCount {
            for (p, partial) in partials.enumerated() {
                switch partial {
                case .minimum: vector[slot(partial: p, group: group)] = Int128(Int64.max)
                case .maximum: vector[slot(partial: p, group: group)] = Int128(Int64.min)
                default: break
                }
            }
        }
        let columnCount = pipeline.columns.count
        for row in rows {
            guard row.count == columnCount else {
                throw .invalidData("a row has \(row.count) values, the input declares \(columnCount) columns")
            }
            guard let transformed = pipeline.apply(row),
                let group = pipeline.group(of: transformed, keys: groupKeys)
            else { continue }
            for (p, partial) in partials.enumerated() {
                let s = slot(partial: p, group: group)
                guard let contribution = contribution(partial, transformed) else { continue }
                switch partial {
                case .minimum: vector[s] = min(vector[s], contribution)
                case .maximum: vector[s] = max(vector[s], contribution)
                default:
                    let (sum, overflow) = vector[s].addingReportingOverflow(contribution)
                    if overflow { throw .overflow("\(partial) exceeds 128 bits") }
                    vector[s] = sum
                }
            }
        }
        return vector
    }

    private func column(_ name: String, _ row: [Value]) -> Value {
        pipeline.position(of: name).map { row[$0] } ?? .null
    }

    /// A row's contribution to one partial, or nil when it contributes nothing.
    private func contribution(_ partial: PartialAggregate, _ row: [Value]) -> Int128? {
        switch partial {
        case .rowCount:
            return 1
        case .count(let c):
            return column(c, row).isNull ? nil : 1
        case .sum(let c), .minimum(let c), .maximum(let c):
            return units(column(c, row))
        case .sumOfSquares(let c):
            return units(column(c, row)).map { $0 * $0 }
        case .pairCount(let a, let b):
            return units(column(a, row)) != nil && units(column(b, row)) != nil ? 1 : nil
        case .pairSum(let a, let b):
            guard let x = units(column(a, row)), units(column(b, row)) != nil else { return nil }
            return x
        case .pairSumOfSquares(let a, let b):
            guard let x = units(column(a, row)), units(column(b, row)) != nil else { return nil }
            return x * x
        case .sumOfProducts(let a, let b):
            guard let x = units(column(a, row)), let y = units(column(b, row)) else { return nil }
            return x * y
        case .histogramBin(let c, let edges, let bin):
            let v = column(c, row)
            return v.isNull || histogramBin(v, edges: edges) != bin ? nil : 1
        case .gridBucket(let c, let low, let high, let buckets, let bucket):
            let v = column(c, row)
            guard let (x, scale) = v.scaledNumber, let lo = low.scaled(to: scale), let hi = high.scaled(to: scale)
            else { return nil }
            return gridBucket(Int128(x), low: Int128(lo), high: Int128(hi), buckets: buckets) == bucket ? 1 : nil
        }
    }

    /// The printable plan (`covenant contract compile --emit plan`).
    public var listing: String {
        var lines = ["local plan v1"]
        lines.append(
            "input (\(pipeline.columns.map { "\($0.name.text): \($0.type)" }.joined(separator: ", ")))")
        for statement in pipeline.statements { lines.append("  \(PrettyPrinter.format(statement))") }
        if groupKeys.isEmpty {
            lines.append("groups 1 (no group-by)")
        } else {
            lines.append("groups \(groupCount) = " + groupKeys.map { key in
                "\(key.column) in (\(key.domain.map { Literal(value: $0).description }.joined(separator: ", ")))"
            }.joined(separator: " × "))
        }
        lines.append("partials per group \(partials.count), vector width \(width)")
        for (p, partial) in partials.enumerated() {
            lines.append("  p\(p) = \(partial)\(partial.isExtremum ? "  -- combined by comparison" : "")")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension Literal {
    /// The literal spelling of a value (used in plan listings).
    init(value: Value) {
        switch value {
        case .null: self = .null
        case .int(let v): self = .number(Numeral(significand: v))
        case .decimal(let v, let s): self = .number(Numeral(significand: v, scale: s))
        case .text(let t): self = .text(t)
        case .bool(let b): self = .bool(b)
        case .date(let d): self = .date(d)
        }
    }
}
