extension LedgerAuditor {
    /// Audits a ledger file exactly as ``audit(path:runID:)`` does and, only if it passes,
    /// describes what the verified log records (spec: protocols/ledger.md#reading-the-ledger).
    /// The view is collected during the same replay, from chunks the rules and signatures have
    /// accepted, so nothing in it was read outside the audit.
    /// - Parameters:
    ///   - path: The SQLite file, opened read-only.
    ///   - window: The entries to list in ``LedgerView/entries`` (clamped to the log).
    /// - Returns: The audit report, and the view when the report passed (nil otherwise).
    public func read(path: String, entries window: Range<UInt64> = 0..<0) -> (report: AuditReport, view: LedgerView?) {
        let builder = LedgerViewBuilder(window: window)
        let report = audit(path: path, runID: nil, observer: { chunk, replay in
            try builder.observe(chunk, replay: replay)
        })
        guard report.passed, let root = LedgerHash(hex: report.rootHash) else { return (report, nil) }
        return (report, builder.view(ledger: path, entryCount: report.verifiedEntries, rootHash: root))
    }
}
