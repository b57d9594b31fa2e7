public import CryptoPrimitives
public import MultiPrecision
public import PaillierEncryption
public import WireFormat

/// What lets anyone re-check a threshold-Paillier aggregation without any key share: every
/// contributor's ciphertexts and the batches of decryption shares the aggregator combined. With
/// the threshold public key, ``verify(publicKey:)`` multiplies the ciphertexts into the
/// aggregate, checks every batch proof, combines and unpacks the sum — the public verifiability
/// of protocols/paillier-aggregation.md#evidence.
///
/// - Warning: the evidence decrypts: whoever holds it learns the sum, exactly as the protocol's
///   output parties do.
public struct PaillierAggregationEvidence: Sendable, Hashable {
    /// One contributor's packed ciphertexts.
    public struct Contribution: Sendable, Hashable {
        /// The contributor.
        public let party: PartyID
        /// Its ciphertexts, one per chunk (`bigint` values, validated by ``verify(publicKey:)``).
        public let ciphertexts: [BigInt]
        /// Its plaintext-knowledge proofs, one per ciphertext, bound to the session and the party.
        public let proofs: [Paillier.PlaintextKnowledgeProof]
        /// Its member's Ed25519 signature over ``signedBytes(sessionID:party:ciphertexts:proofs:)``
        /// (empty in sessions without signature keys).
        public let signature: [UInt8]

        /// A contribution.
        /// - Parameters:
        ///   - party: The contributor.
        ///   - ciphertexts: One ciphertext per chunk.
        ///   - proofs: One plaintext-knowledge proof per ciphertext.
        ///   - signature: Its member's signature, or empty.
        public init(party: PartyID, ciphertexts: [BigInt], proofs: [Paillier.PlaintextKnowledgeProof], signature: [UInt8] = []) {
            self.party = party
            self.ciphertexts = ciphertexts
            self.proofs = proofs
            self.signature = signature
        }

        /// What a member signs for its contribution: `"covenant/paillier-aggregation/v1/contribution"
        /// ‖ sid ‖ u32 party ‖ SHA-256(array<bigint> ciphertexts ‖ array<PlaintextKnowledgeProof>)`.
        public static func signedBytes(
            sessionID: SessionID, party: PartyID, ciphertexts: [BigInt], proofs: [Paillier.PlaintextKnowledgeProof]
        ) -> [UInt8] {
            var writer = WireWriter()
            writer.write(ciphertexts)
            writer.write(proofs)
            return Array("covenant/paillier-aggregation/v1/contribution".utf8) + sessionID.bytes + party.bigEndianBytes
                + SHA256.hash(writer.bytes)
        }

        /// Checks the contribution for `chunks` chunks under `key` in session `sessionID`: every
        /// ciphertext valid, every plaintext-knowledge proof valid for this party, and, when
        /// `signatureKey` is given, the member's signature. The one check the aggregator and the
        /// evidence share (protocols/paillier-aggregation.md#protocol).
        /// - Returns: The validated ciphertexts.
        /// - Throws: `lengthMismatch`, `invalidCiphertext`, `invalidPlaintextProof`,
        ///   `invalidContributionSignature`, naming ``party``.
        public func validated(
            sessionID: SessionID, key: Paillier.PublicKey, chunks: Int, signatureKey: Ed25519.PublicKey?
        ) throws(MPCProtocolError) -> [Paillier.Ciphertext] {
            guard ciphertexts.count == chunks, proofs.count == chunks else {
                throw .lengthMismatch(from: party, expected: chunks, actual: min(ciphertexts.count, proofs.count))
            }
            let context = PaillierAggregationConfiguration.proofContext(sessionID: sessionID, sender: party)
            var validated: [Paillier.Ciphertext] = []
            validated.reserveCapacity(chunks)
            for value in ciphertexts {
                guard let c = try? key.ciphertext(value) else { throw .invalidCiphertext(from: party) }
                validated.append(c)
            }
            // One batch check of the contribution's proofs: what one-by-one checks accept, up to
            // the sign of a commitment, at a fifth of the cost (protocols/paillier.md#plaintext-knowledge-proofs).
            let items = validated.indices.map { chunk in
                (proof: proofs[chunk], ciphertext: validated[chunk], context: Paillier.PublicKey.chunkContext(context, chunk: chunk))
            }
            guard key.verifyBatch(items) else { throw .invalidPlaintextProof(from: party) }
            if let signatureKey {
                let signed = Self.signedBytes(sessionID: sessionID, party: party, ciphertexts: ciphertexts, proofs: proofs)
                guard signatureKey.isValidSignature(signature, for: signed) else { throw .invalidContributionSignature(from: party) }
            }
            return validated
        }
    }

    /// The session (the run) the contributions' proofs are bound to.
    public let sessionID: SessionID
    /// `L`, the summed vector's length.
    public let vectorLength: Int
    /// `n`, the session's member count (the packing layout's addend limit).
    public let memberCount: Int
    /// The contributors' ciphertexts, by ascending party.
    public let contributions: [Contribution]
    /// The combined batches of decryption shares (the decryptors').
    public let decryptions: [Paillier.BatchDecryptionShare]

    /// Evidence.
    /// - Parameters:
    ///   - sessionID: The session.
    ///   - vectorLength: `L`.
    ///   - memberCount: `n`.
    ///   - contributions: The contributors' ciphertexts.
    ///   - decryptions: The combined batches.
    public init(
        sessionID: SessionID, vectorLength: Int, memberCount: Int, contributions: [Contribution],
        decryptions: [Paillier.BatchDecryptionShare]
    ) {
        self.sessionID = sessionID
        self.vectorLength = vectorLength
        self.memberCount = memberCount
        self.contributions = contributions
        self.decryptions = decryptions
    }

    /// The contributors.
    public var contributors: [PartyID] { contributions.map(\.party) }
    /// The decryptors.
    public var decryptors: [PartyID] { decryptions.map { PartyID(UInt32(clamping: $0.index)) } }

    /// Checks every contribution (``Contribution/validated(sessionID:key:chunks:signatureKey:)``:
    /// ciphertexts, plaintext-knowledge proofs, and the members' signatures when their keys are
    /// given), recomputes the aggregate `A = ∏ C_u` chunk by chunk, verifies every batch proof,
    /// combines with the threshold and unpacks the slots.
    /// - Parameters:
    ///   - publicKey: The key of the run's ceremony.
    ///   - signatureKeys: The members' Ed25519 keys by party (every contribution must then be
    ///     signed by its member), or nil.
    /// - Returns: `Σ_u x_u mod 2^64`, `L` values.
    /// - Throws: ``MPCProtocolError/invalidConfiguration(_:)`` for parameters the key cannot pack,
    ///   ``MPCProtocolError/lengthMismatch(from:expected:actual:)``,
    ///   ``MPCProtocolError/invalidCiphertext(from:)`` or
    ///   ``MPCProtocolError/invalidPlaintextProof(from:)`` naming the contributor,
    ///   ``MPCProtocolError/unknownParty(_:)`` for a repeated contributor, or
    ///   ``MPCProtocolError/paillier(_:)`` (`invalidDecryptionShare(party:)`, `insufficientShares`, …).
    public func verify(
        publicKey: Paillier.ThresholdPublicKey, signatureKeys: [PartyID: Ed25519.PublicKey]? = nil
    ) throws(MPCProtocolError) -> [UInt64] {
        let layout: Paillier.PackingLayout
        do { layout = try Paillier.PackingLayout(publicKey: publicKey.publicKey, maxAddends: memberCount) } catch {
            throw .invalidConfiguration("the key cannot pack sums of \(memberCount) members")
        }
        guard vectorLength >= 0, vectorLength <= Int(UInt32.max) else {
            throw .invalidConfiguration("the evidence's vector length is outside 0…2^32−1")
        }
        guard !contributions.isEmpty, contributions.count <= memberCount else {
            throw .invalidConfiguration("evidence needs 1…\(memberCount) contributions")
        }
        let chunks = Paillier.PackingLayout.chunkCount(vectorLength, slots: layout.slotCount)
        let aggregate = try Self.aggregate(
            of: contributions, sessionID: sessionID, key: publicKey.publicKey, chunks: chunks, memberCount: memberCount,
            signatureKeys: signatureKeys)
        do {
            return layout.unpackSum(
                try publicKey.combine(decryptions, for: aggregate), vectorLength: vectorLength, contributors: contributions.count)
        } catch {
            throw .paillier(error)
        }
    }
}

extension PaillierAggregationEvidence {
    /// `A = ∏ C_u` chunk by chunk over distinct members' contributions, each validated first
    /// (``Contribution/validated(sessionID:key:chunks:signatureKey:)``): what a key holder
    /// decrypts and an auditor re-checks, computed by each of them rather than taken from the
    /// aggregator (protocols/paillier-aggregation.md#protocol).
    /// - Parameters:
    ///   - contributions: At least one contribution.
    ///   - sessionID: The session.
    ///   - key: The encryption key.
    ///   - chunks: `k`.
    ///   - memberCount: `n`: parties are in `1…n`.
    ///   - signatureKeys: Members' keys (every contribution must be signed), or nil.
    /// - Returns: The aggregate, `k` ciphertexts.
    /// - Throws: `unknownParty` for a repeated or unknown party, or a contribution's error.
    public static func aggregate(
        of contributions: [Contribution], sessionID: SessionID, key: Paillier.PublicKey, chunks: Int, memberCount: Int,
        signatureKeys: [PartyID: Ed25519.PublicKey]?
    ) throws(MPCProtocolError) -> [Paillier.Ciphertext] {
        var aggregate: [Paillier.Ciphertext] = []
        var seen = Set<PartyID>()
        for contribution in contributions {
            guard seen.insert(contribution.party).inserted, (1...max(1, memberCount)).contains(Int(contribution.party.rawValue)) else {
                throw .unknownParty(contribution.party)
            }
            var signatureKey: Ed25519.PublicKey?
            if let signatureKeys {
                guard let known = signatureKeys[contribution.party] else { throw .invalidContributionSignature(from: contribution.party) }
                signatureKey = known
            }
            let ciphertexts = try contribution.validated(sessionID: sessionID, key: key, chunks: chunks, signatureKey: signatureKey)
            if aggregate.isEmpty {
                aggregate = ciphertexts
            } else {
                for i in aggregate.indices { key.accumulate(&aggregate[i], ciphertexts[i]) }
            }
        }
        return aggregate
    }
}

extension PaillierAggregationEvidence.Contribution: WireEncodable, WireDecodable {
    /// `u32 party ‖ array<bigint> ciphertexts ‖ array<PlaintextKnowledgeProof> ‖ bytes signature`.
    public func encode(to writer: inout WireWriter) {
        writer.writeUInt32(party.rawValue)
        writer.write(ciphertexts)
        writer.write(proofs)
        writer.writeByteString(signature)
    }

    /// Decodes (bounded by the reader's limits); ``validated(sessionID:key:chunks:signatureKey:)`` checks it.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        let party = PartyID(try reader.readUInt32())
        let ciphertexts = try reader.readArray(of: BigInt.self)
        let proofs = try reader.readArray(of: Paillier.PlaintextKnowledgeProof.self)
        self.init(party: party, ciphertexts: ciphertexts, proofs: proofs, signature: try reader.readByteString())
    }

    /// A party, two empty arrays and an empty signature.
    public static var minimumWireByteCount: Int { 16 }
}

extension Paillier.PackingLayout {
    /// `max(1, ⌈L / slots⌉)`: the chunks a vector of `L` values needs.
    /// - Parameters:
    ///   - vectorLength: `L`.
    ///   - slots: Slots per plaintext.
    /// - Returns: The chunk count.
    static func chunkCount(_ vectorLength: Int, slots: Int) -> Int { max(1, (vectorLength + slots - 1) / slots) }

    /// A member's value `x ∈ Z_2^64` as it is encrypted: `x + 2^63 mod 2^64`, which is the
    /// signed value plus `2^63` as an integer in `[0, 2^64)`. Summed over `c` contributors, a slot
    /// holds `Σ x_i + c·2^63` exactly, so its bits above 64 depend on the sum and `c` only, not on
    /// how many members contributed a negative value (protocols/paillier-aggregation.md#what-leaks).
    /// - Parameter value: The member's value.
    /// - Returns: The offset value.
    static func offset(_ value: UInt64) -> UInt64 { value ^ (1 << 63) }

    /// The first `L` slots of the chunk plaintexts, each reduced modulo 2^64, with the
    /// contributors' offsets `c·2^63` removed.
    func unpackSum(_ plaintexts: [BigInt], vectorLength: Int, contributors: Int) -> [UInt64] {
        let offsets: UInt64 = contributors % 2 == 1 ? 1 << 63 : 0  // c·2^63 mod 2^64
        var sum: [UInt64] = []
        sum.reserveCapacity(vectorLength)
        for (chunk, plaintext) in plaintexts.enumerated() {
            let count = min(slotCount, vectorLength - chunk * slotCount)
            if count > 0 { sum += unpack(plaintext, count: count).map { $0.low64 &- offsets } }
        }
        return sum
    }
}

extension PaillierAggregationEvidence: WireEncodable, WireDecodable {
    /// `bytes[32] sid ‖ u32 L ‖ u32 n ‖ u32 k ‖ k × (u32 party ‖ array<bigint> ‖
    /// array<PlaintextKnowledgeProof> ‖ bytes signature) ‖ u32 d ‖ d × BatchDecryptionShare`.
    public func encode(to writer: inout WireWriter) {
        writer.writeRawBytes(sessionID.bytes)
        writer.writeUInt32(UInt32(vectorLength))
        writer.writeUInt32(UInt32(memberCount))
        writer.write(contributions)
        writer.writeUInt32(UInt32(decryptions.count))
        for batch in decryptions { batch.encode(to: &writer) }
    }

    /// Decodes (bounded by the reader's limits); ``verify(publicKey:)`` validates the contents.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        sessionID = SessionID(unchecked: try reader.readRawBytes(count: SessionID.byteCount))
        vectorLength = Int(try reader.readUInt32())
        memberCount = Int(try reader.readUInt32())
        contributions = try reader.readArray(of: Contribution.self)
        let batches = try reader.readLength(limit: reader.limits.maxElementCount, unitSize: 20)
        var decryptions: [Paillier.BatchDecryptionShare] = []
        for _ in 0..<batches { decryptions.append(try Paillier.BatchDecryptionShare(from: &reader)) }
        self.decryptions = decryptions
    }
}
