import MPCProtocols
import Runtime

/// The receiving end of one party in one session of a ``NodeTransport``: envelopes that passed
/// every check, in arrival order. Spec: protocols/node.md#receiving-an-envelope.
actor NodeMailbox: Mailbox {
    let party: PartyID
    private var queue: [TransportMessage]
    private var head = 0
    private var waiter: (id: UInt64, continuation: CheckedContinuation<TransportMessage?, any Error>)?
    private var nextWaiterID: UInt64 = 0
    private var closed = false

    init(party: PartyID, held: [TransportMessage]) {
        self.party = party
        self.queue = held
    }

    func deliver(_ message: TransportMessage) {
        guard !closed else { return }
        if let current = waiter {
            waiter = nil
            current.continuation.resume(returning: message)
            return
        }
        queue.append(message)
    }

    func close() {
        closed = true
        queue.removeAll()
        head = 0
        if let current = waiter {
            waiter = nil
            current.continuation.resume(returning: nil)
        }
    }

    func receive(before deadline: ContinuousClock.Instant) async throws -> TransportMessage? {
        try Task.checkCancellation()
        if head < queue.count {
            let message = queue[head]
            head += 1
            if head == queue.count {
                queue.removeAll(keepingCapacity: true)
                head = 0
            }
            return message
        }
        if closed || ContinuousClock.now >= deadline { return nil }
        nextWaiterID += 1
        let id = nextWaiterID
        let timer = Task {
            try? await Task.sleep(until: deadline, clock: .continuous)
            self.expire(id, cancelled: false)
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation(isolation: self) { continuation in
                waiter = (id, continuation)
            }
        } onCancel: {
            Task { await self.expire(id, cancelled: true) }
        }
    }

    private func expire(_ id: UInt64, cancelled: Bool) {
        guard let current = waiter, current.id == id else { return }
        waiter = nil
        if cancelled {
            current.continuation.resume(throwing: CancellationError())
        } else {
            current.continuation.resume(returning: nil)
        }
    }
}

/// The envelopes queued towards one peer, sent one at a time in order; a failed delivery is
/// retried after an exponential back-off until the envelope's lifetime ends.
/// Spec: protocols/node.md#deadlines-and-reconnection.
actor PeerOutbox {
    private struct Item {
        var id: UInt64
        var bytes: [UInt8]
        var payloadCount: Int
        var expires: ContinuousClock.Instant
    }

    let link: PeerLink
    private let limits: NodeLimits
    private let counters: NodeCounters
    private var queue: [Item] = []
    private var nextID: UInt64 = 0
    private var drainer: Task<Void, Never>?
    private var stopped = false

    init(link: PeerLink, limits: NodeLimits, counters: NodeCounters) {
        self.link = link
        self.limits = limits
        self.counters = counters
    }

    /// Queues an envelope.
    /// - Returns: false when the queue is full or the outbox stopped.
    func enqueue(_ bytes: [UInt8], payloadCount: Int) -> Bool {
        guard !stopped, queue.count < limits.maxQueuedEnvelopes else { return false }
        nextID += 1
        queue.append(Item(id: nextID, bytes: bytes, payloadCount: payloadCount, expires: .now.advanced(by: limits.deliveryLifetime)))
        if drainer == nil {
            drainer = Task { await self.drain() }
        }
        return true
    }

    private func drain() async {
        var attempt = 0
        while !stopped, let item = queue.first {
            if ContinuousClock.now >= item.expires {
                remove(item.id)
                counters.update { $0.outgoingDropped += 1 }
                attempt = 0
                continue
            }
            do {
                let verdict = try await link.deliver(item.bytes)
                remove(item.id)
                attempt = 0
                counters.update { statistics in
                    if verdict == .accepted {
                        statistics.envelopesDelivered += 1
                        statistics.payloadBytesSent += item.payloadCount
                    } else {
                        statistics.envelopesRefusedByPeers[verdict, default: 0] += 1
                    }
                }
            } catch {
                if stopped { break }
                counters.update { $0.retries += 1 }
                do {
                    try await Task.sleep(for: limits.backoff(attempt: attempt))
                } catch {
                    break
                }
                attempt += 1
            }
        }
        drainer = nil
    }

    private func remove(_ id: UInt64) {
        if queue.first?.id == id { queue.removeFirst() }
    }

    /// Stops sending, drops what is queued and closes the link.
    func shutdown() async {
        stopped = true
        counters.update { $0.outgoingDropped += queue.count }
        queue.removeAll()
        drainer?.cancel()
        await link.close()
    }
}
