import ConsortiumLedger
import Testing
import _TestSupport

/// RFC 9162 tree hashes and proofs against vectors computed independently
/// (protocols/tools/ledger_merkle_vectors.py).
@Suite("Merkle vectors")
struct MerkleVectorTests {
    struct TreeHashes: Decodable {
        struct Case: Decodable { let tcId: Int; let desc: String; let size: Int; let root: String }
        let leaves: [String]
        let leafHashes: [String]
        let cases: [Case]
    }
    struct Inclusion: Decodable {
        struct Case: Decodable {
            let tcId: Int; let desc: String; let result: VectorResult
            let leafIndex: UInt64; let treeSize: UInt64; let leafHash: String; let root: String; let path: [String]
            let mutation: String?
        }
        let cases: [Case]
    }
    struct Consistency: Decodable {
        struct Case: Decodable {
            let tcId: Int; let desc: String; let result: VectorResult
            let firstSize: UInt64; let secondSize: UInt64; let firstRoot: String; let secondRoot: String; let path: [String]
            let mutation: String?
        }
        let cases: [Case]
    }

    static func hash(_ hex: String) -> LedgerHash { LedgerHash(hex: hex)! }

    @Test func treeHashes() throws {
        let vectors = try Vectors.load(TreeHashes.self, from: "protocols/ledger/vectors/v1/tree-hashes.json")
        let leaves = vectors.leaves.map { [UInt8](hex: $0)! }
        for (leaf, expected) in zip(leaves, vectors.leafHashes) {
            #expect(MerkleTree.leafHash(leaf).hex == expected)
        }
        let tree = MerkleTree(leafHashes: leaves.map(MerkleTree.leafHash))
        for c in vectors.cases {
            #expect(try tree.rootHash(size: UInt64(c.size)).hex == c.root, "tcId \(c.tcId): \(c.desc)")
            let prefix = MerkleTree(leafHashes: leaves.prefix(c.size).map(MerkleTree.leafHash))
            #expect(prefix.rootHash.hex == c.root, "tcId \(c.tcId) (incremental)")
        }
    }

    @Test func inclusionProofs() throws {
        let vectors = try Vectors.load(Inclusion.self, from: "protocols/ledger/vectors/v1/inclusion.json")
        let tree = MerkleTree(leafHashes: try Vectors.load(TreeHashes.self, from: "protocols/ledger/vectors/v1/tree-hashes.json")
            .leafHashes.map(Self.hash))
        var mutations = Set<String>()
        for c in vectors.cases {
            let proof = InclusionProof(leafIndex: c.leafIndex, treeSize: c.treeSize, path: c.path.map(Self.hash))
            let outcome = Result { try proof.verify(leafHash: Self.hash(c.leafHash), rootHash: Self.hash(c.root)) }
            switch c.result {
            case .valid:
                #expect(throws: Never.self, "tcId \(c.tcId): \(c.desc)") { try outcome.get() }
                // The Swift prover produces the same path.
                #expect(try tree.inclusionProof(index: c.leafIndex, size: c.treeSize) == proof, "tcId \(c.tcId)")
            case .invalid, .acceptable:
                mutations.insert(c.mutation ?? "")
                #expect(throws: LedgerError.self, "tcId \(c.tcId): \(c.desc)") { try outcome.get() }
            }
        }
        #expect(mutations.isSuperset(of: ["truncated-proof", "swapped-siblings", "wrong-root", "wrong-leaf", "extended-proof"]))
    }

    @Test func consistencyProofs() throws {
        let vectors = try Vectors.load(Consistency.self, from: "protocols/ledger/vectors/v1/consistency.json")
        let tree = MerkleTree(leafHashes: try Vectors.load(TreeHashes.self, from: "protocols/ledger/vectors/v1/tree-hashes.json")
            .leafHashes.map(Self.hash))
        for c in vectors.cases {
            let proof = ConsistencyProof(firstSize: c.firstSize, secondSize: c.secondSize, path: c.path.map(Self.hash))
            let outcome = Result { try proof.verify(firstRoot: Self.hash(c.firstRoot), secondRoot: Self.hash(c.secondRoot)) }
            switch c.result {
            case .valid:
                #expect(throws: Never.self, "tcId \(c.tcId): \(c.desc)") { try outcome.get() }
                #expect(try tree.consistencyProof(from: c.firstSize, to: c.secondSize) == proof, "tcId \(c.tcId)")
            case .invalid, .acceptable:
                #expect(throws: LedgerError.self, "tcId \(c.tcId): \(c.desc) [\(c.mutation ?? "")]") { try outcome.get() }
            }
        }
    }
}
