import Dispatch

/// Replays stored entries through the lifecycle rules, rebuilding the Merkle tree and checking
/// signatures in parallel, and evaluates stored checkpoints when the log reaches their size.
/// ``Ledger`` (on open) and ``LedgerAuditor`` share it, so append and audit apply one rule set.
struct LogReplay {
    var state = ConsortiumState()
    var tree = MerkleTree()
    let verifySignatures: Bool
    /// Stored checkpoints by size, evaluated when the tree reaches that size.
    private var pendingCheckpoints: [UInt64: [SignedCheckpoint]]
    /// Results of evaluated checkpoints, in size order.
    private(set) var evaluated: [(checkpoint: SignedCheckpoint, cosigners: Int, quorum: Int)] = []
    private(set) var evidence: [EquivocationEvidence] = []
    /// The id of the last evaluated checkpoint: the predecessor the next one must name.
    private var chainHead: (id: LedgerHash, size: UInt64)?
    private(set) var kindCounts: [LedgerEntry.Kind: Int] = [:]

    init(checkpoints: [SignedCheckpoint], verifySignatures: Bool = true) {
        self.verifySignatures = verifySignatures
        pendingCheckpoints = Dictionary(grouping: checkpoints, by: { $0.checkpoint.size })
    }

    /// Applies one chunk of consecutive stored entries. On failure the replay must stop: the
    /// error names the first failing entry or checkpoint in log order.
    mutating func process(_ chunk: [StoredEntry]) throws {
        var checks: [SignatureCheck] = []
        checks.reserveCapacity(chunk.count)
        // Ordering key: entry i → 2i+1; a checkpoint of size s (evaluated after entry s−1) → 2s.
        var ruleError: (key: UInt64, error: LedgerError)?
        for stored in chunk {
            let index = tree.size
            do {
                guard stored.index == index else {
                    throw LedgerError.entry(.sequenceMismatch, index, "the store holds entry \(stored.index) where entry \(index) belongs (an entry is missing)")
                }
                let leaf = MerkleTree.leafHash(stored.bytes)
                guard leaf == stored.leafHash else {
                    throw LedgerError.entry(.leafHashMismatch, index, "the stored leaf hash differs from the hash of the stored entry")
                }
                let signed = try SignedEntry.decode(stored.bytes, at: index)
                let previousRoot = try tree.rootHash(size: index)
                try state.apply(signed, leafHash: leaf, previousRoot: previousRoot, at: index, checks: &checks)
                tree.append(leafHash: leaf)
                kindCounts[signed.entry.kind, default: 0] += 1
            } catch let error as LedgerError {
                ruleError = (2 * index + 1, error.located(atEntry: index))
                break
            }
            if let due = pendingCheckpoints.removeValue(forKey: tree.size) {
                do {
                    try evaluate(due)
                } catch let error as LedgerError {
                    ruleError = (2 * tree.size, error)
                    break
                }
            }
        }
        if verifySignatures, let failed = Self.firstInvalid(checks) {
            let key = 2 * failed.index + 1
            if key <= ruleError?.key ?? .max { throw failed.error }
        }
        if let ruleError { throw ruleError.error }
    }

    /// Called after the last chunk: checkpoints beyond the log mean entries were removed
    /// (unless `allowCheckpointsAhead`: a replica that is behind its sequencer holds those).
    mutating func finish(allowCheckpointsAhead: Bool = false) throws {
        if pendingCheckpoints[0] != nil {
            throw LedgerError(.checkpointRootMismatch, "a checkpoint of size 0 certifies no log", at: .init(checkpointSize: 0))
        }
        let beyond = pendingCheckpoints.keys.sorted()
        if !allowCheckpointsAhead, let size = beyond.first {
            throw LedgerError(
                .checkpointBeyondLog,
                "a checkpoint covers \(size) entries but the log holds \(tree.size): entries from \(tree.size) on are missing",
                at: .init(entryIndex: tree.size, checkpointSize: size))
        }
    }

    private mutating func evaluate(_ checkpoints: [SignedCheckpoint]) throws {
        let size = tree.size
        let root = try tree.rootHash(size: size)
        // Verify each signature first: two valid checkpoints with different roots are equivocation.
        var valid: [(SignedCheckpoint, Int)] = []
        for checkpoint in checkpoints {
            valid.append((checkpoint, try state.verifyCheckpoint(checkpoint)))
        }
        if let first = valid.first, let other = valid.dropFirst().first(where: { $0.0.checkpoint.root != first.0.checkpoint.root }) {
            let proof = EquivocationEvidence(first: first.0, second: other.0)
            evidence.append(proof)
            throw LedgerError(
                .equivocation,
                "sequencer \(first.0.sequencer) signed two checkpoints of size \(size) with roots \(first.0.checkpoint.root) and \(other.0.checkpoint.root)",
                at: .init(checkpointSize: size))
        }
        let expected = chainHead?.id ?? .zero
        for (checkpoint, _) in valid where checkpoint.checkpoint.previous != expected {
            throw LedgerError(
                .checkpointChainBroken,
                "the checkpoint names predecessor \(checkpoint.checkpoint.previous), but the checkpoint before it is \(chainHead.map { "size \($0.size), id \($0.id)" } ?? "none (it should name zero)"): a checkpoint was deleted, inserted or reordered",
                at: .init(checkpointSize: size))
        }
        for (checkpoint, cosigners) in valid {
            guard checkpoint.checkpoint.root == root else {
                throw LedgerError(
                    .checkpointRootMismatch,
                    "the checkpoint's root \(checkpoint.checkpoint.root) is not the log's root \(root) at size \(size)",
                    at: .init(checkpointSize: size))
            }
            evaluated.append((checkpoint, cosigners, state.quorum))
        }
        if let first = valid.first { chainHead = (first.0.checkpoint.id, size) }
    }

    /// The failing check that comes first in log order, checking in parallel over all cores.
    static func firstInvalid(_ checks: [SignatureCheck]) -> SignatureCheck? {
        guard !checks.isEmpty else { return nil }
        if checks.count < 64 {
            return checks.first { !$0.isValid }
        }
        let stripes = min(checks.count / 16, 64)
        let stripeSize = (checks.count + stripes - 1) / stripes
        let firstFailures = UnsafeMutableBufferPointer<Int>.allocate(capacity: stripes)
        firstFailures.initialize(repeating: Int.max)
        defer { firstFailures.deallocate() }
        nonisolated(unsafe) let results = firstFailures
        checks.withUnsafeBufferPointer { buffer in
            nonisolated(unsafe) let all = buffer
            DispatchQueue.concurrentPerform(iterations: stripes) { stripe in
                let start = stripe * stripeSize
                let end = min(start + stripeSize, all.count)
                guard start < end else { return }
                for i in start..<end where !all[i].isValid {
                    results[stripe] = i
                    return
                }
            }
        }
        let first = firstFailures.min() ?? Int.max
        return first == Int.max ? nil : checks[first]
    }
}
