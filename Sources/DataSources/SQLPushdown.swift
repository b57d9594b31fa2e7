import CircuitCompiler
import ContractLanguage
import GRDB

/// The SQL dialect a plan is pushed down in: the one translation (`SQLPushdown`) asks it for
/// the few things SQLite and PostgreSQL spell differently (spec: protocols/data-sources.md §5, §7).
enum SQLDialect: Sendable, Hashable {
    /// SQLite 3 (the embedded default): dynamic types, integers for booleans, `LIMIT -1` fences.
    case sqlite
    /// PostgreSQL 13 or later (and engines that speak its dialect, such as Citus): static
    /// types, `boolean`, `numeric` sums, `OFFSET 0` fences.
    case postgreSQL

    /// What ends every layer so that the engine does not flatten it into the next one (which
    /// would copy each `CASE` into every use of its column): SQLite's `LIMIT -1`, PostgreSQL's
    /// `OFFSET 0`.
    var layerEnd: String { self == .sqlite ? " LIMIT -1" : " OFFSET 0" }

    /// A boolean constant in a condition.
    func boolean(_ value: Bool) -> String {
        switch self {
        case .sqlite: value ? "1" : "0"
        case .postgreSQL: value ? "TRUE" : "FALSE"
        }
    }

    /// The unknown truth value.
    var unknown: String { self == .sqlite ? "NULL" : "NULL::boolean" }

    /// `v` clamped to `[low, high]`, NULL for NULL (PostgreSQL's GREATEST and LEAST skip NULLs,
    /// SQLite's scalar min and max return NULL).
    func clamp(_ v: String, _ low: String, _ high: String) -> String {
        switch self {
        case .sqlite: "min(max(\(v), \(low)), \(high))"
        case .postgreSQL: "CASE WHEN \(v) IS NULL THEN NULL ELSE LEAST(GREATEST(\(v), \(low)), \(high)) END"
        }
    }

    /// What follows a text operand so that comparisons order by code point (SQLite's BINARY
    /// collation; PostgreSQL's database collation may be a locale's, so `COLLATE "C"`).
    var codePointCollation: String { self == .sqlite ? "" : #" COLLATE "C""# }

    /// A result column as the reader wants it: SQLite's integers as they are, PostgreSQL's
    /// (`bigint` or `numeric`) as text parsed exactly into `Int128`.
    func output(_ expression: String) -> String { self == .sqlite ? expression : "(\(expression))::text" }
}

/// A local plan translated into one SQL query (protocols/data-sources.md: "For SQL data sources the local plan is
/// pushed down as one SQL query"; spec: protocols/data-sources.md §5).
///
/// Layers, innermost first: the validated stored values converted to integer units (decimals in
/// 10^-S, dates in days, booleans 0/1); one subquery per local statement (`where` → WHERE with
/// SQL's own three-valued logic, generalisation → CASE, clipping → min/max); then the group index
/// and `GROUP BY` with COUNT / SUM / MIN / MAX. In SQLite, sums are exact in one of two
/// arithmetics (`Arithmetic`): `.split`, plain 64-bit sums and each square or product from two
/// parts (`v = h·2^16 + l`), where SQLite itself reports every overflow (an integer SUM raises
/// "integer overflow", a product that leaves 64 bits becomes REAL), so the caller reruns in
/// `.limbs`: 16-bit limbs (`v = l3·2^48 + l2·2^32 + l1·2^16 + l0`, `l3` signed), where no 64-bit
/// product can overflow. Swift adds the parts in `Int128`. With a `validation` expression (SQLite)
/// the same scan also finds invalid rows: they skip the filters and land in group −1, and the
/// caller then runs the validation scan that names the first one. Anything whose SQL meaning could
/// differ from `RowPipeline` throws `Untranslatable` and the source falls back to the row pipeline.
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

    /// How SQLite sums are kept exact (PostgreSQL sums `bigint` into `numeric` and needs neither).
    enum Arithmetic: Sendable {
        /// Plain 64-bit sums; squares and products from `h = v >> 16` and `l = v & 65535`. Fast;
        /// any overflow shows as an error or a REAL cell (`Outcome.overflow`).
        case split
        /// Four 16-bit limbs per value: exact unless a limb sum leaves 64 bits (2^31 rows and more).
        case limbs
    }

    /// What running the query gave.
    enum Outcome {
        /// The partials.
        case partials([Int128])
        /// The validation expression found an invalid row (run the validation scan to name it).
        case invalidRow
        /// A 64-bit sum or product overflowed (rerun in `.limbs`, or fall back to the row pipeline).
        case overflow
    }

    let sql: String
    let dialect: SQLDialect
    let arithmetic: Arithmetic
    let assemblies: [Assembly]
    let plan: LocalPlan
    /// Bin-index columns (histogram bins, quantile-grid buckets) in the GROUP BY, after `g`.
    let binCount: Int
    /// The number of aggregate columns (the last is COUNT(*)).
    let aggregatesCount: Int

    /// Translates a plan over `base` (`SELECT … AS c0, … FROM …`, stored values, validated).
    /// - Parameters:
    ///   - plan: the local plan.
    ///   - base: the validated input in input-column order.
    ///   - dialect: the engine's dialect (for PostgreSQL, `base` yields the catalog-checked
    ///     column types of `PostgreSQLSource`).
    ///   - validation: SQLite only: an expression over the stored values `c0, …` that is not
    ///     NULL exactly when the row is invalid (`SQLiteSource.problemExpression`); such rows are
    ///     kept past every filter and put in group −1. Nil: the caller validated already.
    ///   - arithmetic: SQLite only: how sums are kept exact.
    init(
        plan: LocalPlan, base: String, dialect: SQLDialect = .sqlite, validation: String? = nil,
        arithmetic: Arithmetic = .limbs
    ) throws(Untranslatable) {
        self.plan = plan
        self.dialect = dialect
        self.arithmetic = arithmetic
        let validation = dialect == .sqlite ? validation : nil
        let declared = plan.pipeline.columns
        var types = declared.map(\.type)
        func c(_ i: Int) -> String { "c\(i)" }
        func index(_ name: String) throws(Untranslatable) -> Int {
            guard let i = plan.pipeline.position(of: name) else { throw Untranslatable(reason: "unknown column '\(name)'") }
            return i
        }

        // Layer 0: stored values → integer units, without column affinity (unary +).
        var conversions: [String] = []
        for (i, column) in declared.enumerated() where dialect == .postgreSQL {
            switch column.type {
            case .decimal(let scale):
                // Validated: at most `scale` fraction digits, |units| < 2^63; exact.
                conversions.append("(\(c(i))::numeric * \(pow10(scale)))::bigint AS \(c(i))")
            case .date:
                conversions.append("(\(c(i)) - DATE '1970-01-01') AS \(c(i))")
            case .int:
                conversions.append("\(c(i))::bigint AS \(c(i))")
            case .text, .bool:
                conversions.append("\(c(i)) AS \(c(i))")
            }
        }
        for (i, column) in declared.enumerated() where dialect == .sqlite {
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
        // Every layer ends in `LIMIT -1` (SQLite: no limit) or `OFFSET 0` (PostgreSQL), which
        // keeps the engine from flattening it into the next one: flattening would copy each CASE
        // into every use of its column and evaluate it dozens of times per row. Every subquery
        // has an alias (PostgreSQL before 16 requires one).
        let layerEnd = dialect.layerEnd
        var layer = 0
        func from(_ sql: String) -> String {
            layer += 1
            return "FROM (\(sql)) AS s\(layer)"
        }
        // `e`: the row's validation problem (NULL when valid), carried through every layer.
        if let validation { conversions.append("\(validation) AS e") }
        let carried = validation == nil ? "" : ", e"
        // SQLite: the base query is a layer of its own too, so that `covenant_nfc` runs once per
        // cell, not once per use of its column in the conversions and the validation.
        let fenced = dialect == .sqlite ? base + layerEnd : base
        var current = "SELECT \(conversions.joined(separator: ", ")) \(from(fenced))\(layerEnd)"
        // In SQLite, filters add no layer of their own: consecutive filters become one WHERE (a
        // row passes both exactly when their conjunction is true), attached to the next layer,
        // whose WHERE sees that layer's input, i.e. the columns as the filters see them. Invalid
        // rows pass every filter.
        var pending: [String] = []
        func whereClause() -> String {
            guard !pending.isEmpty else { return "" }
            defer { pending = [] }
            let condition = pending.count == 1 ? pending[0] : "(" + pending.joined(separator: " AND ") + ")"
            return " WHERE " + (validation == nil ? condition : "e IS NOT NULL OR \(condition)")
        }
        func replacing(_ i: Int, with expression: String) -> String {
            let list = declared.indices.map { $0 == i ? "\(expression) AS \(c($0))" : c($0) }
            return "SELECT \(list.joined(separator: ", "))\(carried) \(from(current))\(whereClause())\(layerEnd)"
        }

        // One layer per local statement.
        for statement in plan.pipeline.statements {
            switch statement {
            case .filter(let condition):
                let translated = try Self.condition(condition, types: types, index: index, dialect: dialect)
                pending.append(translated)
                if dialect != .sqlite { current = "SELECT * \(from(current))\(whereClause())\(layerEnd)" }
            case .generalize(let g):
                let i = try index(g.column.text)
                let v = c(i)
                switch (g.rule, types[i]) {
                case (.bands(let edges), .int), (.bands(let edges), .decimal):
                    let labels = bandLabels(edges)
                    var cases = "CASE WHEN \(v) IS NULL THEN NULL"
                    for (k, edge) in edges.enumerated().reversed() {
                        cases += " WHEN \(Self.compareUnits(v, types[i].scale, .greaterOrEqual, edge)) THEN \(quoteText(labels[k + 1]))\(dialect.codePointCollation)"
                    }
                    current = replacing(i, with: cases + " ELSE \(quoteText(labels[0]))\(dialect.codePointCollation) END")
                    types[i] = .text
                case (.truncate(let unit), .date) where dialect == .postgreSQL:
                    let field: String
                    switch unit {
                    case .year: field = "year"
                    case .quarter: field = "quarter"
                    case .month: field = "month"
                    }
                    current = replacing(
                        i, with: "(date_trunc('\(field)', (DATE '1970-01-01' + \(v))::timestamp)::date - DATE '1970-01-01')")
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
                        cases += " WHEN \(v) = \(quoteText(pair.from)) THEN \(quoteText(pair.to))\(dialect.codePointCollation)"
                    }
                    if let otherwise { try Self.checkText(otherwise) }
                    current = replacing(i, with: cases + " ELSE \(otherwise.map { quoteText($0) + dialect.codePointCollation } ?? "NULL") END")
                default:
                    throw Untranslatable(reason: "generalisation of a \(types[i]) column is not translated")
                }
            case .clip(let clip):
                let i = try index(clip.column.text)
                guard types[i].isNumeric,
                    let low = clip.lower.scaled(to: types[i].scale), let high = clip.upper.scaled(to: types[i].scale)
                else { continue }  // RowPipeline.clip leaves such values unchanged
                current = replacing(i, with: dialect.clamp(c(i), Self.integer(Int128(low)), Self.integer(Int128(high))))
            }
        }

        // The group index, row-major over the keys' domains; NULL when outside every domain.
        var group = "0"
        for key in plan.groupKeys {
            let i = try index(key.column)
            var cases = "CASE"
            for (position, value) in key.domain.enumerated() {
                if let literal = Self.literal(value, for: types[i], dialect: dialect) {
                    cases += " WHEN \(c(i)) = \(literal) THEN \(position)"
                }
            }
            let keyIndex = cases == "CASE" ? "NULL" : cases + " END"
            group = "(\(group)) * \(key.domain.count) + (\(keyIndex))"
        }
        if validation != nil { group = "CASE WHEN e IS NOT NULL THEN -1 ELSE \(group) END" }

        // Derived per-row columns (limbs, histogram bins, grid buckets) and the aggregates.
        var derived: [String] = []
        var aggregates: [String] = []
        var limbsOf: [Int: [String]] = [:]
        var halvesOf: [Int: (high: String, low: String)] = [:]
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
        /// `v = h·2^16 + l` with `l` in [0, 65535] (`>>` is arithmetic in SQLite).
        func halves(_ i: Int) -> (high: String, low: String) {
            if let names = halvesOf[i] { return names }
            let names = (high: "h\(i)", low: "l\(i)")
            derived.append("\(c(i)) >> 16 AS \(names.high)")
            derived.append("\(c(i)) & 65535 AS \(names.low)")
            halvesOf[i] = names
            return names
        }
        func counted(_ sql: String) -> Assembly { .weighted([Part(column: aggregate(sql), weight: 1)]) }
        func hasUnits(_ type: ColumnType) -> Bool { type.isNumeric || type == .date }
        func guarded(_ term: String, _ condition: String?) -> String {
            condition.map { "CASE WHEN \($0) THEN \(term) END" } ?? term
        }
        func sum(_ i: Int, when condition: String?) -> Assembly {
            // PostgreSQL sums bigint into numeric: exact at any row count, no limbs needed.
            if dialect == .postgreSQL { return counted("SUM(\(guarded(c(i), condition)))") }
            // An integer SUM in SQLite is exact or raises "integer overflow".
            if arithmetic == .split { return counted("SUM(\(guarded(c(i), condition)))") }
            let names = limbs(i)
            return .weighted(names.enumerated().map { k, name in
                Part(column: aggregate("SUM(\(guarded(name, condition)))"), weight: Int128(1) << (16 * k))
            })
        }
        func product(_ a: Int, _ b: Int, when condition: String?) -> Assembly {
            if dialect == .postgreSQL { return counted("SUM(\(guarded("\(c(a))::numeric * \(c(b))", condition)))") }
            if arithmetic == .split {
                // a·b = ha·hb·2^32 + (ha·lb + la·hb)·2^16 + la·lb; a product or sum that leaves
                // 64 bits becomes REAL in SQLite, and the SUM over it then returns a REAL.
                let x = halves(a), y = halves(b)
                let middle = a == b ? ("\(x.high) * \(x.low)", Int128(1) << 17) : ("\(x.high) * \(y.low) + \(x.low) * \(y.high)", Int128(1) << 16)
                let terms = [("\(x.high) * \(y.high)", Int128(1) << 32), middle, ("\(x.low) * \(y.low)", Int128(1))]
                return .weighted(terms.map { term, weight in
                    Part(column: aggregate("SUM(\(guarded(term, condition)))"), weight: weight)
                })
            }
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
                    let clamped = dialect.clamp(c(i), Self.integer(Int128(lo)), Self.integer(Int128(hi)))
                    let scaled = "(\(clamped) - (\(Self.integer(Int128(lo))))) * \(buckets) / (\(Int128(hi) - Int128(lo)))"
                    derived.append("\(dialect.clamp(scaled, "0", String(buckets - 1))) AS \(column)")
                }
                assemblies.append(.binCount(bin: binNames.firstIndex(of: column)!, value: bucket))
            }
        }
        // Histogram bins and grid buckets are GROUP BY columns: one COUNT(*) per (group, bin)
        // instead of one COUNT(CASE …) per bucket per row.
        _ = aggregate("COUNT(*)")
        let middle = "SELECT \(group) AS g\(derived.map { ", " + $0 }.joined()), * \(from(current))\(whereClause())\(layerEnd)"
        let keys = (["g"] + binNames).joined(separator: ", ")
        let outputs = (["g"] + binNames + aggregates).map(dialect.output)
        sql = "SELECT \(outputs.joined(separator: ", ")) \(from(middle)) WHERE g IS NOT NULL GROUP BY \(keys)"
        self.assemblies = assemblies
        binCount = binNames.count
        aggregatesCount = aggregates.count
    }

    /// Runs the query in SQLite.
    /// - Returns: the partials; `.invalidRow` when the validation expression flagged a row;
    ///   `.overflow` when SQLite reports a 64-bit integer overflow in a sum, or (`.split`) a
    ///   result cell is not an integer.
    /// - Throws: `DataSourceError`; `.wrongType` when a result cell of a `.limbs` query is not
    ///   an integer.
    func run(
        _ db: Database, wrap: (() throws -> [Row]) throws -> [Row], location: DataSourceError.Location? = nil
    ) throws -> Outcome {
        guard plan.width > 0 else { return .partials(try assemble([], location: location)) }
        let rows: [Row]
        do {
            rows = try Row.fetchAll(db, sql: sql)
        } catch let error as DatabaseError where (error.message ?? "").contains("integer overflow") {
            return .overflow
        } catch {
            rows = try wrap { throw error }
        }
        // Group −1 holds the invalid rows: nothing else in the result counts then.
        for row in rows {
            if case .int64(-1) = (row[0] as DatabaseValue).storage { return .invalidRow }
        }
        // Result cells are read as stored values: a typed GRDB read of a REAL or TEXT cell traps,
        // and a query with a non-deterministic expression can yield one although validation saw
        // only integers. In `.split` a REAL cell is an overflow that SQLite turned into floating
        // point (the `.limbs` rerun tells it from a change of storage class).
        var nonInteger = false
        let cells: [[Int128?]] = try rows.map { row in
            try (0..<row.count).map { index -> Int128? in
                switch (row[index] as DatabaseValue).storage {
                case .null: return nil
                case .int64(let value): return Int128(value)
                default:
                    guard arithmetic == .split else { throw Self.notAnInteger(location) }
                    nonInteger = true
                    return nil
                }
            }
        }
        if nonInteger { return .overflow }
        return .partials(try assemble(cells, location: location))
    }

    /// The error for a result cell that is not an integer.
    static func notAnInteger(_ location: DataSourceError.Location?) -> DataSourceError {
        DataSourceError(
            .wrongType, "a pushed-down aggregate is not an integer: the data changed storage class after validation",
            at: location)
    }

    /// The partials from the query's result rows (each cell an integer or NULL, in the query's
    /// column order: `g`, the bin indices, the aggregates).
    /// - Throws: `DataSourceError` `.overflow` when a partial exceeds 128 bits, `.wrongType`
    ///   when a row is too short.
    func assemble(_ rows: [[Int128?]], location: DataSourceError.Location?) throws -> [Int128] {
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
        let first = 1 + binCount  // result columns: g, the bin indices, then the aggregates
        let rowsColumn = first + aggregatesCount - 1  // the trailing COUNT(*)
        func integer(_ row: [Int128?], _ index: Int) throws -> Int128? {
            guard index < row.count else { throw Self.notAnInteger(location) }
            return row[index]
        }
        func add(_ slot: Int, _ value: Int128, _ p: Int) throws {
            let (sum, overflow) = vector[slot].addingReportingOverflow(value)
            if overflow { throw DataSourceError(.overflow, "partial aggregate \(plan.partials[p]) exceeds 128 bits") }
            vector[slot] = sum
        }
        for row in rows {
            guard let group = try integer(row, 0), (0..<Int128(plan.groupCount)).contains(group) else { continue }
            for (p, assembly) in assemblies.enumerated() {
                let slot = Int(group) * partialCount + p
                switch assembly {
                case .constant: break
                case .minimum(let column):
                    if let value = try integer(row, first + column) { vector[slot] = min(vector[slot], value) }
                case .maximum(let column):
                    if let value = try integer(row, first + column) { vector[slot] = max(vector[slot], value) }
                case .binCount(let bin, let value):
                    if let index = try integer(row, 1 + bin), index == Int128(value), let count = try integer(row, rowsColumn) {
                        try add(slot, count, p)
                    }
                case .weighted(let parts):
                    for part in parts {
                        guard let value = try integer(row, first + part.column) else { continue }
                        let (product, overflow) = value.multipliedReportingOverflow(by: part.weight)
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
        _ condition: Condition, types: [ColumnType], index: (String) throws(Untranslatable) -> Int,
        dialect: SQLDialect = .sqlite
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
            try Self.condition(c, types: types, index: index, dialect: dialect)
        }
        switch condition.kind {
        case .comparison(let l, let op, let r):
            return try comparison(operand(l), op, operand(r), dialect)
        case .and(let a, let b): return "(\(try recurse(a)) AND \(try recurse(b)))"
        case .or(let a, let b): return "(\(try recurse(a)) OR \(try recurse(b)))"
        case .not(let a): return "(NOT \(try recurse(a)))"
        case .isNull(let x, let negated):
            switch try operand(x) {
            case .column(let v, _): return "(\(v) IS \(negated ? "NOT " : "")NULL)"
            case .literal(let literal): return dialect.boolean((literal == .null) != negated)
            }
        case .inList(let x, let literals, let negated):
            switch try operand(x) {
            case .column(let v, let type):
                let members = literals.compactMap { literal(RowPipeline.value(of: $0), for: type, dialect: dialect) }
                let (hit, miss) = (dialect.boolean(!negated), dialect.boolean(negated))
                if members.isEmpty { return "(CASE WHEN \(v) IS NULL THEN NULL ELSE \(miss) END)" }
                return "(CASE WHEN \(v) IS NULL THEN NULL WHEN \(v) IN (\(members.joined(separator: ", "))) THEN \(hit) ELSE \(miss) END)"
            case .literal(let literal):
                let value = RowPipeline.value(of: literal)
                if value.isNull { return dialect.unknown }
                let found = literals.contains { Value.compare(value, RowPipeline.value(of: $0)) == 0 }
                return dialect.boolean(found != negated)
            }
        case .between(let x, let low, let high, let negated):
            let v = try operand(x)
            let both = "(\(try comparison(v, .greaterOrEqual, operand(low), dialect)) AND \(try comparison(v, .lessOrEqual, operand(high), dialect)))"
            return negated ? "(NOT \(both))" : both
        case .operand(let x):
            switch try operand(x) {
            case .column(let v, let type): return type == .bool ? v : dialect.unknown
            case .literal(.bool(let b)): return dialect.boolean(b)
            case .literal: return dialect.unknown
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

    private static func comparison(
        _ l: Operand, _ op: ComparisonOperator, _ r: Operand, _ dialect: SQLDialect
    ) throws(Untranslatable) -> String {
        switch (l, r) {
        case (.literal(let a), .literal(let b)):
            guard let order = Value.compare(RowPipeline.value(of: a), RowPipeline.value(of: b)) else { return dialect.unknown }
            let result: Bool
            switch op {
            case .equal: result = order == 0
            case .notEqual: result = order != 0
            case .less: result = order < 0
            case .lessOrEqual: result = order <= 0
            case .greater: result = order > 0
            case .greaterOrEqual: result = order >= 0
            }
            return dialect.boolean(result)
        case (.literal, .column):
            return try comparison(r, flipped(op), l, dialect)
        case (.column(let v, let type), .literal(let literal)):
            switch (type, literal) {
            case (.int, .number(let n)), (.decimal, .number(let n)):
                return compareUnits(v, type.scale, op, n)
            case (.text, .text(let s)):
                try checkText(s)
                return "(\(v) \(sqlOperator(op)) \(quoteText(s))\(dialect.codePointCollation))"
            case (.bool, .bool(let b)):
                return "(\(v) \(sqlOperator(op)) \(dialect.boolean(b)))"
            case (.date, .date(let d)):
                return "(\(v) \(sqlOperator(op)) \(d.daysSinceEpoch))"
            default:
                return dialect.unknown  // null or an incomparable literal: unknown
            }
        case (.column(let a, let ta), .column(let b, let tb)):
            switch (ta, tb) {
            case (.int, .int), (.int, .decimal), (.decimal, .int), (.decimal, .decimal):
                guard ta.scale == tb.scale else { throw Untranslatable(reason: "a comparison of columns with different scales") }
                return "(\(a) \(sqlOperator(op)) \(b))"
            case (.text, .text):
                return "(\(a) \(sqlOperator(op)) \(b)\(dialect.codePointCollation))"
            case (.bool, .bool), (.date, .date):
                return "(\(a) \(sqlOperator(op)) \(b))"
            default:
                return dialect.unknown
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
    static func literal(_ value: Value, for type: ColumnType, dialect: SQLDialect = .sqlite) -> String? {
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
        case (.bool, .bool(let b)): return dialect.boolean(b)
        case (.date, .date(let d)): return String(d.daysSinceEpoch)
        default: return nil
        }
    }

    static func checkText(_ s: String) throws(Untranslatable) {
        if s.unicodeScalars.contains("\0") { throw Untranslatable(reason: "a text literal with a NUL character") }
    }
}
