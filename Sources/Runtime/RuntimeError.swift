/// The one error type of `Runtime`: a stable `code`, a sentence of public facts
/// (`message`), the lower-layer error it wraps (`cause`), and where it happened (`member`,
/// `peer`, `round`). Shaped like NIO's `FileSystemError`.
///
/// Messages name members, parties, rounds, counts, files and hashes only: never an input value,
/// a share, a seed or a key.
public struct RuntimeError: Error, Sendable, CustomStringConvertible {
    /// Stable error codes (kebab-case in ``code``'s raw value).
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The contract does not compile.
        case invalidContract = "invalid-contract"
        /// The contract needs a capability the implemented protocols lack (e.g. secure comparison).
        case unsupportedContract = "unsupported-contract"
        /// The requested protocol is not the one the contract names, or cannot run it.
        case protocolNotAllowed = "protocol-not-allowed"
        /// The contract version is not active on the ledger.
        case contractNotActive = "contract-not-active"
        /// Too few participants, an unknown member, or a member without the participant role.
        case invalidParticipants = "invalid-participants"
        /// A Paillier run needs a key ceremony that has not taken place.
        case missingKeyCeremony = "missing-key-ceremony"
        /// A member's data failed validation or its local plan failed.
        case inputRejected = "input-rejected"
        /// A member's aggregate does not fit the protocol's 64-bit ring without wrapping.
        case valueOutOfRange = "value-out-of-range"
        /// The joint phase ended without a result (dropout, fault, abort).
        case protocolAborted = "protocol-aborted"
        /// A peer did not answer before its deadline.
        case deadlineExceeded = "deadline-exceeded"
        /// The parties' outputs disagree.
        case inconsistentOutputs = "inconsistent-outputs"
        /// The ledger refused an entry or could not be read.
        case ledgerFailure = "ledger-failure"
        /// Another process holds the ledger's writer lock; this one wrote nothing.
        case ledgerBusy = "ledger-busy"
        /// A configuration file is missing or malformed.
        case invalidConfiguration = "invalid-configuration"
        /// The party was disconnected from the transport (e.g. a fault-injected crash).
        case disconnected
        /// The run was cancelled.
        case cancelled
        /// Writing demo or run files failed.
        case fileFailure = "file-failure"
        /// A network peer was refused: its TLS identity is not a registered member's key, or not
        /// the member expected at its address (protocols/node.md#tls-identities-and-pinning).
        case peerRefused = "peer-refused"
        /// A node refused a protocol envelope: malformed, oversized, forged, relayed, replayed or
        /// misdirected (protocols/node.md#receiving-an-envelope).
        case messageRejected = "message-rejected"
        /// The network transport failed: a listener could not bind, or a peer stayed unreachable
        /// past its deadline (protocols/node.md#deadlines-and-reconnection).
        case transportFailure = "transport-failure"
        /// The sequencer refused an entry drafted on a replica that was behind its log; the
        /// author catches up and drafts again (protocols/node.md#ledger-replication).
        case staleReplica = "stale-replica"
        /// A node stopped following the sequencer: an entry failed verification, or the sequencer
        /// equivocated (protocols/node.md#ledger-replication).
        case replicationHalted = "replication-halted"
        /// A recipient lacks a contributor's seed of the pads on its restricted outputs, so it
        /// cannot unmask them: it assembles no view rather than a wrong one
        /// (protocols/runtime.md#output-pads).
        case missingOutputPad = "missing-output-pad"
        /// A consortium change (contract roles, a new member) was refused before anything was
        /// recorded: unknown, stale, endorsed twice or by a member that may not endorse it
        /// (protocols/node.md#consortium-changes).
        case changeRefused = "change-refused"
        /// A node refused a call that would make it work again too soon for the same caller (a
        /// `padSeed` of a run its replica does not know; protocols/node.md#control-calls).
        case rateLimited = "rate-limited"
    }

    /// What went wrong.
    public var code: Code
    /// A sentence of public facts.
    public var message: String
    /// The wrapped lower-layer error, if any.
    public var cause: (any Error & Sendable)?
    /// The member concerned, if any.
    public var member: String?

    /// An error.
    /// - Parameters:
    ///   - code: The code.
    ///   - message: A sentence of public facts.
    ///   - member: The member concerned.
    ///   - cause: The wrapped error.
    public init(_ code: Code, _ message: String, member: String? = nil, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.member = member
        self.cause = cause
    }

    /// `[code] member: message`.
    public var description: String {
        "[\(code.rawValue)] " + (member.map { "\($0): " } ?? "") + message
    }
}
