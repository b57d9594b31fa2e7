public import CryptoPrimitives
import MultiPrecision
public import PaillierEncryption

/// A member of threshold-Paillier aggregation: it contributes a packed encryption of its vector
/// (commit, then reveal), and, if it holds a key share, produces decryption shares with proofs.
///
/// Round 1: `Enc_packed(x_u)` under the session key, committed with ``HashCommitment``
/// (the runtime may record the commitment on the ledger before anyone reveals).
/// Round 2: on the aggregator's list of committed members, the ciphertexts and the opening nonce.
/// Round 3 (key holders): on a decryption request for the aggregate of at least
/// ``PaillierAggregationConfiguration/minimumContributors`` members, one
/// `Paillier.DecryptionShare` (with its Chaum–Pedersen proof) per chunk. Then the result.
///
/// Spec: protocols/paillier-aggregation.md; [DJ01 §4], [Sho00].
/// - Warning: a key holder decrypts the aggregate it is sent; it checks the contributor count,
///   not that the aggregate is the product of the committed ciphertexts (the runtime or an
///   auditor checks that against the ledger). See the spec's threat model.
public struct PaillierMemberStateMachine: ProtocolStateMachine {
    /// The message type.
    public typealias Message = PaillierAggregationMessage
    /// The result.
    public typealias Output = PaillierAggregationResult
    /// An action.
    public typealias Action = ProtocolAction<PaillierAggregationMessage, PaillierAggregationResult>

    /// The session parameters.
    public let configuration: PaillierAggregationConfiguration
    /// This member.
    public let party: PartyID
    private let keyShare: Paillier.KeyShare?
    private var input: [UInt64]
    private var randomness: MachineRandomness
    private var started = false
    private var finished = false
    private var revealHandled = false
    private var decryptionHandled = false
    private var ciphertexts: [Paillier.Ciphertext] = []
    private var proofs: [Paillier.PlaintextKnowledgeProof] = []
    private let signingKey: Ed25519.PrivateKey?
    private var nonce: [UInt8] = []

    /// A member's machine.
    /// - Parameters:
    ///   - configuration: The session parameters.
    ///   - party: This member, in `1…n`.
    ///   - input: Its vector (`L` values).
    ///   - keyShare: Its key share (index = its party id), if it is a key holder.
    ///   - signingKey: Its Ed25519 key, required when the configuration has signature keys.
    ///   - rng: Randomness for encryption, commitment nonce and proofs (``SecureRandomGenerator`` in production).
    /// - Throws: ``MPCProtocolError/invalidConfiguration(_:)``,
    ///   ``MPCProtocolError/inputLengthMismatch(expected:actual:)``.
    public init(
        configuration: PaillierAggregationConfiguration, party: PartyID, input: [UInt64], keyShare: Paillier.KeyShare?,
        signingKey: Ed25519.PrivateKey? = nil, using rng: inout some RandomNumberGenerator
    ) throws {
        guard configuration.isMember(party) else {
            throw MPCProtocolError.invalidConfiguration("the party is not a member of the session")
        }
        guard input.count == configuration.vectorLength else {
            throw MPCProtocolError.inputLengthMismatch(expected: configuration.vectorLength, actual: input.count)
        }
        if let keyShare {
            guard keyShare.index == Int(party.rawValue), configuration.isKeyHolder(party) else {
                throw MPCProtocolError.invalidConfiguration("a key share's index must be its holder's party id")
            }
        }
        if let keys = configuration.signatureKeys {
            guard let signingKey, signingKey.publicKey == keys[party] else {
                throw MPCProtocolError.invalidConfiguration("a member of a signed session needs its own signing key")
            }
        }
        self.signingKey = signingKey
        self.configuration = configuration
        self.party = party
        self.input = input
        self.keyShare = keyShare
        self.randomness = MachineRandomness(using: &rng)
    }

    /// 1 until the reveal request, 2 until the decryption request (key holders), then 3.
    public var currentRound: UInt8 {
        if !revealHandled { return 1 }
        if keyShare != nil && !decryptionHandled { return 2 }
        return 3
    }

    /// Whether it has output or aborted.
    public var isFinished: Bool { finished }

    /// Round 1: encrypts the packed vector and sends the commitment.
    /// - Returns: One send.
    /// - Throws: ``MPCProtocolError/alreadyStarted`` or ``MPCProtocolError/paillier(_:)``.
    public mutating func start() throws -> [Action] {
        guard !started else { throw MPCProtocolError.alreadyStarted }
        let packed: Paillier.PackedCiphertext
        do {
            (packed, proofs) = try configuration.publicKey.publicKey.encryptPacked(
                input.map(Paillier.PackingLayout.offset), layout: configuration.layout,
                proving: PaillierAggregationConfiguration.proofContext(sessionID: configuration.sessionID, sender: party),
                using: &randomness.generator)
        } catch {
            throw MPCProtocolError.paillier(error)
        }
        ciphertexts = packed.ciphertexts
        input = []
        let committed = configuration.committedBytes(sender: party, ciphertexts: ciphertexts)
        let (commitment, nonce) = HashCommitment.commit(to: committed, using: &randomness.generator)
        self.nonce = nonce
        started = true
        return [.send(to: configuration.aggregator, message: outgoing(.commitment(commitment)))]
    }

    /// Handles a reveal request, a decryption request (key holders) or the result.
    /// - Parameters:
    ///   - message: The decoded message.
    ///   - from: The transport's sender (must be the aggregator).
    /// - Returns: The reveal, the decryption shares, or the output.
    /// - Throws: `notStarted`, `sessionFinished`, `unknownParty`, `senderMismatch`,
    ///   `wrongSession`, `unexpectedMessage`, `duplicateMessage`, `malformedMessage`,
    ///   `lengthMismatch`, `invalidCiphertext`. State is unchanged.
    public mutating func receive(_ message: PaillierAggregationMessage, from: PartyID) throws -> [Action] {
        guard started else { throw MPCProtocolError.notStarted }
        guard !finished else { throw MPCProtocolError.sessionFinished }
        try checkEnvelope(
            sessionID: configuration.sessionID, header: (message.sessionID, message.sender), from: from,
            known: { $0 == configuration.aggregator })
        switch message.payload {
        case let .revealRequest(committed):
            guard !revealHandled else { throw MPCProtocolError.duplicateMessage(from: from, round: 1) }
            guard committed.allSatisfy(configuration.isMember), committed.count >= configuration.minimumContributors else {
                throw MPCProtocolError.malformedMessage(from: from, reason: "the committed list is too short or names non-members")
            }
            revealHandled = true
            guard committed.contains(party) else { return [] }
            let values = ciphertexts.map(\.value)
            let signature = signingKey.map {
                $0.signature(for: PaillierAggregationEvidence.Contribution.signedBytes(
                    sessionID: configuration.sessionID, party: party, ciphertexts: values, proofs: proofs))
            } ?? []
            let reveal = outgoing(.ciphertexts(
                nonce: nonce, contribution: .init(party: party, ciphertexts: values, proofs: proofs, signature: signature)))
            ciphertexts = []
            proofs = []
            nonce = []
            return [.send(to: configuration.aggregator, message: reveal)]
        case let .decryptionRequest(contributions):
            guard let keyShare else { throw MPCProtocolError.unexpectedMessage(from: from, round: 2) }
            guard !decryptionHandled else { throw MPCProtocolError.duplicateMessage(from: from, round: 2) }
            guard contributions.count >= configuration.minimumContributors,
                contributions.map(\.party) == contributions.map(\.party).sorted()
            else {
                throw MPCProtocolError.malformedMessage(from: from, reason: "refusing to decrypt an aggregate of too few members")
            }
            // The aggregate of distinct members' valid, proved and signed contributions, computed
            // here: the aggregator cannot have anything else decrypted (one member's ciphertext,
            // or ciphertexts of its own in members' names).
            let key = configuration.publicKey
            let ciphertexts = try PaillierAggregationEvidence.aggregate(
                of: contributions, sessionID: configuration.sessionID, key: key.publicKey, chunks: configuration.chunkCount,
                memberCount: configuration.memberCount, signatureKeys: configuration.signatureKeys)
            let batch: Paillier.BatchDecryptionShare
            do { batch = try keyShare.decryptionShares(for: ciphertexts, key: key, using: &randomness.generator) } catch {
                throw MPCProtocolError.paillier(error)
            }
            decryptionHandled = true
            return [.send(to: configuration.aggregator, message: outgoing(.decryptionShares(batch)))]
        case let .result(result):
            guard result.sum.count == configuration.vectorLength else {
                throw MPCProtocolError.lengthMismatch(from: from, expected: configuration.vectorLength, actual: result.sum.count)
            }
            finished = true
            return [.output(result)]
        default:
            throw MPCProtocolError.unexpectedMessage(from: from, round: message.round)
        }
    }

    /// A member waits only on the aggregator: if it is declared dropped, the member aborts.
    /// - Parameters:
    ///   - round: The round whose deadline passed (ignored unless current).
    ///   - dropped: The parties declared dropped.
    /// - Returns: `[.abort(.aggregatorDropped)]` or nothing.
    /// - Throws: `notStarted` or `sessionFinished`.
    public mutating func timeout(round: UInt8, dropped: Set<PartyID>) throws -> [Action] {
        guard started else { throw MPCProtocolError.notStarted }
        guard !finished else { throw MPCProtocolError.sessionFinished }
        guard round == currentRound, dropped.contains(configuration.aggregator) else { return [] }
        finished = true
        return [.abort(.aggregatorDropped(round: round))]
    }

    private func outgoing(_ payload: PaillierAggregationMessage.Payload) -> PaillierAggregationMessage {
        PaillierAggregationMessage(sessionID: configuration.sessionID, sender: party, payload: payload)
    }
}
