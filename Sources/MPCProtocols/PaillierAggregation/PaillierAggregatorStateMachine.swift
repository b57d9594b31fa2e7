import CryptoPrimitives
import MultiPrecision
import PaillierEncryption

/// The aggregator role of threshold-Paillier aggregation: collects commitments, then the
/// ciphertexts that open them, multiplies them into the aggregate, asks every key holder for
/// decryption shares and combines the first `t` that verify.
///
/// Each key holder sends one batch of decryption shares (one per chunk) with one batch proof;
/// batches are verified when they are combined (`ThresholdPublicKey.combine` checks each proof):
/// a batch that fails names its key holder, which is excluded (listed in
/// ``PaillierAggregationResult/faultyKeyHolders``); the aggregator then uses another holder's
/// shares, and aborts with ``AbortReason/insufficientDecryptionShares(valid:needed:faulty:)`` if
/// fewer than `t` valid ones remain after the deadline.
/// Spec: protocols/paillier-aggregation.md#aggregator; [DJ01 §4.1].
public struct PaillierAggregatorStateMachine: ProtocolStateMachine {
    /// The message type.
    public typealias Message = PaillierAggregationMessage
    /// The result.
    public typealias Output = PaillierAggregationResult
    /// An action.
    public typealias Action = ProtocolAction<PaillierAggregationMessage, PaillierAggregationResult>

    /// The session parameters.
    public let configuration: PaillierAggregationConfiguration
    private var round: UInt8 = 1
    private var started = false
    private var finished = false
    private var dropped = Set<PartyID>()
    private var expected: [PartyID]

    private var commitments: [PartyID: [UInt8]] = [:]
    private var committed: [PartyID] = []
    private var revealedFrom = Set<PartyID>()
    private var aggregate: [Paillier.Ciphertext] = []
    private var contributors: [PartyID] = []
    /// Decryption shares by key holder, in arrival order.
    private var shareArrivals: [PartyID] = []
    private var decryptionShares: [PartyID: Paillier.BatchDecryptionShare] = [:]
    private var faulty = Set<PartyID>()
    private var decryptors: [PartyID] = []
    /// Every revealed member's ciphertexts, kept for the evidence.
    private var contributionsFrom: [PartyID: PaillierAggregationEvidence.Contribution] = [:]

    /// After the output: the contributors' ciphertexts and the combined batches, with which
    /// anyone can re-check the result (``PaillierAggregationEvidence/verify(publicKey:)``).
    public private(set) var evidence: PaillierAggregationEvidence?

    /// The aggregator's machine (it draws no randomness).
    /// - Parameter configuration: The session parameters.
    public init(configuration: PaillierAggregationConfiguration) {
        self.configuration = configuration
        self.expected = configuration.members
    }

    /// The aggregator's id.
    public var party: PartyID { configuration.aggregator }
    /// 1 (commitments), 2 (ciphertexts), 3 (decryption shares).
    public var currentRound: UInt8 { round }
    /// Whether it has output or aborted.
    public var isFinished: Bool { finished }

    /// Starts collecting commitments; sends nothing.
    /// - Returns: No actions.
    /// - Throws: ``MPCProtocolError/alreadyStarted``.
    public mutating func start() throws -> [Action] {
        guard !started else { throw MPCProtocolError.alreadyStarted }
        started = true
        return []
    }

    /// Handles a commitment, a reveal or decryption shares.
    /// - Parameters:
    ///   - message: The decoded message.
    ///   - from: The transport's sender.
    /// - Returns: The next round's messages, or the output and result.
    /// - Throws: `notStarted`, `sessionFinished`, `unknownParty`, `senderMismatch`,
    ///   `wrongSession`, `unexpectedMessage`, `duplicateMessage`, `lengthMismatch`,
    ///   `commitmentMismatch`, `invalidCiphertext`, `decryptionShareIndexMismatch`.
    ///   State is unchanged.
    public mutating func receive(_ message: PaillierAggregationMessage, from: PartyID) throws -> [Action] {
        try admitToRound(
            started: started, finished: finished, sessionID: configuration.sessionID,
            header: (message.sessionID, message.sender), from: from, known: configuration.isMember,
            messageRound: message.round, round: round, expected: expected, dropped: dropped)
        let key = configuration.publicKey.publicKey
        switch message.payload {
        case let .commitment(commitment):
            guard commitments[from] == nil else { throw MPCProtocolError.duplicateMessage(from: from, round: 1) }
            commitments[from] = commitment
        case let .ciphertexts(nonce, received):
            guard !revealedFrom.contains(from) else { throw MPCProtocolError.duplicateMessage(from: from, round: 2) }
            // Valid ciphertexts, each with a plaintext-knowledge proof for this sender and session
            // (no copied, rerandomised or replayed input), signed by the member when keys are known.
            let contribution = PaillierAggregationEvidence.Contribution(
                party: from, ciphertexts: received.ciphertexts, proofs: received.proofs, signature: received.signature)
            let ciphertexts = try contribution.validated(
                sessionID: configuration.sessionID, key: key, chunks: configuration.chunkCount,
                signatureKey: configuration.signatureKeys?[from])
            // Round 2 admits only `committed` members, so the commitment exists.
            guard HashCommitment.verify(
                commitments[from]!, opens: configuration.committedBytes(sender: from, ciphertexts: ciphertexts), nonce: nonce)
            else { throw MPCProtocolError.commitmentMismatch(from: from) }
            contributionsFrom[from] = contribution
            if aggregate.isEmpty {
                aggregate = ciphertexts
            } else {
                for i in aggregate.indices { key.accumulate(&aggregate[i], ciphertexts[i]) }
            }
            revealedFrom.insert(from)
        case let .decryptionShares(batch):
            guard decryptionShares[from] == nil, !faulty.contains(from) else {
                throw MPCProtocolError.duplicateMessage(from: from, round: 3)
            }
            guard batch.values.count == configuration.chunkCount else {
                throw MPCProtocolError.lengthMismatch(from: from, expected: configuration.chunkCount, actual: batch.values.count)
            }
            guard batch.index == Int(from.rawValue) else {
                throw MPCProtocolError.decryptionShareIndexMismatch(from: from)
            }
            decryptionShares[from] = batch
            shareArrivals.append(from)
            return try combineIfPossible()
        default:
            throw MPCProtocolError.unexpectedMessage(from: from, round: message.round)
        }
        return closeRoundIfComplete()
    }

    /// Declares `dropped` gone in the current round and closes it if nobody else is awaited.
    /// - Parameters:
    ///   - round: The round whose deadline passed (ignored unless current).
    ///   - dropped: Parties declared dropped.
    /// - Returns: The next round's messages or an abort.
    /// - Throws: `notStarted` or `sessionFinished`.
    public mutating func timeout(round: UInt8, dropped newlyDropped: Set<PartyID>) throws -> [Action] {
        guard started else { throw MPCProtocolError.notStarted }
        guard !finished else { throw MPCProtocolError.sessionFinished }
        guard round == self.round else { return [] }
        dropped.formUnion(newlyDropped.intersection(Set(expected.filter { !hasSent($0) })))
        if round == 3 {
            let awaited = expected.filter { !hasSent($0) && !dropped.contains($0) }
            guard awaited.isEmpty else { return [] }
            finished = true
            let valid = shareArrivals.filter { !faulty.contains($0) }.count
            return [.abort(.insufficientDecryptionShares(
                valid: valid, needed: configuration.publicKey.threshold, faulty: faulty.sorted()))]
        }
        return closeRoundIfComplete()
    }

    private func hasSent(_ party: PartyID) -> Bool {
        switch round {
        case 1: commitments[party] != nil
        case 2: revealedFrom.contains(party)
        default: decryptionShares[party] != nil || faulty.contains(party)
        }
    }

    private mutating func closeRoundIfComplete() -> [Action] {
        guard round < 3, expected.allSatisfy({ hasSent($0) || dropped.contains($0) }) else { return [] }
        let survivors = expected.filter(hasSent)
        guard survivors.count >= configuration.minimumContributors else {
            finished = true
            return [.abort(.tooFewSurvivors(round: round, survivors: survivors.count, threshold: configuration.minimumContributors))]
        }
        if round == 1 {
            committed = survivors
            round = 2
            expected = committed
            return [.broadcast(to: committed, message: message(.revealRequest(committed: committed)))]
        }
        contributors = survivors
        round = 3
        expected = configuration.keyHolders.filter { !dropped.contains($0) }
        // The contributions themselves, not their product: each key holder checks and multiplies
        // them, so it never decrypts anything but the signed contributions' sum.
        let request = message(.decryptionRequest(contributions: contributors.map { contributionsFrom[$0]! }))
        return [.broadcast(to: expected, message: request)]
    }

    /// Combines every chunk with the first `t` non-faulty key holders (by arrival); a batch whose
    /// proof fails marks its holder faulty and combination is tried with another selection.
    private mutating func combineIfPossible() throws -> [Action] {
        let t = configuration.publicKey.threshold
        var plaintexts: [BigInt] = []
        while plaintexts.isEmpty {
            let candidates = shareArrivals.filter { !faulty.contains($0) }
            guard candidates.count >= t else {
                // Nobody else is awaited: no valid set can form.
                guard expected.allSatisfy({ hasSent($0) || dropped.contains($0) }) else { return [] }
                finished = true
                return [.abort(.insufficientDecryptionShares(valid: candidates.count, needed: t, faulty: faulty.sorted()))]
            }
            // Every arrival not marked faulty still has its batch (a faulty one's is removed).
            let selection = Array(candidates.prefix(t))
            do {
                plaintexts = try configuration.publicKey.combine(selection.map { decryptionShares[$0]! }, for: aggregate)
                decryptors = selection.sorted()
            } catch let PaillierError.invalidDecryptionShare(index) {
                let culprit = PartyID(UInt32(index))
                faulty.insert(culprit)
                decryptionShares[culprit] = nil
            } catch {
                throw MPCProtocolError.paillier(error)
            }
        }
        finished = true
        let sum = configuration.layout.unpackSum(plaintexts, vectorLength: configuration.vectorLength, contributors: contributors.count)
        // Contributors are round 2's senders, decryptors a selection of stored batches.
        evidence = PaillierAggregationEvidence(
            sessionID: configuration.sessionID, vectorLength: configuration.vectorLength, memberCount: configuration.memberCount,
            contributions: contributors.map { contributionsFrom[$0]! },
            decryptions: decryptors.map { decryptionShares[$0]! })
        let result = PaillierAggregationResult(
            sum: sum, contributors: contributors, decryptors: decryptors, faultyKeyHolders: faulty.sorted())
        let recipients = configuration.members.filter { !dropped.contains($0) }
        return [.broadcast(to: recipients, message: message(.result(result))), .output(result)]
    }

    private func message(_ payload: PaillierAggregationMessage.Payload) -> PaillierAggregationMessage {
        PaillierAggregationMessage(sessionID: configuration.sessionID, sender: configuration.aggregator, payload: payload)
    }
}
