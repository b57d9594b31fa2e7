public import ConsortiumLedger
import Circuit
import CircuitCompiler
import ContractLanguage
import Foundation

/// The audit checks that need more than the ledger (which stays independent of schemes and of
/// the contract compiler), added in one place to a ``LedgerAuditor`` report by `covenant audit`,
/// `covenant ledger show` and ``Consortium/audit()`` (spec: protocols/ledger.md#audit,
/// protocols/runtime.md#auditing-a-paillier-run):
/// - every run's contract version recompiled from its proposed source: the id must be the run's
///   version id and the plan hash its circuit hash (`contract-source-mismatch`);
/// - every published result records the views of exactly the recipients (other than `all`) its
///   contract names (`recipient-mismatch`; that each lists the ledger's holders is rule L15);
/// - every paillier run's decryption re-checked from its evidence (``DecryptionAuditor``);
/// - parameters below the production minimums flagged (``ParameterPolicy/weaknesses(in:)``).
public enum RuntimeAudit {
    /// The report with the runtime's checks added, made on the entries the ledger audit verified
    /// (a report that already failed gains only the weak-parameter flags of its verified prefix).
    /// - Parameters:
    ///   - report: The ledger audit.
    ///   - store: The same ledger.
    ///   - evidence: The decryption evidence kept off the ledger, if the auditor was given it.
    ///   - runID: Report the decryption check of this run only (hex), as `audit --run` does.
    /// - Returns: The combined report.
    public static func complete(
        _ report: AuditReport, store: any LedgerStore, evidence: EvidenceArchive?, runID: String? = nil
    ) -> AuditReport {
        // One read of what the ledger audit verified serves every check below.
        let entries: [SignedEntry]
        do {
            entries = try store.signedEntries(count: report.verifiedEntries)
        } catch {
            return report.failing(.storageFailure, "the ledger could not be read again for the runtime's checks", at: 0)
        }
        var report = report
        report.weakParameters = ParameterPolicy.weaknesses(in: entries)
        guard report.passed else { return report }
        if let mismatch = sourceMismatch(in: entries) {
            return report.failing(mismatch.code, mismatch.message, at: mismatch.entry)
        }
        report.notChecked.removeAll { $0 == LedgerAuditor.contractSourceCheck }
        let (checks, missing) = DecryptionAuditor.audit(entries: entries, archive: evidence)
        // Every run's failure fails the audit; `--run` only narrows what is listed.
        var completed = report.adding(decryptions: checks)
        if let runID { completed.decryptions = checks.filter { $0.runID == runID } }
        completed.missingEvidence = runID.map { id in missing.filter { $0 == id } } ?? missing
        if !completed.missingEvidence.isEmpty {
            completed.notChecked.append(
                "the decryption of \(completed.missingEvidence.count) paillier run(s): their evidence is kept off the ledger and was not given (covenant audit --evidence DIR)")
        }
        return completed
    }

    /// ``complete(_:store:evidence:runID:)`` for a ledger file, opened read-only.
    /// - Parameters:
    ///   - report: The ledger audit of `path`.
    ///   - path: The SQLite ledger.
    ///   - evidence: The evidence folder; nil: the one beside the ledger, if it exists.
    ///   - runID: Report only this run's decryption check.
    /// - Returns: The combined report.
    public static func complete(_ report: AuditReport, path: String, evidence: String? = nil, runID: String? = nil) -> AuditReport {
        guard let store = try? SQLiteLedgerStore(readingFrom: path) else { return report }
        let folder = evidence ?? EvidenceArchive.folder(besideLedger: path)
        let archive = FileManager.default.fileExists(atPath: folder) ? EvidenceArchive(directory: folder) : nil
        return complete(report, store: store, evidence: archive, runID: runID)
    }

    /// The first run whose contract source does not recompile to its version id and circuit
    /// (`contract-source-mismatch`), or whose result records the views of other recipients than
    /// its contract names (`recipient-mismatch`).
    static func sourceMismatch(in entries: [SignedEntry]) -> (code: LedgerError.Code, entry: UInt64, message: String)? {
        var sources: [LedgerHash: [UInt8]] = [:]
        var compiled: [LedgerHash: Result<CompiledContract, CompilerError>] = [:]
        var versions: [LedgerHash: LedgerHash] = [:]
        for signed in entries {
            let index = signed.entry.sequence
            switch signed.entry.payload {
            case .resultPublished(let result):
                guard let version = versions[result.runID], case .success(let contract) = compiled[version] else { continue }
                let named = Set(contract.circuit.gates.compactMap(\.reveal).flatMap(\.recipients)).filter(ViewRecipients.isRecordable).sorted()
                let recorded = result.recipients.map(\.recipient)
                guard recorded == named else {
                    return (
                        .recipientMismatch, index,
                        "run \(result.runID.hex.prefix(16))…: its result records the views of [\(recorded.joined(separator: ", "))]; its contract reveals to [\(named.joined(separator: ", "))]"
                    )
                }
            case .contractProposed(let proposal):
                sources[proposal.versionID] = proposal.source
            case .runStarted(let run):
                let result: Result<CompiledContract, CompilerError>
                if let known = compiled[run.versionID] {
                    result = known
                } else {
                    let text = sources[run.versionID].flatMap { String(validating: $0, as: UTF8.self) } ?? ""
                    result = Result { () throws(CompilerError) in try ContractCompiler.compile(source: text) }
                    compiled[run.versionID] = result
                }
                versions[run.runID] = run.versionID
                let where_ = "run \(run.runID.hex.prefix(16))…"
                switch result {
                case .failure:
                    return (.contractSourceMismatch, index, "\(where_): the source of version \(run.versionID.hex.prefix(16))… does not compile")
                case .success(let contract):
                    guard (try? LedgerHash(contract.contractID)) == run.versionID else {
                        return (.contractSourceMismatch, index, "\(where_): its version's source compiles to another version id")
                    }
                    guard (try? LedgerHash(contract.planHash)) == run.circuitHash else {
                        return (.contractSourceMismatch, index, "\(where_): its circuit hash is not the plan hash of its version's source")
                    }
                    let minimum = UInt32(max(Int(RunStart.leastContributors), Int(contract.contract.minimumParticipants ?? 2)))
                    guard run.minimumContributors == minimum else {
                        return (.contractSourceMismatch, index, "\(where_): it declares a minimum of \(run.minimumContributors) contributors, its contract requires \(minimum)")
                    }
                    let named = contract.contract.protocolChoice
                    let families = named == .auto ? ProtocolFamily.allCases : [contract.protocolFamily]
                    // Beaver records the origin of its preprocessing in the name (SessionTerms.recordedName).
                    let allowed = families.flatMap { family in
                        [false, true].map {
                            SessionTerms(family: family, secaggThreshold: 0, signKeyAdverts: true, insecureDealer: $0).recordedName
                        }
                    }
                    guard allowed.contains(run.protocolName), (run.keyCeremony != nil) == (run.protocolName == "paillier") else {
                        return (.contractSourceMismatch, index, "\(where_): protocol '\(run.protocolName)' is not one its contract allows (or its key ceremony does not match the protocol)")
                    }
                }
            default:
                continue
            }
        }
        return nil
    }
}
