public import MPCProtocols

/// One protocol message in transit: the encoded bytes and the routing facts a transport needs.
/// The transport never inspects `bytes`.
public struct TransportMessage: Sendable, Hashable {
    /// The session (run) the message belongs to.
    public var session: SessionID
    /// The sender, as the transport authenticates it.
    public var from: PartyID
    /// The recipient.
    public var to: PartyID
    /// The protocol round that produced the message (routing metadata; the header carries it too).
    public var round: UInt8
    /// The enveloped wire encoding.
    public var bytes: [UInt8]

    /// A message.
    /// - Parameters:
    ///   - session: The session.
    ///   - from: The sender.
    ///   - to: The recipient.
    ///   - round: The round.
    ///   - bytes: The encoding.
    public init(session: SessionID, from: PartyID, to: PartyID, round: UInt8, bytes: [UInt8]) {
        self.session = session
        self.from = from
        self.to = to
        self.round = round
        self.bytes = bytes
    }
}

/// Carries protocol messages between the parties of a session. Authenticated channels are
/// assumed: `from` is the sender as the transport knows it (mutual TLS in `NodeRuntime`,
/// the actor identity in ``InMemoryTransport``). Spec: protocols/runtime.md#transport.
public protocol Transport: Sendable {
    /// Records which member hosts each party of `session` (a networked transport routes and
    /// authenticates by it; the in-memory one needs none). Called before ``open(session:party:)``.
    /// - Parameters:
    ///   - session: The session.
    ///   - roster: The host of each party.
    /// - Throws: ``RuntimeError`` `invalidParticipants` when the transport refuses the roster.
    func register(session: SessionID, roster: [PartyID: String]) async throws

    /// Opens `party`'s mailbox for `session`. Every party's mailbox is opened before any party
    /// of the session starts sending.
    /// - Parameters:
    ///   - session: The session.
    ///   - party: The party.
    /// - Returns: The mailbox.
    /// - Throws: ``RuntimeError`` if the mailbox cannot be opened.
    func open(session: SessionID, party: PartyID) async throws -> any Mailbox

    /// Sends one message (fire and forget: delivery is not acknowledged; deadlines cover loss).
    /// - Parameter message: The message.
    func send(_ message: TransportMessage) async

    /// Releases every mailbox of `session`; later messages for it are discarded.
    /// - Parameter session: The session.
    func close(session: SessionID) async
}

/// The receiving end of one party in one session.
public protocol Mailbox: Sendable {
    /// The next message, or nil when `deadline` passes first.
    /// - Parameter deadline: When to give up.
    /// - Returns: The message, or nil at the deadline.
    /// - Throws: `CancellationError` when the task is cancelled; ``RuntimeError`` with code
    ///   `disconnected` when the party has been cut off.
    func receive(before deadline: ContinuousClock.Instant) async throws -> TransportMessage?
}
