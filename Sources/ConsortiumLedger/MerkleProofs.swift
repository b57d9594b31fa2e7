public import WireFormat

/// The most siblings any proof over a 2^64-leaf tree can need (one per level, plus the
/// consistency proof's seed); longer paths are rejected before they are read.
let maximumProofLength = 65

/// An inclusion proof: the audit path of one leaf in a tree of a given size, RFC 9162 §2.1.3.
/// Spec: protocols/ledger.md#inclusion-proofs.
public struct InclusionProof: Hashable, Sendable, WireCodable {
    /// The registered envelope tag (protocols/wire-format.md#type-tag-registry).
    public static let wireTag: UInt16 = 0x0404

    /// The index of the leaf.
    public var leafIndex: UInt64
    /// The size of the tree the proof is relative to.
    public var treeSize: UInt64
    /// The sibling hashes, leaf to root.
    public var path: [LedgerHash]

    /// A proof.
    /// - Parameters:
    ///   - leafIndex: The leaf's index.
    ///   - treeSize: The tree size.
    ///   - path: The audit path.
    public init(leafIndex: UInt64, treeSize: UInt64, path: [LedgerHash]) {
        self.leafIndex = leafIndex
        self.treeSize = treeSize
        self.path = path
    }

    /// Verifies the proof against a root, RFC 9162 §2.1.3.2.
    /// - Parameters:
    ///   - leafHash: `SHA-256(0x00 ‖ entry)` of the claimed leaf.
    ///   - rootHash: The root of the tree of size ``treeSize`` (e.g. from a checkpoint).
    /// - Throws: `invalidInclusionProof` naming the failed step.
    public func verify(leafHash: LedgerHash, rootHash: LedgerHash) throws {
        guard leafIndex < treeSize else {
            throw LedgerError(.invalidInclusionProof, "leaf index \(leafIndex) is not below the tree size \(treeSize)")
        }
        var fn = leafIndex
        var sn = treeSize - 1
        var r = leafHash
        for p in path {
            guard sn != 0 else {
                throw LedgerError(.invalidInclusionProof, "the path is longer than a tree of size \(treeSize) allows")
            }
            if fn & 1 == 1 || fn == sn {
                r = MerkleTree.nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = MerkleTree.nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else {
            throw LedgerError(.invalidInclusionProof, "the path is shorter than a tree of size \(treeSize) needs")
        }
        guard r == rootHash else {
            throw LedgerError(.invalidInclusionProof, "the path leads to \(r), not to the root \(rootHash)")
        }
    }

    /// Encodes as `u64 leafIndex ‖ u64 treeSize ‖ array<bytes[32]> path`.
    /// - Parameter writer: The writer.
    public func encode(to writer: inout WireWriter) {
        writer.writeUInt64(leafIndex)
        writer.writeUInt64(treeSize)
        writer.write(path)
    }

    /// Decodes a proof; a path longer than 65 hashes is rejected before it is read.
    /// - Parameter reader: The reader.
    /// - Throws: `truncated`, `lengthExceedsLimit`.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        leafIndex = try reader.readUInt64()
        treeSize = try reader.readUInt64()
        path = try readProofPath(&reader)
    }

    /// 20.
    public static var minimumWireByteCount: Int { 20 }
}

/// A consistency proof between two sizes of the same log, RFC 9162 §2.1.4.
/// Spec: protocols/ledger.md#consistency-proofs.
public struct ConsistencyProof: Hashable, Sendable, WireCodable {
    /// The registered envelope tag (protocols/wire-format.md#type-tag-registry).
    public static let wireTag: UInt16 = 0x0405

    /// The earlier tree size.
    public var firstSize: UInt64
    /// The later tree size.
    public var secondSize: UInt64
    /// The proof hashes.
    public var path: [LedgerHash]

    /// A proof.
    /// - Parameters:
    ///   - firstSize: The earlier size.
    ///   - secondSize: The later size.
    ///   - path: The proof hashes.
    public init(firstSize: UInt64, secondSize: UInt64, path: [LedgerHash]) {
        self.firstSize = firstSize
        self.secondSize = secondSize
        self.path = path
    }

    /// Verifies that the tree with root `secondRoot` extends the tree with root `firstRoot`,
    /// RFC 9162 §2.1.4.2. Equal sizes need an empty proof and equal roots; from size 0 the
    /// proof must be empty.
    /// - Parameters:
    ///   - firstRoot: The root at ``firstSize``.
    ///   - secondRoot: The root at ``secondSize``.
    /// - Throws: `invalidConsistencyProof` naming the failed step.
    public func verify(firstRoot: LedgerHash, secondRoot: LedgerHash) throws {
        guard firstSize <= secondSize else {
            throw LedgerError(.invalidConsistencyProof, "first size \(firstSize) exceeds second size \(secondSize)")
        }
        if firstSize == secondSize {
            guard path.isEmpty else {
                throw LedgerError(.invalidConsistencyProof, "a proof between equal sizes must be empty")
            }
            guard firstRoot == secondRoot else {
                throw LedgerError(.invalidConsistencyProof, "equal sizes \(firstSize) with different roots")
            }
            return
        }
        if firstSize == 0 {
            guard path.isEmpty else {
                throw LedgerError(.invalidConsistencyProof, "a proof from the empty tree must be empty")
            }
            return
        }
        guard !path.isEmpty else {
            throw LedgerError(.invalidConsistencyProof, "the proof is empty")
        }
        var proof = path
        if firstSize & (firstSize - 1) == 0 { proof.insert(firstRoot, at: 0) }
        var fn = firstSize - 1
        var sn = secondSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = proof[0]
        var sr = proof[0]
        for c in proof.dropFirst() {
            guard sn != 0 else {
                throw LedgerError(.invalidConsistencyProof, "the proof is longer than sizes \(firstSize)→\(secondSize) allow")
            }
            if fn & 1 == 1 || fn == sn {
                fr = MerkleTree.nodeHash(c, fr)
                sr = MerkleTree.nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = MerkleTree.nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else {
            throw LedgerError(.invalidConsistencyProof, "the proof is shorter than sizes \(firstSize)→\(secondSize) need")
        }
        guard fr == firstRoot else {
            throw LedgerError(.invalidConsistencyProof, "the proof does not lead to the first root \(firstRoot)")
        }
        guard sr == secondRoot else {
            throw LedgerError(.invalidConsistencyProof, "the proof does not lead to the second root \(secondRoot)")
        }
    }

    /// Encodes as `u64 firstSize ‖ u64 secondSize ‖ array<bytes[32]> path`.
    /// - Parameter writer: The writer.
    public func encode(to writer: inout WireWriter) {
        writer.writeUInt64(firstSize)
        writer.writeUInt64(secondSize)
        writer.write(path)
    }

    /// Decodes a proof; a path longer than 65 hashes is rejected before it is read.
    /// - Parameter reader: The reader.
    /// - Throws: `truncated`, `lengthExceedsLimit`.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        firstSize = try reader.readUInt64()
        secondSize = try reader.readUInt64()
        path = try readProofPath(&reader)
    }

    /// 20.
    public static var minimumWireByteCount: Int { 20 }
}

private func readProofPath(_ reader: inout WireReader) throws(WireFormatError) -> [LedgerHash] {
    let count = try reader.readLength(limit: maximumProofLength, unitSize: LedgerHash.byteCount)
    var path: [LedgerHash] = []
    path.reserveCapacity(count)
    for _ in 0..<count { path.append(try LedgerHash(from: &reader)) }
    return path
}
