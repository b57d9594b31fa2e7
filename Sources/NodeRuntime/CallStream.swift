import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Runtime
import Synchronization

/// A frame of the `Calls` stream: `u64 id ‖ body` (big-endian id), a request's body towards the
/// callee, its answer's body back. Spec: protocols/node.md#control-calls.
enum CallFrame {
    /// The bytes a frame adds to its body.
    static let overhead = 8

    static func encode(_ id: UInt64, _ body: [UInt8]) -> [UInt8] {
        var frame = [UInt8](repeating: 0, count: overhead)
        frame.reserveCapacity(overhead + body.count)
        for index in 0..<overhead { frame[index] = UInt8(truncatingIfNeeded: id >> (56 - 8 * index)) }
        frame.append(contentsOf: body)
        return frame
    }

    /// The id and body of a frame; nil for one shorter than its id.
    static func decode(_ frame: [UInt8]) -> (id: UInt64, body: [UInt8])? {
        guard frame.count >= overhead else { return nil }
        var id: UInt64 = 0
        for index in 0..<overhead { id = id << 8 | UInt64(frame[index]) }
        return (id, Array(frame[overhead...]))
    }
}

/// The member control calls towards one peer, multiplexed on one long-lived `Calls` stream
/// (``CallsService``) by request id: a call writes one frame and waits for the frame with its id,
/// so many calls are in flight at once and answered in any order. A call whose answer does not
/// arrive by its deadline fails (its late answer is dropped); a stream that fails or ends fails
/// the calls pending on it at once, and the next call opens a new one. A stream that never
/// reached the peer (`UNAVAILABLE` before the peer accepted it: the peer is restarting) is retried
/// with back-off up to `handshakeTimeout`, as its request cannot have been served. The stream is
/// closed after `maxIdleTime` without a call. Spec: protocols/node.md#control-calls.
actor CallStream {
    /// A call's failure, and whether its request can be written again on a new stream.
    private struct Failure: Error {
        var error: Runtime.RuntimeError
        var retryable = false
    }

    private struct Pending {
        var answer: CheckedContinuation<[UInt8], any Error>
        var stream: UInt64
    }

    private let client: GRPCClient<HTTP2ClientTransport.Posix>
    private let peer: String
    private let address: NodeAddress
    private let limits: NodeLimits
    /// The open stream's request side, if one is open.
    private var feed: AsyncStream<[UInt8]>.Continuation?
    /// The number of the open (or last) stream.
    private var stream: UInt64 = 0
    private var pending: [UInt64: Pending] = [:]
    private var nextID: UInt64 = 0
    private var lastActivity = ContinuousClock.now
    private var closed = false

    init(client: GRPCClient<HTTP2ClientTransport.Posix>, peer: String, address: NodeAddress, limits: NodeLimits) {
        self.client = client
        self.peer = peer
        self.address = address
        self.limits = limits
    }

    /// Makes one call and returns the answer's bytes.
    /// - Throws: ``RuntimeError`` `transportFailure` when the request is over the size limit (it is
    ///   not sent), too many calls to the peer are in flight, the peer cannot be reached, the
    ///   stream fails, or the deadline passes.
    func call(_ request: [UInt8], timeout: Duration) async throws -> [UInt8] {
        guard CallFrame.overhead + request.count <= limits.maxRequestBytes else {
            throw Runtime.RuntimeError(
                .transportFailure, "the call to \(peer) was not sent: its request is over \(limits.maxRequestBytes - CallFrame.overhead) bytes",
                member: peer)
        }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let connectBy = ContinuousClock.now.advanced(by: limits.handshakeTimeout)
        var attempt = 0
        while true {
            do {
                return try await send(request, until: deadline)
            } catch let failure as Failure {
                guard failure.retryable, ContinuousClock.now < min(connectBy, deadline), !Task.isCancelled else { throw failure.error }
                try? await Task.sleep(for: limits.backoff(attempt: attempt))
                attempt += 1
            }
        }
    }

    /// Writes one request on the open stream (opened if none is) and waits for its answer.
    private func send(_ request: [UInt8], until deadline: ContinuousClock.Instant) async throws -> [UInt8] {
        guard !closed else { throw Failure(error: failed("the link is closed")) }
        guard pending.count < limits.maxConcurrentCalls else {
            throw Failure(error: Runtime.RuntimeError(
                .transportFailure, "the call to \(peer) was not sent: \(limits.maxConcurrentCalls) calls to it are in flight", member: peer))
        }
        nextID += 1
        let id = nextID
        let feed = openIfNeeded()
        let timer = Task { [weak self] in
            guard (try? await Task.sleep(until: deadline)) != nil, let self else { return }
            await self.fail(id, with: self.failed("\(RPCError.Code.deadlineExceeded)"))
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                pending[id] = Pending(answer: continuation, stream: stream)
                lastActivity = .now
                feed.yield(CallFrame.encode(id, request))
            }
        } onCancel: {
            Task { await self.fail(id, with: self.failed("\(RPCError.Code.cancelled)")) }
        }
    }

    private nonisolated func failed(_ reason: String) -> Runtime.RuntimeError {
        Runtime.RuntimeError(.transportFailure, "the call to \(peer) at \(address) failed: \(reason)", member: peer)
    }

    private func fail(_ id: UInt64, with error: any Error) {
        pending.removeValue(forKey: id)?.answer.resume(throwing: error)
        finishIfClosed()
    }

    private func openIfNeeded() -> AsyncStream<[UInt8]>.Continuation {
        if let feed { return feed }
        stream += 1
        let number = stream
        let (frames, feed) = AsyncStream.makeStream(of: [UInt8].self)
        self.feed = feed
        lastActivity = .now
        Task { await self.run(number, frames) }
        return feed
    }

    /// Runs stream `number` until it ends, then fails the calls still pending on it.
    private func run(_ number: UInt64, _ frames: AsyncStream<[UInt8]>) async {
        var options = CallOptions.defaults
        options.waitForReady = false
        // Bounds the answers this side decodes (the callee never sends a larger one).
        options.maxRequestMessageBytes = limits.maxRequestBytes
        options.maxResponseMessageBytes = limits.maxRequestBytes
        let accepted = Mutex(false)
        let idle = Task { await self.closeWhenIdle(number) }
        let ending: Failure
        do {
            try await client.bidirectionalStreaming(
                request: StreamingClientRequest(metadata: NodeProtocol.metadata) { writer in
                    for await frame in frames { try await writer.write(frame) }
                },
                descriptor: CallsService.method, serializer: RawBytesCodec(), deserializer: RawBytesCodec(), options: options
            ) { response in
                if case .failure(let error) = response.accepted { throw error }
                accepted.withLock { $0 = true }
                for try await frame in response.messages { await self.answered(frame) }
            }
            ending = Failure(error: failed("the peer ended the call stream"))
        } catch let error as RPCError where error.code == .failedPrecondition {
            ending = Failure(error: Runtime.RuntimeError(
                .transportFailure, "the call to \(peer) at \(address) was refused: \(error.message)", member: peer))
        } catch let error as RPCError {
            ending = Failure(error: failed("\(error.code)"), retryable: error.code == .unavailable && !accepted.withLock { $0 })
        } catch {
            ending = Failure(error: failed("the call stream failed"))
        }
        idle.cancel()
        ended(number, ending)
    }

    /// Stream `number` ended: the calls pending on it fail with `failure`.
    private func ended(_ number: UInt64, _ failure: Failure) {
        if stream == number {
            feed?.finish()
            feed = nil
        }
        for (id, call) in pending where call.stream == number {
            pending[id] = nil
            call.answer.resume(throwing: failure)
        }
        finishIfClosed()
    }

    /// Hands an answer to its call; an answer whose call already ended (late, or unknown) is dropped.
    private func answered(_ frame: [UInt8]) {
        guard let decoded = CallFrame.decode(frame), let call = pending.removeValue(forKey: decoded.id) else { return }
        lastActivity = .now
        call.answer.resume(returning: decoded.body)
        finishIfClosed()
    }

    /// Ends stream `number`'s request side once no call was pending on it for `maxIdleTime`.
    private func closeWhenIdle(_ number: UInt64) async {
        let tick = limits.maxIdleTime / 4
        while (try? await Task.sleep(for: tick)) != nil, stream == number, feed != nil {
            if pending.isEmpty, ContinuousClock.now - lastActivity > limits.maxIdleTime {
                feed?.finish()
                feed = nil
                return
            }
        }
    }

    private func finishIfClosed() {
        guard closed, pending.isEmpty else { return }
        feed?.finish()
        feed = nil
    }

    /// Refuses new calls; the stream's request side ends once the pending calls are answered.
    func close() {
        closed = true
        finishIfClosed()
    }
}
