public import MPCProtocols

/// Per-party traffic counters of a transport.
public struct TrafficStatistics: Sendable, Hashable {
    /// Bytes each party put on the wire (a broadcast counts once per recipient).
    public var bytesSent: [PartyID: Int] = [:]
    /// Bytes delivered to each party.
    public var bytesReceived: [PartyID: Int] = [:]
    /// Messages each party sent.
    public var messagesSent: [PartyID: Int] = [:]
    /// Messages the fault plan dropped (crashes included).
    public var messagesDropped = 0
    /// Faults the plan applied, by kind (`drop`, `delay`, `duplicate`, `corrupt`, `truncate`, `crash`).
    public var faultsApplied: [String: Int] = [:]

    /// Empty counters.
    public init() {}
}

/// The in-process ``Transport``: one mailbox per party per session, delivery by actor hop, and
/// fault injection (crash a party at round k, drop, delay, duplicate, corrupt or truncate
/// messages, reorder deliveries) from a ``FaultPlan``. Spec: protocols/runtime.md#fault-injection.
///
/// It is the transport of `covenant demo`, `covenant run` and the tests; `NodeRuntime` provides
/// the networked one. Nothing here looks inside a message except the corrupt and truncate faults,
/// which change bytes blindly.
public actor InMemoryTransport: Transport {
    /// The faults this transport injects.
    public nonisolated let faults: FaultPlan
    private let recording: Bool
    private var mailboxes: [SessionID: [PartyID: QueueMailbox]] = [:]
    private var crashed: [SessionID: Set<PartyID>] = [:]
    private var ruleUses: [Int]
    private var shuffleState: UInt64
    private var traffic = TrafficStatistics()
    private var delivered: [TransportMessage] = []

    /// A transport.
    /// - Parameters:
    ///   - faults: What to inject (default: nothing).
    ///   - recording: Whether to keep every delivered message (for leakage tests).
    public init(faults: FaultPlan = .none, recording: Bool = false) {
        self.faults = faults
        self.recording = recording
        self.ruleUses = Array(repeating: 0, count: faults.rules.count)
        self.shuffleState = faults.reorderSeed ?? 0
    }

    /// Needs no roster: every party of a session lives in this process.
    /// - Parameters:
    ///   - session: The session.
    ///   - roster: The host of each party (ignored).
    public func register(session: SessionID, roster: [PartyID: String]) {}

    /// Opens a mailbox.
    /// - Parameters:
    ///   - session: The session.
    ///   - party: The party.
    /// - Returns: The party's mailbox for the session.
    public func open(session: SessionID, party: PartyID) async throws -> any Mailbox {
        if let existing = mailboxes[session]?[party] { return existing }
        let mailbox = QueueMailbox(party: party)
        mailboxes[session, default: [:]][party] = mailbox
        if let round = faults.crashes[party], round == 0 {
            // Crashed before the session: it will never send; its own driver learns at once.
            crashed[session, default: []].insert(party)
            traffic.faultsApplied["crash", default: 0] += 1
            await mailbox.disconnect()
        }
        return mailbox
    }

    /// Sends a message, applying the fault plan.
    /// - Parameter message: The message.
    public func send(_ message: TransportMessage) async {
        guard let boxes = mailboxes[message.session], let target = boxes[message.to] else { return }
        let gone = crashed[message.session, default: []]
        if gone.contains(message.from) { return }
        if let round = faults.crashes[message.from], message.round >= round {
            crashed[message.session, default: []].insert(message.from)
            traffic.faultsApplied["crash", default: 0] += 1
            traffic.messagesDropped += 1
            await boxes[message.from]?.disconnect()
            return
        }
        traffic.bytesSent[message.from, default: 0] += message.bytes.count
        traffic.messagesSent[message.from, default: 0] += 1
        if gone.contains(message.to) {
            traffic.messagesDropped += 1
            return
        }
        var copies: [(TransportMessage, Duration)] = [(message, .zero)]
        if let index = faults.rules.indices.first(where: { ruleUses[$0] < faults.rules[$0].limit && faults.rules[$0].match.matches(message) }) {
            ruleUses[index] += 1
            switch faults.rules[index].action {
            case .drop:
                traffic.faultsApplied["drop", default: 0] += 1
                traffic.messagesDropped += 1
                copies = []
            case .delay(let duration):
                traffic.faultsApplied["delay", default: 0] += 1
                copies = [(message, duration)]
            case .duplicate:
                traffic.faultsApplied["duplicate", default: 0] += 1
                copies = [(message, .zero), (message, .zero)]
            case .corrupt(let bit):
                traffic.faultsApplied["corrupt", default: 0] += 1
                var changed = message
                if !changed.bytes.isEmpty {
                    let position = min(max(0, bit ?? changed.bytes.count * 4), changed.bytes.count * 8 - 1)
                    changed.bytes[position / 8] ^= UInt8(0x80) >> UInt8(position % 8)
                }
                copies = [(changed, .zero)]
            case .truncate(let count):
                traffic.faultsApplied["truncate", default: 0] += 1
                var changed = message
                changed.bytes.removeLast(min(count, changed.bytes.count))
                copies = [(changed, .zero)]
            }
        }
        for (copy, delay) in copies {
            var wait = delay
            var position: Int?
            if faults.reorderSeed != nil {
                wait += .microseconds(Int64(nextRandom() % 3000))
                position = Int(nextRandom() % 1024)
            }
            if wait > .zero {
                Task { [position, wait] in
                    try? await Task.sleep(for: wait)
                    await self.deliver(copy, to: target, position: position)
                }
            } else {
                await deliver(copy, to: target, position: position)
            }
        }
    }

    private func deliver(_ message: TransportMessage, to mailbox: QueueMailbox, position: Int?) async {
        guard mailboxes[message.session] != nil, !crashed[message.session, default: []].contains(message.to) else { return }
        traffic.bytesReceived[message.to, default: 0] += message.bytes.count
        if recording { delivered.append(message) }
        await mailbox.deliver(message, position: position)
    }

    /// Releases a session's mailboxes.
    /// - Parameter session: The session.
    public func close(session: SessionID) async {
        if let boxes = mailboxes.removeValue(forKey: session) {
            for box in boxes.values { await box.close() }
        }
    }

    /// The parties cut off by a crash fault in `session`.
    /// - Parameter session: The session.
    /// - Returns: The crashed parties.
    public func crashedParties(in session: SessionID) -> Set<PartyID> { crashed[session, default: []] }

    /// Traffic counters since the transport was created.
    /// - Returns: The counters.
    public func statistics() -> TrafficStatistics { traffic }

    /// Every delivered message, in delivery order (only with `recording`).
    /// - Returns: The messages.
    public func deliveredMessages() -> [TransportMessage] { delivered }

    private func nextRandom() -> UInt64 {
        shuffleState &+= 0x9E37_79B9_7F4A_7C15
        var z = shuffleState
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One party's queue in one session, shared by every transport (``InMemoryTransport``, the
/// member nodes' transport): messages in arrival order (or at a position, for fault injection),
/// one waiter at a time with a deadline, closed or cut off at the session's end.
public actor QueueMailbox: Mailbox {
    /// The party whose mailbox it is.
    public let party: PartyID
    private var queue: [TransportMessage]
    /// The next unread message: reading is O(1), and the array is trimmed when drained.
    private var head = 0
    /// Payload bytes of the unread messages.
    private var unreadBytes = 0
    private var waiter: (id: UInt64, continuation: CheckedContinuation<TransportMessage?, any Error>, wake: any ScheduledWake)?
    private var nextWaiterID: UInt64 = 0
    private var disconnected = false
    private var closed = false

    /// A mailbox.
    /// - Parameters:
    ///   - party: The party.
    ///   - held: Messages that arrived before it opened, in order.
    public init(party: PartyID, held: [TransportMessage] = []) {
        self.party = party
        self.queue = held
        self.unreadBytes = held.reduce(0) { $0 + $1.bytes.count }
    }

    /// Hands a message to the waiting receiver, or queues it (at `position` among the unread
    /// messages, or last). Ignored once closed or cut off.
    public func deliver(_ message: TransportMessage, position: Int? = nil) {
        guard !disconnected, !closed else { return }
        if let current = waiter {
            waiter = nil
            current.wake.cancel()
            current.continuation.resume(returning: message)
            return
        }
        if let position { queue.insert(message, at: head + min(position, queue.count - head)) } else { queue.append(message) }
        unreadBytes += message.bytes.count
    }

    /// Hands a message to the waiting receiver, or queues it last unless the unread payload bytes
    /// would then exceed `maxUnreadBytes` (a message handed straight to a waiter always passes).
    /// - Returns: false when the message was not taken: the bound was reached (a closed or cut-off
    ///   mailbox takes and discards every message).
    public func deliver(_ message: TransportMessage, maxUnreadBytes: Int) -> Bool {
        if waiter == nil, !disconnected, !closed, unreadBytes + message.bytes.count > maxUnreadBytes { return false }
        deliver(message)
        return true
    }

    /// Payload bytes of the messages not yet received.
    public var unreadPayloadBytes: Int { unreadBytes }

    /// Cuts the party off: the waiter and every later receive get `disconnected`.
    public func disconnect() {
        disconnected = true
        queue.removeAll()
        head = 0
        unreadBytes = 0
        if let current = waiter {
            waiter = nil
            current.wake.cancel()
            current.continuation.resume(throwing: RuntimeError(.disconnected, "\(party) was cut off by the transport"))
        }
    }

    /// Ends the session: the waiter gets nil, later messages are discarded.
    public func close() {
        closed = true
        queue.removeAll()
        head = 0
        unreadBytes = 0
        if let current = waiter {
            waiter = nil
            current.wake.cancel()
            current.continuation.resume(returning: nil)
        }
    }

    /// The next message, or nil when `deadline` passes first or the mailbox is closed. A mailbox
    /// has one receiver: a receive that starts waiting while another waits ends the earlier one
    /// with nil (as if its deadline had passed), so no caller is left suspended for ever.
    public func receive(before deadline: ContinuousClock.Instant) async throws -> TransportMessage? {
        try Task.checkCancellation()
        if disconnected { throw RuntimeError(.disconnected, "\(party) was cut off by the transport") }
        if head < queue.count {
            let message = queue[head]
            head += 1
            unreadBytes -= message.bytes.count
            if head == queue.count {
                queue.removeAll(keepingCapacity: true)
                head = 0
            }
            return message
        }
        // The deadline is kept on the run's clock (protocols/runtime.md#deadlines).
        let clock = Deadlines.clock
        if closed || clock.now >= deadline { return nil }
        nextWaiterID += 1
        let id = nextWaiterID
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation(isolation: self) { continuation in
                // One receiver at a time: an earlier receive still waiting gets nil, as at its deadline.
                if let earlier = waiter {
                    earlier.wake.cancel()
                    earlier.continuation.resume(returning: nil)
                }
                let wake = clock.schedule(at: deadline) { await self.expire(id, cancelled: false) }
                waiter = (id, continuation, wake)
            }
        } onCancel: {
            Task { await self.expire(id, cancelled: true) }
        }
    }

    private func expire(_ id: UInt64, cancelled: Bool) {
        guard let current = waiter, current.id == id else { return }
        waiter = nil
        current.wake.cancel()
        if cancelled {
            current.continuation.resume(throwing: CancellationError())
        } else {
            current.continuation.resume(returning: nil)
        }
    }
}
