public import CryptoPrimitives
import Foundation

/// One member's replica of the consortium ledger: a store, the consortium state it defines and
/// its Merkle tree. Appending enforces the lifecycle rules; entries from other members are
/// applied only after their signatures and rules verify. Spec: protocols/ledger.md.
///
/// Not thread-safe: confine a `Ledger` to one task or actor (the runtime wraps it in an actor).
public final class Ledger {
    /// Where the entries live.
    public let store: any LedgerStore
    /// The consortium as the log defines it.
    public private(set) var state: ConsortiumState
    /// The Merkle tree over every entry.
    public private(set) var tree: MerkleTree

    /// One entry to author: its payload, its author and the author's key.
    public struct Submission: Sendable {
        /// The content.
        public var payload: LedgerEntry.Payload
        /// The author's member name.
        public var author: String
        /// The author's private key.
        public var key: Ed25519.PrivateKey
        /// Milliseconds since the epoch; defaults to the current time (never earlier than the last entry).
        public var timestamp: UInt64?

        /// A submission.
        /// - Parameters:
        ///   - payload: The content.
        ///   - author: The author.
        ///   - key: The author's key.
        ///   - timestamp: The timestamp, or nil for now.
        public init(_ payload: LedgerEntry.Payload, author: String, key: Ed25519.PrivateKey, timestamp: UInt64? = nil) {
            self.payload = payload
            self.author = author
            self.key = key
            self.timestamp = timestamp
        }
    }

    /// Opens the ledger held by `store`, replaying and verifying every entry and checkpoint.
    /// - Parameters:
    ///   - store: The store.
    ///   - verifySignatures: Whether to verify every signature (default); only a replica that
    ///     trusts its own disk may skip it.
    /// - Throws: A ``LedgerError`` naming the first failing entry.
    public init(store: any LedgerStore, verifySignatures: Bool = true) throws {
        self.store = store
        var replay = LogReplay(checkpoints: try store.checkpoints(), verifySignatures: verifySignatures)
        var next: UInt64 = 0
        while true {
            let chunk = try store.entries(from: next, limit: 8192)
            if chunk.isEmpty { break }
            try replay.process(chunk)
            next = replay.tree.size
        }
        try replay.finish(allowCheckpointsAhead: true)
        state = replay.state
        tree = replay.tree
    }

    /// Creates a new ledger in an empty store with its genesis entry.
    /// - Parameters:
    ///   - store: An empty store.
    ///   - genesis: The founding members and quorum.
    ///   - founder: The founding member authoring the genesis entry.
    ///   - key: The founder's key.
    ///   - timestamp: Milliseconds since the epoch, or nil for now.
    /// - Returns: The ledger.
    /// - Throws: `invalidMembership` and the like if `genesis` breaks a rule; `storageFailure`.
    @discardableResult
    public static func create(
        in store: any LedgerStore, genesis: Genesis, founder: String, key: Ed25519.PrivateKey, timestamp: UInt64? = nil
    ) throws -> Ledger {
        guard try store.entryCount() == 0 else {
            throw LedgerError(.sequenceMismatch, "the store already holds a ledger")
        }
        let ledger = try Ledger(store: store)
        try ledger.append(.genesis(genesis), author: founder, key: key, timestamp: timestamp)
        return ledger
    }

    /// The log id (the genesis entry's leaf hash).
    public var logID: LedgerHash { state.logID ?? .zero }

    /// The number of entries.
    public var size: UInt64 { tree.size }

    /// The current root (cached per size: every append needs it twice).
    public var rootHash: LedgerHash {
        if let cachedRoot, cachedRoot.size == tree.size { return cachedRoot.root }
        let root = tree.rootHash
        cachedRoot = (tree.size, root)
        return root
    }
    private var cachedRoot: (size: UInt64, root: LedgerHash)?

    // MARK: Appending

    /// The unsigned entry that would come next, for an author who signs elsewhere.
    /// - Parameters:
    ///   - payload: The content.
    ///   - author: The author's name.
    ///   - timestamp: Milliseconds since the epoch, or nil for now.
    /// - Returns: The entry at position ``size``.
    public func nextEntry(_ payload: LedgerEntry.Payload, author: String, timestamp: UInt64? = nil) -> LedgerEntry {
        LedgerEntry(
            sequence: tree.size, logID: logID, previousRoot: rootHash,
            timestamp: timestamp ?? Self.now(), author: author, payload: payload)
    }

    /// Signs and appends one entry.
    /// - Parameters:
    ///   - payload: The content.
    ///   - author: The author's name.
    ///   - key: The author's key.
    ///   - timestamp: Milliseconds since the epoch, or nil for now.
    /// - Returns: The signed entry as stored.
    /// - Throws: A ``LedgerError`` naming the broken rule; nothing is stored then.
    @discardableResult
    public func append(
        _ payload: LedgerEntry.Payload, author: String, key: Ed25519.PrivateKey, timestamp: UInt64? = nil
    ) throws -> SignedEntry {
        try append(batch: [Submission(payload, author: author, key: key, timestamp: timestamp)])[0]
    }

    /// Signs and appends a batch in one transaction: all entries are stored, or none.
    /// - Parameter batch: The submissions, in order.
    /// - Returns: The signed entries.
    /// - Throws: A ``LedgerError`` naming the first entry that breaks a rule; nothing is stored then.
    @discardableResult
    public func append(batch: [Submission]) throws -> [SignedEntry] {
        let now = Self.now()
        return try commit(count: batch.count, trustAuthorSignatures: true) { position in
            let submission = batch[position]
            var entry = nextEntry(submission.payload, author: submission.author, timestamp: submission.timestamp ?? now)
            if submission.timestamp == nil { entry.timestamp = max(entry.timestamp, state.lastEntryTimestamp) }
            return entry.signed(with: submission.key)
        }
    }

    /// Applies entries signed by other members (replication), verifying every signature and rule first.
    /// - Parameter entries: Consecutive entries starting at ``size``.
    /// - Throws: A ``LedgerError`` naming the first failing entry; nothing is stored then.
    public func receive(_ entries: [SignedEntry]) throws {
        try commit(count: entries.count, trustAuthorSignatures: false) { entries[$0] }
    }

    @discardableResult
    private func commit(count: Int, trustAuthorSignatures: Bool, next: (Int) throws -> SignedEntry) throws -> [SignedEntry] {
        let savedState = state
        let savedSize = tree.size
        var signed: [SignedEntry] = []
        var stored: [StoredEntry] = []
        var checks: [SignatureCheck] = []
        do {
            for position in 0..<count {
                let entry = try next(position)
                let index = tree.size
                let bytes = entry.encoded
                let leaf = MerkleTree.leafHash(bytes)
                try state.apply(entry, leafHash: leaf, previousRoot: rootHash, at: index, checks: &checks)
                if trustAuthorSignatures { checks.removeAll { $0.index == index && $0.code == .invalidSignature } }
                tree.append(leafHash: leaf)
                signed.append(entry)
                stored.append(StoredEntry(index: index, bytes: bytes, leafHash: leaf))
            }
            if let failed = LogReplay.firstInvalid(checks) { throw failed.error }
            try store.append(stored)
        } catch {
            state = savedState
            tree.truncate(to: savedSize)
            cachedRoot = nil
            throw error
        }
        return signed
    }

    // MARK: Reading

    /// The entry at `index`.
    /// - Parameter index: A position below ``size``.
    /// - Returns: The signed entry.
    /// - Throws: `outOfRange`, or a storage error.
    public func entry(at index: UInt64) throws -> SignedEntry {
        guard index < size, let stored = try store.entries(from: index, limit: 1).first else {
            throw LedgerError(.outOfRange, "no entry \(index) in a log of \(size)")
        }
        return try SignedEntry.decode(stored.bytes, at: index)
    }

    /// An inclusion proof for entry `index` in the tree of size `treeSize` (default: the whole log).
    /// - Parameters:
    ///   - index: The entry.
    ///   - treeSize: The tree size, e.g. a checkpoint's.
    /// - Returns: The proof.
    /// - Throws: `outOfRange`.
    public func inclusionProof(index: UInt64, size treeSize: UInt64? = nil) throws -> InclusionProof {
        try tree.inclusionProof(index: index, size: treeSize ?? size)
    }

    /// A consistency proof between two sizes.
    /// - Parameters:
    ///   - first: The earlier size.
    ///   - second: The later size (default: the whole log).
    /// - Returns: The proof.
    /// - Throws: `outOfRange`.
    public func consistencyProof(from first: UInt64, to second: UInt64? = nil) throws -> ConsistencyProof {
        try tree.consistencyProof(from: first, to: second ?? size)
    }

    // MARK: Checkpoints

    /// The ``Checkpoint/id`` of the latest stored checkpoint smaller than `size`, or zero.
    func predecessorID(below size: UInt64) throws -> LedgerHash {
        try store.checkpoints().filter { $0.checkpoint.size < size }.max { $0.checkpoint.size < $1.checkpoint.size }?
            .checkpoint.id ?? .zero
    }

    /// Signs a checkpoint of the whole log as the sequencer and stores it.
    /// - Parameters:
    ///   - sequencer: The sequencer's name.
    ///   - key: Its key.
    /// - Returns: The signed checkpoint (no cosignatures yet).
    /// - Throws: `invalidCheckpointSignature` if `sequencer` is not a sequencer or the key is wrong.
    @discardableResult
    public func signCheckpoint(as sequencer: String, key: Ed25519.PrivateKey) throws -> SignedCheckpoint {
        let checkpoint = Checkpoint(logID: logID, size: size, root: rootHash, previous: try predecessorID(below: size))
        let signed = SignedCheckpoint.sign(checkpoint, as: sequencer, key: key)
        try addCheckpoint(signed)
        return signed
    }

    /// Cosigns a checkpoint after checking it against this replica: the sequencer signature
    /// verifies, and the root is this log's root at the checkpoint's size.
    /// - Parameters:
    ///   - checkpoint: The sequencer's checkpoint.
    ///   - member: The cosigning voting member.
    ///   - key: Its key.
    /// - Returns: The cosignature.
    /// - Throws: `invalidCheckpointSignature`, `checkpointRootMismatch`, `outOfRange` (the
    ///   replica is behind), `missingRole`.
    public func cosign(_ checkpoint: SignedCheckpoint, as member: String, key: Ed25519.PrivateKey) throws -> Cosignature {
        _ = try state.verifyCheckpoint(SignedCheckpoint(
            checkpoint: checkpoint.checkpoint, sequencer: checkpoint.sequencer, signature: checkpoint.signature))
        let location = LedgerError.Location(checkpointSize: checkpoint.checkpoint.size)
        guard checkpoint.checkpoint.size <= size else {
            throw LedgerError(.outOfRange, "this replica holds \(size) entries; fetch up to \(checkpoint.checkpoint.size) before cosigning", at: location)
        }
        let root = try tree.rootHash(size: checkpoint.checkpoint.size)
        guard root == checkpoint.checkpoint.root else {
            throw LedgerError(.checkpointRootMismatch, "this replica's root at size \(checkpoint.checkpoint.size) is \(root), not \(checkpoint.checkpoint.root)", at: location)
        }
        guard let cosigner = state.members[member], cosigner.roles.contains(.voting) else {
            throw LedgerError(.missingRole, "\(member) is not a voting member and cannot cosign", at: location)
        }
        guard cosigner.publicKey == key.publicKey else {
            throw LedgerError(.invalidCosignature, "the key given is not \(member)'s key", at: location)
        }
        return Cosignature(signer: member, signature: key.signature(for: checkpoint.checkpoint.cosignerMessage))
    }

    /// Records a checkpoint received from the sequencer or a peer (with any cosignatures),
    /// after verifying its signatures. A checkpoint of a size already seen with a different root
    /// is equivocation: the evidence is stored and the error thrown.
    /// - Parameter checkpoint: The checkpoint.
    /// - Throws: `equivocation` (evidence stored), `checkpointRootMismatch` if it contradicts
    ///   this replica's own log, or a signature error.
    public func addCheckpoint(_ checkpoint: SignedCheckpoint) throws {
        _ = try state.verifyCheckpoint(checkpoint)
        let size = checkpoint.checkpoint.size
        let location = LedgerError.Location(checkpointSize: size)
        guard size > 0 else { throw LedgerError(.outOfRange, "a checkpoint of size 0 certifies no log", at: location) }
        let predecessor = try predecessorID(below: size)
        guard checkpoint.checkpoint.previous == predecessor else {
            throw LedgerError(
                .checkpointChainBroken,
                "the checkpoint names predecessor \(checkpoint.checkpoint.previous), but this replica's latest checkpoint below size \(size) is \(predecessor)",
                at: location)
        }
        try refuseContradiction(checkpoint)
        try store.saveCheckpoint(checkpoint)
    }

    /// Refuses a checkpoint this replica contradicts: another validly signed checkpoint of its size
    /// with another root (equivocation: the evidence is stored), or, where this replica covers its
    /// size, a root other than this replica's there.
    /// - Throws: `equivocation` or `checkpointRootMismatch`.
    private func refuseContradiction(_ checkpoint: SignedCheckpoint) throws {
        let size = checkpoint.checkpoint.size
        let location = LedgerError.Location(checkpointSize: size)
        for known in try store.checkpoints() where known.checkpoint.size == size && known.checkpoint.root != checkpoint.checkpoint.root {
            if (try? state.verifyCheckpoint(known)) != nil {
                try store.saveEvidence(EquivocationEvidence(first: known, second: checkpoint))
                throw LedgerError(.equivocation, "sequencer \(checkpoint.sequencer) signed two checkpoints of size \(size) with roots \(known.checkpoint.root) and \(checkpoint.checkpoint.root)", at: location)
            }
        }
        if size <= self.size {
            let root = try tree.rootHash(size: size)
            guard root == checkpoint.checkpoint.root else {
                throw LedgerError(.checkpointRootMismatch, "this replica's root at size \(size) is \(root), not \(checkpoint.checkpoint.root)", at: location)
            }
        }
    }

    /// Compares a checkpoint another replica holds with this one (checkpoint gossip between
    /// followers): a sequencer that showed two members different logs is caught even when no
    /// cosigner saw both. A consistent checkpoint is recorded when it extends this replica's chain.
    /// - Parameter checkpoint: The checkpoint, with any cosignatures.
    /// - Returns: `true` when this replica covers its size and agrees; `false` when it certifies
    ///   more entries than this replica holds (nothing to compare yet).
    /// - Throws: a signature error; `equivocation` (evidence stored) when this replica holds a
    ///   validly signed checkpoint of the same size with another root; `checkpointRootMismatch`
    ///   when its root is not this replica's root at its size.
    @discardableResult
    public func compare(_ checkpoint: SignedCheckpoint) throws -> Bool {
        _ = try state.verifyCheckpoint(checkpoint)
        let size = checkpoint.checkpoint.size
        // A checkpoint of size 0 certifies nothing (none is ever stored).
        guard size > 0 else { return false }
        try refuseContradiction(checkpoint)
        guard size <= self.size else { return false }
        // Recorded only where it continues this replica's chain of checkpoints.
        if try predecessorID(below: size) == checkpoint.checkpoint.previous { try store.saveCheckpoint(checkpoint) }
        return true
    }

    /// The stored checkpoint of the largest size, if any (final or not).
    /// - Throws: A storage error.
    public func newestCheckpoint() throws -> SignedCheckpoint? {
        try store.checkpoints().max { $0.checkpoint.size < $1.checkpoint.size }
    }

    /// Adds a cosignature to the stored checkpoint it signs.
    /// - Parameters:
    ///   - cosignature: The cosignature.
    ///   - checkpoint: The checkpoint it is for.
    /// - Returns: The checkpoint with every cosignature gathered so far.
    /// - Throws: `invalidCosignature` or a storage error.
    @discardableResult
    public func addCosignature(_ cosignature: Cosignature, to checkpoint: SignedCheckpoint) throws -> SignedCheckpoint {
        var updated = checkpoint
        updated.cosignatures.removeAll { $0.signer == cosignature.signer }
        updated.cosignatures.append(cosignature)
        try addCheckpoint(updated)
        return try store.checkpoints().first { $0.checkpoint == checkpoint.checkpoint } ?? updated
    }

    /// Whether a quorum of voting members validly cosigned `checkpoint`.
    /// - Parameter checkpoint: The checkpoint.
    /// - Returns: `true` if final.
    /// - Throws: A signature error.
    public func isFinal(_ checkpoint: SignedCheckpoint) throws -> Bool {
        try state.verifyCheckpoint(checkpoint) >= state.quorum
    }

    /// The largest stored checkpoint that is final, if any.
    /// - Throws: A storage error.
    public func latestFinalCheckpoint() throws -> SignedCheckpoint? {
        try store.checkpoints().reversed().first { (try? isFinal($0)) == true }
    }

    static func now() -> UInt64 {
        UInt64(max(0, Date().timeIntervalSince1970 * 1000))
    }
}

extension ConsortiumState {
    /// The timestamp of the last applied entry.
    var lastEntryTimestamp: UInt64 { lastTimestampValue }
}
