import Circuit
import CircuitCompiler
import ConsortiumLedger
import Foundation
import Runtime
import Testing

/// `covenant ledger show`'s data: a ledger written by the one-process runtime with an active
/// contract, a published run and an aborted run reads back, verified, with the contract source
/// as proposed, its approvals, the published values and the abort reason.
@Suite("Ledger view")
struct LedgerViewTests {
    @Test("a verified view holds the source as proposed, the approvals, the published values and the abort reason")
    func publishedAndAborted() async throws {
        let example = try Example.load("energy_usage")
        let data = TemporaryDirectory("view")
        let a = data.file("a.csv"), b = data.file("b.csv")
        try FileManager.default.copyItem(atPath: example.csvFiles[0], toPath: a)
        try FileManager.default.copyItem(atPath: example.csvFiles[1], toPath: b)
        let fixture = try await TestConsortium.make(source: example.source, csvFiles: [a, b], names: ["util-a", "util-b"])
        let published = try await fixture.consortium.run(fixture.compiled)
        #expect(published.isPublished, "\(published.abortReason ?? "")")
        // The second member's data turns invalid: the next run aborts after run-started.
        let badCell = "7x9"
        try "read_on,kwh,tariff,smart\n2024-01-04,760,night,true\n2024-01-05,\(badCell),day,false\n"
            .write(toFile: b, atomically: true, encoding: .utf8)
        let aborted = try await fixture.consortium.run(fixture.compiled)
        let reason = try #require(aborted.abortReason)

        let path = fixture.directory.file("ledger.sqlite")
        let (report, readView) = LedgerAuditor().read(path: path, entries: 0..<1000)
        #expect(report.passed, "\(String(describing: report.failure))")
        let view = try #require(readView)
        #expect(view.verified && view.entryCount == report.verifiedEntries && view.rootHash == report.rootHash)
        #expect(view.entries.count == Int(view.entryCount))

        // The contract: the source byte for byte as the contract-proposed entry carries it.
        let contract = try #require(view.contracts.first)
        #expect(view.contracts.count == 1)
        let store = try SQLiteLedgerStore(readingFrom: path)
        let proposed = try store.entries(from: 0, limit: 1000).compactMap { stored -> ContractProposal? in
            guard case .contractProposed(let proposal) = try SignedEntry.decode(stored.bytes, at: stored.index).entry.payload else { return nil }
            return proposal
        }
        #expect(Array(contract.source.utf8) == proposed.first?.source)
        #expect(contract.source == fixture.compiled.canonicalText)
        #expect(contract.name == "energy_usage" && contract.version == 1 && contract.status == "active")
        #expect(contract.versionID == fixture.compiled.contractIDHex)
        #expect(contract.proposed.author == "util-a")
        let state = await fixture.consortium.ledger.state
        #expect(contract.approvals.map(\.member) == state.contracts.values.first?.approvals)
        #expect(contract.approvals.count == 2)
        #expect(contract.approvals.allSatisfy { $0.approved.entry > contract.proposed.entry && $0.approved.timestamp >= contract.proposed.timestamp })
        let activated = try #require(contract.activated)
        #expect(contract.approvals.allSatisfy { $0.approved.entry < activated.entry })
        #expect(contract.predecessor == nil && contract.runs == [published.runID.hex, aborted.runID.hex])

        // The published run: the public result exactly as the run reported it.
        #expect(view.runs.map(\.runID) == [published.runID.hex, aborted.runID.hex])
        let first = view.runs[0]
        #expect(first.status == "published" && first.abort == nil)
        #expect(first.contract == "energy_usage" && first.protocolName == "secagg" && first.participants == ["util-a", "util-b"])
        #expect(first.commitments.map(\.member).sorted() == ["util-a", "util-b"])
        let result = try #require(first.result)
        #expect(result.revealedValues == published.publicResult?.json)
        #expect(result.resultHash == published.resultHash?.hex && result.revealedHash == published.revealedHash?.hex)
        #expect(result.signers.sorted() == ["util-a", "util-b"])
        #expect(result.published.entry == published.ledgerEntries.last)
        // Values revealed only to a member ("smart_n" to grid_operator) are not on the ledger.
        #expect(result.revealedValues?.contains("smart_n") == false)

        // The aborted run: its reason, no result, no commitments (validation failed first).
        let second = view.runs[1]
        #expect(second.status == "aborted" && second.result == nil)
        #expect(second.abort?.reason == reason)
        #expect(second.abort?.aborted.entry == aborted.ledgerEntries.last)

        // Members, checkpoints; the JSON round-trips and shows no member data value.
        #expect(view.members.map(\.name) == ["util-a", "util-b"])
        #expect(view.members.allSatisfy { $0.added.entry == 0 && $0.keyFingerprint.count == 64 })
        let json = try JSONEncoder().encode(view)
        #expect(try JSONDecoder().decode(LedgerView.self, from: json) == view)
        #expect(!String(decoding: json, as: UTF8.self).contains(badCell))
    }

    @Test("a key ceremony and a paillier run: scheme, holders, dealer, the runs that used it")
    func keyCeremony() async throws {
        let example = try Example.load("energy_usage")
        let fixture = try await TestConsortium.make(source: withProtocolAuto(example.source), csvFiles: example.csvFiles)
        let ceremony = try await fixture.holdTestKeyCeremony(threshold: 2)
        let report = try await fixture.consortium.run(fixture.compiled, options: RunOptions(protocolFamily: .paillier))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        let (audit, readView) = LedgerAuditor().read(path: fixture.directory.file("ledger.sqlite"))
        let view = try #require(readView, "\(String(describing: audit.failure))")
        let recorded = try #require(view.keyCeremonies.first)
        #expect(recorded.ceremonyID == ceremony.id.hex)
        #expect(recorded.scheme.hasPrefix("paillier-threshold-v1 2-of-2"))
        #expect(recorded.holders == 2 && recorded.recorded.author == fixture.names[0])
        #expect(recorded.runs == [report.runID.hex])
        #expect(view.runs.first?.keyCeremony == ceremony.id.hex && view.runs.first?.decryptionEvidence != nil)
        #expect(view.entries.isEmpty)
        // The runtime's re-check of the decryption evidence attaches to the run.
        let file = try SQLiteLedgerStore(readingFrom: fixture.directory.file("ledger.sqlite"))
        let checked = view.adding(decryptions: DecryptionAuditor.audit(store: file, archive: fixture.consortium.ledger.evidence).checks)
        #expect(checked.runs.first?.decryptionCheck?.passed == true)
        #expect(view.runs.first?.decryptionCheck == nil)
    }
}
