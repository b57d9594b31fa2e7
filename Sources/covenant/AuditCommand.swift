import ArgumentParser
import ConsortiumLedger
import Foundation
import Runtime

/// `covenant audit LEDGER [--run ID] [--json]`: verify a ledger file alone, offline
/// (spec: protocols/ledger.md#audit). Exits 1 naming the first failing entry and rule.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Audit a ledger file: signatures, checkpoints, proofs, quorum approvals, lifecycle rules, result hashes.")

    @Argument(help: "The ledger file (SQLite).")
    var ledger: String
    @Option(help: "Report only this run (64 hex digits); the whole ledger is still verified.")
    var run: String?
    @Option(help: "The folder of decryption evidence kept off the ledger (default: LEDGER.evidence beside the ledger, if present): without it, paillier decryptions are reported as not checked.")
    var evidence: String?
    @Option(name: .customLong("log-id"), help: "The consortium's log id (64 hex digits, printed when the consortium was founded and kept in every member's configuration): the audit fails unless the ledger's genesis is this one.")
    var logID: String?

    @Option(name: .customLong("checkpoint"), help: "A checkpoint you trust, as SIZE:ROOT (the audit prints the latest final one as 'trust next time: --checkpoint …'): the audit fails unless the ledger extends it, so newest entries deleted or earlier ones rewritten are caught.")
    var checkpoint: String?
    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() async throws {
        var runID: LedgerHash?
        if let run {
            guard let id = LedgerHash(hex: run) else { throw ValidationError("--run must be 64 hex digits") }
            runID = id
        }
        FileHandle.standardError.write(Data("▸ auditing \(ledger): every signature, rule, checkpoint and proof…\n".utf8))
        var pin: LedgerHash?
        if let logID {
            guard let id = LedgerHash(hex: logID) else { throw ValidationError("--log-id must be 64 hex digits") }
            pin = id
        }
        var trusted: LedgerAuditor.TrustedCheckpoint?
        if let checkpoint {
            guard let parsed = LedgerAuditor.TrustedCheckpoint(checkpoint) else {
                throw ValidationError("--checkpoint must be SIZE:ROOT (a positive entry count, a colon, 64 hex digits)")
            }
            trusted = parsed
        }
        let ledgerAudit = LedgerAuditor(pin: pin, trusted: trusted, progress: LedgerCommand.auditProgress).audit(path: ledger, runID: runID)
        if let evidence, !FileManager.default.fileExists(atPath: evidence) {
            throw ExitStatus.fail(.invalidInput, "the evidence folder \(evidence) does not exist")
        }
        let report = RuntimeAudit.complete(ledgerAudit, path: ledger, evidence: evidence, runID: runID?.hex)
        if json {
            print(try LedgerCommand.json(report))
        } else {
            printText(report)
        }
        if let failure = report.failure {
            let location = failure.location
            LedgerCommand.printError("audit FAILED at \(location): \(failure.rule): \(failure.message)")
            throw ExitCode(ExitStatus.checkFailed.rawValue)
        }
    }

    func printText(_ report: AuditReport) {
        print("ledger \(report.ledger)")
        print("consortium \(report.consortium), log \(report.logID ?? "-")")
        if let pinned = report.pinnedLogID {
            print(pinned == report.logID ? "IDENTITY: the log id matches the pinned consortium \(pinned)" : "IDENTITY: MISMATCH: pinned consortium \(pinned), this ledger is \(report.logID ?? "-")")
        } else {
            print("IDENTITY NOT CHECKED: no --log-id given; a ledger rebuilt with fresh keys would pass. Pin the consortium's log id.")
        }
        if let trusted = report.trustedCheckpoint {
            print(report.failure?.rule == "history-mismatch" ? "HISTORY: the ledger does NOT extend the trusted checkpoint \(trusted)" : "HISTORY: the ledger extends the trusted checkpoint \(trusted)")
        }
        print("verified \(report.verifiedEntries) entries, root \(report.rootHash)")
        print("entries: " + report.entryKinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        print("members (quorum \(report.quorum)): " + report.members.map { "\($0.name) [\($0.roles.joined(separator: ","))]" }.joined(separator: ", "))
        let holders = Dictionary(grouping: report.members.flatMap { member in member.contractRoles.map { ($0, member.name) } }, by: \.0)
        print("contract roles (on the ledger): " + (holders.isEmpty ? "none" : holders.keys.sorted().map { "\($0): \(holders[$0]!.map(\.1).joined(separator: ", "))" }.joined(separator: "; ")))
        for contract in report.contracts {
            print("contract \(contract.name) \(contract.versionID.prefix(16))… \(contract.status), approved by \(contract.approvals.joined(separator: ", "))")
        }
        for run in report.runs {
            print("run \(run.runID) \(run.status): version \(run.versionID.prefix(16))…, \(run.protocolName), participants \(run.participants.joined(separator: ", ")), \(run.commitments.count) commitments")
            if let result = run.resultHash {
                print("  result \(result), revealed-values hash \(run.revealedHash ?? "-") matches, signed by \(run.resultSigners.joined(separator: ", "))")
            }
            for (recipient, members) in run.viewRecipients.sorted(by: { $0.key < $1.key }) {
                print("  view to \(recipient) went to \(members.isEmpty ? "no one" : members.joined(separator: ", ")) (the ledger's holders then)")
            }
            for check in run.checks {
                print("  [\(check.outcome.rawValue)] \(check.name): \(check.detail)")
            }
            print("  entries \(run.entries.map(String.init).joined(separator: ", "))")
        }
        if !report.openRuns.isEmpty {
            print("open runs (started, neither published nor aborted): \(report.openRuns.joined(separator: ", "))")
        }
        for checkpoint in report.checkpoints {
            print("checkpoint \(checkpoint.size) \(checkpoint.root.prefix(16))… by \(checkpoint.sequencer): \(checkpoint.cosignatures)/\(checkpoint.quorum) cosignatures\(checkpoint.isFinal ? ", final" : "")")
        }
        if let pin = report.latestFinalCheckpointPin { print("trust next time: --checkpoint \(pin)") }
        print("not checked by this version: " + report.notChecked.joined(separator: "; "))
        for weakness in report.weakParameters { print("WEAK PARAMETERS: \(weakness)") }
        let caveats = (report.pinnedLogID == nil ? ["the consortium's identity was NOT checked (pass --log-id)"] : [])
            + (report.trustedCheckpoint == nil ? ["a rollback of the newest entries was NOT checked (pass --checkpoint)"] : [])
            + (report.missingEvidence.isEmpty ? [] : ["the decryption of \(report.missingEvidence.count) paillier run(s) was NOT checked (pass --evidence)"])
            + (report.weakParameters.isEmpty ? [] : ["WEAK PARAMETERS flagged above"])
        if !report.passed {
            print("audit FAILED")
        } else if !caveats.isEmpty {
            print("audit PASSED for everything checked; " + caveats.joined(separator: "; "))
        } else {
            print("audit PASSED")
        }
    }
}
