public import CryptoPrimitives
public import WireFormat

/// A member's advertised public keys ([BIK+17] Round 0): `c_u^PK` for share encryption and
/// `s_u^PK` for pairwise masks, optionally signed.
public struct SecAggAdvertisedKeys: Sendable, Hashable {
    /// The member.
    public let party: PartyID
    /// `c_u^PK`: agreement key for the pairwise share-encryption keys.
    public let encryptionKey: X25519.PublicKey
    /// `s_u^PK`: agreement key for the pairwise mask seeds.
    public let maskingKey: X25519.PublicKey
    /// Ed25519 signature over protocols/secagg.md#round-0's advertisement bytes, or empty.
    public let signature: [UInt8]

    /// Advertised keys.
    /// - Parameters:
    ///   - party: The member.
    ///   - encryptionKey: `c_u^PK`.
    ///   - maskingKey: `s_u^PK`.
    ///   - signature: 64 bytes, or empty when the session has no signature keys.
    public init(party: PartyID, encryptionKey: X25519.PublicKey, maskingKey: X25519.PublicKey, signature: [UInt8]) {
        self.party = party
        self.encryptionKey = encryptionKey
        self.maskingKey = maskingKey
        self.signature = signature
    }

    func encodeKeys(to writer: inout WireWriter) {
        writer.writeRawBytes(encryptionKey.rawRepresentation)
        writer.writeRawBytes(maskingKey.rawRepresentation)
        writer.writeByteString(signature)
    }

    static func decodeKeys(party: PartyID, from reader: inout WireReader) throws(WireFormatError) -> SecAggAdvertisedKeys {
        let c = try reader.readRawBytes(count: X25519.keyByteCount)
        let s = try reader.readRawBytes(count: X25519.keyByteCount)
        let signature = try reader.readByteString()
        guard signature.isEmpty || signature.count == Ed25519.signatureByteCount else {
            throw .invalidValue("a signature is empty or 64 bytes")
        }
        guard let cKey = try? X25519.PublicKey(rawRepresentation: c), let sKey = try? X25519.PublicKey(rawRepresentation: s) else {
            throw .invalidValue("X25519 public keys are 32 bytes")
        }
        return SecAggAdvertisedKeys(party: party, encryptionKey: cKey, maskingKey: sKey, signature: signature)
    }
}

/// One AES-256-GCM-encrypted pair of Shamir shares between two members ([BIK+17] Round 1),
/// relayed by the aggregator, which cannot open it.
public struct SecAggEncryptedShare: Sendable, Hashable {
    /// The other member: the recipient when a member sends it, the sender when the aggregator
    /// forwards it.
    public let peer: PartyID
    /// Nonce, ciphertext and tag.
    public let box: AESGCM.SealedBox

    /// An encrypted share.
    /// - Parameters:
    ///   - peer: The other member.
    ///   - box: The sealed plaintext.
    public init(peer: PartyID, box: AESGCM.SealedBox) {
        self.peer = peer
        self.box = box
    }

    func encode(to writer: inout WireWriter) {
        writer.writeUInt32(peer.rawValue)
        writer.writeRawBytes(box.nonce)
        writer.writeByteString(box.ciphertext)
        writer.writeRawBytes(box.tag)
    }

    static func decode(from reader: inout WireReader) throws(WireFormatError) -> SecAggEncryptedShare {
        let peer = PartyID(try reader.readUInt32())
        let nonce = try reader.readRawBytes(count: AESGCM.nonceByteCount)
        let ciphertext = try reader.readByteString()
        let tag = try reader.readRawBytes(count: AESGCM.tagByteCount)
        guard let box = try? AESGCM.SealedBox(nonce: nonce, ciphertext: ciphertext, tag: tag) else {
            throw .invalidValue("malformed sealed box")
        }
        return SecAggEncryptedShare(peer: peer, box: box)
    }

    /// `u32 ‖ bytes[12] ‖ u32 ‖ bytes[16]` with an empty ciphertext.
    static let minimumByteCount = 4 + 12 + 4 + 16
}

/// A revealed Shamir share ([BIK+17] Round 3): the share of `owner`'s secret at the sender's
/// point, as a fixed-width big-endian field element.
public struct SecAggRevealedShare: Sendable, Hashable, CustomStringConvertible {
    /// The member whose secret this is a share of.
    public let owner: PartyID
    /// The field element (17 bytes for `b_u`, 33 for `s_u^SK`).
    public let value: [UInt8]

    /// A revealed share.
    /// - Parameters:
    ///   - owner: Whose secret.
    ///   - value: The fixed-width element.
    public init(owner: PartyID, value: [UInt8]) {
        self.owner = owner
        self.value = value
    }

    /// Redacted.
    public var description: String { "SecAggRevealedShare(owner: \(owner), value: redacted)" }
}

/// A message of the SecAgg protocol. Spec: protocols/secagg.md#messages.
public struct SecAggMessage: ProtocolMessage, CustomStringConvertible {
    /// The payloads, in protocol order. Members send `advertiseKeys`, `encryptedShares`,
    /// `maskedInput`, `unmaskShares`; the aggregator sends the others.
    public enum Payload: Sendable {
        /// Round 0, member → aggregator (0x0511).
        case advertiseKeys(SecAggAdvertisedKeys)
        /// Round 0, aggregator → members of `U1` (0x0512): everyone's keys, sorted by party.
        case keyList([SecAggAdvertisedKeys])
        /// Round 1, member → aggregator (0x0513): one share pair per other member of `U1`, sorted.
        case encryptedShares([SecAggEncryptedShare])
        /// Round 1, aggregator → member `v` of `U2` (0x0514): the pairs addressed to `v`, sorted
        /// by sender; the senders with `v` form `U2`.
        case shareBundle([SecAggEncryptedShare])
        /// Round 2, member → aggregator (0x0515): `y_u`.
        case maskedInput([UInt64])
        /// Round 2, aggregator → members of `U3` (0x0516): `U3`, sorted.
        case unmaskRequest(survivors: [PartyID])
        /// Round 3, member → aggregator (0x0517): shares of `b_v` for `v ∈ U3` and of `s_v^SK`
        /// for `v ∈ U2 \ U3`, each sorted by owner.
        case unmaskShares(selfMaskSeeds: [SecAggRevealedShare], maskingKeys: [SecAggRevealedShare])
        /// Round 3, aggregator → members of `U3` (0x0518): the output.
        case result(SecAggResult)
    }

    /// Registered tags (protocols/wire-format.md#type-tag-registry).
    public enum WireTag {
        /// ``Payload/advertiseKeys(_:)``.
        public static let advertiseKeys: UInt16 = 0x0511
        /// ``Payload/keyList(_:)``.
        public static let keyList: UInt16 = 0x0512
        /// ``Payload/encryptedShares(_:)``.
        public static let encryptedShares: UInt16 = 0x0513
        /// ``Payload/shareBundle(_:)``.
        public static let shareBundle: UInt16 = 0x0514
        /// ``Payload/maskedInput(_:)``.
        public static let maskedInput: UInt16 = 0x0515
        /// ``Payload/unmaskRequest(survivors:)``.
        public static let unmaskRequest: UInt16 = 0x0516
        /// ``Payload/unmaskShares(selfMaskSeeds:maskingKeys:)``.
        public static let unmaskShares: UInt16 = 0x0517
        /// ``Payload/result(_:)``.
        public static let result: UInt16 = 0x0518
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

    /// The [BIK+17] round (0 AdvertiseKeys, 1 ShareKeys, 2 MaskedInputCollection, 3 Unmasking).
    public var round: UInt8 {
        switch payload {
        case .advertiseKeys, .keyList: 0
        case .encryptedShares, .shareBundle: 1
        case .maskedInput, .unmaskRequest: 2
        case .unmaskShares, .result: 3
        }
    }

    var tag: UInt16 {
        switch payload {
        case .advertiseKeys: WireTag.advertiseKeys
        case .keyList: WireTag.keyList
        case .encryptedShares: WireTag.encryptedShares
        case .shareBundle: WireTag.shareBundle
        case .maskedInput: WireTag.maskedInput
        case .unmaskRequest: WireTag.unmaskRequest
        case .unmaskShares: WireTag.unmaskShares
        case .result: WireTag.result
        }
    }

    /// The enveloped encoding (protocols/secagg.md#messages).
    /// - Returns: The bytes.
    public func wireEncoded() -> [UInt8] {
        let header = MessageHeader(sessionID: sessionID, round: round, sender: sender)
        var capacity = 0
        if case let .maskedInput(values) = payload { capacity = 4 + 8 * values.count }
        if case let .result(result) = payload { capacity = 8 + 8 * result.sum.count + 4 * result.contributors.count }
        return MessageCodec.encode(tag: tag, header: header, capacity: capacity) { writer in
            switch payload {
            case let .advertiseKeys(keys):
                keys.encodeKeys(to: &writer)
            case let .keyList(list):
                writer.writeUInt32(UInt32(list.count))
                for keys in list {
                    writer.writeUInt32(keys.party.rawValue)
                    keys.encodeKeys(to: &writer)
                }
            case let .encryptedShares(shares), let .shareBundle(shares):
                writer.writeUInt32(UInt32(shares.count))
                for share in shares { share.encode(to: &writer) }
            case let .maskedInput(values):
                writer.writeUInt64Array(values)
            case let .unmaskRequest(survivors):
                writer.writePartyList(survivors)
            case let .unmaskShares(seeds, keys):
                for (list, width) in [(seeds, SecAggCrypto.seedShareWidth), (keys, SecAggCrypto.keyShareWidth)] {
                    writer.writeUInt32(UInt32(list.count))
                    for share in list {
                        precondition(share.value.count == width, "revealed shares have their field's width")
                        writer.writeUInt32(share.owner.rawValue)
                        writer.writeRawBytes(share.value)
                    }
                }
            case let .result(result):
                writer.writeUInt64Array(result.sum)
                writer.writePartyList(result.contributors)
            }
        }
    }

    /// Decodes and checks framing, digest, header round, canonical ordering and fixed widths.
    /// - Parameters:
    ///   - bytes: One enveloped message.
    ///   - limits: The reader limits.
    /// - Throws: ``MPCProtocolError/wire(_:)`` or ``MPCProtocolError/corruptedMessage``.
    public init(wireEncoded bytes: [UInt8], limits: WireLimits = .default) throws(MPCProtocolError) {
        var (tag, body) = try MessageCodec.open(bytes, limits: limits)
        do throws(WireFormatError) {
            let round: UInt8
            switch tag {
            case WireTag.advertiseKeys, WireTag.keyList: round = 0
            case WireTag.encryptedShares, WireTag.shareBundle: round = 1
            case WireTag.maskedInput, WireTag.unmaskRequest: round = 2
            case WireTag.unmaskShares, WireTag.result: round = 3
            default: throw .unknownTag(tag)
            }
            let header = try MessageHeader.decode(from: &body, expectedRound: round)
            let payload: Payload
            switch tag {
            case WireTag.advertiseKeys:
                payload = .advertiseKeys(try SecAggAdvertisedKeys.decodeKeys(party: header.sender, from: &body))
            case WireTag.keyList:
                let count = try body.readLength(limit: body.limits.maxElementCount, unitSize: 4 + 64 + 4)
                var list: [SecAggAdvertisedKeys] = []
                for _ in 0..<count {
                    let party = PartyID(try body.readUInt32())
                    if let last = list.last, !(last.party < party) { throw .invalidValue("key list is not sorted by party") }
                    list.append(try SecAggAdvertisedKeys.decodeKeys(party: party, from: &body))
                }
                payload = .keyList(list)
            case WireTag.encryptedShares, WireTag.shareBundle:
                let count = try body.readLength(limit: body.limits.maxElementCount, unitSize: SecAggEncryptedShare.minimumByteCount)
                var shares: [SecAggEncryptedShare] = []
                for _ in 0..<count {
                    let share = try SecAggEncryptedShare.decode(from: &body)
                    if let last = shares.last, !(last.peer < share.peer) { throw .invalidValue("shares are not sorted by party") }
                    shares.append(share)
                }
                payload = tag == WireTag.encryptedShares ? .encryptedShares(shares) : .shareBundle(shares)
            case WireTag.maskedInput:
                payload = .maskedInput(try body.readUInt64Array())
            case WireTag.unmaskRequest:
                payload = .unmaskRequest(survivors: try body.readPartyList())
            case WireTag.unmaskShares:
                var lists: [[SecAggRevealedShare]] = []
                for width in [SecAggCrypto.seedShareWidth, SecAggCrypto.keyShareWidth] {
                    let count = try body.readLength(limit: body.limits.maxElementCount, unitSize: 4 + width)
                    var list: [SecAggRevealedShare] = []
                    for _ in 0..<count {
                        let owner = PartyID(try body.readUInt32())
                        if let last = list.last, !(last.owner < owner) { throw .invalidValue("revealed shares are not sorted by owner") }
                        list.append(SecAggRevealedShare(owner: owner, value: try body.readRawBytes(count: width)))
                    }
                    lists.append(list)
                }
                payload = .unmaskShares(selfMaskSeeds: lists[0], maskingKeys: lists[1])
            default:
                let sum = try body.readUInt64Array()
                payload = .result(SecAggResult(sum: sum, contributors: try body.readPartyList()))
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
        case .advertiseKeys: "advertiseKeys"
        case let .keyList(list): "keyList(count: \(list.count))"
        case let .encryptedShares(list): "encryptedShares(count: \(list.count))"
        case let .shareBundle(list): "shareBundle(count: \(list.count))"
        case let .maskedInput(values): "maskedInput(count: \(values.count), values: redacted)"
        case let .unmaskRequest(survivors): "unmaskRequest(survivors: \(survivors.count))"
        case let .unmaskShares(seeds, keys): "unmaskShares(seeds: \(seeds.count), keys: \(keys.count), values: redacted)"
        case let .result(result): "result(count: \(result.sum.count), contributors: \(result.contributors.count))"
        }
        return "SecAggMessage.\(kind) from \(sender)"
    }
}
