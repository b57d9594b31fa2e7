import GRPCCore
import GRPCNIOTransportHTTP2Posix
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// Shared counters, updated from event loops and actors.
final class NodeCounters: Sendable {
    private let state = Mutex(NodeStatistics())

    func update(_ change: (inout NodeStatistics) -> Void) { state.withLock { change(&$0) } }

    var snapshot: NodeStatistics { state.withLock { $0 } }
}

/// The node's accepted connections: those whose TLS handshake is under way (bounded in all and
/// per source IP address) and those authenticated as a member (bounded per member), each keyed by
/// its local and its remote address as gRPC reports them (`ipv4:host:port`), so that a call is
/// attributed to the member whose handshake completed on that very connection.
/// Spec: protocols/node.md#connections.
final class AuthenticatedConnections: Sendable {
    /// A connection's two ends, as gRPC's server context renders them (`localPeer`, `remotePeer`).
    struct Key: Hashable, Sendable {
        var local: String
        var remote: String
    }

    /// What a connection may hold.
    struct Bounds: Sendable {
        var pending: Int
        var pendingPerAddress: Int
        var perMember: Int
    }

    private struct Entry {
        var key: Key
        var source: String
        var member: String?
        /// The connection itself, so that a member removed from the ledger is cut off at once.
        var channel: (any Channel)?
    }

    private struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        var byKey: [Key: ObjectIdentifier] = [:]
        var pending = 0
        var pendingBySource: [String: Int] = [:]
        var perMember: [String: Int] = [:]
    }

    private let state = Mutex(State())
    let bounds: Bounds

    init(bounds: Bounds = Bounds(pending: .max, pendingPerAddress: .max, perMember: .max)) { self.bounds = bounds }

    /// Admits a new connection whose handshake is about to start, if the pending bounds allow.
    /// - Returns: false when the connection is to be refused (closed).
    func admit(_ connection: ObjectIdentifier, key: Key, source: String, channel: (any Channel)? = nil) -> Bool {
        state.withLock { state in
            guard state.entries[connection] == nil else { return false }
            guard state.pending < bounds.pending, state.pendingBySource[source, default: 0] < bounds.pendingPerAddress else { return false }
            state.pending += 1
            state.pendingBySource[source, default: 0] += 1
            state.entries[connection] = Entry(key: key, source: source, member: nil, channel: channel)
            return true
        }
    }

    /// Closes every connection `member` authenticated (a member the ledger removed): nothing it
    /// carries is accepted any more, and its streams and calls end now rather than when it
    /// closes them (protocols/node.md#tls-identities-and-pinning).
    func close(member: String) {
        let channels = state.withLock { state in state.entries.values.filter { $0.member == member }.compactMap(\.channel) }
        for channel in channels { channel.close(promise: nil) }
    }

    /// Records the member of a connection whose handshake has completed (its certificate and its
    /// CertificateVerify both checked); it no longer counts as pending.
    /// - Returns: false when the member already holds its bound of connections (the connection is
    ///   to be closed), or the connection was not admitted.
    func authenticate(_ connection: ObjectIdentifier, as member: String) -> Bool {
        state.withLock { state in
            guard var entry = state.entries[connection], entry.member == nil else { return false }
            state.pending -= 1
            state.pendingBySource[entry.source, default: 1] -= 1
            if state.pendingBySource[entry.source] == 0 { state.pendingBySource[entry.source] = nil }
            guard state.perMember[member, default: 0] < bounds.perMember else {
                state.entries[connection] = nil
                return false
            }
            state.perMember[member, default: 0] += 1
            entry.member = member
            state.entries[connection] = entry
            state.byKey[entry.key] = connection
            return true
        }
    }

    /// Forgets a closed connection, and only it.
    func forget(_ connection: ObjectIdentifier) {
        state.withLock { state in
            guard let entry = state.entries.removeValue(forKey: connection) else { return }
            if let member = entry.member {
                state.perMember[member, default: 1] -= 1
                if state.perMember[member] == 0 { state.perMember[member] = nil }
                if state.byKey[entry.key] == connection { state.byKey[entry.key] = nil }
            } else {
                state.pending -= 1
                state.pendingBySource[entry.source, default: 1] -= 1
                if state.pendingBySource[entry.source] == 0 { state.pendingBySource[entry.source] = nil }
            }
        }
    }

    /// The member authenticated on the connection with these two ends.
    func member(local: String, remote: String) -> String? {
        state.withLock { state in
            guard let connection = state.byKey[Key(local: local, remote: remote)] else { return nil }
            return state.entries[connection]?.member
        }
    }

    /// Connections whose handshake is under way.
    var pendingCount: Int { state.withLock { $0.pending } }

    /// Authenticated connections of `member`.
    func connectionCount(of member: String) -> Int { state.withLock { $0.perMember[member, default: 0] } }

    /// gRPC's rendering of an address (GRPCNIOTransportCore `Channel.remoteAddressInfo`).
    static func key(_ address: NIOCore.SocketAddress?) -> String {
        guard let address, let port = address.port else { return "<unknown>" }
        switch address {
        case .v4(let v4): return "ipv4:\(v4.host):\(port)"
        case .v6(let v6): return "ipv6:[\(v6.host)]:\(port)"
        case .unixDomainSocket: return "<unknown>"
        }
    }

    /// The IP address of a connection's source (its pending bound's key).
    static func source(_ address: NIOCore.SocketAddress?) -> String { address?.ipAddress ?? "<unknown>" }
}

/// The member whose certificate a connection's verification callback accepted; it counts only
/// once the handshake completes (BoringSSL calls the callback before it checks CertificateVerify).
final class CandidateMember: Sendable {
    private let state = Mutex<String?>(nil)
    var value: String? {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}

/// Closes an accepted connection past the pending-handshake bounds before TLS sees a byte of it.
/// Spec: protocols/node.md#connections.
final class ConnectionRefusalHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let admitted: Bool

    init(admitted: Bool) { self.admitted = admitted }

    func handlerAdded(context: ChannelHandlerContext) {
        if !admitted, context.channel.isActive { context.close(promise: nil) }
    }

    func channelActive(context: ChannelHandlerContext) {
        guard admitted else {
            context.close(promise: nil)
            return
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard admitted else { return }
        context.fireChannelRead(data)
    }
}

/// Records a connection's member when its TLS handshake completes (the certificate and its
/// CertificateVerify both checked), closing it past the member's connection bound.
/// Spec: protocols/node.md#connections.
final class HandshakeCompletionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let candidate: CandidateMember
    private let connections: AuthenticatedConnections
    private let counters: NodeCounters

    init(candidate: CandidateMember, connections: AuthenticatedConnections, counters: NodeCounters) {
        self.candidate = candidate
        self.connections = connections
        self.counters = counters
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
            guard let member = candidate.value, connections.authenticate(ObjectIdentifier(context.channel), as: member) else {
                counters.update { $0.connectionsRefused += 1 }
                context.close(promise: nil)
                return
            }
        }
        context.fireUserInboundEventTriggered(event)
    }
}

/// Closes a connection whose TLS handshake has not completed by its deadline (a half-open or
/// stalled client never holds a connection for longer). Spec: protocols/node.md#deadlines-and-reconnection.
final class HandshakeDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let timeout: TimeAmount
    private let counters: NodeCounters
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount, counters: NodeCounters) {
        self.timeout = timeout
        self.counters = counters
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
            deadline?.cancel()
            deadline = nil
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    private func arm(_ context: ChannelHandlerContext) {
        guard deadline == nil else { return }
        let channel = context.channel
        let counters = self.counters
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            counters.update { $0.handshakesTimedOut += 1 }
            channel.close(promise: nil)
        }
    }
}

/// Binds the node's listening socket: each accepted connection gets TLS 1.3 with the pinned
/// member verification, a handshake deadline, then gRPC's HTTP/2 pipeline.
/// Spec: protocols/node.md#transport.
struct NodeListenerFactory: HTTP2ServerTransport.ListenerFactory {
    let eventLoopGroup: any EventLoopGroup
    let address: NodeAddress
    let sslContext: NIOSSLContext
    let directory: MemberDirectory
    let connections: AuthenticatedConnections
    let counters: NodeCounters
    let handshakeTimeout: TimeAmount

    /// Binds the listening socket.
    func makeListeningChannel(
        listenerConfigurator: HTTP2ServerTransport.ListenerConfigurator,
        connectionConfigurator: HTTP2ServerTransport.ConnectionConfigurator
    ) async throws -> NIOAsyncChannel<HTTP2ServerTransport.ConnectionConfigurator.ConnectionChannel, Never> {
        let sslContext = self.sslContext
        let directory = self.directory
        let connections = self.connections
        let counters = self.counters
        let handshakeTimeout = self.handshakeTimeout
        return try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in listenerConfigurator.configure(channel: channel) }
            .bind(host: address.unbracketedHost, port: address.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let key = AuthenticatedConnections.Key(
                        local: AuthenticatedConnections.key(channel.localAddress), remote: AuthenticatedConnections.key(channel.remoteAddress))
                    let connection = ObjectIdentifier(channel)
                    let admitted = connections.admit(
                        connection, key: key, source: AuthenticatedConnections.source(channel.remoteAddress), channel: channel)
                    if !admitted { counters.update { $0.connectionsRefused += 1 } }
                    channel.closeFuture.whenComplete { _ in connections.forget(connection) }
                    // The refusal handler goes first, so that a refused connection never reaches TLS.
                    let candidate = CandidateMember()
                    try channel.pipeline.syncOperations.addHandler(ConnectionRefusalHandler(admitted: admitted))
                    let tls = NIOSSLServerHandler(context: sslContext) { certificates, promise in
                        switch PeerVerification.member(presenting: certificates, in: directory, expected: nil) {
                        case .success(let member):
                            candidate.value = member
                            promise.succeed(.certificateVerified)
                        case .failure:
                            counters.update { $0.handshakesRefused += 1 }
                            promise.succeed(.failed)
                        }
                    }
                    try channel.pipeline.syncOperations.addHandler(tls)
                    try channel.pipeline.syncOperations.addHandler(HandshakeDeadlineHandler(timeout: handshakeTimeout, counters: counters))
                    try channel.pipeline.syncOperations.addHandler(
                        HandshakeCompletionHandler(candidate: candidate, connections: connections, counters: counters))
                }.flatMap {
                    connectionConfigurator.configure(channel: channel, tls: .configured(requireALPN: false))
                }
            }
    }
}
