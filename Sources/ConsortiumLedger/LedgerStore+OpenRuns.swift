extension LedgerStore {
    /// The runs started but neither published nor aborted, in start order: in progress, or left
    /// by a coordinator that is gone (the runtime's next writer closes those). A quick listing
    /// for readers polling a live ledger; it decodes entries but verifies nothing (the auditor
    /// reports the same runs, verified, in ``AuditReport/openRuns``, and `covenant ledger show`
    /// prints those).
    /// - Returns: Each open run's id and the index of its `run-started` entry.
    /// - Throws: `storageCorrupt`, `malformedEncoding`, naming the entry.
    public func openRuns() throws -> [(runID: LedgerHash, startedAt: UInt64)] {
        var open: [LedgerHash: UInt64] = [:]
        var next: UInt64 = 0
        while true {
            let chunk = try entries(from: next, limit: 8192)
            guard let last = chunk.last else { break }
            for stored in chunk {
                switch try SignedEntry.decode(stored.bytes, at: stored.index).entry.payload {
                case .runStarted(let start): open[start.runID] = stored.index
                case .resultPublished(let result): open[result.runID] = nil
                case .runAborted(let abort): open[abort.runID] = nil
                default: break
                }
            }
            guard last.index < .max else { break }
            next = last.index + 1
        }
        return open.map { (runID: $0.key, startedAt: $0.value) }.sorted { $0.startedAt < $1.startedAt }
    }
}
