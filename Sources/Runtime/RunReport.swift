public import Circuit
public import CircuitCompiler
public import ConsortiumLedger

/// How long one phase of a run took.
/// What one party sent in a run's joint phase (observability; protocols/runtime.md#members-configuration).
public struct PartyTraffic: Sendable, Hashable {
    /// Messages sent.
    public var messages: Int
    /// Encoded bytes sent (a broadcast counts once per recipient).
    public var bytes: Int
    /// Protocol rounds in which it sent.
    public var rounds: Int

    /// `messages`, `bytes` and `rounds` by name, as the JSON reports print them.
    public var fields: [String: Int] { ["messages": messages, "bytes": bytes, "rounds": rounds] }
}

public struct PhaseTiming: Sendable, Hashable {
    /// `checks`, `local plans`, `commitments`, `protocol`, `reveal`.
    public var phase: String
    /// Its duration.
    public var duration: Duration
}

/// The outcome of one run, as the operator of a one-process consortium sees it.
/// Spec: protocols/runtime.md#run-lifecycle.
public struct RunReport: Sendable {
    /// How the run ended.
    public enum Status: Sendable, Hashable {
        /// A `result-published` entry records it.
        case published
        /// A `run-aborted` entry records it, with this reason.
        case aborted(reason: String)
    }

    /// The run id (the ledger's and the protocol session's).
    public var runID: LedgerHash
    /// The contract name.
    public var contract: String
    /// The contract version.
    public var version: Int64
    /// The contract version id (hex).
    public var contractID: String
    /// The protocol that ran.
    public var protocolFamily: ProtocolFamily
    /// Why that protocol (what `auto` chose and why, or that the contract names it).
    public var protocolReason: String
    /// The participants, in party order (party `i` is `participants[i − 1]`).
    public var participants: [String]
    /// The members whose inputs the result includes (secagg and paillier may exclude dropouts).
    public var contributors: [String]
    /// Published or aborted.
    public var status: Status
    /// The public result and the views this process holds, together: in one process every
    /// member's (the union of all views), across nodes the coordinator's own; a restricted output
    /// is never assembled by the coordinator itself (protocols/runtime.md#output-pads).
    public var result: ContractResult?
    /// The outputs revealed to all participants (what the ledger records as `revealedValues`).
    public var publicResult: ContractResult?
    /// The views the recipients in this process assembled (each the outputs the contract reveals
    /// to it): every member's in one process, the coordinator's own across nodes.
    public var views: [String: ContractResult]
    /// Outputs revealed only to recipients that no consortium member matches (computed, never shown).
    public var withheld: [String]
    /// The ledger entries of the run (run-started, input-committed…, result-published or run-aborted).
    public var ledgerEntries: [UInt64]
    /// The result's commitment, the revealed values' hash and the transcript hash (when published).
    public var resultHash: LedgerHash?
    /// The coordinator's opening of `resultHash` (every word and nonce, protocols/runtime.md#output-pads):
    /// its own, never printed nor sent whole except to the endorsers.
    package var resultOpening: ResultOpening?
    /// `ResultPublication.hashRevealedValues` of the public result.
    public var revealedHash: LedgerHash?
    /// The transcript hash.
    public var transcriptHash: LedgerHash?
    /// Phase durations.
    public var phases: [PhaseTiming]
    /// Local errors per member (shown to the operator only; the ledger records a summary).
    public var memberErrors: [String: String]
    /// How each member's local plan ran (`pushdown` or `row pipeline`).
    public var executionPaths: [String: String]
    /// Paillier: key holders whose decryption shares were combined / failed their proofs.
    public var decryptors: [String]
    /// Paillier: key holders whose decryption shares failed their proofs.
    public var faultyKeyHolders: [String]
    /// Messages ignored under the documented rules (duplicates, late messages), per party.
    public var ignoredMessages: [String: [String]]
    /// What each party sent in the joint phase, by member name (and `aggregator`).
    public var traffic: [String: PartyTraffic] = [:]

    /// Whether a result was published.
    public var isPublished: Bool { status == .published }

    /// The abort reason, if aborted.
    public var abortReason: String? {
        if case .aborted(let reason) = status { return reason }
        return nil
    }
}
