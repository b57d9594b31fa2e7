/// What a receiving node answered to one envelope (one byte on the wire).
/// Spec: protocols/node.md#receiving-an-envelope.
public enum DeliveryVerdict: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Accepted: delivered to the party's mailbox, or held until the session opens here.
    case accepted = 0
    /// Not a well-formed envelope.
    case malformed = 1
    /// The payload exceeds the node's maximum.
    case oversized = 2
    /// The envelope's sender is not the member authenticated on the connection.
    case relayed = 3
    /// The signature is not the sender's registered key's.
    case forged = 4
    /// Its sequence number was already accepted in the session, or the session is closed here.
    case replayed = 5
    /// Addressed to another member or another consortium.
    case misdirected = 6
    /// The session's roster does not give the sender the party it claims, or the receiving party to this member.
    case wrongParty = 7
    /// A bound on held or accepted envelopes, or on a mailbox's unread bytes, was reached; the
    /// sender retries it within the envelope's delivery lifetime.
    case overloaded = 8
    /// The connection carries no authenticated member.
    case unauthenticated = 9

    /// The kebab-case name.
    public var description: String {
        switch self {
        case .accepted: "accepted"
        case .malformed: "malformed"
        case .oversized: "oversized"
        case .relayed: "relayed"
        case .forged: "forged"
        case .replayed: "replayed"
        case .misdirected: "misdirected"
        case .wrongParty: "wrong-party"
        case .overloaded: "overloaded"
        case .unauthenticated: "unauthenticated"
        }
    }
}

/// Counters of one node (public facts only: counts, never contents).
public struct NodeStatistics: Sendable, Hashable {
    /// Envelopes this node sent and a peer accepted.
    public var envelopesDelivered = 0
    /// Envelopes this node sent that a peer refused, by verdict.
    public var envelopesRefusedByPeers: [DeliveryVerdict: Int] = [:]
    /// Envelopes this node received, by its verdict (including `accepted`).
    public var envelopesReceived: [DeliveryVerdict: Int] = [:]
    /// Outgoing messages dropped before sending (oversized, no roster, unknown peer, queue full) or
    /// after their delivery lifetime.
    public var outgoingDropped = 0
    /// Failed delivery attempts that were retried after a back-off.
    public var retries = 0
    /// TLS handshakes this node refused (a peer key not registered, or not the expected member).
    public var handshakesRefused = 0
    /// TLS handshakes closed at their deadline.
    public var handshakesTimedOut = 0
    /// Connections closed at once because the bound on pending handshakes (in all or from one
    /// address) or on a member's connections was reached (protocols/node.md#connections).
    public var connectionsRefused = 0
    /// Held envelopes dropped at the end of their lifetime (protocols/node.md#limits).
    public var heldEnvelopesExpired = 0
    /// Payload bytes sent and accepted by peers.
    public var payloadBytesSent = 0
    /// Payload bytes accepted from peers.
    public var payloadBytesReceived = 0

    /// Empty counters.
    public init() {}
}
