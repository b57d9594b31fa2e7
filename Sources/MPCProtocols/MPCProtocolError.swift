public import CryptoPrimitives
public import PaillierEncryption
public import SecretSharing
public import WireFormat

/// The one error type of `MPCProtocols`: why a call on a state machine failed.
///
/// A throwing ``ProtocolStateMachine/receive(_:from:)`` leaves the machine's state unchanged
/// unless the case says otherwise, so the runtime may log the error (it names the peer) and keep
/// driving the session. Cases carry party ids, rounds, counts and fixed descriptions only, never
/// a share, a seed, a key or an input value.
public enum MPCProtocolError: Error, Equatable, Sendable {
    /// The configuration is inconsistent (a fixed description says how).
    case invalidConfiguration(String)
    /// The input vector has `actual` elements; the session fixes `expected`.
    case inputLengthMismatch(expected: Int, actual: Int)
    /// ``ProtocolStateMachine/start()`` was called twice.
    case alreadyStarted
    /// A message or timeout arrived before ``ProtocolStateMachine/start()``.
    case notStarted
    /// The machine has produced its output or aborted; it accepts nothing more.
    case sessionFinished
    /// A message carries another session's id (a replay from another run, or misrouting).
    case wrongSession(from: PartyID)
    /// The message header names `claimed` as its sender, but the transport delivered it from
    /// `actual`.
    case senderMismatch(claimed: PartyID, actual: PartyID)
    /// The sender is not a party of this session, or not one this machine talks to.
    case unknownParty(PartyID)
    /// A message this machine does not accept in its current state: wrong direction (e.g. a
    /// member sending a server message), a round already closed, or a party the aggregator has
    /// declared dropped (a late message).
    case unexpectedMessage(from: PartyID, round: UInt8)
    /// A second message of the same kind from the same sender in this session. Documented
    /// handling: the duplicate is rejected and the state is unchanged (a byte-identical
    /// retransmission may safely be ignored by the runtime).
    case duplicateMessage(from: PartyID, round: UInt8)
    /// A vector (or list) in a message has `actual` elements; `expected` were required.
    case lengthMismatch(from: PartyID, expected: Int, actual: Int)
    /// A well-formed message whose contents violate the protocol (fixed description).
    case malformedMessage(from: PartyID, reason: String)
    /// An Ed25519 signature over advertised keys does not verify.
    case invalidSignature(from: PartyID)
    /// An encrypted share does not open under the pairwise key (tampered, or for someone else).
    case shareDecryptionFailed(from: PartyID)
    /// Two members advertised the same public key (a copied key would let one learn another's
    /// masks).
    case duplicatePublicKey(from: PartyID)
    /// A revealed Paillier ciphertext does not open the member's commitment.
    case commitmentMismatch(from: PartyID)
    /// A Paillier ciphertext's plaintext-knowledge proof fails for its sender and session
    /// (a copied, rerandomised or replayed ciphertext).
    case invalidPlaintextProof(from: PartyID)
    /// A Paillier contribution lacks its member's valid signature (one fabricated by someone else).
    case invalidContributionSignature(from: PartyID)
    /// A Paillier ciphertext is not a unit modulo `n²` under the session key.
    case invalidCiphertext(from: PartyID)
    /// A decryption share's party index is not the sender's key-share index.
    case decryptionShareIndexMismatch(from: PartyID)
    /// A wire decoding error (malformed, truncated, oversized, unknown tag, trailing bytes).
    case wire(WireFormatError)
    /// The message's SHA-256 integrity digest does not match its bytes: it was corrupted in
    /// transit. (Accidental corruption only; the authenticated channel stops deliberate changes.)
    case corruptedMessage
    /// A primitive failed (key agreement, derivation, encryption).
    case crypto(CryptoError)
    /// Secret sharing failed (e.g. reconstruction from inconsistent shares).
    case sharing(SharingError)
    /// Paillier failed.
    case paillier(PaillierError)
}

extension MPCProtocolError: CustomStringConvertible {
    /// A sentence with party ids, rounds and counts only.
    public var description: String {
        switch self {
        case let .invalidConfiguration(reason): "invalid protocol configuration: \(reason)"
        case let .inputLengthMismatch(expected, actual): "input has \(actual) values, the session fixes \(expected)"
        case .alreadyStarted: "the state machine was already started"
        case .notStarted: "the state machine has not been started"
        case .sessionFinished: "the session has finished (output or abort); nothing more is accepted"
        case let .wrongSession(from): "message from \(from) belongs to another session"
        case let .senderMismatch(claimed, actual): "message from \(actual) claims to be from \(claimed)"
        case let .unknownParty(party): "\(party) is not a party this machine talks to"
        case let .unexpectedMessage(from, round): "unexpected round-\(round) message from \(from)"
        case let .duplicateMessage(from, round): "duplicate round-\(round) message from \(from) (ignored)"
        case let .lengthMismatch(from, expected, actual): "message from \(from) has \(actual) elements, expected \(expected)"
        case let .malformedMessage(from, reason): "malformed message from \(from): \(reason)"
        case let .invalidSignature(from): "advertised keys of \(from) carry an invalid signature"
        case let .shareDecryptionFailed(from): "encrypted share from \(from) does not authenticate"
        case let .duplicatePublicKey(from): "\(from) advertised a public key that another member also uses"
        case let .commitmentMismatch(from): "ciphertexts of \(from) do not open its commitment"
        case let .invalidPlaintextProof(from): "the plaintext-knowledge proofs of \(from)'s ciphertexts do not verify for it and this session"
        case let .invalidContributionSignature(from): "the contribution of \(from) does not carry its member's valid signature"
        case let .invalidCiphertext(from): "ciphertext of \(from) is not valid under the session key"
        case let .decryptionShareIndexMismatch(from): "decryption share of \(from) carries another party's index"
        case let .wire(error): "wire format: \(error)"
        case .corruptedMessage: "message integrity digest mismatch (corrupted in transit)"
        case let .crypto(error): "crypto: \(error)"
        case let .sharing(error): "secret sharing: \(error)"
        case let .paillier(error): "paillier: \(error)"
        }
    }
}

/// Why a session ended without a result: the payload of ``ProtocolAction/abort(_:)``.
/// Every case names public facts only (parties, rounds, counts).
public enum AbortReason: Error, Equatable, Sendable {
    /// A member the protocol cannot do without (additive: any member) was declared dropped.
    case memberDropped(PartyID, round: UInt8)
    /// Fewer than `threshold` parties remain after `round`'s deadline.
    case tooFewSurvivors(round: UInt8, survivors: Int, threshold: Int)
    /// The aggregator was declared dropped before the result arrived.
    case aggregatorDropped(round: UInt8)
    /// Too few valid decryption shares: `valid` of `needed`; `faulty` names the key holders whose
    /// shares failed their proofs.
    case insufficientDecryptionShares(valid: Int, needed: Int, faulty: [PartyID])
    /// The aggregator could not reconstruct a secret from the shares it was given (inconsistent
    /// shares: a misbehaving member).
    case reconstructionFailed(round: UInt8)
}

extension AbortReason: CustomStringConvertible {
    /// A sentence with party ids, rounds and counts only.
    public var description: String {
        switch self {
        case let .memberDropped(party, round): "\(party) dropped out in round \(round); this protocol needs every member"
        case let .tooFewSurvivors(round, survivors, threshold): "only \(survivors) parties remain after round \(round); the threshold is \(threshold)"
        case let .aggregatorDropped(round): "the aggregator dropped out in round \(round)"
        case let .insufficientDecryptionShares(valid, needed, faulty):
            "\(valid) valid decryption shares, \(needed) needed" + (faulty.isEmpty ? "" : "; invalid shares from \(faulty.map(\.description).joined(separator: ", "))")
        case let .reconstructionFailed(round): "shares revealed in round \(round) do not reconstruct"
        }
    }
}
