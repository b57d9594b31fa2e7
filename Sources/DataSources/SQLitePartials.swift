import CircuitCompiler
import GRDB
import GRDBSQLite

/// The SQLite pushdown's aggregate, `covenant_partials(g, a1, …, ak)`: one call per row that
/// passed the plan's filters, with the row's group index `g` (−1 for an invalid row, NULL for a
/// row outside every group) and the values the partials read (column units, bin indices). It adds
/// each row into the partial-aggregate vector in `Int128`, the row pipeline's own arithmetic:
/// sums, sums of squares and of products are exact with no 64-bit intermediate, and a partial
/// beyond 128 bits is the same `overflow` error (spec: protocols/data-sources.md §5).
///
/// Instead of a `GROUP BY` (which makes SQLite sort every row that passed the filters), the
/// aggregate indexes the vector by group directly: the vector has a fixed width, known before
/// the scan.
final class SQLitePartials {
    /// What one step adds.
    enum Term: Sendable {
        /// 1 (a count).
        case one
        /// The argument's value.
        case value(Int)
        /// The product of two arguments' values (the same argument twice for a square).
        case product(Int, Int)
    }

    /// What the aggregate does with each row of a group, in order.
    enum Step: Sendable {
        /// Adds `term` to `partial` when every argument in `term` and in `when` is non-NULL.
        case add(partial: Int, term: Term, when: [Int])
        /// Lowers `partial` to the argument when it is non-NULL and smaller.
        case minimum(partial: Int, argument: Int)
        /// Raises `partial` to the argument when it is non-NULL and larger.
        case maximum(partial: Int, argument: Int)
        /// Counts the row in the partials that `partials[b]` lists, `b` being the argument's
        /// value (a histogram bin or grid bucket index; NULL or out of range: none).
        case bins(argument: Int, partials: [[Int]])
    }

    /// Why the aggregate stopped the scan.
    enum Failure: Equatable {
        /// The row's group index was −1: the validation expression flagged it.
        case invalidRow
        /// A partial would exceed 128 bits.
        case overflow(partial: Int)
        /// An argument was neither an integer nor NULL.
        case notAnInteger
    }

    /// The SQL function's name.
    static let name = "covenant_partials"

    let steps: [Step]
    let groupCount: Int
    let partialCount: Int
    /// Arguments after `g`.
    let argumentCount: Int
    /// `groupCount × partialCount` integers, group-major (`LocalPlan.slot`).
    let vector: UnsafeMutablePointer<Int128>
    private let values: UnsafeMutablePointer<Int64>
    private let present: UnsafeMutablePointer<Bool>
    private(set) var failure: Failure?

    /// An accumulator for one run.
    /// - Parameters:
    ///   - steps: the program.
    ///   - initial: the vector's starting values for one group (partial order).
    ///   - groupCount: groups.
    ///   - argumentCount: arguments after `g`.
    init(steps: [Step], initial: [Int128], groupCount: Int, argumentCount: Int) {
        self.steps = steps
        self.groupCount = groupCount
        partialCount = initial.count
        self.argumentCount = argumentCount
        let width = groupCount * initial.count
        vector = .allocate(capacity: max(1, width))
        for group in 0..<groupCount {
            for (p, value) in initial.enumerated() { (vector + group * initial.count + p).initialize(to: value) }
        }
        values = .allocate(capacity: max(1, argumentCount))
        values.initialize(repeating: 0, count: max(1, argumentCount))
        present = .allocate(capacity: max(1, argumentCount))
        present.initialize(repeating: false, count: max(1, argumentCount))
    }

    deinit {
        vector.deallocate()
        values.deallocate()
        present.deallocate()
    }

    /// The vector, once the query has run.
    var partials: [Int128] { Array(UnsafeBufferPointer(start: vector, count: groupCount * partialCount)) }

    /// Registers this accumulator as `covenant_partials` on the connection (SQLite keeps a
    /// reference until the function is replaced or the connection closes).
    func register(on db: Database) throws {
        let code = sqlite3_create_function_v2(
            db.sqliteConnection, Self.name, Int32(argumentCount + 1), SQLITE_UTF8, Unmanaged.passRetained(self).toOpaque(),
            nil, partialsStep, partialsFinal, releasePartials)
        guard code == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot register \(Self.name)")
        }
    }

    private func fail(_ context: OpaquePointer?, _ reason: Failure) {
        failure = reason
        sqlite3_result_error(context, "\(Self.name) stopped the scan", -1)
    }

    /// One row.
    fileprivate func step(_ context: OpaquePointer?, _ arguments: UnsafeMutablePointer<OpaquePointer?>) {
        guard let groupValue = arguments[0] else { return }
        switch sqlite3_value_type(groupValue) {
        case SQLITE_NULL: return
        case SQLITE_INTEGER: break
        default: return fail(context, .notAnInteger)
        }
        let group = sqlite3_value_int64(groupValue)
        if group == -1 { return fail(context, .invalidRow) }
        guard group >= 0, group < Int64(groupCount) else { return }
        for k in 0..<argumentCount {
            guard let value = arguments[k + 1] else { return fail(context, .notAnInteger) }
            switch sqlite3_value_type(value) {
            case SQLITE_NULL:
                present[k] = false
            case SQLITE_INTEGER:
                present[k] = true
                values[k] = sqlite3_value_int64(value)
            default:
                return fail(context, .notAnInteger)
            }
        }
        let base = vector + Int(group) * partialCount
        for step in steps {
            switch step {
            case .add(let partial, let term, let when):
                var ready = true
                for argument in when where !present[argument] { ready = false }
                guard ready else { continue }
                let addend: Int128
                switch term {
                case .one:
                    addend = 1
                case .value(let a):
                    guard present[a] else { continue }
                    addend = Int128(values[a])
                case .product(let a, let b):
                    guard present[a], present[b] else { continue }
                    addend = Int128(values[a]) * Int128(values[b])  // |a·b| ≤ 2^126: exact
                }
                let (sum, overflow) = base[partial].addingReportingOverflow(addend)
                if overflow { return fail(context, .overflow(partial: partial)) }
                base[partial] = sum
            case .minimum(let partial, let a):
                if present[a], Int128(values[a]) < base[partial] { base[partial] = Int128(values[a]) }
            case .maximum(let partial, let a):
                if present[a], Int128(values[a]) > base[partial] { base[partial] = Int128(values[a]) }
            case .bins(let a, let table):
                guard present[a], values[a] >= 0, values[a] < Int64(table.count) else { continue }
                for partial in table[Int(values[a])] {
                    let (sum, overflow) = base[partial].addingReportingOverflow(1)
                    if overflow { return fail(context, .overflow(partial: partial)) }
                    base[partial] = sum
                }
            }
        }
    }
}

private let partialsStep: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = {
    context, _, arguments in
    guard let arguments, let data = sqlite3_user_data(context) else { return }
    Unmanaged<SQLitePartials>.fromOpaque(data).takeUnretainedValue().step(context, arguments)
}

/// The result is the accumulator's vector, read in Swift after the query: the SQL value is NULL.
private let partialsFinal: @convention(c) (OpaquePointer?) -> Void = { context in sqlite3_result_null(context) }

private let releasePartials: @convention(c) (UnsafeMutableRawPointer?) -> Void = { pointer in
    guard let pointer else { return }
    Unmanaged<SQLitePartials>.fromOpaque(pointer).release()
}
