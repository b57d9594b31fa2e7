import GRPCCore

/// The node's gRPC messages are raw bytes: our `WireFormat` encodings, not protobuf.
struct RawBytesCodec: MessageSerializer, MessageDeserializer {
    typealias Message = [UInt8]

    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }

    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { Array($0) }
    }
}

/// The node-to-node delivery method `covenant.node.v1.Node/Deliver`: a bidirectional stream whose
/// requests are encoded ``NodeEnvelope``s and whose responses are one ``DeliveryVerdict`` byte
/// each, in the order of the envelopes. A sending node keeps one stream per peer open, so an
/// envelope costs one HTTP/2 DATA frame each way instead of a call (a unary call, one envelope and
/// one verdict, is the same exchange on the wire). Spec: protocols/node.md#transport.
struct NodeService: RegistrableRPCService {
    /// `/covenant.node.v1.Node/Deliver`.
    static let deliver = MethodDescriptor(fullyQualifiedService: "covenant.node.v1.Node", method: "Deliver")

    let connections: AuthenticatedConnections
    let receive: @Sendable (_ envelope: [UInt8], _ peer: String?) async -> DeliveryVerdict

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let connections = self.connections
        let receive = self.receive
        router.registerHandler(forMethod: Self.deliver, deserializer: RawBytesCodec(), serializer: RawBytesCodec()) {
            request, context in
            // The connection's member is settled by its handshake, before any stream opens.
            let peer = connections.member(local: context.localPeer, remote: context.remotePeer)
            return StreamingServerResponse { writer in
                for try await envelope in request.messages {
                    try await writer.write([await receive(envelope, peer).rawValue])
                }
                return [:]
            }
        }
    }
}

/// A request–response service on an authenticated listener: `/covenant.node.v1.Node/Call` between
/// member nodes (ledger replication and run steps) or `/covenant.node.v1.Admin/Call` from a node's
/// operators. The request and the answer are one encoded ``ControlRequest`` / ``ControlResponse``
/// (or admin request / answer); the handler is given the authenticated caller's name.
/// Spec: protocols/node.md#control-calls.
struct CallService: RegistrableRPCService {
    /// `/covenant.node.v1.Node/Call`: member to member.
    static let member = MethodDescriptor(fullyQualifiedService: "covenant.node.v1.Node", method: "Call")
    /// `/covenant.node.v1.Admin/Call`: operator to its node.
    static let admin = MethodDescriptor(fullyQualifiedService: "covenant.node.v1.Admin", method: "Call")

    let method: MethodDescriptor
    let connections: AuthenticatedConnections
    let callTimeout: Duration
    let handle: @Sendable (_ request: [UInt8], _ caller: String) async -> [UInt8]

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let connections = self.connections
        let handle = self.handle
        let callTimeout = self.callTimeout
        router.registerHandler(forMethod: method, deserializer: RawBytesCodec(), serializer: RawBytesCodec()) { request, context in
            guard let caller = connections.member(local: context.localPeer, remote: context.remotePeer) else {
                return StreamingServerResponse(error: RPCError(code: .unauthenticated, message: "the connection is not authenticated"))
            }
            let bytes: [UInt8]
            do {
                bytes = try await Self.onlyMessage(of: request.messages, within: callTimeout)
            } catch let error as RPCError {
                return StreamingServerResponse(error: error)
            } catch {
                return StreamingServerResponse(error: RPCError(code: .cancelled, message: "the call ended before its request arrived"))
            }
            return StreamingServerResponse(single: ServerResponse(message: await handle(bytes, caller)))
        }
    }

    /// The call's one request message, read before `timeout` passes.
    static func onlyMessage(of messages: RPCAsyncSequence<[UInt8], any Error>, within timeout: Duration) async throws -> [UInt8] {
        try await withThrowingTaskGroup(of: [UInt8].self) { group in
            group.addTask {
                var only: [UInt8]?
                for try await message in messages {
                    guard only == nil else { throw RPCError(code: .invalidArgument, message: "a call takes exactly one request") }
                    only = message
                }
                guard let only else { throw RPCError(code: .invalidArgument, message: "a call takes exactly one request") }
                return only
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw RPCError(code: .deadlineExceeded, message: "the request did not arrive within the call deadline")
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else {
                throw RPCError(code: .internalError, message: "no outcome for the call")
            }
            return first
        }
    }
}
