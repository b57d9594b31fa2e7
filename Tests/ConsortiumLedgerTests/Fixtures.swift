import ConsortiumLedger
import CryptoPrimitives
import Foundation
import Testing
import WireFormat

/// A small consortium with deterministic keys and a ledger that exercises every entry kind.
struct Consortium {
    let keys: [String: Ed25519.PrivateKey]
    let members: [Member]
    let versionID = LedgerHash.sha256(Array("salary_benchmark v1".utf8))
    let runID = LedgerHash.sha256(Array("run-1".utf8))
    let circuitHash = LedgerHash.sha256(Array("circuit".utf8))

    init() {
        var keys: [String: Ed25519.PrivateKey] = [:]
        for (i, name) in ["alice", "bob", "carol", "dave"].enumerated() {
            keys[name] = try! Ed25519.PrivateKey(rawRepresentation: [UInt8](repeating: UInt8(i + 1), count: 32))
        }
        self.keys = keys
        members = [
            Member(name: "alice", publicKey: keys["alice"]!.publicKey, roles: [.voting, .sequencer, .participant]),
            Member(name: "bob", publicKey: keys["bob"]!.publicKey, roles: [.voting, .participant]),
            Member(name: "carol", publicKey: keys["carol"]!.publicKey, roles: [.voting, .participant]),
            Member(name: "dave", publicKey: keys["dave"]!.publicKey, roles: [.participant]),
        ]
    }

    func key(_ name: String) -> Ed25519.PrivateKey { keys[name]! }

    var genesis: Genesis {
        Genesis(consortium: "test-consortium", nonce: [UInt8](repeating: 7, count: 16), members: members, quorum: 2)
    }

    /// Timestamps advance by one second per entry from a fixed epoch, so ledgers are reproducible.
    final class Clock: @unchecked Sendable {
        var now: UInt64 = 1_750_000_000_000
        func tick() -> UInt64 { now += 1000; return now }
    }

    func append(_ ledger: Ledger, _ payload: LedgerEntry.Payload, by author: String, clock: Clock) throws {
        try ledger.append(payload, author: author, key: key(author), timestamp: clock.tick())
    }

    /// genesis, proposal, 2 approvals, activation, run start, 3 commitments, result, checkpoint
    /// cosigned by bob and carol (final at quorum 2).
    @discardableResult
    func populate(_ store: any LedgerStore) throws -> Ledger {
        let clock = Clock()
        let ledger = try Ledger.create(in: store, genesis: genesis, founder: "alice", key: key("alice"), timestamp: clock.tick())
        try append(ledger, .contractProposed(ContractProposal(versionID: versionID, name: "salary_benchmark", source: Array("contract salary_benchmark version 1 {}".utf8))), by: "bob", clock: clock)
        try append(ledger, .contractApproved(versionID: versionID), by: "alice", clock: clock)
        try append(ledger, .contractApproved(versionID: versionID), by: "carol", clock: clock)
        try append(ledger, .contractActivated(versionID: versionID), by: "bob", clock: clock)
        try append(ledger, .runStarted(RunStart(runID: runID, versionID: versionID, circuitHash: circuitHash, protocolName: "additive", participants: ["alice", "bob", "dave"])), by: "alice", clock: clock)
        for name in ["alice", "bob", "dave"] {
            try append(ledger, .inputCommitted(InputCommitment(runID: runID, commitment: LedgerHash.sha256(Array(name.utf8)))), by: name, clock: clock)
        }
        try append(ledger, .resultPublished(result(for: ledger)), by: "alice", clock: clock)
        try checkpoint(ledger)
        return ledger
    }

    /// A correctly signed result for `runID`, to be appended next.
    func result(for ledger: Ledger, revealed: [UInt8] = Array("n=30 avg=5100".utf8), revealedHash: LedgerHash? = nil, signers: [String] = ["alice", "bob", "dave"]) -> ResultPublication {
        var result = ResultPublication(
            runID: runID, resultHash: LedgerHash.sha256(Array("full result".utf8)), revealedValues: revealed,
            revealedHash: revealedHash, transcriptHash: LedgerHash.sha256(Array("transcript".utf8)),
            contributors: ["alice", "bob", "dave"])
        let entry = ledger.nextEntry(.resultPublished(result), author: "alice")
        result.endorsements = signers.map { entry.endorsement(by: $0, key: key($0)) }
        return result
    }

    /// Signs a checkpoint of the whole log and gathers bob's and carol's cosignatures.
    @discardableResult
    func checkpoint(_ ledger: Ledger) throws -> SignedCheckpoint {
        var checkpoint = try ledger.signCheckpoint(as: "alice", key: key("alice"))
        for name in ["bob", "carol"] {
            checkpoint = try ledger.addCosignature(try ledger.cosign(checkpoint, as: name, key: key(name)), to: checkpoint)
        }
        return checkpoint
    }
}

/// The folder of this test process's ledger files, removed when the process exits (tests hand
/// store paths around freely, so no single test owns the removal).
private let ledgerTestRoot: URL = {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("covenant-ledger-tests-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(at: ledgerTestRoot) }
    return root
}()

/// A fresh temporary directory path for a SQLite file.
func temporaryLedgerPath(_ name: String = "ledger") -> String {
    let directory = ledgerTestRoot.appendingPathComponent(UUID().uuidString)
    try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent("\(name).sqlite").path
}

/// The stores every conformance test runs on.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case inMemory, sqlite
    var testDescription: String { rawValue }
    func make() throws -> any LedgerStore {
        switch self {
        case .inMemory: InMemoryLedgerStore()
        case .sqlite: try SQLiteLedgerStore(path: temporaryLedgerPath())
        }
    }
}

/// Expects `body` to throw a ``LedgerError`` with `code`, returning it.
@discardableResult
func expectLedgerError(
    _ code: LedgerError.Code, entry: UInt64? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) -> LedgerError? {
    do {
        try body()
        Issue.record("expected \(code.rawValue), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as LedgerError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        if let entry { #expect(error.location.entryIndex == entry, "\(error)", sourceLocation: sourceLocation) }
        return error
    } catch {
        Issue.record("expected LedgerError \(code.rawValue), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Writes correctly signed entries straight into a store, bypassing the ledger's rules: the
/// position of a member (or sequencer) with valid keys who breaks the lifecycle rules.
struct RawWriter {
    let store: any LedgerStore
    var tree: MerkleTree
    var logID: LedgerHash
    var timestamp: UInt64 = 1_760_000_000_000

    init(_ store: any LedgerStore) throws {
        self.store = store
        tree = MerkleTree(leafHashes: try store.entries(from: 0, limit: Int.max / 2).map(\.leafHash))
        let first = try store.entries(from: 0, limit: 1).first.map { try SignedEntry.decode($0.bytes, at: 0) }
        logID = first == nil ? .zero : MerkleTree.leafHash(first!.encoded)
    }

    /// The entry that would come next, unsigned.
    func next(_ payload: LedgerEntry.Payload, author: String) -> LedgerEntry {
        LedgerEntry(sequence: tree.size, logID: tree.size == 0 ? .zero : logID, previousRoot: tree.rootHash,
                    timestamp: timestamp, author: author, payload: payload)
    }

    /// Signs and stores `entry` with no rule check.
    @discardableResult
    mutating func write(_ entry: LedgerEntry, key: Ed25519.PrivateKey) throws -> UInt64 {
        let signed = entry.signed(with: key)
        let bytes = signed.encoded
        let leaf = MerkleTree.leafHash(bytes)
        let index = tree.size
        try store.append([StoredEntry(index: index, bytes: bytes, leafHash: leaf)])
        if index == 0 { logID = leaf }
        tree.append(leafHash: leaf)
        timestamp += 1
        return index
    }

    @discardableResult
    mutating func write(_ payload: LedgerEntry.Payload, by author: String, key: Ed25519.PrivateKey) throws -> UInt64 {
        try write(next(payload, author: author), key: key)
    }
}

/// Runs the auditor and expects it to fail with `rule`, located at `entry` (and `checkpoint`).
@discardableResult
func expectAuditFailure(
    _ report: AuditReport, _ rule: LedgerError.Code, entry: UInt64?, checkpoint: UInt64? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) -> AuditReport {
    #expect(!report.passed, sourceLocation: sourceLocation)
    #expect(report.failure?.rule == rule.rawValue, "\(String(describing: report.failure))", sourceLocation: sourceLocation)
    #expect(report.failure?.entryIndex == entry, "\(String(describing: report.failure))", sourceLocation: sourceLocation)
    if let checkpoint {
        #expect(report.failure?.checkpointSize == checkpoint, "\(String(describing: report.failure))", sourceLocation: sourceLocation)
    }
    return report
}
