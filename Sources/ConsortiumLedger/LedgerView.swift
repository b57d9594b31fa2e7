/// What a verified ledger records, for readers (`covenant ledger show`): the consortium and its
/// members, key ceremonies, every contract version with its source and approvals, every run with
/// its commitments and its published values or abort reason, and the checkpoints. Built only from
/// a log that passed the audit (``LedgerAuditor/read(path:entries:)``), so it never shows
/// unverified content. Public ledger data only: contract sources, names, hashes, the values the
/// contracts reveal to all, abort reasons. Spec: protocols/ledger.md#reading-the-ledger.
public struct LedgerView: Codable, Sendable, Hashable {
    /// Where an entry sits in the log and when its author says it was written.
    public struct EntryReference: Codable, Sendable, Hashable {
        /// The entry index.
        public var entry: UInt64
        /// The entry's timestamp, milliseconds since the Unix epoch (the author's claim; never
        /// decreasing along the log).
        public var timestamp: UInt64
        /// The entry's author.
        public var author: String
    }

    /// A current or former member.
    public struct MemberView: Codable, Sendable, Hashable {
        /// The name.
        public var name: String
        /// `voting`, `sequencer`, `participant`.
        public var roles: [String]
        /// The contract roles the ledger records for it (`reveal … to role`): from its genesis or
        /// member-added entry, as the latest contract-roles-changed entry left them.
        public var contractRoles: [String]
        /// The Ed25519 public key, hex.
        public var publicKey: String
        /// SHA-256 of the raw public key, hex.
        public var keyFingerprint: String
        /// The genesis or member-added entry.
        public var added: EntryReference
        /// The member-removed entry, for a former member.
        public var removed: EntryReference?
    }

    /// A recorded key ceremony. The key itself is opaque to the ledger; the scheme string names
    /// the threshold and key size (e.g. `paillier-threshold-v1 2-of-3 2048-bit`).
    public struct KeyCeremonyView: Codable, Sendable, Hashable {
        /// The ceremony id runs refer to, hex.
        public var ceremonyID: String
        /// The scheme.
        public var scheme: String
        /// The key holders' count (one verification key each).
        public var holders: Int
        /// The encoded public key's size in bytes.
        public var publicKeyBytes: Int
        /// SHA-256 of the encoded public key, hex.
        public var publicKeyFingerprint: String
        /// The key-ceremony entry; its author is the dealer that recorded it.
        public var recorded: EntryReference
        /// The runs that used it, hex.
        public var runs: [String]
    }

    /// A voting member's approval of a contract version.
    public struct Approval: Codable, Sendable, Hashable {
        /// The approving member.
        public var member: String
        /// The contract-approved entry.
        public var approved: EntryReference
    }

    /// A revocation of a contract version.
    public struct Revocation: Codable, Sendable, Hashable {
        /// The contract-revoked entry.
        public var revoked: EntryReference
        /// Why.
        public var reason: String
        /// The voting members that endorsed it.
        public var endorsers: [String]
    }

    /// A contract version and its lifecycle.
    public struct ContractView: Codable, Sendable, Hashable {
        /// The contract's name.
        public var name: String
        /// The version number the source declares (`contract NAME version N`), if it does.
        public var version: Int64?
        /// The version id, hex.
        public var versionID: String
        /// `proposed`, `active`, `superseded` or `revoked`.
        public var status: String
        /// The contract-proposed entry; its author is the proposer.
        public var proposed: EntryReference
        /// The approvals, in log order.
        public var approvals: [Approval]
        /// The contract-activated entry.
        public var activated: EntryReference?
        /// The revocation.
        public var revocation: Revocation?
        /// The upgraded version, hex.
        public var predecessor: String?
        /// The version that superseded this one, hex.
        public var supersededBy: String?
        /// The canonical source text exactly as proposed (UTF-8).
        public var source: String
        /// The source's size in bytes.
        public var sourceBytes: Int
        /// The runs of this version, hex.
        public var runs: [String]
    }

    /// A participant's input commitment.
    public struct CommitmentView: Codable, Sendable, Hashable {
        /// The member.
        public var member: String
        /// The commitment, hex.
        public var commitment: String
        /// The input-committed entry.
        public var committed: EntryReference
    }

    /// A published result.
    public struct ResultView: Codable, Sendable, Hashable {
        /// The result-published entry.
        public var published: EntryReference
        /// The commitment to the full result (including values revealed to some members only), hex.
        public var resultHash: String
        /// The hash of the revealed values, hex (recomputed and matched by the audit).
        public var revealedHash: String
        /// The transcript hash, hex.
        public var transcriptHash: String
        /// The values revealed to all, exactly as recorded (the runtime records its public result
        /// as JSON); nil if the bytes are not UTF-8, then see ``revealedValuesHex``.
        public var revealedValues: String?
        /// The recorded bytes in hex, when they are not UTF-8.
        public var revealedValuesHex: String?
        /// The members whose committed inputs the result counts.
        public var contributors: [String]
        /// The contributors that endorsed the result (those that received the output).
        public var signers: [String]
        /// Who each view other than `all` went to (recipient in the contract's spelling →
        /// members), as recorded and checked against the ledger's roles (rule L15).
        public var viewRecipients: [String: [String]]
    }

    /// Why a run was aborted.
    public struct AbortView: Codable, Sendable, Hashable {
        /// The run-aborted entry.
        public var aborted: EntryReference
        /// The recorded reason.
        public var reason: String
    }

    /// A run and what was recorded about it.
    public struct RunView: Codable, Sendable, Hashable {
        /// The run id, hex.
        public var runID: String
        /// The contract version, hex.
        public var versionID: String
        /// The contract's name.
        public var contract: String
        /// The circuit hash, hex.
        public var circuitHash: String
        /// The protocol.
        public var protocolName: String
        /// The key ceremony (paillier), hex.
        public var keyCeremony: String?
        /// The participants, in party order.
        public var participants: [String]
        /// The run-started entry.
        public var started: EntryReference
        /// `open`, `published` or `aborted`.
        public var status: String
        /// The input commitments, in log order: the members whose inputs entered the run.
        public var commitments: [CommitmentView]
        /// The decryption-evidence entry (paillier).
        public var decryptionEvidence: EntryReference?
        /// The runtime's re-check of that evidence, once ``LedgerView/adding(decryptions:)`` added it.
        public var decryptionCheck: AuditReport.DecryptionCheck?
        /// The result, when published.
        public var result: ResultView?
        /// The abort, when aborted.
        public var abort: AbortView?
    }

    /// A verified checkpoint.
    public struct CheckpointView: Codable, Sendable, Hashable {
        /// The tree size.
        public var size: UInt64
        /// The root, hex.
        public var root: String
        /// The sequencer that signed it.
        public var sequencer: String
        /// The voting members whose cosignatures verified.
        public var cosigners: [String]
        /// The quorum at that size.
        public var quorum: Int
        /// Whether the cosignatures reach the quorum.
        public var isFinal: Bool
    }

    /// One entry of the listing, with public facts only.
    public struct EntryLine: Codable, Sendable, Hashable {
        /// The index.
        public var index: UInt64
        /// The kind, e.g. `run-started`.
        public var kind: String
        /// The author.
        public var author: String
        /// The timestamp, milliseconds since the Unix epoch.
        public var timestamp: UInt64
        /// ``LedgerEntry/summary``.
        public var summary: String
    }

    /// The file or store read.
    public var ledger: String
    /// Always true: a view is only built from a log that passed the audit.
    public var verified: Bool
    /// The consortium's name.
    public var consortium: String
    /// The log id, hex.
    public var logID: String
    /// The number of entries.
    public var entryCount: UInt64
    /// The root of the whole log, hex.
    public var rootHash: String
    /// The quorum in force at the end of the log.
    public var quorum: Int
    /// Current members, then former ones, by name.
    public var members: [MemberView]
    /// Key ceremonies, in log order.
    public var keyCeremonies: [KeyCeremonyView]
    /// Contract versions, in log order.
    public var contracts: [ContractView]
    /// Runs, in log order.
    public var runs: [RunView]
    /// Verified checkpoints, by size.
    public var checkpoints: [CheckpointView]
    /// The size of the latest final checkpoint.
    public var latestFinalCheckpoint: UInt64?
    /// The entries asked for (a window of the log), in order.
    public var entries: [EntryLine]
}

extension LedgerView {
    /// The view with the runtime's re-checks of paillier decryption evidence attached to their
    /// runs (the checks themselves belong to the runtime's `DecryptionAuditor`).
    /// - Parameter checks: The re-checks.
    /// - Returns: The view.
    public func adding(decryptions checks: [AuditReport.DecryptionCheck]) -> LedgerView {
        var view = self
        for check in checks {
            for index in view.runs.indices where view.runs[index].runID == check.runID {
                view.runs[index].decryptionCheck = check
            }
        }
        return view
    }
}
