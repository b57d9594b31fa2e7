import Circuit
import ConsortiumLedger
import MPCProtocols

/// The aggregator role of an aggregator-based session, hosted by the runtime (protocols/runtime.md#parties).
enum AggregatorMachine: Sendable {
    case secagg(SecAggAggregatorStateMachine)
    case paillier(PaillierAggregatorStateMachine)

    func drive(
        peers: [PartyID], session: SessionID, mailbox: any Mailbox, transport: any Transport, roundTimeout: Duration
    ) async -> PartyReport<AggregateOutput> {
        switch self {
        case .secagg(let machine):
            return await ProtocolDriver.drive(
                machine, peers: peers, session: session, mailbox: mailbox, transport: transport, roundTimeout: roundTimeout,
                decode: { bytes throws(MPCProtocolError) in try SecAggMessage(wireEncoded: bytes) }
            ).mapOutput { AggregateOutput(sum: $0.sum, contributors: $0.contributors, decryptors: [], faultyKeyHolders: []) }
        case .paillier(var machine):
            let report = await ProtocolDriver.drive(
                &machine, peers: peers, session: session, mailbox: mailbox, transport: transport, roundTimeout: roundTimeout,
                decode: { bytes throws(MPCProtocolError) in try PaillierAggregationMessage(wireEncoded: bytes) })
            let evidence = machine.evidence
            return report.mapOutput {
                AggregateOutput(
                    sum: $0.sum, contributors: $0.contributors, decryptors: $0.decryptors,
                    faultyKeyHolders: $0.faultyKeyHolders, evidence: evidence)
            }
        }
    }

    var rounds: Int {
        switch self {
        case .secagg: 4
        case .paillier: 3
        }
    }
}

/// What the joint phase produced.
struct SessionOutcome: Sendable {
    var result: Result<AggregateOutput, RuntimeError>
    var digests: [[UInt8]]
    var ignored: [PartyID: [String]]
    var traffic: [PartyID: PartyTraffic] = [:]
    /// The members' parties that reported the output themselves: only they are sent the nonces
    /// of the output's commitments with the draft to endorse (protocols/runtime.md#endorsements).
    var outputParties: Set<PartyID> = []
}

extension RunCoordinator {
    /// Runs every party of one session concurrently, under an overall deadline, and decides the
    /// outcome (protocols/runtime.md#deciding-the-outcome): additive needs every member's identical
    /// output; secagg and paillier take the aggregator's output, which every member that output
    /// must match. A rejected message anywhere, an abort, a stall or the overall deadline gives a
    /// failure — never a partial or wrong sum.
    func runSession(
        _ plan: SessionPlan, aggregator: AggregatorMachine?, participants: [any RunParticipant], absent: Set<String>, parties: [PartyID],
        runID: LedgerHash, roundTimeout: Duration, circuit: Circuit
    ) async -> SessionOutcome {
        let session = plan.sessionID
        let transport = self.transport
        var aggregatorMailbox: (any Mailbox)?
        if aggregator != nil {
            do {
                try await transport.register(
                    session: session, roster: SessionPlan.roster(participants: participants.map(\.name), coordinator: coordinator.name))
                aggregatorMailbox = try await transport.open(session: session, party: .aggregator)
            } catch {
                return SessionOutcome(result: .failure(RuntimeError(.protocolAborted, "the transport could not open the aggregator's mailbox")), digests: [], ignored: [:])
            }
        }
        let rounds: Int
        var preprocessing = Duration.zero
        switch plan {
        case .beaver(let configuration, let insecureDealer):
            // Member-generated triples add four rounds (base OTs, extension, corrections).
            rounds = CircuitGate.layerBound(circuit, memberCount: configuration.memberCount, bitLength: configuration.bitLength) + 4
            if !insecureDealer {
                // A round of the OT extension takes time proportional to the triples and to the
                // peers (protocols/beaver.md#in-the-runtime).
                preprocessing = BeaverSession.preprocessingAllowance(circuit, configuration: configuration)
            }
        default:
            rounds = aggregator?.rounds ?? 3  // additive: seeds, partial sums, total
        }
        let base = aggregator == nil ? roundTimeout : roundTimeout * 2 + .milliseconds(250)
        let memberTimeout = base + preprocessing
        let overall = (base * (rounds + 2) + preprocessing * 2) * 2

        enum Event: Sendable {
            case member(PartyReport<AggregateOutput>)
            case aggregator(PartyReport<AggregateOutput>)
            case deadline
        }
        var memberReports: [PartyID: PartyReport<AggregateOutput>] = [:]
        var aggregatorReport: PartyReport<AggregateOutput>?
        var timedOut = false
        // Every party that drives is held on the run's clock until it ends, so that a virtual
        // clock moves only while all of them wait (protocols/runtime.md#deadlines).
        let clock = Deadlines.clock
        clock.hold(participants.filter { !absent.contains($0.name) }.count + (aggregatorMailbox == nil ? 0 : 1))
        await withTaskGroup(of: Event.self) { group in
            for (participant, party) in zip(participants, parties) {
                guard !absent.contains(participant.name) else {
                    group.addTask { .member(PartyReport(party: party, ending: .disconnected, sentDigests: [], ignored: [])) }
                    continue
                }
                group.addTask {
                    defer { clock.release() }
                    return .member(await participant.participate(runID: runID, roundTimeout: memberTimeout))
                }
            }
            if let aggregator, let mailbox = aggregatorMailbox {
                group.addTask {
                    defer { clock.release() }
                    return .aggregator(await aggregator.drive(
                        peers: parties, session: session, mailbox: mailbox, transport: transport, roundTimeout: roundTimeout))
                }
            }
            group.addTask {
                try? await clock.sleep(until: clock.now.advanced(by: overall))
                return .deadline
            }
            var pending = participants.count + (aggregator == nil ? 0 : 1)
            for await event in group {
                switch event {
                case .member(let report):
                    memberReports[report.party] = report
                    pending -= 1
                case .aggregator(let report):
                    aggregatorReport = report
                    pending -= 1
                case .deadline:
                    if pending > 0 {
                        timedOut = true
                        group.cancelAll()
                    }
                }
                if pending == 0 { group.cancelAll() }
            }
        }

        let outputParties = Set(parties.compactMap { party -> PartyID? in
            guard case .output = memberReports[party]?.ending else { return nil }
            return party
        })
        var all = parties.compactMap { memberReports[$0] }
        if let aggregatorReport { all.insert(aggregatorReport, at: 0) }
        let digests = all.flatMap(\.sentDigests)
        let ignored = Dictionary(uniqueKeysWithValues: all.map { ($0.party, $0.ignored) })
        let traffic = Dictionary(uniqueKeysWithValues: all.map {
            ($0.party, PartyTraffic(messages: $0.sentDigests.count, bytes: $0.bytesSent, rounds: $0.roundsSent))
        })
        let roster = parties.enumerated().map { "\($0.element.rawValue)=\(participants[$0.offset].name)" }.joined(separator: ", ")
        func failure(_ code: RuntimeError.Code, _ message: String) -> SessionOutcome {
            SessionOutcome(
                result: .failure(RuntimeError(code, "\(plan.name): \(message) [parties: \(roster)]")), digests: digests, ignored: ignored, traffic: traffic)
        }
        if timedOut {
            return failure(.deadlineExceeded, "the joint phase did not complete within \(overall)")
        }
        for report in all {
            if case .rejected(let from, let error) = report.ending {
                return failure(.protocolAborted, "\(report.party) rejected a message from \(from): \(error)")
            }
        }
        func explain(_ report: PartyReport<AggregateOutput>) -> String {
            switch report.ending {
            case .output, .finished: "\(report.party) finished"
            case .aborted(let reason): reason.description
            case .rejected(let from, let error): "\(report.party) rejected a message from \(from): \(error)"
            case .disconnected: "\(report.party) was cut off during the joint phase"
            case .stalled(let round): "\(report.party) made no progress in round \(round)"
            case .failed(let reason): "\(report.party): \(reason)"
            case .cancelled: "\(report.party) was cancelled"
            }
        }
        guard let aggregatorReport else {
            // Additive and beaver: n-of-n, every member outputs the same sum (or outcomes).
            var outputs: [AggregateOutput] = []
            for report in all {
                guard case .output(let output) = report.ending else {
                    return failure(.protocolAborted, explain(report))
                }
                outputs.append(output)
            }
            guard let first = outputs.first, outputs.allSatisfy({ $0.sum == first.sum }) else {
                return failure(.inconsistentOutputs, "the members' outputs disagree")
            }
            return SessionOutcome(
                result: .success(AggregateOutput(sum: first.sum, contributors: parties, decryptors: [], faultyKeyHolders: [])),
                digests: digests, ignored: ignored, traffic: traffic, outputParties: outputParties)
        }
        guard case .output(let output) = aggregatorReport.ending else {
            return failure(.protocolAborted, explain(aggregatorReport))
        }
        for report in all.dropFirst() {
            if case .output(let memberOutput) = report.ending, memberOutput.sum != output.sum || memberOutput.contributors != output.contributors {
                return failure(.inconsistentOutputs, "\(report.party)'s output differs from the aggregator's")
            }
        }
        return SessionOutcome(result: .success(output), digests: digests, ignored: ignored, traffic: traffic, outputParties: outputParties)
    }
}

extension SessionPlan {
    /// The protocol's name.
    var name: String {
        switch self {
        case .additive: "additive"
        case .secagg: "secagg"
        case .paillier: "paillier"
        case .beaver: "beaver"
        }
    }
}
