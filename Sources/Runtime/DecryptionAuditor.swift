public import ConsortiumLedger
import CircuitCompiler
import CryptoPrimitives
import ContractLanguage
import MPCProtocols
import MultiPrecision
import PaillierEncryption
import WireFormat

/// Re-checks every paillier run's decryption from the ledger alone, with no key share and no
/// member's help (spec: protocols/runtime.md#auditing-a-paillier-run): the key ceremony's public
/// key, the evidence's ciphertexts multiplied into the aggregate, every batch decryption proof,
/// the combined and unpacked sum, then the contract recompiled from its proposed source and its
/// finalisation run on that sum — which must reproduce the published revealed values byte for
/// byte. Run it after ``LedgerAuditor`` (which checks signatures and lifecycle rules).
public enum DecryptionAuditor {
    /// Checks every `decryption-evidence` entry of a store against the evidence an auditor was
    /// given (kept off the ledger: ``EvidenceArchive``).
    /// - Parameters:
    ///   - store: The ledger store.
    ///   - archive: Where the evidence is; nil: none was given.
    /// - Returns: One check per evidence entry whose evidence was given (and per published
    ///   paillier run without an entry), in ledger order; and the runs (hex) whose evidence was
    ///   not given, which the audit reports as not checked.
    public static func audit(store: any LedgerStore, archive: EvidenceArchive?) -> (checks: [AuditReport.DecryptionCheck], missing: [String]) {
        do {
            return audit(entries: try store.signedEntries(), archive: archive)
        } catch {
            return ([AuditReport.DecryptionCheck(
                runID: "-", entry: 0, contributors: [], decryptors: [], values: 0,
                failure: "the ledger could not be read: \(error)")], [])
        }
    }

    /// ``audit(store:archive:)`` over entries already read (the verified prefix of an audit).
    /// - Parameters:
    ///   - entries: The ledger's entries in log order.
    ///   - archive: Where the evidence is; nil: none was given.
    /// - Returns: The checks and the runs whose evidence was not given.
    static func audit(entries: [SignedEntry], archive: EvidenceArchive?) -> (checks: [AuditReport.DecryptionCheck], missing: [String]) {
        var ceremonies: [LedgerHash: KeyCeremony] = [:]
        var sources: [LedgerHash: [UInt8]] = [:]
        var starts: [LedgerHash: RunStart] = [:]
        var results: [LedgerHash: (index: UInt64, ResultPublication)] = [:]
        var committers: [LedgerHash: Set<String>] = [:]
        var evidence: [(index: UInt64, DecryptionEvidence)] = []
        // Members' keys as of each run's start: each contribution must be signed by its member.
        var keys: [String: Ed25519.PublicKey] = [:]
        var runKeys: [LedgerHash: [PartyID: Ed25519.PublicKey]] = [:]
        for signed in entries {
            switch signed.entry.payload {
            case .genesis(let genesis): for member in genesis.members { keys[member.name] = member.publicKey }
            case .memberAdded(let addition): keys[addition.member.name] = addition.member.publicKey
            case .keyCeremony(let ceremony): ceremonies[ceremony.ceremonyID] = ceremony
            case .contractProposed(let proposal): sources[proposal.versionID] = proposal.source
            case .runStarted(let start):
                starts[start.runID] = start
                runKeys[start.runID] = Dictionary(
                    start.participants.enumerated().compactMap { index, name in keys[name].map { (PartyID(UInt32(index + 1)), $0) } },
                    uniquingKeysWith: { first, _ in first })
            case .inputCommitted(let commitment): committers[commitment.runID, default: []].insert(signed.entry.author)
            case .resultPublished(let result): results[result.runID] = (signed.entry.sequence, result)
            case .decryptionEvidence(let e): evidence.append((signed.entry.sequence, e))
            default: continue
            }
        }
        // A ciphertext is fresh randomness times the input: the same ciphertext in two
        // contributions means one member submitted another's (or its own earlier) input.
        var seen: [BigInt: String] = [:]
        var checks: [AuditReport.DecryptionCheck] = []
        var missing: [String] = []
        for (index, record) in evidence {
            guard let bytes = archive?.evidence(of: record.runID) else {
                missing.append(record.runID.hex)
                continue
            }
            func failed(_ why: String) -> AuditReport.DecryptionCheck {
                AuditReport.DecryptionCheck(runID: record.runID.hex, entry: index, contributors: [], decryptors: [], values: 0, failure: why)
            }
            guard record.matches(bytes) else {
                checks.append(failed("the evidence given is not the evidence whose digest the ledger records"))
                continue
            }
            // Decoded once, for the replay scan and the re-check.
            let decoded = try? PaillierAggregationEvidence(wireEncoded: bytes)
            if let decoded, let replay = replayedCiphertext(decoded, of: record.runID, runs: starts, seen: &seen) {
                checks.append(failed(replay))
                continue
            }
            checks.append(check(
                decoded, of: record.runID, at: index, start: starts[record.runID], ceremonies: ceremonies, sources: sources,
                result: results[record.runID]?.1, committers: committers[record.runID] ?? [], signatureKeys: runKeys[record.runID] ?? [:]))
        }
        // A published paillier run must carry its evidence: without it nothing can be re-checked,
        // and the audit fails rather than pass over it.
        let evidenced = Set(evidence.map(\.1.runID))
        for (runID, (index, _)) in results.sorted(by: { $0.value.index < $1.value.index })
        where starts[runID]?.protocolName == "paillier" && !evidenced.contains(runID) {
            checks.append(AuditReport.DecryptionCheck(
                runID: runID.hex, entry: index, contributors: [], decryptors: [], values: 0,
                failure: "the paillier run published a result without its decryption evidence: its decryption cannot be re-checked"))
        }
        return (checks.sorted { $0.entry < $1.entry }, missing)
    }

    /// The first ciphertext of `record` already recorded in a contribution (an earlier run's, or
    /// another party's), naming both; nil when every ciphertext is new.
    private static func replayedCiphertext(
        _ decoded: PaillierAggregationEvidence, of runID: LedgerHash, runs: [LedgerHash: RunStart], seen: inout [BigInt: String]
    ) -> String? {
        let participants = runs[runID]?.participants ?? []
        for contribution in decoded.contributions {
            let who = "\(contribution.party.name(in: participants) ?? "party \(contribution.party.rawValue)") in run \(runID.hex.prefix(16))…"
            for ciphertext in contribution.ciphertexts {
                if let earlier = seen[ciphertext] {
                    return "\(who) submitted a ciphertext already contributed by \(earlier): a replayed input"
                }
                seen[ciphertext] = who
            }
        }
        return nil
    }

    private static func check(
        _ evidence: PaillierAggregationEvidence?, of runID: LedgerHash, at index: UInt64, start: RunStart?, ceremonies: [LedgerHash: KeyCeremony],
        sources: [LedgerHash: [UInt8]], result: ResultPublication?, committers: Set<String>,
        signatureKeys: [PartyID: Ed25519.PublicKey]
    ) -> AuditReport.DecryptionCheck {
        var contributors: [String] = [], decryptors: [String] = [], values = 0
        func outcome(_ failure: String?) -> AuditReport.DecryptionCheck {
            AuditReport.DecryptionCheck(
                runID: runID.hex, entry: index, contributors: contributors, decryptors: decryptors, values: values,
                failure: failure)
        }
        guard let start, let ceremonyID = start.keyCeremony, let ceremony = ceremonies[ceremonyID] else {
            return outcome("the run or its key ceremony is not on the ledger")
        }
        guard let key = try? Paillier.ThresholdPublicKey(wireEncoded: ceremony.publicKey) else {
            return outcome("the key ceremony's public key does not decode")
        }
        guard let decoded = evidence else {
            return outcome("the evidence does not decode")
        }
        // The contributions' plaintext-knowledge proofs are bound to this run's session.
        guard decoded.sessionID.bytes == runID.bytes else {
            return outcome("the evidence is of another session than run \(runID.hex.prefix(16))…")
        }
        let names = { (parties: [PartyID]) -> [String]? in
            let mapped = parties.compactMap { $0.name(in: start.participants) }
            return mapped.count == parties.count ? mapped : nil
        }
        guard decoded.memberCount == start.participants.count, let c = names(decoded.contributors), let d = names(decoded.decryptors) else {
            return outcome("the evidence names parties outside the run's \(start.participants.count) participants")
        }
        contributors = c
        decryptors = d
        // Only members that committed inputs on the ledger may have contributed.
        if let outsider = c.first(where: { !committers.contains($0) }) {
            return outcome("\(outsider) contributed ciphertexts without an input commitment on the ledger")
        }
        let sum: [UInt64]
        // Every contribution signed by its member's registered key: no one contributes in another's name.
        do { sum = try decoded.verify(publicKey: key, signatureKeys: signatureKeys) } catch {
            return outcome("the ciphertexts and decryption proofs do not verify: \(error)")
        }
        values = sum.count
        guard let result else { return outcome(nil) }  // evidence of a run that never published: nothing to compare
        guard c.sorted() == result.contributors else {
            return outcome("the evidence's contributors (\(c.sorted().joined(separator: ", "))) are not the result's (\(result.contributors.joined(separator: ", ")))")
        }
        guard let source = sources[start.versionID], let text = String(validating: source, as: UTF8.self) else {
            return outcome("the contract version's source is not on the ledger")
        }
        let compiled: CompiledContract
        let plan: AggregationPlan
        do {
            compiled = try ContractCompiler.compile(source: text)
            plan = try AggregationPlan(compiled)
        } catch {
            return outcome("the contract source does not compile to an aggregation plan: \(error)")
        }
        guard (try? LedgerHash(compiled.contractID)) == start.versionID else {
            return outcome("the recompiled contract's id differs from the run's version id")
        }
        let minimum = max(2, Int(compiled.contract.minimumParticipants ?? 2))
        guard contributors.count >= minimum else {
            return outcome("\(contributors.count) members contributed; the contract requires at least \(minimum)")
        }
        guard plan.vectorLength == sum.count else {
            return outcome("the evidence opens \(sum.count) values, the contract's plan \(plan.vectorLength)")
        }
        let recomputed: [UInt8]
        do {
            recomputed = Array(try plan.publicResult(fromSum: sum, contract: compiled.contract).json.utf8)
        } catch {
            return outcome("the contract's finalisation failed on the decrypted sums: \(error.message)")
        }
        guard recomputed == result.revealedValues else {
            return outcome("the decrypted sums give other revealed values than the published result")
        }
        return outcome(nil)
    }
}
