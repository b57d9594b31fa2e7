import Circuit
import CircuitCompiler
import ConsortiumLedger
import Foundation
import Runtime
import Testing

/// Contract version ids are checked against the recorded source for every run, not only paillier
/// runs (issue 9, item 8): a run of a version whose proposed source compiles to another id, or
/// whose circuit hash is not its source's plan, fails the audit although every signature holds.
@Suite("Contract sources in the audit")
struct SourceAuditTests {
    /// An honest ledger with one published additive run, replayed into a store to forge on.
    static func replica() async throws -> (TestConsortium, InMemoryLedgerStore, Ledger) {
        let example = try Example.load("energy_usage")
        let fixture = try await TestConsortium.make(source: withProtocolAuto(example.source), csvFiles: example.csvFiles)
        let report = try await fixture.consortium.run(fixture.compiled, options: RunOptions(protocolFamily: .additive))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        let file = try SQLiteLedgerStore(readingFrom: fixture.directory.file("ledger.sqlite"))
        let store = InMemoryLedgerStore()
        let ledger = try Ledger(store: store)
        try ledger.receive(try file.entries(from: 0, limit: 1000).map { try SignedEntry.decode($0.bytes, at: $0.index) })
        return (fixture, store, ledger)
    }

    @Test("an honest ledger passes, and the source check is no longer listed as not checked")
    func honest() async throws {
        let (_, store, _) = try await Self.replica()
        let report = RuntimeAudit.complete(LedgerAuditor().audit(store: store), store: store, evidence: nil)
        #expect(report.passed, "\(String(describing: report.failure))")
        #expect(!report.notChecked.contains(LedgerAuditor.notChecked[1]))
    }

    @Test("a version whose source is another contract's, and a run whose circuit is not its source's, fail")
    func forged() async throws {
        let (fixture, store, ledger) = try await Self.replica()
        let author = fixture.names[0]
        func sign(_ payload: LedgerEntry.Payload, by name: String) throws {
            try ledger.append(payload, author: name, key: fixture.keys[name]!)
        }
        // A version id that is not the hash of the source it records.
        let fake = LedgerHash.sha256(Array("not the id of this source".utf8))
        try sign(.contractProposed(ContractProposal(versionID: fake, name: "other", source: Array(fixture.compiled.canonicalText.utf8))), by: author)
        for name in fixture.names { try sign(.contractApproved(versionID: fake), by: name) }
        try sign(.contractActivated(versionID: fake), by: author)
        let start = ledger.size
        try sign(.runStarted(RunStart(
            runID: LedgerHash.sha256(Array("forged run".utf8)), versionID: fake, circuitHash: try LedgerHash(fixture.compiled.planHash),
            protocolName: "additive", participants: fixture.names)), by: author)
        #expect(LedgerAuditor().audit(store: store).passed)
        let report = RuntimeAudit.complete(LedgerAuditor().audit(store: store), store: store, evidence: nil)
        #expect(!report.passed)
        #expect(report.failure?.rule == "contract-source-mismatch", "\(String(describing: report.failure))")
        #expect(report.failure?.entryIndex == start)
        #expect(report.failure?.message.contains("compiles to another version id") == true)

        // The honest version, a run that names another circuit.
        let (fixture2, store2, ledger2) = try await Self.replica()
        try ledger2.append(
            .runStarted(RunStart(
                runID: LedgerHash.sha256(Array("forged circuit".utf8)), versionID: try LedgerHash(fixture2.compiled.contractID),
                circuitHash: LedgerHash.sha256(Array("another circuit".utf8)), protocolName: "additive", participants: fixture2.names)),
            author: fixture2.names[0], key: fixture2.keys[fixture2.names[0]]!)
        let second = RuntimeAudit.complete(LedgerAuditor().audit(store: store2), store: store2, evidence: nil)
        #expect(second.failure?.rule == "contract-source-mismatch", "\(String(describing: second.failure))")
        #expect(second.failure?.message.contains("circuit hash") == true)
    }

    @Test("a run that declares fewer contributors than its contract requires, or a protocol its contract does not allow, fails")
    func runParametersAgainstTheContract() async throws {
        let example = try Example.load("fraud_rates")
        #expect(example.source.contains("require participants >= 3"))
        let fixture = try await TestConsortium.make(source: example.source, csvFiles: example.csvFiles)
        let file = try SQLiteLedgerStore(readingFrom: fixture.directory.file("ledger.sqlite"))
        func forge(_ start: RunStart) throws -> AuditReport {
            let store = InMemoryLedgerStore()
            let ledger = try Ledger(store: store)
            try ledger.receive(try file.entries(from: 0, limit: 1000).map { try SignedEntry.decode($0.bytes, at: $0.index) })
            try ledger.append(.runStarted(start), author: fixture.names[0], key: fixture.keys[fixture.names[0]]!)
            #expect(LedgerAuditor().audit(store: store).passed)
            return RuntimeAudit.complete(LedgerAuditor().audit(store: store), store: store, evidence: nil)
        }
        let version = try LedgerHash(fixture.compiled.contractID), circuit = try LedgerHash(fixture.compiled.planHash)
        let fewer = try forge(RunStart(
            runID: LedgerHash.sha256([1]), versionID: version, circuitHash: circuit, protocolName: "additive",
            participants: fixture.names, minimumContributors: 2))
        #expect(fewer.failure?.rule == "contract-source-mismatch", "\(String(describing: fewer.failure))")
        #expect(fewer.failure?.message.contains("its contract requires 3") == true, "\(fewer.failure?.message ?? "")")
        // A run labelled paillier without a key ceremony: it would need no decryption evidence.
        let label = try forge(RunStart(
            runID: LedgerHash.sha256([2]), versionID: version, circuitHash: circuit, protocolName: "paillier",
            participants: fixture.names, minimumContributors: 3))
        #expect(label.failure?.rule == "contract-source-mismatch", "\(String(describing: label.failure))")
        let honest = try forge(RunStart(
            runID: LedgerHash.sha256([3]), versionID: version, circuitHash: circuit, protocolName: "secagg",
            participants: fixture.names, minimumContributors: 3))
        #expect(honest.passed, "\(String(describing: honest.failure))")
    }
}
