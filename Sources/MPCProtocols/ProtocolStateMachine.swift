/// What a state machine asks its driver (the runtime, or a test router) to do.
///
/// The driver encodes each message with its wire encoding and delivers it; it never inspects
/// payloads. Spec: protocols/additive.md#driving-the-machines.
public enum ProtocolAction<Message: Sendable, Output: Sendable>: Sendable {
    /// Send `message` to one party.
    case send(to: PartyID, message: Message)
    /// Send the same `message` to each of `recipients` (encode once, deliver to each).
    case broadcast(to: [PartyID], message: Message)
    /// The protocol's result at this party. The machine is finished afterwards.
    case output(Output)
    /// The session cannot complete; the machine is finished afterwards.
    case abort(AbortReason)
}

/// A protocol message: bound to a session, a round and its sender, with a wire encoding.
public protocol ProtocolMessage: Sendable {
    /// The session the message belongs to.
    var sessionID: SessionID { get }
    /// The protocol round that produced it.
    var round: UInt8 { get }
    /// The party that produced it (checked against the transport's sender).
    var sender: PartyID { get }
    /// The enveloped wire encoding (protocols/wire-format.md#envelope).
    /// - Returns: The bytes to transmit.
    func wireEncoded() -> [UInt8]
}

/// A sans-I/O protocol engine: messages in, actions out. No clocks, sockets or
/// global randomness: the driver calls ``start()``, then ``receive(_:from:)`` for each delivered
/// message and ``timeout(round:dropped:)`` when a round's deadline passes.
///
/// Conformers are value types, so a driver can snapshot and replay them.
public protocol ProtocolStateMachine<Message, Output>: Sendable {
    /// The protocol's message type.
    associatedtype Message: ProtocolMessage
    /// What the protocol outputs.
    associatedtype Output: Sendable

    /// This machine's party.
    var party: PartyID { get }
    /// The round this machine is currently waiting in (what a driver passes to
    /// ``timeout(round:dropped:)``).
    var currentRound: UInt8 { get }
    /// Whether the machine has output, aborted, or has nothing left to do.
    var isFinished: Bool { get }

    /// Begins the session.
    /// - Returns: The first actions.
    /// - Throws: ``MPCProtocolError/alreadyStarted`` or a configuration error.
    mutating func start() throws -> [ProtocolAction<Message, Output>]

    /// Handles one delivered message.
    /// - Parameters:
    ///   - message: The decoded message.
    ///   - from: The sender as authenticated by the transport.
    /// - Returns: The actions the message triggers (possibly none).
    /// - Throws: ``MPCProtocolError``; the state is unchanged unless the case documents otherwise.
    mutating func receive(_ message: Message, from: PartyID) throws -> [ProtocolAction<Message, Output>]

    /// The deadline of `round` has passed and the driver declares `dropped` gone. A deadline for
    /// a round other than ``currentRound`` is ignored (it is stale).
    /// - Parameters:
    ///   - round: The round whose deadline passed.
    ///   - dropped: The peers the driver declares dropped.
    /// - Returns: The actions this triggers (closing the round, or an abort).
    /// - Throws: ``MPCProtocolError/notStarted`` or ``MPCProtocolError/sessionFinished``.
    mutating func timeout(round: UInt8, dropped: Set<PartyID>) throws -> [ProtocolAction<Message, Output>]
}
