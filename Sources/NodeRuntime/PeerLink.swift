import GRPCCore
import GRPCNIOTransportHTTP2Posix
import NIOCore
import NIOPosix
import NIOSSL
import Runtime
import Synchronization

/// A mutually authenticated gRPC connection to one peer node: TLS 1.3 with this node's
/// certificate, accepting only the certificate of the member expected at that address. gRPC
/// reconnects it with exponential back-off. Spec: protocols/node.md#transport.
///
/// ``NodeTransport`` sends through links; tests use one directly to put chosen bytes on the wire
/// as an authenticated member would.
public final class PeerLink: Sendable {
    /// The member expected at the address.
    public let peer: String
    /// Its address.
    public let address: NodeAddress
    /// The gRPC client (internal: tests drive raw calls through it).
    let client: GRPCClient<HTTP2ClientTransport.Posix>
    /// The member control calls to the peer, on one long-lived `Calls` stream.
    private let calls: CallStream
    private let connections: Task<Void, Never>
    private let deliveryTimeout: Duration
    private let limits: NodeLimits
    private let counters: NodeCounters

    /// Opens a link (the connection is made on first use).
    /// - Parameters:
    ///   - peer: The member expected at `address`.
    ///   - address: The peer's address.
    ///   - identity: This node's identity.
    ///   - directory: The pinned registry.
    ///   - limits: Deadlines, sizes and back-off.
    /// - Throws: ``RuntimeError`` `invalidConfiguration` if the TLS context cannot be built, the
    ///   address has no valid port, or a limit is out of range.
    public convenience init(
        to peer: String, at address: NodeAddress, identity: NodeIdentity, directory: MemberDirectory, limits: NodeLimits = .default
    ) throws {
        try self.init(to: peer, at: address, identity: identity, directory: directory, limits: limits, counters: NodeCounters())
    }

    init(
        to peer: String, at address: NodeAddress, identity: NodeIdentity, directory: MemberDirectory, limits: NodeLimits,
        counters: NodeCounters
    ) throws {
        try limits.validate()
        guard (1...65535).contains(address.port) else {
            throw Runtime.RuntimeError(.invalidConfiguration, "the address of \(peer) has no valid port: \(address)")
        }
        self.peer = peer
        self.address = address
        self.deliveryTimeout = limits.deliveryTimeout
        self.limits = limits
        self.counters = counters
        let sslContext: NIOSSLContext
        do {
            sslContext = try NIOSSLContext(configuration: PeerVerification.configuration(for: identity, server: false))
        } catch let error as Runtime.RuntimeError {
            throw error
        } catch {
            throw Runtime.RuntimeError(.invalidConfiguration, "the TLS context of node \(identity.member) could not be built")
        }
        let config = HTTP2ClientTransport.Posix.Config.defaults { config in
            config.backoff = .init(
                initial: limits.backoffInitial, max: limits.backoffMaximum, multiplier: limits.backoffMultiplier,
                jitter: limits.backoffJitter)
            config.connection.maxIdleTime = limits.maxIdleTime
            config.http2.targetWindowSize = 1 << 20
            config.channelDebuggingCallbacks.onCreateTCPConnection = { channel in
                channel.eventLoop.makeCompletedFuture {
                    let tls = try NIOSSLClientHandler(context: sslContext, serverHostname: nil) { certificates, promise in
                        switch PeerVerification.member(presenting: certificates, in: directory, expected: peer) {
                        case .success: promise.succeed(.certificateVerified)
                        case .failure:
                            counters.update { $0.handshakesRefused += 1 }
                            promise.succeed(.failed)
                        }
                    }
                    try channel.pipeline.syncOperations.addHandler(tls, position: .first)
                }
            }
        }
        let transport: HTTP2ClientTransport.Posix
        do {
            transport = try HTTP2ClientTransport.Posix(target: address.target, transportSecurity: .customSecure, config: config)
        } catch {
            throw Runtime.RuntimeError(.invalidConfiguration, "no gRPC transport to \(peer) at \(address)")
        }
        let client = GRPCClient(transport: transport)
        self.client = client
        self.calls = CallStream(client: client, peer: peer, address: address, limits: limits)
        self.connections = Task { try? await client.runConnections() }
    }

    /// Opens one delivery stream (``NodeService``'s `Deliver`): writes the envelopes `envelopes`
    /// yields, in order, and hands the peer's verdicts to `answered` in the same order. Returns
    /// once `envelopes` has finished and every verdict has arrived.
    /// - Throws: `DeliveryStreamFailure` with gRPC's code when the peer cannot be reached or the
    ///   stream fails or is reset (e.g. `resourceExhausted`: an envelope over the peer's gRPC size
    ///   limit); ``RuntimeError`` `transportFailure` when the peer answers something that is not a
    ///   verdict.
    func stream(
        _ envelopes: AsyncStream<[UInt8]>, timeout: Duration? = nil,
        answered: @escaping @Sendable (DeliveryVerdict) async -> Void
    ) async throws {
        var options = CallOptions.defaults
        options.timeout = timeout
        options.waitForReady = false
        let peer = self.peer
        do {
            try await client.bidirectionalStreaming(
                request: StreamingClientRequest(metadata: NodeProtocol.metadata) { writer in
                    for await envelope in envelopes { try await writer.write(envelope) }
                },
                descriptor: NodeService.deliver, serializer: RawBytesCodec(), deserializer: RawBytesCodec(), options: options
            ) { response in
                for try await answer in response.messages {
                    guard answer.count == 1, let verdict = DeliveryVerdict(rawValue: answer[0]) else {
                        throw Runtime.RuntimeError(.transportFailure, "\(peer) answered something that is not a delivery verdict", member: peer)
                    }
                    await answered(verdict)
                }
            }
        } catch let error as Runtime.RuntimeError {
            throw error
        } catch let error as RPCError {
            throw DeliveryStreamFailure(code: error.code, peer: peer, address: address)
        } catch {
            throw Runtime.RuntimeError(.transportFailure, "delivery to \(peer) at \(address) failed", member: peer)
        }
    }

    /// Sends one encoded envelope on a stream of its own and returns the peer's verdict (tests put
    /// chosen bytes on the wire with it; ``NodeTransport`` keeps one stream per peer open).
    /// - Parameter envelope: The bytes (normally a ``NodeEnvelope``'s encoding).
    /// - Returns: The verdict; `oversized` also when the stream ends `RESOURCE_EXHAUSTED`.
    /// - Throws: ``RuntimeError`` `transportFailure` when the peer could not be reached (refused
    ///   handshake, connection failure, deadline), reset the stream (a request over its gRPC size
    ///   limit), or answered something that is not one verdict.
    public func deliver(_ envelope: [UInt8]) async throws -> DeliveryVerdict {
        let verdicts = Mutex<[DeliveryVerdict]>([])
        do {
            try await stream(AsyncStream { $0.yield(envelope); $0.finish() }, timeout: deliveryTimeout) { verdict in
                verdicts.withLock { $0.append(verdict) }
            }
        } catch let failure as DeliveryStreamFailure {
            if failure.code == .resourceExhausted { return .oversized }
            throw failure.runtimeError
        }
        guard let verdict = verdicts.withLock({ $0.count == 1 ? $0.first : nil }) else {
            throw Runtime.RuntimeError(.transportFailure, "\(peer) answered something that is not one delivery verdict", member: peer)
        }
        return verdict
    }

    /// Makes one member control call (``CallsService``) on the link's `Calls` stream and returns
    /// the answer's bytes.
    /// - Parameters:
    ///   - request: The encoded request.
    ///   - timeout: The call's deadline.
    /// - Returns: The answer.
    /// - Throws: ``RuntimeError`` `transportFailure` when the request is over the size limit, the
    ///   peer cannot be reached, the stream fails or the deadline passes.
    public func call(_ request: [UInt8], timeout: Duration) async throws -> [UInt8] {
        try await calls.call(request, timeout: timeout)
    }

    /// Makes one unary admin call (``CallService``) and returns the answer's bytes.
    /// - Parameters:
    ///   - method: The method.
    ///   - request: The encoded request.
    ///   - timeout: The call's deadline.
    /// - Returns: The answer.
    /// - Throws: ``RuntimeError`` `transportFailure` when the node cannot be reached or the call fails.
    func unary(_ method: MethodDescriptor, _ request: [UInt8], timeout: Duration) async throws -> [UInt8] {
        var options = CallOptions.defaults
        options.waitForReady = false
        // A node that restarted is reconnected with back-off: an unavailable connection is
        // retried until the handshake deadline, as for control calls, and every attempt gets only
        // what is left of the call's own deadline (protocols/node.md#control-calls).
        let start = ContinuousClock.now
        let deadline = start.advanced(by: timeout)
        let connectBy = start.advanced(by: min(limits.handshakeTimeout, timeout))
        var attempt = 0
        while true {
            options.timeout = deadline - ContinuousClock.now
            guard options.timeout! > .zero else {
                throw Runtime.RuntimeError(.transportFailure, "the call to \(peer) at \(address) failed: deadlineExceeded", member: peer)
            }
            do {
                return try await client.unary(
                    request: ClientRequest(message: request, metadata: NodeProtocol.metadata), descriptor: method, serializer: RawBytesCodec(),
                    deserializer: RawBytesCodec(), options: options
                ) { response in try response.message }
            } catch let error as RPCError where error.code == .unavailable && ContinuousClock.now < connectBy && !Task.isCancelled {
                try? await Task.sleep(for: limits.backoff(attempt: attempt))
                attempt += 1
            } catch let error as RPCError where error.code == .failedPrecondition {
                throw Runtime.RuntimeError(.transportFailure, "the call to \(peer) at \(address) was refused: \(error.message)", member: peer)
            } catch let error as RPCError {
                throw Runtime.RuntimeError(.transportFailure, "the call to \(peer) at \(address) failed: \(error.code)", member: peer)
            } catch {
                throw Runtime.RuntimeError(.transportFailure, "the call to \(peer) at \(address) failed", member: peer)
            }
        }
    }

    /// Closes the connection: in-flight calls may finish within `grace`, then the connection is
    /// cut (a call still queued for a connection being made would otherwise hold it open).
    /// - Parameter grace: How long in-flight calls may take.
    public func close(grace: Duration = .seconds(2)) async {
        await calls.close()
        client.beginGracefulShutdown()
        await connections.finish(cancellingAfter: grace)
    }
}

/// A delivery stream ended by gRPC with `code` (``PeerLink/stream(_:timeout:answered:)``).
struct DeliveryStreamFailure: Error {
    let code: RPCError.Code
    let peer: String
    let address: NodeAddress

    var runtimeError: Runtime.RuntimeError {
        Runtime.RuntimeError(.transportFailure, "delivery to \(peer) at \(address) failed: \(code)", member: peer)
    }
}

extension NodeAddress {
    /// What a link dials: an IPv4 literal directly, an IPv6 literal (bare or in brackets) directly,
    /// anything else as a DNS name (its addresses are tried in order). Spec: protocols/node.md#transport.
    var target: any ResolvableTarget {
        let literal = unbracketedHost
        switch try? NIOCore.SocketAddress(ipAddress: literal, port: port) {
        case .v4?: return .ipv4(address: literal, port: port)
        case .v6?: return .ipv6(address: literal, port: port)
        default: return .dns(host: host, port: port)
        }
    }

    /// The host without the brackets of an IPv6 literal.
    var unbracketedHost: String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }
}
