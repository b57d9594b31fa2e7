import CryptoPrimitives

/// Collects, from entries the auditor has already verified, what ``ConsortiumState`` does not
/// keep (sources, authors, timestamps, entry indices, abort reasons, former members), and
/// assembles the ``LedgerView`` from the final state. It applies no rule of its own: lifecycle
/// states, approvals, participants, commitments and results come from the replayed state.
final class LedgerViewBuilder {
    private let window: Range<UInt64>
    private var state = ConsortiumState()
    private var evaluated: [(checkpoint: SignedCheckpoint, cosigners: Int, quorum: Int)] = []
    private var added: [String: LedgerView.EntryReference] = [:]
    private var former: [LedgerView.MemberView] = []
    private var ceremonies: [(id: LedgerHash, ceremony: KeyCeremony, recorded: LedgerView.EntryReference)] = []
    private var proposals: [LedgerHash: (source: [UInt8], proposed: LedgerView.EntryReference)] = [:]
    private var approvals: [LedgerHash: [LedgerView.Approval]] = [:]
    private var activations: [LedgerHash: LedgerView.EntryReference] = [:]
    private var revocations: [LedgerHash: LedgerView.Revocation] = [:]
    private var starts: [LedgerHash: LedgerView.EntryReference] = [:]
    private var commitments: [LedgerHash: [LedgerView.CommitmentView]] = [:]
    private var evidence: [LedgerHash: LedgerView.EntryReference] = [:]
    private var publications: [LedgerHash: LedgerView.EntryReference] = [:]
    private var aborts: [LedgerHash: LedgerView.AbortView] = [:]
    private var lines: [LedgerView.EntryLine] = []
    /// Every member ever added, by name (the state keeps only current ones).
    private var knownMembers: [String: Member] = [:]

    /// - Parameter window: The entries to list in ``LedgerView/entries``.
    init(window: Range<UInt64>) {
        self.window = window
    }

    /// Takes in a chunk the replay has just verified, and the replay after it.
    func observe(_ chunk: [StoredEntry], replay: LogReplay) throws {
        for stored in chunk {
            let entry = try SignedEntry.decode(stored.bytes, at: stored.index).entry
            let index = stored.index
            let reference = LedgerView.EntryReference(entry: index, timestamp: entry.timestamp, author: entry.author)
            if window.contains(index) {
                lines.append(.init(index: index, kind: entry.kind.name, author: entry.author, timestamp: entry.timestamp, summary: entry.summary))
            }
            switch entry.payload {
            case .genesis(let genesis):
                for member in genesis.members {
                    added[member.name] = reference
                    knownMembers[member.name] = member
                }
            case .memberAdded(let change):
                added[change.member.name] = reference
                knownMembers[change.member.name] = change.member
            case .memberRemoved(let change):
                // The replayed state no longer holds a removed member; the builder's record does.
                if let member = knownMembers[change.name], let since = added[change.name] {
                    former.append(Self.memberView(member, added: since, removed: reference))
                }
                added[change.name] = nil
            case .contractRolesChanged(let change):
                knownMembers[change.member]?.contractRoles = change.contractRoles
            case .keyCeremony(let ceremony):
                ceremonies.append((ceremony.ceremonyID, ceremony, reference))
            case .contractProposed(let proposal):
                proposals[proposal.versionID] = (proposal.source, reference)
            case .contractApproved(let versionID):
                approvals[versionID, default: []].append(.init(member: entry.author, approved: reference))
            case .contractActivated(let versionID):
                activations[versionID] = reference
            case .contractRevoked(let revocation):
                revocations[revocation.versionID] = .init(
                    revoked: reference, reason: revocation.reason, endorsers: revocation.endorsements.map(\.signer))
            case .runStarted(let start):
                starts[start.runID] = reference
            case .inputCommitted(let commitment):
                commitments[commitment.runID, default: []].append(
                    .init(member: entry.author, commitment: commitment.commitment.hex, committed: reference))
            case .decryptionEvidence(let record):
                evidence[record.runID] = reference
            case .resultPublished(let result):
                publications[result.runID] = reference
            case .runAborted(let abort):
                aborts[abort.runID] = .init(aborted: reference, reason: abort.reason)
            }
        }
        state = replay.state
        evaluated = replay.evaluated
    }

    /// The view of the whole verified log.
    func view(ledger: String, entryCount: UInt64, rootHash: LedgerHash) -> LedgerView {
        let current = state.members.values.sorted { $0.name < $1.name }.compactMap { member in
            added[member.name].map { Self.memberView(member, added: $0, removed: nil) }
        }
        let runs = state.runs.values.sorted { $0.startedAt < $1.startedAt }
        let contracts = state.contracts.values.sorted { $0.proposedAt < $1.proposedAt }
        return LedgerView(
            ledger: ledger, verified: true, consortium: state.consortium, logID: state.logID?.hex ?? "",
            entryCount: entryCount, rootHash: rootHash.hex, quorum: state.quorum,
            members: current + former.sorted { $0.name < $1.name },
            keyCeremonies: ceremonies.map { item in
                LedgerView.KeyCeremonyView(
                    ceremonyID: item.id.hex, scheme: item.ceremony.scheme, holders: item.ceremony.verificationKeys.count,
                    publicKeyBytes: item.ceremony.publicKey.count, publicKeyFingerprint: LedgerHash.sha256(item.ceremony.publicKey).hex,
                    recorded: item.recorded, runs: runs.filter { $0.keyCeremony == item.id }.map(\.runID.hex))
            },
            contracts: contracts.compactMap { version in contractView(version, runs: runs, all: contracts) },
            runs: runs.compactMap(runView),
            checkpoints: evaluated.map { item in
                LedgerView.CheckpointView(
                    size: item.checkpoint.checkpoint.size, root: item.checkpoint.checkpoint.root.hex,
                    sequencer: item.checkpoint.sequencer, cosigners: item.checkpoint.cosignatures.map(\.signer),
                    quorum: item.quorum, isFinal: item.cosigners >= item.quorum)
            },
            latestFinalCheckpoint: evaluated.last { $0.cosigners >= $0.quorum }?.checkpoint.checkpoint.size,
            entries: lines)
    }

    private func contractView(
        _ version: ConsortiumState.ContractVersion, runs: [ConsortiumState.Run], all: [ConsortiumState.ContractVersion]
    ) -> LedgerView.ContractView? {
        guard let proposal = proposals[version.versionID] else { return nil }
        let text = String(decoding: proposal.source, as: UTF8.self)
        let successor = all.first { $0.predecessor == version.versionID && $0.activatedAt != nil }
        return LedgerView.ContractView(
            name: version.name, version: Self.declaredVersion(text, name: version.name), versionID: version.versionID.hex,
            status: version.status.rawValue, proposed: proposal.proposed, approvals: approvals[version.versionID] ?? [],
            activated: activations[version.versionID], revocation: revocations[version.versionID],
            predecessor: version.predecessor?.hex,
            supersededBy: version.status == .superseded ? successor?.versionID.hex : nil,
            source: text, sourceBytes: proposal.source.count,
            runs: runs.filter { $0.versionID == version.versionID }.map(\.runID.hex))
    }

    private func runView(_ run: ConsortiumState.Run) -> LedgerView.RunView? {
        guard let started = starts[run.runID] else { return nil }
        let result = run.result.flatMap { result -> LedgerView.ResultView? in
            guard let published = publications[run.runID] else { return nil }
            let text = String(validating: result.revealedValues, as: UTF8.self)
            return LedgerView.ResultView(
                published: published, resultHash: result.resultHash.hex, revealedHash: result.revealedHash.hex,
                transcriptHash: result.transcriptHash.hex, revealedValues: text,
                revealedValuesHex: text == nil ? hexEncode(result.revealedValues) : nil,
                contributors: result.contributors, signers: result.endorsements.map(\.signer), viewRecipients: result.recipientMap)
        }
        return LedgerView.RunView(
            runID: run.runID.hex, versionID: run.versionID.hex, contract: state.contracts[run.versionID]?.name ?? "",
            circuitHash: run.circuitHash.hex, protocolName: run.protocolName, keyCeremony: run.keyCeremony?.hex,
            participants: run.participants, started: started, status: run.status.rawValue,
            commitments: commitments[run.runID] ?? [], decryptionEvidence: evidence[run.runID], decryptionCheck: nil, result: result,
            abort: run.status == .aborted ? aborts[run.runID] : nil)
    }

    private static func memberView(
        _ member: Member, added: LedgerView.EntryReference, removed: LedgerView.EntryReference?
    ) -> LedgerView.MemberView {
        let key = member.publicKey.rawRepresentation
        return LedgerView.MemberView(
            name: member.name, roles: member.roles.names, contractRoles: member.contractRoles, publicKey: hexEncode(key),
            keyFingerprint: LedgerHash.sha256(Array(key)).hex, added: added, removed: removed)
    }

    /// `N` of a source that opens with `contract NAME version N`, the contract language's header;
    /// nil otherwise (the ledger does not parse contracts).
    static func declaredVersion(_ source: String, name: String) -> Int64? {
        let words = source.prefix(4096).split(whereSeparator: \.isWhitespace).prefix(4)
        guard words.count == 4, words[0] == "contract", words[1] == name, words[2] == "version" else { return nil }
        return Int64(words[3])
    }
}
