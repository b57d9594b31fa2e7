import Circuit
import CircuitCompiler
import ConsortiumLedger
import CryptoPrimitives
import DataSources
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging
import MPCProtocols
import NIOCore
import NIOPosix
import NIOSSL
import Runtime
import WireFormat

/// One member's node (`covenant node run`): it holds only its own member's signing key and key
/// shares, runs its local plans on its own data, keeps its own replica of the ledger, takes part
/// in runs other members coordinate, coordinates the runs its operators ask for, and serves its
/// operators on a separate, mutually authenticated admin listener. Spec: protocols/node.md.
public actor MemberNode {
    /// The settings.
    public nonisolated let settings: NodeSettings
    /// The member's name.
    public nonisolated let name: String
    /// The member (its key never leaves this process).
    nonisolated let member: Runtime.Member
    /// The transport to the other members' nodes.
    public nonisolated let transport: NodeTransport
    /// The ledger replica.
    public nonisolated let ledger: ReplicatedLedger
    nonisolated let keys: MemberKeyDirectory
    nonisolated let signingKey: Ed25519.PrivateKey
    let logger: Logger
    private var adminServer: GRPCServer<HTTP2ServerTransport.Custom<NodeListenerFactory>>?
    private var adminTask: Task<Void, Never>?
    private var adminPort: Int?
    private var background: Task<Void, Never>?
    /// The loop of calls to other nodes (housekeep).
    private var housekeeping: Task<Void, Never>?
    /// The link warm-ups started with the node (cancelled when it stops).
    private var warmups: [Task<Void, Never>] = []
    private var runsInProgress = 0
    /// Runs this process coordinates now, and how many it began (closeAbandonedRuns).
    private var coordinating = 0
    private var coordinationsStarted = 0
    /// The last ``coordinatedMemory`` runs this process coordinated (for `node status`).
    private var runsCoordinated: [(runID: LedgerHash, status: String, seconds: Double)] = []
    static let coordinatedMemory = 100
    /// This member's views, kept beside the replica across restarts.
    var views: ViewStore
    /// Views that could not be written to disk, held until the node stops (at most ``unsavedViewMemory``).
    private var unsavedViews: [LedgerHash: String] = [:]
    static let unsavedViewMemory = 256
    /// The catch-ups a `padSeed` of a run this replica does not know causes, at most one per caller
    /// and second (protocols/node.md#control-calls).
    let padSeedCatchUps = CatchUpLimiter(interval: .seconds(1))
    /// The pad seeds its member holds, kept on disk next to the replica.
    var padSeedFile: PadSeedFile
    /// Since when each coordinator of an open run this member takes part in has not answered
    /// (closeRunsOfSilentCoordinators).
    var silentCoordinators: [String: ContinuousClock.Instant] = [:]
    /// When the coordinators are pinged next.
    var coordinatorsAsked = ContinuousClock.now
    /// Until when a silent coordinator is believed alive because a witness reached it.
    var witnessedAlive: [String: ContinuousClock.Instant] = [:]
    /// As a witness (control call 16): the last ping of each member, and the one under way.
    var reachProbes: [String: (at: ContinuousClock.Instant, reached: Bool)] = [:]
    var reachInFlight: [String: Task<Bool, Never>] = [:]
    /// The member count of the last membership the registry could not follow (logged once).
    var membershipRefused = -1
    /// Checkpoint gossip: the next peer to ask, and when (gossipCheckpoint).
    var gossip = (peer: 0, next: ContinuousClock.now)
    /// Evidence copies that failed: how often, and when to try again (replicateEvidence).
    var evidenceRetries: [LedgerHash: (failures: Int, next: ContinuousClock.Instant)] = [:]
    private var stopping = false
    private var lastCheckpointSize: UInt64 = 0
    /// The consortium changes this node's operators drafted, waiting for endorsements.
    var changes: PendingChangeStore
    /// The changes whose entry this node is submitting now (so that one is submitted once).
    var submittingChanges: Set<LedgerHash> = []
    private let started = ContinuousClock.now
    /// Test hook: where the node kills itself with SIGKILL (`COVENANT_NODE_CRASH_AT`; protocols/node.md#testing-hooks).
    let crashPoint = ProcessInfo.processInfo.environment["COVENANT_NODE_CRASH_AT"]

    /// Opens a node from its settings: its keys, its pinned consortium, its replica and its data.
    /// - Parameter settings: The settings.
    /// - Throws: ``RuntimeError`` `invalidConfiguration` (keys, pin, peers), `ledgerFailure` or `ledgerBusy`.
    public init(settings: NodeSettings) async throws {
        self.settings = settings
        keys = MemberKeyDirectory(path: settings.keyDirectory)
        let (card, signingKey, _) = try keys.load()
        guard let pinned = try keys.pinnedLogID() else {
            throw Runtime.RuntimeError(.invalidConfiguration, "\(settings.keyDirectory) has not accepted a consortium yet (covenant consortium accept)")
        }
        let local = try LedgerService(path: settings.ledgerPath)
        let state = await local.state
        guard state.logID == pinned else {
            throw Runtime.RuntimeError(.invalidConfiguration, "the ledger at \(settings.ledgerPath) is not the consortium this member accepted (log id \(pinned.hex.prefix(16))…)")
        }
        await local.pin(pinned)
        guard let me = state.members[card.name], me.publicKey == card.signingKey else {
            throw Runtime.RuntimeError(.invalidConfiguration, "the ledger does not register \(card.name) with this key directory's key")
        }
        guard let sequencer = state.members.values.filter({ $0.roles.contains(.sequencer) }).map(\.name).sorted().first else {
            throw Runtime.RuntimeError(.invalidConfiguration, "the ledger names no sequencer")
        }
        name = card.name
        self.signingKey = signingKey
        let data: MemberData
        if let path = settings.dataSourcesPath {
            do { data = .configuration(try DataSourceConfiguration.load(contentsOf: path)) } catch {
                throw Runtime.RuntimeError(.invalidConfiguration, "\(error)", cause: error)
            }
        } else {
            data = .none
        }
        changes = try PendingChangeStore(file: settings.ledgerPath + ".changes", logID: pinned)
        views = ViewStore(besideLedger: settings.ledgerPath)
        padSeedFile = try PadSeedFile(file: settings.ledgerPath + ".padseeds")
        member = Runtime.Member(
            name: card.name, key: signingKey, roles: Set(me.contractRoles), ledgerRoles: me.roles, data: data)
        let directory = try MemberDirectory(registered: Array(state.members.values))
        transport = try NodeTransport(configuration: NodeConfiguration(
            identity: try NodeIdentity(member: card.name, key: signingKey), consortium: pinned.bytes, directory: directory,
            listen: settings.listen, peers: settings.peers.filter { $0.key != card.name }, limits: settings.limits))
        let transport = self.transport
        ledger = ReplicatedLedger(
            local: local, member: card.name, sequencer: sequencer, callTimeout: settings.limits.callTimeout,
            haltRecord: settings.ledgerPath + ".halted", call: { peer, request, timeout in try await transport.call(peer, request, timeout: timeout) })
        var logger = Logger(label: "covenant.node")
        logger[metadataKey: "member"] = "\(card.name)"
        self.logger = logger
    }

    // MARK: Lifecycle

    /// Starts serving members and operators, and following the sequencer.
    /// - Returns: The member and admin addresses.
    /// - Throws: ``RuntimeError`` `transportFailure` when an address cannot be bound.
    @discardableResult
    public func start() async throws -> (member: NodeAddress, admin: NodeAddress) {
        await restorePadSeeds()
        await transport.serveCalls { [weak self] request, caller in
            guard let self else { return ControlResponse.refusal(Runtime.RuntimeError(.transportFailure, "the node is stopping")) }
            return await self.handle(request, from: caller)
        }
        let memberAddress = try await transport.start()
        let adminAddress = try await startAdmin()
        background = Task { [weak self] in await self?.follow() }
        housekeeping = Task { [weak self] in await self?.housekeep() }
        connect(to: Array(settings.peers.keys))
        logger.info("node listening", metadata: ["members": "\(memberAddress)", "admin": "\(adminAddress)", "sequencer": "\(ledger.sequencer)"])
        return (memberAddress, adminAddress)
    }

    /// Stops: refuses new runs, lets runs in progress finish (up to `grace`), then closes both
    /// listeners and every link. The replica is a SQLite file committed entry by entry, so
    /// nothing is left half-written.
    /// - Parameter grace: How long to wait for runs in progress.
    public func stop(grace: Duration = .seconds(30)) async {
        stopping = true
        for warmup in warmups { warmup.cancel() }
        let deadline = ContinuousClock.now.advanced(by: grace)
        while runsInProgress > 0, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        background?.cancel()
        housekeeping?.cancel()
        if let adminServer, let adminTask {
            adminServer.beginGracefulShutdown()
            await adminTask.finish(cancellingAfter: .seconds(5))
        }
        adminServer = nil
        await transport.stop()
        logger.info("node stopped", metadata: ["runsInProgress": "\(runsInProgress)"])
    }

    /// Opens this node's links to `peers` in the background, each with a ``ControlRequest/ping``,
    /// so that a run's first messages do not wait for TLS handshakes; a peer that is down is
    /// retried with back-off until the handshake deadline, then left to the first real call
    /// (protocols/node.md#connections).
    private func connect(to peers: [String]) {
        let transport = self.transport
        let timeout = settings.limits.handshakeTimeout
        for peer in Set(peers).subtracting([name]) {
            warmups.append(Task { _ = try? await transport.call(peer, ControlRequest.ping.encoded(), timeout: timeout) })
        }
    }

    /// Closes the runs this member started that are still open while this process coordinates
    /// none: a run it coordinates is closed before its coordinator returns, so such a run was left
    /// by an earlier process that ended mid-run (protocols/node.md#runs-across-nodes). Called by
    /// the follow loop after each catch-up, so a node starts serving without waiting for the
    /// sequencer; a run it cannot close yet (the sequencer unreachable) stays open, is listed by
    /// `node status`, and is tried again.
    private func closeAbandonedRuns() async {
        let started = coordinationsStarted
        let open = await ledger.state.runs.values.filter { $0.status == .open && $0.startedBy == name }.sorted { $0.startedAt < $1.startedAt }
        // A coordination that began meanwhile may own one of these runs: leave them for the next pass.
        guard !open.isEmpty, coordinating == 0, coordinationsStarted == started else { return }
        for run in open {
            do {
                try await member.author(.runAborted(RunAbort(runID: run.runID, reason: Consortium.abandonedRunReason)), on: ledger)
                logger.warning("closed an abandoned run", metadata: ["run": "\(run.runID.hex.prefix(16))"])
            } catch {
                logger.error("could not close an abandoned run", metadata: ["run": "\(run.runID.hex.prefix(16))", "error": "\(error)"])
            }
        }
    }

    private func startAdmin() async throws -> NodeAddress {
        let operators = try MemberDirectory(settings.operators.map { (name: "operator-" + MemberCard.fingerprint(of: $0).prefix(8).replacingOccurrences(of: ":", with: ""), publicKey: $0) })
        let connections = AuthenticatedConnections(bounds: .init(pending: 64, pendingPerAddress: 16, perMember: 16))
        let sslContext: NIOSSLContext
        do {
            sslContext = try NIOSSLContext(configuration: PeerVerification.configuration(
                for: try NodeIdentity(member: name, key: signingKey), server: true))
        } catch {
            throw Runtime.RuntimeError(.invalidConfiguration, "the admin TLS context could not be built", member: name)
        }
        let factory = NodeListenerFactory(
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton, address: settings.admin, sslContext: sslContext,
            directory: operators, connections: connections, counters: NodeCounters(),
            handshakeTimeout: .nanoseconds(max(1, NodeLimits.nanoseconds(settings.limits.handshakeTimeout))))
        var config = HTTP2ServerTransport.Custom<NodeListenerFactory>.Config.defaults
        config.rpc.maxRequestPayloadSize = 1 << 20
        let serverTransport = HTTP2ServerTransport.Custom(listenerFactory: factory, config: config)
        let service = CallService(connections: connections, callTimeout: settings.limits.callTimeout) {
            [weak self] request, caller in
            guard let self else { return Array(#"{"ok":false,"code":"transport-failure","message":"the node is stopping"}"#.utf8) }
            return await self.admin(request, from: caller)
        }
        let server = GRPCServer(transport: serverTransport, services: [service])
        let task = Task { do { try await server.serve() } catch {} }
        guard let address = await serverTransport.listeningAddress, let port = address.ipv4?.port ?? address.ipv6?.port else {
            task.cancel()
            throw Runtime.RuntimeError(.transportFailure, "node \(name) could not listen for operators on \(settings.admin)", member: name)
        }
        adminServer = server
        adminTask = task
        adminPort = port
        return NodeAddress(host: settings.admin.host, port: port)
    }

    /// Keeps the replica in step with the sequencer; the sequencer checkpoints a grown log and
    /// gathers the voting members' cosignatures (protocols/node.md#ledger-replication).
    private func follow() async {
        while !Task.isCancelled {
            if ledger.isSequencer {
                await checkpointIfGrown()
            } else {
                do { try await ledger.sync() } catch let error as Runtime.RuntimeError where error.code == .replicationHalted {
                    logger.error("replication halted", metadata: ["reason": "\(error.message)"])
                    return
                } catch {
                    // Not in step with the sequencer: nothing to close from a stale replica.
                    try? await Task.sleep(for: .milliseconds(200))
                    continue
                }
            }
            await followMembershipNow()
            if !stopping { await closeAbandonedRuns() }
            try? await Task.sleep(for: .milliseconds(ledger.isSequencer ? 500 : 200))
        }
    }

    /// The work that calls other members' nodes and may wait for them (up to a call deadline
    /// each): closing a silent coordinator's runs, copying decryption evidence, checkpoint
    /// gossip. A loop of its own, so an unreachable peer never delays catching up with the
    /// sequencer or the sequencer's checkpoints.
    private func housekeep() async {
        while !Task.isCancelled {
            if !stopping {
                await closeRunsOfSilentCoordinators()
                await replicateEvidence()
                await gossipCheckpoint()
                await forgetPadSeeds(of: nil)
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Keeps the transport's member registry in step with the replica's members: a member the
    /// ledger admitted is accepted from its next handshake, one it removed is refused from now on
    /// (protocols/node.md#tls-identities-and-pinning).
    func followMembershipNow() async {
        let members = Array(await ledger.state.members.values)
        guard !transport.configuration.directory.matches(members) else { return }
        do {
            let removed = try await transport.refreshDirectory(members)
            logger.notice("member registry follows the ledger", metadata: ["members": "\(members.count)", "removed": "\(removed)"])
        } catch {
            // Logged once per membership the registry cannot follow (e.g. this member was removed).
            guard membershipRefused != members.count else { return }
            membershipRefused = members.count
            logger.error("the member registry could not follow the ledger", metadata: ["error": "\(error)"])
        }
    }

    private func checkpointIfGrown() async {
        let local = ledger.local
        let size = await local.size
        guard size > lastCheckpointSize else { return }
        do {
            let checkpoint = try await local.signCheckpoint(as: name, key: signingKey)
            let state = await local.state
            var final = false
            for voter in state.members.values.filter({ $0.roles.contains(.voting) }).map(\.name).sorted() {
                let cosignature: Cosignature
                if voter == name {
                    cosignature = Cosignature(signer: name, signature: signingKey.signature(for: checkpoint.checkpoint.cosignerMessage))
                } else {
                    guard let answer = try? await transport.call(voter, ControlRequest.cosign(checkpoint).encoded(), timeout: settings.limits.callTimeout),
                        var reader = try? ControlResponse.read(answer, from: voter, limits: .default),
                        let received = try? reader.read(Cosignature.self)
                    else { continue }
                    cosignature = received
                }
                final = (try? await local.addCosignature(cosignature, to: checkpoint)) ?? final
            }
            if final { lastCheckpointSize = size }  // not final: asked again at the next pass
            logger.debug("checkpoint", metadata: ["size": "\(size)", "final": "\(final)"])
        } catch {
            logger.warning("checkpoint failed", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Runs this node coordinates

    /// This member as a participant of the runs it coordinates.
    var local: LocalParticipant {
        LocalParticipant(member: member, ledger: ledger, transport: transport, policy: settings.parameters, courier: courier())
    }

    /// How this member's pad seeds reach their recipients' nodes: within the coordinator's seed
    /// deadline the `join` request carries (at most this node's call deadline), or half its own
    /// call deadline when it carries none, so that an unreachable recipient never makes this
    /// member miss the coordinator's `join` deadline (it loses only that recipient's view).
    /// - Parameter deadline: The coordinator's deadline, if any.
    nonisolated func courier(within deadline: Duration? = nil) -> NodeCourier {
        let bound = deadline.map { min(max($0, .zero), settings.limits.callTimeout) } ?? settings.limits.callTimeout / 2
        return NodeCourier(callTimeout: bound, wireLimits: .default, call: peerCall, logger: logger)
    }

    /// Another member's node as a participant (seat `party`) or recipient.
    func remote(_ peer: String, party: PartyID) -> RemoteParticipant {
        RemoteParticipant(name: peer, party: party, callTimeout: settings.limits.callTimeout, wireLimits: .default, call: peerCall)
    }

    /// A member control call to another member's node.
    nonisolated var peerCall: @Sendable (_ peer: String, _ request: [UInt8], _ timeout: Duration) async throws -> [UInt8] {
        let transport = self.transport
        return { peer, request, timeout in try await transport.call(peer, request, timeout: timeout) }
    }

    /// Hands the member its share of `ceremony` from its key directory, once (it holds none for a
    /// ceremony it is not a holder of).
    func loadKeyShare(of ceremony: LedgerHash) async throws {
        guard !(await member.holdsKeyShare(of: ceremony)), let share = try keys.keyShare(of: ceremony) else { return }
        await member.receiveKeyShare(share, ceremony: ceremony)
    }

    /// Runs `body` as a run in progress (refused while stopping), and records its outcome.
    func track(_ body: () async throws -> RunReport) async throws -> RunReport {
        guard !stopping else { throw Runtime.RuntimeError(.cancelled, "node \(name) is stopping; it starts no run", member: name) }
        runsInProgress += 1
        coordinating += 1
        coordinationsStarted += 1
        defer {
            runsInProgress -= 1
            coordinating -= 1
        }
        let start = ContinuousClock.now
        let report = try await body()
        let seconds = Double((ContinuousClock.now - start) / .microseconds(1)) / 1e6
        runsCoordinated.append((report.runID, report.isPublished ? "published" : "aborted", seconds))
        if runsCoordinated.count > Self.coordinatedMemory { runsCoordinated.removeFirst(runsCoordinated.count - Self.coordinatedMemory) }
        // The operator's answer carries the view all the same.
        if let view = report.views[name] { _ = keepView(view.json, run: report.runID) }
        logger.info("run ended", metadata: ["run": "\(report.runID.hex.prefix(16))", "status": "\(report.isPublished ? "published" : "aborted")"])
        return report
    }

    var runsInProgressCount: Int { runsInProgress }
    var viewCount: Int { views.kept.union(unsavedViews.keys).count }
    var uptimeSeconds: Double { Double((ContinuousClock.now - started) / .milliseconds(1)) / 1e3 }
    var coordinatedSummary: [[String: Any]] {
        runsCoordinated.map { ["run": $0.runID.hex, "status": $0.status, "seconds": $0.seconds] }
    }
    func viewJSON(_ runID: LedgerHash) -> String? { unsavedViews[runID] ?? views.view(runID) }

    /// Keeps a view on disk, else in memory until the node stops; the details of a failure go to
    /// this node's log only. Returns whether it is on disk.
    private func keepView(_ json: String, run: LedgerHash) -> Bool {
        do {
            try views.keep(json, run: run)
            unsavedViews[run] = nil
            return true
        } catch {
            logger.error("the member's view could not be written; it is held in memory until the node stops",
                         metadata: ["run": "\(run.hex.prefix(16))", "error": "\(error)"])
            if unsavedViews.count >= Self.unsavedViewMemory, let evicted = unsavedViews.keys.min() { unsavedViews[evicted] = nil }
            unsavedViews[run] = json
            return false
        }
    }

    // MARK: Member-to-member calls

    /// Answers one call from another member's node (protocols/node.md#control-calls); the
    /// transport has already refused a caller no longer registered (``CallsService``).
    func handle(_ bytes: [UInt8], from caller: String) async -> [UInt8] {
        let request: ControlRequest
        do {
            request = try ControlRequest(decoding: bytes, limits: .default)
        } catch {
            return ControlResponse.refusal(Runtime.RuntimeError(.messageRejected, "the request is malformed: \(error)"))
        }
        do {
            switch request {
            case .fetch(let from, let limit):
                return await ledger.answerFetch(from: from, limit: limit)
            case .submit(let entry):
                return await ledger.answerSubmit(entry, from: caller)
            case .cosign(let checkpoint):
                return try await cosign(checkpoint, for: caller)
            case .prepare(let runID, let party, let members, let millis):
                let run = try await coordinated(runID, by: caller)
                if !settings.participantSubsets {
                    // Two results over participant sets that differ by one member give that
                    // member's input away: only runs of every participant-role member are joined.
                    let eligible = await ledger.state.participantNames
                    guard Set(run.participants) == Set(eligible) else {
                        throw Runtime.RuntimeError(
                            .invalidParticipants,
                            "takes part only in runs of every member with the participant role (\(eligible.count)); this run has \(run.participants.count) (participantSubsets in its node configuration allows fewer)",
                            member: name)
                    }
                }
                logger.info("preparing run", metadata: ["run": "\(runID.hex.prefix(16))", "coordinator": "\(caller)"])
                let prepared: PreparedInput
                do {
                    if let ceremony = run.keyCeremony { try await loadKeyShare(of: ceremony) }
                    prepared = try await member.prepare(
                        runID: runID, on: ledger, party: PartyID(party), members: Int(members),
                        deadline: .now.advanced(by: .milliseconds(Int64(clamping: min(millis, Self.longestLocalPlanMillis)))))
                } catch let error as Runtime.RuntimeError where Self.stayInside.contains(error.code) {
                    // Where in its data or files the member's step failed (row, column, source,
                    // path) stays with the member: its operator reads it here, the coordinator
                    // gets the code.
                    logger.warning("local plan failed", metadata: ["run": "\(runID.hex.prefix(16))", "error": "\(error.message)"])
                    throw Runtime.RuntimeError(error.code, "its local plan failed (\(error.code.rawValue)); the details are in its node's log", member: name)
                }
                return ControlResponse.ok { w in
                    w.write(prepared.commitment)
                    switch prepared.execution {
                    case .pushdown: w.writeString("pushdown")
                    case .rowPipeline(let reason): w.writeString(reason ?? "")
                    }
                }
            case .commit(let runID):
                _ = try await coordinated(runID, by: caller)
                let index = try await member.commit(runID: runID, on: ledger)
                return ControlResponse.ok { $0.writeUInt64(index) }
            case .join(let runID, let terms):
                _ = try await coordinated(runID, by: caller)
                try await member.join(
                    runID: runID, terms: terms, on: ledger, transport: transport, policy: settings.parameters,
                    courier: courier(within: terms.padSeedDeadline))
                await keepPadSeeds(of: runID)
                return ControlResponse.ok()
            case .participate(let runID, let millis):
                _ = try await coordinated(runID, by: caller)
                if crashPoint == "participate" {
                    // Test hook (protocols/node.md#testing-hooks): die by a real SIGKILL after committing and joining.
                    logger.critical("COVENANT_NODE_CRASH_AT=participate: killing this node")
                    kill(getpid(), SIGKILL)
                }
                runsInProgress += 1
                defer { runsInProgress -= 1 }
                let report = await member.participate(runID: runID, transport: transport, roundTimeout: .milliseconds(Int64(clamping: millis)))
                await transport.close(session: try SessionID(bytes: runID.bytes))
                return ControlResponse.ok { report.encode(to: &$0) }
            case .endorse(let publication, let opening):
                _ = try await coordinated(publication.runID, by: caller)
                let draft = await ledger.draft(.resultPublished(publication), author: caller)
                let endorsement = try await member.endorse(draft, opening: opening, on: ledger)
                return ControlResponse.ok { w in
                    w.writeBool(endorsement != nil)
                    if let endorsement { w.write(endorsement) }
                }
            case .view(let delivery):
                _ = try await coordinated(delivery.runID, by: caller, open: false)
                try await ledger.sync()
                // The member assembles its own view: the outputs its own replica reveals to it,
                // unmasked with the seeds the contributors handed it (protocols/runtime.md#output-pads).
                let view = try await member.receive(delivery, on: ledger)
                // Kept before the answer: a coordinator told "ok" knows the view survives a restart.
                guard keepView(view.result.json, run: delivery.runID) else {
                    throw Runtime.RuntimeError(.fileFailure, "\(name) could not write its view to disk; it holds it until its node stops", member: name)
                }
                await forgetPadSeeds(of: delivery.runID)
                logger.info("received a view", metadata: ["run": "\(delivery.runID.hex.prefix(16))", "contributors": "\(delivery.contributors.count)"])
                return ControlResponse.ok()
            case .padSeed(let runID, let group, let seed):
                // The sender is the authenticated caller; the member checks it is a participant of the open run.
                try await catchUpForPadSeed(of: runID, from: caller)
                try await member.acceptPadSeed(PadSeed(runID: runID, sender: caller, group: group, seed: seed), from: caller, on: ledger)
                await keepPadSeeds(of: runID)
                return ControlResponse.ok()
            case .ping:
                return ControlResponse.ok()
            case .reach(let peer):
                return try await answerReach(peer, from: caller)
            case .evidence(let runID, let offset):
                return try await answerEvidence(of: runID, from: offset, for: caller)
            case .checkpoint:
                let newest = await ledger.local.newestCheckpoint()
                return ControlResponse.ok { w in
                    w.writeBool(newest != nil)
                    if let newest { w.writeByteString(newest.wireEncoded()) }
                }
            case .pendingChange(let id):
                return try answerPendingChange(id)
            case .endorseChange(let id, let endorsement):
                return try await receiveEndorsement(endorsement, of: id, from: caller)
            }
        } catch let error as Runtime.RuntimeError {
            logger.warning("refused a call", metadata: ["caller": "\(caller)", "code": "\(error.code.rawValue)"])
            return ControlResponse.refusal(error)
        } catch {
            return ControlResponse.refusal(Runtime.RuntimeError(.ledgerFailure, "the request failed", member: name))
        }
    }

    /// The failures of a local plan whose messages say where in the member's data (row, column,
    /// source) something failed: only their code leaves the node (protocols/node.md#runs-across-nodes).
    static let stayInside: Set<Runtime.RuntimeError.Code> = [
        .inputRejected, .valueOutOfRange, .deadlineExceeded, .fileFailure, .invalidConfiguration, .missingKeyCeremony,
    ]

    /// The longest local plan a coordinator may ask for (a day).
    static let longestLocalPlanMillis: UInt64 = 86_400_000

    /// The run `runID` from this replica, refused unless `caller` started it (only a run's
    /// coordinator asks a member for its steps) and, for the steps of a run, unless it is open.
    private func coordinated(_ runID: LedgerHash, by caller: String, open: Bool = true) async throws -> ConsortiumState.Run {
        let (run, _) = try await ledger.run(runID)
        guard run.startedBy == caller else {
            throw Runtime.RuntimeError(.invalidParticipants, "\(caller) did not start run \(runID.hex.prefix(16))…; only its coordinator asks for its steps", member: name)
        }
        guard !open || run.status == .open else {
            throw Runtime.RuntimeError(.invalidParticipants, "run \(runID.hex.prefix(16))… is \(run.status.rawValue); it takes no more steps", member: name)
        }
        return run
    }

    private func cosign(_ checkpoint: SignedCheckpoint, for caller: String) async throws -> [UInt8] {
        guard caller == ledger.sequencer, checkpoint.sequencer == caller else {
            throw Runtime.RuntimeError(.invalidParticipants, "only the sequencer asks for cosignatures", member: name)
        }
        try await ledger.sync()
        do {
            let cosignature = try await ledger.local.cosign(checkpoint, as: name, key: signingKey)
            return ControlResponse.ok { $0.write(cosignature) }
        } catch let error as Runtime.RuntimeError {
            if let cause = error.cause as? LedgerError, [LedgerError.Code.equivocation, .checkpointRootMismatch].contains(cause.code) {
                // The sequencer signed a log this replica contradicts: stop following it, keep the evidence.
                await ledger.halt("sequencer \(caller) signed a checkpoint this replica contradicts: \(cause.message)")
                logger.critical("equivocating sequencer", metadata: ["sequencer": "\(caller)", "size": "\(checkpoint.checkpoint.size)"])
            }
            throw error
        }
    }
}
