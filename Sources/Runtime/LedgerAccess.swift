public import ConsortiumLedger
public import CryptoPrimitives

/// What the run driver and a member need of the consortium ledger, wherever it lives: the
/// one-process ``LedgerService``, or a member node's replica that appends through the sequencer
/// (NodeRuntime). Every append is signed by its author's own key. Spec: protocols/runtime.md#ledger-entries.
public protocol LedgerAccess: Sendable {
    /// The consortium state of the (replicated) log.
    var state: ConsortiumState { get async }

    /// A run as the ledger records it, with the approved source of the version it runs.
    /// - Parameter runID: The run.
    /// - Returns: The run and its contract source.
    /// - Throws: ``RuntimeError`` `ledgerFailure` when the run or its source is not on the ledger.
    func run(_ runID: LedgerHash) async throws -> (run: ConsortiumState.Run, source: String)

    /// Signs `payload` as `author` and appends it.
    /// - Parameters:
    ///   - payload: The content.
    ///   - author: The author.
    ///   - key: The author's key (it never leaves the author's process).
    /// - Returns: The entry's index.
    /// - Throws: ``RuntimeError`` `ledgerFailure` naming the broken rule.
    func append(_ payload: LedgerEntry.Payload, author: String, key: Ed25519.PrivateKey) async throws -> UInt64

    /// The unsigned entry `payload` would become (endorsers sign its position-free subject).
    /// - Parameters:
    ///   - payload: The content.
    ///   - author: The author.
    /// - Returns: The entry.
    func draft(_ payload: LedgerEntry.Payload, author: String) async -> LedgerEntry

    /// Files a paillier run's decryption evidence beside the ledger (its digest goes on the ledger).
    /// - Parameters:
    ///   - bytes: The encoded evidence.
    ///   - run: The run.
    /// - Throws: ``RuntimeError`` `ledgerFailure`.
    func fileEvidence(_ bytes: [UInt8], run: LedgerHash) async throws
}

extension LedgerService: LedgerAccess {
    /// Files evidence in this ledger's ``EvidenceArchive``.
    /// - Parameters:
    ///   - bytes: The encoded evidence.
    ///   - run: The run.
    /// - Throws: ``RuntimeError`` `ledgerFailure`.
    public func fileEvidence(_ bytes: [UInt8], run: LedgerHash) throws {
        try evidence.store(bytes, run: run)
    }
}
