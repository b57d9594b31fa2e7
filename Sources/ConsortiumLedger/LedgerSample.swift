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
        let held = holders(ledger, keys)
        let members = held.map(\.member)
        let voters = members.filter { $0.roles.contains(.voting) }
        let participants = members.filter { $0.roles.contains(.participant) }
        guard let proposer = members.first, voters.count >= ledger.state.quorum, !participants.isEmpty else {
            throw LedgerError(.missingRole, "the sample needs \(ledger.state.quorum) voting members and a participant with keys")
        }
        let source = Array("contract sample_count version 1 { input t(x: int) compute { n = count() } reveal n to all }".utf8)
        let versionID = LedgerHash.sha256(source + Array(ledger.logID.bytes))
        let keyByName = Dictionary(held.map { ($0.member.name, $0.key) }, uniquingKeysWith: { first, _ in first })
        func key(_ member: Member) throws -> Ed25519.PrivateKey {
            guard let key = keyByName[member.name] else { throw LedgerError(.missingRole, "no key for \(member.name)") }
            return key
        }
        try ledger.append(.contractProposed(ContractProposal(versionID: versionID, name: "sample_count", source: source)), author: proposer.name, key: try key(proposer))
        for voter in voters.prefix(ledger.state.quorum) {
            try ledger.append(.contractApproved(versionID: versionID), author: voter.name, key: try key(voter))
        }
        try ledger.append(.contractActivated(versionID: versionID), author: proposer.name, key: try key(proposer))
        let runID = LedgerHash.sha256(Array(versionID.bytes) + Array("run".utf8) + Array(ledger.rootHash.bytes))
        let start = RunStart(runID: runID, versionID: versionID, circuitHash: LedgerHash.sha256(Array("circuit".utf8)),
                             protocolName: "additive", participants: participants.map(\.name))
        try ledger.append(.runStarted(start), author: participants[0].name, key: try key(participants[0]))
        for participant in participants {
            let commitment = LedgerHash.sha256(Array("input of \(participant.name)".utf8) + runID.bytes)
            try ledger.append(.inputCommitted(InputCommitment(runID: runID, commitment: commitment)), author: participant.name, key: try key(participant))
        }
        var result = ResultPublication(
            runID: runID, resultHash: LedgerHash.sha256(Array("n=42".utf8) + runID.bytes), revealedValues: Array("n=42".utf8),
            transcriptHash: LedgerHash.sha256(Array("transcript".utf8) + runID.bytes), contributors: participants.map(\.name))
        let next = ledger.nextEntry(.resultPublished(result), author: participants[0].name)
        result.endorsements = try participants.map { next.endorsement(by: $0.name, key: try key($0)) }
        try ledger.append(.resultPublished(result), author: participants[0].name, key: try key(participants[0]), timestamp: next.timestamp)
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
        let held = holders(ledger, keys)
        guard let sequencer = held.first(where: { $0.member.roles.contains(.sequencer) }) else {
            throw LedgerError(.missingRole, "no sequencer key is available to sign a checkpoint")
        }
        var checkpoint = try ledger.signCheckpoint(as: sequencer.member.name, key: sequencer.key)
        for voter in held where voter.member.roles.contains(.voting) {
            checkpoint = try ledger.addCosignature(try ledger.cosign(checkpoint, as: voter.member.name, key: voter.key), to: checkpoint)
        }
        return checkpoint
    }

    /// The current members whose keys are given, by name.
    private static func holders(_ ledger: Ledger, _ keys: [String: Ed25519.PrivateKey]) -> [(member: Member, key: Ed25519.PrivateKey)] {
        ledger.state.members.values
            .compactMap { member in keys[member.name].map { (member: member, key: $0) } }
            .sorted { $0.member.name < $1.member.name }
    }
}
