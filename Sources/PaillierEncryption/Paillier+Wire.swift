import MultiPrecision
public import WireFormat

// Wire encodings of Paillier objects (protocols/paillier.md#wire-encoding; tags registered in
// protocols/wire-format.md#type-tag-registry). Every decoder validates what it reads: a
// decoded key, ciphertext or share is as trustworthy as one built in-process.

extension Paillier {
    /// Registered envelope tags of the Paillier types.
    public enum WireTag {
        /// ``Paillier/PublicKey``.
        public static let publicKey: UInt16 = 0x0101
        /// ``Paillier/Ciphertext`` (needs its key to validate: decode its `BigInt`, then
        /// ``Paillier/PublicKey/ciphertext(_:)``).
        public static let ciphertext: UInt16 = 0x0102
        /// ``Paillier/ThresholdPublicKey``.
        public static let thresholdPublicKey: UInt16 = 0x0103
        /// ``Paillier/DecryptionShare`` with its proof.
        public static let decryptionShare: UInt16 = 0x0104
        /// ``Paillier/PackedCiphertext``'s layout and ciphertext values.
        public static let packedCiphertext: UInt16 = 0x0105
        /// ``Paillier/BatchDecryptionShare`` with its proof.
        public static let batchDecryptionShare: UInt16 = 0x0106
    }
}

extension Paillier.PublicKey: WireEncodable, WireDecodable {
    /// `bigint n ‖ bigint h_s`.
    public func encode(to writer: inout WireWriter) {
        writer.writeBigInt(n)
        writer.writeBigInt(hs)
    }

    /// Decodes and validates (odd `n`, `h_s` a unit of `Z_{n²}`).
    public init(from reader: inout WireReader) throws(WireFormatError) {
        let n = try reader.readBigInt(), hs = try reader.readBigInt()
        do {
            try self.init(n: n, hs: hs)
        } catch {
            throw .invalidValue("not a valid Paillier public key")
        }
    }
}

extension Paillier.ThresholdPublicKey: WireEncodable, WireDecodable {
    /// `PublicKey ‖ u32 t ‖ u32 ℓ ‖ bigint v ‖ array<bigint> v_i`.
    public func encode(to writer: inout WireWriter) {
        publicKey.encode(to: &writer)
        writer.writeUInt32(UInt32(threshold))
        writer.writeUInt32(UInt32(parties))
        writer.writeBigInt(v)
        writer.write(verificationKeys)
    }

    /// Decodes and validates.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        let publicKey = try Paillier.PublicKey(from: &reader)
        let threshold = Int(try reader.readUInt32()), parties = Int(try reader.readUInt32())
        let v = try reader.readBigInt()
        let keys = try reader.readArray(of: BigInt.self)
        do {
            try self.init(publicKey: publicKey, threshold: threshold, parties: parties, v: v, verificationKeys: keys)
        } catch {
            throw .invalidValue("not a valid threshold Paillier public key")
        }
    }
}

extension Paillier.DecryptionShare: WireEncodable, WireDecodable {
    /// `u32 index ‖ bigint c_i ‖ bigint e ‖ bigint z`. Validity against a key and a
    /// ciphertext is checked by ``Paillier/ThresholdPublicKey/isValid(_:for:)``.
    public func encode(to writer: inout WireWriter) {
        writer.writeUInt32(UInt32(index))
        writer.writeBigInt(value)
        writer.writeBigInt(proof.challenge)
        writer.writeBigInt(proof.response)
    }

    /// Decodes; refuses index 0 and negative values.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        let index = Int(try reader.readUInt32())
        let value = try reader.readBigInt(), e = try reader.readBigInt(), z = try reader.readBigInt()
        guard index >= 1, value.signum > 0, !e.isNegative, !z.isNegative else {
            throw .invalidValue("malformed decryption share")
        }
        self.init(index: index, value: value, proof: Paillier.DecryptionShareProof(challenge: e, response: z))
    }
}

extension Paillier.BatchDecryptionShare: WireEncodable, WireDecodable {
    /// `u32 index ‖ array<bigint> c_{i,j} ‖ bigint e ‖ bigint z`. Validity against a key and the
    /// ciphertexts is checked by `ThresholdPublicKey.isValid(_:for:)`.
    public func encode(to writer: inout WireWriter) {
        writer.writeUInt32(UInt32(index))
        writer.write(values)
        writer.writeBigInt(proof.challenge)
        writer.writeBigInt(proof.response)
    }

    /// Decodes; refuses index 0, an empty batch and negative values.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        let index = Int(try reader.readUInt32())
        let values = try reader.readArray(of: BigInt.self)
        let e = try reader.readBigInt(), z = try reader.readBigInt()
        guard index >= 1, !values.isEmpty, values.allSatisfy({ $0.signum > 0 }), !e.isNegative, !z.isNegative else {
            throw .invalidValue("malformed batch of decryption shares")
        }
        self.init(index: index, values: values, proof: Paillier.DecryptionShareProof(challenge: e, response: z))
    }
}

extension Paillier.PublicKey {
    /// Decodes a ciphertext encoded as a `bigint` and validates it under this key.
    /// - Throws: ``WireFormatError`` for malformed bytes, ``PaillierError/invalidCiphertext``
    ///   for a value that is not a unit of `Z_{n²}`.
    public func decodeCiphertext(from reader: inout WireReader) throws -> Paillier.Ciphertext {
        try ciphertext(try reader.readBigInt())
    }
}

extension Paillier.Ciphertext: WireEncodable {
    /// `bigint c`.
    public func encode(to writer: inout WireWriter) { writer.writeBigInt(value) }
}

extension Paillier.PlaintextKnowledgeProof: WireEncodable, WireDecodable {
    /// `bigint a ‖ bigint z₁ ‖ bigint z₂`. Validity is checked by
    /// ``Paillier/PublicKey/verify(_:of:context:)``.
    public func encode(to writer: inout WireWriter) {
        writer.writeBigInt(commitment)
        writer.writeBigInt(plaintextResponse)
        writer.writeBigInt(exponentResponse)
    }

    /// Decodes; refuses negative values.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        let a = try reader.readBigInt(), z1 = try reader.readBigInt(), z2 = try reader.readBigInt()
        guard a.signum > 0, !z1.isNegative, !z2.isNegative else { throw .invalidValue("malformed plaintext-knowledge proof") }
        self.init(commitment: a, plaintextResponse: z1, exponentResponse: z2)
    }

    /// Three `bigint`s.
    public static var minimumWireByteCount: Int { 3 * BigInt.minimumWireByteCount }
}
