import Synchronization

/// One stored entry: its position, its canonical signed encoding and its Merkle leaf hash.
public struct StoredEntry: Hashable, Sendable {
    /// The entry's position.
    public var index: UInt64
    /// The canonical encoding of the ``SignedEntry``.
    public var bytes: [UInt8]
    /// `SHA-256(0x00 ‖ bytes)` as stored (the auditor recomputes it).
    public var leafHash: LedgerHash

    /// A stored entry.
    /// - Parameters:
    ///   - index: Its position.
    ///   - bytes: Its encoding.
    ///   - leafHash: Its leaf hash.
    public init(index: UInt64, bytes: [UInt8], leafHash: LedgerHash) {
        self.index = index
        self.bytes = bytes
        self.leafHash = leafHash
    }
}

/// Persistence for one replica of the ledger. A store only keeps bytes: it never interprets or
/// verifies entries (``Ledger`` and ``LedgerAuditor`` do), so a tampered store is caught by them.
///
/// Requirements every implementation meets (the conformance suite checks them):
/// - ``append(_:)`` is atomic: all entries of a batch are stored, or none;
/// - entries are append-only: index `i` is written once, in order, and never changed;
/// - checkpoints are keyed by (size, root): storing one again merges cosignatures.
/// Spec: protocols/ledger.md#storage.
public protocol LedgerStore: AnyObject, Sendable {
    /// The number of stored entries.
    /// - Throws: `storageFailure` or `storageCorrupt`.
    func entryCount() throws -> UInt64

    /// Appends a batch atomically; `entries[0].index` must equal ``entryCount()`` and indices
    /// must be consecutive.
    /// - Parameter entries: The batch.
    /// - Throws: `sequenceMismatch` if the indices do not continue the log (nothing is written);
    ///   `storageFailure` on I/O errors (nothing is written).
    func append(_ entries: [StoredEntry]) throws

    /// Reads up to `limit` entries starting at `start`, in order.
    /// - Parameters:
    ///   - start: The first index.
    ///   - limit: The most entries to return.
    /// - Returns: The entries; fewer at the end of the log.
    /// - Throws: `storageCorrupt` naming the first unreadable entry.
    func entries(from start: UInt64, limit: Int) throws -> [StoredEntry]

    /// Every stored checkpoint, ordered by size then root.
    /// - Throws: `storageFailure`, `storageCorrupt`, or `malformedEncoding`.
    func checkpoints() throws -> [SignedCheckpoint]

    /// Stores a checkpoint, or merges its cosignatures into the stored one with the same size and root.
    /// - Parameter checkpoint: The checkpoint.
    /// - Throws: `storageFailure`.
    func saveCheckpoint(_ checkpoint: SignedCheckpoint) throws

    /// Every stored equivocation evidence.
    /// - Throws: `storageFailure` or `malformedEncoding`.
    func evidence() throws -> [EquivocationEvidence]

    /// Stores equivocation evidence.
    /// - Parameter evidence: The evidence.
    /// - Throws: `storageFailure`.
    func saveEvidence(_ evidence: EquivocationEvidence) throws

    /// Every stored equivocation evidence with the key of the row that holds it, so the
    /// auditor can name a bad one (default: positions from 1 in ``evidence()`` order).
    /// - Throws: `storageFailure`, `invalidEvidence`.
    func evidenceRows() throws -> [(row: Int64, evidence: EquivocationEvidence)]
}

extension LedgerStore {
    /// Every stored equivocation evidence, numbered from 1 in ``evidence()`` order.
    public func evidenceRows() throws -> [(row: Int64, evidence: EquivocationEvidence)] {
        try evidence().enumerated().map { (Int64($0.offset) + 1, $0.element) }
    }
}

extension SignedCheckpoint {
    /// `self` with `other`'s cosignatures added (first signature per signer kept).
    func merging(_ other: SignedCheckpoint) -> SignedCheckpoint {
        var merged = self
        for cosignature in other.cosignatures where !merged.cosignatures.contains(where: { $0.signer == cosignature.signer }) {
            merged.cosignatures.append(cosignature)
        }
        return merged
    }
}

/// A ledger store in memory, for tests and simulations.
public final class InMemoryLedgerStore: LedgerStore {
    private struct Contents {
        var entries: [StoredEntry] = []
        var checkpoints: [SignedCheckpoint] = []
        var evidence: [EquivocationEvidence] = []
    }
    private let contents = Mutex(Contents())

    /// An empty store.
    public init() {}

    /// The number of stored entries.
    public func entryCount() throws -> UInt64 { contents.withLock { UInt64($0.entries.count) } }

    /// Appends a batch atomically.
    /// - Parameter entries: The batch.
    /// - Throws: `sequenceMismatch` if the indices do not continue the log.
    public func append(_ entries: [StoredEntry]) throws {
        try contents.withLock { contents in
            for (offset, entry) in entries.enumerated() where entry.index != UInt64(contents.entries.count + offset) {
                throw LedgerError.entry(.sequenceMismatch, entry.index, "store expected index \(contents.entries.count + offset)")
            }
            contents.entries.append(contentsOf: entries)
        }
    }

    /// Reads entries.
    /// - Parameters:
    ///   - start: The first index.
    ///   - limit: The most entries to return.
    /// - Returns: The entries.
    public func entries(from start: UInt64, limit: Int) throws -> [StoredEntry] {
        contents.withLock { contents in
            guard limit > 0, start < UInt64(contents.entries.count) else { return [] }
            let first = Int(start)
            return Array(contents.entries[first..<(first + min(limit, contents.entries.count - first))])
        }
    }

    /// Every stored checkpoint, ordered by size then root.
    public func checkpoints() throws -> [SignedCheckpoint] {
        contents.withLock { $0.checkpoints }.sorted {
            ($0.checkpoint.size, $0.checkpoint.root) < ($1.checkpoint.size, $1.checkpoint.root)
        }
    }

    /// Stores or merges a checkpoint.
    /// - Parameter checkpoint: The checkpoint.
    public func saveCheckpoint(_ checkpoint: SignedCheckpoint) throws {
        contents.withLock { contents in
            if let i = contents.checkpoints.firstIndex(where: { $0.checkpoint == checkpoint.checkpoint }) {
                contents.checkpoints[i] = contents.checkpoints[i].merging(checkpoint)
            } else {
                contents.checkpoints.append(checkpoint)
            }
        }
    }

    /// Every stored evidence.
    public func evidence() throws -> [EquivocationEvidence] { contents.withLock { $0.evidence } }

    /// Stores evidence.
    /// - Parameter evidence: The evidence.
    public func saveEvidence(_ evidence: EquivocationEvidence) throws {
        contents.withLock { $0.evidence.append(evidence) }
    }
}

extension LedgerStore {
    /// The first `count` entries (all of them when nil), decoded, read in chunks. It verifies
    /// nothing: pass ``AuditReport/verifiedEntries`` to read only what an audit verified.
    /// - Parameter count: How many entries, from the first.
    /// - Returns: The entries in log order.
    /// - Throws: `storageCorrupt`, `malformedEncoding`, naming the entry.
    public func signedEntries(count: UInt64? = nil) throws -> [SignedEntry] {
        let total = try min(count ?? .max, entryCount())
        var decoded: [SignedEntry] = []
        while UInt64(decoded.count) < total {
            let chunk = try entries(from: UInt64(decoded.count), limit: Int(min(4096, total - UInt64(decoded.count))))
            guard !chunk.isEmpty else { break }
            for stored in chunk { decoded.append(try SignedEntry.decode(stored.bytes, at: stored.index)) }
        }
        return decoded
    }
}
