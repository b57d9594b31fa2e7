public import CryptoPrimitives

/// A sample contract lifecycle for demonstrations (`covenant ledger init --sample`) and
/// benchmarks: a proposal, quorum approvals, activation, a run with input commitments and a
/// result signed by its participants. Every entry goes through the ordinary rules.
public enum LedgerSample: Sendable {
    /// Appends the sample lifecycle, authored by the members whose keys are given.
    /// - Parameters:
    ///   - ledger: A ledger whose state has at least `quorum` voting members in `keys`.
    ///   - keys: Private keys by member name.
    /// - Returns: The run id.
    /// - Throws: A ``LedgerError`` if the members lack the roles the sample needs.
    @discardableResult
    public static func populate(_ ledger: Ledger, keys: [String: Ed25519.PrivateKey]) throws -> LedgerHash {
        let members = ledger.state.members.values.filter { keys[$0.name] != nil }.sorted { $0.name < $1.name }
        let voters = members.filter { $0.roles.contains(.voting) }
        let participants = members.filter { $0.roles.contains(.participant) }
        guard let proposer = members.first, voters.count >= ledger.state.quorum, !participants.isEmpty else {
            throw LedgerError(.missingRole, "the sample needs \(ledger.state.quorum) voting members and a participant with keys")
        }
        let source = Array("contract sample_count version 1 { input t(x: int) compute { n = count() } reveal n to all }".utf8)
        let versionID = LedgerHash.sha256(source + Array(ledger.logID.bytes))
        func key(_ member: Member) -> Ed25519.PrivateKey { keys[member.name]! }
        try ledger.append(.contractProposed(ContractProposal(versionID: versionID, name: "sample_count", source: source)), author: proposer.name, key: key(proposer))
        for voter in voters.prefix(ledger.state.quorum) {
            try ledger.append(.contractApproved(versionID: versionID), author: voter.name, key: key(voter))
        }
        try ledger.append(.contractActivated(versionID: versionID), author: proposer.name, key: key(proposer))
        let runID = LedgerHash.sha256(Array(versionID.bytes) + Array("run".utf8) + Array(ledger.rootHash.bytes))
        let start = RunStart(runID: runID, versionID: versionID, circuitHash: LedgerHash.sha256(Array("circuit".utf8)),
                             protocolName: "additive", participants: participants.map(\.name))
        try ledger.append(.runStarted(start), author: participants[0].name, key: key(participants[0]))
        for participant in participants {
            let commitment = LedgerHash.sha256(Array("input of \(participant.name)".utf8) + runID.bytes)
            try ledger.append(.inputCommitted(InputCommitment(runID: runID, commitment: commitment)), author: participant.name, key: key(participant))
        }
        var result = ResultPublication(
            runID: runID, resultHash: LedgerHash.sha256(Array("n=42".utf8) + runID.bytes), revealedValues: Array("n=42".utf8),
            transcriptHash: LedgerHash.sha256(Array("transcript".utf8) + runID.bytes))
        let next = ledger.nextEntry(.resultPublished(result), author: participants[0].name)
        result.endorsements = participants.map { next.endorsement(by: $0.name, key: key($0)) }
        try ledger.append(.resultPublished(result), author: participants[0].name, key: key(participants[0]), timestamp: next.timestamp)
        return runID
    }

    /// Signs a checkpoint of the whole log with the first sequencer in `keys` and cosigns it with
    /// every voting member in `keys`.
    /// - Parameters:
    ///   - ledger: The ledger.
    ///   - keys: Private keys by member name.
    /// - Returns: The cosigned checkpoint.
    /// - Throws: `missingRole` if no sequencer key is given.
    @discardableResult
    public static func checkpoint(_ ledger: Ledger, keys: [String: Ed25519.PrivateKey]) throws -> SignedCheckpoint {
        let members = ledger.state.members.values.filter { keys[$0.name] != nil }.sorted { $0.name < $1.name }
        guard let sequencer = members.first(where: { $0.roles.contains(.sequencer) }) else {
            throw LedgerError(.missingRole, "no sequencer key is available to sign a checkpoint")
        }
        var checkpoint = try ledger.signCheckpoint(as: sequencer.name, key: keys[sequencer.name]!)
        for voter in members where voter.roles.contains(.voting) {
            checkpoint = try ledger.addCosignature(try ledger.cosign(checkpoint, as: voter.name, key: keys[voter.name]!), to: checkpoint)
        }
        return checkpoint
    }
}
