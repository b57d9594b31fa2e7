public import MultiPrecision
public import PaillierEncryption
public import WireFormat

/// A message of threshold-Paillier aggregation. Spec: protocols/paillier-aggregation.md#messages.
public struct PaillierAggregationMessage: ProtocolMessage, CustomStringConvertible {
    /// The payloads, in protocol order.
    public enum Payload: Sendable {
        /// Round 1, member → aggregator (0x0521): `HashCommitment` of the member's ciphertexts.
        case commitment([UInt8])
        /// Round 1, aggregator → committed members (0x0522): who committed (sorted).
        case revealRequest(committed: [PartyID])
        /// Round 2, member → aggregator (0x0523): the commitment's nonce and the member's
        /// contribution (packed ciphertexts as `bigint` values, validated against the key by the
        /// receiver; one plaintext-knowledge proof per ciphertext, bound to the session and the
        /// sender; the member's signature, or empty in unsigned sessions).
        case ciphertexts(nonce: [UInt8], contribution: PaillierAggregationEvidence.Contribution)
        /// Round 2, aggregator → key holders (0x0524): the contributions (by ascending party),
        /// from which each key holder validates and multiplies the aggregate itself.
        case decryptionRequest(contributions: [PaillierAggregationEvidence.Contribution])
        /// Round 3, key holder → aggregator (0x0525): its decryption shares of every chunk, with
        /// one batch proof.
        case decryptionShares(Paillier.BatchDecryptionShare)
        /// Round 3, aggregator → members (0x0526): the output.
        case result(PaillierAggregationResult)
    }

    /// Registered tags (protocols/wire-format.md#type-tag-registry).
    public enum WireTag {
        /// ``Payload/commitment(_:)``.
        public static let commitment: UInt16 = 0x0521
        /// ``Payload/revealRequest(committed:)``.
        public static let revealRequest: UInt16 = 0x0522
        /// ``Payload/ciphertexts(nonce:contribution:)``.
        public static let ciphertexts: UInt16 = 0x0523
        /// ``Payload/decryptionRequest(contributions:)``.
        public static let decryptionRequest: UInt16 = 0x0524
        /// ``Payload/decryptionShares(_:)``.
        public static let decryptionShares: UInt16 = 0x0525
        /// ``Payload/result(_:)``.
        public static let result: UInt16 = 0x0526
    }

    /// The session.
    public let sessionID: SessionID
    /// The sender.
    public let sender: PartyID
    /// The payload.
    public let payload: Payload

    /// A message.
    /// - Parameters:
    ///   - sessionID: The session.
    ///   - sender: The sender.
    ///   - payload: The payload.
    public init(sessionID: SessionID, sender: PartyID, payload: Payload) {
        self.sessionID = sessionID
        self.sender = sender
        self.payload = payload
    }

    /// 1 (commit), 2 (reveal), 3 (decrypt).
    public var round: UInt8 {
        switch payload {
        case .commitment, .revealRequest: 1
        case .ciphertexts, .decryptionRequest: 2
        case .decryptionShares, .result: 3
        }
    }

    var tag: UInt16 {
        switch payload {
        case .commitment: WireTag.commitment
        case .revealRequest: WireTag.revealRequest
        case .ciphertexts: WireTag.ciphertexts
        case .decryptionRequest: WireTag.decryptionRequest
        case .decryptionShares: WireTag.decryptionShares
        case .result: WireTag.result
        }
    }

    static func encodeCiphertexts(_ ciphertexts: [Paillier.Ciphertext]) -> [UInt8] {
        var writer = WireWriter()
        writer.writeUInt32(UInt32(ciphertexts.count))
        for c in ciphertexts { writer.writeBigInt(c.value) }
        return writer.bytes
    }

    /// The enveloped encoding.
    /// - Returns: The bytes.
    public func wireEncoded() -> [UInt8] {
        let header = MessageHeader(sessionID: sessionID, round: round, sender: sender)
        return MessageCodec.encode(tag: tag, header: header) { writer in
            switch payload {
            case let .commitment(commitment):
                precondition(commitment.count == 32, "a commitment is 32 bytes")
                writer.writeRawBytes(commitment)
            case let .revealRequest(committed):
                writer.writePartyList(committed)
            case let .ciphertexts(nonce, contribution):
                precondition(nonce.count == 32, "a commitment nonce is 32 bytes")
                writer.writeRawBytes(nonce)
                writer.write(contribution.ciphertexts)
                writer.write(contribution.proofs)
                writer.writeByteString(contribution.signature)
            case let .decryptionRequest(contributions):
                writer.write(contributions)
            case let .decryptionShares(batch):
                batch.encode(to: &writer)
            case let .result(result):
                writer.writeUInt64Array(result.sum)
                writer.writePartyList(result.contributors)
                writer.writePartyList(result.decryptors)
                writer.writePartyList(result.faultyKeyHolders)
            }
        }
    }

    /// Decodes and checks framing, digest, header round and canonical encodings.
    /// - Parameters:
    ///   - bytes: One enveloped message.
    ///   - limits: The reader limits.
    /// - Throws: ``MPCProtocolError/wire(_:)`` or ``MPCProtocolError/corruptedMessage``.
    public init(wireEncoded bytes: [UInt8], limits: WireLimits = .default) throws(MPCProtocolError) {
        var (tag, body) = try MessageCodec.open(bytes, limits: limits)
        do throws(WireFormatError) {
            let round: UInt8
            switch tag {
            case WireTag.commitment, WireTag.revealRequest: round = 1
            case WireTag.ciphertexts, WireTag.decryptionRequest: round = 2
            case WireTag.decryptionShares, WireTag.result: round = 3
            default: throw .unknownTag(tag)
            }
            let header = try MessageHeader.decode(from: &body, expectedRound: round)
            let payload: Payload
            switch tag {
            case WireTag.commitment: payload = .commitment(try body.readRawBytes(count: 32))
            case WireTag.revealRequest: payload = .revealRequest(committed: try body.readPartyList())
            case WireTag.ciphertexts:
                let nonce = try body.readRawBytes(count: 32)
                let values = try body.readArray(of: BigInt.self)
                let proofs = try body.readArray(of: Paillier.PlaintextKnowledgeProof.self)
                payload = .ciphertexts(
                    nonce: nonce,
                    contribution: .init(party: header.sender, ciphertexts: values, proofs: proofs, signature: try body.readByteString()))
            case WireTag.decryptionRequest:
                payload = .decryptionRequest(contributions: try body.readArray(of: PaillierAggregationEvidence.Contribution.self))
            case WireTag.decryptionShares:
                payload = .decryptionShares(try Paillier.BatchDecryptionShare(from: &body))
            default:
                let sum = try body.readUInt64Array()
                let contributors = try body.readPartyList()
                let decryptors = try body.readPartyList()
                let faulty = try body.readPartyList()
                payload = .result(PaillierAggregationResult(
                    sum: sum, contributors: contributors, decryptors: decryptors, faultyKeyHolders: faulty))
            }
            try MessageCodec.finish(&body)
            self.init(sessionID: header.sessionID, sender: header.sender, payload: payload)
        } catch {
            throw .wire(error)
        }
    }

    /// Kind, sender and counts only.
    public var description: String {
        let kind: String = switch payload {
        case .commitment: "commitment"
        case let .revealRequest(committed): "revealRequest(committed: \(committed.count))"
        case let .ciphertexts(_, contribution): "ciphertexts(count: \(contribution.ciphertexts.count))"
        case let .decryptionRequest(contributions): "decryptionRequest(contributors: \(contributions.count))"
        case let .decryptionShares(batch): "decryptionShares(count: \(batch.values.count))"
        case let .result(result): "result(count: \(result.sum.count), contributors: \(result.contributors.count))"
        }
        return "PaillierAggregationMessage.\(kind) from \(sender)"
    }
}
