public import ContractLanguage

extension LocalPlan {
    /// The local plan compiled for streaming: rows are added one at a time into the partial
    /// vector, with each partial's column resolved once (not by name per row) and each distinct
    /// histogram or quantile grid evaluated once per row (not once per bin). It gives exactly what
    /// `execute(rows:)` gives for the same rows: the same `RowPipeline` semantics (filters,
    /// generalisation, clipping, groups), the same units, bins and grid buckets, `Int128` sums
    /// (spec: protocols/contract-language.md §8.1). Data sources stream rows through it; the
    /// equivalence with `execute(rows:)` is tested.
    public struct Accumulator: Sendable {
        /// What one partial adds for a row of its group.
        private enum Step: Sendable {
            case rowCount(Int)
            /// Rows whose column is not null (a missing column is null).
            case count(Int, column: Int?)
            case sum(Int, column: Int?)
            case sumOfSquares(Int, column: Int?)
            case minimum(Int, column: Int?)
            case maximum(Int, column: Int?)
            case pairCount(Int, Int?, Int?)
            case pairSum(Int, Int?, with: Int?)
            case pairSumOfSquares(Int, Int?, with: Int?)
            case sumOfProducts(Int, Int?, Int?)
            /// Counts the row in the partials `table[b]` lists, `b` being the row's bin in the
            /// binning `binning` (none when the row has no bin there).
            case bins(binning: Int, table: [[Int]])
        }

        /// One distinct histogram or quantile grid over a column.
        private enum Binning: Sendable {
            case histogram(column: Int?, edges: [Numeral])
            case grid(column: Int?, low: Numeral, high: Numeral, buckets: Int)
        }

        private let plan: LocalPlan
        private let keyColumns: [Int?]
        private let steps: [Step]
        private let binnings: [Binning]
        private var bins: [Int?]
        /// The partial-aggregate vector so far (`LocalPlan.width` integers, group-major).
        public private(set) var partials: [Int128]

        /// Compiles a plan.
        /// - Parameter plan: the local plan.
        public init(_ plan: LocalPlan) {
            self.plan = plan
            let position = { (name: String) in plan.pipeline.position(of: name) }
            keyColumns = plan.groupKeys.map { position($0.column) }
            var steps: [Step] = []
            var binnings: [Binning] = []
            var binningKeys: [String: Int] = [:]
            var tables: [Int: [[Int]]] = [:]
            func bin(_ binning: Binning, key: String, value: Int, partial p: Int) {
                let index = binningKeys[key] ?? binnings.count
                if index == binnings.count {
                    binnings.append(binning)
                    binningKeys[key] = index
                }
                guard value >= 0 else { return }  // no row is in a negative bin
                var table = tables[index] ?? []
                if table.count <= value { table += Array(repeating: [], count: value + 1 - table.count) }
                table[value].append(p)
                tables[index] = table
            }
            for (p, partial) in plan.partials.enumerated() {
                switch partial {
                case .rowCount: steps.append(.rowCount(p))
                case .count(let c): steps.append(.count(p, column: position(c)))
                case .sum(let c): steps.append(.sum(p, column: position(c)))
                case .sumOfSquares(let c): steps.append(.sumOfSquares(p, column: position(c)))
                case .minimum(let c): steps.append(.minimum(p, column: position(c)))
                case .maximum(let c): steps.append(.maximum(p, column: position(c)))
                case .pairCount(let a, let b): steps.append(.pairCount(p, position(a), position(b)))
                case .pairSum(let a, let b): steps.append(.pairSum(p, position(a), with: position(b)))
                case .pairSumOfSquares(let a, let b): steps.append(.pairSumOfSquares(p, position(a), with: position(b)))
                case .sumOfProducts(let a, let b): steps.append(.sumOfProducts(p, position(a), position(b)))
                case .histogramBin(let c, let edges, let value):
                    bin(.histogram(column: position(c), edges: edges), key: "h|\(c)|\(edges)", value: value, partial: p)
                case .gridBucket(let c, let low, let high, let buckets, let bucket):
                    bin(.grid(column: position(c), low: low, high: high, buckets: buckets),
                        key: "g|\(c)|\(low)|\(high)|\(buckets)", value: bucket, partial: p)
                }
            }
            for index in binnings.indices { steps.append(.bins(binning: index, table: tables[index] ?? [])) }
            self.steps = steps
            self.binnings = binnings
            bins = Array(repeating: nil, count: binnings.count)
            var vector = [Int128](repeating: 0, count: plan.width)
            for group in 0..<plan.groupCount {
                for (p, partial) in plan.partials.enumerated() {
                    switch partial {
                    case .minimum: vector[plan.slot(partial: p, group: group)] = Int128(Int64.max)
                    case .maximum: vector[plan.slot(partial: p, group: group)] = Int128(Int64.min)
                    default: break
                    }
                }
            }
            partials = vector
        }

        /// Adds one row (values in input-column order).
        /// - Parameter row: the row.
        /// - Throws: `CompilerError.invalidData` for a row of the wrong width, `.overflow` when a
        ///   partial exceeds 128 bits.
        public mutating func add(_ row: [Value]) throws(CompilerError) {
            let columnCount = plan.pipeline.columns.count
            guard row.count == columnCount else {
                throw .invalidData("a row has \(row.count) values, the input declares \(columnCount) columns")
            }
            guard let transformed = plan.pipeline.apply(row),
                let group = plan.pipeline.group(of: transformed, keys: plan.groupKeys, columns: keyColumns)
            else { return }
            func value(_ column: Int?) -> Value { column.map { transformed[$0] } ?? .null }
            func unitsOf(_ column: Int?) -> Int128? { units(value(column)) }
            for (index, binning) in binnings.enumerated() {
                switch binning {
                case .histogram(let column, let edges):
                    let v = value(column)
                    bins[index] = v.isNull ? nil : histogramBin(v, edges: edges)
                case .grid(let column, let low, let high, let buckets):
                    if let (x, scale) = value(column).scaledNumber, let lo = low.scaled(to: scale), let hi = high.scaled(to: scale) {
                        bins[index] = gridBucket(Int128(x), low: Int128(lo), high: Int128(hi), buckets: buckets)
                    } else {
                        bins[index] = nil
                    }
                }
            }
            let base = group * plan.partials.count
            for step in steps {
                switch step {
                case .rowCount(let p):
                    try add(1, at: base, p)
                case .count(let p, let c):
                    if !value(c).isNull { try add(1, at: base, p) }
                case .sum(let p, let c):
                    if let x = unitsOf(c) { try add(x, at: base, p) }
                case .sumOfSquares(let p, let c):
                    if let x = unitsOf(c) { try add(x * x, at: base, p) }
                case .minimum(let p, let c):
                    if let x = unitsOf(c) { partials[base + p] = Swift.min(partials[base + p], x) }
                case .maximum(let p, let c):
                    if let x = unitsOf(c) { partials[base + p] = Swift.max(partials[base + p], x) }
                case .pairCount(let p, let a, let b):
                    if unitsOf(a) != nil, unitsOf(b) != nil { try add(1, at: base, p) }
                case .pairSum(let p, let a, let b):
                    if let x = unitsOf(a), unitsOf(b) != nil { try add(x, at: base, p) }
                case .pairSumOfSquares(let p, let a, let b):
                    if let x = unitsOf(a), unitsOf(b) != nil { try add(x * x, at: base, p) }
                case .sumOfProducts(let p, let a, let b):
                    if let x = unitsOf(a), let y = unitsOf(b) { try add(x * y, at: base, p) }
                case .bins(let index, let table):
                    guard let b = bins[index], b >= 0, b < table.count else { continue }
                    for p in table[b] { try add(1, at: base, p) }
                }
            }
        }

        private mutating func add(_ contribution: Int128, at base: Int, _ p: Int) throws(CompilerError) {
            let (sum, overflow) = partials[base + p].addingReportingOverflow(contribution)
            if overflow { throw .overflow("\(plan.partials[p]) exceeds 128 bits") }
            partials[base + p] = sum
        }
    }
}
