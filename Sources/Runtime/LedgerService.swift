public import ConsortiumLedger
public import CryptoPrimitives
import PaillierEncryption
import WireFormat

/// The consortium ledger of a one-process consortium, confined to an actor (a `Ledger` is not
/// thread-safe). Every member appends through it with its own key; the runtime reads the state
/// (active versions, ceremonies, runs) from it. Spec: protocols/runtime.md#ledger-entries.
public actor LedgerService {
    private let ledger: Ledger
    /// The SQLite file, or nil for an in-memory ledger.
    public nonisolated let path: String?
    /// Where this ledger's decryption evidence is filed (beside the file, or in memory).
    public nonisolated let evidence: EvidenceArchive

    /// Opens (or, if the store is empty, prepares) a ledger. A SQLite ledger is held with its
    /// writer lock for the life of the service, so no other process writes it meanwhile and this
    /// replica's view of the log never goes stale (protocols/ledger.md#one-writer).
    /// - Parameters:
    ///   - path: A SQLite file (created if missing), or nil for an in-memory ledger.
    ///   - lockTimeout: How long to wait for another writer to finish.
    /// - Throws: ``RuntimeError`` `ledgerBusy` if another writer holds the ledger past
    ///   `lockTimeout` (nothing is written), else `ledgerFailure` wrapping the ``LedgerError``.
    public init(path: String?, lockTimeout: Duration = SQLiteLedgerStore.defaultLockTimeout) throws {
        self.path = path
        self.evidence = EvidenceArchive(directory: path.map(EvidenceArchive.folder(besideLedger:)))
        do {
            let store: any LedgerStore = try path.map { try SQLiteLedgerStore(path: $0, lockTimeout: lockTimeout) } ?? InMemoryLedgerStore()
            ledger = try Ledger(store: store)
        } catch let error as LedgerError where error.code == .ledgerBusy {
            throw RuntimeError(.ledgerBusy, "ledger busy: \(error.message)", cause: error)
        } catch {
            let reason = (error as? LedgerError).map { ": \($0.location): \($0.code.rawValue): \($0.message)" } ?? ""
            throw RuntimeError(.ledgerFailure, "cannot open the ledger\(path.map { " at \($0)" } ?? "")\(reason)", cause: error)
        }
    }

    /// The consortium state the log defines.
    public var state: ConsortiumState { ledger.state }

    /// The number of entries.
    public var size: UInt64 { ledger.size }

    /// Whether the ledger holds no entry yet.
    public var isEmpty: Bool { ledger.size == 0 }

    /// A run as the ledger records it, with the approved source of the contract version it runs
    /// (from that version's `contract-proposed` entry): what a member compiles for itself rather
    /// than trusting the coordinator's copy (protocols/runtime.md#endorsements).
    /// - Parameter runID: The run.
    /// - Returns: The run's record and its version's source text.
    /// - Throws: ``RuntimeError`` `ledgerFailure` when the run, its version or the source is missing.
    public func run(_ runID: LedgerHash) throws -> (run: ConsortiumState.Run, source: String) {
        let state = ledger.state
        guard let run = state.runs[runID] else {
            throw RuntimeError(.ledgerFailure, "run \(runID.hex.prefix(16))… is not on the ledger")
        }
        guard let version = state.contracts[run.versionID], let source = source(of: version) else {
            throw RuntimeError(.ledgerFailure, "the contract source of run \(runID.hex.prefix(16))… is not on the ledger")
        }
        return (run, source)
    }

    /// The approved source text of a contract version (from its `contract-proposed` entry).
    /// - Parameter version: The version.
    /// - Returns: The source, or nil when the entry is missing or not UTF-8.
    public func source(of version: ConsortiumState.ContractVersion) -> String? {
        guard case .contractProposed(let proposal) = try? ledger.entry(at: version.proposedAt).entry.payload else { return nil }
        return String(validating: proposal.source, as: UTF8.self)
    }

    /// Writes the genesis entry.
    /// - Parameters:
    ///   - genesis: Members and quorum.
    ///   - founder: The founding member.
    ///   - key: Its key.
    /// - Throws: ``RuntimeError`` `ledgerFailure`.
    public func found(_ genesis: Genesis, founder: String, key: Ed25519.PrivateKey) throws {
        try wrap("genesis") { _ = try ledger.append(.genesis(genesis), author: founder, key: key) }
        identity = ledger.logID  // founded here: its audits are pinned to this genesis
    }

    /// Signs and appends one entry.
    /// - Parameters:
    ///   - payload: The content.
    ///   - author: The author.
    ///   - key: The author's key.
    /// - Returns: The entry's index.
    /// - Throws: ``RuntimeError`` `ledgerFailure` naming the broken rule.
    @discardableResult
    public func append(_ payload: LedgerEntry.Payload, author: String, key: Ed25519.PrivateKey) throws -> UInt64 {
        try wrap(payload.kind.name) {
            let index = ledger.size
            try ledger.append(payload, author: author, key: key)
            return index
        }
    }

    /// The unsigned entry `payload` would become next (for endorsers, who sign its subject).
    /// - Parameters:
    ///   - payload: The content.
    ///   - author: The author.
    /// - Returns: The entry.
    public func draft(_ payload: LedgerEntry.Payload, author: String) -> LedgerEntry {
        ledger.nextEntry(payload, author: author)
    }

    /// Signs a checkpoint of the whole log as `sequencer` and gathers every given cosignature.
    /// - Parameters:
    ///   - sequencer: The sequencer and its key.
    ///   - cosigners: Voting members and their keys.
    /// - Returns: Whether the checkpoint is final (a quorum cosigned).
    /// - Throws: ``RuntimeError`` `ledgerFailure`.
    @discardableResult
    public func checkpoint(
        sequencer: (name: String, key: Ed25519.PrivateKey), cosigners: [(name: String, key: Ed25519.PrivateKey)]
    ) throws -> Bool {
        try wrap("checkpoint") {
            var signed = try ledger.signCheckpoint(as: sequencer.name, key: sequencer.key)
            for cosigner in cosigners {
                let cosignature = try ledger.cosign(signed, as: cosigner.name, key: cosigner.key)
                signed = try ledger.addCosignature(cosignature, to: signed)
            }
            return try ledger.isFinal(signed)
        }
    }

    /// Audits the ledger with the auditor (from the file when there is one, read-only).
    /// - Returns: The audit report.
    public func audit() -> AuditReport {
        let auditor = LedgerAuditor(pin: identity)
        if let path { return auditor.audit(path: path) }
        return auditor.audit(store: ledger.store, name: "in-memory ledger")
    }

    /// The consortium's identity this service checks its ledger against (the log id): set when
    /// it founds the ledger, or pinned from a member's configuration; nil otherwise (the audit
    /// then reports the identity as not checked).
    public private(set) var identity: LedgerHash?

    /// Pins the consortium's identity for later audits.
    /// - Parameter logID: The log id the member recorded.
    public func pin(_ logID: LedgerHash) { identity = logID }

    /// The ledger audit plus ``DecryptionAuditor``'s re-check of every paillier run
    /// (protocols/runtime.md#auditing-a-paillier-run).
    /// - Returns: The combined report.
    public func fullAudit() -> AuditReport {
        RuntimeAudit.complete(audit(), store: ledger.store, evidence: evidence)
    }

    /// The latest key ceremony on the log, with its holders in share order.
    /// - Returns: The ceremony, or nil when none was held.
    public func latestKeyCeremony() -> Consortium.KeyCeremonyRecord? {
        var index = ledger.size
        while index > 0 {
            index -= 1
            guard case .keyCeremony(let ceremony)? = try? ledger.entry(at: index).entry.payload else { continue }
            guard let key = try? Paillier.ThresholdPublicKey(wireEncoded: ceremony.publicKey) else { return nil }
            return Consortium.KeyCeremonyRecord(id: ceremony.ceremonyID, publicKey: key, holders: ceremony.holders)
        }
        return nil
    }

    // MARK: Replication (protocols/node.md#ledger-replication)

    /// The root of the whole log.
    public var root: LedgerHash { ledger.rootHash }

    /// Entries from `index` on, at most `limit`.
    /// - Parameters:
    ///   - index: The first index.
    ///   - limit: The most to return.
    /// - Returns: The signed entries.
    /// - Throws: ``RuntimeError`` `ledgerFailure` on a storage error.
    public func entries(from index: UInt64, limit: Int) throws -> [SignedEntry] {
        try wrap("replication") {
            guard index < ledger.size else { return [] }
            let end = min(ledger.size, index + UInt64(max(0, limit)))
            return try (index..<end).map { try ledger.entry(at: $0) }
        }
    }

    /// Verifies and applies entries signed elsewhere, in order from this replica's size: every
    /// author signature and every rule is checked first; nothing is stored if one fails.
    /// - Parameter entries: The entries.
    /// - Throws: ``RuntimeError`` `ledgerFailure` naming the first failing entry.
    public func receive(_ entries: [SignedEntry]) throws {
        let size = ledger.size
        // Entries this replica already holds (a fetch that crossed another) must be the very
        // entries it holds: a sequencer that serves another entry at a position equivocates.
        for entry in entries where entry.entry.sequence < size {
            guard (try? ledger.entry(at: entry.entry.sequence))?.encoded == entry.encoded else {
                throw RuntimeError(.ledgerFailure, "the sequencer served another entry at position \(entry.entry.sequence) than this replica holds")
            }
        }
        let fresh = entries.filter { $0.entry.sequence >= size }
        guard !fresh.isEmpty else { return }
        try wrap("replicated") { try ledger.receive(fresh) }
    }

    /// The sequencer's acceptance of one entry its author drafted and signed on its own replica.
    /// - Parameter entry: The signed entry.
    /// - Returns: Its index.
    /// - Throws: ``RuntimeError`` `staleReplica` when it was drafted at another position, else
    ///   `ledgerFailure` naming the broken rule (nothing is stored).
    public func accept(_ entry: SignedEntry) throws -> UInt64 {
        let index = ledger.size
        guard entry.entry.sequence == index, entry.entry.previousRoot == ledger.rootHash else {
            throw RuntimeError(.staleReplica, "the entry was drafted at position \(entry.entry.sequence); the log holds \(index) entries")
        }
        try receive([entry])
        return index
    }

    /// Signs a checkpoint of the whole log as the sequencer (stored here, without cosignatures).
    /// - Parameters:
    ///   - sequencer: The sequencer's name.
    ///   - key: Its key.
    /// - Returns: The checkpoint.
    /// - Throws: ``RuntimeError`` `ledgerFailure`.
    public func signCheckpoint(as sequencer: String, key: Ed25519.PrivateKey) throws -> SignedCheckpoint {
        try wrap("checkpoint") { try ledger.signCheckpoint(as: sequencer, key: key) }
    }

    /// Checks a sequencer's checkpoint against this replica, records it, and cosigns it. A
    /// checkpoint that contradicts this replica's log, or another checkpoint of the same size, is
    /// refused (equivocation evidence is stored by the ledger).
    /// - Parameters:
    ///   - checkpoint: The checkpoint.
    ///   - member: The cosigning member.
    ///   - key: Its key.
    /// - Returns: The cosignature.
    /// - Throws: ``RuntimeError`` `ledgerFailure` wrapping `equivocation`, `checkpointRootMismatch` or `outOfRange`.
    public func cosign(_ checkpoint: SignedCheckpoint, as member: String, key: Ed25519.PrivateKey) throws -> Cosignature {
        try wrap("checkpoint") {
            let cosignature = try ledger.cosign(checkpoint, as: member, key: key)
            try ledger.addCosignature(cosignature, to: checkpoint)
            return cosignature
        }
    }

    /// Adds a member's cosignature to a stored checkpoint.
    /// - Parameters:
    ///   - cosignature: The cosignature.
    ///   - checkpoint: The checkpoint.
    /// - Returns: Whether the checkpoint is now final (a quorum cosigned).
    /// - Throws: ``RuntimeError`` `ledgerFailure`.
    @discardableResult
    public func addCosignature(_ cosignature: Cosignature, to checkpoint: SignedCheckpoint) throws -> Bool {
        try wrap("checkpoint") { try ledger.isFinal(try ledger.addCosignature(cosignature, to: checkpoint)) }
    }

    /// Compares a checkpoint another member's replica holds with this replica
    /// (protocols/node.md#checkpoint-gossip).
    /// - Parameter checkpoint: The checkpoint.
    /// - Returns: Whether this replica covers and agrees with it (false: it is ahead of this replica).
    /// - Throws: ``RuntimeError`` `ledgerFailure` wrapping `equivocation` (evidence stored),
    ///   `checkpointRootMismatch` or a signature error.
    @discardableResult
    public func compare(_ checkpoint: SignedCheckpoint) throws -> Bool {
        try wrap("gossiped checkpoint") { try ledger.compare(checkpoint) }
    }

    /// The checkpoint of the largest size this replica holds, if any.
    public func newestCheckpoint() -> SignedCheckpoint? { try? ledger.newestCheckpoint() }

    private func wrap<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as LedgerError {
            throw RuntimeError(.ledgerFailure, "the ledger refused the \(what) entry: \(error.description)", cause: error)
        } catch {
            throw RuntimeError(.ledgerFailure, "the ledger failed on the \(what) entry", cause: error)
        }
    }
}
