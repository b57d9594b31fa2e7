import Circuit
import CircuitCompiler
import ConsortiumLedger
import CryptoPrimitives
import Foundation
import MPCProtocols
import MultiPrecision
import PaillierEncryption
import Runtime
import Testing
import WireFormat

/// Paillier runs are re-checked from the ledger alone (protocols/runtime.md#auditing-a-paillier-run):
/// ciphertexts → aggregate → batch proofs → sums → the contract's finalisation → the published
/// revealed values. Forged evidence or a published result that the decryption does not give is
/// caught even when every signature and lifecycle rule holds.
@Suite("Decryption audit")
struct DecryptionAuditTests {
    /// A paillier run of the demo contract (disclosed sums, suppression), its ledger entries and
    /// the positions of its evidence and result.
    static func paillierRun() async throws -> (TestConsortium, [SignedEntry], evidence: Int) {
        let fixture = try await hospitalConsortium(count: 3, rows: 200)
        try await fixture.holdTestKeyCeremony(threshold: 2)
        let report = try await fixture.consortium.run(fixture.compiled, options: RunOptions(protocolFamily: .paillier))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        let store = try SQLiteLedgerStore(readingFrom: fixture.directory.file("ledger.sqlite"))
        let entries = try store.entries(from: 0, limit: 1000).map { try SignedEntry.decode($0.bytes, at: $0.index) }
        let evidence = try #require(entries.firstIndex { $0.entry.kind == .decryptionEvidence })
        #expect(entries[evidence + 1].entry.kind == .resultPublished)
        return (fixture, entries, evidence)
    }

    @Test("an honest paillier run passes the full audit; the evidence names contributors and decryptors")
    func honest() async throws {
        let (fixture, _, evidence) = try await Self.paillierRun()
        let audit = await fixture.consortium.audit()
        #expect(audit.passed, "\(String(describing: audit.failure))")
        let check = try #require(audit.decryptions.first)
        #expect(audit.decryptions.count == 1 && check.passed)
        #expect(check.entry == UInt64(evidence))
        #expect(check.contributors == fixture.names && check.decryptors.count == 2)
        #expect(check.values == (try AggregationPlan(fixture.compiled)).vectorLength)
        #expect(!audit.notChecked.contains { $0.hasPrefix("paillier") })
    }

    @Test("evidence between replicas: only to the run's participants, in parts; a replica files only the bytes its ledger records")
    func replication() async throws {
        let (fixture, entries, evidence) = try await Self.paillierRun()
        let ledger = fixture.consortium.ledger
        guard case .decryptionEvidence(let record) = entries[evidence].entry.payload else { preconditionFailure() }
        let run = record.runID
        let bytes = try #require(ledger.evidence.evidence(of: run))
        #expect(await ledger.evidenceRecord(of: run) == record)
        // The holder answers a participant part by part; a non-member or an offset past the end is refused.
        let first = try await ledger.evidenceChunk(of: run, from: 0, limit: 100, for: fixture.names[1])
        #expect(first.size == UInt64(bytes.count) && first.bytes == Array(bytes.prefix(100)))
        let last = try await ledger.evidenceChunk(of: run, from: UInt64(bytes.count - 10), limit: 100, for: fixture.names[2])
        #expect(last.bytes == Array(bytes.suffix(10)))
        await #expect(throws: RuntimeError.self) { try await ledger.evidenceChunk(of: run, from: 0, limit: 100, for: "stranger") }
        await #expect(throws: RuntimeError.self) {
            try await ledger.evidenceChunk(of: run, from: UInt64(bytes.count + 1), limit: 100, for: fixture.names[1])
        }
        // A replica of the same log without the evidence lists it to copy, and files only the recorded bytes.
        let replicaPath = fixture.directory.file("replica.sqlite")
        let replica = try LedgerService(path: replicaPath)
        try await replica.receive(entries)
        #expect(await replica.evidenceToReplicate(for: fixture.names[1]).map(\.record) == [record])
        #expect(await replica.evidenceToReplicate(for: "stranger").isEmpty)
        var damaged = bytes
        damaged[damaged.count / 2] ^= 1
        await #expect(throws: RuntimeError.self) { try await replica.fileReplicatedEvidence(damaged, run: run) }
        await #expect(throws: RuntimeError.self) { try await replica.fileReplicatedEvidence(Array(bytes.dropLast()), run: run) }
        #expect(await replica.evidenceToReplicate(for: fixture.names[1]).count == 1)
        try await replica.fileReplicatedEvidence(bytes, run: run)
        #expect(await replica.evidenceToReplicate(for: fixture.names[1]).isEmpty)
        #expect(replica.evidence.holdsChecked(run), "checked once: later passes skip it without reading its entry")
        // Cut short on disk: no longer held, so it is listed to copy again.
        let directory = try #require(replica.evidence.directory)
        try Data(bytes.prefix(10)).write(to: URL(fileURLWithPath: "\(directory)/\(run.hex).evidence"))
        #expect(!replica.evidence.holdsChecked(run))
        #expect(await replica.evidenceToReplicate(for: fixture.names[1]).map(\.record) == [record])
        try await replica.fileReplicatedEvidence(bytes, run: run)
        #expect(await replica.evidenceToReplicate(for: fixture.names[1]).isEmpty)
        // Rewritten with a byte changed, the same size: no longer the file checked, so checked again.
        try Data(damaged).write(to: URL(fileURLWithPath: "\(directory)/\(run.hex).evidence"))
        #expect(!replica.evidence.holdsChecked(run))
        #expect(await replica.evidenceToReplicate(for: fixture.names[1]).map(\.record) == [record])
        try await replica.fileReplicatedEvidence(bytes, run: run)
        // The replica's own audit now re-checks the decryption.
        let audit = await replica.fullAudit()
        #expect(audit.decryptions.count == 1 && audit.missingEvidence.isEmpty)
    }

    /// Rebuilds the ledger up to the evidence, then appends `evidence` and `result` validly signed.
    static func forged(
        _ fixture: TestConsortium, _ entries: [SignedEntry], at index: Int,
        evidence: (PaillierAggregationEvidence) -> PaillierAggregationEvidence,
        revealed: ([UInt8]) -> [UInt8] = { $0 }, contributors: ([String]) -> [String] = { $0 }
    ) throws -> (InMemoryLedgerStore, EvidenceArchive) {
        let store = InMemoryLedgerStore()
        let ledger = try Ledger(store: store)
        try ledger.receive(Array(entries[..<index]))
        guard case .decryptionEvidence(let record) = entries[index].entry.payload,
              case .resultPublished(var result) = entries[index + 1].entry.payload,
              let bytes = fixture.consortium.ledger.evidence.evidence(of: record.runID)
        else { preconditionFailure() }
        let author = entries[index].entry.author
        let original = try PaillierAggregationEvidence(wireEncoded: bytes)
        // The forger files its evidence off the ledger and records its digest, as a coordinator does.
        let archive = EvidenceArchive(directory: nil)
        let forged = evidence(original).wireEncoded()
        try archive.store(forged, run: record.runID)
        try ledger.append(
            .decryptionEvidence(DecryptionEvidence(runID: record.runID, evidence: forged)),
            author: author, key: fixture.keys[author]!)
        result = ResultPublication(
            runID: result.runID, resultHash: result.resultHash, revealedValues: revealed(result.revealedValues),
            transcriptHash: result.transcriptHash, contributors: contributors(result.contributors))
        let next = ledger.nextEntry(.resultPublished(result), author: author)
        result.endorsements = result.contributors.map { next.endorsement(by: $0, key: fixture.keys[$0]!) }
        try ledger.append(.resultPublished(result), author: author, key: fixture.keys[author]!, timestamp: next.timestamp)
        return (store, archive)
    }

    @Test("forged evidence or a result the decryption does not give: the ledger audit passes, the decryption audit names the entry")
    func forgeries() async throws {
        let (fixture, entries, index) = try await Self.paillierRun()
        let key = try #require(await fixture.consortium.ceremony?.publicKey)
        var rng = SecureRandomGenerator()
        let replaced = try key.publicKey.encrypt(BigInt(1), using: &rng).value
        let cases: [(String, (InMemoryLedgerStore, EvidenceArchive))] = [
            ("the ciphertexts and decryption proofs do not verify", try Self.forged(fixture, entries, at: index, evidence: { e in
                var contributions = e.contributions
                contributions[0] = .init(
                    party: contributions[0].party, ciphertexts: [replaced] + contributions[0].ciphertexts.dropFirst(), proofs: contributions[0].proofs,
                    signature: contributions[0].signature)
                return PaillierAggregationEvidence(
                    sessionID: e.sessionID, vectorLength: e.vectorLength, memberCount: e.memberCount, contributions: contributions, decryptions: e.decryptions)
            })),
            // The aggregator fabricates a member's contribution (values of its own, proved for that
            // member's context): it cannot sign it in the member's name.
            ("does not carry its member's valid signature", try Self.forged(fixture, entries, at: index, evidence: { e in
                var contributions = e.contributions
                let victim = contributions[1]
                let context = PaillierAggregationConfiguration.proofContext(sessionID: e.sessionID, sender: victim.party)
                var rng = SecureRandomGenerator()
                let made = victim.ciphertexts.indices.map { chunk in
                    try! key.publicKey.encryptWithProof(BigInt(7), context: Paillier.PublicKey.chunkContext(context, chunk: chunk), using: &rng)
                }
                contributions[1] = .init(party: victim.party, ciphertexts: made.map(\.0.value), proofs: made.map(\.1), signature: victim.signature)
                return PaillierAggregationEvidence(
                    sessionID: e.sessionID, vectorLength: e.vectorLength, memberCount: e.memberCount, contributions: contributions, decryptions: e.decryptions)
            })),
            // A member submits another's ciphertext rerandomised as its own: its proof fails.
            ("do not verify for it and this session", try Self.forged(fixture, entries, at: index, evidence: { e in
                var contributions = e.contributions
                let c = try! key.publicKey.ciphertext(contributions[0].ciphertexts[0])
                var rng = SecureRandomGenerator()
                contributions[1] = .init(
                    party: contributions[1].party,
                    ciphertexts: [key.publicKey.rerandomize(c, using: &rng).value] + contributions[1].ciphertexts.dropFirst(),
                    proofs: contributions[1].proofs, signature: contributions[1].signature)
                return PaillierAggregationEvidence(
                    sessionID: e.sessionID, vectorLength: e.vectorLength, memberCount: e.memberCount, contributions: contributions, decryptions: e.decryptions)
            })),
            ("the ciphertexts and decryption proofs do not verify", try Self.forged(fixture, entries, at: index, evidence: { e in
                PaillierAggregationEvidence(
                    sessionID: e.sessionID, vectorLength: e.vectorLength, memberCount: e.memberCount, contributions: e.contributions,
                    decryptions: Array(e.decryptions.prefix(1)))
            })),
            // A member submits another's ciphertexts as its own (verbatim replay).
            ("a replayed input", try Self.forged(fixture, entries, at: index, evidence: { e in
                var contributions = e.contributions
                contributions[1] = .init(
                    party: contributions[1].party, ciphertexts: contributions[0].ciphertexts, proofs: contributions[0].proofs,
                    signature: contributions[0].signature)
                return PaillierAggregationEvidence(
                    sessionID: e.sessionID, vectorLength: e.vectorLength, memberCount: e.memberCount, contributions: contributions, decryptions: e.decryptions)
            })),
            // The result names fewer contributors than the evidence sums.
            ("are not the result's", try Self.forged(fixture, entries, at: index, evidence: { $0 }, contributors: { Array($0.dropLast()) })),
            ("other revealed values than the published result", try Self.forged(fixture, entries, at: index, evidence: { $0 }, revealed: { bytes in
                // One digit of the first admissions count changes.
                var text = String(decoding: bytes, as: UTF8.self)
                let range = text.range(of: #""admissions":\s*\d"#, options: .regularExpression)!
                let digit = text[text.index(before: range.upperBound)]
                text.replaceSubrange(text.index(before: range.upperBound)..<range.upperBound, with: digit == "9" ? "8" : "9")
                return Array(text.utf8)
            })),
        ]
        for (expected, (store, archive)) in cases {
            let ledgerAudit = LedgerAuditor().audit(store: store)
            #expect(ledgerAudit.passed, "\(String(describing: ledgerAudit.failure))")
            let full = ledgerAudit.adding(decryptions: DecryptionAuditor.audit(store: store, archive: archive).checks)
            #expect(!full.passed)
            #expect(full.failure?.entryIndex == UInt64(index))
            #expect(full.failure?.rule == "decryption-evidence-mismatch")
            #expect(full.failure?.message.contains(expected) == true, "\(full.failure?.message ?? "")")
        }
    }

    @Test("a paillier run published without its evidence, with a value changed, fails the audit")
    func withoutEvidence() async throws {
        let (fixture, entries, index) = try await Self.paillierRun()
        // Rebuild the ledger up to the evidence, leave it out, and publish altered values with
        // every participant's valid endorsement.
        let store = InMemoryLedgerStore()
        let ledger = try Ledger(store: store)
        try ledger.receive(Array(entries[..<index]))
        guard case .resultPublished(var result) = entries[index + 1].entry.payload else { Issue.record("no result"); return }
        let author = entries[index + 1].entry.author
        var text = String(decoding: result.revealedValues, as: UTF8.self)
        let range = try #require(text.range(of: #""admissions":\s*\d"#, options: .regularExpression))
        let digit = text[text.index(before: range.upperBound)]
        text.replaceSubrange(text.index(before: range.upperBound)..<range.upperBound, with: digit == "9" ? "8" : "9")
        result = ResultPublication(
            runID: result.runID, resultHash: result.resultHash, revealedValues: Array(text.utf8), transcriptHash: result.transcriptHash,
            contributors: result.contributors)
        let next = ledger.nextEntry(.resultPublished(result), author: author)
        result.endorsements = fixture.names.map { next.endorsement(by: $0, key: fixture.keys[$0]!) }
        try ledger.append(.resultPublished(result), author: author, key: fixture.keys[author]!, timestamp: next.timestamp)
        let ledgerAudit = LedgerAuditor().audit(store: store)
        #expect(ledgerAudit.passed, "\(String(describing: ledgerAudit.failure))")
        let full = ledgerAudit.adding(decryptions: DecryptionAuditor.audit(store: store, archive: fixture.consortium.ledger.evidence).checks)
        #expect(!full.passed)
        #expect(full.failure?.rule == "decryption-evidence-mismatch")
        #expect(full.failure?.entryIndex == UInt64(index))
        #expect(full.failure?.message.contains("without its decryption evidence") == true, "\(full.failure?.message ?? "")")
    }
}
