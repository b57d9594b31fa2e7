import CircuitCompiler
import ContractLanguage
import GRDB

/// A local plan translated into one SQL query (protocols/data-sources.md: "For SQL data sources the local plan is
/// pushed down as one SQL query"; spec: protocols/data-sources.md §5).
///
/// Layers, innermost first: the validated stored values converted to integer units (decimals in
/// 10^-S, dates in days, booleans 0/1); one subquery per local statement (`where` → WHERE with
/// SQL's own three-valued logic, generalisation → CASE, clipping → min/max); then the group index
/// and `GROUP BY` with COUNT / SUM / MIN / MAX. Sums, sums of squares and sums of products are
/// computed exactly from 16-bit limbs (`v = l3·2^48 + l2·2^32 + l1·2^16 + l0`, `l3` signed), so
/// no 64-bit product ever overflows into SQLite's floating point; Swift adds the limb sums in
/// `Int128`. Anything whose SQL meaning could differ from `RowPipeline` throws `Untranslatable`
/// and the source falls back to the row pipeline.
struct SQLPushdown {
    /// Why a plan was not pushed down.
    struct Untranslatable: Error {
        var reason: String
    }

    /// How one partial is assembled from the query's result rows (one per group and bin-index
    /// combination; sums add over them, extrema compare).
    enum Assembly {
        case constant(Int128)
        case weighted([Part])
        case minimum(column: Int)
        case maximum(column: Int)
        /// Rows whose bin-index column `bin` equals `value`.
        case binCount(bin: Int, value: Int)
    }

    /// An aggregate (index into the aggregate columns) and its weight.
    struct Part {
        var column: Int
        var weight: Int128
    }

    let sql: String
    let assemblies: [Assembly]
    let plan: LocalPlan
    /// Bin-index columns (histogram bins, quantile-grid buckets) in the GROUP BY, after `g`.
    let binCount: Int
    /// The number of aggregate columns (the last is COUNT(*)).
    let aggregatesCount: Int

    /// Translates a plan over `base` (`SELECT … AS c0, … FROM …`, stored values, validated).
    init(plan: LocalPlan, base: String) throws(Untranslatable) {
        self.plan = plan
        let declared = plan.pipeline.columns
        var types = declared.map(\.type)
        func c(_ i: Int) -> String { "c\(i)" }
        func index(_ name: String) throws(Untranslatable) -> Int {
            guard let i = plan.pipeline.position(of: name) else { throw Untranslatable(reason: "unknown column '\(name)'") }
            return i
        }

        // Layer 0: stored values → integer units, without column affinity (unary +).
        var conversions: [String] = []
        for (i, column) in declared.enumerated() {
            switch column.type {
            case .decimal(let scale):
                let factor = pow10(scale)
                conversions.append(
                    "CASE typeof(\(c(i))) WHEN 'integer' THEN \(c(i)) * \(factor) WHEN 'real' THEN \(realUnits(c(i), scale: scale)) "
                        + "WHEN 'text' THEN \(SQLiteSource.decimalTextUnits.name)(\(c(i)), \(scale)) END AS \(c(i))")
            case .date:
                conversions.append("CAST(julianday(\(c(i))) - 2440587.5 AS INTEGER) AS \(c(i))")
            case .int, .text, .bool:
                conversions.append("+\(c(i)) AS \(c(i))")
            }
        }
        // Every layer ends in `LIMIT -1` (no limit), which keeps SQLite from flattening it into
        // the next one: flattening would copy each CASE into every use of its column and
        // evaluate it dozens of times per row.
        let layerEnd = " LIMIT -1"
        var current = "SELECT \(conversions.joined(separator: ", ")) FROM (\(base))\(layerEnd)"
        func replacing(_ i: Int, with expression: String) -> String {
            let list = declared.indices.map { $0 == i ? "\(expression) AS \(c($0))" : c($0) }
            return "SELECT \(list.joined(separator: ", ")) FROM (\(current))\(layerEnd)"
        }

        // One layer per local statement.
        for statement in plan.pipeline.statements {
            switch statement {
            case .filter(let condition):
                let translated = try Self.condition(condition, types: types, index: index)
                current = "SELECT * FROM (\(current)) WHERE \(translated)\(layerEnd)"
            case .generalize(let g):
                let i = try index(g.column.text)
                let v = c(i)
                switch (g.rule, types[i]) {
                case (.bands(let edges), .int), (.bands(let edges), .decimal):
                    let labels = bandLabels(edges)
                    var cases = "CASE WHEN \(v) IS NULL THEN NULL"
                    for (k, edge) in edges.enumerated().reversed() {
                        cases += " WHEN \(Self.compareUnits(v, types[i].scale, .greaterOrEqual, edge)) THEN \(quoteText(labels[k + 1]))"
                    }
                    current = replacing(i, with: cases + " ELSE \(quoteText(labels[0])) END")
                    types[i] = .text
                case (.truncate(let unit), .date):
                    let seconds = "\(v) * 86400"
                    let start: String
                    switch unit {
                    case .year: start = "date(\(seconds), 'unixepoch', 'start of year')"
                    case .month: start = "date(\(seconds), 'unixepoch', 'start of month')"
                    case .quarter:
                        start = "date(\(seconds), 'unixepoch', 'start of month', printf('-%d months', (CAST(strftime('%m', \(seconds), 'unixepoch') AS INTEGER) - 1) % 3))"
                    }
                    current = replacing(i, with: "CAST(julianday(\(start)) - 2440587.5 AS INTEGER)")
                case (.prefix(let k), .text):
                    current = replacing(i, with: "substr(\(v), 1, \(k))")
                case (.map(let pairs, let otherwise), .text):
                    var cases = "CASE WHEN \(v) IS NULL THEN NULL"
                    for pair in pairs {
                        try Self.checkText(pair.from)
                        try Self.checkText(pair.to)
                        cases += " WHEN \(v) = \(quoteText(pair.from)) THEN \(quoteText(pair.to))"
                    }
                    if let otherwise { try Self.checkText(otherwise) }
                    current = replacing(i, with: cases + " ELSE \(otherwise.map(quoteText) ?? "NULL") END")
                default:
                    throw Untranslatable(reason: "generalisation of a \(types[i]) column is not translated")
                }
            case .clip(let clip):
                let i = try index(clip.column.text)
                guard types[i].isNumeric,
                    let low = clip.lower.scaled(to: types[i].scale), let high = clip.upper.scaled(to: types[i].scale)
                else { continue }  // RowPipeline.clip leaves such values unchanged
                current = replacing(i, with: "min(max(\(c(i)), \(Self.integer(Int128(low)))), \(Self.integer(Int128(high))))")
            }
        }

        // The group index, row-major over the keys' domains; NULL when outside every domain.
        var group = "0"
        for key in plan.groupKeys {
            let i = try index(key.column)
            var cases = "CASE"
            for (position, value) in key.domain.enumerated() {
                if let literal = Self.literal(value, for: types[i]) { cases += " WHEN \(c(i)) = \(literal) THEN \(position)" }
            }
            let keyIndex = cases == "CASE" ? "NULL" : cases + " END"
            group = "(\(group)) * \(key.domain.count) + (\(keyIndex))"
        }

        // Derived per-row columns (limbs, histogram bins, grid buckets) and the aggregates.
        var derived: [String] = []
        var aggregates: [String] = []
        var limbsOf: [Int: [String]] = [:]
        var binColumns: [String: String] = [:]
        func aggregate(_ sql: String) -> Int {
            aggregates.append(sql)
            return aggregates.count - 1
        }
        var binNames: [String] = []
        func limbs(_ i: Int) -> [String] {
            if let names = limbsOf[i] { return names }
            let v = c(i)
            let expressions = ["\(v) & 65535", "(\(v) >> 16) & 65535", "(\(v) >> 32) & 65535", "\(v) >> 48"]
            let names = (0..<4).map { "l\(i)_\($0)" }
            for (expression, name) in zip(expressions, names) { derived.append("\(expression) AS \(name)") }
            limbsOf[i] = names
            return names
        }
        func counted(_ sql: String) -> Assembly { .weighted([Part(column: aggregate(sql), weight: 1)]) }
        func hasUnits(_ type: ColumnType) -> Bool { type.isNumeric || type == .date }
        func guarded(_ term: String, _ condition: String?) -> String {
            condition.map { "CASE WHEN \($0) THEN \(term) END" } ?? term
        }
        func sum(_ i: Int, when condition: String?) -> Assembly {
            let names = limbs(i)
            return .weighted(names.enumerated().map { k, name in
                Part(column: aggregate("SUM(\(guarded(name, condition)))"), weight: Int128(1) << (16 * k))
            })
        }
        func product(_ a: Int, _ b: Int, when condition: String?) -> Assembly {
            let x = limbs(a), y = limbs(b)
            var parts: [Part] = []
            for k in 0...6 {
                let terms = (0..<4).compactMap { p -> String? in
                    let q = k - p
                    return (0..<4).contains(q) ? "\(x[p]) * \(y[q])" : nil
                }
                let sumOfTerms = "(" + terms.joined(separator: " + ") + ")"
                parts.append(Part(column: aggregate("SUM(\(guarded(sumOfTerms, condition)))"), weight: Int128(1) << (16 * k)))
            }
            return .weighted(parts)
        }

        var assemblies: [Assembly] = []
        for partial in plan.partials {
            switch partial {
            case .rowCount:
                assemblies.append(counted("COUNT(*)"))
            case .count(let name):
                assemblies.append(counted("COUNT(\(c(try index(name))))"))
            case .sum(let name):
                let i = try index(name)
                assemblies.append(hasUnits(types[i]) ? sum(i, when: nil) : .constant(0))
            case .sumOfSquares(let name):
                let i = try index(name)
                assemblies.append(hasUnits(types[i]) ? product(i, i, when: nil) : .constant(0))
            case .minimum(let name):
                let i = try index(name)
                assemblies.append(hasUnits(types[i]) ? .minimum(column: aggregate("MIN(\(c(i)))")) : .constant(Int128(Int64.max)))
            case .maximum(let name):
                let i = try index(name)
                assemblies.append(hasUnits(types[i]) ? .maximum(column: aggregate("MAX(\(c(i)))")) : .constant(Int128(Int64.min)))
            case .pairCount(let a, let b):
                let i = try index(a), j = try index(b)
                assemblies.append(
                    hasUnits(types[i]) && hasUnits(types[j])
                        ? counted("COUNT(CASE WHEN \(c(i)) IS NOT NULL AND \(c(j)) IS NOT NULL THEN 1 END)")
                        : .constant(0))
            case .pairSum(let a, let b):
                let i = try index(a), j = try index(b)
                assemblies.append(hasUnits(types[i]) && hasUnits(types[j]) ? sum(i, when: "\(c(j)) IS NOT NULL") : .constant(0))
            case .pairSumOfSquares(let a, let b):
                let i = try index(a), j = try index(b)
                assemblies.append(
                    hasUnits(types[i]) && hasUnits(types[j]) ? product(i, i, when: "\(c(j)) IS NOT NULL") : .constant(0))
            case .sumOfProducts(let a, let b):
                let i = try index(a), j = try index(b)
                assemblies.append(hasUnits(types[i]) && hasUnits(types[j]) ? product(i, j, when: nil) : .constant(0))
            case .histogramBin(let name, let edges, let bin):
                let i = try index(name)
                guard types[i].isNumeric else {
                    assemblies.append(.constant(0))
                    continue
                }
                guard edges.count >= 2 else { throw Untranslatable(reason: "a histogram with fewer than two edges") }
                let key = "h|\(i)|\(edges)"
                let column: String
                if let existing = binColumns[key] {
                    column = existing
                } else {
                    column = "b\(binColumns.count)"
                    binColumns[key] = column
                    binNames.append(column)
                    let v = c(i), s = types[i].scale
                    var cases = "CASE WHEN \(v) IS NULL OR NOT (\(Self.compareUnits(v, s, .greaterOrEqual, edges[0])) AND \(Self.compareUnits(v, s, .lessOrEqual, edges[edges.count - 1]))) THEN NULL"
                    for b in stride(from: edges.count - 2, through: 1, by: -1) {
                        cases += " WHEN \(Self.compareUnits(v, s, .greaterOrEqual, edges[b])) THEN \(b)"
                    }
                    derived.append(cases + " ELSE 0 END AS \(column)")
                }
                assemblies.append(.binCount(bin: binNames.firstIndex(of: column)!, value: bin))
            case .gridBucket(let name, let low, let high, let buckets, let bucket):
                let i = try index(name)
                guard types[i].isNumeric, let lo = low.scaled(to: types[i].scale), let hi = high.scaled(to: types[i].scale)
                else {
                    assemblies.append(.constant(0))
                    continue
                }
                guard hi > lo, buckets > 0, (Int128(hi) - Int128(lo)) * Int128(buckets) < Int128(1) << 62 else {
                    throw Untranslatable(reason: "a quantile grid whose bucket arithmetic could leave 64 bits")
                }
                let key = "g|\(i)|\(lo)|\(hi)|\(buckets)"
                let column: String
                if let existing = binColumns[key] {
                    column = existing
                } else {
                    column = "b\(binColumns.count)"
                    binColumns[key] = column
                    binNames.append(column)
                    let clamped = "min(max(\(c(i)), \(lo)), \(hi))"
                    derived.append(
                        "min(\(buckets - 1), max(0, (\(clamped) - (\(lo))) * \(buckets) / (\(Int128(hi) - Int128(lo))))) AS \(column)")
                }
                assemblies.append(.binCount(bin: binNames.firstIndex(of: column)!, value: bucket))
            }
        }
        // Histogram bins and grid buckets are GROUP BY columns: one COUNT(*) per (group, bin)
        // instead of one COUNT(CASE …) per bucket per row.
        _ = aggregate("COUNT(*)")
        let middle = "SELECT \(group) AS g\(derived.map { ", " + $0 }.joined()), * FROM (\(current))\(layerEnd)"
        let keys = (["g"] + binNames).joined(separator: ", ")
        sql = "SELECT \(keys)\(aggregates.map { ", " + $0 }.joined()) FROM (\(middle)) WHERE g IS NOT NULL GROUP BY \(keys)"
        self.assemblies = assemblies
        binCount = binNames.count
        aggregatesCount = aggregates.count
    }

    /// Runs the query. Returns nil when SQLite reports a 64-bit integer overflow in a limb sum
    /// (then the caller falls back to the row pipeline).
    func run(
        _ db: Database, wrap: (() throws -> [Row]) throws -> [Row], location: DataSourceError.Location? = nil
    ) throws -> [Int128]? {
        let width = plan.width
        var vector = [Int128](repeating: 0, count: width)
        let partialCount = plan.partials.count
        for group in 0..<plan.groupCount {
            for (p, assembly) in assemblies.enumerated() {
                switch assembly {
                case .constant(let value): vector[group * partialCount + p] = value
                case .minimum: vector[group * partialCount + p] = Int128(Int64.max)
                case .maximum: vector[group * partialCount + p] = Int128(Int64.min)
                case .weighted, .binCount: break
                }
            }
        }
        guard width > 0 else { return vector }
        let rows: [Row]
        do {
            rows = try Row.fetchAll(db, sql: sql)
        } catch let error as DatabaseError where (error.message ?? "").contains("integer overflow") {
            return nil
        } catch {
            rows = try wrap { throw error }
        }
        let first = 1 + binCount  // result columns: g, the bin indices, then the aggregates
        let rowsColumn = first + aggregatesCount - 1  // the trailing COUNT(*)
        // Result cells are read as stored values: a typed GRDB read of a REAL or TEXT cell traps,
        // and a query with a non-deterministic expression can yield one although validation,
        // which scanned it before, saw only integers.
        func integer(_ row: Row, _ index: Int) throws -> Int64? {
            switch (row[index] as DatabaseValue).storage {
            case .null: return nil
            case .int64(let value): return value
            default:
                throw DataSourceError(
                    .wrongType, "a pushed-down aggregate is not an integer: the data changed storage class after validation",
                    at: location)
            }
        }
        func add(_ slot: Int, _ value: Int128, _ p: Int) throws {
            let (sum, overflow) = vector[slot].addingReportingOverflow(value)
            if overflow { throw DataSourceError(.overflow, "partial aggregate \(plan.partials[p]) exceeds 128 bits") }
            vector[slot] = sum
        }
        for row in rows {
            guard let group = try integer(row, 0), (0..<Int64(plan.groupCount)).contains(group) else { continue }
            for (p, assembly) in assemblies.enumerated() {
                let slot = Int(group) * partialCount + p
                switch assembly {
                case .constant: break
                case .minimum(let column):
                    if let value = try integer(row, first + column) { vector[slot] = min(vector[slot], Int128(value)) }
                case .maximum(let column):
                    if let value = try integer(row, first + column) { vector[slot] = max(vector[slot], Int128(value)) }
                case .binCount(let bin, let value):
                    if let index = try integer(row, 1 + bin), index == Int64(value), let count = try integer(row, rowsColumn) {
                        try add(slot, Int128(count), p)
                    }
                case .weighted(let parts):
                    for part in parts {
                        guard let value = try integer(row, first + part.column) else { continue }
                        let (product, overflow) = Int128(value).multipliedReportingOverflow(by: part.weight)
                        if overflow { throw DataSourceError(.overflow, "partial aggregate \(plan.partials[p]) exceeds 128 bits") }
                        try add(slot, product, p)
                    }
                }
            }
        }
        return vector
    }

    // MARK: - Conditions (spec §5.1; SQL's three-valued logic is the language's)

    private enum Operand {
        case column(String, ColumnType)
        case literal(Literal)
    }

    static func condition(
        _ condition: Condition, types: [ColumnType], index: (String) throws(Untranslatable) -> Int
    ) throws(Untranslatable) -> String {
        func operand(_ o: ContractLanguage.Operand) throws(Untranslatable) -> Operand {
            switch o {
            case .column(let name):
                let i = try index(name.text)
                return .column("c\(i)", types[i])
            case .literal(let literal, _): return .literal(literal)
            }
        }
        func recurse(_ c: Condition) throws(Untranslatable) -> String {
            try Self.condition(c, types: types, index: index)
        }
        switch condition.kind {
        case .comparison(let l, let op, let r):
            return try comparison(operand(l), op, operand(r))
        case .and(let a, let b): return "(\(try recurse(a)) AND \(try recurse(b)))"
        case .or(let a, let b): return "(\(try recurse(a)) OR \(try recurse(b)))"
        case .not(let a): return "(NOT \(try recurse(a)))"
        case .isNull(let x, let negated):
            switch try operand(x) {
            case .column(let v, _): return "(\(v) IS \(negated ? "NOT " : "")NULL)"
            case .literal(let literal): return (literal == .null) != negated ? "1" : "0"
            }
        case .inList(let x, let literals, let negated):
            switch try operand(x) {
            case .column(let v, let type):
                let members = literals.compactMap { literal(RowPipeline.value(of: $0), for: type) }
                let (hit, miss) = negated ? ("0", "1") : ("1", "0")
                if members.isEmpty { return "(CASE WHEN \(v) IS NULL THEN NULL ELSE \(miss) END)" }
                return "(CASE WHEN \(v) IS NULL THEN NULL WHEN \(v) IN (\(members.joined(separator: ", "))) THEN \(hit) ELSE \(miss) END)"
            case .literal(let literal):
                let value = RowPipeline.value(of: literal)
                if value.isNull { return "NULL" }
                let found = literals.contains { Value.compare(value, RowPipeline.value(of: $0)) == 0 }
                return found != negated ? "1" : "0"
            }
        case .between(let x, let low, let high, let negated):
            let v = try operand(x)
            let both = "(\(try comparison(v, .greaterOrEqual, operand(low))) AND \(try comparison(v, .lessOrEqual, operand(high))))"
            return negated ? "(NOT \(both))" : both
        case .operand(let x):
            switch try operand(x) {
            case .column(let v, let type): return type == .bool ? v : "NULL"
            case .literal(.bool(let b)): return b ? "1" : "0"
            case .literal: return "NULL"
            }
        }
    }

    private static func flipped(_ op: ComparisonOperator) -> ComparisonOperator {
        switch op {
        case .equal, .notEqual: return op
        case .less: return .greater
        case .lessOrEqual: return .greaterOrEqual
        case .greater: return .less
        case .greaterOrEqual: return .lessOrEqual
        }
    }

    private static func sqlOperator(_ op: ComparisonOperator) -> String {
        switch op {
        case .equal: return "="
        case .notEqual: return "<>"
        case .less: return "<"
        case .lessOrEqual: return "<="
        case .greater: return ">"
        case .greaterOrEqual: return ">="
        }
    }

    private static func comparison(_ l: Operand, _ op: ComparisonOperator, _ r: Operand) throws(Untranslatable) -> String {
        switch (l, r) {
        case (.literal(let a), .literal(let b)):
            guard let order = Value.compare(RowPipeline.value(of: a), RowPipeline.value(of: b)) else { return "NULL" }
            let result: Bool
            switch op {
            case .equal: result = order == 0
            case .notEqual: result = order != 0
            case .less: result = order < 0
            case .lessOrEqual: result = order <= 0
            case .greater: result = order > 0
            case .greaterOrEqual: result = order >= 0
            }
            return result ? "1" : "0"
        case (.literal, .column):
            return try comparison(r, flipped(op), l)
        case (.column(let v, let type), .literal(let literal)):
            switch (type, literal) {
            case (.int, .number(let n)), (.decimal, .number(let n)):
                return compareUnits(v, type.scale, op, n)
            case (.text, .text(let s)):
                try checkText(s)
                return "(\(v) \(sqlOperator(op)) \(quoteText(s)))"
            case (.bool, .bool(let b)):
                return "(\(v) \(sqlOperator(op)) \(b ? 1 : 0))"
            case (.date, .date(let d)):
                return "(\(v) \(sqlOperator(op)) \(d.daysSinceEpoch))"
            default:
                return "NULL"  // null or an incomparable literal: unknown
            }
        case (.column(let a, let ta), .column(let b, let tb)):
            switch (ta, tb) {
            case (.int, .int), (.int, .decimal), (.decimal, .int), (.decimal, .decimal):
                guard ta.scale == tb.scale else { throw Untranslatable(reason: "a comparison of columns with different scales") }
                return "(\(a) \(sqlOperator(op)) \(b))"
            case (.text, .text), (.bool, .bool), (.date, .date):
                return "(\(a) \(sqlOperator(op)) \(b))"
            default:
                return "NULL"
            }
        }
    }

    /// `v OP n` for `v` in integer units of 10^-scale and an exact numeral `n`, without leaving
    /// 64-bit integers: strict and non-strict bounds become ceilings and floors of n·10^scale.
    static func compareUnits(_ v: String, _ scale: Int, _ op: ComparisonOperator, _ n: Numeral) -> String {
        let significand = Int128(n.significand)
        let floor: Int128, ceiling: Int128
        if scale >= n.scale {
            var exact = significand
            for _ in 0..<(scale - n.scale) { exact *= 10 }
            floor = exact
            ceiling = exact
        } else {
            var divisor: Int128 = 1
            for _ in 0..<(n.scale - scale) { divisor *= 10 }
            let q = significand / divisor, r = significand % divisor
            floor = r < 0 ? q - 1 : q
            ceiling = r > 0 ? q + 1 : q
        }
        let always = "(\(v) = \(v))", never = "(\(v) <> \(v))"  // true / false for non-null v, NULL for null
        let minimum = Int128(Int64.min), maximum = Int128(Int64.max)
        func bound(_ sqlOp: String, _ t: Int128, belowAll: String, aboveAll: String) -> String {
            if t < minimum { return belowAll }
            if t > maximum { return aboveAll }
            return "(\(v) \(sqlOp) \(integer(t)))"
        }
        switch op {
        case .less: return bound("<", ceiling, belowAll: never, aboveAll: always)
        case .lessOrEqual: return bound("<=", floor, belowAll: never, aboveAll: always)
        case .greater: return bound(">", floor, belowAll: always, aboveAll: never)
        case .greaterOrEqual: return bound(">=", ceiling, belowAll: always, aboveAll: never)
        case .equal: return floor == ceiling ? bound("=", floor, belowAll: never, aboveAll: never) : never
        case .notEqual: return floor == ceiling ? bound("<>", floor, belowAll: always, aboveAll: always) : always
        }
    }

    /// An integer literal (Int64.min written so that SQLite reads an integer).
    static func integer(_ value: Int128) -> String {
        value == Int128(Int64.min) ? "(-9223372036854775807 - 1)" : String(value)
    }

    /// A domain or list value as a literal comparable with a column of `type` (integer units), or
    /// nil when it can equal no value of the column.
    static func literal(_ value: Value, for type: ColumnType) -> String? {
        switch (type, value) {
        case (.int, .int), (.int, .decimal), (.decimal, .int), (.decimal, .decimal):
            guard let (units, scale) = value.scaledNumber else { return nil }
            var u = Int128(units)
            if scale <= type.scale {
                for _ in 0..<(type.scale - scale) { u *= 10 }
            } else {
                var divisor: Int128 = 1
                for _ in 0..<(scale - type.scale) { divisor *= 10 }
                guard u % divisor == 0 else { return nil }
                u /= divisor
            }
            guard u >= Int128(Int64.min), u <= Int128(Int64.max) else { return nil }
            return integer(u)
        case (.text, .text(let s)):
            return s.unicodeScalars.contains("\0") ? nil : quoteText(s)
        case (.bool, .bool(let b)): return b ? "1" : "0"
        case (.date, .date(let d)): return String(d.daysSinceEpoch)
        default: return nil
        }
    }

    static func checkText(_ s: String) throws(Untranslatable) {
        if s.unicodeScalars.contains("\0") { throw Untranslatable(reason: "a text literal with a NUL character") }
    }
}
