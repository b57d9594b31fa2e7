import ConsortiumLedger
import Testing
import WireFormat

@Suite("Merkle tree")
struct MerkleTreeTests {
    static func tree(_ n: Int) -> MerkleTree {
        MerkleTree(leafHashes: (0..<n).map { MerkleTree.leafHash([UInt8(truncatingIfNeeded: $0), UInt8($0 >> 8)]) })
    }

    @Test func everyInclusionProofUpTo70Leaves() throws {
        let tree = Self.tree(70)
        for n in 1...70 {
            let root = try tree.rootHash(size: UInt64(n))
            for m in 0..<n {
                let proof = try tree.inclusionProof(index: UInt64(m), size: UInt64(n))
                try proof.verify(leafHash: try tree.leafHash(at: UInt64(m)), rootHash: root)
                #expect(proof.path.count <= 7)
            }
        }
    }

    @Test func everyConsistencyProofUpTo50Leaves() throws {
        let tree = Self.tree(50)
        for n in 0...50 {
            for m in 0...n {
                let proof = try tree.consistencyProof(from: UInt64(m), to: UInt64(n))
                try proof.verify(firstRoot: try tree.rootHash(size: UInt64(m)), secondRoot: try tree.rootHash(size: UInt64(n)))
            }
        }
    }

    @Test func outOfRangeRequestsThrow() {
        let tree = Self.tree(5)
        #expect(throws: LedgerError.self) { try tree.inclusionProof(index: 5, size: 5) }
        #expect(throws: LedgerError.self) { try tree.inclusionProof(index: 0, size: 6) }
        #expect(throws: LedgerError.self) { try tree.consistencyProof(from: 3, to: 6) }
        #expect(throws: LedgerError.self) { try tree.consistencyProof(from: 4, to: 3) }
        #expect(throws: LedgerError.self) { try tree.rootHash(size: 6) }
    }

    @Test func proofsRoundTripAndRejectTruncation() throws {
        let tree = Self.tree(1000)
        let inclusion = try tree.inclusionProof(index: 517, size: 1000)
        let bytes = inclusion.wireEncoded()
        #expect(try InclusionProof(wireEncoded: bytes) == inclusion)
        for cut in 0..<bytes.count {
            #expect(throws: WireFormatError.self) { try InclusionProof(wireEncoded: Array(bytes[..<cut])) }
        }
        let consistency = try tree.consistencyProof(from: 300, to: 1000)
        #expect(try ConsistencyProof(wireEncoded: consistency.wireEncoded()) == consistency)
        // A path longer than any tree needs is refused before it is read.
        var writer = WireWriter()
        writer.writeUInt64(0); writer.writeUInt64(1); writer.writeUInt32(1000)
        #expect(throws: WireFormatError.self) { try InclusionProof(wireEncoded: writer.bytes) }
    }
}
