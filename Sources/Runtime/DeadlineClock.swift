import Synchronization

/// The time a run's protocol deadlines are kept on: each party's round deadline (its mailbox's
/// `receive(before:)`) and the joint phase's overall deadline (spec: protocols/runtime.md#deadlines).
/// The real clock by default; a ``VirtualClock`` in tests, so that a test of deadlines runs as
/// fast as the machine computes instead of waiting for them.
///
/// A run binds its clock (``RunOptions/clock``) to ``Deadlines/clock`` for the tasks that drive
/// it, so the one driver, its mailboxes and its overall deadline all read the same time. Phase
/// timings stay on the real clock: they measure, they do not decide. Local-plan deadlines are
/// enforced by the data sources on the real clock.
public protocol DeadlineClock: Sendable {
    /// The current instant.
    var now: ContinuousClock.Instant { get }
    /// Returns at `deadline` (at once if it passed).
    /// - Throws: `CancellationError` if the task is cancelled first.
    func sleep(until deadline: ContinuousClock.Instant) async throws
    /// Calls `action` at `deadline` unless the returned wake is cancelled first (a mailbox's round
    /// deadline while its party waits for a message).
    func schedule(at deadline: ContinuousClock.Instant, _ action: @escaping @Sendable () async -> Void) -> any ScheduledWake
    /// Declares `count` parties about to drive a session on this clock: a virtual clock moves
    /// only while every held party waits on a deadline.
    func hold(_ count: Int)
    /// One held party finished driving.
    func release()
}

/// A deadline set with ``DeadlineClock/schedule(at:_:)``.
public protocol ScheduledWake: Sendable {
    /// Forgets the deadline (its action is not called; harmless after it fired).
    func cancel()
}

/// The clock the current task's deadlines are kept on.
public enum Deadlines {
    /// The real clock unless a run bound another.
    @TaskLocal public static var clock: any DeadlineClock = RealClock()
}

/// `ContinuousClock`: deadlines in real time.
public struct RealClock: DeadlineClock {
    /// The real clock.
    public init() {}

    public var now: ContinuousClock.Instant { .now }

    public func sleep(until deadline: ContinuousClock.Instant) async throws {
        try await Task.sleep(until: deadline, clock: .continuous)
    }

    public func schedule(at deadline: ContinuousClock.Instant, _ action: @escaping @Sendable () async -> Void) -> any ScheduledWake {
        Wake(task: Task {
            do { try await Task.sleep(until: deadline, clock: .continuous) } catch { return }
            await action()
        })
    }

    public func hold(_ count: Int) {}
    public func release() {}

    private struct Wake: ScheduledWake {
        let task: Task<Void, Never>
        func cancel() { task.cancel() }
    }
}

/// Virtual time for tests of deadlines: time stands still while any held party is computing or
/// a message is on its way, and jumps to the earliest deadline once every held party waits on
/// one (``DeadlineClock/hold(_:)``). A run whose parties wait out a 60-second round deadline on
/// it takes as long as their computation; its outcome is the one the real clock would give with
/// parties that are never late.
public final class VirtualClock: DeadlineClock {
    private struct Wake {
        var deadline: ContinuousClock.Instant
        var action: @Sendable () async -> Void
    }
    private struct Sleeper {
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Void, any Error>
    }
    private struct State {
        var now: ContinuousClock.Instant
        var holds = 0
        /// Scheduled wakes (parties waiting for a message), by id.
        var wakes: [UInt64: Wake] = [:]
        /// Sleeping tasks (overall deadlines), by id; they do not count as waiting parties.
        var sleepers: [UInt64: Sleeper] = [:]
        /// Sleeps cancelled before they were registered.
        var cancelledSleeps: Set<UInt64> = []
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>
    /// The instant the clock started at.
    public let origin: ContinuousClock.Instant

    /// A clock standing at the real clock's current instant.
    public init() {
        origin = .now
        state = Mutex(State(now: origin))
    }

    public var now: ContinuousClock.Instant { state.withLock { $0.now } }

    /// The virtual time that passed since the clock was made.
    public var elapsed: Duration { now - origin }

    public func sleep(until deadline: ContinuousClock.Instant) async throws {
        try Task.checkCancellation()
        let id = state.withLock { state -> UInt64? in
            guard deadline > state.now else { return nil }
            state.nextID += 1
            return state.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let registered = state.withLock { state -> Bool in
                    if state.cancelledSleeps.remove(id) != nil { return false }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return true
                }
                if registered { advanceIfIdle() } else { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                if let sleeper = state.sleepers.removeValue(forKey: id) { return sleeper }
                state.cancelledSleeps.insert(id)
                return nil
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    public func schedule(at deadline: ContinuousClock.Instant, _ action: @escaping @Sendable () async -> Void) -> any ScheduledWake {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            state.wakes[state.nextID] = Wake(deadline: deadline, action: action)
            return state.nextID
        }
        advanceIfIdle()
        return Handle(clock: self, id: id)
    }

    public func hold(_ count: Int) {
        state.withLock { $0.holds += count }
    }

    public func release() {
        state.withLock { $0.holds -= 1 }
        advanceIfIdle()
    }

    fileprivate func cancel(_ id: UInt64) {
        state.withLock { _ = $0.wakes.removeValue(forKey: id) }
    }

    /// Once every held party waits on a deadline, moves to the earliest deadline and fires what
    /// is due (a fired wake no longer counts as waiting, so time stands still again until its
    /// party waits once more).
    private func advanceIfIdle() {
        let (wakes, sleepers) = state.withLock { state -> ([Wake], [Sleeper]) in
            guard state.holds > 0, state.wakes.count >= state.holds else { return ([], []) }
            let deadlines = state.wakes.values.map(\.deadline) + state.sleepers.values.map(\.deadline)
            guard let next = deadlines.min() else { return ([], []) }
            if next > state.now { state.now = next }
            let now = state.now
            let dueWakes = state.wakes.filter { $0.value.deadline <= now }
            let dueSleepers = state.sleepers.filter { $0.value.deadline <= now }
            for id in dueWakes.keys { state.wakes[id] = nil }
            for id in dueSleepers.keys { state.sleepers[id] = nil }
            return (Array(dueWakes.values), Array(dueSleepers.values))
        }
        for wake in wakes { Task { await wake.action() } }
        for sleeper in sleepers { sleeper.continuation.resume() }
    }

    private struct Handle: ScheduledWake {
        let clock: VirtualClock
        let id: UInt64
        func cancel() { clock.cancel(id) }
    }
}
