import Circuit
import CircuitCompiler
import ConsortiumLedger
import ContractLanguage
import CryptoPrimitives
import DataSources
import Foundation
import Runtime
import Testing
import WireFormat

/// The ledger discloses only what the contract reveals (issue 9, item 3): a paillier run of the
/// demo contract, which suppresses a small ward and reveals readmissions to the regulator only.
/// The ledger file holds the public outputs and digests; the ciphertexts and decryption shares
/// (from which anyone could recompute every sum) are kept off it, beside it, for an auditor.
@Suite("What the ledger discloses")
struct LedgerDisclosureTests {
    @Test("a paillier run: no ciphertext or decryption share on the ledger; suppressed and role-only values absent; the evidence audits off the ledger")
    func paillierRunDisclosesOnlyPublicOutputs() async throws {
        let fixture = try await hospitalConsortium(count: 3, rows: 300)
        try await fixture.holdTestKeyCeremony(threshold: 2)
        let report = try await fixture.consortium.run(fixture.compiled, options: RunOptions(protocolFamily: .paillier))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        let result = try #require(report.result)
        let ledgerPath = fixture.directory.file("ledger.sqlite")
        let store = try SQLiteLedgerStore(readingFrom: ledgerPath)
        let entries = try store.entries(from: 0, limit: 1000).map { try SignedEntry.decode($0.bytes, at: $0.index) }

        // The evidence entry is a digest: a few dozen bytes, not kilobytes of ciphertexts.
        let evidenceEntry = try #require(entries.first { $0.entry.kind == .decryptionEvidence })
        guard case .decryptionEvidence(let record) = evidenceEntry.entry.payload else { Issue.record("no evidence entry"); return }
        let filed = try #require(fixture.consortium.ledger.evidence.evidence(of: record.runID))
        #expect(record.matches(filed) && filed.count > 1000 && evidenceEntry.wireEncoded().count < 400)
        #expect(FileManager.default.fileExists(atPath: EvidenceArchive.folder(besideLedger: ledgerPath) + "/\(record.runID.hex).evidence"))

        // The published values: no value of a suppressed group, no role-only output.
        guard case .resultPublished(let publication) = try #require(entries.last { $0.entry.kind == .resultPublished }).entry.payload
        else { Issue.record("no result"); return }
        let published = String(decoding: publication.revealedValues, as: UTF8.self)
        #expect(!published.contains("readmissions") && !published.contains("readmit_rate"))
        let suppressed = result.groups.filter(\.suppressed)
        #expect(!suppressed.isEmpty)
        #expect(published.components(separatedBy: "\"suppressed\": true").count - 1 == suppressed.count)
        // The true counts of the suppressed wards appear nowhere in the file.
        let unsuppressedSource = DemoData.contractSource.replacingOccurrences(of: "  require admissions >= 50 per group\n", with: "")
        #expect(unsuppressedSource != DemoData.contractSource)
        let unsuppressed = try ContractCompiler.compile(source: unsuppressedSource)
        let rows = try fixture.csvFiles.map {
            try SQLiteSource(path: $0, relation: .table(DemoData.table)).rows(unsuppressed.contract.input.columns)
        }
        let full = try Oracle.evaluate(unsuppressed.contract, members: rows)
        let hiddenCounts = zip(result.groups, full.groups).filter { $0.0.suppressed }.compactMap { $0.1.outputs["admissions"] }
        #expect(hiddenCounts.count == suppressed.count)
        let fileText = String(decoding: try Data(contentsOf: URL(fileURLWithPath: ledgerPath)), as: UTF8.self)
        for count in hiddenCounts { #expect(!fileText.contains("\"admissions\": \(count.json)")) }

        // An auditor without the evidence is told the decryption was not checked; with it, checked.
        let blind = RuntimeAudit.complete(LedgerAuditor().audit(store: store), store: store, evidence: nil)
        #expect(blind.passed && blind.missingEvidence == [record.runID.hex])
        #expect(blind.notChecked.contains { $0.contains("was not given") })
        let checked = RuntimeAudit.complete(LedgerAuditor().audit(store: store), store: store, evidence: fixture.consortium.ledger.evidence)
        #expect(checked.passed && checked.missingEvidence.isEmpty && checked.decryptions.first?.passed == true)
        // Evidence that is not the recorded evidence fails.
        let wrong = EvidenceArchive(directory: nil)
        try wrong.store(Array(filed.dropLast()), run: record.runID)
        let mismatch = RuntimeAudit.complete(LedgerAuditor().audit(store: store), store: store, evidence: wrong)
        #expect(mismatch.failure?.rule == "decryption-evidence-mismatch")
        #expect(mismatch.failure?.message.contains("not the evidence whose digest the ledger records") == true)
    }
}
