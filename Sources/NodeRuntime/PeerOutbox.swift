import MPCProtocols
import Runtime

/// The envelopes queued towards one peer, sent one at a time in order; a failed delivery, or one
/// the peer answers `overloaded`, is retried after an exponential back-off until the envelope's
/// lifetime ends (then it is dropped and counted).
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
                if verdict == .overloaded {
                    // The peer's bounds are full for now: the envelope is retried like a failed
                    // delivery, until its lifetime ends.
                    counters.update { $0.retries += 1 }
                    do {
                        try await Task.sleep(for: limits.backoff(attempt: attempt))
                    } catch {
                        break
                    }
                    attempt += 1
                    continue
                }
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
