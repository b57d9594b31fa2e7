public import CryptoPrimitives
import MultiPrecision
import SecretSharing

/// A member ("user" `u`) of Bonawitz et al.'s secure aggregation [BIK+17 §4, Fig. 4], semi-honest
/// variant with optionally signed key adverts.
///
/// Round 0 (AdvertiseKeys): two fresh X25519 key pairs `(c_u, s_u)`, sent to the aggregator.
/// Round 1 (ShareKeys): on the key list `U1`, a fresh self-mask seed `b_u`; `t`-of-`n` Shamir
/// shares of `s_u^SK` and `b_u`; each other member's pair encrypted with AES-256-GCM under a key
/// derived from `c_u^SK` and its `c_v^PK`.
/// Round 2 (MaskedInputCollection): on the bundle of shares addressed to it (senders `U2`),
/// `y_u = x_u + PRG(b_u) + Σ_{v ∈ U2∖{u}} ±PRG(s_{u,v})` (plus for `u > v`).
/// Round 3 (Unmasking): on the survivor list `U3`, its shares of `b_v` for `v ∈ U3` and of
/// `s_v^SK` for `v ∈ U2 ∖ U3` — never both for one `v`. Then it outputs the aggregator's result.
///
/// Spec: protocols/secagg.md.
/// - Warning: a member's view reveals nothing about another member's input beyond the output
///   (and who dropped out), provided fewer than `t` parties collude with the aggregator and
///   the aggregator follows the protocol; see the spec's threat model for a malicious one.
public struct SecAggMemberStateMachine: ProtocolStateMachine {
    /// The message type.
    public typealias Message = SecAggMessage
    /// The result.
    public typealias Output = SecAggResult
    /// An action.
    public typealias Action = ProtocolAction<SecAggMessage, SecAggResult>

    enum Phase: Sendable { case idle, awaitingKeyList, awaitingShareBundle, awaitingUnmaskRequest, awaitingResult, done }

    /// The session parameters.
    public let configuration: SecAggConfiguration
    /// This member.
    public let party: PartyID
    private let signingKey: Ed25519.PrivateKey?
    private var input: [UInt64]
    private var randomness: MachineRandomness
    private var phase = Phase.idle

    private var encryptionKey: X25519.PrivateKey?
    private var maskingKey: X25519.PrivateKey?
    /// `U1` with everyone's public keys.
    private var keyList: [PartyID: SecAggAdvertisedKeys] = [:]
    /// `U2`, sorted (this member included).
    private var u2: [PartyID] = []
    private var u3: [PartyID] = []
    /// The shares this member holds, by owner: `(share of s_v^SK, share of b_v)` (own included).
    private var heldShares: [PartyID: (key: BigInt, seed: BigInt)] = [:]

    /// A member's machine.
    /// - Parameters:
    ///   - configuration: The session parameters.
    ///   - party: This member, in `1…n`.
    ///   - input: Its vector (`L` values in `Z_2^64`).
    ///   - signingKey: Its Ed25519 key, required when the configuration has signature keys.
    ///   - rng: Randomness for keys, seeds, Shamir coefficients and nonces
    ///     (``SecureRandomGenerator`` in production).
    /// - Throws: ``MPCProtocolError/invalidConfiguration(_:)``,
    ///   ``MPCProtocolError/inputLengthMismatch(expected:actual:)``.
    public init(
        configuration: SecAggConfiguration, party: PartyID, input: [UInt64], signingKey: Ed25519.PrivateKey? = nil,
        using rng: inout some RandomNumberGenerator
    ) throws {
        guard configuration.isMember(party) else {
            throw MPCProtocolError.invalidConfiguration("the party is not a member of the session")
        }
        guard input.count == configuration.vectorLength else {
            throw MPCProtocolError.inputLengthMismatch(expected: configuration.vectorLength, actual: input.count)
        }
        if let keys = configuration.signatureKeys {
            guard let signingKey, signingKey.publicKey == keys[party] else {
                throw MPCProtocolError.invalidConfiguration("the signing key does not match the member's registered key")
            }
        }
        self.configuration = configuration
        self.party = party
        self.input = input
        self.signingKey = signingKey
        self.randomness = MachineRandomness(using: &rng)
    }

    /// 0 until the key list, 1 until the share bundle, 2 until the unmask request, 3 until the result.
    public var currentRound: UInt8 {
        switch phase {
        case .idle, .awaitingKeyList: 0
        case .awaitingShareBundle: 1
        case .awaitingUnmaskRequest: 2
        case .awaitingResult, .done: 3
        }
    }

    /// Whether the member has output or aborted.
    public var isFinished: Bool { phase == .done }

    /// Round 0: generates `(c_u, s_u)` and advertises the public keys to the aggregator.
    /// - Returns: One send.
    /// - Throws: ``MPCProtocolError/alreadyStarted``, or a key import failure.
    public mutating func start() throws -> [Action] {
        guard phase == .idle else { throw MPCProtocolError.alreadyStarted }
        let c = try SecAggCrypto.wrap { try X25519.PrivateKey(rawRepresentation: randomness.bytes(32)) }
        let s = try SecAggCrypto.wrap { try X25519.PrivateKey(rawRepresentation: randomness.bytes(32)) }
        encryptionKey = c
        maskingKey = s
        var signature: [UInt8] = []
        if let signingKey {
            signature = signingKey.signature(for: SecAggCrypto.advertisement(
                session: configuration.sessionID, party: party, encryptionKey: c.publicKey, maskingKey: s.publicKey))
        }
        let keys = SecAggAdvertisedKeys(party: party, encryptionKey: c.publicKey, maskingKey: s.publicKey, signature: signature)
        phase = .awaitingKeyList
        return [.send(to: configuration.aggregator, message: message(.advertiseKeys(keys)))]
    }

    /// Handles the aggregator's key list, share bundle, unmask request or result.
    /// - Parameters:
    ///   - message: The decoded message.
    ///   - from: The transport's sender (must be the aggregator).
    /// - Returns: This member's next message, or its output.
    /// - Throws: `notStarted`, `sessionFinished`, `unknownParty` (not the aggregator),
    ///   `senderMismatch`, `wrongSession`, `unexpectedMessage` (out of order, or a member
    ///   payload), `duplicateMessage`, `malformedMessage`, `invalidSignature`,
    ///   `duplicatePublicKey`, `shareDecryptionFailed`, `lengthMismatch`. State is unchanged.
    public mutating func receive(_ message: SecAggMessage, from: PartyID) throws -> [Action] {
        guard phase != .idle else { throw MPCProtocolError.notStarted }
        guard phase != .done else { throw MPCProtocolError.sessionFinished }
        try checkEnvelope(
            sessionID: configuration.sessionID, header: (message.sessionID, message.sender), from: from,
            known: { $0 == configuration.aggregator })
        switch (message.payload, phase) {
        case let (.keyList(list), .awaitingKeyList): return try handleKeyList(list, from: from)
        case let (.shareBundle(bundle), .awaitingShareBundle): return try handleShareBundle(bundle, from: from)
        case let (.unmaskRequest(survivors), .awaitingUnmaskRequest): return try handleUnmaskRequest(survivors, from: from)
        case let (.result(result), .awaitingResult): return try handleResult(result, from: from)
        case (.keyList, _), (.shareBundle, _), (.unmaskRequest, _), (.result, _):
            throw message.round < currentRound
                ? MPCProtocolError.duplicateMessage(from: from, round: message.round)
                : MPCProtocolError.unexpectedMessage(from: from, round: message.round)
        default:
            throw MPCProtocolError.unexpectedMessage(from: from, round: message.round)
        }
    }

    /// A member waits only on the aggregator: if the driver declares it dropped, the member
    /// aborts (``AbortReason/aggregatorDropped(round:)``); other dropouts are the aggregator's
    /// business.
    /// - Parameters:
    ///   - round: The round whose deadline passed (ignored unless current).
    ///   - dropped: The parties declared dropped.
    /// - Returns: `[.abort(…)]` or nothing.
    /// - Throws: `notStarted` or `sessionFinished`.
    public mutating func timeout(round: UInt8, dropped: Set<PartyID>) throws -> [Action] {
        guard phase != .idle else { throw MPCProtocolError.notStarted }
        guard phase != .done else { throw MPCProtocolError.sessionFinished }
        guard round == currentRound, dropped.contains(configuration.aggregator) else { return [] }
        phase = .done
        return [.abort(.aggregatorDropped(round: round))]
    }

    // MARK: Rounds

    // The keys are drawn in `start()`, which every phase after `.idle` follows; `keyList` holds
    // every bundle sender (checked), and `heldShares` every member of U2 (the senders and self).
    private mutating func handleKeyList(_ list: [SecAggAdvertisedKeys], from: PartyID) throws -> [Action] {
        let t = configuration.threshold
        guard list.count >= t else {
            throw MPCProtocolError.malformedMessage(from: from, reason: "the key list has fewer than t members")
        }
        guard list.allSatisfy({ configuration.isMember($0.party) }) else {
            throw MPCProtocolError.malformedMessage(from: from, reason: "the key list names a non-member")
        }
        guard Set(list.map(\.party)).count == list.count else {
            throw MPCProtocolError.malformedMessage(from: from, reason: "the key list names a member twice")
        }
        guard let mine = list.first(where: { $0.party == party }),
              mine.encryptionKey == encryptionKey!.publicKey, mine.maskingKey == maskingKey!.publicKey
        else { throw MPCProtocolError.malformedMessage(from: from, reason: "the key list misstates this member's keys") }
        var seen = Set<[UInt8]>()
        for keys in list {
            guard seen.insert(keys.encryptionKey.rawRepresentation).inserted, seen.insert(keys.maskingKey.rawRepresentation).inserted else {
                throw MPCProtocolError.duplicatePublicKey(from: keys.party)
            }
            if let verification = configuration.signatureKeys?[keys.party] {
                let signed = SecAggCrypto.advertisement(
                    session: configuration.sessionID, party: keys.party, encryptionKey: keys.encryptionKey, maskingKey: keys.maskingKey)
                guard verification.isValidSignature(keys.signature, for: signed) else {
                    throw MPCProtocolError.invalidSignature(from: keys.party)
                }
            }
        }
        // Shares of s_u^SK and b_u, at x = 1…n; only members of U1 receive theirs.
        let n = configuration.memberCount
        let seed = randomness.bytes(16)
        let secretKey = BigInt(bigEndianMagnitude: maskingKey!.rawRepresentation)
        let keyShares: [ShamirShare<BigInt>]
        let seedShares: [ShamirShare<BigInt>]
        do {
            keyShares = try ShamirSharing(field: SecAggCrypto.keyField).split(secretKey, threshold: t, parties: n, using: &randomness.generator)
            seedShares = try ShamirSharing(field: SecAggCrypto.seedField).split(
                BigInt(bigEndianMagnitude: seed), threshold: t, parties: n, using: &randomness.generator)
        } catch let error as SharingError {
            throw MPCProtocolError.sharing(error)
        }
        var outgoing: [SecAggEncryptedShare] = []
        for keys in list where keys.party != party {
            let index = Int(keys.party.rawValue) - 1
            let plaintext = SecAggCrypto.u32(party.rawValue) + SecAggCrypto.u32(keys.party.rawValue)
                + SecAggCrypto.fieldBytes(keyShares[index].y, width: SecAggCrypto.keyShareWidth)
                + SecAggCrypto.fieldBytes(seedShares[index].y, width: SecAggCrypto.seedShareWidth)
            let key = try SecAggCrypto.shareKey(
                own: encryptionKey!, peer: keys.encryptionKey, session: configuration.sessionID, sender: party, recipient: keys.party)
            let box = try SecAggCrypto.wrap {
                try AESGCM.seal(
                    plaintext, key: key, nonce: randomness.bytes(AESGCM.nonceByteCount),
                    authenticating: SecAggCrypto.shareAAD(session: configuration.sessionID, sender: party, recipient: keys.party))
            }
            outgoing.append(SecAggEncryptedShare(peer: keys.party, box: box))
        }
        let own = Int(party.rawValue) - 1
        heldShares[party] = (keyShares[own].y, seedShares[own].y)
        selfMaskSeed = seed
        keyList = Dictionary(uniqueKeysWithValues: list.map { ($0.party, $0) })
        phase = .awaitingShareBundle
        return [.send(to: configuration.aggregator, message: message(.encryptedShares(outgoing)))]
    }

    private var selfMaskSeed: [UInt8] = []

    private mutating func handleShareBundle(_ bundle: [SecAggEncryptedShare], from: PartyID) throws -> [Action] {
        let senders = bundle.map(\.peer)
        guard senders.allSatisfy({ $0 != party && keyList[$0] != nil }) else {
            throw MPCProtocolError.malformedMessage(from: from, reason: "the share bundle names a member outside U1")
        }
        guard Set(senders).count == senders.count else {
            throw MPCProtocolError.malformedMessage(from: from, reason: "the share bundle names a sender twice")
        }
        guard senders.count + 1 >= configuration.threshold else {
            throw MPCProtocolError.malformedMessage(from: from, reason: "the share bundle has fewer than t − 1 senders")
        }
        // Open every pair before changing any state.
        var opened: [PartyID: (key: BigInt, seed: BigInt)] = [:]
        for share in bundle {
            let sender = share.peer
            let key = try SecAggCrypto.shareKey(
                own: encryptionKey!, peer: keyList[sender]!.encryptionKey, session: configuration.sessionID,
                sender: sender, recipient: party)
            guard let plaintext = try? AESGCM.open(
                share.box, key: key,
                authenticating: SecAggCrypto.shareAAD(session: configuration.sessionID, sender: sender, recipient: party))
            else { throw MPCProtocolError.shareDecryptionFailed(from: sender) }
            guard plaintext.count == SecAggCrypto.sharePlaintextCount,
                  Array(plaintext[0..<8]) == SecAggCrypto.u32(sender.rawValue) + SecAggCrypto.u32(party.rawValue)
            else { throw MPCProtocolError.malformedMessage(from: sender, reason: "the encrypted share names other parties") }
            let keyShare = BigInt(bigEndianMagnitude: plaintext[8..<(8 + SecAggCrypto.keyShareWidth)])
            let seedShare = BigInt(bigEndianMagnitude: plaintext[(8 + SecAggCrypto.keyShareWidth)...])
            guard SecAggCrypto.keyField.isCanonical(keyShare), SecAggCrypto.seedField.isCanonical(seedShare) else {
                throw MPCProtocolError.malformedMessage(from: sender, reason: "a share is not a canonical field element")
            }
            opened[sender] = (keyShare, seedShare)
        }
        // y_u = x_u + PRG(b_u) + Σ_{v ∈ U2∖{u}} ±PRG(s_{u,v}).
        var masked = input
        try MaskExpansion.apply(seed: selfMaskSeed, subtract: false, to: &masked)
        for sender in senders {
            let seed = try SecAggCrypto.pairwiseSeed(own: maskingKey!, peer: keyList[sender]!.maskingKey, session: configuration.sessionID)
            try MaskExpansion.apply(seed: seed, subtract: party < sender, to: &masked)
        }
        heldShares.merge(opened) { _, new in new }
        u2 = (senders + [party]).sorted()
        input = []
        selfMaskSeed = []
        phase = .awaitingUnmaskRequest
        return [.send(to: configuration.aggregator, message: message(.maskedInput(masked)))]
    }

    private mutating func handleUnmaskRequest(_ survivors: [PartyID], from: PartyID) throws -> [Action] {
        let inU2 = Set(u2)
        guard survivors.allSatisfy(inU2.contains), survivors.contains(party) else {
            throw MPCProtocolError.malformedMessage(from: from, reason: "the survivor list is not a subset of U2 containing this member")
        }
        guard survivors.count >= configuration.threshold else {
            throw MPCProtocolError.malformedMessage(from: from, reason: "fewer than t survivors")
        }
        let survivorSet = Set(survivors)
        let seeds = survivors.map {
            SecAggRevealedShare(owner: $0, value: SecAggCrypto.fieldBytes(heldShares[$0]!.seed, width: SecAggCrypto.seedShareWidth))
        }
        let keys = u2.filter { !survivorSet.contains($0) }.map {
            SecAggRevealedShare(owner: $0, value: SecAggCrypto.fieldBytes(heldShares[$0]!.key, width: SecAggCrypto.keyShareWidth))
        }
        heldShares = [:]
        u3 = survivors
        phase = .awaitingResult
        return [.send(to: configuration.aggregator, message: message(.unmaskShares(selfMaskSeeds: seeds, maskingKeys: keys)))]
    }

    private mutating func handleResult(_ result: SecAggResult, from: PartyID) throws -> [Action] {
        guard result.sum.count == configuration.vectorLength else {
            throw MPCProtocolError.lengthMismatch(from: from, expected: configuration.vectorLength, actual: result.sum.count)
        }
        guard result.contributors == u3 else {
            throw MPCProtocolError.malformedMessage(from: from, reason: "the result's contributors differ from U3")
        }
        phase = .done
        return [.output(result)]
    }

    private func message(_ payload: SecAggMessage.Payload) -> SecAggMessage {
        SecAggMessage(sessionID: configuration.sessionID, sender: party, payload: payload)
    }
}
