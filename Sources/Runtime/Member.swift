public import CircuitCompiler
import ContractLanguage
public import ConsortiumLedger
public import CryptoPrimitives
public import DataSources
public import MPCProtocols
public import PaillierEncryption

/// Where a member's rows come from.
public enum MemberData: Sendable {
    /// A data-source configuration (protocols/data-sources.md): one source per contract input table.
    case configuration(DataSourceConfiguration)
    /// One source used for whatever input table a contract declares.
    case source(any DataSource)
    /// No data: the member only approves contracts and receives results.
    case none
}

extension PartyID {
    /// The participant this party is in a run: party `i` is `participants[i − 1]`; nil outside
    /// `1…participants.count`.
    func name(in participants: [String]) -> String? {
        let index = Int(rawValue) - 1
        return participants.indices.contains(index) ? participants[index] : nil
    }
}

/// What the protocol summed, normalised across protocols.
public struct AggregateOutput: Sendable, Hashable {
    /// `Σ` of the contributors' vectors in `Z_2^64`; under beaver, the circuit's opened values
    /// (a status and a value per reveal gate), each field element as two words, high first.
    public var sum: [UInt64]
    /// The members whose inputs the sum includes.
    public var contributors: [PartyID]
    /// Paillier: the key holders whose decryption shares were combined.
    public var decryptors: [PartyID]
    /// Paillier: key holders whose decryption shares failed their proofs.
    public var faultyKeyHolders: [PartyID]
    /// Paillier: the aggregator's evidence (ciphertexts and batch proofs), recorded on the ledger.
    public var evidence: PaillierAggregationEvidence? = nil

    /// An output.
    /// - Parameters:
    ///   - sum: The sum.
    ///   - contributors: Its contributors.
    ///   - decryptors: The key holders whose shares were combined.
    ///   - faultyKeyHolders: Key holders whose shares failed their proofs.
    ///   - evidence: The aggregator's evidence.
    public init(
        sum: [UInt64], contributors: [PartyID], decryptors: [PartyID], faultyKeyHolders: [PartyID],
        evidence: PaillierAggregationEvidence? = nil
    ) {
        self.sum = sum
        self.contributors = contributors
        self.decryptors = decryptors
        self.faultyKeyHolders = faultyKeyHolders
        self.evidence = evidence
    }
}

/// The protocol session a run asks a member to join.
public enum SessionPlan: Sendable {
    /// n-of-n additive sharing.
    case additive(AdditiveConfiguration)
    /// Secure aggregation with dropout tolerance.
    case secagg(SecAggConfiguration)
    /// Threshold Paillier; the key is the one of the ledger's key ceremony `ceremony`.
    case paillier(PaillierAggregationConfiguration, ceremony: LedgerHash)
    /// Beaver: the joint circuit on additive shares over `F_p`; `insecureDealer` when the
    /// preprocessing is dealt from the run id (INSECURE, benchmarks and tests only).
    case beaver(BeaverConfiguration, insecureDealer: Bool)

    /// The session id.
    public var sessionID: SessionID {
        switch self {
        case .additive(let c): c.sessionID
        case .secagg(let c): c.sessionID
        case .paillier(let c, _): c.sessionID
        case .beaver(let c, _): c.sessionID
        }
    }
}

/// What a member committed to for a run.
public struct PreparedInput: Sendable {
    /// The hash commitment recorded on the ledger.
    public var commitment: LedgerHash
    /// How the local plan ran (SQL pushdown or the Swift row pipeline).
    public var execution: LocalExecution.Path

    /// A prepared input.
    /// - Parameters:
    ///   - commitment: The commitment.
    ///   - execution: How the plan ran.
    public init(commitment: LedgerHash, execution: LocalExecution.Path) {
        self.commitment = commitment
        self.execution = execution
    }
}

/// What one member learns from a run: the outputs the contract reveals to it, assembled by the
/// member itself from a ``ResultDelivery`` (protocols/runtime.md#output-pads).
public struct MemberView: Sendable {
    /// The run.
    public var runID: LedgerHash
    /// The outputs revealed to this member (`all`, its name, or one of its roles).
    public var result: ContractResult
    /// The members whose inputs the result includes.
    public var contributors: [String]
    /// What the coordinator handed it: the words its outputs need, opened, and the others'
    /// commitments (``ResultDelivery``); nil for a view made otherwise.
    public var delivery: ResultDelivery?

    /// A view.
    /// - Parameters:
    ///   - runID: The run.
    ///   - result: The outputs revealed to the member.
    ///   - contributors: The members whose inputs the result includes.
    ///   - delivery: What the coordinator handed it.
    public init(runID: LedgerHash, result: ContractResult, contributors: [String], delivery: ResultDelivery? = nil) {
        self.runID = runID
        self.result = result
        self.contributors = contributors
        self.delivery = delivery
    }
}

/// A consortium member: its name, its signing key, its data, and its part in
/// every run (validate and aggregate its own rows, commit, run the protocol, sign the result).
/// Nothing derived from its rows leaves the actor except its protocol messages (shares, masked
/// or encrypted vectors) and its hash commitment. Spec: protocols/runtime.md#members.
public actor Member {
    /// The member's name on the ledger.
    public nonisolated let name: String
    /// Its Ed25519 public key.
    public nonisolated let publicKey: Ed25519.PublicKey
    /// The contract roles it is founded with (``ledgerMember``, the genesis record). Who receives
    /// a view is decided from the ledger's record only (``ResultDisclosure``), never from this.
    public nonisolated let roles: Set<String>
    /// Ledger roles.
    public nonisolated let ledgerRoles: MemberRoles
    private nonisolated let key: Ed25519.PrivateKey
    private let data: MemberData
    private var keyShares: [LedgerHash: Paillier.KeyShare] = [:]
    private var inputs: [LedgerHash: [UInt64]] = [:]
    private var openings: [LedgerHash: [UInt8]] = [:]
    var views: [LedgerHash: MemberView] = [:]
    /// The pads it adds to its protocol input, by run, one per slot (protocols/runtime.md#output-pads).
    var pads: [LedgerHash: [UInt128]] = [:]
    /// The pad seeds it holds as a recipient: run → sender → group → seed (its own included).
    var padSeeds: [LedgerHash: [String: [[String]: [UInt8]]]] = [:]

    /// A member.
    /// - Parameters:
    ///   - name: Its ledger name.
    ///   - key: Its signing key.
    ///   - roles: The contract roles it is founded with (the genesis records them).
    ///   - ledgerRoles: Ledger roles (default voting and participant).
    ///   - data: Its data.
    public init(
        name: String, key: Ed25519.PrivateKey, roles: Set<String> = [], ledgerRoles: MemberRoles = [.voting, .participant],
        data: MemberData
    ) {
        self.name = name
        self.key = key
        self.publicKey = key.publicKey
        self.roles = roles
        self.ledgerRoles = ledgerRoles
        self.data = data
    }

    /// Whether the member has data to contribute.
    public nonisolated var hasData: Bool {
        if case .none = data { return false }
        return true
    }

    /// The ledger membership record it is founded with: ledger roles and contract roles.
    public nonisolated var ledgerMember: ConsortiumLedger.Member {
        ConsortiumLedger.Member(name: name, publicKey: publicKey, roles: ledgerRoles, contractRoles: roles)
    }

    /// Signs and appends an entry as this member.
    /// - Parameters:
    ///   - payload: The content.
    ///   - ledger: The ledger.
    /// - Returns: The entry's index.
    /// - Throws: ``RuntimeError`` `ledgerFailure`.
    @discardableResult
    public func author(_ payload: LedgerEntry.Payload, on ledger: any LedgerAccess) async throws -> UInt64 {
        try await ledger.append(payload, author: name, key: key)
    }

    /// Endorses a drafted result only after recomputing it from what this member received itself
    /// in the run (spec: protocols/runtime.md#endorsements): the revealed values from the sum it
    /// received, under the contract it compiled itself from the ledger, and the contributors from
    /// the protocol's own list, so a coordinator cannot have numbers or a contributor list of its
    /// own signed. A member that received no output (it dropped out) has nothing to check and
    /// signs nothing: it returns nil.
    /// The views' recipients the draft records must be those its own ledger designates for the
    /// contract's recipients (``ResultDisclosure/recordedRecipients``).
    /// - Parameters:
    ///   - entry: The drafted `result-published` entry.
    ///   - opening: The nonces of every output word's commitment, concatenated (``ResultOpening/nonceBytes``).
    ///   - ledger: Its own ledger (whose contract roles decide the recipients).
    /// - Returns: The endorsement, or nil when this member received no output of the run.
    /// - Throws: ``RuntimeError`` `inconsistentOutputs` when the draft is not what this member computes.
    public func endorse(_ entry: LedgerEntry, opening: [UInt8], on ledger: any LedgerAccess) async throws -> Endorsement? {
        guard case .resultPublished(let publication) = entry.payload else {
            throw RuntimeError(.inconsistentOutputs, "is asked to endorse an entry that is not a result", member: name)
        }
        guard let output = received[publication.runID] else { return nil }
        guard let run = runs[publication.runID] else {
            throw RuntimeError(.inconsistentOutputs, "is asked to endorse a run it did not prepare", member: name)
        }
        let run_ = "run \(publication.runID.hex.prefix(16))…"
        let contributors = output.contributors.compactMap { $0.name(in: run.participants) }
        guard contributors.count == output.contributors.count, contributors.sorted() == publication.contributors else {
            throw RuntimeError(
                .inconsistentOutputs,
                "refuses to endorse \(run_): the drafted contributors are not those the protocol reported to it", member: name)
        }
        let expected = Array(try run.plan.publicResult(from: output, contract: run.compiled.contract).json.utf8)
        guard expected == publication.revealedValues else {
            throw RuntimeError(
                .inconsistentOutputs,
                "refuses to endorse \(run_): the drafted revealed values are not those it computes from the sum it received",
                member: name)
        }
        // resultHash must commit to the very output it received, every word of it: a coordinator
        // that committed to another masked output would hand recipients values the protocol never
        // produced (protocols/runtime.md#output-pads).
        guard
            let received = ResultOpening(runID: publication.runID, sum: output.sum, contributors: contributors, nonceBytes: opening),
            received.resultHash == publication.resultHash
        else {
            throw RuntimeError(
                .inconsistentOutputs,
                "refuses to endorse \(run_): the drafted result commitment does not open to the output it received", member: name)
        }
        let disclosure = ResultDisclosure(plan: run.plan, participants: run.participants, state: await ledger.state)
        guard publication.recipients == disclosure.recordedRecipients else {
            throw RuntimeError(
                .inconsistentOutputs,
                "refuses to endorse \(run_): the drafted view recipients are not the members its ledger designates for the contract's recipients",
                member: name)
        }
        return entry.endorsement(by: name, key: key)
    }

    /// What a member holds of a run it prepared: the contract it compiled itself from the
    /// ledger, its aggregation plan, and the run's participants in party order.
    struct PreparedRun {
        var compiled: CompiledContract
        var plan: AggregationPlan
        var participants: [String]
    }

    /// The runs this member prepared.
    var runs: [LedgerHash: PreparedRun] = [:]

    /// Compiles the contract of `runID` from its approved source on the ledger and checks that
    /// it is the version and circuit the run declares (protocols/runtime.md#endorsements).
    func compileContract(of runID: LedgerHash, on ledger: any LedgerAccess) async throws -> PreparedRun {
        let (run, source): (ConsortiumState.Run, String)
        do {
            (run, source) = try await ledger.run(runID)
        } catch let error as RuntimeError {
            throw RuntimeError(.contractNotActive, error.message, member: name)
        }
        guard let compiled = try? ContractCompiler.compile(source: source),
            (try? LedgerHash(compiled.contractID)) == run.versionID,
            (try? LedgerHash(compiled.planHash)) == run.circuitHash
        else {
            throw RuntimeError(
                .contractNotActive,
                "refuses run \(runID.hex.prefix(16))…: its contract source on the ledger does not compile to the version and circuit the run declares",
                member: name)
        }
        do {
            return PreparedRun(compiled: compiled, plan: try AggregationPlan(compiled, family: SessionTerms.family(recordedAs: run.protocolName)), participants: run.participants)
        } catch {
            throw RuntimeError(.contractNotActive, "refuses run \(runID.hex.prefix(16))…: \(error.message)", member: name)
        }
    }

    /// The protocol outputs this member received, by run.
    private var received: [LedgerHash: AggregateOutput] = [:]

    /// What its protocol engine output in run `runID` (tests: what a member could read).
    /// - Parameter runID: The run.
    /// - Returns: The output, until the member forgets the closed run.
    package func protocolOutput(of runID: LedgerHash) -> AggregateOutput? { received[runID] }

    /// Forgets what it held for the runs that are closed on the ledger (published or aborted):
    /// their compiled contract, received output, commitment and session. What it keeps of each
    /// closed run is small: the opening of its input commitment (protocols/runtime.md#commitments)
    /// and its view.
    /// How many runs it holds state for (its open runs, plus closed ones until its next
    /// preparation forgets them); `covenant node status` reports it.
    public var heldRuns: Int { runs.count }

    private func forgetClosedRuns(in state: ConsortiumState) {
        for runID in Array(runs.keys) where (state.runs[runID]?.status ?? .open) != .open {
            runs[runID] = nil
            received[runID] = nil
            commitments[runID] = nil
            joined[runID] = nil
            pads[runID] = nil
        }
    }

    /// The signing key, for checkpoints signed through the ledger actor (module-internal).
    nonisolated var signingKey: Ed25519.PrivateKey { key }

    /// Receives its key share of a Paillier key ceremony.
    /// - Parameters:
    ///   - share: The share (its index is this member's party id in runs).
    ///   - ceremony: The ceremony id on the ledger.
    public func receiveKeyShare(_ share: Paillier.KeyShare, ceremony: LedgerHash) {
        keyShares[ceremony] = share
    }

    /// Whether it holds a share of `ceremony`'s key.
    /// - Parameter ceremony: The ceremony id.
    /// - Returns: True if it does.
    public func holdsKeyShare(of ceremony: LedgerHash) -> Bool { keyShares[ceremony] != nil }

    /// Compiles the run's contract itself from the ledger, validates its data, runs the local
    /// plan inside the member, derives its protocol input and commits to it. Nothing leaves the
    /// member if validation fails.
    /// - Parameters:
    ///   - runID: The run (started on `ledger`).
    ///   - ledger: The ledger the member reads the run and its approved contract from.
    ///   - party: Its party id in the run.
    ///   - members: The session's member count (for the no-wrap bound).
    ///   - deadline: When the local plan must have finished (nil: no deadline).
    /// - Returns: The commitment and how the plan ran.
    /// - Throws: ``RuntimeError`` `contractNotActive` (the ledger's source is not the run's
    ///   contract), `inputRejected` (wrapping the `DataSourceError`), `deadlineExceeded` or
    ///   `valueOutOfRange`.
    public func prepare(
        runID: LedgerHash, on ledger: any LedgerAccess, party: PartyID, members: Int,
        deadline: ContinuousClock.Instant? = nil
    ) async throws -> PreparedInput {
        // Once per run: a second preparation would replace the input and opening it committed to.
        guard runs[runID] == nil, !preparing.contains(runID) else {
            throw RuntimeError(.invalidParticipants, "already prepared run \(runID.hex.prefix(16))…", member: name)
        }
        // Marked before any suspension, so a second call for the run meanwhile is refused.
        preparing.insert(runID)
        defer { preparing.remove(runID) }
        let state = await ledger.state
        forgetClosedRuns(in: state)
        // A closed run takes no more inputs (and what this member held of it may be forgotten).
        if let status = state.runs[runID]?.status, status != .open {
            throw RuntimeError(.invalidParticipants, "run \(runID.hex.prefix(16))… is \(status.rawValue); it takes no more inputs", member: name)
        }
        let run = try await compileContract(of: runID, on: ledger)
        // The least contributors a result may have is the contract's, not the coordinator's word.
        let least = max(RunStart.leastContributors, UInt32(clamping: run.compiled.contract.minimumParticipants ?? 0))
        if let declared = state.runs[runID]?.minimumContributors, declared < least {
            throw RuntimeError(
                .invalidParticipants,
                "refuses run \(runID.hex.prefix(16))…: it accepts a result of \(declared) contributors; its contract requires \(least)",
                member: name)
        }
        // Its seat in the run is the ledger's, not the coordinator's word.
        let seat = Int(party.rawValue) - 1
        guard run.participants.indices.contains(seat), run.participants[seat] == name, members == run.participants.count else {
            throw RuntimeError(
                .invalidParticipants,
                "refuses run \(runID.hex.prefix(16))…: it is not party \(party.rawValue) of \(members) in the run's participants on the ledger",
                member: name)
        }
        let (compiled, plan) = (run.compiled, run.plan)
        let source: any DataSource
        switch data {
        case .none:
            throw RuntimeError(.inputRejected, "has no data source", member: name)
        case .source(let s):
            source = s
        case .configuration(let configuration):
            do {
                source = try configuration.source(for: compiled.contract.input)
            } catch {
                throw RuntimeError(.inputRejected, "\(error)", member: name, cause: error)
            }
        }
        let execution: LocalExecution
        do {
            execution = try await source.execute(compiled.localPlan, strategy: .automatic, deadline: deadline)
        } catch let error as DataSourceError where error.code == .deadlineExceeded {
            throw RuntimeError(.deadlineExceeded, "\(error)", member: name, cause: error)
        } catch {
            throw RuntimeError(.inputRejected, "\(error)", member: name, cause: error)
        }
        let input: [UInt64]
        do {
            input = try plan.protocolInput(partials: execution.partials, members: members)
        } catch {
            throw RuntimeError(error.code, error.message, member: name)
        }
        var generator = SecureRandomGenerator()
        let (commitment, nonce) = HashCommitment.commit(
            to: Member.committedBytes(runID: runID, member: name, party: party, input: input), using: &generator)
        let committed = try LedgerHash(commitment)
        inputs[runID] = input
        openings[runID] = nonce
        commitments[runID] = committed
        runs[runID] = run
        return PreparedInput(commitment: committed, execution: execution.path)
    }

    /// Records its `input-committed` entry for a run it prepared, with the commitment it computed.
    /// - Parameters:
    ///   - runID: The run.
    ///   - ledger: The ledger.
    /// - Returns: The entry's index.
    /// - Throws: ``RuntimeError`` `invalidParticipants` for a run it did not prepare, `ledgerFailure`.
    @discardableResult
    public func commit(runID: LedgerHash, on ledger: any LedgerAccess) async throws -> UInt64 {
        guard let commitment = commitments[runID] else {
            throw RuntimeError(.invalidParticipants, "has no prepared input for run \(runID.hex.prefix(16))…", member: name)
        }
        return try await author(.inputCommitted(InputCommitment(runID: runID, commitment: commitment)), on: ledger)
    }

    /// A session this member joined: its plan, its seat and its mailbox.
    private struct JoinedSession {
        var plan: SessionPlan
        var party: PartyID
        var mailbox: any Mailbox
    }

    private var commitments: [LedgerHash: LedgerHash] = [:]
    private var preparing: Set<LedgerHash> = []
    private var joined: [LedgerHash: JoinedSession] = [:]

    /// Derives the run's session from the ledger itself (``SessionPlan/derive(runID:state:vectorLength:terms:policy:)``),
    /// registers the roster with its transport and opens its mailbox.
    /// Before anything is sent, it draws a fresh seed per restricted output group of the run
    /// (``AggregationPlan/restrictedGroups(participants:state:)``, from its own ledger), keeps the
    /// pads it will add to its protocol input, and hands each seed to every other member of its
    /// group through `courier`, never through the coordinator (protocols/runtime.md#output-pads).
    /// A seed that cannot be delivered costs that recipient its view (it refuses to assemble it),
    /// never the run and never a value: the member pads its input all the same.
    /// - Parameters:
    ///   - runID: A run it prepared.
    ///   - terms: The session terms.
    ///   - ledger: Its ledger.
    ///   - transport: Its transport.
    ///   - policy: The parameters it accepts.
    ///   - courier: How its pad seeds reach their recipients (nil: they reach none).
    /// - Throws: ``RuntimeError`` when it refuses the terms or the mailbox cannot be opened.
    public func join(
        runID: LedgerHash, terms: SessionTerms, on ledger: any LedgerAccess, transport: any Transport, policy: ParameterPolicy,
        courier: (any PadSeedCourier)? = nil
    ) async throws {
        guard let prepared = runs[runID] else {
            throw RuntimeError(.invalidParticipants, "is asked to join run \(runID.hex.prefix(16))… it did not prepare", member: name)
        }
        let state = await ledger.state
        let plan: SessionPlan
        do {
            plan = try SessionPlan.derive(runID: runID, state: state, vectorLength: prepared.plan.vectorLength, terms: terms, policy: policy)
        } catch {
            throw RuntimeError(error.code, "refuses to join: \(error.message)", member: name)
        }
        guard let run = state.runs[runID], let seat = run.participants.firstIndex(of: name) else {
            throw RuntimeError(.invalidParticipants, "is not a participant of run \(runID.hex.prefix(16))…", member: name)
        }
        // Who receives which output is decided by the members and roles as the run started; a
        // run they changed under would pad for groups its recipients no longer agree on.
        try Self.checkMembershipUnchanged(since: run, in: state, member: name)
        let party = PartyID(UInt32(seat + 1))
        try await drawPads(runID: runID, plan: prepared.plan, participants: run.participants, state: state, courier: courier)
        try await transport.register(session: plan.sessionID, roster: SessionPlan.roster(of: run))
        let mailbox = try await transport.open(session: plan.sessionID, party: party)
        joined[runID] = JoinedSession(plan: plan, party: party, mailbox: mailbox)
    }

    /// Refuses a run the consortium's members or contract roles changed under (a
    /// membership, roles or quorum entry after its `run-started`): its recipient groups would no
    /// longer be the ones its participants padded for (protocols/runtime.md#output-pads).
    /// - Throws: ``RuntimeError`` `invalidParticipants`.
    static func checkMembershipUnchanged(since run: ConsortiumState.Run, in state: ConsortiumState, member: String?) throws(RuntimeError) {
        guard state.membershipChangedAt < run.startedAt else {
            throw RuntimeError(
                .invalidParticipants,
                "the consortium's members or contract roles changed (entry \(state.membershipChangedAt)) after run \(run.runID.hex.prefix(16))… started; the run cannot go on under them",
                member: member)
        }
    }

    /// The bytes an input commitment binds: `"covenant/runtime/input/v1" ‖ runID ‖ u32 party ‖
    /// u32 len ‖ name ‖ u32 L ‖ L × u64` (big-endian). Spec: protocols/runtime.md#commitments.
    /// - Parameters:
    ///   - runID: The run.
    ///   - member: The member's name.
    ///   - party: Its party id.
    ///   - input: Its protocol input.
    /// - Returns: The committed bytes.
    public static func committedBytes(runID: LedgerHash, member: String, party: PartyID, input: [UInt64]) -> [UInt8] {
        var bytes = Array("covenant/runtime/input/v1".utf8) + runID.bytes
        func u32(_ v: UInt32) { bytes += [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }
        u32(party.rawValue)
        let nameBytes = Array(member.utf8)
        u32(UInt32(nameBytes.count))
        bytes += nameBytes
        u32(UInt32(input.count))
        for word in input {
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return bytes
    }

    /// The opening of its input commitment for `runID` (the member keeps it; protocols/runtime.md#commitments).
    /// - Parameter runID: The run.
    /// - Returns: The input and nonce, if it committed.
    public func commitmentOpening(for runID: LedgerHash) -> (input: [UInt64], nonce: [UInt8])? {
        guard let input = inputs[runID], let nonce = openings[runID] else { return nil }
        return (input, nonce)
    }

    /// Runs its protocol machine for the session it joined to its end.
    /// - Parameters:
    ///   - runID: The run (its prepared input and joined session).
    ///   - transport: The transport.
    ///   - roundTimeout: Its per-round deadline.
    /// - Returns: Its report.
    public func participate(runID: LedgerHash, transport: any Transport, roundTimeout: Duration) async -> PartyReport<AggregateOutput> {
        guard let session = joined.removeValue(forKey: runID) else {
            return PartyReport(party: .aggregator, ending: .failed("\(name) did not join run \(runID.hex.prefix(16))…"), sentDigests: [], ignored: [])
        }
        let report = await drive(
            session.plan, as: session.party, runID: runID, transport: transport, mailbox: session.mailbox, roundTimeout: roundTimeout)
        // What this member received itself: the only thing it will endorse a result against.
        if case .output(let output) = report.ending { received[runID] = output }
        return report
    }

    private func drive(
        _ session: SessionPlan, as party: PartyID, runID: LedgerHash, transport: any Transport, mailbox: any Mailbox,
        roundTimeout: Duration
    ) async -> PartyReport<AggregateOutput> {
        guard let committed = inputs[runID], let plan = runs[runID]?.plan else {
            return PartyReport(party: party, ending: .failed("no prepared input"), sentDigests: [], ignored: [])
        }
        // The commitment binds the input; the protocol carries it padded on the restricted slots.
        let outputPads = pads.removeValue(forKey: runID) ?? []
        let input = plan.padded(committed, with: outputPads)
        var generator = SecureRandomGenerator()
        do {
            switch session {
            case .additive(let configuration):
                let machine = try AdditiveStateMachine(configuration: configuration, party: party, input: input, using: &generator)
                let report = await ProtocolDriver.drive(
                    machine, peers: configuration.members.filter { $0 != party }, session: configuration.sessionID,
                    mailbox: mailbox, transport: transport, roundTimeout: roundTimeout,
                    decode: { bytes throws(MPCProtocolError) in try AdditiveMessage(wireEncoded: bytes) })
                return report.mapOutput { AggregateOutput(sum: $0, contributors: configuration.members, decryptors: [], faultyKeyHolders: []) }
            case .secagg(let configuration):
                let machine = try SecAggMemberStateMachine(
                    configuration: configuration, party: party, input: input,
                    signingKey: configuration.signatureKeys == nil ? nil : key, using: &generator)
                let report = await ProtocolDriver.drive(
                    machine, peers: [configuration.aggregator], session: configuration.sessionID,
                    mailbox: mailbox, transport: transport, roundTimeout: roundTimeout,
                    decode: { bytes throws(MPCProtocolError) in try SecAggMessage(wireEncoded: bytes) })
                return report.mapOutput { AggregateOutput(sum: $0.sum, contributors: $0.contributors, decryptors: [], faultyKeyHolders: []) }
            case .paillier(let configuration, let ceremony):
                let machine = try PaillierMemberStateMachine(
                    configuration: configuration, party: party, input: input, keyShare: keyShares[ceremony], signingKey: key,
                    using: &generator)
                let report = await ProtocolDriver.drive(
                    machine, peers: [configuration.aggregator], session: configuration.sessionID,
                    mailbox: mailbox, transport: transport, roundTimeout: roundTimeout,
                    decode: { bytes throws(MPCProtocolError) in try PaillierAggregationMessage(wireEncoded: bytes) })
                return report.mapOutput {
                    AggregateOutput(sum: $0.sum, contributors: $0.contributors, decryptors: $0.decryptors, faultyKeyHolders: $0.faultyKeyHolders)
                }
            case .beaver(let configuration, let insecureDealer):
                guard let circuit = runs[runID]?.compiled.circuit else {
                    return PartyReport(party: party, ending: .failed("no compiled contract"), sentDigests: [], ignored: [])
                }
                return await BeaverSession.drive(
                    configuration, insecureDealer: insecureDealer, party: party, circuit: circuit, input: input,
                    outputPads: outputPads.isEmpty ? nil : outputPads, mailbox: mailbox, transport: transport, roundTimeout: roundTimeout)
            }
        } catch {
            return PartyReport(party: party, ending: .failed("the protocol machine could not be created: \(error)"), sentDigests: [], ignored: [])
        }
    }

    /// Receives its view of a run's result, after checking it against its own ledger
    /// (``checkView(of:outputs:on:)``).
    /// - Parameters:
    ///   - view: The outputs revealed to it.
    ///   - ledger: Its own ledger.
    /// - Throws: ``RuntimeError`` when the view holds an output the ledger does not grant it.
    public func receive(_ view: MemberView, on ledger: any LedgerAccess) async throws {
        try await checkView(of: view.runID, outputs: view.result.outputNames, on: ledger)
        views[view.runID] = view
    }

    /// Checks a view offered to this member against its own ledger: the run is published there,
    /// and every output in the view is revealed to this member under the contract the member
    /// compiles itself from the ledger and the contract roles its ledger records
    /// (``ResultDisclosure``). A coordinator's word makes no member a recipient.
    /// - Parameters:
    ///   - runID: The run.
    ///   - outputs: The outputs the view holds.
    ///   - ledger: Its own ledger.
    /// - Throws: ``RuntimeError`` `invalidParticipants` (the run is not published, or an output
    ///   is not revealed to this member) or `contractNotActive` (the contract does not compile).
    public func checkView(of runID: LedgerHash, outputs: [String], on ledger: any LedgerAccess) async throws {
        let state = await ledger.state
        guard state.runs[runID]?.status == .published else {
            throw RuntimeError(.invalidParticipants, "a view comes only after its run's result is on the ledger", member: name)
        }
        let run: PreparedRun
        if let prepared = runs[runID] { run = prepared } else { run = try await compileContract(of: runID, on: ledger) }
        try ResultDisclosure(plan: run.plan, participants: run.participants, state: state).checkView(outputs: outputs, for: name, runID: runID)
    }

    /// Its view of a run, if the run published a result.
    /// - Parameter runID: The run.
    /// - Returns: The view.
    public func view(of runID: LedgerHash) -> MemberView? { views[runID] }
}

extension PartyReport {
    func mapOutput<T: Sendable>(_ transform: (Output) -> T) -> PartyReport<T> {
        let mapped: PartyEnding<T>
        switch ending {
        case .output(let value): mapped = .output(transform(value))
        case .finished: mapped = .finished
        case .aborted(let reason): mapped = .aborted(reason)
        case .rejected(let from, let error): mapped = .rejected(from: from, error: error)
        case .disconnected: mapped = .disconnected
        case .stalled(let round): mapped = .stalled(round: round)
        case .failed(let reason): mapped = .failed(reason)
        case .cancelled: mapped = .cancelled
        }
        return PartyReport<T>(
            party: party, ending: mapped, sentDigests: sentDigests, ignored: ignored, bytesSent: bytesSent, roundsSent: roundsSent)
    }
}
