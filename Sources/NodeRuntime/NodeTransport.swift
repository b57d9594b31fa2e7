import CryptoPrimitives
import GRPCCore
import GRPCNIOTransportHTTP2Posix
public import ConsortiumLedger
public import MPCProtocols
import NIOCore
import NIOPosix
import NIOSSL
public import Runtime
import WireFormat

/// What one member node needs to join the network: its identity, the consortium it belongs to,
/// the pinned member registry, where it listens and where its peers are.
/// Spec: protocols/node.md#transport.
public struct NodeConfiguration: Sendable {
    /// This node's member identity (its certificate and signing key).
    public var identity: NodeIdentity
    /// The consortium's 32-byte identity (its ledger's log id); every envelope is bound to it.
    public var consortium: [UInt8]
    /// The registered members and their keys (from the ledger).
    public var directory: MemberDirectory
    /// The address to listen on (port 0: an ephemeral port, kept across restarts).
    public var listen: NodeAddress
    /// Each peer member's address.
    public var peers: [String: NodeAddress]
    /// Sizes, deadlines and back-off.
    public var limits: NodeLimits
    /// Whether to keep every envelope this node sends (for tests of replay and relay).
    public var recording: Bool

    /// A configuration.
    /// - Parameters:
    ///   - identity: This node's identity.
    ///   - consortium: The consortium's 32-byte identity.
    ///   - directory: The member registry.
    ///   - listen: The listening address.
    ///   - peers: The peers' addresses.
    ///   - limits: The limits.
    ///   - recording: Whether to keep sent envelopes.
    public init(
        identity: NodeIdentity, consortium: [UInt8], directory: MemberDirectory, listen: NodeAddress,
        peers: [String: NodeAddress] = [:], limits: NodeLimits = .default, recording: Bool = false
    ) {
        self.identity = identity
        self.consortium = consortium
        self.directory = directory
        self.listen = listen
        self.peers = peers
        self.limits = limits
        self.recording = recording
    }
}

/// The networked ``Transport``: one member node's end of gRPC (HTTP/2) connections to the other
/// members' nodes over mutually authenticated TLS 1.3, pinned to the member registry. Each
/// protocol message travels in a ``NodeEnvelope`` signed by the sender's registered key and bound
/// to its session; the receiving node refuses relayed, replayed, forged, misdirected and oversized
/// envelopes before any party sees them. Sessions are multiplexed over one connection per peer.
/// Spec: protocols/node.md.
///
/// A node hosts the parties its member plays in each session: ``register(session:roster:)``
/// says which member hosts each party (the run's roster), before ``open(session:party:)``.
/// Envelopes that arrive before their session is registered or opened here are held, within
/// ``NodeLimits``.
public actor NodeTransport: Transport {
    /// The configuration.
    public nonisolated let configuration: NodeConfiguration
    private nonisolated let counters = NodeCounters()
    private let connections: AuthenticatedConnections
    private var server: GRPCServer<HTTP2ServerTransport.Custom<NodeListenerFactory>>?
    private var serverTask: Task<Void, Never>?
    private var boundPort: Int?
    private var starting = false
    private var stopping = false
    private var outboxes: [String: PeerOutbox] = [:]
    /// Ends the open `Deliver` and `Calls` streams of the current listener when it stops.
    private var streamsClosing: StreamsClosing?
    private var peers: [String: NodeAddress]
    private var sessions: [SessionID: SessionState] = [:]
    private var closedSessions: Set<SessionID> = []
    private var closedOrder: [SessionID] = []
    private var heldCount = 0
    private var heldBytes = 0
    private var heldBySender: [String: (count: Int, bytes: Int)] = [:]
    private var recorded: [[UInt8]] = []
    private var callHandler: (@Sendable ([UInt8], String) async -> [UInt8])?

    private struct Held {
        var sender: String
        var message: TransportMessage
        var arrived = ContinuousClock.now
    }

    private struct SessionState {
        var roster: [PartyID: String]?
        var mailboxes: [PartyID: QueueMailbox] = [:]
        var nextSequence: [String: UInt64] = [:]
        var seen: [String: Set<UInt64>] = [:]
        var held: [Held] = []
        var created = ContinuousClock.now
    }

    private var member: String { configuration.identity.member }
    private var limits: NodeLimits { configuration.limits }

    /// A node (not yet listening; call ``start()``).
    /// - Parameter configuration: The configuration.
    /// - Throws: ``RuntimeError`` `invalidConfiguration` if the consortium id is not 32 bytes, the
    ///   identity's key is not the one registered for its member, a peer is not registered, or a
    ///   limit is out of range (``NodeLimits/validate()``).
    public init(configuration: NodeConfiguration) throws {
        try configuration.limits.validate()
        guard configuration.consortium.count == 32 else {
            throw Runtime.RuntimeError(.invalidConfiguration, "the consortium identity is 32 bytes (the ledger's log id)")
        }
        let identity = configuration.identity
        guard configuration.directory.key(of: identity.member) == identity.publicKey else {
            throw Runtime.RuntimeError(
                .invalidConfiguration, "the node's key is not the key registered for member \(identity.member)", member: identity.member)
        }
        for peer in configuration.peers.keys.sorted() where configuration.directory.key(of: peer) == nil {
            throw Runtime.RuntimeError(.invalidConfiguration, "peer \(peer) is not a registered member", member: identity.member)
        }
        self.configuration = configuration
        self.peers = configuration.peers
        let limits = configuration.limits
        self.connections = AuthenticatedConnections(bounds: .init(
            pending: limits.maxPendingHandshakes, pendingPerAddress: limits.maxPendingHandshakesPerAddress,
            perMember: limits.maxConnectionsPerMember))
    }

    /// Sets (or moves) a peer's address; a link to its old address is closed.
    /// - Parameters:
    ///   - peer: A registered member.
    ///   - address: Its node's address.
    /// - Throws: ``RuntimeError`` `invalidConfiguration` if `peer` is not registered.
    public func setPeer(_ peer: String, at address: NodeAddress) async throws {
        guard configuration.directory.key(of: peer) != nil else {
            throw Runtime.RuntimeError(.invalidConfiguration, "peer \(peer) is not a registered member", member: member)
        }
        guard peers[peer] != address else { return }
        peers[peer] = address
        if let old = outboxes.removeValue(forKey: peer) { await old.shutdown() }
    }

    /// Brings the member registry in step with the ledger, for the listener, the links and the
    /// envelope checks at once: a member the ledger admitted can connect from its next handshake
    /// (its address is set with ``setPeer(_:at:)``); a member it removed is refused from then on
    /// — its envelopes as `forged`, its handshakes — and its link and address are dropped.
    /// - Parameter registered: The members the ledger records.
    /// - Returns: The members no longer registered.
    /// - Throws: ``RuntimeError`` `invalidConfiguration` if the ledger's members do not form a
    ///   registry, or no longer register this node's own key (nothing changes then).
    @discardableResult
    public func refreshDirectory(_ registered: [ConsortiumLedger.Member]) async throws -> [String] {
        guard registered.contains(where: { $0.name == member && $0.publicKey == configuration.identity.publicKey }) else {
            throw Runtime.RuntimeError(.invalidConfiguration, "the ledger no longer registers \(member) with this node's key", member: member)
        }
        let removed = try configuration.directory.replace(with: registered)
        for name in removed {
            peers[name] = nil
            connections.close(member: name)
            if let outbox = outboxes.removeValue(forKey: name) { await outbox.shutdown() }
        }
        return removed
    }

    // MARK: Lifecycle

    /// Starts listening (again, on the same port, after ``stop()``).
    /// - Returns: The bound address.
    /// - Throws: ``RuntimeError`` `transportFailure` if the address cannot be bound,
    ///   `invalidConfiguration` if the TLS context cannot be built, and `transportFailure` while
    ///   ``stop()`` is under way.
    @discardableResult
    public func start() async throws -> NodeAddress {
        guard !stopping else {
            throw Runtime.RuntimeError(.transportFailure, "node \(member) is stopping", member: member)
        }
        if let boundPort, server != nil { return NodeAddress(host: configuration.listen.host, port: boundPort) }
        guard !starting else {
            throw Runtime.RuntimeError(.transportFailure, "node \(member) is already starting", member: member)
        }
        starting = true
        defer { starting = false }
        let sslContext: NIOSSLContext
        do {
            sslContext = try NIOSSLContext(configuration: PeerVerification.configuration(for: configuration.identity, server: true))
        } catch let error as Runtime.RuntimeError {
            throw error
        } catch {
            throw Runtime.RuntimeError(.invalidConfiguration, "the TLS context of node \(member) could not be built", member: member)
        }
        let nanoseconds = NodeLimits.nanoseconds(limits.handshakeTimeout)
        let factory = NodeListenerFactory(
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            address: NodeAddress(host: configuration.listen.host, port: boundPort ?? configuration.listen.port),
            sslContext: sslContext, directory: configuration.directory, connections: connections, counters: counters,
            handshakeTimeout: .nanoseconds(max(1, nanoseconds)))
        var config = HTTP2ServerTransport.Custom<NodeListenerFactory>.Config.defaults
        config.rpc.maxRequestPayloadSize = limits.maxRequestBytes
        config.connection.maxIdleTime = limits.maxIdleTime
        config.http2.maxConcurrentStreams = max(1, limits.maxConcurrentCalls)
        config.http2.targetWindowSize = 1 << 20
        let transport = HTTP2ServerTransport.Custom(listenerFactory: factory, config: config)
        let closing = StreamsClosing()
        streamsClosing = closing
        let service = NodeService(connections: connections, closing: closing) { [weak self] bytes, peer in
            guard let self else { return .unauthenticated }
            return await self.receive(bytes, from: peer)
        }
        var services: [any RegistrableRPCService] = [service]
        if let callHandler {
            services.append(CallsService(
                connections: connections, directory: configuration.directory, closing: closing,
                budget: CallBudget(limit: limits.maxConcurrentCalls), maxFrameBytes: limits.maxRequestBytes, handle: callHandler))
        }
        let server = GRPCServer(transport: transport, services: services)
        let task = Task {
            do { try await server.serve() } catch {}
        }
        guard let address = await transport.listeningAddress, let port = address.ipv4?.port ?? address.ipv6?.port else {
            task.cancel()
            throw Runtime.RuntimeError(.transportFailure, "node \(member) could not listen on \(factory.address)", member: member)
        }
        self.server = server
        self.serverTask = task
        self.boundPort = port
        return NodeAddress(host: configuration.listen.host, port: port)
    }

    /// Serves member-to-member control calls (``CallsService``) with `handler`, from the next ``start()``.
    /// - Parameter handler: Given the request and the authenticated calling member; returns the answer.
    public func serveCalls(_ handler: @escaping @Sendable (_ request: [UInt8], _ caller: String) async -> [UInt8]) {
        callHandler = handler
    }

    /// Calls `peer`'s node (``CallsService``) on the `Calls` stream of this node's authenticated
    /// link to it, beside the other calls in flight (protocols/node.md#control-calls).
    /// - Parameters:
    ///   - peer: A member with a known address.
    ///   - request: The encoded request.
    ///   - timeout: The call's deadline.
    /// - Returns: The answer's bytes.
    /// - Throws: ``RuntimeError`` `transportFailure` (no address, unreachable, a request over the
    ///   size limit, too many calls in flight, a failed stream, the deadline passed).
    public func call(_ peer: String, _ request: [UInt8], timeout: Duration) async throws -> [UInt8] {
        guard let link = outbox(for: peer)?.link else {
            throw Runtime.RuntimeError(.transportFailure, "no address for member \(peer)", member: member)
        }
        return try await link.call(request, timeout: timeout)
    }

    /// The bound address while listening.
    public var listeningAddress: NodeAddress? {
        guard server != nil, let boundPort else { return nil }
        return NodeAddress(host: configuration.listen.host, port: boundPort)
    }

    /// Stops listening and closes every peer link (queued envelopes are dropped). Sessions stay
    /// as they are; ``start()`` listens again on the same port.
    public func stop() async {
        stopping = true
        defer { stopping = false }
        if let server, let serverTask {
            self.server = nil
            self.serverTask = nil
            streamsClosing?.raise()
            server.beginGracefulShutdown()
            await serverTask.finish(cancellingAfter: .seconds(5))
        }
        let links = outboxes.values
        outboxes = [:]
        // Each link gives its calls in flight a grace period: closed together, not one after another.
        await withTaskGroup(of: Void.self) { group in
            for outbox in links { group.addTask { await outbox.shutdown() } }
        }
    }

    // MARK: Sessions

    /// Records which member hosts each party of `session` (the run's roster). Envelopes held for
    /// the session that the roster contradicts are dropped.
    /// - Parameters:
    ///   - session: The session.
    ///   - roster: The host of each party (the aggregator's too).
    /// - Throws: ``RuntimeError`` `invalidParticipants` if the session is closed here, a host is
    ///   not a registered member, or another roster was registered for it.
    public func register(session: SessionID, roster: [PartyID: String]) throws {
        guard !closedSessions.contains(session) else {
            throw Runtime.RuntimeError(.invalidParticipants, "\(session) is closed on node \(member)", member: member)
        }
        for (party, host) in roster.sorted(by: { $0.key < $1.key }) where configuration.directory.key(of: host) == nil {
            throw Runtime.RuntimeError(.invalidParticipants, "\(party) is hosted by \(host), which is not a registered member", member: member)
        }
        var state = sessions[session] ?? SessionState()
        if let existing = state.roster {
            guard existing == roster else {
                throw Runtime.RuntimeError(.invalidParticipants, "\(session) already has another roster on node \(member)", member: member)
            }
            return
        }
        state.roster = roster
        let contradicted = state.held.filter { roster[$0.message.from] != $0.sender || roster[$0.message.to] != member }
        state.held.removeAll { roster[$0.message.from] != $0.sender || roster[$0.message.to] != member }
        release(contradicted)
        let dropped = contradicted.count
        if dropped > 0 { counters.update { $0.envelopesReceived[.wrongParty, default: 0] += dropped } }
        sessions[session] = state
    }

    /// Opens the mailbox of a party this node hosts in `session`; envelopes held for it are in it.
    /// - Parameters:
    ///   - session: The session (registered with ``register(session:roster:)``).
    ///   - party: A party the roster gives to this node's member.
    /// - Returns: The mailbox.
    /// - Throws: ``RuntimeError`` `invalidParticipants` without a roster, or for a party hosted elsewhere.
    public func open(session: SessionID, party: PartyID) async throws -> any Mailbox {
        guard var state = sessions[session], let roster = state.roster else {
            throw Runtime.RuntimeError(.invalidParticipants, "\(session) has no roster on node \(member)", member: member)
        }
        guard roster[party] == member else {
            throw Runtime.RuntimeError(.invalidParticipants, "\(party) of \(session) is not hosted by \(member)", member: member)
        }
        if let existing = state.mailboxes[party] { return existing }
        let ready = state.held.filter { $0.message.to == party }
        state.held.removeAll { $0.message.to == party }
        release(ready)
        let mailbox = QueueMailbox(party: party, held: ready.map(\.message))
        state.mailboxes[party] = mailbox
        sessions[session] = state
        return mailbox
    }

    /// Sends one message from a party hosted here: sealed in a signed envelope and queued towards
    /// the receiving party's node (or delivered here, for a party hosted here). A message that
    /// cannot be sent (no roster, a party not hosted here, an oversized payload, an unknown peer)
    /// is dropped and counted; the protocol's deadlines cover it.
    /// - Parameter message: The message.
    public func send(_ message: TransportMessage) async {
        guard var state = sessions[message.session], let roster = state.roster, roster[message.from] == member,
            let receiver = roster[message.to], message.bytes.count <= limits.maxPayloadBytes
        else {
            counters.update { $0.outgoingDropped += 1 }
            return
        }
        if receiver == member {
            if let mailbox = state.mailboxes[message.to] {
                await mailbox.deliver(message)
            } else {
                state.held.append(Held(sender: member, message: message))
                hold(state.held[state.held.count - 1])
                sessions[message.session] = state
            }
            return
        }
        guard let outbox = outbox(for: receiver) else {
            counters.update { $0.outgoingDropped += 1 }
            return
        }
        let sequence = state.nextSequence[receiver, default: 0]
        state.nextSequence[receiver] = sequence + 1
        sessions[message.session] = state
        let envelope = NodeEnvelope.seal(
            message, consortium: configuration.consortium, sender: member, receiver: receiver, sequence: sequence,
            signingKey: configuration.identity.signingKey)
        let bytes = envelope.wireEncoded()
        if configuration.recording { recorded.append(bytes) }
        if !(await outbox.enqueue(bytes, payloadCount: message.bytes.count)) {
            counters.update { $0.outgoingDropped += 1 }
        }
    }

    /// Closes every mailbox of `session` and forgets it; its envelopes are refused from now on as
    /// replays (protocols/node.md#replay-and-relay).
    /// - Parameter session: The session.
    public func close(session: SessionID) async {
        // Marked closed before any suspension: an envelope judged meanwhile is refused as replayed.
        if closedSessions.insert(session).inserted {
            closedOrder.append(session)
            if closedOrder.count > limits.closedSessionMemory {
                let forgotten = closedOrder.removeFirst()
                closedSessions.remove(forgotten)
            }
        }
        if let state = sessions.removeValue(forKey: session) {
            release(state.held)
            for mailbox in state.mailboxes.values { await mailbox.close() }
        }
    }

    /// The node's counters.
    /// - Returns: A snapshot.
    public func statistics() -> NodeStatistics { counters.snapshot }

    /// Every envelope this node sent, encoded, in sending order (only with `recording`).
    /// - Returns: The envelopes.
    public func sentEnvelopes() -> [[UInt8]] { recorded }

    // MARK: Receiving

    /// Judges one envelope received on a connection authenticated as `peer`, in the order of
    /// protocols/node.md#receiving-an-envelope, and delivers or holds it when accepted. Decoding and
    /// the signature check need no state of the node and run on the caller's task, off the actor,
    /// so one member's large envelopes are checked beside, not ahead of, other members' traffic;
    /// only the accepted envelope's admission (replay, quotas, mailbox) takes the actor.
    nonisolated func receive(_ bytes: [UInt8], from peer: String?) async -> DeliveryVerdict {
        let verdict: DeliveryVerdict
        switch authenticate(bytes, from: peer) {
        case .failure(let refusal): verdict = refusal.verdict
        case .success(let envelope): verdict = await admit(envelope)
        }
        counters.update { $0.envelopesReceived[verdict, default: 0] += 1 }
        return verdict
    }

    /// A verdict refusing an envelope before admission.
    private struct Refusal: Error { var verdict: DeliveryVerdict }

    /// The stateless checks of an envelope: size, encoding, sender, receiver and consortium, signature.
    private nonisolated func authenticate(_ bytes: [UInt8], from peer: String?) -> Result<NodeEnvelope, Refusal> {
        let limits = configuration.limits
        guard let peer else { return .failure(Refusal(verdict: .unauthenticated)) }
        guard bytes.count <= limits.maxRequestBytes else { return .failure(Refusal(verdict: .oversized)) }
        let envelope: NodeEnvelope
        do {
            envelope = try NodeEnvelope(wireEncoded: bytes, maxPayloadBytes: limits.maxPayloadBytes)
        } catch {
            if case .lengthExceedsLimit = error { return .failure(Refusal(verdict: .oversized)) }
            return .failure(Refusal(verdict: .malformed))
        }
        guard envelope.sender == peer else { return .failure(Refusal(verdict: .relayed)) }
        guard envelope.receiver == configuration.identity.member, envelope.consortium == configuration.consortium else {
            return .failure(Refusal(verdict: .misdirected))
        }
        guard let key = configuration.directory.key(of: envelope.sender), envelope.isSigned(by: key) else {
            return .failure(Refusal(verdict: .forged))
        }
        return .success(envelope)
    }

    /// Admits an authenticated envelope: refused as a replay, over quota or for the wrong party;
    /// else delivered to its mailbox or held until its session opens here.
    private func admit(_ envelope: NodeEnvelope) async -> DeliveryVerdict {
        // Still registered: the registry may have dropped the sender since its signature was checked.
        guard configuration.directory.key(of: envelope.sender) != nil else { return .forged }
        guard !closedSessions.contains(envelope.session) else { return .replayed }
        dropExpiredHeld()
        var state = sessions[envelope.session] ?? SessionState()
        var seen = state.seen[envelope.sender, default: []]
        guard !seen.contains(envelope.sequence) else { return .replayed }
        guard seen.count < limits.maxEnvelopesPerSession else { return .overloaded }
        let message = envelope.transportMessage
        if let roster = state.roster {
            guard roster[message.from] == envelope.sender, roster[message.to] == member else { return .wrongParty }
            if let mailbox = state.mailboxes[message.to] {
                seen.insert(envelope.sequence)
                state.seen[envelope.sender] = seen
                sessions[envelope.session] = state
                guard await mailbox.deliver(message, maxUnreadBytes: limits.maxMailboxBytes) else {
                    // Not taken: the sender may retry the same sequence number.
                    sessions[envelope.session]?.seen[envelope.sender]?.remove(envelope.sequence)
                    return .overloaded
                }
                counters.update { $0.payloadBytesReceived += message.bytes.count }
                return .accepted
            }
        }
        let quota = heldBySender[envelope.sender, default: (0, 0)]
        guard heldCount < limits.maxEarlyEnvelopes, heldBytes + message.bytes.count <= limits.maxEarlyBytes,
            quota.count < limits.maxEarlyEnvelopesPerMember, quota.bytes + message.bytes.count <= limits.maxEarlyBytesPerMember
        else {
            return .overloaded
        }
        seen.insert(envelope.sequence)
        state.seen[envelope.sender] = seen
        let held = Held(sender: envelope.sender, message: message)
        state.held.append(held)
        hold(held)
        sessions[envelope.session] = state
        counters.update { $0.payloadBytesReceived += message.bytes.count }
        return .accepted
    }

    /// Drops held envelopes older than their lifetime, whether their session has a roster or not,
    /// and forgets sessions that never got a roster within their lifetime.
    private func dropExpiredHeld() {
        guard heldCount > 0 || sessions.values.contains(where: { $0.roster == nil }) else { return }
        let now = ContinuousClock.now
        let lifetime = limits.earlyEnvelopeLifetime
        for (session, var state) in sessions {
            if state.roster == nil && state.created.advanced(by: lifetime) < now {
                release(state.held, expired: true)
                sessions[session] = nil
                continue
            }
            guard let oldest = state.held.first, oldest.arrived.advanced(by: lifetime) < now else { continue }
            let expired = state.held.filter { $0.arrived.advanced(by: lifetime) < now }
            state.held.removeAll { $0.arrived.advanced(by: lifetime) < now }
            release(expired, expired: true)
            sessions[session] = state
        }
    }

    /// Accounts for an envelope entering the hold.
    private func hold(_ held: Held) {
        heldCount += 1
        heldBytes += held.message.bytes.count
        heldBySender[held.sender, default: (0, 0)].count += 1
        heldBySender[held.sender, default: (0, 0)].bytes += held.message.bytes.count
    }

    /// Accounts for held envelopes leaving the hold (delivered, dropped or expired).
    private func release(_ held: [Held], expired: Bool = false) {
        for item in held {
            heldCount -= 1
            heldBytes -= item.message.bytes.count
            var quota = heldBySender[item.sender, default: (0, 0)]
            quota.count -= 1
            quota.bytes -= item.message.bytes.count
            heldBySender[item.sender] = quota.count <= 0 ? nil : quota
        }
        if expired, !held.isEmpty { counters.update { $0.heldEnvelopesExpired += held.count } }
    }

    private func outbox(for peer: String) -> PeerOutbox? {
        if let existing = outboxes[peer] { return existing }
        guard let address = peers[peer],
            let link = try? PeerLink(
                to: peer, at: address, identity: configuration.identity, directory: configuration.directory, limits: limits,
                counters: counters)
        else { return nil }
        let outbox = PeerOutbox(link: link, limits: limits, counters: counters)
        outboxes[peer] = outbox
        return outbox
    }
}
