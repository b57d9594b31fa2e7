/// The one error type of `ConsortiumLedger`, shaped like NIO's `FileSystemError`:
/// a ``code`` naming the rule that was broken, a human-readable ``message``, the lower-layer
/// ``cause`` if any, and the ``location`` (entry index, checkpoint size) of the first failure.
///
/// Messages carry indices, member names, hashes and lengths: public ledger data only. No private
/// key, seed or secret share ever appears in an error. Spec: protocols/ledger.md#errors.
public struct LedgerError: Error, Sendable, CustomStringConvertible {
    /// The rule or check that failed. The raw value is stable and printed by the CLI.
    public enum Code: String, Sendable, Hashable, CaseIterable, Codable {
        // Encoding and storage.
        /// An entry, checkpoint or proof does not decode (wire format error in ``LedgerError/cause``).
        case malformedEncoding = "malformed-encoding"
        /// The SQLite file is unreadable, truncated or corrupt.
        case storageCorrupt = "storage-corrupt"
        /// The store refused an operation (I/O, schema, constraint).
        case storageFailure = "storage-failure"
        /// The file's schema version is newer than this implementation.
        case unsupportedSchema = "unsupported-schema"
        /// A stored leaf hash differs from the hash of the stored entry.
        case leafHashMismatch = "leaf-hash-mismatch"
        /// Another process holds the ledger's writer lock (nothing was written).
        case ledgerBusy = "ledger-busy"

        // The file against what the store writes (protocols/ledger.md#file-integrity).
        /// A table, column or index of the file is missing, altered, or unknown to the store.
        case schemaMismatch = "schema-mismatch"
        /// An append-only trigger of the entry table is missing or altered.
        case triggerMismatch = "trigger-mismatch"
        /// A row the store never writes: an entry outside `0..<size` or a gap, a bookkeeping row
        /// of another table, or a value of the wrong type.
        case strayRow = "stray-row"
        /// A denormalised column (a checkpoint's `size` or `root`) disagrees with the signed body
        /// it was derived from.
        case columnMismatch = "column-mismatch"
        /// An evidence row does not decode, or is not valid equivocation evidence for this log.
        case invalidEvidence = "invalid-evidence"

        // Log structure.
        /// An entry's sequence number is not its position (an entry deleted, inserted or swapped).
        case sequenceMismatch = "sequence-mismatch"
        /// An entry names a different log (consortium) than the genesis entry.
        case logMismatch = "log-mismatch"
        /// The ledger's log id (its genesis) is not the consortium identity the reader pinned.
        case consortiumMismatch = "consortium-mismatch"
        /// An entry's `previousRoot` is not the root of the log before it.
        case previousRootMismatch = "previous-root-mismatch"
        /// An entry's timestamp is earlier than its predecessor's.
        case timestampRegression = "timestamp-regression"
        /// The first entry is not a genesis entry, or a genesis entry appears later.
        case genesisMisplaced = "genesis-misplaced"
        /// The log is empty where a genesis entry is required.
        case emptyLog = "empty-log"

        // Signatures and membership.
        /// An entry's author signature does not verify.
        case invalidSignature = "invalid-signature"
        /// An endorsement (membership change, revocation, result) signature does not verify.
        case invalidEndorsement = "invalid-endorsement"
        /// The author or signer is not a current member, or lacks the role the entry needs.
        case notAMember = "not-a-member"
        /// A member lacks the role required (voting, sequencer, participant).
        case missingRole = "missing-role"
        /// A genesis or membership entry is ill-formed (duplicate names or keys, bad quorum, bad name).
        case invalidMembership = "invalid-membership"
        /// A signer appears twice in one endorsement list.
        case duplicateEndorsement = "duplicate-endorsement"
        /// Fewer endorsements or approvals than the consortium's quorum.
        case belowQuorum = "below-quorum"

        // Contract lifecycle.
        /// A referenced contract version, run or key ceremony does not exist.
        case unknownReference = "unknown-reference"
        /// A version, run or ceremony id is used a second time.
        case duplicateIdentifier = "duplicate-identifier"
        /// A member approved the same version twice.
        case duplicateApproval = "duplicate-approval"
        /// The version is not in the state the entry requires (e.g. approving an active version).
        case invalidLifecycleState = "invalid-lifecycle-state"
        /// A run names a contract version that is not active.
        case versionNotActive = "version-not-active"
        /// An upgrade names a predecessor that is missing, not active or of another contract.
        case invalidPredecessor = "invalid-predecessor"

        // Runs.
        /// The run's participant list is ill-formed, or the signer is not a participant.
        case notAParticipant = "not-a-participant"
        /// The run is not open (already finished or aborted).
        case runClosed = "run-closed"
        /// A participant committed an input twice.
        case duplicateCommitment = "duplicate-commitment"
        /// A result's revealed-values hash does not match its revealed values.
        case resultHashMismatch = "result-hash-mismatch"
        /// A run's decryption evidence does not reproduce its published result (checked by the
        /// runtime's `DecryptionAuditor`: ciphertexts, batch proofs, recomputed outputs).
        case decryptionEvidenceMismatch = "decryption-evidence-mismatch"
        /// A result has fewer contributors' endorsements than the run's minimum.
        case insufficientEndorsements = "insufficient-endorsements"
        /// A result lists fewer contributors than the run's minimum (at least 2), or a contributor
        /// that committed no input, or contributors out of order; or a run declares a minimum
        /// below 2 or above its participants.
        case insufficientContributors = "insufficient-contributors"
        /// A result is endorsed by a member that is not one of its contributors.
        case notAContributor = "not-a-contributor"
        /// A result records a view's recipients other than the members the ledger designates
        /// (the holders of a contract role, or a named member), or records them out of order.
        case recipientMismatch = "recipient-mismatch"

        // Checkpoints and proofs.
        /// A checkpoint's sequencer signature does not verify, or its signer is not the sequencer.
        case invalidCheckpointSignature = "invalid-checkpoint-signature"
        /// A cosignature does not verify or comes from a non-voting member.
        case invalidCosignature = "invalid-cosignature"
        /// A checkpoint's root differs from the root of the log at its size.
        case checkpointRootMismatch = "checkpoint-root-mismatch"
        /// A checkpoint does not name the checkpoint before it as its predecessor (one deleted,
        /// inserted or reordered).
        case checkpointChainBroken = "checkpoint-chain-broken"
        /// A checkpoint covers more entries than the log holds (entries deleted at the end).
        case checkpointBeyondLog = "checkpoint-beyond-log"
        /// A run's contract source (from its `contract-proposed` entry) does not recompile to the
        /// run's version id and circuit hash (checked by the runtime's audit).
        case contractSourceMismatch = "contract-source-mismatch"
        /// The ledger does not extend the checkpoint the reader trusts: it is shorter (rolled
        /// back) or its root at that size differs (rewritten).
        case historyMismatch = "history-mismatch"
        /// Two validly signed checkpoints of the same size have different roots.
        case equivocation = "equivocation"
        /// An inclusion proof does not verify.
        case invalidInclusionProof = "invalid-inclusion-proof"
        /// A consistency proof does not verify.
        case invalidConsistencyProof = "invalid-consistency-proof"
        /// An index or size is outside the log.
        case outOfRange = "out-of-range"
    }

    /// Where the failure is: an entry index, a checkpoint size, a table and row of the file, or
    /// none of these.
    public struct Location: Sendable, Hashable, Codable, CustomStringConvertible {
        /// The index (sequence number) of the first failing entry.
        public var entryIndex: UInt64?
        /// The size of the failing checkpoint.
        public var checkpointSize: UInt64?
        /// The table (or other schema object) of the file that fails a file-integrity rule.
        public var table: String?
        /// The failing row's key in ``table`` (`seq` of an entry row, `id` of an evidence row,
        /// `size` of a checkpoint row): it may lie outside any valid range.
        public var row: Int64?

        /// A location.
        /// - Parameters:
        ///   - entryIndex: The failing entry's index.
        ///   - checkpointSize: The failing checkpoint's size.
        ///   - table: The failing table or schema object.
        ///   - row: The failing row's key.
        public init(entryIndex: UInt64? = nil, checkpointSize: UInt64? = nil, table: String? = nil, row: Int64? = nil) {
            self.entryIndex = entryIndex
            self.checkpointSize = checkpointSize
            self.table = table
            self.row = row
        }

        /// No particular place.
        public static let none = Location()

        /// `entry 12`, `checkpoint 40`, `table entry row -1`, or `ledger`.
        public var description: String {
            var parts: [String] = []
            if let table { parts.append(row.map { "table \(table) row \($0)" } ?? "table \(table)") }
            switch (entryIndex, checkpointSize) {
            case let (entry?, checkpoint?): parts.append("entry \(entry) (checkpoint \(checkpoint))")
            case let (entry?, nil): parts.append("entry \(entry)")
            case let (nil, checkpoint?): parts.append("checkpoint \(checkpoint)")
            case (nil, nil): break
            }
            return parts.isEmpty ? "ledger" : parts.joined(separator: ", ")
        }
    }

    /// The rule that failed.
    public var code: Code
    /// What failed, with public facts only.
    public var message: String
    /// The lower-layer error (a `WireFormatError`, a GRDB `DatabaseError`, …), if any.
    public var cause: (any Error & Sendable)?
    /// The first failing entry or checkpoint.
    public var location: Location

    /// An error.
    /// - Parameters:
    ///   - code: The rule that failed.
    ///   - message: Public facts about the failure.
    ///   - location: Where it failed.
    ///   - cause: The lower-layer error.
    public init(_ code: Code, _ message: String, at location: Location = .none, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.location = location
        self.cause = cause
    }

    /// `entry 12: invalid-signature: …`.
    public var description: String {
        var text = "\(location): \(code.rawValue): \(message)"
        if let cause { text += " (cause: \(cause))" }
        return text
    }

    /// The same error located at `index` unless it already names an entry.
    func located(atEntry index: UInt64) -> LedgerError {
        var copy = self
        if copy.location.entryIndex == nil { copy.location.entryIndex = index }
        return copy
    }
}

extension LedgerError {
    static func file(_ code: Code, table: String, row: Int64? = nil, _ message: String, cause: (any Error & Sendable)? = nil) -> LedgerError {
        LedgerError(code, message, at: Location(table: table, row: row), cause: cause)
    }

    static func entry(_ code: Code, _ index: UInt64, _ message: String, cause: (any Error & Sendable)? = nil) -> LedgerError {
        LedgerError(code, message, at: Location(entryIndex: index), cause: cause)
    }
}
