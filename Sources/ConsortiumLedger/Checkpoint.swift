public import CryptoPrimitives
public import WireFormat

/// A tree head: the log's size and root at one moment, RFC 9162 §4.10 in spirit, signed by the
/// sequencer and cosigned by members (transparency-log witnessing [Syta16; C2SP-tlog-cosignature]).
/// Spec: protocols/ledger.md#checkpoints.
public struct Checkpoint: Hashable, Sendable, WireCodable {
    /// The registered envelope tag (protocols/wire-format.md#type-tag-registry).
    public static let wireTag: UInt16 = 0x0402

    /// The log id (the genesis entry's leaf hash).
    public var logID: LedgerHash
    /// The number of entries covered.
    public var size: UInt64
    /// `MTH(D[0:size])`.
    public var root: LedgerHash
    /// The ``id`` of the checkpoint before this one (the latest of a smaller size), or zero for
    /// the first: checkpoints form a chain, so a deleted or reordered one is detected.
    public var previous: LedgerHash

    /// A checkpoint.
    /// - Parameters:
    ///   - logID: The log id.
    ///   - size: The tree size.
    ///   - root: The root at that size.
    ///   - previous: The predecessor's ``id`` (zero for the first checkpoint).
    public init(logID: LedgerHash, size: UInt64, root: LedgerHash, previous: LedgerHash = .zero) {
        self.logID = logID
        self.size = size
        self.root = root
        self.previous = previous
    }

    /// `SHA-256` of the encoding: what the next checkpoint names as its predecessor.
    public var id: LedgerHash { LedgerHash.sha256(wireEncoded()) }

    /// Encodes as `bytes[32] logID ‖ u64 size ‖ bytes[32] root ‖ bytes[32] previous`.
    /// - Parameter writer: The writer.
    public func encode(to writer: inout WireWriter) {
        writer.write(logID)
        writer.writeUInt64(size)
        writer.write(root)
        writer.write(previous)
    }

    /// Decodes a checkpoint.
    /// - Parameter reader: The reader.
    /// - Throws: `truncated`.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        logID = try LedgerHash(from: &reader)
        size = try reader.readUInt64()
        root = try LedgerHash(from: &reader)
        previous = try LedgerHash(from: &reader)
    }

    /// 104.
    public static var minimumWireByteCount: Int { 104 }

    /// `"covenant.ledger.checkpoint.v1" ‖ 0x00 ‖ checkpoint`: what the sequencer signs.
    public var sequencerMessage: [UInt8] { Self.checkpointDomain + wireEncoded() }

    /// `"covenant.ledger.cosignature.v1" ‖ 0x00 ‖ checkpoint`: what a cosigning member signs.
    public var cosignerMessage: [UInt8] { Self.cosignatureDomain + wireEncoded() }

    static let checkpointDomain: [UInt8] = Array("covenant.ledger.checkpoint.v2".utf8) + [0]
    static let cosignatureDomain: [UInt8] = Array("covenant.ledger.cosignature.v2".utf8) + [0]
}

/// A member's cosignature: "I hold this log, and its root at this size is this one."
public struct Cosignature: Hashable, Sendable, WireCodable {
    /// The cosigning member.
    public var signer: String
    /// Ed25519 over ``Checkpoint/cosignerMessage``.
    public var signature: [UInt8]

    /// A cosignature.
    /// - Parameters:
    ///   - signer: The member's name.
    ///   - signature: Its signature.
    public init(signer: String, signature: [UInt8]) {
        self.signer = signer
        self.signature = signature
    }

    /// `string signer ‖ bytes[64] signature`.
    /// - Parameter writer: The writer.
    public func encode(to writer: inout WireWriter) {
        writer.writeString(signer)
        writer.writeRawBytes(signature)
    }

    /// Decodes a cosignature.
    /// - Parameter reader: The reader.
    /// - Throws: A ``WireFormatError``.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        signer = try reader.readString()
        signature = try reader.readRawBytes(count: Ed25519.signatureByteCount)
    }

    /// 68.
    public static var minimumWireByteCount: Int { 68 }
}

/// A checkpoint with the sequencer's signature and the cosignatures gathered so far. It is
/// final once a quorum of voting members has cosigned it.
public struct SignedCheckpoint: Hashable, Sendable, WireCodable {
    /// The registered envelope tag (protocols/wire-format.md#type-tag-registry).
    public static let wireTag: UInt16 = 0x0403

    /// The tree head.
    public var checkpoint: Checkpoint
    /// The sequencer's member name.
    public var sequencer: String
    /// Ed25519 over ``Checkpoint/sequencerMessage``.
    public var signature: [UInt8]
    /// Members' cosignatures, in the order received.
    public var cosignatures: [Cosignature]

    /// A signed checkpoint.
    /// - Parameters:
    ///   - checkpoint: The tree head.
    ///   - sequencer: The sequencer's name.
    ///   - signature: The sequencer's signature.
    ///   - cosignatures: Cosignatures.
    public init(checkpoint: Checkpoint, sequencer: String, signature: [UInt8], cosignatures: [Cosignature] = []) {
        self.checkpoint = checkpoint
        self.sequencer = sequencer
        self.signature = signature
        self.cosignatures = cosignatures
    }

    /// Signs `checkpoint` as the sequencer.
    /// - Parameters:
    ///   - checkpoint: The tree head.
    ///   - sequencer: The sequencer's name.
    ///   - key: Its private key.
    /// - Returns: The signed checkpoint, without cosignatures.
    public static func sign(_ checkpoint: Checkpoint, as sequencer: String, key: Ed25519.PrivateKey) -> SignedCheckpoint {
        SignedCheckpoint(checkpoint: checkpoint, sequencer: sequencer, signature: key.signature(for: checkpoint.sequencerMessage))
    }

    /// Whether the sequencer signature verifies under `key`.
    /// - Parameter key: The sequencer's public key.
    /// - Returns: `true` if valid.
    public func hasValidSequencerSignature(_ key: Ed25519.PublicKey) -> Bool {
        key.isValidSignature(signature, for: checkpoint.sequencerMessage)
    }

    /// `Checkpoint ‖ string sequencer ‖ bytes[64] signature ‖ array<Cosignature>`.
    /// - Parameter writer: The writer.
    public func encode(to writer: inout WireWriter) {
        writer.write(checkpoint)
        writer.writeString(sequencer)
        writer.writeRawBytes(signature)
        writer.write(cosignatures)
    }

    /// Decodes a signed checkpoint.
    /// - Parameter reader: The reader.
    /// - Throws: A ``WireFormatError``.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        checkpoint = try Checkpoint(from: &reader)
        sequencer = try reader.readString()
        signature = try reader.readRawBytes(count: Ed25519.signatureByteCount)
        cosignatures = try reader.read([Cosignature].self)
    }
}

/// Proof that the sequencer equivocated: two checkpoints of the same log and size with different
/// roots, both validly signed by the same sequencer key. Anyone holding the sequencer's public
/// key can check it. Spec: protocols/ledger.md#equivocation.
public struct EquivocationEvidence: Hashable, Sendable, WireCodable {
    /// The registered envelope tag (protocols/wire-format.md#type-tag-registry).
    public static let wireTag: UInt16 = 0x0406

    /// One checkpoint.
    public var first: SignedCheckpoint
    /// The conflicting one.
    public var second: SignedCheckpoint

    /// Evidence.
    /// - Parameters:
    ///   - first: One checkpoint.
    ///   - second: The other.
    public init(first: SignedCheckpoint, second: SignedCheckpoint) {
        self.first = first
        self.second = second
    }

    /// Checks the evidence.
    /// - Parameter sequencerKey: The sequencer's public key.
    /// - Returns: `true` if both checkpoints are validly signed, name the same log and size, and
    ///   have different roots.
    public func isValid(sequencerKey: Ed25519.PublicKey) -> Bool {
        first.checkpoint.logID == second.checkpoint.logID
            && first.checkpoint.size == second.checkpoint.size
            && first.checkpoint.root != second.checkpoint.root
            && first.hasValidSequencerSignature(sequencerKey)
            && second.hasValidSequencerSignature(sequencerKey)
    }

    /// `SignedCheckpoint ‖ SignedCheckpoint`.
    /// - Parameter writer: The writer.
    public func encode(to writer: inout WireWriter) {
        writer.write(first)
        writer.write(second)
    }

    /// Decodes evidence.
    /// - Parameter reader: The reader.
    /// - Throws: A ``WireFormatError``.
    public init(from reader: inout WireReader) throws(WireFormatError) {
        first = try SignedCheckpoint(from: &reader)
        second = try SignedCheckpoint(from: &reader)
    }
}
