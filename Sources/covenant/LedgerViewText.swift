import ConsortiumLedger
import Foundation

/// The text form of `covenant ledger show`: a ``LedgerView`` as lines, printing only.
enum LedgerViewText {
    /// Sources longer than this many lines are shortened unless `--source` is given.
    static let shortSourceLines = 40

    /// The view as lines of text.
    /// - Parameters:
    ///   - view: The verified view.
    ///   - fullSources: Print every source in full.
    /// - Returns: The lines.
    static func lines(_ view: LedgerView, fullSources: Bool) -> [String] {
        var out: [String] = []
        out.append("ledger \(view.ledger): verified, \(view.entryCount) entries, root \(view.rootHash)")
        out.append("consortium \(view.consortium), log \(view.logID), quorum \(view.quorum)")
        out.append("latest final checkpoint: " + (view.latestFinalCheckpoint.map { "size \($0)" } ?? "none"))

        out.append("")
        out.append("members:")
        for member in view.members {
            let contractRoles = member.contractRoles.isEmpty ? "" : " contract roles \(member.contractRoles.joined(separator: ","))"
            var line = "  \(member.name) [\(member.roles.joined(separator: ","))]\(contractRoles) key \(member.publicKey.prefix(16))… (sha256 \(member.keyFingerprint.prefix(16))…), added \(reference(member.added))"
            if let removed = member.removed { line += ", removed \(reference(removed))" }
            out.append(line)
        }

        if !view.keyCeremonies.isEmpty {
            out.append("")
            out.append("key ceremonies:")
            for ceremony in view.keyCeremonies {
                out.append("  \(ceremony.ceremonyID) \(ceremony.scheme)")
                out.append("    \(ceremony.holders) key holders (verification keys), \(ceremony.publicKeyBytes)-byte public key (sha256 \(ceremony.publicKeyFingerprint.prefix(16))…)")
                out.append("    dealt and recorded by \(ceremony.recorded.author) at \(reference(ceremony.recorded, withAuthor: false))")
                out.append("    runs: " + (ceremony.runs.isEmpty ? "none" : ceremony.runs.joined(separator: ", ")))
            }
        }

        for contract in view.contracts {
            out.append("")
            out.append("contract \(contract.name)" + (contract.version.map { " version \($0)" } ?? "") + ": \(contract.status)")
            out.append("  version id \(contract.versionID)")
            out.append("  proposed by \(contract.proposed.author) at \(reference(contract.proposed, withAuthor: false))")
            out.append("  approved by " + (contract.approvals.isEmpty ? "nobody yet" : contract.approvals.map {
                "\($0.member) (\(reference($0.approved, withAuthor: false)))"
            }.joined(separator: ", ")))
            if let activated = contract.activated { out.append("  activated at \(reference(activated))") }
            if let revocation = contract.revocation {
                out.append("  revoked at \(reference(revocation.revoked)), endorsed by \(revocation.endorsers.joined(separator: ", ")): \(printable(revocation.reason))")
            }
            out.append("  predecessor: " + (contract.predecessor ?? "none"))
            if let successor = contract.supersededBy { out.append("  superseded by \(successor)") }
            out.append("  runs: " + (contract.runs.isEmpty ? "none" : contract.runs.joined(separator: ", ")))
            let sourceLines = textLines(contract.source)
            let shown = fullSources || sourceLines.count <= shortSourceLines ? sourceLines[...] : sourceLines.prefix(shortSourceLines / 2)
            out.append("  source (\(contract.sourceBytes) bytes, as proposed):")
            out += shown.map { "    | \($0)" }
            if shown.count < sourceLines.count {
                out.append("    … \(sourceLines.count - shown.count) more lines (--source prints the whole source)")
            }
        }

        for run in view.runs {
            out.append("")
            out.append("run \(run.runID): \(run.status)")
            out.append("  contract \(run.contract), version id \(run.versionID)")
            out.append("  protocol \(run.protocolName), circuit \(run.circuitHash)" + (run.keyCeremony.map { ", key ceremony \($0)" } ?? ""))
            out.append("  started by \(run.started.author) at \(reference(run.started, withAuthor: false)); participants \(run.participants.joined(separator: ", "))")
            out.append("  inputs committed by \(run.commitments.count) of \(run.participants.count) participants" + (run.commitments.isEmpty ? "" : ":"))
            for commitment in run.commitments {
                out.append("    \(commitment.member) \(commitment.commitment) (\(reference(commitment.committed, withAuthor: false)))")
            }
            if let evidence = run.decryptionEvidence {
                out.append("  decryption evidence recorded at \(reference(evidence))")
            }
            if let check = run.decryptionCheck, check.passed {
                out.append("  decryption re-checked: the ciphertexts of \(check.contributors.joined(separator: ", ")) and the batch proofs of \(check.decryptors.joined(separator: ", ")) reproduce the \(check.values) published values")
            }
            if let result = run.result {
                out.append("  published at \(reference(result.published))")
                let silent = result.contributors.filter { !result.signers.contains($0) }
                out.append("  contributors \(result.contributors.joined(separator: ", ")); endorsed by \(result.signers.joined(separator: ", "))\(silent.isEmpty ? "" : " (\(silent.joined(separator: ", ")) received no output and did not endorse)")")
                for (recipient, members) in result.viewRecipients.sorted(by: { $0.key < $1.key }) {
                    out.append("  view to \(recipient): \(members.isEmpty ? "no one" : members.joined(separator: ", "))")
                }
                out.append("  result hash \(result.resultHash)")
                out.append("  revealed-values hash \(result.revealedHash) (matches the values below)")
                out.append("  transcript hash \(result.transcriptHash)")
                out.append("  published values (revealed to all):")
                if let text = result.revealedValues {
                    out += textLines(text).map { "    | \($0)" }
                } else {
                    out.append("    | hex \(result.revealedValuesHex ?? "")")
                }
            }
            if let abort = run.abort {
                out.append("  aborted at \(reference(abort.aborted)): \(printable(abort.reason))")
            }
            if run.status == "open" {
                out.append("  open: started, neither published nor aborted")
            }
        }

        if !view.checkpoints.isEmpty {
            out.append("")
            out.append("checkpoints:")
            for checkpoint in view.checkpoints {
                out.append("  size \(checkpoint.size) root \(checkpoint.root) by \(checkpoint.sequencer), cosigned by \(checkpoint.cosigners.joined(separator: ", ")) (\(checkpoint.cosigners.count)/\(checkpoint.quorum)\(checkpoint.isFinal ? ", final" : ", not final"))")
            }
        }

        out.append("")
        if let first = view.entries.first, let last = view.entries.last {
            out.append("entries \(first.index)–\(last.index) of \(view.entryCount):")
            for entry in view.entries {
                out.append("\(String(entry.index).padding(toLength: 7, withPad: " ", startingAt: 0)) \(entry.kind.padding(toLength: 19, withPad: " ", startingAt: 0)) \(entry.author.padding(toLength: 12, withPad: " ", startingAt: 0)) \(entry.summary)")
            }
        } else {
            out.append("entries: none listed (--from, --limit)")
        }
        let open = view.runs.filter { $0.status == "open" }
        out.append("open runs: " + (open.isEmpty ? "none" : open.map { "\($0.runID) (started at entry \($0.started.entry))" }.joined(separator: ", ")))
        return out
    }

    /// The lines of a text, without the empty one after a final newline.
    static func textLines(_ text: String) -> [Substring] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.count > 1, lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    /// `entry 12 by alice, 2026-12-04T19:50:01Z`.
    static func reference(_ reference: LedgerView.EntryReference, withAuthor: Bool = true) -> String {
        "entry \(reference.entry)" + (withAuthor ? " by \(reference.author)" : "") + ", \(date(reference.timestamp))"
    }

    /// Milliseconds since the epoch as an ISO 8601 UTC date.
    static func date(_ milliseconds: UInt64) -> String {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000).formatted(.iso8601)
    }
}
