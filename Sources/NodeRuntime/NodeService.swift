import GRPCCore
import Runtime
import Synchronization

/// The node's gRPC messages are raw bytes: our `WireFormat` encodings, not protobuf.
struct RawBytesCodec: MessageSerializer, MessageDeserializer {
    typealias Message = [UInt8]

    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }

    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { Array($0) }
    }
}

/// The revision of the node protocol — the `Deliver` and `Calls` streams, the admin calls and their
/// encodings — that this release speaks. Every call and stream carries it in the metadata entry
/// `covenant-node-revision`; a node refuses a caller of another revision (or of none: releases
/// before revision 2) with `FAILED_PRECONDITION` and a message naming both, instead of
/// misreading its requests. Revision 3: the `view` call carries the masked output, the `padSeed`
/// call exists (protocols/runtime.md#output-pads), and so do the consortium-change calls and admin
/// commands (protocols/node.md#consortium-changes). Revision 4: member control calls travel on the
/// `Calls` stream instead of unary `Call`s (protocols/node.md#control-calls), `view` carries only
/// the words a recipient's outputs need, opened against per-word commitments, `join` the
/// coordinator's seed-delivery deadline (protocols/runtime.md#output-pads), and the `reach` call
/// exists. Spec: protocols/node.md#versions.
enum NodeProtocol {
    static let revision = 4
    static let metadataKey = "covenant-node-revision"

    /// The metadata every request carries.
    static var metadata: Metadata {
        var metadata = Metadata()
        metadata.addString(String(revision), forKey: metadataKey)
        return metadata
    }

    /// Nil when `metadata` names this revision; otherwise the error to end the call with.
    static func refusal(of metadata: Metadata) -> RPCError? {
        let given = Array(metadata[stringValues: metadataKey])
        guard given != [String(revision)] else { return nil }
        let theirs = given.first.map { "revision \(String($0.prefix(16)))" } ?? "no revision (a release before revision 2)"
        return RPCError(
            code: .failedPrecondition,
            message: "node protocol mismatch: this node speaks revision \(revision), the caller \(theirs); run the same Covenant release on every node")
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
    let closing: StreamsClosing
    let receive: @Sendable (_ envelope: [UInt8], _ peer: String?) async -> DeliveryVerdict

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let connections = self.connections
        let closing = self.closing
        let receive = self.receive
        router.registerHandler(forMethod: Self.deliver, deserializer: RawBytesCodec(), serializer: RawBytesCodec()) {
            request, context in
            if let refusal = NodeProtocol.refusal(of: request.metadata) { return StreamingServerResponse(error: refusal) }
            // The connection's member is settled by its handshake, before any stream opens.
            let peer = connections.member(local: context.localPeer, remote: context.remotePeer)
            return StreamingServerResponse { writer in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await envelope in request.messages {
                            try await writer.write([await receive(envelope, peer).rawValue])
                        }
                    }
                    group.addTask { await closing.wait() }
                    defer { group.cancelAll() }
                    _ = try await group.next()
                }
                return [:]
            }
        }
    }
}

/// The member-to-member control calls, `/covenant.node.v1.Node/Calls`: a bidirectional stream
/// whose requests and answers are ``CallFrame``s (`u64 id ‖ body`), the body one encoded
/// ``ControlRequest`` and its ``ControlResponse``. The caller is the member the connection
/// authenticated, never a field of a request; a member the registry no longer holds is refused
/// call by call (`peer-refused`). Each request is handled in a task of its own, so answers leave in
/// the order they are ready; at most `maxConcurrentCalls` of one member's calls are handled at once,
/// across its streams, and one more is refused at once. An answer over the size limit is replaced
/// by a refusal. Spec: protocols/node.md#control-calls.
struct CallsService: RegistrableRPCService {
    /// `/covenant.node.v1.Node/Calls`.
    static let method = MethodDescriptor(fullyQualifiedService: "covenant.node.v1.Node", method: "Calls")

    let connections: AuthenticatedConnections
    let directory: MemberDirectory
    let closing: StreamsClosing
    let budget: CallBudget
    let maxFrameBytes: Int
    let handle: @Sendable (_ request: [UInt8], _ caller: String) async -> [UInt8]

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let service = self
        router.registerHandler(forMethod: Self.method, deserializer: RawBytesCodec(), serializer: RawBytesCodec()) { request, context in
            if let refusal = NodeProtocol.refusal(of: request.metadata) { return StreamingServerResponse(error: refusal) }
            guard let caller = service.connections.member(local: context.localPeer, remote: context.remotePeer) else {
                return StreamingServerResponse(error: RPCError(code: .unauthenticated, message: "the connection is not authenticated"))
            }
            return StreamingServerResponse { writer in
                try await service.serve(request.messages, from: caller, writer: writer)
                return [:]
            }
        }
    }

    /// Reads `caller`'s requests until it ends its side or the node stops listening, answering each
    /// from a task of its own; returns once every answer is written (at once when the node stops
    /// listening: the calls in flight are cancelled and their callers' calls fail).
    private func serve(
        _ requests: RPCAsyncSequence<[UInt8], any Error>, from caller: String, writer: RPCWriter<[UInt8]>
    ) async throws {
        let (incoming, feed) = AsyncStream.makeStream(of: [UInt8].self)
        let (answers, sink) = AsyncStream.makeStream(of: [UInt8].self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await answer in answers { try await writer.write(answer) }
            }
            let stopping = Mutex(false)
            group.addTask {
                await withTaskGroup(of: Bool.self) { reading in
                    reading.addTask {
                        do { for try await request in requests { feed.yield(request) } } catch {}
                        return false
                    }
                    reading.addTask {
                        await closing.wait()
                        return !Task.isCancelled
                    }
                    if await reading.next() == true { stopping.withLock { $0 = true } }
                    reading.cancelAll()
                }
                feed.finish()
            }
            var malformed = false
            await withTaskGroup(of: Void.self) { handlers in
                for await frame in incoming {
                    guard let decoded = CallFrame.decode(frame) else {
                        malformed = true
                        break
                    }
                    let (id, body) = decoded
                    guard directory.key(of: caller) != nil else {
                        // A connection authenticated before its member was removed from the ledger
                        // stays open until it closes, but carries nothing from then on.
                        sink.yield(CallFrame.encode(id, ControlResponse.refusal(Runtime.RuntimeError(
                            .peerRefused, "\(caller) is no longer a registered member"))))
                        continue
                    }
                    guard budget.enter(caller) else {
                        sink.yield(CallFrame.encode(id, ControlResponse.refusal(Runtime.RuntimeError(
                            .transportFailure, "\(budget.limit) calls of \(caller) are in flight"))))
                        continue
                    }
                    handlers.addTask {
                        defer { budget.leave(caller) }
                        var answer = await handle(body, caller)
                        if CallFrame.overhead + answer.count > maxFrameBytes {
                            answer = ControlResponse.refusal(Runtime.RuntimeError(
                                .transportFailure, "the answer is over \(maxFrameBytes - CallFrame.overhead) bytes"))
                        }
                        // A node that stops listening ends its streams at once, without answers.
                        if !Task.isCancelled { sink.yield(CallFrame.encode(id, answer)) }
                    }
                }
                if stopping.withLock({ $0 }) { handlers.cancelAll() }
            }
            sink.finish()
            if malformed { throw RPCError(code: .invalidArgument, message: "a call frame starts with its 8-byte id") }
            try await group.waitForAll()
        }
    }
}

/// The calls of each member being handled at once on a listener, across its streams
/// (``CallsService``), bounded by `maxConcurrentCalls`.
final class CallBudget: Sendable {
    let limit: Int
    private let inFlight = Mutex<[String: Int]>([:])

    init(limit: Int) { self.limit = limit }

    /// Counts one more call of `member`; false (nothing counted) when it has `limit` in flight.
    func enter(_ member: String) -> Bool {
        inFlight.withLock { counts in
            guard counts[member, default: 0] < limit else { return false }
            counts[member, default: 0] += 1
            return true
        }
    }

    /// Counts one call of `member` fewer.
    func leave(_ member: String) {
        inFlight.withLock { counts in
            let left = counts[member, default: 1] - 1
            counts[member] = left > 0 ? left : nil
        }
    }
}

/// A request–response service on an operator's authenticated listener,
/// `/covenant.node.v1.Admin/Call`: the request and the answer are one admin request and answer;
/// the handler is given the authenticated operator's name. Spec: protocols/node.md#admin-channel.
struct CallService: RegistrableRPCService {
    /// `/covenant.node.v1.Admin/Call`: operator to its node.
    static let admin = MethodDescriptor(fullyQualifiedService: "covenant.node.v1.Admin", method: "Call")

    let connections: AuthenticatedConnections
    let callTimeout: Duration
    let handle: @Sendable (_ request: [UInt8], _ caller: String) async -> [UInt8]

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let connections = self.connections
        let handle = self.handle
        let callTimeout = self.callTimeout
        router.registerHandler(forMethod: Self.admin, deserializer: RawBytesCodec(), serializer: RawBytesCodec()) { request, context in
            if let refusal = NodeProtocol.refusal(of: request.metadata) { return StreamingServerResponse(error: refusal) }
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

/// Raised once when a node stops listening: its open `Deliver` and `Calls` streams end at once
/// instead of holding the server's graceful shutdown until their senders close them.
/// One per ``NodeTransport/start()``.
final class StreamsClosing: Sendable {
    private struct State {
        var raised = false
        var next: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    /// Returns once ``raise()`` was called, or when the calling task is cancelled.
    func wait() async {
        let id = state.withLock { state -> UInt64 in
            state.next += 1
            return state.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state -> Bool in
                    if state.raised || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    /// Ends every wait, present and future.
    func raise() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.raised = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }
}
