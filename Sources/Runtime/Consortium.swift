public import Circuit
public import CircuitCompiler
public import ConsortiumLedger
import ContractLanguage
import CryptoPrimitives
import DataSources
import MultiPrecision
import Foundation
import MPCProtocols
public import PaillierEncryption
import WireFormat

/// A one-process consortium: member actors, the ledger they share, and a transport between them.
/// It founds the ledger, takes contracts through their lifecycle (propose, approve at quorum,
/// activate), holds key ceremonies, and runs contracts end to end. Spec: protocols/runtime.md.
public actor Consortium {
    /// The consortium's name (the genesis entry's).
    public nonisolated let name: String
    /// The members in roster order.
    public nonisolated let members: [Member]
    /// The ledger.
    public nonisolated let ledger: LedgerService
    /// The default transport.
    public nonisolated let transport: any Transport
    /// The parameters it accepts for key ceremonies and runs (``ParameterPolicy/production``
    /// unless a test or a configuration says `insecureTestParameters`).
    public nonisolated let parameters: ParameterPolicy

    /// A Paillier key ceremony held in this process: its ledger id, public key and key holders.
    public struct KeyCeremonyRecord: Sendable {
        /// A record.
        /// - Parameters:
        ///   - id: The ceremony id.
        ///   - publicKey: The public key.
        ///   - holders: The holders in share order.
        public init(id: LedgerHash, publicKey: Paillier.ThresholdPublicKey, holders: [String]) {
            self.id = id
            self.publicKey = publicKey
            self.holders = holders
        }

        /// The ceremony id on the ledger.
        public var id: LedgerHash
        /// The threshold public key.
        public var publicKey: Paillier.ThresholdPublicKey
        /// The key holders in share order (share `i` belongs to `holders[i − 1]`).
        public var holders: [String]
    }

    /// The latest key ceremony, if any.
    public private(set) var ceremony: KeyCeremonyRecord?

    /// A consortium over an existing or empty ledger (call ``found(quorum:)`` for an empty one).
    /// - Parameters:
    ///   - name: The consortium's name.
    ///   - members: The members in roster order.
    ///   - ledger: The ledger.
    ///   - transport: The transport (default: an in-memory one without faults).
    public init(
        name: String, members: [Member], ledger: LedgerService, transport: any Transport = InMemoryTransport(),
        parameters: ParameterPolicy = .production
    ) {
        self.parameters = parameters
        self.name = name
        self.members = members
        self.ledger = ledger
        self.transport = transport
    }

    /// The member called `name`.
    /// - Parameter name: The name.
    /// - Returns: The member, if any.
    public nonisolated func member(named name: String) -> Member? { members.first { $0.name == name } }

    // MARK: Founding and contract lifecycle

    /// Writes the genesis entry: every member with its ledger roles, and the quorum.
    /// - Parameter quorum: Distinct voting members needed to approve a contract version.
    /// - Throws: ``RuntimeError`` `ledgerFailure` (e.g. no sequencer, quorum out of range).
    public func found(quorum: Int) async throws {
        guard let founder = members.first(where: { $0.ledgerRoles.contains(.sequencer) }) ?? members.first else {
            throw RuntimeError(.invalidParticipants, "a consortium needs at least one member")
        }
        let genesis = Genesis(
            consortium: name, nonce: SecureRandom.bytes(count: 16), members: members.map(\.ledgerMember),
            quorum: UInt32(max(0, quorum)))
        try await ledger.found(genesis, founder: founder.name, key: founder.signingKey)
    }

    /// The reason recorded on a run that its coordinator left open.
    public static let abandonedRunReason = "coordinator ended without closing the run"

    /// Closes every run that is started but neither published nor aborted with a `run-aborted`
    /// entry giving ``abandonedRunReason``. Call it only where no run of this process is in
    /// progress, right after opening the ledger (``ConsortiumConfiguration/open()`` does): the
    /// ledger's writer lock then guarantees that such a run's coordinator is gone
    /// (protocols/runtime.md#abandoned-runs). The abort is authored by the first participant of
    /// the run whose key this consortium holds, else by its first voting member.
    /// - Returns: The runs closed, in start order; a run no member here may abort stays open
    ///   (the audit and `covenant ledger show` list it).
    /// - Throws: ``RuntimeError`` `ledgerFailure` if the ledger refuses an abort.
    @discardableResult
    public func closeAbandonedRuns() async throws -> [LedgerHash] {
        let state = await ledger.state
        func recorded(_ member: Member) -> Bool { state.members[member.name]?.publicKey == member.publicKey }
        var closed: [LedgerHash] = []
        for run in state.runs.values.filter({ $0.status == .open }).sorted(by: { $0.startedAt < $1.startedAt }) {
            let participant = run.participants.lazy.compactMap { self.member(named: $0) }.first(where: recorded)
            let voter = members.first { recorded($0) && state.members[$0.name]?.roles.contains(.voting) == true }
            guard let author = participant ?? voter else { continue }
            try await author.author(.runAborted(RunAbort(runID: run.runID, reason: Self.abandonedRunReason)), on: ledger)
            closed.append(run.runID)
        }
        return closed
    }

    /// Proposes a contract version, has `approvers` approve it, and activates it (protocols/ledger.md
    /// lifecycle rules L6–L8). An active version of the same contract name becomes its predecessor.
    /// - Parameters:
    ///   - compiled: The contract.
    ///   - proposer: The proposing member (default: the first member).
    ///   - approvers: The approving voting members (default: the first `quorum` voting members).
    /// - Returns: The ledger indices of the proposal, approvals and activation.
    /// - Throws: ``RuntimeError`` `ledgerFailure` (e.g. below quorum).
    @discardableResult
    public func adopt(_ compiled: CompiledContract, proposer: String? = nil, approvers: [String]? = nil) async throws -> [UInt64] {
        let state = await ledger.state
        let versionID = try LedgerHash(compiled.contractID)
        if let existing = state.contracts[versionID], existing.status == .active { return [] }
        guard let author = proposer == nil ? members.first : member(named: proposer!) else {
            throw RuntimeError(.invalidParticipants, "no member \(proposer ?? "") to propose the contract")
        }
        var indices: [UInt64] = []
        if state.contracts[versionID] == nil {
            let predecessor = state.contracts.values.first {
                $0.name == compiled.contract.syntax.name.text && $0.status == .active
            }?.versionID
            let proposal = ContractProposal(
                versionID: versionID, name: compiled.contract.syntax.name.text,
                source: Array(compiled.canonicalText.utf8), predecessor: predecessor)
            indices.append(try await author.author(.contractProposed(proposal), on: ledger))
        }
        let voting = members.filter { $0.ledgerRoles.contains(.voting) }
        let chosen = try approvers.map { names in
            try names.map { name in
                guard let m = member(named: name) else { throw RuntimeError(.invalidParticipants, "no member \(name)") }
                return m
            }
        } ?? Array(voting.prefix(state.quorum))
        let already = Set((await ledger.state).contracts[versionID]?.approvals ?? [])
        for approver in chosen where !already.contains(approver.name) {
            indices.append(try await approver.author(.contractApproved(versionID: versionID), on: ledger))
        }
        indices.append(try await author.author(.contractActivated(versionID: versionID), on: ledger))
        return indices
    }

    /// Holds a Paillier key ceremony: `dealer` deals a `threshold`-of-ℓ key to the key holders
    /// (default: every member with data, in roster order), records the public key and verification
    /// keys on the ledger, and hands each holder its share. The dealer erases the key afterwards
    /// (nothing keeps it here). Spec: protocols/runtime.md#key-ceremony.
    /// - Parameters:
    ///   - bits: The modulus size (2048 or more outside tests).
    ///   - threshold: Shares needed to decrypt; nil: `⌊ℓ/2⌋ + 1`.
    ///   - holders: Key holders by name, in share order.
    ///   - dealer: The dealing member (default: the first holder).
    /// - Returns: The ceremony.
    /// - Throws: ``RuntimeError``.
    @discardableResult
    public func holdKeyCeremony(
        bits: Int, threshold: Int? = nil, holders: [String]? = nil, dealer: String? = nil
    ) async throws -> KeyCeremonyRecord {
        let names = holders ?? members.filter(\.hasData).map(\.name)
        let t = threshold ?? (names.count / 2 + 1)
        var generator = SecureRandomGenerator()
        let dealt: (publicKey: Paillier.ThresholdPublicKey, shares: [Paillier.KeyShare])
        do {
            dealt = try Paillier.dealThresholdKey(bits: bits, threshold: t, parties: names.count, using: &generator)
        } catch {
            throw RuntimeError(.missingKeyCeremony, "the key ceremony failed: \(error)", cause: error)
        }
        return try await recordKeyCeremony(publicKey: dealt.publicKey, shares: dealt.shares, holders: names, dealer: dealer)
    }

    /// Records a key dealt elsewhere (e.g. from test-vector primes) as a key ceremony and hands
    /// out its shares.
    /// - Parameters:
    ///   - publicKey: The threshold public key.
    ///   - shares: The shares, share `i` for `holders[i − 1]`.
    ///   - holders: The key holders.
    ///   - dealer: The member that records the ceremony (default: the first holder).
    /// - Returns: The ceremony.
    /// - Throws: ``RuntimeError``.
    @discardableResult
    public func recordKeyCeremony(
        publicKey: Paillier.ThresholdPublicKey, shares: [Paillier.KeyShare], holders: [String], dealer: String? = nil
    ) async throws -> KeyCeremonyRecord {
        guard shares.count == holders.count, publicKey.parties == holders.count else {
            throw RuntimeError(.missingKeyCeremony, "a key ceremony needs one share per key holder")
        }
        try parameters.checkPaillier(
            bits: publicKey.publicKey.n.bitWidth, threshold: publicKey.threshold, holders: publicKey.parties)
        let holderMembers = try holders.map { name in
            guard let m = member(named: name) else { throw RuntimeError(.invalidParticipants, "no member \(name)") }
            return m
        }
        guard let author = dealer == nil ? holderMembers.first : member(named: dealer!) else {
            throw RuntimeError(.invalidParticipants, "no member to record the key ceremony")
        }
        let record = KeyCeremony(
            scheme: ParameterPolicy.schemeLabel(of: publicKey),
            publicKey: publicKey.wireEncoded(),
            verificationKeys: publicKey.verificationKeys.map(\.bigEndianMagnitude), holders: holders)
        try await author.author(.keyCeremony(record), on: ledger)
        for (member, share) in zip(holderMembers, shares) {
            await member.receiveKeyShare(share, ceremony: record.ceremonyID)
        }
        let result = KeyCeremonyRecord(id: record.ceremonyID, publicKey: publicKey, holders: holders)
        ceremony = result
        return result
    }

    /// Signs a checkpoint as the sequencer and has every voting member cosign it.
    /// - Returns: Whether it is final.
    /// - Throws: ``RuntimeError`` `ledgerFailure`.
    @discardableResult
    public func checkpoint() async throws -> Bool {
        guard let sequencer = members.first(where: { $0.ledgerRoles.contains(.sequencer) }) else {
            throw RuntimeError(.ledgerFailure, "no member holds the sequencer role")
        }
        let cosigners = members.filter { $0.ledgerRoles.contains(.voting) }.map { (name: $0.name, key: $0.signingKey) }
        return try await ledger.checkpoint(sequencer: (sequencer.name, sequencer.signingKey), cosigners: cosigners)
    }

    /// Audits the ledger.
    /// - Returns: The auditor's report.
    public func audit() async -> AuditReport { await ledger.fullAudit() }

    // MARK: Runs

    /// Resolves the protocol of a run: the contract's, or for `protocol auto` the requested one or
    /// the cheapest that covers the circuit, with the reason.
    /// - Parameters:
    ///   - compiled: The contract.
    ///   - requested: A protocol asked for by the run.
    /// - Returns: The protocol and why.
    /// - Throws: ``RuntimeError`` `protocolNotAllowed`.
    public static func resolveProtocol(
        _ compiled: CompiledContract, requested: ProtocolFamily?
    ) throws(RuntimeError) -> (family: ProtocolFamily, reason: String) {
        let gates = compiled.circuit.gates.count
        let joint = compiled.jointCapabilities
        let opened = compiled.opening.openedWires.count
        let what =
            compiled.opening.opensOutputsOnly
            ? "the circuit's \(gates) gates are all linear (sums and public-constant multiples)"
            : "with 'disclose sums' the members compute only the \(opened) sums below the opening frontier on secrets (linear), and the rest of the circuit's \(gates) gates in the clear"
        let onShares = "the members evaluate the whole circuit's \(gates) gates on secret shares and open only the outputs"
        switch compiled.contract.protocolChoice {
        case .auto:
            if let requested {
                return (requested, "the contract says protocol auto; this run uses \(requested.rawValue), as requested (\(requested == .beaver ? onShares : what))")
            }
            let family = compiled.protocolFamily
            guard joint.isSubset(of: [.linear]), family != .beaver else {
                let needs = joint.subtracting([.linear]).map(\.rawValue).sorted().joined(separator: ", ")
                let opcodes = Set(compiled.circuit.gates.map(\.opcode).filter { $0.capability != .linear }.map(\.rawValue)).sorted()
                return (
                    .beaver,
                    "protocol auto chose beaver: the circuit needs \(needs) on secrets (its \(opcodes.joined(separator: ", ")) gates), which only beaver provides; \(onShares)"
                )
            }
            return (family, "protocol auto chose \(family.rawValue): \(what), and \(family.rawValue) is the cheapest protocol that evaluates them (seed-expanded shares, three message hops, no big-integer work); it needs every member to the end — use secagg to tolerate dropouts or paillier for publicly verifiable decryption")
        default:
            let named = compiled.protocolFamily
            if let requested, requested != named {
                throw RuntimeError(
                    .protocolNotAllowed,
                    "contract \(compiled.contract.syntax.name.text) names protocol \(named.rawValue); a run may not substitute \(requested.rawValue) (the approved contract fixes its protocol; only 'protocol auto' leaves the choice to the run)")
            }
            return (named, "the contract names protocol \(named.rawValue)")
        }
    }

    /// The implemented protocols that can run a contract, or why none can (for `covenant contract
    /// check`; the same rules `run` applies before anything is recorded).
    /// - Parameter compiled: The contract.
    /// - Returns: The protocols in cost order, and the reasons when the list is empty.
    public static func runnableProtocols(_ compiled: CompiledContract) -> (protocols: [ProtocolFamily], reasons: [String]) {
        let aggregation = AggregationPlan.unsupportedReasons(compiled)
        switch compiled.contract.protocolChoice {
        case .auto:
            // Beaver evaluates every gate of the opcode table on shares.
            return ((aggregation == nil ? [.additive, .secagg, .paillier] : []) + [.beaver], [])
        case .beaver:
            return ([.beaver], [])
        default:
            return aggregation.map { ([], $0) } ?? ([compiled.protocolFamily], [])
        }
    }

    /// Runs an active contract version end to end: checks → `run-started` → each member validates
    /// its data and computes its partials → `input-committed` per member → the protocol → reveal
    /// → `result-published` (or `run-aborted` with the reason, on any fault after the run started:
    /// never a wrong number). Spec: protocols/runtime.md#run-lifecycle.
    /// - Parameters:
    ///   - compiled: The contract.
    ///   - options: Protocol, participants, deadlines, transport.
    /// - Returns: The report (published or aborted).
    /// - Throws: ``RuntimeError`` when the run is refused before it starts (unsupported contract,
    ///   protocol not allowed, version not active, too few participants, no key ceremony); nothing
    ///   is written to the ledger then.
    public func run(_ compiled: CompiledContract, options: RunOptions = RunOptions()) async throws -> RunReport {
        let participantNames = options.participants ?? members.filter { $0.hasData && $0.ledgerRoles.contains(.participant) }.map(\.name)
        let participants = try participantNames.map { name in
            guard let m = member(named: name) else { throw RuntimeError(.invalidParticipants, "no member \(name) in the consortium") }
            guard m.ledgerRoles.contains(.participant) else {
                throw RuntimeError(.invalidParticipants, "member \(name) lacks the participant role")
            }
            return m
        }
        guard let first = participants.first else {
            throw RuntimeError(.invalidParticipants, "the aggregation protocols need at least 2 participants; this run has 0")
        }
        let transport = options.transport ?? self.transport
        let courier = LocalCourier(members: members, ledger: ledger)
        let local = { (member: Member) in
            LocalParticipant(member: member, ledger: self.ledger, transport: transport, policy: self.parameters, courier: courier)
        }
        // The first participant coordinates: it starts the run and hosts the aggregator.
        let coordinator = RunCoordinator(
            coordinator: first, ledger: ledger, transport: transport, parameters: parameters,
            checkpoint: { _ = try? await self.checkpoint() })
        return try await coordinator.run(
            compiled, participants: participants.map(local), recipients: members.map(local), ceremony: ceremony, options: options)
    }

    /// `SHA-256("covenant/runtime/transcript/v1" ‖ the distinct SHA-256 digests of every message
    /// any party sent, sorted)`: independent of delivery order and of injected duplicates.
    /// - Parameter digests: The digests.
    /// - Returns: The transcript hash.
    public static func transcriptHash(_ digests: [[UInt8]]) -> LedgerHash {
        let unique = Set(digests.map { $0 }).sorted { $0.lexicographicallyPrecedes($1) }
        var bytes = Array("covenant/runtime/transcript/v1".utf8)
        for digest in unique { bytes += digest }
        return LedgerHash.sha256(bytes)
    }
}

extension ContractResult {
    /// This result and `other` (another view of the same run) together: each group's outputs of
    /// both, suppressed if either says so, the outputs in `order`.
    /// - Parameters:
    ///   - other: Another view of the same run (the same groups, in the same order).
    ///   - order: Every output name, in the contract's order.
    /// - Returns: The union.
    public func merging(_ other: ContractResult, order: [String]) -> ContractResult {
        let names = Set(outputNames + other.outputNames)
        return ContractResult(
            contract: contract, version: version, keyNames: keyNames, outputNames: order.filter(names.contains),
            groups: zip(groups, other.groups).map { mine, theirs in
                let suppressed = mine.suppressed || theirs.suppressed
                return GroupResult(
                    key: mine.key, suppressed: suppressed,
                    outputs: suppressed ? [:] : mine.outputs.merging(theirs.outputs) { first, _ in first })
            })
    }

    /// The same result with only `outputs` kept (suppressed groups stay suppressed).
    /// - Parameter outputs: Output names to keep.
    /// - Returns: The restricted result.
    public func restricted(to outputs: [String]) -> ContractResult {
        let keep = Set(outputs)
        return ContractResult(
            contract: contract, version: version, keyNames: keyNames, outputNames: outputNames.filter(keep.contains),
            groups: groups.map { group in
                GroupResult(key: group.key, suppressed: group.suppressed, outputs: group.outputs.filter { keep.contains($0.key) })
            })
    }
}

/// Pad seeds in one process: a direct call on the recipient member, which checks the run on its
/// ledger (protocols/runtime.md#output-pads). The seed's sender stands for the caller, as the
/// one-process consortium simulates every member.
struct LocalCourier: PadSeedCourier {
    let members: [Member]
    let ledger: any LedgerAccess

    func deliver(_ seed: PadSeed, to recipient: String) async throws {
        guard let member = members.first(where: { $0.name == recipient }) else {
            throw RuntimeError(.invalidParticipants, "no member \(recipient) in the consortium")
        }
        try await member.acceptPadSeed(seed, from: seed.sender, on: ledger)
    }
}
