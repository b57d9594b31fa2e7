import CryptoPrimitives

/// An append-only Merkle tree in the shape of RFC 9162 §2.1: `MTH({}) = SHA-256()`,
/// leaf = `SHA-256(0x00 ‖ d)`, node = `SHA-256(0x01 ‖ left ‖ right)`, with the left subtree the
/// largest power of two smaller than the size [RFC9162 §2.1.1; Merkle87].
///
/// The tree keeps every complete aligned subtree hash (`levels[h][i]` covers leaves
/// `i·2^h ..< (i+1)·2^h`), so the root of any prefix, and any inclusion or consistency proof,
/// costs O(log² n) hashes and no rescans. Memory: about 64 bytes per leaf.
/// Spec: protocols/ledger.md#merkle-tree.
public struct MerkleTree: Sendable {
    /// `levels[h]` holds the hashes of the complete subtrees of height `h`, 32 bytes each, flat.
    private var levels: [[UInt8]] = [[]]

    /// The number of leaves.
    public private(set) var size: UInt64 = 0

    /// An empty tree.
    public init() {}

    /// A tree over the given leaf hashes (already `SHA-256(0x00 ‖ entry)`).
    /// - Parameter leafHashes: The leaf hashes, in order.
    public init(leafHashes: some Sequence<LedgerHash>) {
        for leaf in leafHashes { append(leafHash: leaf) }
    }

    /// `SHA-256(0x00 ‖ entry)`, RFC 9162 §2.1.1.
    /// - Parameter entry: The leaf data (a signed entry's canonical encoding).
    /// - Returns: The leaf hash.
    public static func leafHash(_ entry: [UInt8]) -> LedgerHash {
        var hasher = SHA256Hasher()
        hasher.update(CollectionOfOne(UInt8(0x00)))
        hasher.update(entry)
        return LedgerHash(validated: hasher.finalize())
    }

    /// `SHA-256(0x01 ‖ left ‖ right)`, RFC 9162 §2.1.1.
    /// - Parameters:
    ///   - left: The left child.
    ///   - right: The right child.
    /// - Returns: The interior node hash.
    public static func nodeHash(_ left: LedgerHash, _ right: LedgerHash) -> LedgerHash {
        LedgerHash(validated: rawNode(left.bytes[...], right.bytes[...]))
    }

    /// `MTH({})`: SHA-256 of the empty string.
    public static let emptyRoot = LedgerHash.sha256([])

    static func rawNode(_ left: ArraySlice<UInt8>, _ right: ArraySlice<UInt8>) -> [UInt8] {
        var buffer = [UInt8]()
        buffer.reserveCapacity(65)
        buffer.append(0x01)
        buffer.append(contentsOf: left)
        buffer.append(contentsOf: right)
        return SHA256.hash(buffer)
    }

    /// Appends a leaf hash, completing every subtree it closes.
    /// - Parameter leafHash: `SHA-256(0x00 ‖ entry)` of the new entry.
    public mutating func append(leafHash: LedgerHash) {
        levels[0].append(contentsOf: leafHash.bytes)
        size += 1
        var height = 0
        while levels[height].count / 32 % 2 == 0 {
            let count = levels[height].count / 32
            let node = Self.rawNode(
                levels[height][(count - 2) * 32..<(count - 1) * 32],
                levels[height][(count - 1) * 32..<count * 32])
            if levels.count == height + 1 { levels.append([]) }
            levels[height + 1].append(contentsOf: node)
            height += 1
        }
    }

    /// Drops every leaf from `newSize` on (rolls back a failed batch).
    /// - Parameter newSize: The size to keep, at most ``size``.
    mutating func truncate(to newSize: UInt64) {
        precondition(newSize <= size, "cannot grow a tree by truncating")
        for height in levels.indices {
            let keep = Int(newSize >> UInt64(height))
            levels[height].removeSubrange((keep * 32)...)
        }
        size = newSize
    }

    /// The leaf hash at `index`.
    /// - Parameter index: A leaf index below ``size``.
    /// - Returns: The stored leaf hash.
    /// - Throws: `outOfRange` if `index ≥ size`.
    public func leafHash(at index: UInt64) throws -> LedgerHash {
        guard index < size else {
            throw LedgerError(.outOfRange, "leaf \(index) is outside a tree of size \(size)")
        }
        return LedgerHash(validated: node(height: 0, index: Int(index)))
    }

    /// The root of the first `treeSize` leaves, `MTH(D[0:treeSize])`.
    /// - Parameter treeSize: A size up to ``size``.
    /// - Returns: The root hash.
    /// - Throws: `outOfRange` if `treeSize > size`.
    public func rootHash(size treeSize: UInt64) throws -> LedgerHash {
        guard treeSize <= size else {
            throw LedgerError(.outOfRange, "size \(treeSize) exceeds the tree size \(size)")
        }
        return LedgerHash(validated: subtreeHash(start: 0, count: Int(treeSize)))
    }

    /// The root of the whole tree.
    public var rootHash: LedgerHash { LedgerHash(validated: subtreeHash(start: 0, count: Int(size))) }

    /// The inclusion proof `PATH(index, D[0:treeSize])`, RFC 9162 §2.1.3.1.
    /// - Parameters:
    ///   - index: The leaf index.
    ///   - treeSize: The size of the tree the proof is for.
    /// - Returns: The proof.
    /// - Throws: `outOfRange` unless `index < treeSize ≤ size`.
    public func inclusionProof(index: UInt64, size treeSize: UInt64) throws -> InclusionProof {
        guard treeSize <= size, index < treeSize else {
            throw LedgerError(.outOfRange, "no leaf \(index) in a tree of size \(treeSize) (log size \(size))")
        }
        var path: [LedgerHash] = []
        inclusionPath(Int(index), start: 0, count: Int(treeSize), into: &path)
        return InclusionProof(leafIndex: index, treeSize: treeSize, path: path)
    }

    /// The consistency proof `PROOF(first, D[0:second])`, RFC 9162 §2.1.4.1. From size 0, or
    /// between equal sizes, the proof is empty.
    /// - Parameters:
    ///   - first: The earlier size.
    ///   - second: The later size.
    /// - Returns: The proof.
    /// - Throws: `outOfRange` unless `first ≤ second ≤ size`.
    public func consistencyProof(from first: UInt64, to second: UInt64) throws -> ConsistencyProof {
        guard first <= second, second <= size else {
            throw LedgerError(.outOfRange, "no consistency proof from \(first) to \(second) (log size \(size))")
        }
        var path: [LedgerHash] = []
        if first > 0 && first < second {
            subproof(Int(first), start: 0, count: Int(second), complete: true, into: &path)
        }
        return ConsistencyProof(firstSize: first, secondSize: second, path: path)
    }

    // MARK: Internals

    private func node(height: Int, index: Int) -> [UInt8] {
        Array(levels[height][index * 32..<(index + 1) * 32])
    }

    /// `MTH(D[start:start+count])`. Left pieces of the RFC recursion are always complete aligned
    /// subtrees, so this recurses at most log n times.
    private func subtreeHash(start: Int, count: Int) -> [UInt8] {
        if count == 0 { return Self.emptyRoot.bytes }
        if count & (count - 1) == 0 && start % count == 0 {
            return node(height: count.trailingZeroBitCount, index: start / count)
        }
        let k = Self.largestPowerOfTwo(below: count)
        return Self.rawNode(subtreeHash(start: start, count: k)[...], subtreeHash(start: start + k, count: count - k)[...])
    }

    private func inclusionPath(_ m: Int, start: Int, count: Int, into path: inout [LedgerHash]) {
        guard count > 1 else { return }
        let k = Self.largestPowerOfTwo(below: count)
        if m < k {
            inclusionPath(m, start: start, count: k, into: &path)
            path.append(LedgerHash(validated: subtreeHash(start: start + k, count: count - k)))
        } else {
            inclusionPath(m - k, start: start + k, count: count - k, into: &path)
            path.append(LedgerHash(validated: subtreeHash(start: start, count: k)))
        }
    }

    private func subproof(_ m: Int, start: Int, count: Int, complete: Bool, into path: inout [LedgerHash]) {
        if m == count {
            if !complete { path.append(LedgerHash(validated: subtreeHash(start: start, count: count))) }
            return
        }
        let k = Self.largestPowerOfTwo(below: count)
        if m <= k {
            subproof(m, start: start, count: k, complete: complete, into: &path)
            path.append(LedgerHash(validated: subtreeHash(start: start + k, count: count - k)))
        } else {
            subproof(m - k, start: start + k, count: count - k, complete: false, into: &path)
            path.append(LedgerHash(validated: subtreeHash(start: start, count: k)))
        }
    }

    /// The largest power of two strictly smaller than `n` (n ≥ 2).
    static func largestPowerOfTwo(below n: Int) -> Int {
        1 << (Int.bitWidth - 1 - (n - 1).leadingZeroBitCount)
    }
}
