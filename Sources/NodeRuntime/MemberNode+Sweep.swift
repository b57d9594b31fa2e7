import ConsortiumLedger
import Foundation
import Logging
import Runtime

/// Closing the runs of a coordinator that died (protocols/node.md#runs-across-nodes): only a
/// run's coordinator can finish it, and its own restart closes the runs it left. Until then, each
/// other participant's node pings the coordinator of every open run it takes part in (every 2 s);
/// once the coordinator has not answered for `abandonedRunSeconds` (node.json, 5 minutes by
/// default) the participant authors `run-aborted` itself (protocols/ledger.md: any participant of
/// a run may close it while it is open). A coordinator that was only cut off and comes back finds
/// the run closed and its result refused by the ledger: the run ends once, aborted.
extension MemberNode {
    /// How often an unanswered coordinator is asked again.
    static let coordinatorPingInterval = Duration.seconds(2)

    /// Pings the coordinators of the open runs this member takes part in and closes those runs
    /// whose coordinator stayed silent for the configured time.
    func closeRunsOfSilentCoordinators() async {
        let now = ContinuousClock.now
        let open = await ledger.state.runs.values.filter { $0.status == .open && $0.startedBy != name && $0.participants.contains(name) }
        let coordinators = Set(open.map(\.startedBy))
        silentCoordinators = silentCoordinators.filter { coordinators.contains($0.key) }
        guard !coordinators.isEmpty, now >= coordinatorsAsked else { return }
        coordinatorsAsked = now.advanced(by: Self.coordinatorPingInterval)
        for coordinator in coordinators.sorted() {
            let answered = (try? await transport.call(coordinator, ControlRequest.ping.encoded(), timeout: settings.limits.callTimeout)) != nil
            if answered {
                silentCoordinators[coordinator] = nil
                continue
            }
            let since = silentCoordinators[coordinator] ?? now
            silentCoordinators[coordinator] = since
            guard now - since >= settings.abandonedRunTimeout else { continue }
            let seconds = Int((now - since).components.seconds)
            for run in open.filter({ $0.startedBy == coordinator }).sorted(by: { $0.startedAt < $1.startedAt }) {
                let reason = "coordinator \(coordinator) unreachable for \(seconds) s; closed by participant \(name)"
                do {
                    try await member.author(.runAborted(RunAbort(runID: run.runID, reason: reason)), on: ledger)
                    logger.warning("closed the run of a silent coordinator", metadata: ["run": "\(run.runID.hex.prefix(16))", "coordinator": "\(coordinator)"])
                } catch {
                    // Closed meanwhile (by the coordinator or another participant), or the sequencer is unreachable: the next pass sees.
                    logger.info("could not close the run of a silent coordinator", metadata: ["run": "\(run.runID.hex.prefix(16))", "error": "\(error)"])
                }
            }
        }
    }
}
