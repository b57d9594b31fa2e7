import ConsortiumLedger
import Foundation
import Logging
import Runtime
import WireFormat

/// Closing the runs of a coordinator that died (protocols/node.md#runs-across-nodes): only a
/// run's coordinator can finish it, and its own restart closes the runs it left. Until then, each
/// other participant's node pings the coordinator of every open run it takes part in (every 2 s);
/// once the coordinator has not answered for `abandonedRunSeconds` (node.json, 5 minutes by
/// default), the participant asks the sequencer's and the run's other participants' nodes whether
/// they reach the coordinator (control call 16) and, when none does, authors `run-aborted` itself
/// (protocols/ledger.md: any participant of a run may close it while it is open). A coordinator
/// cut off from this participant only (an asymmetric partition) keeps its runs; one cut off from
/// every witness and coming back finds the run closed and its result refused by the ledger: the
/// run ends once, aborted.
extension MemberNode {
    /// How often an unanswered coordinator is asked again.
    static let coordinatorPingInterval = Duration.seconds(2)
    /// How long a witness waits for the coordinator's answer to its ping.
    static let witnessPingTimeout = Duration.seconds(5)
    /// How long a witness's ping result answers every `reach` about that member.
    static let reachMemory = Duration.seconds(2)
    /// After this many times `abandonedRunSeconds` of silence a run is closed even though a
    /// witness still reaches its coordinator (a lying witness, or a coordinator that ignores only
    /// this participant, cannot keep it open forever).
    static let witnessedSilenceCap = 10

    /// Pings the coordinators of the open runs this member takes part in and closes those runs
    /// whose coordinator stayed silent for the configured time.
    func closeRunsOfSilentCoordinators() async {
        let now = ContinuousClock.now
        let open = await ledger.state.runs.values.filter { $0.status == .open && $0.startedBy != name && $0.participants.contains(name) }
        let coordinators = Set(open.map(\.startedBy))
        silentCoordinators = silentCoordinators.filter { coordinators.contains($0.key) }
        witnessedAlive = witnessedAlive.filter { coordinators.contains($0.key) }
        guard !coordinators.isEmpty, now >= coordinatorsAsked else { return }
        coordinatorsAsked = now.advanced(by: Self.coordinatorPingInterval)
        for coordinator in coordinators.sorted() {
            let answered = (try? await transport.call(coordinator, ControlRequest.ping.encoded(), timeout: settings.limits.callTimeout)) != nil
            if answered {
                silentCoordinators[coordinator] = nil
                witnessedAlive[coordinator] = nil
                continue
            }
            let since = silentCoordinators[coordinator] ?? now
            silentCoordinators[coordinator] = since
            guard now - since >= settings.abandonedRunTimeout else { continue }
            let runs = open.filter { $0.startedBy == coordinator }
            let capped = now - since >= settings.abandonedRunTimeout * Self.witnessedSilenceCap
            if !capped {
                // A witness that reached the coordinator is believed for another `abandonedRunSeconds`.
                if let until = witnessedAlive[coordinator], now < until { continue }
                let witnesses = Set([ledger.sequencer] + runs.flatMap(\.participants)).subtracting([name, coordinator]).sorted()
                if let witness = await witness(reaching: coordinator, among: witnesses) {
                    witnessedAlive[coordinator] = ContinuousClock.now.advanced(by: settings.abandonedRunTimeout)
                    logger.info("a coordinator this node cannot reach answers another member; its runs stay open",
                                metadata: ["coordinator": "\(coordinator)", "witness": "\(witness)"])
                    continue
                }
            }
            let seconds = Int((now - since).components.seconds)
            for run in runs.sorted(by: { $0.startedAt < $1.startedAt }) {
                let reason = "coordinator \(coordinator) unreachable for \(seconds) s; closed by participant \(name)"
                    + (capped ? " (another member still reached it)" : "")
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

    /// The first of `witnesses` whose node says it reaches `coordinator`'s node, or nil when none
    /// does or none answers. A witness that lies can only keep a dead coordinator's runs open
    /// (until that coordinator's restart closes them), never close a live one's.
    private func witness(reaching coordinator: String, among witnesses: [String]) async -> String? {
        let request = ControlRequest.reach(member: coordinator).encoded()
        let timeout = Self.witnessPingTimeout + settings.limits.callTimeout
        return await withTaskGroup(of: (String, Bool).self) { group in
            for witness in witnesses {
                group.addTask { [transport] in
                    guard let answer = try? await transport.call(witness, request, timeout: timeout),
                        var reader = try? ControlResponse.read(answer, from: witness, limits: .default),
                        let reached = try? reader.readBool(), (try? reader.finish()) != nil
                    else { return (witness, false) }
                    return (witness, reached)
                }
            }
            for await (witness, reached) in group where reached {
                group.cancelAll()
                return witness
            }
            return nil
        }
    }

    /// Whether the node of `member` answers `caller`'s question whether `peer` is reachable: `peer`
    /// coordinates a run open on `state` that `caller` takes part in and that `member` takes part
    /// in or orders (`sequencer`), and neither asks about itself.
    static func answersReach(about peer: String, from caller: String, at member: String, sequencer: String, in state: ConsortiumState) -> Bool {
        guard peer != caller, peer != member else { return false }
        return state.runs.values.contains {
            $0.status == .open && $0.startedBy == peer && $0.participants.contains(caller) && (member == sequencer || $0.participants.contains(member))
        }
    }

    /// Control call 16 from `caller`: whether `peer`'s node answers this node's ping. Answered
    /// only about the coordinator of a run open on this replica that the caller takes part in
    /// and that this member takes part in or orders (the sequencer), so that no member makes
    /// nodes dial members at will; one ping per member at a time, its result reused for
    /// ``reachMemory``.
    /// - Throws: ``RuntimeError`` `invalidParticipants` for any other question.
    func answerReach(_ peer: String, from caller: String) async throws -> [UInt8] {
        guard Self.answersReach(about: peer, from: caller, at: name, sequencer: ledger.sequencer, in: await ledger.state) else {
            throw Runtime.RuntimeError(
                .invalidParticipants, "\(name) answers only whether the coordinator of an open run it shares with \(caller) is reachable", member: name)
        }
        if let probe = reachProbes[peer], ContinuousClock.now - probe.at < Self.reachMemory {
            return ControlResponse.ok { $0.writeBool(probe.reached) }
        }
        let probe: Task<Bool, Never>
        if let running = reachInFlight[peer] {
            probe = running
        } else {
            probe = Task { [transport] in
                (try? await transport.call(peer, ControlRequest.ping.encoded(), timeout: Self.witnessPingTimeout)) != nil
            }
            reachInFlight[peer] = probe
        }
        let reached = await probe.value
        reachInFlight[peer] = nil
        reachProbes[peer] = (ContinuousClock.now, reached)
        return ControlResponse.ok { $0.writeBool(reached) }
    }
}
