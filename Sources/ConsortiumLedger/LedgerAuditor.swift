import CryptoPrimitives
import Foundation
import WireFormat

/// What `covenant audit` reports: the verdict, the first violation, and a summary of the
/// consortium, its contracts, runs and checkpoints. Spec: protocols/ledger.md#audit.
public struct AuditReport: Codable, Sendable {
    /// The first violation found.
    public struct Failure: Codable, Sendable, Hashable {
        /// The rule that failed (``LedgerError/Code`` raw value).
        public var rule: String
        /// What failed.
        public var message: String
        /// The first failing entry.
        public var entryIndex: UInt64?
        /// The failing checkpoint's size.
        public var checkpointSize: UInt64?
        /// The failing table of the file (file-integrity rules).
        public var table: String?
        /// The failing row's key in ``table``.
        public var row: Int64?

        /// `entry 12`, `table entry row -1`, `checkpoint 40`, or `ledger`.
        public var location: String {
            LedgerError.Location(entryIndex: entryIndex, checkpointSize: checkpointSize, table: table, row: row).description
        }
    }

    /// A member as of the end of the verified log.
    public struct MemberSummary: Codable, Sendable, Hashable {
        /// The name.
        public var name: String
        /// The public key, hex.
        public var publicKey: String
        /// The ledger roles.
        public var roles: [String]
        /// The contract roles the ledger records for it (`reveal … to role`).
        public var contractRoles: [String] = []
    }

    /// A contract version.
    public struct ContractSummary: Codable, Sendable, Hashable {
        /// The version id, hex.
        public var versionID: String
        /// The contract's name.
        public var name: String
        /// `proposed`, `active`, `superseded` or `revoked`.
        public var status: String
        /// The approving members.
        public var approvals: [String]
        /// The predecessor, hex.
        public var predecessor: String?
        /// The proposing entry.
        public var proposedAt: UInt64
        /// The activating entry.
        public var activatedAt: UInt64?
    }

    /// A run.
    public struct RunSummary: Codable, Sendable, Hashable {
        /// The run id, hex.
        public var runID: String
        /// The contract version, hex.
        public var versionID: String
        /// The circuit hash, hex.
        public var circuitHash: String
        /// The protocol.
        public var protocolName: String
        /// The participants.
        public var participants: [String]
        /// Participants who committed inputs, with their commitments (hex).
        public var commitments: [String: String]
        /// `open`, `published` or `aborted`.
        public var status: String
        /// The result hash, hex.
        public var resultHash: String?
        /// The revealed-values hash, hex (recomputed and matched by the audit).
        public var revealedHash: String?
        /// The transcript hash, hex.
        public var transcriptHash: String?
        /// The participants who signed the result.
        public var resultSigners: [String]
        /// Who each view other than `all` went to, as the result records it (checked against the
        /// ledger's roles at the result, rule L15): recipient → members.
        public var viewRecipients: [String: [String]] = [:]
        /// The entries about this run.
        public var entries: [UInt64]
        /// The latest final checkpoint (cosigned at quorum) the run's entries are proven included
        /// in, if one covers them; a checkpoint that is not final is never claimed.
        public var provenInCheckpoint: UInt64?
        /// Each check the audit made for this run, in order (signatures, lifecycle rules,
        /// commitments, the revealed-values hash, decryption evidence, inclusion).
        public var checks: [RunCheck] = []
    }

    /// A checkpoint.
    public struct CheckpointSummary: Codable, Sendable, Hashable {
        /// The tree size.
        public var size: UInt64
        /// The root, hex.
        public var root: String
        /// The sequencer.
        public var sequencer: String
        /// Valid cosignatures from distinct voting members.
        public var cosignatures: Int
        /// The quorum at that size.
        public var quorum: Int
        /// Whether the cosignatures reach the quorum.
        public var isFinal: Bool
    }

    /// The audited file or store.
    public var ledger: String
    /// Whether every check passed.
    public var passed: Bool
    /// The first violation.
    public var failure: Failure?
    /// The log id, hex.
    public var logID: String?
    /// The log id the reader pinned (the consortium's identity), hex; nil when none was given,
    /// and then the ledger's identity was not checked (``notChecked`` says so).
    public var pinnedLogID: String?
    /// The trusted checkpoint (`SIZE:ROOT`) the ledger was required to extend; nil when none was
    /// given, and then a rollback of the newest entries would go unnoticed.
    public var trustedCheckpoint: String?
    /// The latest final checkpoint as `SIZE:ROOT`, for the reader to trust next time.
    public var latestFinalCheckpointPin: String?
    /// The consortium's name.
    public var consortium: String
    /// Entries verified (all of them if passed; those before the failure otherwise).
    public var verifiedEntries: UInt64
    /// The root of the verified entries, hex.
    public var rootHash: String
    /// Entries by kind.
    public var entryKinds: [String: Int]
    /// The quorum.
    public var quorum: Int
    /// The members.
    public var members: [MemberSummary]
    /// The contract versions.
    public var contracts: [ContractSummary]
    /// The runs (only the requested one with `--run`).
    public var runs: [RunSummary]
    /// The runs (hex ids) started but neither published nor aborted: in progress, or left by a
    /// coordinator that died (the next writer closes those, protocols/runtime.md#abandoned-runs).
    public var openRuns: [String] = []
    /// The verified checkpoints.
    public var checkpoints: [CheckpointSummary]
    /// The size of the latest final checkpoint.
    public var latestFinalCheckpoint: UInt64?
    /// Entries not yet covered by a final checkpoint.
    public var unfinalisedEntries: UInt64
    /// Equivocation evidence found (hex of each evidence's wire encoding).
    public var equivocations: [String]
    /// Checks this version does not perform.
    public var notChecked: [String]
    /// Parameters recorded on the ledger below the production minimums (a small Paillier key, a
    /// minority decryption threshold) or inconsistent records, flagged by the runtime's
    /// `ParameterPolicy`: the audit still verifies such a ledger, and says so.
    public var weakParameters: [String] = []
    /// Paillier runs (hex ids) whose decryption evidence, kept off the ledger, was not given to
    /// the audit: their decryption is reported as not checked, never as passed.
    public var missingEvidence: [String] = []
    /// Scheme-level re-checks of decryption evidence (paillier), added by the runtime's
    /// `DecryptionAuditor`; empty when only the ledger was audited.
    public var decryptions: [DecryptionCheck] = []

    /// One run's decryption re-checked from its evidence.
    public struct DecryptionCheck: Codable, Sendable, Hashable {
        /// The run, hex.
        public var runID: String
        /// The decryption-evidence entry.
        public var entry: UInt64
        /// The contributors whose ciphertexts were multiplied.
        public var contributors: [String]
        /// The key holders whose batch proofs were verified and combined.
        public var decryptors: [String]
        /// The number of opened values recomputed.
        public var values: Int
        /// Whether the recomputed result equals the published revealed values.
        public var passed: Bool
        /// Why not.
        public var failure: String?

        /// A check.
        /// - Parameters:
        ///   - runID: The run, hex.
        ///   - entry: The evidence entry.
        ///   - contributors: The contributors.
        ///   - decryptors: The decryptors.
        ///   - values: The recomputed values.
        ///   - failure: Why it failed, or nil.
        public init(runID: String, entry: UInt64, contributors: [String], decryptors: [String], values: Int, failure: String?) {
            self.runID = runID
            self.entry = entry
            self.contributors = contributors
            self.decryptors = decryptors
            self.values = values
            self.passed = failure == nil
            self.failure = failure
        }
    }

    /// The report failed by a check made outside the ledger (the runtime's), unless it had
    /// already failed: the first failure is the one reported.
    /// - Parameters:
    ///   - code: The rule.
    ///   - message: What failed.
    ///   - entry: The entry it concerns.
    /// - Returns: The failed report.
    public func failing(_ code: LedgerError.Code, _ message: String, at entry: UInt64) -> AuditReport {
        guard passed else { return self }
        var report = self
        report.passed = false
        report.failure = Failure(rule: code.rawValue, message: message, entryIndex: entry, checkpointSize: nil, table: nil, row: nil)
        return report
    }

    /// The report with `checks` added: the first failing check fails the report (rule
    /// `decryption-evidence`, naming its entry), and the paillier item leaves ``notChecked``.
    /// - Parameter checks: The runtime's re-checks.
    /// - Returns: The combined report.
    public func adding(decryptions checks: [DecryptionCheck]) -> AuditReport {
        var report = self
        report.decryptions = checks
        for check in checks {
            for index in report.runs.indices where report.runs[index].runID == check.runID {
                report.runs[index].checks.removeAll { $0.name == RunCheck.decryptionName }
                report.runs[index].checks.insert(RunCheck(decryption: check), at: max(0, report.runs[index].checks.count - 1))
            }
        }
        report.notChecked.removeAll { $0 == LedgerAuditor.paillierDecryptionCheck }
        if report.passed, let bad = checks.first(where: { !$0.passed }) {
            report.passed = false
            report.failure = Failure(
                rule: LedgerError.Code.decryptionEvidenceMismatch.rawValue, message: "run \(bad.runID): \(bad.failure ?? "")",
                entryIndex: bad.entry, checkpointSize: nil, table: nil, row: nil)
        }
        return report
    }
}

/// Verifies a ledger from its store alone, with no member's cooperation: every signature (in
/// parallel), the hash chain and Merkle tree, the lifecycle rules, each result's revealed-values
/// hash, checkpoints, cosignature quorums and equivocation. Stops at the first violation and
/// names the entry and rule. Spec: protocols/ledger.md#audit.
public struct LedgerAuditor: Sendable {
    /// A log size and its root that a reader trusts, written `SIZE:ROOT` (root in hex), e.g. the
    /// latest final checkpoint its own node cosigned (protocols/ledger.md#pinned-identity).
    public struct TrustedCheckpoint: Sendable, Hashable, CustomStringConvertible {
        /// Entries covered (at least 1).
        public var size: UInt64
        /// The Merkle root at that size.
        public var root: LedgerHash

        /// A trusted checkpoint.
        public init(size: UInt64, root: LedgerHash) {
            self.size = size
            self.root = root
        }

        /// Parses `SIZE:ROOT`; nil unless SIZE is a positive decimal and ROOT 64 hex digits.
        public init?(_ text: String) {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let size = UInt64(parts[0]), size > 0, let root = LedgerHash(hex: String(parts[1])) else {
                return nil
            }
            self.init(size: size, root: root)
        }

        /// `SIZE:ROOT`.
        public var description: String { "\(size):\(root.hex)" }
    }

    /// Entries read and verified per chunk.
    public var chunkSize: Int
    /// Called after each chunk with the entries verified so far and the entries in the store (for
    /// a live progress display).
    public var progress: (@Sendable (_ verified: UInt64, _ total: UInt64) -> Void)?
    /// The consortium's identity to check the ledger against: its log id (the genesis entry's
    /// leaf hash), recorded by every member. A ledger rebuilt from scratch, with fresh keys and
    /// the same names, has another genesis and fails with `consortium-mismatch`.
    public var pin: LedgerHash?
    /// A history the reader trusts (for example the latest final checkpoint its node cosigned):
    /// the ledger must extend it, or it was truncated (newest entries and checkpoints deleted)
    /// or rewritten before it (`history-mismatch`).
    public var trusted: TrustedCheckpoint?

    /// An auditor.
    /// - Parameters:
    ///   - chunkSize: Entries per chunk (memory vs. parallelism).
    ///   - pin: The consortium's log id, or nil (the identity is then reported as not checked).
    ///   - trusted: A checkpoint the ledger must extend, or nil.
    ///   - progress: Called after each chunk.
    public init(
        chunkSize: Int = 16384, pin: LedgerHash? = nil, trusted: TrustedCheckpoint? = nil,
        progress: (@Sendable (_ verified: UInt64, _ total: UInt64) -> Void)? = nil
    ) {
        self.chunkSize = chunkSize
        self.pin = pin
        self.trusted = trusted
        self.progress = progress
    }

    /// Audits a ledger file, opened read-only: first the file's schema, then the log (as
    /// ``audit(store:name:runID:)``), then the rows the log does not account for and SQLite's
    /// own consistency check (protocols/ledger.md#file-integrity).
    /// - Parameters:
    ///   - path: The SQLite file.
    ///   - runID: Report only this run (the whole log is still verified).
    /// - Returns: The report; ``AuditReport/passed`` is false on any violation.
    public func audit(path: String, runID: LedgerHash? = nil) -> AuditReport {
        audit(path: path, runID: runID, observer: nil)
    }

    /// ``audit(path:runID:)`` with `observer` shown each chunk of entries once the rules and
    /// signatures accepted it (``LedgerAuditor/read(path:entries:)`` builds its view that way).
    func audit(path: String, runID: LedgerHash?, observer: ChunkObserver?) -> AuditReport {
        let store: SQLiteLedgerStore
        do {
            store = try SQLiteLedgerStore(readingFrom: path)
            try store.checkFileSchema()
        } catch {
            return Self.emptyReport(name: path, error: error)
        }
        var report = audit(store: store, name: path, runID: runID, observer: observer)
        if report.passed {
            do {
                try store.checkFileRows(entryCount: report.verifiedEntries)
                try store.checkIntegrity()
            } catch {
                report.passed = false
                report.failure = Self.failure(error as? LedgerError ?? LedgerError(.storageFailure, "checking the file failed"))
            }
        }
        return report
    }

    /// Audits any store.
    /// - Parameters:
    ///   - store: The store.
    ///   - name: How the report names it.
    ///   - runID: Report only this run.
    /// - Returns: The report.
    public func audit(store: any LedgerStore, name: String = "ledger", runID: LedgerHash? = nil) -> AuditReport {
        audit(store: store, name: name, runID: runID, observer: nil)
    }

    /// Sees each verified chunk of entries and the replay after it.
    typealias ChunkObserver = (_ chunk: [StoredEntry], _ replay: LogReplay) throws -> Void

    /// ``audit(store:name:runID:)`` with an observer of the verified chunks.
    func audit(store: any LedgerStore, name: String, runID: LedgerHash?, observer: ChunkObserver?) -> AuditReport {
        var replay: LogReplay
        do {
            replay = LogReplay(checkpoints: try store.checkpoints())
        } catch {
            return Self.emptyReport(name: name, error: error)
        }
        var failure: LedgerError?
        var storedEquivocations: [EquivocationEvidence] = []
        do {
            let total = progress == nil ? 0 : (try? store.entryCount()) ?? 0
            while true {
                let chunk = try store.entries(from: replay.tree.size, limit: chunkSize)
                if chunk.isEmpty { break }
                try replay.process(chunk)
                try observer?(chunk, replay)
                progress?(replay.tree.size, total)
            }
            if replay.tree.size == 0 {
                throw LedgerError(.emptyLog, "the ledger holds no entries (no genesis)", at: .init(entryIndex: 0))
            }
            if let pin, let logID = replay.state.logID, logID != pin {
                throw LedgerError(
                    .consortiumMismatch,
                    "this ledger's log id is \(logID.hex), not the pinned consortium \(pin.hex): its genesis is another consortium's, or the ledger was rebuilt",
                    at: .init(entryIndex: 0))
            }
            try replay.finish()
            if let trusted {
                guard trusted.size <= replay.tree.size else {
                    throw LedgerError(
                        .historyMismatch,
                        "the ledger holds \(replay.tree.size) entries, but the trusted checkpoint covers \(trusted.size): its newest entries were removed (rolled back)",
                        at: .init(entryIndex: replay.tree.size, checkpointSize: trusted.size))
                }
                let root = try replay.tree.rootHash(size: trusted.size)
                guard root == trusted.root else {
                    throw LedgerError(
                        .historyMismatch,
                        "the ledger's root at size \(trusted.size) is \(root), not the trusted \(trusted.root): its history before that size was rewritten",
                        at: .init(checkpointSize: trusted.size))
                }
            }
            try Self.checkStoredEvidence(try store.evidenceRows(), state: replay.state, found: &storedEquivocations)
            if let runID, replay.state.runs[runID] == nil {
                throw LedgerError(.unknownReference, "no run \(runID) in the ledger")
            }
        } catch let error as LedgerError {
            failure = error
        } catch {
            failure = LedgerError(.storageFailure, "reading the ledger failed", cause: error)
        }
        return makeReport(replay, name: name, failure: failure, runID: runID, storedEquivocations: storedEquivocations)
    }

    /// Each stored evidence must be valid equivocation evidence for this log (else
    /// `invalid-evidence`); valid evidence means the sequencer equivocated (`equivocation`),
    /// whether or not both checkpoints are in the file.
    static func checkStoredEvidence(
        _ rows: [(row: Int64, evidence: EquivocationEvidence)], state: ConsortiumState, found: inout [EquivocationEvidence]
    ) throws {
        for (row, evidence) in rows {
            let first = evidence.first, second = evidence.second
            let size = first.checkpoint.size
            let location = LedgerError.Location(checkpointSize: size, table: "evidence", row: row)
            guard first.checkpoint.logID == state.logID, first.sequencer == second.sequencer,
                  let sequencer = state.members[first.sequencer], sequencer.roles.contains(.sequencer),
                  evidence.isValid(sequencerKey: sequencer.publicKey)
            else {
                throw LedgerError(
                    .invalidEvidence,
                    "evidence row \(row) is not two checkpoints of one size and log with different roots, both signed by this log's sequencer",
                    at: location)
            }
            found.append(evidence)
            throw LedgerError(
                .equivocation,
                "evidence row \(row): sequencer \(first.sequencer) signed two checkpoints of size \(size) with roots \(first.checkpoint.root) and \(second.checkpoint.root)",
                at: location)
        }
    }

    private func makeReport(
        _ replay: LogReplay, name: String, failure: LedgerError?, runID: LedgerHash?, storedEquivocations: [EquivocationEvidence]
    ) -> AuditReport {
        let state = replay.state
        let checkpoints = replay.evaluated.map { item in
            AuditReport.CheckpointSummary(
                size: item.checkpoint.checkpoint.size, root: item.checkpoint.checkpoint.root.hex,
                sequencer: item.checkpoint.sequencer, cosignatures: item.cosigners, quorum: item.quorum,
                isFinal: item.cosigners >= item.quorum)
        }
        let latestFinal = checkpoints.last(where: \.isFinal)?.size
        // Inclusion is claimed only in a final checkpoint (cosigned at quorum): a sequencer's
        // signature alone proves nothing to the members.
        let proofSize = latestFinal
        // Entries before the first failure passed every rule and signature; later ones did not.
        let verifiedBelow = failure.map { $0.location.entryIndex ?? $0.location.checkpointSize ?? 0 } ?? .max
        let runs = state.runs.values
            .filter { runID == nil || $0.runID == runID }
            .sorted { $0.startedAt < $1.startedAt }
            .map { run in
                var proven: UInt64?
                if let proofSize, let last = run.entries.last, last < proofSize,
                   let root = try? replay.tree.rootHash(size: proofSize) {
                    // Every entry of the run is proven included in the latest final checkpoint.
                    let allIncluded = run.entries.allSatisfy { index in
                        guard let proof = try? replay.tree.inclusionProof(index: index, size: proofSize),
                              let leaf = try? replay.tree.leafHash(at: index) else { return false }
                        return (try? proof.verify(leafHash: leaf, rootHash: root)) != nil
                    }
                    if allIncluded { proven = proofSize }
                }
                var summary = AuditReport.RunSummary(
                    runID: run.runID.hex, versionID: run.versionID.hex, circuitHash: run.circuitHash.hex,
                    protocolName: run.protocolName, participants: run.participants,
                    commitments: run.commitments.mapValues(\.hex), status: run.status.rawValue,
                    resultHash: run.result?.resultHash.hex, revealedHash: run.result?.revealedHash.hex,
                    transcriptHash: run.result?.transcriptHash.hex,
                    resultSigners: run.result?.endorsements.map(\.signer) ?? [], entries: run.entries,
                    provenInCheckpoint: proven)
                summary.viewRecipients = run.result?.recipientMap ?? [:]
                summary.checks = AuditReport.RunCheck.checks(of: run, in: state, provenIn: proven, verifiedBelow: verifiedBelow)
                return summary
            }
        var report = AuditReport(
            ledger: name, passed: failure == nil, failure: failure.map(Self.failure), logID: state.logID?.hex,
            consortium: state.consortium, verifiedEntries: replay.tree.size, rootHash: replay.tree.rootHash.hex,
            entryKinds: Dictionary(uniqueKeysWithValues: replay.kindCounts.map { ($0.key.name, $0.value) }),
            quorum: state.quorum,
            members: state.members.values.sorted { $0.name < $1.name }.map {
                .init(name: $0.name, publicKey: hexEncode($0.publicKey.rawRepresentation), roles: $0.roles.names, contractRoles: $0.contractRoles)
            },
            contracts: state.contracts.values.sorted { $0.proposedAt < $1.proposedAt }.map {
                .init(versionID: $0.versionID.hex, name: $0.name, status: $0.status.rawValue, approvals: $0.approvals,
                      predecessor: $0.predecessor?.hex, proposedAt: $0.proposedAt, activatedAt: $0.activatedAt)
            },
            runs: runs, checkpoints: checkpoints, latestFinalCheckpoint: latestFinal,
            unfinalisedEntries: replay.tree.size - (latestFinal ?? 0),
            equivocations: (replay.evidence + storedEquivocations).map { hexEncode($0.wireEncoded()) },
            notChecked: Self.notChecked + (pin == nil ? [Self.unpinned] : []))
        report.pinnedLogID = pin?.hex
        report.trustedCheckpoint = trusted?.description
        report.latestFinalCheckpointPin = report.checkpoints.last(where: \.isFinal).map { "\($0.size):\($0.root)" }
        report.openRuns = state.runs.values.filter { $0.status == .open }.sorted { $0.startedAt < $1.startedAt }.map(\.runID.hex)
        return report
    }

    /// What an audit without a pin leaves unchecked.
    public static let unpinned =
        "the consortium's identity: no log id was pinned, so a ledger rebuilt from scratch with fresh keys would pass (covenant audit --log-id)"

    /// The paillier re-check, which the runtime's audit adds (it needs the scheme and the evidence).
    public static let paillierDecryptionCheck = "paillier: homomorphic recomputation of the aggregate and decryption-share proofs"
    /// The contract-source check, which the runtime's audit adds (it needs the compiler).
    public static let contractSourceCheck = "contract version ids against a recompilation of the contract source"
    /// Checks the ledger alone cannot make (protocols/ledger.md#what-the-audit-does-not-check).
    public static let notChecked = [
        paillierDecryptionCheck, contractSourceCheck,
        "input commitments against opened inputs (members keep their openings)",
    ]

    static func failure(_ error: LedgerError) -> AuditReport.Failure {
        AuditReport.Failure(
            rule: error.code.rawValue, message: error.message, entryIndex: error.location.entryIndex,
            checkpointSize: error.location.checkpointSize, table: error.location.table, row: error.location.row)
    }

    static func emptyReport(name: String, error: any Error) -> AuditReport {
        let ledgerError = error as? LedgerError ?? LedgerError(.storageFailure, "\(error)")
        return AuditReport(
            ledger: name, passed: false, failure: failure(ledgerError), logID: nil, consortium: "", verifiedEntries: 0,
            rootHash: MerkleTree.emptyRoot.hex, entryKinds: [:], quorum: 0, members: [], contracts: [], runs: [],
            checkpoints: [], latestFinalCheckpoint: nil, unfinalisedEntries: 0, equivocations: [], notChecked: notChecked)
    }
}
