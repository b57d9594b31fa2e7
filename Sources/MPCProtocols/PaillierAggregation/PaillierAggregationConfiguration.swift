public import CryptoPrimitives
public import PaillierEncryption

/// The public parameters of a threshold-Paillier aggregation session.
/// Spec: protocols/paillier-aggregation.md#parameters.
public struct PaillierAggregationConfiguration: Sendable {
    /// The session (run) id.
    public let sessionID: SessionID
    /// `n`: the members `PartyID(1)…PartyID(n)` each contribute a vector.
    public let memberCount: Int
    /// `L`: the vector length (values in `Z_2^64`; two's complement for signed values).
    public let vectorLength: Int
    /// The aggregator role's id, outside `1…n`.
    public let aggregator: PartyID
    /// The threshold key from the key ceremony: key holder `i` is member `PartyID(i)`, `i ≤ ℓ ≤ n`.
    public let publicKey: Paillier.ThresholdPublicKey
    /// Decryption is refused (by key holders) and the session aborted (by the aggregator) if fewer
    /// members contribute, so an aggregate is never the ciphertext of a single member.
    public let minimumContributors: Int
    /// Packing: `maxAddends = n`, so the sum of every member's vector cannot carry between slots.
    public let layout: Paillier.PackingLayout
    /// Members' Ed25519 keys (from the ledger). When given, every member signs its contribution
    /// (ciphertexts and proofs) and the aggregator and the evidence check it, so no one can
    /// contribute in another member's name (protocols/paillier-aggregation.md#threat-model).
    public let signatureKeys: [PartyID: Ed25519.PublicKey]?

    /// A configuration.
    /// - Parameters:
    ///   - sessionID: The run id.
    ///   - memberCount: `n`, 2…1000.
    ///   - vectorLength: `L`, 0…2^24.
    ///   - publicKey: The threshold key (`ℓ ≤ n`).
    ///   - aggregator: The aggregator's id (default ``PartyID/aggregator``), outside `1…n`.
    ///   - minimumContributors: At least 2 and at most `n` (default 2).
    ///   - signatureKeys: Every member's Ed25519 public key, or nil for unsigned contributions.
    /// - Throws: ``MPCProtocolError/invalidConfiguration(_:)`` or a packing error.
    public init(
        sessionID: SessionID, memberCount: Int, vectorLength: Int, publicKey: Paillier.ThresholdPublicKey,
        aggregator: PartyID = .aggregator, minimumContributors: Int = 2, signatureKeys: [PartyID: Ed25519.PublicKey]? = nil
    ) throws {
        guard memberCount >= 2, memberCount <= 1000 else {
            throw MPCProtocolError.invalidConfiguration("paillier aggregation needs 2…1000 members")
        }
        guard vectorLength >= 0, vectorLength <= 1 << 24 else {
            throw MPCProtocolError.invalidConfiguration("vector length must be in 0…2^24")
        }
        guard publicKey.parties <= memberCount else {
            throw MPCProtocolError.invalidConfiguration("every key holder must be a member (ℓ ≤ n)")
        }
        guard !(1...UInt32(memberCount)).contains(aggregator.rawValue) else {
            throw MPCProtocolError.invalidConfiguration("the aggregator role needs an id outside 1…n")
        }
        guard minimumContributors >= 2, minimumContributors <= memberCount else {
            throw MPCProtocolError.invalidConfiguration("minimum contributors must be in 2…n")
        }
        if let signatureKeys, Set(signatureKeys.keys) != Set(PartyID.members(memberCount)) {
            throw MPCProtocolError.invalidConfiguration("signature keys must name exactly the members 1…n")
        }
        self.signatureKeys = signatureKeys
        do { layout = try Paillier.PackingLayout(publicKey: publicKey.publicKey, maxAddends: memberCount) } catch {
            throw MPCProtocolError.paillier(error)
        }
        self.sessionID = sessionID
        self.memberCount = memberCount
        self.vectorLength = vectorLength
        self.aggregator = aggregator
        self.publicKey = publicKey
        self.minimumContributors = minimumContributors
    }

    /// `PartyID(1)…PartyID(n)`.
    public var members: [PartyID] { PartyID.members(memberCount) }
    /// `PartyID(1)…PartyID(ℓ)`.
    public var keyHolders: [PartyID] { PartyID.members(publicKey.parties) }
    /// Ciphertexts per vector: `max(1, ⌈L / slots⌉)`.
    public var chunkCount: Int { Paillier.PackingLayout.chunkCount(vectorLength, slots: layout.slotCount) }

    func isMember(_ party: PartyID) -> Bool { party.rawValue >= 1 && party.rawValue <= UInt32(memberCount) }
    func isKeyHolder(_ party: PartyID) -> Bool { party.rawValue >= 1 && party.rawValue <= UInt32(publicKey.parties) }

    /// What a member's plaintext-knowledge proofs are bound to: `"covenant/paillier-aggregation/v1/input"
    /// ‖ sid ‖ u32 sender` (chunk `j` appends `u32 j`; protocols/paillier-aggregation.md#protocol).
    /// - Parameters:
    ///   - sessionID: The session.
    ///   - sender: The contributing member.
    /// - Returns: The context bytes.
    public static func proofContext(sessionID: SessionID, sender: PartyID) -> [UInt8] {
        Array("covenant/paillier-aggregation/v1/input".utf8) + sessionID.bytes + sender.bigEndianBytes
    }

    /// The committed bytes: `"covenant/paillier-aggregation/v1/ciphertexts" ‖ sid ‖ u32 u ‖ array<bigint>`.
    func committedBytes(sender: PartyID, ciphertexts: [Paillier.Ciphertext]) -> [UInt8] {
        Array("covenant/paillier-aggregation/v1/ciphertexts".utf8) + sessionID.bytes + sender.bigEndianBytes
            + PaillierAggregationMessage.encodeCiphertexts(ciphertexts)
    }
}

/// What a Paillier aggregation outputs.
public struct PaillierAggregationResult: Sendable, Hashable {
    /// `Σ_{u ∈ contributors} x_u` element-wise modulo 2^64 (the packed slot sums' low 64 bits).
    public let sum: [UInt64]
    /// The members whose ciphertexts were multiplied (sorted).
    public let contributors: [PartyID]
    /// The key holders whose decryption shares were combined (sorted).
    public let decryptors: [PartyID]
    /// Key holders whose decryption shares failed their proofs (sorted; excluded).
    public let faultyKeyHolders: [PartyID]

    /// A result.
    /// - Parameters:
    ///   - sum: The sum.
    ///   - contributors: The members included.
    ///   - decryptors: The key holders used.
    ///   - faultyKeyHolders: The key holders caught with bad shares.
    public init(sum: [UInt64], contributors: [PartyID], decryptors: [PartyID], faultyKeyHolders: [PartyID]) {
        self.sum = sum
        self.contributors = contributors
        self.decryptors = decryptors
        self.faultyKeyHolders = faultyKeyHolders
    }
}
