public import MPCProtocols

/// Which messages a fault applies to; `nil` fields match anything.
public struct MessageMatch: Sendable, Hashable {
    /// The sender.
    public var from: PartyID?
    /// The recipient.
    public var to: PartyID?
    /// The round.
    public var round: UInt8?

    /// A pattern.
    /// - Parameters:
    ///   - from: The sender, or nil for any.
    ///   - to: The recipient, or nil for any.
    ///   - round: The round, or nil for any.
    public init(from: PartyID? = nil, to: PartyID? = nil, round: UInt8? = nil) {
        self.from = from
        self.to = to
        self.round = round
    }

    func matches(_ message: TransportMessage) -> Bool {
        (from == nil || from == message.from) && (to == nil || to == message.to) && (round == nil || round == message.round)
    }
}

/// What happens to a matched message.
public enum FaultAction: Sendable, Hashable {
    /// The message is lost.
    case drop
    /// The message arrives after `duration`.
    case delay(Duration)
    /// The message arrives twice.
    case duplicate
    /// One bit of the message is flipped (`bit` counts from the first byte's high bit; nil: the
    /// middle of the message).
    case corrupt(bit: Int?)
    /// The message loses its last `bytes` bytes.
    case truncate(bytes: Int)
}

/// One fault: an action on the first `limit` messages that match.
public struct FaultRule: Sendable, Hashable {
    /// Which messages.
    public var match: MessageMatch
    /// What happens to them.
    public var action: FaultAction
    /// How many matching messages it applies to.
    public var limit: Int

    /// A rule.
    /// - Parameters:
    ///   - action: What happens.
    ///   - match: Which messages.
    ///   - limit: How many matching messages (default 1).
    public init(_ action: FaultAction, on match: MessageMatch, limit: Int = 1) {
        self.action = action
        self.match = match
        self.limit = limit
    }
}

/// The faults an ``InMemoryTransport`` injects. Spec: protocols/runtime.md#fault-injection.
public struct FaultPlan: Sendable, Hashable {
    /// Party → the first round in which it sends nothing: it crashes just before its first
    /// message of that round, and from then on receives nothing either (its mailbox reports
    /// `disconnected`). Round 0 crashes it before its first message.
    public var crashes: [PartyID: UInt8]
    /// Message faults, applied in order (the first matching rule with budget left wins).
    public var rules: [FaultRule]
    /// When set, every message is held for a pseudorandom 0–3 ms and inserted at a pseudorandom
    /// position of the recipient's queue, so deliveries are reordered.
    public var reorderSeed: UInt64?

    /// No faults.
    public static let none = FaultPlan()

    /// A plan.
    /// - Parameters:
    ///   - crashes: Party → the round it crashes in.
    ///   - rules: Message faults.
    ///   - reorderSeed: Seed for reordering, or nil for FIFO delivery.
    public init(crashes: [PartyID: UInt8] = [:], rules: [FaultRule] = [], reorderSeed: UInt64? = nil) {
        self.crashes = crashes
        self.rules = rules
        self.reorderSeed = reorderSeed
    }

    /// Whether the plan injects anything.
    public var isEmpty: Bool { crashes.isEmpty && rules.isEmpty && reorderSeed == nil }
}
