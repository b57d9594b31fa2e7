import Foundation
import WireFormat

/// Proofs served from a store without replaying its rules: the tree is rebuilt from the stored
/// leaf hashes, and every proof is verified before it is returned, against the tree and, when
/// one exists, against the signed checkpoint of that size. A tampered store yields a proof that
/// fails against the checkpoint, never a wrong "valid". Spec: protocols/ledger.md#proofs.
public struct LedgerProver: Sendable {
    /// The tree over the stored leaf hashes.
    public let tree: MerkleTree
    /// The stored checkpoints.
    public let checkpoints: [SignedCheckpoint]

    /// An inclusion proof with what it was checked against.
    public struct Inclusion: Sendable, Codable {
        /// The entry index.
        public var index: UInt64
        /// The tree size.
        public var treeSize: UInt64
        /// The entry's leaf hash, hex.
        public var leafHash: String
        /// The root at `treeSize`, hex.
        public var root: String
        /// The sibling hashes, hex.
        public var path: [String]
        /// The proof as a wire envelope (tag 0x0404), hex.
        public var envelope: String
        /// Whether a stored signed checkpoint of this size has this root.
        public var matchesCheckpoint: Bool
    }

    /// A consistency proof with what it was checked against.
    public struct Consistency: Sendable, Codable {
        /// The earlier size.
        public var firstSize: UInt64
        /// The later size.
        public var secondSize: UInt64
        /// The root at `firstSize`, hex.
        public var firstRoot: String
        /// The root at `secondSize`, hex.
        public var secondRoot: String
        /// The proof hashes, hex.
        public var path: [String]
        /// The proof as a wire envelope (tag 0x0405), hex.
        public var envelope: String
        /// Whether stored signed checkpoints of both sizes have these roots.
        public var matchesCheckpoints: Bool
    }

    /// Loads the leaf hashes and checkpoints of `store`.
    /// - Parameter store: The store.
    /// - Throws: A storage error.
    public init(store: any LedgerStore) throws {
        var tree = MerkleTree()
        while true {
            let chunk = try store.entries(from: tree.size, limit: 65536)
            if chunk.isEmpty { break }
            for entry in chunk {
                guard entry.index == tree.size else {
                    throw LedgerError.entry(.sequenceMismatch, tree.size, "the store holds entry \(entry.index) where entry \(tree.size) belongs")
                }
                tree.append(leafHash: entry.leafHash)
            }
        }
        self.tree = tree
        checkpoints = try store.checkpoints()
    }

    private func checkpointRoot(size: UInt64) -> LedgerHash? {
        checkpoints.first { $0.checkpoint.size == size }?.checkpoint.root
    }

    /// Proves entry `index` is in the tree of size `treeSize` (default: the latest checkpoint
    /// that covers it, else the whole log).
    /// - Parameters:
    ///   - index: The entry.
    ///   - treeSize: The tree size.
    /// - Returns: The verified proof.
    /// - Throws: `outOfRange`, or `checkpointRootMismatch` if the store disagrees with its checkpoint.
    public func inclusion(index: UInt64, size treeSize: UInt64? = nil) throws -> Inclusion {
        let size = treeSize ?? checkpoints.last { $0.checkpoint.size > index && $0.checkpoint.size <= tree.size }?.checkpoint.size ?? tree.size
        let proof = try tree.inclusionProof(index: index, size: size)
        let root = try tree.rootHash(size: size)
        let leaf = try tree.leafHash(at: index)
        try proof.verify(leafHash: leaf, rootHash: root)
        let signedRoot = checkpointRoot(size: size)
        if let signedRoot, signedRoot != root {
            throw LedgerError(.checkpointRootMismatch, "the stored log's root at size \(size) is \(root), its checkpoint says \(signedRoot)", at: .init(checkpointSize: size))
        }
        return Inclusion(
            index: index, treeSize: size, leafHash: leaf.hex, root: root.hex, path: proof.path.map(\.hex),
            envelope: hexEncode(WireEnvelope.encode(tag: InclusionProof.wireTag, body: proof)),
            matchesCheckpoint: signedRoot != nil)
    }

    /// Proves the tree of size `first` is a prefix of the tree of size `second` (default: the whole log).
    /// - Parameters:
    ///   - first: The earlier size.
    ///   - second: The later size.
    /// - Returns: The verified proof.
    /// - Throws: `outOfRange`, or `checkpointRootMismatch`.
    public func consistency(from first: UInt64, to second: UInt64? = nil) throws -> Consistency {
        let second = second ?? tree.size
        let proof = try tree.consistencyProof(from: first, to: second)
        let firstRoot = try tree.rootHash(size: first)
        let secondRoot = try tree.rootHash(size: second)
        try proof.verify(firstRoot: firstRoot, secondRoot: secondRoot)
        for (size, root) in [(first, firstRoot), (second, secondRoot)] {
            if let signed = checkpointRoot(size: size), signed != root {
                throw LedgerError(.checkpointRootMismatch, "the stored log's root at size \(size) is \(root), its checkpoint says \(signed)", at: .init(checkpointSize: size))
            }
        }
        return Consistency(
            firstSize: first, secondSize: second, firstRoot: firstRoot.hex, secondRoot: secondRoot.hex,
            path: proof.path.map(\.hex), envelope: hexEncode(WireEnvelope.encode(tag: ConsistencyProof.wireTag, body: proof)),
            matchesCheckpoints: checkpointRoot(size: first) != nil && checkpointRoot(size: second) != nil)
    }
}
