import Foundation
import Synchronization

/// Runs an embedded source's blocking scan (SQLite's query, a CSV file's read) on a thread of
/// its own, so that it never holds one of the threads of Swift's shared concurrency pool (a
/// member's scan runs beside other members' protocol work in one process; spec:
/// protocols/data-sources.md §5).
///
/// Cancelling the awaiting task sets the scan's `ScanControl`, which the scan checks where it
/// checks its deadline (SQLite: every 1,000 virtual-machine steps; CSV: every chunk of rows); the
/// scan then stops and the caller gets `CancellationError`.
enum ScanThread {
    /// Runs `body` on a new thread and awaits its result.
    /// - Parameter body: the blocking work; it receives the control to poll.
    /// - Returns: what `body` returned.
    /// - Throws: what `body` threw; `CancellationError` when the task was cancelled first.
    static func run<T: Sendable>(_ body: @escaping @Sendable (ScanControl) throws -> T) async throws -> T {
        try Task.checkCancellation()
        let control = ScanControl()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                let thread = Thread {
                    continuation.resume(with: Result { try body(control) })
                }
                thread.name = "covenant.scan"
                thread.start()
            }
        } onCancel: {
            control.cancel()
        }
    }
}

/// What a blocking scan polls: whether the task that awaits it was cancelled.
final class ScanControl: Sendable {
    private let cancelled = Atomic<Bool>(false)

    /// True once the awaiting task is cancelled.
    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    /// Marks the scan cancelled.
    func cancel() { cancelled.store(true, ordering: .relaxed) }

    /// Throws `CancellationError` once cancelled, else `deadlineExceeded` past the deadline.
    /// - Parameters:
    ///   - control: the scan's control (nil: not cancellable).
    ///   - deadline: the deadline (nil: none).
    ///   - location: for the deadline error.
    static func check(
        _ control: ScanControl?, deadline: ContinuousClock.Instant?, location: DataSourceError.Location?
    ) throws {
        if let control, control.isCancelled { throw CancellationError() }
        if let deadline, ContinuousClock.now >= deadline {
            throw DataSourceError(.deadlineExceeded, "the local plan did not finish before its deadline", at: location)
        }
    }
}
