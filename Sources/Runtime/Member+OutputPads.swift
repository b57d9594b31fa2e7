import Circuit
import CircuitCompiler
public import ConsortiumLedger
import CryptoPrimitives
import SecretSharing

/// A member's part in cryptographic `reveal … to`: as a participant it pads its input on the
/// restricted slots and hands each group's seed to the group's members; as a recipient it keeps
/// the seeds it is handed and unmasks its own outputs. Spec: protocols/runtime.md#output-pads.
extension Member {
    /// How many runs a member holds received pad seeds for, at most (a bound against a flood).
    static let heldSeedRuns = 256
    /// How many groups one sender may hand it seeds for in one run, at most.
    static let seedsPerSender = 64

    /// Draws a fresh seed per restricted group, keeps its pads for the protocol input, and hands
    /// the seed to every other member of the group (concurrently; a failed delivery loses that
    /// recipient's view only).
    func drawPads(
        runID: LedgerHash, plan: AggregationPlan, participants: [String], state: ConsortiumState, courier: (any PadSeedCourier)?
    ) async throws {
        // Drawn once per run: a second join would hand out seeds some recipients never get while
        // padding with them, and those recipients would unmask a wrong value.
        guard pads[runID] == nil, padSeeds[runID]?[name] == nil else {
            throw RuntimeError(.invalidParticipants, "already drew its pads for run \(runID.hex.prefix(16))…; it joins a run once", member: name)
        }
        let groups = plan.restrictedGroups(participants: participants, state: state)
        var total = [UInt128](repeating: 0, count: plan.slotCount)
        var outgoing: [(PadSeed, String)] = []
        for group in groups {
            let seed = PadSeed(runID: runID, sender: name, group: group.members, seed: SecureRandom.bytes(count: PadSeed.byteCount))
            // Slots of different groups are disjoint: one total holds every group's pads.
            for (slot, pad) in try seed.pads(slots: group.slots, count: plan.slotCount, field: plan.onShares).enumerated() where pad != 0 {
                total[slot] = pad
            }
            for recipient in group.members {
                if recipient == name {
                    padSeeds[runID, default: [:]][name, default: [:]][group.members] = seed.seed
                } else {
                    outgoing.append((seed, recipient))
                }
            }
        }
        pads[runID] = groups.isEmpty ? nil : total
        guard let courier, !outgoing.isEmpty else { return }
        await withTaskGroup(of: Void.self) { tasks in
            for (seed, recipient) in outgoing {
                tasks.addTask { try? await courier.deliver(seed, to: recipient) }
            }
        }
    }

    /// Keeps a pad seed handed to this member by `caller`, a participant of the open run on its
    /// own ledger; at most ``heldSeedRuns`` runs (when full, the seeds of runs closed on its ledger
    /// are forgotten first) and ``seedsPerSender`` groups per sender.
    /// - Parameters:
    ///   - seed: The seed.
    ///   - caller: Who handed it (across nodes, the authenticated member of the connection).
    ///   - ledger: Its ledger.
    /// - Throws: ``RuntimeError`` `invalidParticipants` when the caller is not the seed's sender or
    ///   not a participant of the open run, the member is not in the group, or a bound is reached.
    public func acceptPadSeed(_ seed: PadSeed, from caller: String, on ledger: any LedgerAccess) async throws {
        let label = "run \(seed.runID.hex.prefix(16))…"
        guard seed.sender == caller, seed.group.contains(name), seed.seed.count == PadSeed.byteCount else {
            throw RuntimeError(.invalidParticipants, "refuses a pad seed of \(label) from \(caller): not a seed of its own for a group of this member", member: name)
        }
        let (run, _) = try await ledger.run(seed.runID)
        guard run.status == .open, run.participants.contains(caller) else {
            throw RuntimeError(.invalidParticipants, "refuses a pad seed of \(label) from \(caller): not a participant of the open run", member: name)
        }
        // A group is a set of current members, sorted: its size is bounded by the membership.
        let members = await ledger.state.members
        guard seed.group == Array(Set(seed.group)).sorted(), seed.group.allSatisfy({ members[$0] != nil }) else {
            throw RuntimeError(.invalidParticipants, "refuses a pad seed of \(label) from \(caller): its group is not a sorted set of current members", member: name)
        }
        // A seed, once kept, is never replaced: the sender pads with one seed per group and run.
        if let kept = padSeeds[seed.runID]?[caller]?[seed.group] {
            guard kept == seed.seed else {
                throw RuntimeError(.invalidParticipants, "refuses a second, different pad seed of \(label) from \(caller) for the same group", member: name)
            }
            return
        }
        if padSeeds[seed.runID] == nil, padSeeds.count >= Self.heldSeedRuns {
            // Full: forget the seeds of closed runs (an aborted run, or a view that never came).
            let state = await ledger.state
            for runID in Array(padSeeds.keys) where state.runs[runID]?.status != .open { padSeeds[runID] = nil }
        }
        guard padSeeds[seed.runID] != nil || padSeeds.count < Self.heldSeedRuns,
            (padSeeds[seed.runID]?[caller]?.count ?? 0) < Self.seedsPerSender || padSeeds[seed.runID]?[caller]?[seed.group] != nil
        else {
            throw RuntimeError(.invalidParticipants, "refuses a pad seed of \(label) from \(caller): it holds as many as it keeps", member: name)
        }
        padSeeds[seed.runID, default: [:]][caller, default: [:]][seed.group] = seed.seed
    }

    /// The pad seeds it holds for `runID`, its own and those handed to it, for its node to keep
    /// on disk (protocols/node.md#runs-across-nodes).
    /// - Parameter runID: The run.
    /// - Returns: The seeds.
    public func heldPadSeeds(of runID: LedgerHash) -> [PadSeed] {
        (padSeeds[runID] ?? [:]).sorted { $0.key < $1.key }.flatMap { sender, groups in
            groups.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { PadSeed(runID: runID, sender: sender, group: $0.key, seed: $0.value) }
        }
    }

    /// Takes back a seed its node kept on disk before a restart: one of a participant of the run,
    /// open or published without a view yet on its ledger, for a group of this member; a seed it
    /// holds already is kept as it is.
    /// - Parameters:
    ///   - seed: The seed.
    ///   - ledger: Its ledger.
    /// - Throws: ``RuntimeError`` `invalidParticipants` when the seed is not one it would keep.
    public func restorePadSeed(_ seed: PadSeed, on ledger: any LedgerAccess) async throws {
        let run = await ledger.state.runs[seed.runID]
        guard seed.group.contains(name), seed.seed.count == PadSeed.byteCount, let run, run.participants.contains(seed.sender),
            run.status == .open || run.status == .published, views[seed.runID] == nil
        else {
            throw RuntimeError(.invalidParticipants, "does not take back a kept pad seed of run \(seed.runID.hex.prefix(16))…: its run is closed or it is not its own", member: name)
        }
        guard padSeeds[seed.runID]?[seed.sender]?[seed.group] == nil else { return }
        padSeeds[seed.runID, default: [:]][seed.sender, default: [:]][seed.group] = seed.seed
    }

    /// Assembles its view of a published run from the coordinator's delivery: checks that the
    /// delivery opens the ledger's `resultHash`, names the ledger's contributors and opens every
    /// word its own outputs are computed from, removes every contributor's pads from the slots of
    /// its own groups, and keeps exactly the outputs its ledger reveals to it
    /// (``ResultDisclosure``). It reads no other word, opened or not. Missing one contributor's
    /// seed for one of its groups, it refuses: no view, never a wrong number.
    /// - Parameters:
    ///   - delivery: The words, openings and contributors.
    ///   - ledger: Its own ledger.
    /// - Returns: Its view.
    /// - Throws: ``RuntimeError`` `invalidParticipants` (the run is not published), `inconsistentOutputs`
    ///   (the delivery is not the published result, or lacks a word it needs), `missingOutputPad`.
    @discardableResult
    public func receive(_ delivery: ResultDelivery, on ledger: any LedgerAccess) async throws -> MemberView {
        let runID = delivery.runID
        let label = "run \(runID.hex.prefix(16))…"
        let state = await ledger.state
        guard let published = state.runs[runID], published.status == .published, let result = published.result else {
            throw RuntimeError(.invalidParticipants, "a view comes only after its run's result is on the ledger", member: name)
        }
        try Self.checkMembershipUnchanged(since: published, in: state, member: name)
        guard delivery.resultHash == result.resultHash, delivery.contributors.sorted() == result.contributors.sorted() else {
            throw RuntimeError(.inconsistentOutputs, "refuses its view of \(label): the delivered output does not open the ledger's result hash", member: name)
        }
        let run: PreparedRun
        if let prepared = runs[runID] { run = prepared } else { run = try await compileContract(of: runID, on: ledger) }
        let plan = run.plan
        let disclosure = ResultDisclosure(plan: plan, participants: run.participants, state: state)
        let names = plan.reveals.reduce(into: [String]()) { if !$0.contains($1.output) { $0.append($1.output) } }
        let outputs = disclosure.outputs(names, for: name)
        let needed = plan.slots(feeding: outputs)
        guard plan.words(ofSlots: needed).isSubset(of: delivery.openedWords) else {
            throw RuntimeError(.inconsistentOutputs, "refuses its view of \(label): the delivery does not open every word its outputs are computed from", member: name)
        }
        var available = needed.filter(plan.isPublic)
        var pads = [UInt128](repeating: 0, count: plan.slotCount)
        let held = padSeeds[runID] ?? [:]
        let field = MersenneField127()
        for group in plan.restrictedGroups(participants: run.participants, state: state) where group.members.contains(name) {
            for contributor in delivery.contributors {
                guard let seed = held[contributor]?[group.members] else {
                    throw RuntimeError(
                        .missingOutputPad,
                        "cannot unmask its outputs of \(label): contributor \(contributor) did not hand it the seed of its pads; it shows no view rather than a wrong one",
                        member: name)
                }
                let contributed = try PadSeed(runID: runID, sender: contributor, group: group.members, seed: seed)
                    .pads(slots: group.slots, count: plan.slotCount, field: plan.onShares)
                for slot in group.slots { pads[slot] = plan.onShares ? field.add(pads[slot], contributed[slot]) : pads[slot] &+ contributed[slot] }
            }
            available.formUnion(needed.intersection(group.slots))
        }
        // Only the words it needs enter its view: any other opened word is dropped unread.
        let words = plan.words(ofSlots: needed)
        let sum = delivery.sum.enumerated().map { words.contains($0.offset) ? $0.element : 0 }
        let view = MemberView(
            runID: runID,
            result: try plan.view(
                from: plan.unmasked(sum, removing: pads), available: available, outputs: outputs,
                contract: run.compiled.contract),
            contributors: delivery.contributors, delivery: delivery)
        views[runID] = view
        padSeeds[runID] = nil
        return view
    }
}
