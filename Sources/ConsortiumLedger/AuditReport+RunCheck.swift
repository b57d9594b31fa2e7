extension AuditReport {
    /// One check the audit made for a run, named so that a reader sees what was verified and
    /// what was not (a skipped check is `not-checked`, never `passed`).
    public struct RunCheck: Codable, Sendable, Hashable {
        /// How a check came out.
        public enum Outcome: String, Codable, Sendable, Hashable {
            /// Verified.
            case passed
            /// Verified and wrong.
            case failed
            /// Not verified by this audit (the detail says why).
            case notChecked = "not-checked"
        }

        /// `signatures`, `lifecycle`, `commitments`, `revealed-hash`, `decryption`, `inclusion`
        /// (or `verified` for a run the audit stopped before).
        public var name: String
        /// The outcome.
        public var outcome: Outcome
        /// What was checked: entries, members, hashes (public facts only).
        public var detail: String

        /// A check.
        /// - Parameters:
        ///   - name: The check's name.
        ///   - outcome: Its outcome.
        ///   - detail: What it covered.
        public init(name: String, outcome: Outcome, detail: String) {
            self.name = name
            self.outcome = outcome
            self.detail = detail
        }

        static let decryptionName = "decryption"

        /// The runtime's re-check of a paillier run's decryption evidence.
        init(decryption check: DecryptionCheck) {
            self.init(
                name: Self.decryptionName, outcome: check.passed ? .passed : .failed,
                detail: check.passed
                    ? "paillier: aggregate recomputed from the ciphertexts of \(check.contributors.joined(separator: ", ")); batch decryption proofs of \(check.decryptors.joined(separator: ", ")) valid; \(check.values) opened values reproduce the revealed values (evidence entry \(check.entry))"
                    : "paillier: evidence entry \(check.entry) FAILS: \(check.failure ?? "")")
        }

        /// The checks the ledger audit made for `run`: what ``ConsortiumState/apply`` enforced on
        /// its entries (protocols/ledger.md#lifecycle-rules), stated per run. Runs with an entry
        /// at or after `verifiedBelow` (the first failure) get a single `verified` not-checked.
        static func checks(
            of run: ConsortiumState.Run, in state: ConsortiumState, provenIn checkpoint: UInt64?, verifiedBelow: UInt64
        ) -> [RunCheck] {
            if let last = run.entries.last, last >= verifiedBelow {
                return [RunCheck(
                    name: "verified", outcome: .notChecked,
                    detail: "the audit stopped at entry \(verifiedBelow), before every entry of this run was verified")]
            }
            let entries = run.entries.map(String.init).joined(separator: ", ")
            let committers = run.commitments.keys.sorted()
            var checks: [RunCheck] = []
            let signers = run.result?.endorsements.map(\.signer) ?? []
            checks.append(RunCheck(
                name: "signatures", outcome: .passed,
                detail: "author signatures of entries \(entries) verify"
                    + (signers.isEmpty ? "" : "; result signatures of \(signers.joined(separator: ", ")) verify")))
            let contract = state.contracts[run.versionID]?.name ?? "?"
            var rules = [
                "started on version \(run.versionID.hex.prefix(16))… of \(contract) while it was active, with distinct members holding the participant role (L10)",
                "each input committed once, by a participant, while the run was open (L11)",
            ]
            if let ceremony = run.keyCeremony {
                rules.append("its key ceremony \(ceremony.hex.prefix(16))… is recorded (L10)")
            }
            switch run.status {
            case .published:
                let contributors = run.result?.contributors ?? []
                let endorsers = run.result?.endorsements.map(\.signer) ?? []
                rules.append(
                    "result authored by a participant; its \(contributors.count) contributors (\(contributors.joined(separator: ", "))) all committed, at least the run's minimum of \(run.minimumContributors); endorsed by \(endorsers.count) of them (\(endorsers.joined(separator: ", "))), at least the minimum (L12)")
                if let views = run.result?.recipients, !views.isEmpty {
                    rules.append(
                        "its views went to the members the ledger designated then: "
                            + views.map { "\($0.recipient) → \($0.members.isEmpty ? "no one" : $0.members.joined(separator: ", "))" }.joined(separator: "; ")
                            + " (L15)")
                }
            case .aborted:
                rules.append("aborted while open by a participant or a voting member (entry \(run.closedAt.map(String.init) ?? "?"))")
            case .open:
                rules.append("still open: neither published nor aborted")
            }
            checks.append(RunCheck(name: "lifecycle", outcome: .passed, detail: rules.joined(separator: "; ")))
            checks.append(RunCheck(
                name: "commitments", outcome: .passed,
                detail: "\(committers.count) of \(run.participants.count) participants committed inputs"
                    + (committers.isEmpty ? "" : " (\(committers.joined(separator: ", ")))")
                    + (run.status == .published ? "; every contributor committed" : "")))
            if let result = run.result {
                checks.append(RunCheck(
                    name: "revealed-hash", outcome: .passed,
                    detail: "the revealed-values hash \(result.revealedHash.hex.prefix(16))… recomputed from the \(result.revealedValues.count) recorded bytes matches"))
            }
            if let evidence = run.evidenceAt {
                checks.append(RunCheck(
                    name: decryptionName, outcome: .notChecked,
                    detail: "decryption evidence recorded at entry \(evidence); re-checked only by the runtime's decryption audit (covenant audit runs it)"))
            }
            checks.append(checkpoint.map {
                RunCheck(name: "inclusion", outcome: .passed, detail: "every entry of the run proven included in final checkpoint \($0)")
            } ?? RunCheck(name: "inclusion", outcome: .notChecked, detail: "not yet covered by a final checkpoint"))
            return checks
        }
    }
}
