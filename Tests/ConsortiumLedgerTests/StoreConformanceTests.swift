import ConsortiumLedger
import CryptoPrimitives
import Foundation
import Testing

/// One conformance suite, run on every ``LedgerStore`` (STYLE §6; trillian's storage/testonly).
@Suite("LedgerStore conformance")
struct StoreConformanceTests {
    static func entry(_ index: UInt64) -> StoredEntry {
        let bytes = [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: Int(index % 7) + 1)
        return StoredEntry(index: index, bytes: bytes, leafHash: MerkleTree.leafHash(bytes))
    }

    @Test(arguments: StoreKind.allCases)
    func appendAndReadBack(_ kind: StoreKind) throws {
        let store = try kind.make()
        #expect(try store.entryCount() == 0)
        #expect(try store.entries(from: 0, limit: 10).isEmpty)
        try store.append((0..<5).map(Self.entry))
        try store.append([])
        try store.append((5..<12).map(Self.entry))
        #expect(try store.entryCount() == 12)
        #expect(try store.entries(from: 0, limit: 100) == (0..<12).map(Self.entry))
        #expect(try store.entries(from: 10, limit: 100) == (10..<12).map(Self.entry))
        #expect(try store.entries(from: 3, limit: 2) == (3..<5).map(Self.entry))
        #expect(try store.entries(from: 12, limit: 5).isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func extremeReadRequestsNeverTrap(_ kind: StoreKind) throws {
        let store = try kind.make()
        try store.append((0..<4).map(Self.entry))
        #expect(try store.entries(from: 0, limit: .max) == (0..<4).map(Self.entry))
        #expect(try store.entries(from: 2, limit: .max) == (2..<4).map(Self.entry))
        #expect(try store.entries(from: 0, limit: 0).isEmpty)
        #expect(try store.entries(from: 0, limit: -3).isEmpty)
        #expect(try store.entries(from: .max, limit: .max).isEmpty)
        #expect(try store.entries(from: UInt64(Int64.max) + 1, limit: 1).isEmpty)
        #expect(try store.evidenceRows().isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func openRunsAreListed(_ kind: StoreKind) throws {
        let store = try kind.make()
        let c = Consortium()
        let ledger = try c.populate(store)
        #expect(try store.openRuns().isEmpty)
        let run = LedgerHash.sha256(Array("second run".utf8))
        try ledger.append(
            .runStarted(RunStart(runID: run, versionID: c.versionID, circuitHash: c.circuitHash, protocolName: "additive", participants: ["alice", "bob"])),
            author: "alice", key: c.key("alice"))
        #expect(try store.openRuns().map(\.runID) == [run])
        #expect(try store.openRuns().map(\.startedAt) == [10])
        #expect(LedgerAuditor().audit(store: store).openRuns == [run.hex])
        try ledger.append(.runAborted(RunAbort(runID: run, reason: "test")), author: "bob", key: c.key("bob"))
        #expect(try store.openRuns().isEmpty)
        #expect(LedgerAuditor().audit(store: store).openRuns.isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func appendIsAtomicAndInOrder(_ kind: StoreKind) throws {
        let store = try kind.make()
        try store.append((0..<3).map(Self.entry))
        // A batch with a gap: nothing of it is stored.
        #expect(throws: LedgerError.self) { try store.append([Self.entry(3), Self.entry(4), Self.entry(6)]) }
        #expect(try store.entryCount() == 3)
        // Rewriting an existing index is refused.
        #expect(throws: LedgerError.self) { try store.append([Self.entry(2)]) }
        #expect(try store.entries(from: 0, limit: 10) == (0..<3).map(Self.entry))
    }

    @Test(arguments: StoreKind.allCases)
    func checkpointsMergeCosignatures(_ kind: StoreKind) throws {
        let store = try kind.make()
        let key = Ed25519.PrivateKey()
        let a = SignedCheckpoint.sign(Checkpoint(logID: .zero, size: 5, root: LedgerHash.sha256([1])), as: "s", key: key)
        let b = SignedCheckpoint.sign(Checkpoint(logID: .zero, size: 5, root: LedgerHash.sha256([2])), as: "s", key: key)
        let c = SignedCheckpoint.sign(Checkpoint(logID: .zero, size: 2, root: LedgerHash.sha256([3])), as: "s", key: key)
        try store.saveCheckpoint(a)
        try store.saveCheckpoint(b)
        try store.saveCheckpoint(c)
        var cosigned = a
        cosigned.cosignatures = [Cosignature(signer: "x", signature: [UInt8](repeating: 1, count: 64))]
        try store.saveCheckpoint(cosigned)
        cosigned.cosignatures = [Cosignature(signer: "y", signature: [UInt8](repeating: 2, count: 64)), Cosignature(signer: "x", signature: [UInt8](repeating: 3, count: 64))]
        try store.saveCheckpoint(cosigned)
        let stored = try store.checkpoints()
        #expect(stored.map(\.checkpoint.size) == [2, 5, 5])
        let merged = try #require(stored.first { $0.checkpoint == a.checkpoint })
        #expect(merged.cosignatures.map(\.signer) == ["x", "y"])
        #expect(merged.cosignatures[0].signature == [UInt8](repeating: 1, count: 64))

        let evidence = EquivocationEvidence(first: a, second: b)
        try store.saveEvidence(evidence)
        #expect(try store.evidence() == [evidence])
    }

    @Test(arguments: StoreKind.allCases)
    func aLedgerRoundTripsThroughTheStore(_ kind: StoreKind) throws {
        let store = try kind.make()
        let ledger = try Consortium().populate(store)
        let reopened = try Ledger(store: store)
        #expect(reopened.size == ledger.size)
        #expect(reopened.rootHash == ledger.rootHash)
        #expect(try reopened.latestFinalCheckpoint()?.checkpoint.size == 10)
        let report = LedgerAuditor().audit(store: store)
        #expect(report.passed, "\(String(describing: report.failure))")
    }

    @Test func sqliteFilePersistsAcrossOpens() throws {
        let path = temporaryLedgerPath()
        let root: LedgerHash
        do {
            let ledger = try Consortium().populate(try SQLiteLedgerStore(path: path))
            root = ledger.rootHash
        }
        do {
            // One writer at a time: this store holds the writer lock until it is released.
            let reopened = try Ledger(store: try SQLiteLedgerStore(path: path))
            #expect(reopened.rootHash == root)
            expectLedgerError(.ledgerBusy) { _ = try SQLiteLedgerStore(path: path, lockTimeout: .milliseconds(50)) }
        }
        let readOnly = try SQLiteLedgerStore(readingFrom: path)
        #expect(try readOnly.entryCount() == 10)
        #expect(throws: LedgerError.self) { try readOnly.append([Self.entry(10)]) }
        // Appends are refused by the append-only triggers even through raw SQL.
        #expect(throws: (any Error).self) { try SQLiteLedgerStore(path: path).tamperWithoutDroppingTriggers("DELETE FROM entry WHERE seq = 3") }
    }

    @Test func missingOrForeignFilesGivePreciseErrors() throws {
        expectLedgerError(.storageFailure) { _ = try SQLiteLedgerStore(readingFrom: "/nonexistent/ledger.sqlite") }
        let path = temporaryLedgerPath()
        try Array("this is not a database at all, just text".utf8).withUnsafeBufferPointer { buffer in
            try Data(buffer: buffer).write(to: URL(fileURLWithPath: path))
        }
        expectLedgerError(.storageCorrupt) { _ = try SQLiteLedgerStore(readingFrom: path) }
    }
}
