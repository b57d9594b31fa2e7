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

/// The members authenticated on the node's accepted connections, by the connection's remote
/// address as gRPC reports it (`ipv4:host:port`), so that a call can be attributed to the member
/// whose certificate the connection's handshake verified.
final class AuthenticatedConnections: Sendable {
    private let state = Mutex<[String: (member: String, connection: ObjectIdentifier)]>([:])

    func record(_ member: String, at address: String, connection: ObjectIdentifier) {
        state.withLock { $0[address] = (member, connection) }
    }

    func forget(_ address: String, connection: ObjectIdentifier) {
        state.withLock { table in
            if table[address]?.connection == connection { table[address] = nil }
        }
    }

    func member(at address: String) -> String? { state.withLock { $0[address]?.member } }

    /// gRPC's rendering of a remote address (GRPCNIOTransportCore `Channel.remoteAddressInfo`).
    static func key(_ address: NIOCore.SocketAddress?) -> String {
        guard let address, let port = address.port else { return "<unknown>" }
        switch address {
        case .v4(let v4): return "ipv4:\(v4.host):\(port)"
        case .v6(let v6): return "ipv6:[\(v6.host)]:\(port)"
        case .unixDomainSocket: return "<unknown>"
        }
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
            .bind(host: address.host, port: address.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let remote = AuthenticatedConnections.key(channel.remoteAddress)
                    let connection = ObjectIdentifier(channel)
                    let tls = NIOSSLServerHandler(context: sslContext) { certificates, promise in
                        switch PeerVerification.member(presenting: certificates, in: directory, expected: nil) {
                        case .success(let member):
                            connections.record(member, at: remote, connection: connection)
                            promise.succeed(.certificateVerified)
                        case .failure:
                            counters.update { $0.handshakesRefused += 1 }
                            promise.succeed(.failed)
                        }
                    }
                    try channel.pipeline.syncOperations.addHandler(tls)
                    try channel.pipeline.syncOperations.addHandler(HandshakeDeadlineHandler(timeout: handshakeTimeout, counters: counters))
                    channel.closeFuture.whenComplete { _ in connections.forget(remote, connection: connection) }
                }.flatMap {
                    connectionConfigurator.configure(channel: channel, tls: .configured(requireALPN: false))
                }
            }
    }
}
