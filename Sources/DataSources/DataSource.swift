public import CircuitCompiler
public import ContractLanguage

/// How a source runs a local plan.
public enum ExecutionStrategy: Sendable, Hashable {
    /// Push the plan down into one SQL query when the source is SQL and the plan translates;
    /// otherwise stream rows through `LocalPlan.execute(rows:)`.
    case automatic
    /// Always stream rows through `LocalPlan.execute(rows:)` (the reference executor).
    case rowPipeline
}

/// What running a local plan at a member produced.
public struct LocalExecution: Sendable, Equatable {
    /// How the plan ran.
    public enum Path: Sendable, Equatable {
        /// As one SQL query inside the member's database.
        case pushdown
        /// Rows streamed through the Swift pipeline; `reason` says why when pushdown was possible in
        /// principle (a SQL source) but not used.
        case rowPipeline(reason: String?)
    }

    /// The partial-aggregate vector (`LocalPlan.width` integers): all that leaves the member.
    public var partials: [Int128]
    /// How it was computed.
    public var path: Path
}

/// A member's data source for one contract input table.
///
/// Every source validates the whole input against the contract's declaration before it returns
/// anything: `execute(_:strategy:deadline:)` either returns the partials of all rows or throws, so
/// nothing derived from partially valid data ever leaves the member.
///
/// The interface is asynchronous so that a source on a database server (`PostgreSQLSource`)
/// awaits its I/O instead of holding a thread; the embedded sources (`SQLiteSource`,
/// `CSVSource`) satisfy it with synchronous methods, which callers of the concrete types may
/// call without `await`. Cancelling the calling task cancels a server's query.
public protocol DataSource: Sendable {
    /// The file (and table), or the server and table, for messages.
    var name: String { get }

    /// Checks every row against the input declaration.
    /// - Parameter columns: the contract's input columns.
    /// - Returns: the number of rows.
    /// - Throws: `DataSourceError` for the first problem, with its location.
    func validate(_ columns: [ColumnDeclaration]) async throws -> Int

    /// Reads every row, validated, as values in input-column order.
    /// - Parameter columns: the contract's input columns.
    /// - Returns: the rows.
    /// - Throws: `DataSourceError`.
    func rows(_ columns: [ColumnDeclaration]) async throws -> [[Value]]

    /// Validates the input, then runs the local plan over it inside the member.
    /// - Parameters:
    ///   - plan: the contract's local plan.
    ///   - strategy: pushdown when possible, or the Swift pipeline.
    ///   - deadline: when to give up (nil: never). A SQL source interrupts its query; a file
    ///     source stops between chunks of rows.
    /// - Returns: the partial-aggregate vector and how it was computed.
    /// - Throws: `DataSourceError`, `deadlineExceeded` past the deadline.
    func execute(_ plan: LocalPlan, strategy: ExecutionStrategy, deadline: ContinuousClock.Instant?) async throws
        -> LocalExecution
}

extension DataSource {
    /// Validates the input, then runs the local plan, with no deadline.
    /// - Parameters:
    ///   - plan: the contract's local plan.
    ///   - strategy: pushdown when possible, or the Swift pipeline.
    /// - Returns: the partial-aggregate vector and how it was computed.
    /// - Throws: `DataSourceError`.
    public func execute(_ plan: LocalPlan, strategy: ExecutionStrategy) async throws -> LocalExecution {
        try await execute(plan, strategy: strategy, deadline: nil)
    }

    /// Validates the input, then runs the local plan: the member's partial-aggregate vector.
    /// - Parameter plan: the contract's local plan.
    /// - Returns: `plan.width` integers.
    /// - Throws: `DataSourceError`.
    public func partials(for plan: LocalPlan) async throws -> [Int128] {
        try await execute(plan, strategy: .automatic).partials
    }

    /// Checks every row against the contract's input declaration.
    /// - Parameter input: the declaration.
    /// - Returns: the number of rows.
    /// - Throws: `DataSourceError`.
    public func validate(against input: InputDeclaration) async throws -> Int { try await validate(input.columns) }
}

/// Runs a plan over rows in chunks and combines the chunk vectors (sums add, extrema compare), so
/// a source can stream any number of rows through `LocalPlan.execute(rows:)` in bounded memory.
struct PartialAccumulator {
    let plan: LocalPlan
    private(set) var vector: [Int128]
    private var pending: [[Value]] = []
    static let chunkSize = 4096
    /// Checked once per chunk: a scan past it throws `deadlineExceeded`.
    let deadline: ContinuousClock.Instant?
    /// Where the rows come from, for the deadline error.
    let location: DataSourceError.Location?

    init(_ plan: LocalPlan, deadline: ContinuousClock.Instant? = nil, location: DataSourceError.Location? = nil) throws {
        self.plan = plan
        self.deadline = deadline
        self.location = location
        vector = try Self.run(plan, [])
        pending.reserveCapacity(Self.chunkSize)
    }

    mutating func append(_ row: [Value]) throws {
        pending.append(row)
        if pending.count >= Self.chunkSize { try flush() }
    }

    mutating func finish() throws -> [Int128] {
        try flush()
        return vector
    }

    private mutating func flush() throws {
        guard !pending.isEmpty else { return }
        if let deadline, ContinuousClock.now >= deadline {
            throw DataSourceError(.deadlineExceeded, "the local plan did not finish before its deadline", at: location)
        }
        let chunk = try Self.run(plan, pending)
        pending.removeAll(keepingCapacity: true)
        let partialCount = plan.partials.count
        for slot in vector.indices {
            switch plan.partials[slot % partialCount] {
            case .minimum: vector[slot] = min(vector[slot], chunk[slot])
            case .maximum: vector[slot] = max(vector[slot], chunk[slot])
            default:
                let (sum, overflow) = vector[slot].addingReportingOverflow(chunk[slot])
                if overflow { throw DataSourceError(.overflow, "partial aggregate \(plan.partials[slot % partialCount]) exceeds 128 bits") }
                vector[slot] = sum
            }
        }
    }

    private static func run(_ plan: LocalPlan, _ rows: [[Value]]) throws -> [Int128] {
        do {
            return try plan.execute(rows: rows)
        } catch {
            switch error {
            case .overflow(let reason): throw DataSourceError(.overflow, reason)
            default: throw DataSourceError(.unparsableValue, "the local plan rejected a row: \(error)")
            }
        }
    }
}
