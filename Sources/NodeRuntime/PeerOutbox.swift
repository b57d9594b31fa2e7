import MPCProtocols
import Runtime

/// The envelopes queued towards one peer, written in order on one long-lived delivery stream
/// (``PeerLink/stream(_:timeout:answered:)``) whose verdicts come back in the same order.
/// A stream that fails, or whose oldest unanswered envelope waited `deliveryTimeout`, is closed and
/// reopened after an exponential back-off, and every unanswered envelope is written again (the
/// receiver answers `replayed` to one it had accepted, which counts as delivered). An envelope the
/// peer answers `overloaded` is written again after a back-off. An envelope is dropped and counted
/// once its `deliveryLifetime` ends. A stream idle for `maxIdleTime` is closed.
/// Spec: protocols/node.md#deadlines-and-reconnection.
actor PeerOutbox {
    private struct Item {
        var id: UInt64
        var bytes: [UInt8]
        var payloadCount: Int
        var expires: ContinuousClock.Instant
        var writes = 0
        var overloads = 0
    }

    /// The stream was closed by the watchdog: its oldest envelope waited too long for its verdict.
    private struct Overdue: Error {}

    let link: PeerLink
    private let limits: NodeLimits
    private let counters: NodeCounters
    /// Envelopes not answered yet, in the order they were queued.
    private var queue: [Item] = []
    /// The envelopes written on the open stream and not answered, in writing order, with when.
    private var inFlight: [(id: UInt64, at: ContinuousClock.Instant)] = []
    /// The open stream's request side, if a stream is open.
    private var feed: AsyncStream<[UInt8]>.Continuation?
    private var lastActivity = ContinuousClock.now
    private var nextID: UInt64 = 0
    private var sender: Task<Void, Never>?
    private var stopped = false

    init(link: PeerLink, limits: NodeLimits, counters: NodeCounters) {
        self.link = link
        self.limits = limits
        self.counters = counters
    }

    /// Queues an envelope, written at once if a stream is open.
    /// - Returns: false when the queue is full or the outbox stopped.
    func enqueue(_ bytes: [UInt8], payloadCount: Int) -> Bool {
        guard !stopped, queue.count < limits.maxQueuedEnvelopes else { return false }
        nextID += 1
        let item = Item(id: nextID, bytes: bytes, payloadCount: payloadCount, expires: .now.advanced(by: limits.deliveryLifetime))
        queue.append(item)
        write(queue.count - 1)
        if sender == nil {
            sender = Task { await self.run() }
        }
        return true
    }

    /// Writes `queue[index]` on the open stream, if any.
    private func write(_ index: Int) {
        guard let feed else { return }
        queue[index].writes += 1
        inFlight.append((queue[index].id, .now))
        lastActivity = .now
        feed.yield(queue[index].bytes)
    }

    /// Opens streams while envelopes wait, one at a time.
    private func run() async {
        var attempt = 0
        while !stopped {
            dropExpired()
            if queue.isEmpty { break }
            let (envelopes, continuation) = AsyncStream.makeStream(of: [UInt8].self)
            feed = continuation
            inFlight = []
            for index in queue.indices { write(index) }
            let link = self.link
            var failed = false
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await link.stream(envelopes) { verdict in await self.answered(verdict) } }
                    group.addTask { try await self.watch() }
                    defer { group.cancelAll() }
                    _ = try await group.next()
                }
            } catch {
                failed = true
            }
            feed?.finish()
            feed = nil
            guard failed else {
                attempt = 0
                continue
            }
            if stopped { break }
            counters.update { $0.retries += 1 }
            do {
                try await Task.sleep(for: limits.backoff(attempt: attempt))
            } catch {
                break
            }
            attempt += 1
        }
        sender = nil
    }

    /// Ends the open stream by throwing when its oldest unanswered envelope is overdue, and
    /// closes it (returning) once it has been idle for `maxIdleTime`.
    private func watch() async throws {
        let tick = min(limits.deliveryTimeout, limits.maxIdleTime) / 4
        while true {
            try await Task.sleep(for: tick)
            if let oldest = inFlight.first, ContinuousClock.now - oldest.at > limits.deliveryTimeout { throw Overdue() }
            if queue.isEmpty, ContinuousClock.now - lastActivity > limits.maxIdleTime {
                feed?.finish()
                feed = nil
                return
            }
        }
    }

    /// The peer's verdict on the oldest envelope written on the open stream.
    private func answered(_ verdict: DeliveryVerdict) {
        guard !inFlight.isEmpty else { return }
        let id = inFlight.removeFirst().id
        lastActivity = .now
        guard let index = queue.firstIndex(where: { $0.id == id }) else { return }
        if verdict == .overloaded {
            // The peer's bounds are full for now: written again after a back-off, until its
            // lifetime ends.
            counters.update { $0.retries += 1 }
            queue[index].overloads += 1
            let delay = limits.backoff(attempt: queue[index].overloads - 1)
            Task {
                try? await Task.sleep(for: delay)
                self.writeAgain(id)
            }
            return
        }
        let item = queue.remove(at: index)
        counters.update { statistics in
            // `replayed` for an envelope written more than once: an earlier copy was accepted.
            if verdict == .accepted || (verdict == .replayed && item.writes > 1) {
                statistics.envelopesDelivered += 1
                statistics.payloadBytesSent += item.payloadCount
            } else {
                statistics.envelopesRefusedByPeers[verdict, default: 0] += 1
            }
        }
    }

    private func writeAgain(_ id: UInt64) {
        guard !inFlight.contains(where: { $0.id == id }), let index = queue.firstIndex(where: { $0.id == id }) else { return }
        if ContinuousClock.now >= queue[index].expires {
            queue.remove(at: index)
            counters.update { $0.outgoingDropped += 1 }
            return
        }
        write(index)
    }

    private func dropExpired() {
        let now = ContinuousClock.now
        let expired = queue.count(where: { now >= $0.expires })
        guard expired > 0 else { return }
        queue.removeAll { now >= $0.expires }
        counters.update { $0.outgoingDropped += expired }
    }

    /// Stops sending, drops what is queued and closes the link.
    func shutdown() async {
        stopped = true
        counters.update { $0.outgoingDropped += queue.count }
        queue.removeAll()
        feed?.finish()
        feed = nil
        sender?.cancel()
        await link.close()
    }
}
