import GRPCCore

/// The node's gRPC messages are raw bytes: our `WireFormat` encodings, not protobuf.
struct RawBytesCodec: MessageSerializer, MessageDeserializer {
    typealias Message = [UInt8]

    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }

    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { Array($0) }
    }
}

/// The node-to-node service `covenant.node.v1.Node`: one unary method, `Deliver`, whose request is
/// one encoded ``NodeEnvelope`` and whose response is one ``DeliveryVerdict`` byte.
/// Spec: protocols/node.md#transport.
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
            var envelope: [UInt8]?
            var count = 0
            for try await message in request.messages {
                count += 1
                if count > 1 { break }
                envelope = message
            }
            guard count == 1, let envelope else {
                return StreamingServerResponse(error: RPCError(code: .invalidArgument, message: "Deliver takes exactly one envelope"))
            }
            let verdict = await receive(envelope, connections.member(at: context.remotePeer))
            return StreamingServerResponse(single: ServerResponse(message: [verdict.rawValue]))
        }
    }
}
