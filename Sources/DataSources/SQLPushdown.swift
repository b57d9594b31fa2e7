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

    /// What ends a layer so that the engine does not flatten it into the next one (which
    /// would copy each `CASE` into every use of its column): SQLite's `LIMIT -1`, PostgreSQL's
    /// `OFFSET 0`. SQLite ends every layer so; PostgreSQL only a layer with a `CASE`
    /// generalisation, because a fence keeps its plan from aggregating in parallel workers
    /// (`SQLPushdown`).
    var fence: String { self == .sqlite ? " LIMIT -1" : " OFFSET 0" }

    /// A boolean constant in a condition.
    func boolean(_ value: Bool) -> String {
        switch self {
        case .sqlite: value ? "1" : "0"
        case .postgreSQL: value ? "TRUE" : "FALSE"
        }
    }

    /// The unknown truth value.
    var unknown: String { self == .sqlite ? "NULL" : "NULL::boolean" }

    /// `v` (integer units) clamped to `[low, high]`, NULL for NULL, with `v` written once:
    /// SQLite's scalar min and max return NULL for NULL; in PostgreSQL, whose GREATEST and
    /// LEAST skip NULLs, the strict `int8larger` and `int8smaller` (what `max` and `min` of
    /// `bigint` use) do, so that a clamp of a clamp stays linear in the query's size.
    func clamp(_ v: String, _ low: String, _ high: String) -> String {
        switch self {
        case .sqlite: "min(max(\(v), \(low)), \(high))"
        case .postgreSQL: "int8smaller(int8larger(\(v), \(low)), \(high))"
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
/// Layers, innermost first: the stored values converted to integer units (decimals in 10^-S,
/// dates in days, booleans 0/1); one subquery per local statement (`where` → WHERE with SQL's own
/// three-valued logic, generalisation → CASE, clipping → min/max); then the group index and the
/// aggregates. In PostgreSQL these are a `GROUP BY` with COUNT / SUM / MIN / MAX, sums of
/// `bigint` (exact), and PostgreSQL flattens the layers into one scan that can run in parallel
/// workers. In SQLite they are one call per row of the aggregate
/// `covenant_partials` (`SQLitePartials`), which adds the row into the partial-aggregate vector
/// in `Int128`, the row pipeline's own arithmetic, so no sort and no 64-bit sum. With a
/// `validation` expression the same scan also finds invalid rows: they skip the filters, and in
/// SQLite come with group −1, which stops the scan; in PostgreSQL a `COUNT(e)` column
/// (`invalidColumn`) counts them. The caller then runs the validation scan that names the first
/// one. Anything whose SQL meaning could differ from `RowPipeline` throws
/// `Untranslatable` and the source falls back to the row pipeline.
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

    /// What running the query gave.
    enum Outcome {
        /// The partials.
        case partials([Int128])
        /// The validation expression found an invalid row (run the validation scan to name it).
        case invalidRow
    }

    let sql: String
    let dialect: SQLDialect
    /// PostgreSQL: how each partial is assembled from the `GROUP BY` result rows.
    let assemblies: [Assembly]
    /// SQLite: what `covenant_partials` does with each row, the vector's starting values for
    /// one group, and the number of its arguments after the group index.
    let steps: [SQLitePartials.Step]
    let initial: [Int128]
    let argumentCount: Int
    let plan: LocalPlan
    /// Bin-index columns (histogram bins, quantile-grid buckets) in the GROUP BY, after `g`.
    let binCount: Int
    /// The number of aggregate columns (the last is COUNT(*)).
    let aggregatesCount: Int
    /// PostgreSQL with a validation expression: the result column that counts invalid rows.
    let invalidColumn: Int?

    /// Translates a plan over `base` (`SELECT … AS c0, … FROM …`, stored values, validated).
    /// - Parameters:
    ///   - plan: the local plan.
    ///   - base: the validated input in input-column order.
    ///   - dialect: the engine's dialect (for PostgreSQL, `base` yields the catalog-checked
    ///     column types of `PostgreSQLSource`).
    ///   - validation: an expression over the stored values `c0, …` that is not NULL exactly
    ///     when the row is invalid (`SQLiteSource.problemExpression`, the PostgreSQL session's
    ///     `problemExpression`); such rows are kept past every filter and put in group −1
    ///     (SQLite) or counted in `invalidColumn` (PostgreSQL). Nil: the caller validated already.
    init(plan: LocalPlan, base: String, dialect: SQLDialect = .sqlite, validation: String? = nil) throws(Untranslatable) {
        self.plan = plan
        self.dialect = dialect
        let declared = plan.pipeline.columns
        var types = declared.map(\.type)
        // What clipping guarantees: |units| ≤ bound (PostgreSQL multiplies two columns in
        // `bigint` when the product's bound fits, else in `numeric`).
        var bounds = [Int128?](repeating: nil, count: declared.count)
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
                // One C call per cell (the §3 rules; NULL for NULL and for invalid cells).
                conversions.append("\(SQLiteSource.decimalName)(\(c(i)), \(scale)) AS \(c(i))")
            case .date:
                conversions.append("CAST(julianday(\(c(i))) - 2440587.5 AS INTEGER) AS \(c(i))")
            case .text:
                // Text compares in NFC, as the contract's literals do.
                conversions.append("\(SQLiteSource.canonicalTextName)(\(c(i))) AS \(c(i))")
            case .int, .bool:
                conversions.append("+\(c(i)) AS \(c(i))")
            }
        }
        // In SQLite every layer ends in `LIMIT -1` (no limit), which keeps the engine from
        // flattening it into the next one: flattening would copy each CASE into every use of its
        // column and evaluate it dozens of times per row. PostgreSQL flattens the layers into one
        // scan, which its parallel workers can share (an `OFFSET 0` fence rules out a parallel
        // aggregate): its clamps and group indices write their input once, so that flattening
        // copies only cheap expressions; only a `CASE` generalisation (bands, map),
        // which tests its input once per branch, ends its layer in `OFFSET 0`. Every subquery
        // has an alias (PostgreSQL before 16 requires one).
        func end(fenced: Bool = false) -> String { dialect == .sqlite || fenced ? dialect.fence : "" }
        var layer = 0
        func from(_ sql: String) -> String {
            layer += 1
            return "FROM (\(sql)) AS s\(layer)"
        }
        // `e`: the row's validation problem (NULL when valid), carried through every layer.
        if let validation { conversions.append("\(validation) AS e") }
        let carried = validation == nil ? "" : ", e"
        // SQLite: the base reads stored values as they are (a table's columns flatten into this
        // layer; a query's base comes fenced, so that each of its cells is computed once).
        var current = "SELECT \(conversions.joined(separator: ", ")) \(from(base))\(end())"
        // In SQLite, filters add no layer of their own: consecutive filters become one WHERE (a
        // row passes both exactly when their conjunction is true), attached to the next layer,
        // whose WHERE sees that layer's input, i.e. the columns as the filters see them. Invalid
        // rows pass every filter (in PostgreSQL the condition comes first, so that `e` is
        // computed in the WHERE only for rows that fail it, and once more only for invalid ones).
        var pending: [String] = []
        func whereClause() -> String {
            guard !pending.isEmpty else { return "" }
            defer { pending = [] }
            let condition = pending.count == 1 ? pending[0] : "(" + pending.joined(separator: " AND ") + ")"
            guard validation != nil else { return " WHERE " + condition }
            return " WHERE " + (dialect == .sqlite ? "e IS NOT NULL OR \(condition)" : "\(condition) OR e IS NOT NULL")
        }
        func replacing(_ i: Int, with expression: String, fenced: Bool = false) -> String {
            let list = declared.indices.map { $0 == i ? "\(expression) AS \(c($0))" : c($0) }
            return "SELECT \(list.joined(separator: ", "))\(carried) \(from(current))\(whereClause())\(end(fenced: fenced))"
        }

        // One layer per local statement.
        for statement in plan.pipeline.statements {
            switch statement {
            case .filter(let condition):
                let translated = try Self.condition(condition, types: types, index: index, dialect: dialect)
                pending.append(translated)
                if dialect != .sqlite { current = "SELECT * \(from(current))\(whereClause())\(end())" }
            case .generalize(let g):
                let i = try index(g.column.text)
                let v = c(i)
                bounds[i] = nil
                switch (g.rule, types[i]) {
                case (.bands(let edges), .int), (.bands(let edges), .decimal):
                    let labels = bandLabels(edges)
                    var cases = "CASE WHEN \(v) IS NULL THEN NULL"
                    for (k, edge) in edges.enumerated().reversed() {
                        cases += " WHEN \(Self.compareUnits(v, types[i].scale, .greaterOrEqual, edge)) THEN \(quoteText(labels[k + 1]))\(dialect.codePointCollation)"
                    }
                    current = replacing(i, with: cases + " ELSE \(quoteText(labels[0]))\(dialect.codePointCollation) END", fenced: true)
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
                    current = replacing(
                        i, with: cases + " ELSE \(otherwise.map { quoteText($0) + dialect.codePointCollation } ?? "NULL") END", fenced: true)
                default:
                    throw Untranslatable(reason: "generalisation of a \(types[i]) column is not translated")
                }
            case .clip(let clip):
                let i = try index(clip.column.text)
                guard types[i].isNumeric,
                    let low = clip.lower.scaled(to: types[i].scale), let high = clip.upper.scaled(to: types[i].scale)
                else { continue }  // RowPipeline.clip leaves such values unchanged
                current = replacing(i, with: dialect.clamp(c(i), Self.integer(Int128(low)), Self.integer(Int128(high))))
                let bound = max(Int128(low).magnitude, Int128(high).magnitude)
                bounds[i] = min(bounds[i] ?? Int128(bound), Int128(bound))
            }
        }

        // The group index, row-major over the keys' domains; NULL when outside every domain.
        // PostgreSQL looks the key up in an array, its column written once (a literal that can
        // equal no value of the column is a NULL element, which matches nothing).
        var group = "0"
        for key in plan.groupKeys {
            let i = try index(key.column)
            let literals = key.domain.map { Self.literal($0, for: types[i], dialect: dialect) }
            let keyIndex: String
            if literals.allSatisfy({ $0 == nil }) {
                keyIndex = "NULL"
            } else if dialect == .postgreSQL {
                let (element, collation) = Self.arrayElement(types[i])
                let elements = literals.map { $0 ?? "NULL" }.joined(separator: ", ")
                keyIndex = "array_position((ARRAY[\(elements)]::\(element)[])\(collation), (\(c(i)))::\(element)) - 1"
            } else {
                var cases = "CASE"
                for (position, literal) in literals.enumerated() {
                    if let literal { cases += " WHEN \(c(i)) = \(literal) THEN \(position)" }
                }
                keyIndex = cases + " END"
            }
            group = "(\(group)) * \(key.domain.count) + (\(keyIndex))"
        }
        // SQLite: invalid rows in group −1. PostgreSQL counts them (COUNT(e)) instead, so that
        // the group index depends on the key columns only: the planner estimates the number of
        // groups from the columns an expression reads, and with `e`'s columns it would expect
        // about one group per row and aggregate without parallel workers.
        if validation != nil && dialect == .sqlite { group = "CASE WHEN e IS NOT NULL THEN -1 ELSE \(group) END" }

        // What each partial needs per row, in either dialect: column units (by column index),
        // and bin indices (histogram bins, quantile-grid buckets: one SQL expression per distinct
        // histogram or grid, computed once per row).
        enum Need {
            case constant(Int128)
            case rowCount
            case count(Int)
            /// Σ x over rows where x (and `when`, if any) is not NULL.
            case sum(Int, when: Int?)
            /// Σ x·y over rows where both (and `when`) are not NULL.
            case product(Int, Int, when: Int?)
            case pairCount(Int, Int)
            case minimum(Int)
            case maximum(Int)
            /// Rows whose bin expression `bin` equals `value`.
            case bin(Int, value: Int)
        }
        var binExpressions: [String] = []
        var binKeys: [String: Int] = [:]
        func bin(_ key: String, _ expression: () -> String) -> Int {
            if let existing = binKeys[key] { return existing }
            binExpressions.append(expression())
            binKeys[key] = binExpressions.count - 1
            return binExpressions.count - 1
        }
        func hasUnits(_ type: ColumnType) -> Bool { type.isNumeric || type == .date }
        var needs: [Need] = []
        for partial in plan.partials {
            switch partial {
            case .rowCount:
                needs.append(.rowCount)
            case .count(let name):
                needs.append(.count(try index(name)))
            case .sum(let name):
                let i = try index(name)
                needs.append(hasUnits(types[i]) ? .sum(i, when: nil) : .constant(0))
            case .sumOfSquares(let name):
                let i = try index(name)
                needs.append(hasUnits(types[i]) ? .product(i, i, when: nil) : .constant(0))
            case .minimum(let name):
                let i = try index(name)
                needs.append(hasUnits(types[i]) ? .minimum(i) : .constant(Int128(Int64.max)))
            case .maximum(let name):
                let i = try index(name)
                needs.append(hasUnits(types[i]) ? .maximum(i) : .constant(Int128(Int64.min)))
            case .pairCount(let a, let b):
                let i = try index(a), j = try index(b)
                needs.append(hasUnits(types[i]) && hasUnits(types[j]) ? .pairCount(i, j) : .constant(0))
            case .pairSum(let a, let b):
                let i = try index(a), j = try index(b)
                needs.append(hasUnits(types[i]) && hasUnits(types[j]) ? .sum(i, when: j) : .constant(0))
            case .pairSumOfSquares(let a, let b):
                let i = try index(a), j = try index(b)
                needs.append(hasUnits(types[i]) && hasUnits(types[j]) ? .product(i, i, when: j) : .constant(0))
            case .sumOfProducts(let a, let b):
                let i = try index(a), j = try index(b)
                needs.append(hasUnits(types[i]) && hasUnits(types[j]) ? .product(i, j, when: nil) : .constant(0))
            case .histogramBin(let name, let edges, let value):
                let i = try index(name)
                guard types[i].isNumeric else {
                    needs.append(.constant(0))
                    continue
                }
                guard edges.count >= 2 else { throw Untranslatable(reason: "a histogram with fewer than two edges") }
                let b = bin("h|\(i)|\(edges)") {
                    let v = c(i), s = types[i].scale
                    var cases = "CASE WHEN \(v) IS NULL OR NOT (\(Self.compareUnits(v, s, .greaterOrEqual, edges[0])) AND \(Self.compareUnits(v, s, .lessOrEqual, edges[edges.count - 1]))) THEN NULL"
                    for k in stride(from: edges.count - 2, through: 1, by: -1) {
                        cases += " WHEN \(Self.compareUnits(v, s, .greaterOrEqual, edges[k])) THEN \(k)"
                    }
                    return cases + " ELSE 0 END"
                }
                needs.append(.bin(b, value: value))
            case .gridBucket(let name, let low, let high, let buckets, let bucket):
                let i = try index(name)
                guard types[i].isNumeric, let lo = low.scaled(to: types[i].scale), let hi = high.scaled(to: types[i].scale)
                else {
                    needs.append(.constant(0))
                    continue
                }
                guard hi > lo, buckets > 0, (Int128(hi) - Int128(lo)) * Int128(buckets) < Int128(1) << 62 else {
                    throw Untranslatable(reason: "a quantile grid whose bucket arithmetic could leave 64 bits")
                }
                let b = bin("g|\(i)|\(lo)|\(hi)|\(buckets)") {
                    let clamped = dialect.clamp(c(i), Self.integer(Int128(lo)), Self.integer(Int128(hi)))
                    let scaled = "(\(clamped) - (\(Self.integer(Int128(lo))))) * \(buckets) / (\(Int128(hi) - Int128(lo)))"
                    return dialect.clamp(scaled, "0", String(buckets - 1))
                }
                needs.append(.bin(b, value: bucket))
            }
        }

        if dialect == .sqlite {
            // One call of `covenant_partials` per row: the group index, then each needed
            // column's units and each bin index, once.
            var arguments: [String] = []
            var argumentOf: [String: Int] = [:]
            func argument(_ sql: String) -> Int {
                if let existing = argumentOf[sql] { return existing }
                arguments.append(sql)
                argumentOf[sql] = arguments.count - 1
                return arguments.count - 1
            }
            var steps: [SQLitePartials.Step] = []
            var initial: [Int128] = []
            var binTables: [Int: [[Int]]] = [:]
            for (p, need) in needs.enumerated() {
                switch need {
                case .constant(let value): initial.append(value)
                case .minimum: initial.append(Int128(Int64.max))
                case .maximum: initial.append(Int128(Int64.min))
                default: initial.append(0)
                }
                switch need {
                case .constant: break
                case .rowCount: steps.append(.add(partial: p, term: .one, when: []))
                case .count(let i):
                    // Only integers reach the aggregate: a text column is counted through a flag.
                    let present = hasUnits(types[i]) || types[i] == .bool ? c(i) : "CASE WHEN \(c(i)) IS NOT NULL THEN 1 END"
                    steps.append(.add(partial: p, term: .one, when: [argument(present)]))
                case .sum(let i, let when):
                    steps.append(.add(partial: p, term: .value(argument(c(i))), when: when.map { [argument(c($0))] } ?? []))
                case .product(let i, let j, let when):
                    steps.append(.add(
                        partial: p, term: .product(argument(c(i)), argument(c(j))), when: when.map { [argument(c($0))] } ?? []))
                case .pairCount(let i, let j): steps.append(.add(partial: p, term: .one, when: [argument(c(i)), argument(c(j))]))
                case .minimum(let i): steps.append(.minimum(partial: p, argument: argument(c(i))))
                case .maximum(let i): steps.append(.maximum(partial: p, argument: argument(c(i))))
                case .bin(let b, let value):
                    var table = binTables[b] ?? []
                    if table.count <= value { table += Array(repeating: [], count: value + 1 - table.count) }
                    table[value].append(p)
                    binTables[b] = table
                }
            }
            for (b, table) in binTables.sorted(by: { $0.key < $1.key }) {
                steps.append(.bins(argument: argument(binExpressions[b]), partials: table))
            }
            // SQLite's default limit on a function's arguments is 127.
            guard arguments.count < 127 else { throw Untranslatable(reason: "more aggregate inputs than a SQLite function takes") }
            let call = "\(SQLitePartials.name)(\(([group] + arguments).joined(separator: ", ")))"
            sql = "SELECT \(call) \(from(current))\(whereClause())"
            self.steps = steps
            self.initial = initial
            argumentCount = arguments.count
            assemblies = []
            binCount = 0
            aggregatesCount = 0
            invalidColumn = nil
            return
        }

        // PostgreSQL: the group index and the bin indices are GROUP BY columns (one COUNT(*)
        // per group and bin instead of one COUNT(CASE …) per bucket per row); SUM of bigint is
        // exact at any row count (a 128-bit accumulator where the server has one, numeric
        // otherwise; the result is numeric). A product is a bigint when the clips bound it below
        // 2^63, else a numeric (bigint multiplication would stop the scan on overflow).
        var aggregates: [String] = []
        func aggregate(_ sql: String) -> Int {
            aggregates.append(sql)
            return aggregates.count - 1
        }
        func counted(_ sql: String) -> Assembly { .weighted([Part(column: aggregate(sql), weight: 1)]) }
        func guarded(_ term: String, _ condition: Int?) -> String {
            condition.map { "CASE WHEN \(c($0)) IS NOT NULL THEN \(term) END" } ?? term
        }
        var assemblies: [Assembly] = []
        for need in needs {
            switch need {
            case .constant(let value): assemblies.append(.constant(value))
            case .rowCount: assemblies.append(counted("COUNT(*)"))
            case .count(let i): assemblies.append(counted("COUNT(\(c(i)))"))
            case .sum(let i, let when): assemblies.append(counted("SUM(\(guarded(c(i), when)))"))
            case .product(let i, let j, let when):
                let fits = bounds[i].flatMap { a in bounds[j].map { b in a * b <= Int128(Int64.max) } } ?? false
                let product = fits ? "\(c(i)) * \(c(j))" : "\(c(i))::numeric * \(c(j))"
                assemblies.append(counted("SUM(\(guarded(product, when)))"))
            case .pairCount(let i, let j):
                assemblies.append(counted("COUNT(CASE WHEN \(c(i)) IS NOT NULL AND \(c(j)) IS NOT NULL THEN 1 END)"))
            case .minimum(let i): assemblies.append(.minimum(column: aggregate("MIN(\(c(i)))")))
            case .maximum(let i): assemblies.append(.maximum(column: aggregate("MAX(\(c(i)))")))
            case .bin(let b, let value): assemblies.append(.binCount(bin: b, value: value))
            }
        }
        let invalid = validation == nil ? nil : aggregate("COUNT(e)")
        _ = aggregate("COUNT(*)")
        let binNames = binExpressions.indices.map { "b\($0)" }
        let derived = zip(binExpressions, binNames).map { ", \($0) AS \($1)" }.joined()
        let middle = "SELECT \(group) AS g\(derived), * \(from(current))\(whereClause())"
        let keys = (["g"] + binNames).joined(separator: ", ")
        let outputs = (["g"] + binNames + aggregates).map(dialect.output)
        // Rows outside every key's domain form the group NULL, which `assemble` skips: a
        // `WHERE g IS NOT NULL` would compute the group index twice per row.
        sql = "SELECT \(outputs.joined(separator: ", ")) \(from(middle)) GROUP BY \(keys)"
        self.assemblies = assemblies
        steps = []
        initial = []
        argumentCount = 0
        binCount = binNames.count
        aggregatesCount = aggregates.count
        invalidColumn = invalid.map { 1 + binNames.count + $0 }
    }

    /// Runs the query in SQLite: registers a `covenant_partials` accumulator for this query on
    /// the connection, runs the query, and reads the vector.
    /// - Returns: the partials, or `.invalidRow` when the validation expression flagged a row
    ///   (the scan stops at the first one).
    /// - Throws: `DataSourceError`: `.overflow` when a partial exceeds 128 bits, `.wrongType`
    ///   when an aggregate input is not an integer, and SQLite's errors through `wrap`.
    func run(
        _ db: Database, wrap: (() throws -> Void) throws -> Void, location: DataSourceError.Location? = nil
    ) throws -> Outcome {
        guard plan.width > 0 else { return .partials([]) }
        let accumulator = SQLitePartials(
            steps: steps, initial: initial, groupCount: plan.groupCount, argumentCount: argumentCount)
        try wrap { try accumulator.register(on: db) }
        do {
            _ = try Row.fetchOne(db, sql: sql)
        } catch {
            switch accumulator.failure {
            case .invalidRow: return .invalidRow
            case .overflow(let p):
                throw DataSourceError(.overflow, "partial aggregate \(plan.partials[p]) exceeds 128 bits", at: location)
            case .notAnInteger: throw Self.notAnInteger(location)
            case nil: try wrap { throw error }
            }
        }
        return .partials(accumulator.partials)
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

    /// PostgreSQL's array element type for a column's values as the query has them (integer
    /// units and day numbers as `bigint`), and the collation its lookups compare text in.
    static func arrayElement(_ type: ColumnType) -> (element: String, collation: String) {
        switch type {
        case .int, .decimal, .date: ("bigint", "")
        case .text: ("text", #" COLLATE "C""#)
        case .bool: ("boolean", "")
        }
    }

    static func checkText(_ s: String) throws(Untranslatable) {
        if s.unicodeScalars.contains("\0") { throw Untranslatable(reason: "a text literal with a NUL character") }
    }
}
