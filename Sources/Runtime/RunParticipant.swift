public import Circuit
public import CircuitCompiler
public import ConsortiumLedger
public import CryptoPrimitives
public import MPCProtocols
public import PaillierEncryption
import WireFormat

/// The terms of a run's protocol session that the ledger does not record; everything else (the
/// session id, the participants and their keys, the Paillier key) each member derives from the
/// ledger itself. Spec: protocols/runtime.md#run-lifecycle.
public struct SessionTerms: Sendable, Hashable {
    /// The protocol (it must be the one `run-started` names).
    public var family: ProtocolFamily
    /// SecAgg's threshold `t` (ignored by the other protocols).
    public var secaggThreshold: Int
    /// Whether SecAgg key adverts are signed with the members' ledger keys.
    public var signKeyAdverts: Bool
    /// Beaver only, INSECURE: every member derives the triples and bits from the run id, as a
    /// dealer that everyone plays (``RunOptions/insecureDealer``); benchmarks and tests only.
    public var insecureDealer: Bool
    /// The coordinator's deadline for handing the output pad seeds to their recipients, from the
    /// `join` request's receipt (nil: the participant's own bound; protocols/node.md#control-calls).
    public var padSeedDeadline: Duration?

    /// Terms.
    /// - Parameters:
    ///   - family: The protocol.
    ///   - secaggThreshold: SecAgg's `t`.
    ///   - signKeyAdverts: Whether SecAgg adverts are signed.
    ///   - insecureDealer: Beaver's INSECURE dealt preprocessing (default false).
    ///   - padSeedDeadline: The coordinator's deadline for seed delivery (default none).
    public init(
        family: ProtocolFamily, secaggThreshold: Int, signKeyAdverts: Bool, insecureDealer: Bool = false, padSeedDeadline: Duration? = nil
    ) {
        self.padSeedDeadline = padSeedDeadline
        self.family = family
        self.secaggThreshold = secaggThreshold
        self.signKeyAdverts = signKeyAdverts
        self.insecureDealer = insecureDealer && family == .beaver
    }

    /// The protocol as `run-started` records it: the family's name, and for `beaver` the origin of
    /// its preprocessing (`beaver/member-generated` or `beaver/INSECURE-dealer`), so that the
    /// ledger says whether a trusted dealer was involved (protocols/beaver.md#threat-model).
    public var recordedName: String {
        guard family == .beaver else { return family.rawValue }
        return insecureDealer ? "beaver/INSECURE-dealer" : "beaver/member-generated"
    }

    /// The protocol family of a recorded name (``recordedName``), or nil for an unknown one.
    /// - Parameter name: `run-started`'s protocol name.
    /// - Returns: The family.
    public static func family(recordedAs name: String) -> ProtocolFamily? {
        ProtocolFamily(rawValue: String(name.prefix { $0 != "/" }))
    }
}

extension SessionPlan {
    /// The session of run `runID` under `terms`, from the ledger alone: the coordinator and every
    /// member derive the same plan, so no member runs a session the ledger does not describe
    /// (protocols/runtime.md#run-lifecycle).
    /// - Parameters:
    ///   - runID: The run (its bytes are the session id).
    ///   - state: The ledger state recording the run.
    ///   - vectorLength: The contract's protocol vector length (from the member's own compilation).
    ///   - terms: The terms.
    ///   - policy: The parameters the deriving party accepts.
    /// - Returns: The plan.
    /// - Throws: ``RuntimeError`` `invalidParticipants` (the run is not on the ledger, or runs
    ///   another protocol), `missingKeyCeremony`, `invalidConfiguration` (a SecAgg threshold
    ///   below the policy), or the configuration error of the protocol.
    public static func derive(
        runID: LedgerHash, state: ConsortiumState, vectorLength: Int, terms: SessionTerms, policy: ParameterPolicy
    ) throws(RuntimeError) -> SessionPlan {
        let label = "run \(runID.hex.prefix(16))…"
        guard let run = state.runs[runID] else { throw RuntimeError(.invalidParticipants, "\(label) is not on the ledger") }
        guard run.protocolName == terms.recordedName else {
            throw RuntimeError(.invalidParticipants, "\(label) runs \(run.protocolName) on the ledger, not \(terms.recordedName)")
        }
        let session: SessionID
        do { session = try SessionID(bytes: runID.bytes) } catch {
            throw RuntimeError(.invalidParticipants, "\(label) has no valid session id")
        }
        let n = run.participants.count
        let parties = (1...max(1, n)).map { PartyID(UInt32($0)) }
        func keys() throws(RuntimeError) -> [PartyID: Ed25519.PublicKey] {
            var keys: [PartyID: Ed25519.PublicKey] = [:]
            for (party, name) in zip(parties, run.participants) {
                guard let member = state.members[name] else {
                    throw RuntimeError(.invalidParticipants, "participant \(name) of \(label) is not a current member")
                }
                keys[party] = member.publicKey
            }
            return keys
        }
        do {
            switch terms.family {
            case .additive:
                return .additive(try AdditiveConfiguration(sessionID: session, memberCount: n, vectorLength: vectorLength))
            case .secagg:
                try policy.checkSecAgg(threshold: terms.secaggThreshold, members: n)
                try policy.checkDropouts(least: terms.secaggThreshold, members: n)
                // Unsigned adverts let the aggregator (the coordinator) swap members' keys and
                // unmask an input (protocols/secagg.md): refused outside insecure test parameters.
                guard terms.signKeyAdverts || !policy.requiresMajorityThresholds else {
                    throw RuntimeError(.invalidConfiguration, "\(label): secagg key adverts must be signed under \(policy.label) parameters")
                }
                return .secagg(try SecAggConfiguration(
                    sessionID: session, memberCount: n, threshold: terms.secaggThreshold, vectorLength: vectorLength,
                    signatureKeys: terms.signKeyAdverts ? try keys() : nil))
            case .paillier:
                guard let id = run.keyCeremony, let ceremony = state.ceremonies[id],
                    let publicKey = try? Paillier.ThresholdPublicKey(wireEncoded: ceremony.publicKey)
                else {
                    throw RuntimeError(.missingKeyCeremony, "\(label) names no key ceremony on the ledger")
                }
                // A member refusing dropouts keeps its own stricter bound: it decrypts and accepts
                // only an aggregate of every participant's contribution, whatever the run declares.
                return .paillier(
                    try PaillierAggregationConfiguration(
                        sessionID: session, memberCount: n, vectorLength: vectorLength, publicKey: publicKey,
                        minimumContributors: policy.refusesDropouts ? n : max(2, min(n, Int(run.minimumContributors))),
                        // Each contribution signed by its member, so the aggregator cannot contribute in
                        // a member's name (protocols/paillier-aggregation.md#threat-model).
                        signatureKeys: try keys()),
                    ceremony: id)
            case .beaver:
                return .beaver(
                    try BeaverConfiguration(
                        sessionID: session, memberCount: n, bitLength: BeaverConfiguration.largestBitLength(memberCount: n)),
                    insecureDealer: terms.insecureDealer)
            }
        } catch let error as RuntimeError {
            throw error
        } catch {
            throw RuntimeError(.invalidConfiguration, "the protocol session of \(label) could not be configured: \(error)")
        }
    }

    /// Which member hosts each party of run `run`'s session: party `i` is participant `i`, the
    /// aggregator is hosted by the run's coordinator (protocols/runtime.md#parties).
    /// - Parameter run: The run.
    /// - Returns: The roster.
    public static func roster(of run: ConsortiumState.Run) -> [PartyID: String] {
        roster(participants: run.participants, coordinator: run.startedBy)
    }

    /// The roster of a run with these participants and this coordinator.
    /// - Parameters:
    ///   - participants: The participants in party order.
    ///   - coordinator: The member that hosts the aggregator.
    /// - Returns: The roster.
    public static func roster(participants: [String], coordinator: String) -> [PartyID: String] {
        var roster: [PartyID: String] = [.aggregator: coordinator]
        for (index, name) in participants.enumerated() { roster[PartyID(UInt32(index + 1))] = name }
        return roster
    }
}

/// A participant's part in a run as the coordinator reaches it: a member actor in this process
/// (``LocalParticipant``), or another member's node (NodeRuntime). Each step is the member's
/// own: it compiles the contract from its ledger, signs its own entries and endorsements, and
/// derives the session itself. Spec: protocols/runtime.md#run-lifecycle.
public protocol RunParticipant: Sendable {
    /// The member's name.
    var name: String { get }

    /// Compiles the run's contract from the ledger, validates its data and runs its local plan;
    /// nothing is recorded yet.
    /// - Parameters:
    ///   - runID: The run (started on the ledger).
    ///   - party: Its seat.
    ///   - members: The participant count.
    ///   - deadline: When the local plan must have finished.
    /// - Returns: Its commitment and how the plan ran.
    /// - Throws: ``RuntimeError`` (the member's refusal or its data's error).
    func prepare(runID: LedgerHash, party: PartyID, members: Int, deadline: ContinuousClock.Instant) async throws -> PreparedInput

    /// Records its `input-committed` entry, signed by itself.
    /// - Parameter runID: The run.
    /// - Returns: The entry's index.
    /// - Throws: ``RuntimeError``.
    func commit(runID: LedgerHash) async throws -> UInt64

    /// Derives the session from the ledger and opens its mailbox (before anyone sends).
    /// - Parameters:
    ///   - runID: The run.
    ///   - terms: The session terms.
    /// - Throws: ``RuntimeError`` when it refuses the terms or cannot open its mailbox.
    func join(runID: LedgerHash, terms: SessionTerms) async throws

    /// Runs its protocol party to the end.
    /// - Parameters:
    ///   - runID: The run.
    ///   - roundTimeout: Its per-round deadline.
    /// - Returns: Its report.
    func participate(runID: LedgerHash, roundTimeout: Duration) async -> PartyReport<AggregateOutput>

    /// Endorses a drafted result after recomputing it (nil: it received no output).
    /// - Parameter entry: The drafted `result-published` entry.
    /// - Returns: The endorsement.
    /// - Throws: ``RuntimeError`` `inconsistentOutputs` when the draft is not what it computed.
    func endorse(_ entry: LedgerEntry, opening: [UInt8]) async throws -> Endorsement?
}

/// A member that may be handed a run's result: it assembles from the delivery exactly the outputs
/// the ledger reveals to it (``ResultDisclosure``), unmasking its restricted outputs with the pad
/// seeds the contributors handed it (protocols/runtime.md#output-pads).
public protocol ResultRecipient: Sendable {
    /// The member's name.
    var name: String { get }
    /// Hands it the published result; the member checks it against its own ledger and assembles
    /// its own view.
    /// - Parameter delivery: The masked output, contributors and the opening of `resultHash`.
    /// - Returns: Its view when the member is in this process (the one-process consortium
    ///   simulates every operator), nil for another member's node (its view stays there).
    /// - Throws: ``RuntimeError`` when it refuses the delivery or lacks a seed (`missingOutputPad`).
    func receive(_ delivery: ResultDelivery) async throws -> ContractResult?
}

/// A member actor of this process as a run participant: it reads and appends to `ledger` and
/// sends over `transport`.
public struct LocalParticipant: RunParticipant, ResultRecipient {
    /// The member.
    public let member: Member
    /// Its ledger.
    public let ledger: any LedgerAccess
    /// Its transport.
    public let transport: any Transport
    /// The parameters it accepts.
    public let policy: ParameterPolicy
    /// How its output pad seeds reach their recipients (protocols/runtime.md#output-pads).
    public let courier: (any PadSeedCourier)?

    /// A local participant.
    /// - Parameters:
    ///   - member: The member actor.
    ///   - ledger: Its ledger.
    ///   - transport: Its transport.
    ///   - policy: The parameters it accepts.
    ///   - courier: How its pad seeds reach their recipients (nil: they reach none).
    public init(
        member: Member, ledger: any LedgerAccess, transport: any Transport, policy: ParameterPolicy, courier: (any PadSeedCourier)? = nil
    ) {
        self.member = member
        self.ledger = ledger
        self.transport = transport
        self.policy = policy
        self.courier = courier
    }

    public var name: String { member.name }

    public func prepare(runID: LedgerHash, party: PartyID, members: Int, deadline: ContinuousClock.Instant) async throws -> PreparedInput {
        try await member.prepare(runID: runID, on: ledger, party: party, members: members, deadline: deadline)
    }

    public func commit(runID: LedgerHash) async throws -> UInt64 { try await member.commit(runID: runID, on: ledger) }

    public func join(runID: LedgerHash, terms: SessionTerms) async throws {
        try await member.join(runID: runID, terms: terms, on: ledger, transport: transport, policy: policy, courier: courier)
    }

    public func participate(runID: LedgerHash, roundTimeout: Duration) async -> PartyReport<AggregateOutput> {
        await member.participate(runID: runID, transport: transport, roundTimeout: roundTimeout)
    }

    public func endorse(_ entry: LedgerEntry, opening: [UInt8]) async throws -> Endorsement? {
        try await member.endorse(entry, opening: opening, on: ledger)
    }

    public func receive(_ delivery: ResultDelivery) async throws -> ContractResult? {
        try await member.receive(delivery, on: ledger).result
    }
}
