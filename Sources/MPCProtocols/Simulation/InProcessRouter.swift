/// A tiny deterministic driver that runs N state machines of one session in one process: it
/// starts them, encodes every message with its wire encoding, delivers the bytes (decoded again
/// at the recipient), and — when nothing is in flight — tells every waiting machine that its
/// round's deadline has passed, declaring the crashed parties dropped.
///
/// It is not a transport (the runtime's in-memory transport with fault injection is); it exists
/// so tests and `covenant bench protocols` drive exactly the bytes a real run would carry.
/// Faults: ``crashRound`` (a party stops before sending its first message of a round),
/// ``intercept`` (drop, duplicate, corrupt, truncate or redirect a message), ``reorderSeed``
/// (deliver in a seeded pseudorandom order instead of FIFO).
package struct InProcessRouter<Message: ProtocolMessage, Output: Sendable> {
    /// A state machine of this session.
    package typealias Machine = any ProtocolStateMachine<Message, Output>

    /// One message in flight.
    package struct Delivery: Sendable {
        /// The sender.
        package var from: PartyID
        /// The recipient.
        package var to: PartyID
        /// The encoded message.
        package var bytes: [UInt8]
        /// Hops on the causal path that led to this message (1 for messages sent by `start`).
        package var depth: Int
    }

    /// A delivery the recipient rejected.
    package struct Rejection: Sendable {
        /// The recipient.
        package let party: PartyID
        /// The sender.
        package let from: PartyID
        /// The error (an ``MPCProtocolError``).
        package let error: MPCProtocolError
    }

    package var machines: [PartyID: Machine]
    let decode: @Sendable ([UInt8]) throws(MPCProtocolError) -> Message

    /// Party → the first round it does not send in (it crashes just before).
    package var crashRound: [PartyID: UInt8] = [:]
    /// Called for every message before it is queued; returns what to queue instead.
    package var intercept: ((Delivery) -> [Delivery])?
    /// If set, the next delivery is drawn pseudorandomly from the queue.
    package var reorderSeed: UInt64?

    package private(set) var crashed = Set<PartyID>()
    package private(set) var outputs: [PartyID: Output] = [:]
    package private(set) var aborts: [PartyID: AbortReason] = [:]
    package private(set) var rejections: [Rejection] = []
    /// Bytes each party put on the wire (a broadcast counts once per recipient).
    package private(set) var bytesSent: [PartyID: Int] = [:]
    /// Bytes each party received.
    package private(set) var bytesReceived: [PartyID: Int] = [:]
    package private(set) var messagesSent: [PartyID: Int] = [:]
    /// The longest causal chain of messages (communication rounds as message hops).
    package private(set) var hops = 0
    /// Every delivered message, in delivery order (for leakage tests: each party's view).
    package private(set) var delivered: [Delivery] = []
    package var recordDeliveries = false

    private var queue: [Delivery] = []
    private var head = 0
    private var depthAt: [PartyID: Int] = [:]
    private var shuffleState: UInt64 = 0

    /// A router over `machines`, decoding with `decode`.
    package init(machines: [Machine], decode: @escaping @Sendable ([UInt8]) throws(MPCProtocolError) -> Message) {
        self.machines = Dictionary(uniqueKeysWithValues: machines.map { ($0.party, $0) })
        self.decode = decode
    }

    /// Starts every machine (ascending party id), then delivers until nothing is in flight and no
    /// deadline changes anything. Errors thrown by `receive` are recorded in ``rejections``.
    package mutating func run() throws {
        shuffleState = reorderSeed ?? 0
        for party in machines.keys.sorted() {
            if let round = crashRound[party], round == 0 { crashed.insert(party); continue }
            let actions = try machines[party]!.start()
            perform(actions, by: party)
        }
        while true {
            while let delivery = nextDelivery() { deliver(delivery) }
            // Deadline: every live machine still waiting hears which parties are gone.
            var progressed = false
            for party in machines.keys.sorted() where !crashed.contains(party) {
                guard !machines[party]!.isFinished else { continue }
                let round = machines[party]!.currentRound
                let actions = try machines[party]!.timeout(round: round, dropped: crashed)
                if !actions.isEmpty { progressed = true }
                perform(actions, by: party)
            }
            if !progressed && head == queue.count { return }
        }
    }

    private mutating func nextDelivery() -> Delivery? {
        guard head < queue.count else { return nil }
        if reorderSeed != nil {
            shuffleState &+= 0x9E37_79B9_7F4A_7C15
            var z = shuffleState
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            let pick = head + Int((z ^ (z >> 31)) % UInt64(queue.count - head))
            queue.swapAt(head, pick)
        }
        let delivery = queue[head]
        head += 1
        if head > 4096 && head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
        return delivery
    }

    private mutating func deliver(_ delivery: Delivery) {
        let to = delivery.to
        guard machines[to] != nil, !crashed.contains(to), !machines[to]!.isFinished else { return }
        bytesReceived[to, default: 0] += delivery.bytes.count
        if recordDeliveries { delivered.append(delivery) }
        depthAt[to] = max(depthAt[to] ?? 0, delivery.depth)
        do {
            let message = try decode(delivery.bytes)
            let actions = try machines[to]!.receive(message, from: delivery.from)
            perform(actions, by: to)
        } catch let error as MPCProtocolError {
            rejections.append(Rejection(party: to, from: delivery.from, error: error))
        } catch {
            preconditionFailure("state machines throw MPCProtocolError only")
        }
    }

    private mutating func perform(_ actions: [ProtocolAction<Message, Output>], by party: PartyID) {
        for action in actions {
            switch action {
            case let .send(to, message):
                send(message, from: party, to: [to])
            case let .broadcast(recipients, message):
                send(message, from: party, to: recipients)
            case let .output(output):
                outputs[party] = output
            case let .abort(reason):
                aborts[party] = reason
            }
        }
    }

    private mutating func send(_ message: Message, from: PartyID, to recipients: [PartyID]) {
        if let round = crashRound[from], message.round >= round { crashed.insert(from) }
        guard !crashed.contains(from) else { return }
        let bytes = message.wireEncoded()
        let depth = (depthAt[from] ?? 0) + 1
        hops = max(hops, depth)
        for to in recipients {
            bytesSent[from, default: 0] += bytes.count
            messagesSent[from, default: 0] += 1
            let delivery = Delivery(from: from, to: to, bytes: bytes, depth: depth)
            if let intercept { queue += intercept(delivery) } else { queue.append(delivery) }
        }
    }
}
