public import CryptoPrimitives
import MultiPrecision
import SecretSharing

/// The public parameters of a SecAgg session; the members and the aggregator use equal ones.
/// Spec: protocols/secagg.md#parameters.
public struct SecAggConfiguration: Sendable {
    /// The session (run) id.
    public let sessionID: SessionID
    /// `n`: the members are `PartyID(1)…PartyID(n)`; member `u`'s Shamir point is `x = u`.
    public let memberCount: Int
    /// `t`: the fewest members that must survive each round; any `t` unmasking responses
    /// reconstruct a secret, fewer reveal nothing about it.
    public let threshold: Int
    /// `L`: the vector length (values in `Z_2^64`).
    public let vectorLength: Int
    /// The aggregator ("server") role's id, outside `1…n`.
    public let aggregator: PartyID
    /// Members' Ed25519 keys (from the ledger's genesis entry). When given, every advertised
    /// key pair must be signed, and members and aggregator verify the signatures.
    public let signatureKeys: [PartyID: Ed25519.PublicKey]?

    /// A configuration.
    /// - Parameters:
    ///   - sessionID: The run id.
    ///   - memberCount: `n`, 2…1000.
    ///   - threshold: `t` with `2 ≤ t ≤ n` (BIK+17 recommends `t > n/2`; see the spec).
    ///   - vectorLength: `L`, 0…2^32−1.
    ///   - aggregator: The aggregator's id (default ``PartyID/aggregator``), not in `1…n`.
    ///   - signatureKeys: Every member's Ed25519 public key, or nil for unsigned key adverts.
    /// - Throws: ``MPCProtocolError/invalidConfiguration(_:)``.
    public init(
        sessionID: SessionID, memberCount: Int, threshold: Int, vectorLength: Int,
        aggregator: PartyID = .aggregator, signatureKeys: [PartyID: Ed25519.PublicKey]? = nil
    ) throws {
        guard memberCount >= 2, memberCount <= 1000 else {
            throw MPCProtocolError.invalidConfiguration("secagg needs 2…1000 members")
        }
        guard threshold >= 2, threshold <= memberCount else {
            throw MPCProtocolError.invalidConfiguration("the threshold must satisfy 2 ≤ t ≤ n")
        }
        guard vectorLength >= 0, vectorLength <= Int(UInt32.max) else {
            throw MPCProtocolError.invalidConfiguration("vector length must be in 0…2^32−1")
        }
        guard !(1...UInt32(memberCount)).contains(aggregator.rawValue) else {
            throw MPCProtocolError.invalidConfiguration("the aggregator role needs an id outside 1…n")
        }
        if let signatureKeys {
            guard Set(signatureKeys.keys) == Set(PartyID.members(memberCount)) else {
                throw MPCProtocolError.invalidConfiguration("signature keys must cover exactly the members")
            }
        }
        self.sessionID = sessionID
        self.memberCount = memberCount
        self.threshold = threshold
        self.vectorLength = vectorLength
        self.aggregator = aggregator
        self.signatureKeys = signatureKeys
    }

    /// `PartyID(1)…PartyID(n)`.
    public var members: [PartyID] { PartyID.members(memberCount) }

    func isMember(_ party: PartyID) -> Bool { party.rawValue >= 1 && party.rawValue <= UInt32(memberCount) }
}

/// What a SecAgg session outputs: the sum over `Z_2^64` of the inputs of ``contributors``
/// (the members whose masked input the aggregator received: `U3` in [BIK+17]).
public struct SecAggResult: Sendable, Hashable {
    /// `Σ_{u ∈ contributors} x_u` element-wise, modulo 2^64.
    public let sum: [UInt64]
    /// The members whose inputs the sum includes (sorted).
    public let contributors: [PartyID]

    /// A result.
    /// - Parameters:
    ///   - sum: The sum.
    ///   - contributors: The members included.
    public init(sum: [UInt64], contributors: [PartyID]) {
        self.sum = sum
        self.contributors = contributors
    }
}

/// The fields, key derivations and encodings of protocols/secagg.md#cryptography.
enum SecAggCrypto {
    /// Shares of the 256-bit masking secret key `s_u^SK`.
    static let keyField = PrimeField.smallestPrime(above: 256)
    /// Shares of the 128-bit self-mask seed `b_u`.
    static let seedField = PrimeField.smallestPrime(above: 128)
    static let keyShareWidth = (keyField.p.bitWidth + 7) / 8
    static let seedShareWidth = (seedField.p.bitWidth + 7) / 8
    /// `u32 sender ‖ u32 recipient ‖ bytes[w_s] ‖ bytes[w_b]`.
    static let sharePlaintextCount = 8 + keyShareWidth + seedShareWidth

    static func u32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    static func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as CryptoError {
            throw MPCProtocolError.crypto(error)
        }
    }

    /// The bytes a member signs: `"covenant/secagg/v1/advertise-keys" ‖ sid ‖ u32 u ‖ c_u^PK ‖ s_u^PK`.
    static func advertisement(session: SessionID, party: PartyID, encryptionKey: X25519.PublicKey, maskingKey: X25519.PublicKey) -> [UInt8] {
        Array("covenant/secagg/v1/advertise-keys".utf8) + session.bytes + u32(party.rawValue)
            + encryptionKey.rawRepresentation + maskingKey.rawRepresentation
    }

    /// `K_{u→v} = HKDF(X25519(c_u^SK, c_v^PK), salt: sid, info: "covenant/secagg/v1/share-encryption" ‖ u32 u ‖ u32 v)`.
    static func shareKey(
        own: X25519.PrivateKey, peer: X25519.PublicKey, session: SessionID, sender: PartyID, recipient: PartyID
    ) throws -> [UInt8] {
        try wrap {
            let secret = try own.sharedSecret(with: peer)
            return try HKDF.deriveKey(
                inputKeyMaterial: secret, salt: session.bytes,
                info: Array("covenant/secagg/v1/share-encryption".utf8) + u32(sender.rawValue) + u32(recipient.rawValue),
                outputByteCount: AESGCM.keyByteCount)
        }
    }

    /// `"covenant/secagg/v1/share" ‖ sid ‖ u32 u ‖ u32 v`.
    static func shareAAD(session: SessionID, sender: PartyID, recipient: PartyID) -> [UInt8] {
        Array("covenant/secagg/v1/share".utf8) + session.bytes + u32(sender.rawValue) + u32(recipient.rawValue)
    }

    /// `s_{u,v} = HKDF(X25519(s_u^SK, s_v^PK), salt: sid, info: "covenant/secagg/v1/pairwise-mask")`, 16 bytes.
    static func pairwiseSeed(own: X25519.PrivateKey, peer: X25519.PublicKey, session: SessionID) throws -> [UInt8] {
        try wrap {
            let secret = try own.sharedSecret(with: peer)
            return try HKDF.deriveKey(
                inputKeyMaterial: secret, salt: session.bytes, info: Array("covenant/secagg/v1/pairwise-mask".utf8),
                outputByteCount: 16)
        }
    }

    static func fieldBytes(_ value: BigInt, width: Int) -> [UInt8] {
        value.bigEndianMagnitude(count: width)!  // canonical elements fit their field's width
    }
}
