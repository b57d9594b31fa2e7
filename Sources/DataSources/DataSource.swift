public import CircuitCompiler
public import ContractLanguage

/// How a source runs a local plan.
public enum ExecutionStrategy: Sendable, Hashable {
    /// Push the plan down into one SQL query when the source is SQL and the plan translates;
    /// otherwise stream rows through `LocalPlan.Accumulator` (what `LocalPlan.execute(rows:)` gives).
    case automatic
    /// Always stream rows through `LocalPlan.Accumulator` (what `LocalPlan.execute(rows:)`, the
    /// reference executor, gives).
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
/// The interface is asynchronous so that no scan holds a thread of Swift's shared concurrency
/// pool: a source on a database server (`PostgreSQLSource`) awaits its I/O, and the embedded
/// sources (`SQLiteSource`, `CSVSource`) run their blocking scans on a thread of their own.
/// Cancelling the calling task stops the scan (a server's query, SQLite's statement, a CSV
/// file's read) and throws `CancellationError`. The embedded sources also have synchronous
/// methods of the same names, which run on the caller's thread (for callers that are not async).
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

/// Streams rows through the plan (`LocalPlan.Accumulator`: exactly what
/// `LocalPlan.execute(rows:)` gives) in bounded memory, checking the deadline and the scan's
/// cancellation every 4,096 rows.
struct PartialAccumulator {
    private var accumulator: LocalPlan.Accumulator
    private var count = 0
    static let chunkSize = 4096
    /// Checked once per chunk: a scan past it throws `deadlineExceeded`.
    let deadline: ContinuousClock.Instant?
    /// Checked once per chunk: a cancelled scan throws `CancellationError`.
    let control: ScanControl?
    /// Where the rows come from, for the deadline error.
    let location: DataSourceError.Location?

    init(
        _ plan: LocalPlan, deadline: ContinuousClock.Instant? = nil, control: ScanControl? = nil,
        location: DataSourceError.Location? = nil
    ) throws {
        accumulator = LocalPlan.Accumulator(plan)
        self.deadline = deadline
        self.control = control
        self.location = location
    }

    mutating func append(_ row: [Value]) throws {
        count += 1
        if count % Self.chunkSize == 0 { try ScanControl.check(control, deadline: deadline, location: location) }
        do {
            try accumulator.add(row)
        } catch {
            switch error {
            case .overflow(let reason): throw DataSourceError(.overflow, reason)
            default: throw DataSourceError(.unparsableValue, "the local plan rejected a row: \(error)")
            }
        }
    }

    mutating func finish() throws -> [Int128] {
        try ScanControl.check(control, deadline: deadline, location: location)
        return accumulator.partials
    }
}
