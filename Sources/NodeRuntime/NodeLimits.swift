import Runtime

/// The bounds and deadlines of a ``NodeTransport``: the largest envelope, every wait, reconnection
/// back-off, and what a node holds for peers. Spec: protocols/node.md#limits.
public struct NodeLimits: Sendable, Hashable {
    /// The largest protocol payload one envelope carries, in bytes (default 16 MiB). A larger
    /// payload is refused by its sender, and a larger request by the receiving node's gRPC layer.
    public var maxPayloadBytes: Int
    /// How long a connection may take to complete its TLS handshake before the node closes it
    /// (default 10 s).
    public var handshakeTimeout: Duration
    /// The deadline of one delivery call to a peer (default 30 s).
    public var deliveryTimeout: Duration
    /// The deadline of a member control call (default 30 s; `prepare` and `participate` take
    /// longer ones), and how long a node waits for an admin call's request to arrive in full: a
    /// slow or stalled operator's call ends `DEADLINE_EXCEEDED`.
    public var callTimeout: Duration
    /// How long an envelope is retried towards an unreachable peer before it is dropped (default 120 s).
    public var deliveryLifetime: Duration
    /// The first reconnection delay (default 50 ms).
    public var backoffInitial: Duration
    /// The largest reconnection delay (default 5 s).
    public var backoffMaximum: Duration
    /// The factor between consecutive delays (default 2).
    public var backoffMultiplier: Double
    /// The random spread of each delay, as a fraction of it (default 0.2).
    public var backoffJitter: Double
    /// Envelopes held, across all peers, for sessions not yet opened here (default 4,096).
    public var maxEarlyEnvelopes: Int
    /// Payload bytes held, across all peers, for sessions not yet opened here (default 64 MiB).
    public var maxEarlyBytes: Int
    /// How long such envelopes are held (default 120 s), whether their session has no roster yet
    /// or has one but the receiving party's mailbox is not open.
    public var earlyEnvelopeLifetime: Duration
    /// Envelopes held for one sending member, within ``maxEarlyEnvelopes`` (default 1,024).
    public var maxEarlyEnvelopesPerMember: Int
    /// Payload bytes held for one sending member, within ``maxEarlyBytes`` (default 16 MiB).
    public var maxEarlyBytesPerMember: Int
    /// Unread payload bytes in one party's open mailbox of a session (default 256 MiB); past it an
    /// envelope is answered `overloaded` and its sender retries it.
    public var maxMailboxBytes: Int
    /// Connections whose TLS handshake has not completed, across all sources (default 256).
    public var maxPendingHandshakes: Int
    /// Such connections from one source IP address (default 32).
    public var maxPendingHandshakesPerAddress: Int
    /// Authenticated connections of one member at once (default 4).
    public var maxConnectionsPerMember: Int
    /// Envelopes accepted from one peer in one session (default 65,536).
    public var maxEnvelopesPerSession: Int
    /// Closed sessions remembered so that their envelopes are refused as replays (default 65,536).
    public var closedSessionMemory: Int
    /// Envelopes queued towards one peer (default 16,384).
    public var maxQueuedEnvelopes: Int
    /// An idle connection is closed after this long (default 5 min).
    public var maxIdleTime: Duration
    /// HTTP/2 streams one peer may have open on a connection at once, and control calls in flight
    /// to one peer and from one member (default 64).
    public var maxConcurrentCalls: Int

    /// Bytes an envelope adds to its payload, at most: the header, two member names of at most 64
    /// bytes, the party ids, round, sequence number and signature (protocols/node.md#envelope).
    public static let envelopeOverhead = 512

    /// Limits.
    /// - Parameters:
    ///   - maxPayloadBytes: The largest payload.
    ///   - handshakeTimeout: The TLS handshake deadline.
    ///   - deliveryTimeout: The deadline of one delivery call.
    ///   - callTimeout: A control call's deadline, and an admin call's on the receiving side.
    ///   - deliveryLifetime: How long an envelope is retried.
    ///   - backoffInitial: The first reconnection delay.
    ///   - backoffMaximum: The largest reconnection delay.
    ///   - backoffMultiplier: The factor between delays.
    ///   - backoffJitter: The random spread of a delay.
    ///   - maxEarlyEnvelopes: Envelopes held for sessions not yet opened.
    ///   - maxEarlyBytes: Payload bytes held for sessions not yet opened.
    ///   - earlyEnvelopeLifetime: How long they are held.
    ///   - maxEarlyEnvelopesPerMember: Envelopes held for one sender.
    ///   - maxEarlyBytesPerMember: Payload bytes held for one sender.
    ///   - maxMailboxBytes: Unread payload bytes in one open mailbox.
    ///   - maxPendingHandshakes: Unauthenticated connections in all.
    ///   - maxPendingHandshakesPerAddress: Unauthenticated connections from one IP address.
    ///   - maxConnectionsPerMember: Authenticated connections of one member.
    ///   - maxEnvelopesPerSession: Envelopes accepted from one peer in one session.
    ///   - closedSessionMemory: Closed sessions remembered.
    ///   - maxQueuedEnvelopes: Envelopes queued towards one peer.
    ///   - maxIdleTime: When an idle connection is closed.
    ///   - maxConcurrentCalls: Open streams per connection, and calls in flight per peer.
    public init(
        maxPayloadBytes: Int = 16 << 20, handshakeTimeout: Duration = .seconds(10), deliveryTimeout: Duration = .seconds(30),
        callTimeout: Duration = .seconds(30), deliveryLifetime: Duration = .seconds(120), backoffInitial: Duration = .milliseconds(50),
        backoffMaximum: Duration = .seconds(5), backoffMultiplier: Double = 2, backoffJitter: Double = 0.2,
        maxEarlyEnvelopes: Int = 4096, maxEarlyBytes: Int = 64 << 20, earlyEnvelopeLifetime: Duration = .seconds(120), maxEnvelopesPerSession: Int = 1 << 16,
        closedSessionMemory: Int = 1 << 16, maxQueuedEnvelopes: Int = 1 << 14, maxIdleTime: Duration = .seconds(300),
        maxConcurrentCalls: Int = 64, maxEarlyEnvelopesPerMember: Int = 1024, maxEarlyBytesPerMember: Int = 16 << 20,
        maxMailboxBytes: Int = 256 << 20, maxPendingHandshakes: Int = 256, maxPendingHandshakesPerAddress: Int = 32,
        maxConnectionsPerMember: Int = 4
    ) {
        self.maxPayloadBytes = maxPayloadBytes
        self.handshakeTimeout = handshakeTimeout
        self.deliveryTimeout = deliveryTimeout
        self.callTimeout = callTimeout
        self.deliveryLifetime = deliveryLifetime
        self.backoffInitial = backoffInitial
        self.backoffMaximum = backoffMaximum
        self.backoffMultiplier = backoffMultiplier
        self.backoffJitter = backoffJitter
        self.maxEarlyEnvelopes = maxEarlyEnvelopes
        self.maxEarlyBytes = maxEarlyBytes
        self.earlyEnvelopeLifetime = earlyEnvelopeLifetime
        self.maxEnvelopesPerSession = maxEnvelopesPerSession
        self.closedSessionMemory = closedSessionMemory
        self.maxQueuedEnvelopes = maxQueuedEnvelopes
        self.maxIdleTime = maxIdleTime
        self.maxConcurrentCalls = maxConcurrentCalls
        self.maxEarlyEnvelopesPerMember = maxEarlyEnvelopesPerMember
        self.maxEarlyBytesPerMember = maxEarlyBytesPerMember
        self.maxMailboxBytes = maxMailboxBytes
        self.maxPendingHandshakes = maxPendingHandshakes
        self.maxPendingHandshakesPerAddress = maxPendingHandshakesPerAddress
        self.maxConnectionsPerMember = maxConnectionsPerMember
    }

    /// The largest payload a node accepts (1 GiB): its sum with the envelope overhead never overflows.
    public static let largestPayloadBytes = 1 << 30
    /// The longest duration a limit takes (one year): in nanoseconds it fits an `Int64` many times over.
    public static let longestDuration = Duration.seconds(366 * 86_400)

    /// Checks every limit: sizes and counts positive (payload at most ``largestPayloadBytes``),
    /// durations positive and at most ``longestDuration``, the back-off factor finite in 1...1000,
    /// the jitter finite in 0...1, and the initial back-off not above the maximum (a per-member or
    /// per-address bound above its total is allowed: the smaller one binds). ``NodeTransport`` and
    /// ``PeerLink`` check their limits so.
    /// - Throws: ``RuntimeError`` `invalidConfiguration` naming the first limit out of range.
    public func validate() throws {
        func fail(_ name: String, _ rule: String) -> Runtime.RuntimeError {
            Runtime.RuntimeError(.invalidConfiguration, "NodeLimits.\(name) must be \(rule)")
        }
        guard (1...Self.largestPayloadBytes).contains(maxPayloadBytes) else {
            throw fail("maxPayloadBytes", "between 1 and \(Self.largestPayloadBytes) bytes, not \(maxPayloadBytes)")
        }
        let durations: [(String, Duration)] = [
            ("handshakeTimeout", handshakeTimeout), ("deliveryTimeout", deliveryTimeout), ("callTimeout", callTimeout),
            ("deliveryLifetime", deliveryLifetime), ("backoffInitial", backoffInitial), ("backoffMaximum", backoffMaximum),
            ("earlyEnvelopeLifetime", earlyEnvelopeLifetime), ("maxIdleTime", maxIdleTime),
        ]
        for (name, value) in durations where value <= .zero || value > Self.longestDuration {
            throw fail(name, "positive and at most \(Self.longestDuration), not \(value)")
        }
        guard backoffInitial <= backoffMaximum else { throw fail("backoffInitial", "at most backoffMaximum") }
        guard backoffMultiplier.isFinite, (1...1000).contains(backoffMultiplier) else {
            throw fail("backoffMultiplier", "a finite number between 1 and 1000, not \(backoffMultiplier)")
        }
        guard backoffJitter.isFinite, (0...1).contains(backoffJitter) else {
            throw fail("backoffJitter", "a finite number between 0 and 1, not \(backoffJitter)")
        }
        let counts: [(String, Int)] = [
            ("maxEarlyEnvelopes", maxEarlyEnvelopes), ("maxEarlyBytes", maxEarlyBytes), ("maxEnvelopesPerSession", maxEnvelopesPerSession),
            ("closedSessionMemory", closedSessionMemory), ("maxQueuedEnvelopes", maxQueuedEnvelopes), ("maxConcurrentCalls", maxConcurrentCalls),
            ("maxEarlyEnvelopesPerMember", maxEarlyEnvelopesPerMember), ("maxEarlyBytesPerMember", maxEarlyBytesPerMember),
            ("maxMailboxBytes", maxMailboxBytes), ("maxPendingHandshakes", maxPendingHandshakes),
            ("maxPendingHandshakesPerAddress", maxPendingHandshakesPerAddress), ("maxConnectionsPerMember", maxConnectionsPerMember),
        ]
        for (name, value) in counts where value < 1 { throw fail(name, "at least 1, not \(value)") }
    }

    /// A validated duration in nanoseconds (at least 1).
    static func nanoseconds(_ duration: Duration) -> Int64 {
        let clamped = min(max(duration, .zero), longestDuration)
        return max(1, clamped.components.seconds * 1_000_000_000 + clamped.components.attoseconds / 1_000_000_000)
    }

    /// The defaults of protocols/node.md#limits.
    public static let `default` = NodeLimits()

    /// The largest gRPC request a node accepts: the largest payload plus the envelope's overhead.
    var maxRequestBytes: Int { maxPayloadBytes + Self.envelopeOverhead }

    /// The delay before retry `attempt` (0-based): `initial · multiplier^attempt`, capped at the
    /// maximum, spread by ±jitter (protocols/node.md#deadlines-and-reconnection).
    /// - Parameter attempt: The number of failed attempts so far, minus one.
    /// - Returns: The delay.
    func backoff(attempt: Int) -> Duration {
        let initial = Double(backoffInitial.components.seconds) + Double(backoffInitial.components.attoseconds) * 1e-18
        let maximum = Double(backoffMaximum.components.seconds) + Double(backoffMaximum.components.attoseconds) * 1e-18
        var delay = initial
        for _ in 0..<min(max(attempt, 0), 64) {
            delay *= max(backoffMultiplier, 1)
            if delay >= maximum { break }
        }
        delay = min(delay, maximum)
        let spread = min(max(backoffJitter, 0), 1)
        let factor = 1 + Double.random(in: -spread...spread)
        let nanoseconds = max(0, delay * factor) * 1e9
        guard nanoseconds.isFinite, nanoseconds < 1e18 else { return Self.longestDuration }
        return .nanoseconds(Int64(nanoseconds))
    }
}
