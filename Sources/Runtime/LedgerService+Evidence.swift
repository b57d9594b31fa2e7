public import ConsortiumLedger

/// Decryption evidence between replicas (protocols/node.md#evidence-replication): the coordinator
/// of a paillier run files its evidence beside its own replica; every other participant's node
/// copies it from there, checked against the digest and size its own replica records, so that
/// `covenant audit` re-checks the decryption on every participant's replica.
extension LedgerService {
    /// The evidence record of a run, from its `decryption-evidence` entry.
    /// - Parameter run: The run.
    /// - Returns: The record, or nil when the run has none.
    public func evidenceRecord(of run: LedgerHash) -> DecryptionEvidence? {
        guard let index = state.runs[run]?.evidenceAt,
            let entry = try? entries(from: index, limit: 1).first,
            case .decryptionEvidence(let record) = entry.entry.payload
        else { return nil }
        return record
    }

    /// The published runs `member` took part in whose evidence the ledger records but this
    /// replica's archive does not hold (or holds damaged), oldest first. A run whose evidence was
    /// checked in this process is skipped without reading its entry (a node asks on every pass).
    /// - Parameter member: The member.
    /// - Returns: Each run with its record and the member who filed the evidence (its coordinator).
    public func evidenceToReplicate(for member: String) -> [(record: DecryptionEvidence, holder: String, participants: [String])] {
        state.runs.values
            .filter { $0.status == .published && $0.evidenceAt != nil && $0.participants.contains(member) && !evidence.holdsChecked($0.runID) }
            .sorted { $0.startedAt < $1.startedAt }
            .compactMap { run in
                guard let record = evidenceRecord(of: run.runID), !evidence.holds(run.runID, matching: record) else { return nil }
                return (record, run.startedBy, run.participants)
            }
    }

    /// Files evidence copied from another replica, after checking it against this ledger's record.
    /// - Parameters:
    ///   - bytes: The evidence.
    ///   - run: The run.
    /// - Throws: ``RuntimeError`` `messageRejected` when the ledger records no evidence for the run
    ///   or other bytes; `fileFailure` when it cannot be written.
    public func fileReplicatedEvidence(_ bytes: [UInt8], run: LedgerHash) throws(RuntimeError) {
        guard let record = evidenceRecord(of: run) else {
            throw RuntimeError(.messageRejected, "run \(run.hex.prefix(16))… has no decryption evidence on this ledger")
        }
        guard record.matches(bytes) else {
            throw RuntimeError(.messageRejected, "the evidence of run \(run.hex.prefix(16))… does not match the digest and size on the ledger")
        }
        try evidence.store(bytes, run: run)
    }

    /// A part of a run's evidence for a participant of the run.
    /// - Parameters:
    ///   - run: The run.
    ///   - offset: The first byte.
    ///   - limit: The most bytes to return.
    ///   - caller: The member asking.
    /// - Returns: The evidence's size and its bytes from `offset` on, at most `limit`.
    /// - Throws: ``RuntimeError`` `invalidParticipants` unless `caller` took part in the published
    ///   run; `messageRejected` for an offset beyond the end or evidence this archive does not hold.
    public func evidenceChunk(of run: LedgerHash, from offset: UInt64, limit: Int, for caller: String) throws(RuntimeError)
        -> (size: UInt64, bytes: [UInt8])
    {
        guard let record = state.runs[run], record.status == .published, record.participants.contains(caller) else {
            throw RuntimeError(.invalidParticipants, "the evidence of a run goes only to its participants once it is published")
        }
        guard let entry = evidenceRecord(of: run), evidence.holds(run, matching: entry) else {
            throw RuntimeError(.messageRejected, "this replica holds no evidence of run \(run.hex.prefix(16))…")
        }
        guard offset <= entry.size else {
            throw RuntimeError(.messageRejected, "offset \(offset) is beyond the evidence's \(entry.size) bytes")
        }
        guard let part = evidence.part(of: run, from: offset, limit: limit) else {
            throw RuntimeError(.messageRejected, "this replica could not read the evidence of run \(run.hex.prefix(16))…")
        }
        return (entry.size, part)
    }
}
