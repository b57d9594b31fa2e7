public import Circuit
public import CircuitCompiler
public import ConsortiumLedger
import ContractLanguage
import CryptoPrimitives
import MPCProtocols
import DataSources
import WireFormat

/// The one driver of a run, whatever carries it: the coordinating member checks the run against
/// the ledger, records `run-started`, has every participant prepare and commit, hosts the
/// aggregator while the participants run the protocol, reveals each recipient's view and records
/// the endorsed `result-published` (or `run-aborted` with the reason: never a wrong number). The
/// participants are member actors of this process (``Consortium``) or other members' nodes
/// (NodeRuntime); every entry is signed by its own author. Spec: protocols/runtime.md#run-lifecycle.
public struct RunCoordinator: Sendable {
    /// The coordinating member: it starts the run, hosts the aggregator and records the outcome.
    public var coordinator: Member
    /// The coordinator's ledger.
    public var ledger: any LedgerAccess
    /// The coordinator's transport (the aggregator's mailbox is opened on it).
    public var transport: any Transport
    /// The parameters the coordinator accepts.
    public var parameters: ParameterPolicy
    /// Called after the run when ``RunOptions/checkpoint`` is set (checkpoints are the sequencer's).
    public var checkpoint: @Sendable () async -> Void

    /// A coordinator.
    /// - Parameters:
    ///   - coordinator: The coordinating member (a participant of every run it starts).
    ///   - ledger: Its ledger.
    ///   - transport: Its transport.
    ///   - parameters: The parameters it accepts.
    ///   - checkpoint: Called after a run that asks for a checkpoint.
    public init(
        coordinator: Member, ledger: any LedgerAccess, transport: any Transport, parameters: ParameterPolicy,
        checkpoint: @escaping @Sendable () async -> Void = {}
    ) {
        self.coordinator = coordinator
        self.ledger = ledger
        self.transport = transport
        self.parameters = parameters
        self.checkpoint = checkpoint
    }

    /// Runs an active contract version end to end. Spec: protocols/runtime.md#run-lifecycle.
    /// - Parameters:
    ///   - compiled: The contract.
    ///   - participants: The participants in party order (the coordinator among them).
    ///   - recipients: The members the coordinator can hand views to; which outputs each receives
    ///     is decided from the ledger alone (``ResultDisclosure``).
    ///   - ceremony: The key ceremony a paillier run uses.
    ///   - options: Protocol, deadlines, progress.
    /// - Returns: The report (published or aborted).
    /// - Throws: ``RuntimeError`` when the run is refused before it starts; nothing is written then.
    public func run(
        _ compiled: CompiledContract, participants: [any RunParticipant], recipients: [any ResultRecipient],
        ceremony: Consortium.KeyCeremonyRecord?, options: RunOptions
    ) async throws -> RunReport {
        // The run's protocol deadlines are kept on its clock (protocols/runtime.md#deadlines).
        try await Deadlines.$clock.withValue(options.clock) {
            try await runOnClock(compiled, participants: participants, recipients: recipients, ceremony: ceremony, options: options)
        }
    }

    private func runOnClock(
        _ compiled: CompiledContract, participants: [any RunParticipant], recipients: [any ResultRecipient],
        ceremony: Consortium.KeyCeremonyRecord?, options: RunOptions
    ) async throws -> RunReport {
        let clock = ContinuousClock()
        var phaseStart = clock.now
        var phases: [PhaseTiming] = []
        func endPhase(_ name: String) {
            let now = clock.now
            phases.append(PhaseTiming(phase: name, duration: now - phaseStart))
            phaseStart = now
        }
        let progress = options.progress ?? { _ in }
        let ledger = self.ledger
        let coordinator = self.coordinator

        // 1. Checks (nothing is recorded if any fails).
        let (family, reason) = try Consortium.resolveProtocol(compiled, requested: options.protocolFamily)
        let plan = try AggregationPlan(compiled, family: family)
        let contractName = compiled.contract.syntax.name.text
        let versionID = try LedgerHash(compiled.contractID)
        let state = await ledger.state
        guard let version = state.contracts[versionID] else {
            throw RuntimeError(.contractNotActive, "contract \(contractName) version \(compiled.contract.syntax.version) (id \(versionID.hex.prefix(16))…) was never proposed on the ledger")
        }
        guard version.status == .active else {
            throw RuntimeError(
                .contractNotActive,
                "contract \(contractName) version \(compiled.contract.syntax.version) is \(version.status.rawValue), not active (approvals \(version.approvals.count) of quorum \(state.quorum))")
        }
        let participantNames = participants.map(\.name)
        guard Set(participantNames).count == participantNames.count else {
            throw RuntimeError(.invalidParticipants, "a member appears twice among the participants")
        }
        guard participantNames.contains(coordinator.name) else {
            throw RuntimeError(.invalidParticipants, "the coordinator \(coordinator.name) must be one of the run's participants")
        }
        let n = participants.count
        if let minimum = compiled.contract.minimumParticipants, n < minimum {
            throw RuntimeError(
                .invalidParticipants,
                "contract \(contractName) requires participants >= \(minimum); this run has \(n) (refused before any input is committed)")
        }
        guard n >= 2 else {
            throw RuntimeError(.invalidParticipants, "the aggregation protocols need at least 2 participants; this run has \(n)")
        }
        let threshold = options.secaggThreshold ?? ParameterPolicy.majority(of: n)
        if family == .secagg { try parameters.checkSecAgg(threshold: threshold, members: n) }
        if family == .paillier {
            guard let ceremony else {
                throw RuntimeError(.missingKeyCeremony, "a paillier run needs a key ceremony on the ledger; hold one first")
            }
            guard Array(participantNames.prefix(ceremony.holders.count)) == ceremony.holders else {
                throw RuntimeError(
                    .invalidParticipants,
                    "paillier key shares are indexed by party: the first \(ceremony.holders.count) participants must be the key holders \(ceremony.holders.joined(separator: ", ")) in that order")
            }
        }
        let runBytes = SecureRandom.bytes(count: 32)
        let runID = try LedgerHash(runBytes)
        let parties = participants.indices.map { PartyID(UInt32($0 + 1)) }
        let terms = SessionTerms(
            family: family, secaggThreshold: threshold, signKeyAdverts: options.signKeyAdverts, insecureDealer: options.insecureDealer,
            padSeedDeadline: options.padSeedDeadline)
        endPhase("checks")

        var report = RunReport(
            runID: runID, contract: contractName, version: compiled.contract.syntax.version,
            contractID: compiled.contractIDHex, protocolFamily: family, protocolReason: reason,
            participants: participantNames, contributors: [], status: .aborted(reason: "not started"),
            result: nil, publicResult: nil, views: [:], withheld: [], ledgerEntries: [], resultHash: nil,
            revealedHash: nil, transcriptHash: nil, phases: [], memberErrors: [:], executionPaths: [:],
            decryptors: [], faultyKeyHolders: [], ignoredMessages: [:])

        // 2. run-started.
        let start = RunStart(
            runID: runID, versionID: versionID, circuitHash: try LedgerHash(compiled.planHash),
            protocolName: terms.recordedName, keyCeremony: family == .paillier ? ceremony?.id : nil, participants: participantNames,
            minimumContributors: UInt32(max(Int(RunStart.leastContributors), Int(compiled.contract.minimumParticipants ?? 2))))
        report.ledgerEntries.append(try await coordinator.author(.runStarted(start), on: ledger))
        let session = try SessionID(bytes: runBytes)

        func abort(_ reason: String) async -> RunReport {
            var aborted = report
            aborted.status = .aborted(reason: reason)
            // An aborted run never carries a result, whatever was assembled before the fault.
            aborted.result = nil
            aborted.publicResult = nil
            aborted.views = [:]
            do {
                aborted.ledgerEntries.append(try await coordinator.author(.runAborted(RunAbort(runID: runID, reason: reason)), on: ledger))
            } catch {
                aborted.memberErrors["ledger"] = "recording the abort failed: \(error)"
            }
            await transport.close(session: session)
            endPhase("abort")
            aborted.phases = phases
            if options.checkpoint { await checkpoint() }
            return aborted
        }

        // 3. Local plans and commitments, inside each member.
        progress("run \(runID.hex.prefix(16))… started; \(n) members validate their data and run their local plans…")
        var failures: [(String, RuntimeError)] = []
        let localDeadline = ContinuousClock.now.advanced(by: options.localPlanTimeout)
        /// One participant's outcome of the local phase.
        struct Prepared: Sendable {
            var name: String
            var input: PreparedInput?
            var error: RuntimeError?
        }
        let prepared = await withTaskGroup(of: Prepared.self, returning: [Prepared].self) { group in
            for (participant, party) in zip(participants, parties) {
                group.addTask {
                    do {
                        let input = try await participant.prepare(runID: runID, party: party, members: n, deadline: localDeadline)
                        return Prepared(name: participant.name, input: input)
                    } catch let error as RuntimeError {
                        return Prepared(name: participant.name, error: error)
                    } catch {
                        return Prepared(name: participant.name, error: RuntimeError(.inputRejected, "\(error)", member: participant.name))
                    }
                }
            }
            var all: [Prepared] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        for outcome in prepared {
            if let error = outcome.error {
                failures.append((outcome.name, error))
            } else if let input = outcome.input {
                switch input.execution {
                case .pushdown: report.executionPaths[outcome.name] = "pushdown"
                case .rowPipeline(let why): report.executionPaths[outcome.name] = "row pipeline" + (why.map { " (\($0))" } ?? "")
                }
            }
        }
        endPhase("local plans")
        if !failures.isEmpty {
            failures.sort { $0.0 < $1.0 }
            for (name, error) in failures { report.memberErrors[name] = error.message }
            let summary = failures.map { name, error in
                let what: String
                switch error.code {
                case .valueOutOfRange: what = "a contribution exceeds the protocols' 64-bit range"
                case .deadlineExceeded: what = "its local plan did not finish within \(options.localPlanTimeout)"
                case .transportFailure: what = "its node could not be reached"
                default: what = "input rejected by local validation"
                }
                return "member \(name): \(what) (\(error.code.rawValue))"
            }
            return await abort(summary.joined(separator: "; "))
        }
        for participant in participants {
            do {
                report.ledgerEntries.append(try await participant.commit(runID: runID))
            } catch {
                report.memberErrors[participant.name] = "\(error)"
                return await abort("member \(participant.name) could not record its input commitment")
            }
        }
        endPhase("commitments")
        progress("local plans done and inputs committed; the joint phase runs under \(family.rawValue)…")

        // 4. The protocol: every participant derives the session from the ledger and opens its
        // mailbox, the coordinator opens the aggregator's, then all run concurrently.
        let sessionPlan: SessionPlan
        let aggregatorMachine: AggregatorMachine?
        do {
            sessionPlan = try SessionPlan.derive(
                runID: runID, state: await ledger.state, vectorLength: plan.vectorLength, terms: terms, policy: parameters)
            switch sessionPlan {
            case .additive, .beaver: aggregatorMachine = nil
            case .secagg(let configuration): aggregatorMachine = .secagg(SecAggAggregatorStateMachine(configuration: configuration))
            case .paillier(let configuration, _): aggregatorMachine = .paillier(PaillierAggregatorStateMachine(configuration: configuration))
            }
        } catch {
            return await abort("the protocol session could not be configured: \(error.message)")
        }
        // A participant that cannot join (its node vanished after committing) is a dropout: the
        // protocol decides whether the others can finish without it (secagg and paillier may,
        // additive aborts).
        var absent: Set<String> = []
        await withTaskGroup(of: (String, Error?).self) { group in
            for participant in participants {
                group.addTask {
                    do {
                        try await participant.join(runID: runID, terms: terms)
                        return (participant.name, nil)
                    } catch {
                        return (participant.name, error)
                    }
                }
            }
            for await (name, error) in group {
                guard let error else { continue }
                absent.insert(name)
                report.memberErrors[name] = "could not join the protocol session: \((error as? RuntimeError)?.message ?? "\(error)")"
            }
        }
        guard absent.count < participants.count else {
            return await abort("no participant could join the protocol session")
        }
        let outcome = await runSession(
            sessionPlan, aggregator: aggregatorMachine, participants: participants, absent: absent, parties: parties, runID: runID,
            roundTimeout: options.roundTimeout, circuit: compiled.circuit)
        await transport.close(session: session)
        endPhase("protocol")
        for (party, traffic) in outcome.traffic {
            report.traffic[party == .aggregator ? "aggregator" : participantNames[Int(party.rawValue) - 1]] = traffic
        }
        for (party, notes) in outcome.ignored where !notes.isEmpty {
            report.ignoredMessages[party == .aggregator ? "aggregator" : participantNames[Int(party.rawValue) - 1]] = notes
        }
        let aggregate: AggregateOutput
        switch outcome.result {
        case .failure(let error):
            return await abort(error.message)
        case .success(let value):
            aggregate = value
        }

        // 5. Reveal.
        func names(_ ids: [PartyID]) -> [String] {
            ids.compactMap { $0.name(in: participantNames) }
        }
        report.contributors = names(aggregate.contributors)
        report.decryptors = names(aggregate.decryptors)
        report.faultyKeyHolders = names(aggregate.faultyKeyHolders)
        if let minimum = compiled.contract.minimumParticipants, aggregate.contributors.count < minimum {
            return await abort("only \(aggregate.contributors.count) members contributed (\(report.contributors.joined(separator: ", "))); contract \(contractName) requires participants >= \(minimum)")
        }
        // The coordinator assembles only the public result: the restricted slots are masked by
        // pads whose seeds went to their recipients, never here (protocols/runtime.md#output-pads).
        let shape: ContractResult
        do {
            shape = try plan.view(
                from: aggregate.sum, available: Set((0..<plan.slotCount).filter(plan.isPublic)), outputs: plan.reveals.map(\.output),
                contract: compiled.contract)
        } catch {
            return await abort("the result could not be assembled: \(error.message)")
        }
        // Who receives what is the ledger's word alone: its contract roles, never a configuration's
        // (protocols/runtime.md#reveal-and-views).
        let publishedState = await ledger.state
        if let run = publishedState.runs[runID] {
            do { try Member.checkMembershipUnchanged(since: run, in: publishedState, member: nil) } catch {
                return await abort(error.message)
            }
        }
        let disclosure = ResultDisclosure(plan: plan, participants: participantNames, state: publishedState)
        let contributorNames = Set(report.contributors)
        report.withheld = shape.outputNames.filter { output in !recipients.contains { disclosure.reveals(output, to: $0.name) } }
        let publicResult = shape.restricted(to: plan.publicOutputs(among: shape.outputNames))
        report.publicResult = publicResult

        // 6. result-published, listing its contributors and endorsed by every contributor that
        // received the output (protocols/runtime.md#endorsements, rule L12).
        // resultHash commits to each word of the masked output with its own nonce, and to the
        // contributors: a recipient checks the words it is handed against it, and learns nothing
        // from it about the others (protocols/runtime.md#output-pads).
        let opening = ResultOpening(runID: runID, sum: aggregate.sum, contributors: report.contributors)
        let transcript = Consortium.transcriptHash(outcome.digests)
        var publication = ResultPublication(
            runID: runID, resultHash: opening.resultHash, revealedValues: Array(publicResult.json.utf8),
            transcriptHash: transcript, contributors: report.contributors, recipients: disclosure.recordedRecipients)
        if let evidence = aggregate.evidence {
            // Recorded by the run's coordinator, who started it (rule L14, protocols/ledger.md#lifecycle-rules).
            // Paillier: the ciphertexts and batch proofs, so that anyone can re-check the sum
            // (protocols/paillier-aggregation.md#evidence, protocols/runtime.md#auditing-a-paillier-run).
            do {
                // Filed off the ledger first; the ledger records its digest (protocols/ledger.md#decryption-evidence).
                let bytes = evidence.wireEncoded()
                try await ledger.fileEvidence(bytes, run: runID)
                report.ledgerEntries.append(try await coordinator.author(
                    .decryptionEvidence(DecryptionEvidence(runID: runID, evidence: bytes)), on: ledger))
            } catch {
                return await abort("the decryption evidence could not be recorded: \(error)")
            }
        }
        let draft = await ledger.draft(.resultPublished(publication), author: coordinator.name)
        // Every contributor checks the draft at once; the first refusal in participant order decides.
        /// One contributor's answer to the draft.
        struct Answer: Sendable {
            var index: Int
            var endorsement: Endorsement?
            var error: RuntimeError?
        }
        let contributing = participants.enumerated().filter { contributorNames.contains($0.element.name) }
        // The nonces open every word: they go only to contributors that reported the output
        // themselves (the others endorse nothing and must not test guesses of unopened words).
        let receivedOutput = outcome.outputParties
        let answers = await withTaskGroup(of: Answer.self, returning: [Answer].self) { group in
            for (index, participant) in contributing {
                let nonces = receivedOutput.contains(parties[index]) ? opening.nonceBytes : []
                group.addTask {
                    do {
                        return Answer(index: index, endorsement: try await participant.endorse(draft, opening: nonces))
                    } catch let error as RuntimeError {
                        return Answer(index: index, error: error)
                    } catch {
                        return Answer(index: index, error: RuntimeError(.transportFailure, "\(error)", member: participant.name))
                    }
                }
            }
            var all: [Answer] = []
            for await answer in group { all.append(answer) }
            return all.sorted { $0.index < $1.index }
        }
        var endorsements: [Endorsement] = []
        for answer in answers {
            let name = participants[answer.index].name
            if let error = answer.error {
                if error.code == .inconsistentOutputs {
                    report.memberErrors[name] = error.message
                    return await abort("member \(name) refused to endorse the result: it is not what the member computed")
                }
                report.memberErrors[name] = "\(error)"
                return await abort("member \(name) could not endorse the result")
            }
            if let endorsement = answer.endorsement { endorsements.append(endorsement) }
        }
        guard endorsements.count >= Int(start.minimumContributors) else {
            return await abort(
                "only \(endorsements.count) contributors received the output to endorse the result; the run needs \(start.minimumContributors)")
        }
        publication.endorsements = endorsements
        do {
            report.ledgerEntries.append(try await coordinator.author(.resultPublished(publication), on: ledger))
        } catch {
            return await abort("the result could not be recorded: \(error)")
        }
        report.resultHash = publication.resultHash
        report.revealedHash = publication.revealedHash
        report.transcriptHash = transcript
        report.status = .published
        report.resultOpening = opening
        let outputNames = shape.outputNames
        let received = await withTaskGroup(of: (String, Result<ContractResult?, Error>).self, returning: [(String, Result<ContractResult?, Error>)].self) { group in
            for member in recipients {
                // Each recipient is handed only the words its own outputs are computed from.
                let outputs = disclosure.outputs(outputNames, for: member.name)
                guard !outputs.isEmpty else { continue }
                let delivery = opening.delivery(opening: plan.words(ofSlots: plan.slots(feeding: outputs)))
                group.addTask {
                    do { return (member.name, .success(try await member.receive(delivery))) } catch { return (member.name, .failure(error)) }
                }
            }
            var all: [(String, Result<ContractResult?, Error>)] = []
            for await answer in group { all.append(answer) }
            return all
        }
        // The views this process holds: every member's in one process (which simulates every
        // operator), the coordinator's own across nodes.
        var merged = publicResult
        for (name, answer) in received.sorted(by: { $0.0 < $1.0 }) {
            switch answer {
            case .success(let view?):
                report.views[name] = view
                merged = merged.merging(view, order: outputNames)
            case .success(nil):
                break
            case .failure(let error):
                report.memberErrors[name] = "its view could not be assembled: \((error as? RuntimeError)?.message ?? "\(error)")"
            }
        }
        report.result = merged
        endPhase("reveal")
        if options.checkpoint { await checkpoint() }
        report.phases = phases
        return report
    }
}
