import ConsortiumLedger
import Logging
import Runtime

/// At most one catch-up per caller and ``interval``: a caller's further requests within it wait
/// for that caller's catch-up instead of starting another (protocols/node.md#control-calls). One
/// entry per caller; callers are registered members, so it is bounded by the membership.
actor CatchUpLimiter {
    /// The least time between two catch-ups for one caller.
    let interval: Duration
    private var last: [String: (at: ContinuousClock.Instant, sync: Task<Void, Never>)] = [:]

    /// A limiter.
    /// - Parameter interval: The least time between two catch-ups for one caller.
    init(interval: Duration) {
        self.interval = interval
    }

    /// Runs `sync` for `caller` unless it ran for that caller less than ``interval`` before `now`;
    /// then waits for that run instead.
    /// - Parameters:
    ///   - caller: The caller.
    ///   - now: The time of the request.
    ///   - sync: The catch-up.
    /// - Returns: True if it ran `sync`, false if it waited for an earlier one.
    func catchUp(for caller: String, at now: ContinuousClock.Instant = .now, _ sync: @escaping @Sendable () async -> Void) async -> Bool {
        if let previous = last[caller], now - previous.at < interval {
            await previous.sync.value
            return false
        }
        let task = Task { await sync() }
        last[caller] = (now, task)
        await task.value
        return true
    }
}

/// A `padSeed` for a run this node's replica does not know yet makes it catch up with the
/// sequencer, at most once per caller and second (``CatchUpLimiter``). Spec:
/// protocols/node.md#control-calls.
extension MemberNode {
    /// Makes the replica know `runID` before a seed of it from `caller` is checked.
    /// - Throws: ``RuntimeError`` `rate-limited` when `caller` made it catch up less than a second
    ///   ago and the run is still unknown; `invalid-participants` when the run is unknown after
    ///   catching up.
    func catchUpForPadSeed(of runID: LedgerHash, from caller: String) async throws {
        guard await ledger.state.runs[runID] == nil else { return }
        let ledger = self.ledger
        let ran = await padSeedCatchUps.catchUp(for: caller) { try? await ledger.sync() }
        guard await ledger.state.runs[runID] != nil else {
            let label = "run \(runID.hex.prefix(16))…"
            if ran {
                throw Runtime.RuntimeError(.invalidParticipants, "refuses a pad seed of \(label) from \(caller): no such run on its replica", member: name)
            }
            throw Runtime.RuntimeError(
                .rateLimited,
                "refuses a pad seed of \(label) from \(caller): the run is not on its replica and it caught up for this caller less than \(padSeedCatchUps.interval) ago; retry later",
                member: name)
        }
    }
}

/// A recipient node keeps its pad seeds on disk (``PadSeedFile``) so that a restart between
/// `join` and the delivery does not lose its view. Spec: protocols/node.md#runs-across-nodes.
extension MemberNode {
    /// Takes back the seeds kept on disk of runs still open or published without a view, and
    /// forgets the others.
    func restorePadSeeds() async {
        var restored: Set<LedgerHash> = []
        // A run whose view is already kept needs no seed (a crash between keeping the view and
        // forgetting its seeds leaves them in the file).
        for seed in padSeedFile.seeds where !views.kept.contains(seed.runID) {
            if (try? await member.restorePadSeed(seed, on: ledger)) != nil { restored.insert(seed.runID) }
        }
        do { try padSeedFile.forget { !restored.contains($0) } } catch {
            logger.warning("the pad seeds file could not be rewritten", metadata: ["error": "\((error as? Runtime.RuntimeError)?.code.rawValue ?? "file")"])
        }
        if !restored.isEmpty { logger.info("took back kept pad seeds", metadata: ["runs": "\(restored.count)"]) }
    }

    /// Writes the seeds its member holds for `runID` to disk (a failure costs only a restart's view).
    func keepPadSeeds(of runID: LedgerHash) async {
        let held = await member.heldPadSeeds(of: runID)
        do {
            if !(try padSeedFile.keep(held)) {
                // Full: the seeds of closed runs go first, then it tries once more.
                let state = await ledger.state
                try padSeedFile.forget { state.runs[$0]?.status != .open }
                if !(try padSeedFile.keep(held)) {
                    logger.warning("the pad seeds file is full; this run's seeds are kept in memory only", metadata: ["run": "\(runID.hex.prefix(16))"])
                }
            }
        } catch {
            logger.warning("pad seeds could not be written; they are kept in memory only", metadata: ["run": "\(runID.hex.prefix(16))"])
        }
    }

    /// Forgets the kept seeds of `runID` (its view is assembled) and of every aborted run.
    func forgetPadSeeds(of runID: LedgerHash?) async {
        guard !padSeedFile.seeds.isEmpty else { return }
        let state = await ledger.state
        try? padSeedFile.forget { $0 == runID || state.runs[$0]?.status == .aborted }
    }
}
