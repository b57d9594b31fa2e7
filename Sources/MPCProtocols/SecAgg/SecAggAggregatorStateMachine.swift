import CryptoPrimitives
import MultiPrecision
import SecretSharing

/// The aggregator ("server") role of [BIK+17 §4, Fig. 4]: relays keys and encrypted shares,
/// sums masked inputs, and removes the masks from the shares revealed in Unmasking.
///
/// Each round closes when every member still expected has sent its message or been declared
/// dropped by ``timeout(round:dropped:)``; if fewer than `t` members remain, the session aborts
/// with ``AbortReason/tooFewSurvivors(round:survivors:threshold:)``. The sets are
/// `U1` (advertised keys), `U2` (sent shares), `U3` (sent masked inputs) and the responders of
/// Unmasking. The output is `Σ_{u ∈ U3} x_u`, sent to `U3` as well.
///
/// Its view is exactly what [BIK+17] allows: public keys, ciphertexts it cannot open, masked
/// inputs, and for each member either `t`+ shares of `b_u` (survivors) or of `s_u^SK` (dropped),
/// never both. Spec: protocols/secagg.md#aggregator.
public struct SecAggAggregatorStateMachine: ProtocolStateMachine {
    /// The message type.
    public typealias Message = SecAggMessage
    /// The result.
    public typealias Output = SecAggResult
    /// An action.
    public typealias Action = ProtocolAction<SecAggMessage, SecAggResult>

    /// The session parameters.
    public let configuration: SecAggConfiguration
    private var round: UInt8 = 0
    private var started = false
    private var finished = false
    /// Declared dropped so far (never un-dropped).
    private var dropped = Set<PartyID>()
    /// Who is expected in the current round (the previous round's set).
    private var expected: [PartyID]

    private var keys: [PartyID: SecAggAdvertisedKeys] = [:]
    private var u1: [PartyID] = []
    private var shares: [PartyID: [SecAggEncryptedShare]] = [:]
    private var u2: [PartyID] = []
    private var maskedSum: [UInt64]
    private var maskedFrom = Set<PartyID>()
    private var u3: [PartyID] = []
    private var revealed: [PartyID: (seeds: [SecAggRevealedShare], keys: [SecAggRevealedShare])] = [:]

    /// The aggregator's machine (it needs no randomness: it draws nothing secret).
    /// - Parameter configuration: The session parameters.
    public init(configuration: SecAggConfiguration) {
        self.configuration = configuration
        self.expected = configuration.members
        self.maskedSum = [UInt64](repeating: 0, count: configuration.vectorLength)
    }

    /// The aggregator's id.
    public var party: PartyID { configuration.aggregator }
    /// The round being collected (0…3).
    public var currentRound: UInt8 { round }
    /// Whether it has output or aborted.
    public var isFinished: Bool { finished }

    /// Starts collecting round 0; sends nothing.
    /// - Returns: No actions.
    /// - Throws: ``MPCProtocolError/alreadyStarted``.
    public mutating func start() throws -> [Action] {
        guard !started else { throw MPCProtocolError.alreadyStarted }
        started = true
        return []
    }

    /// Handles a member's message of the current round.
    /// - Parameters:
    ///   - message: The decoded message.
    ///   - from: The transport's sender (a member).
    /// - Returns: The next round's messages when this one closes, or output and result.
    /// - Throws: `notStarted`, `sessionFinished`, `unknownParty`, `senderMismatch`,
    ///   `wrongSession`, `unexpectedMessage` (wrong round, aggregator payload, or a member not
    ///   expected in this round — e.g. declared dropped), `duplicateMessage`, `lengthMismatch`,
    ///   `malformedMessage`, `invalidSignature`, `duplicatePublicKey`. State is unchanged.
    public mutating func receive(_ message: SecAggMessage, from: PartyID) throws -> [Action] {
        try admitToRound(
            started: started, finished: finished, sessionID: configuration.sessionID,
            header: (message.sessionID, message.sender), from: from, known: configuration.isMember,
            messageRound: message.round, round: round, expected: expected, dropped: dropped)
        switch message.payload {
        case let .advertiseKeys(advertised):
            guard keys[from] == nil else { throw MPCProtocolError.duplicateMessage(from: from, round: 0) }
            guard advertised.party == from else {
                throw MPCProtocolError.malformedMessage(from: from, reason: "the advertised keys name another party")
            }
            if let verification = configuration.signatureKeys?[from] {
                let signed = SecAggCrypto.advertisement(
                    session: configuration.sessionID, party: from, encryptionKey: advertised.encryptionKey,
                    maskingKey: advertised.maskingKey)
                guard verification.isValidSignature(advertised.signature, for: signed) else {
                    throw MPCProtocolError.invalidSignature(from: from)
                }
            }
            let used = Set(keys.values.flatMap { [$0.encryptionKey.rawRepresentation, $0.maskingKey.rawRepresentation] })
            guard advertised.encryptionKey != advertised.maskingKey,
                  !used.contains(advertised.encryptionKey.rawRepresentation), !used.contains(advertised.maskingKey.rawRepresentation)
            else { throw MPCProtocolError.duplicatePublicKey(from: from) }
            keys[from] = advertised
        case let .encryptedShares(list):
            guard shares[from] == nil else { throw MPCProtocolError.duplicateMessage(from: from, round: 1) }
            guard list.map(\.peer) == u1.filter({ $0 != from }) else {
                throw MPCProtocolError.malformedMessage(from: from, reason: "shares must address exactly the other members of U1")
            }
            guard list.allSatisfy({ $0.box.ciphertext.count == SecAggCrypto.sharePlaintextCount }) else {
                throw MPCProtocolError.malformedMessage(from: from, reason: "an encrypted share has the wrong length")
            }
            shares[from] = list
        case let .maskedInput(values):
            guard !maskedFrom.contains(from) else { throw MPCProtocolError.duplicateMessage(from: from, round: 2) }
            guard values.count == configuration.vectorLength else {
                throw MPCProtocolError.lengthMismatch(from: from, expected: configuration.vectorLength, actual: values.count)
            }
            MaskExpansion.add(values, to: &maskedSum)
            maskedFrom.insert(from)
        case let .unmaskShares(seeds, keyShares):
            guard revealed[from] == nil else { throw MPCProtocolError.duplicateMessage(from: from, round: 3) }
            let droppedAfterShares = u2.filter { !maskedFrom.contains($0) }
            guard seeds.map(\.owner) == u3, keyShares.map(\.owner) == droppedAfterShares else {
                throw MPCProtocolError.malformedMessage(
                    from: from, reason: "unmasking must reveal b-shares for exactly U3 and key shares for exactly U2 ∖ U3")
            }
            revealed[from] = (seeds, keyShares)
        default:
            throw MPCProtocolError.unexpectedMessage(from: from, round: message.round)
        }
        return try closeRoundIfComplete()
    }

    /// Declares `dropped` gone in the current round; closes the round if every expected member
    /// has now sent or been declared dropped.
    /// - Parameters:
    ///   - round: The round whose deadline passed (ignored unless current).
    ///   - dropped: Members declared dropped.
    /// - Returns: The next round's messages, the output, or an abort.
    /// - Throws: `notStarted` or `sessionFinished`.
    public mutating func timeout(round: UInt8, dropped newlyDropped: Set<PartyID>) throws -> [Action] {
        guard started else { throw MPCProtocolError.notStarted }
        guard !finished else { throw MPCProtocolError.sessionFinished }
        guard round == self.round else { return [] }
        let pending = Set(expected.filter { !hasSent($0) })
        dropped.formUnion(newlyDropped.intersection(pending))
        return try closeRoundIfComplete()
    }

    private func hasSent(_ party: PartyID) -> Bool {
        switch round {
        case 0: keys[party] != nil
        case 1: shares[party] != nil
        case 2: maskedFrom.contains(party)
        default: revealed[party] != nil
        }
    }

    // The unwraps below read what each survivor sent in the round being closed (`hasSent`), or
    // keys of U2 ⊆ U1 members; unmasking responses were checked to list exactly U3 and U2 ∖ U3.
    private mutating func closeRoundIfComplete() throws -> [Action] {
        guard expected.allSatisfy({ hasSent($0) || dropped.contains($0) }) else { return [] }
        let survivors = expected.filter(hasSent)
        guard survivors.count >= configuration.threshold else {
            finished = true
            return [.abort(.tooFewSurvivors(round: round, survivors: survivors.count, threshold: configuration.threshold))]
        }
        switch round {
        case 0:
            u1 = survivors
            let list = u1.map { keys[$0]! }
            advance(to: 1, expecting: u1)
            return [.broadcast(to: u1, message: message(.keyList(list)))]
        case 1:
            u2 = survivors
            var bundles: [PartyID: [SecAggEncryptedShare]] = [:]
            for sender in u2 {
                for share in shares[sender]! where u2.contains(share.peer) {
                    bundles[share.peer, default: []].append(SecAggEncryptedShare(peer: sender, box: share.box))
                }
            }
            shares = [:]
            advance(to: 2, expecting: u2)
            return u2.map { .send(to: $0, message: message(.shareBundle(bundles[$0] ?? []))) }
        case 2:
            u3 = survivors
            advance(to: 3, expecting: u3)
            return [.broadcast(to: u3, message: message(.unmaskRequest(survivors: u3)))]
        default:
            finished = true
            guard let sum = try? unmask(responders: survivors) else {
                return [.abort(.reconstructionFailed(round: 3))]
            }
            let result = SecAggResult(sum: sum, contributors: u3)
            let recipients = u3.filter { !dropped.contains($0) }
            return [.broadcast(to: recipients, message: message(.result(result))), .output(result)]
        }
    }

    private mutating func advance(to next: UInt8, expecting parties: [PartyID]) {
        round = next
        expected = parties
    }

    /// `z = Σ_{u∈U3} y_u − Σ_{u∈U3} PRG(b_u) − Σ_{u∈U3, d∈U2∖U3} ±PRG(s_{u,d})`.
    private func unmask(responders: [PartyID]) throws -> [UInt64] {
        let t = configuration.threshold
        var sum = maskedSum
        let seedSharing = ShamirSharing(field: SecAggCrypto.seedField)
        let keySharing = ShamirSharing(field: SecAggCrypto.keyField)
        for index in u3.indices {
            let points = responders.map { ShamirShare(x: UInt64($0.rawValue), y: BigInt(bigEndianMagnitude: revealed[$0]!.seeds[index].value)) }
            guard try seedSharing.areConsistent(points, threshold: t) else { throw MPCProtocolError.sharing(.nonCanonicalElement) }
            let seed = try seedSharing.reconstruct(points, threshold: t)
            guard let bytes = seed.bigEndianMagnitude(count: 16) else { throw MPCProtocolError.sharing(.nonCanonicalElement) }
            try MaskExpansion.apply(seed: bytes, subtract: true, to: &sum)
        }
        let droppedAfterShares = u2.filter { !maskedFrom.contains($0) }
        for (index, gone) in droppedAfterShares.enumerated() {
            let points = responders.map { ShamirShare(x: UInt64($0.rawValue), y: BigInt(bigEndianMagnitude: revealed[$0]!.keys[index].value)) }
            guard try keySharing.areConsistent(points, threshold: t) else { throw MPCProtocolError.sharing(.nonCanonicalElement) }
            let secret = try keySharing.reconstruct(points, threshold: t)
            guard let raw = secret.bigEndianMagnitude(count: 32) else { throw MPCProtocolError.sharing(.nonCanonicalElement) }
            let key = try SecAggCrypto.wrap { try X25519.PrivateKey(rawRepresentation: raw) }
            // The reconstructed key must be the one the member advertised.
            guard key.publicKey == keys[gone]!.maskingKey else { throw MPCProtocolError.sharing(.nonCanonicalElement) }
            for survivor in u3 {
                let seed = try SecAggCrypto.pairwiseSeed(own: key, peer: keys[survivor]!.maskingKey, session: configuration.sessionID)
                // y_survivor holds +PRG(s) if survivor > gone, −PRG(s) otherwise: remove it.
                try MaskExpansion.apply(seed: seed, subtract: survivor > gone, to: &sum)
            }
        }
        return sum
    }

    private func message(_ payload: SecAggMessage.Payload) -> SecAggMessage {
        SecAggMessage(sessionID: configuration.sessionID, sender: configuration.aggregator, payload: payload)
    }
}
