public import ConsortiumLedger
import CryptoPrimitives
import SecretSharing

/// One participant's seed of the one-time pads it adds to a recipient group's restricted slots
/// in a run, sent directly to each recipient of the group, never through the coordinator.
/// Spec: protocols/runtime.md#output-pads.
public struct PadSeed: Sendable, Hashable, CustomStringConvertible {
    /// The run.
    public var runID: LedgerHash
    /// The participant that drew it (the authenticated caller across nodes).
    public var sender: String
    /// The recipient group, sorted.
    public var group: [String]
    /// The 32-byte seed.
    public var seed: [UInt8]

    /// The number of seed bytes.
    public static let byteCount = 32

    /// A seed.
    /// - Parameters:
    ///   - runID: The run.
    ///   - sender: The participant that drew it.
    ///   - group: The recipient group.
    ///   - seed: The seed.
    public init(runID: LedgerHash, sender: String, group: [String], seed: [UInt8]) {
        self.runID = runID
        self.sender = sender
        self.group = group
        self.seed = seed
    }

    /// Redacted: names the run, the sender and the group, never the seed.
    public var description: String { "PadSeed(run \(runID.hex.prefix(16))…, from \(sender), to [\(group.joined(separator: ", "))])" }

    /// The pads this seed expands to on `slots` among `count` slots: AES-128-CTR under
    /// `HKDF-SHA256(seed, salt "covenant/runtime/output-pad/v1", info runID ‖ sender ‖ group)`,
    /// one word per slot in `Z_2^64`, or under `beaver` two words per slot read as 127 bits and
    /// reduced into `F_p` (bias below 2^-126).
    /// - Parameters:
    ///   - slots: The group's slots.
    ///   - count: The plan's slot count.
    ///   - field: Whether the slots are `F_p` elements (`beaver`).
    /// - Returns: One pad per slot of the plan, 0 outside `slots`.
    /// - Throws: ``RuntimeError`` `invalidParticipants` for a seed of the wrong length.
    func pads(slots: [Int], count: Int, field: Bool) throws(RuntimeError) -> [UInt128] {
        guard seed.count == Self.byteCount else {
            throw RuntimeError(.invalidParticipants, "an output pad seed from \(sender) is not \(Self.byteCount) bytes")
        }
        var info = runID.bytes
        for name in [sender] + group {
            let bytes = Array(name.utf8)
            withUnsafeBytes(of: UInt32(bytes.count).bigEndian) { info += $0 }
            info += bytes
        }
        var generator: AESCTRGenerator
        do {
            let key = try HKDF.deriveKey(
                inputKeyMaterial: seed, salt: Array("covenant/runtime/output-pad/v1".utf8), info: info,
                outputByteCount: AESCTRGenerator.seedByteCount)
            generator = try AESCTRGenerator(seed: key)
        } catch {
            throw RuntimeError(.invalidConfiguration, "the output pads could not be expanded: \(error)")
        }
        let words = generator.nextWords(count: field ? 2 * count : count)
        var pads = [UInt128](repeating: 0, count: count)
        let p = MersenneField127()
        for slot in slots where slot < count {
            pads[slot] = field
                ? p.element(reducing: (UInt128(words[2 * slot]) << 64 | UInt128(words[2 * slot + 1])) & MersenneField127.modulus)
                : UInt128(words[slot])
        }
        return pads
    }
}

/// How a participant's seeds reach the recipients: a direct call on the recipient's member in one
/// process (``Consortium``), a member control call to the recipient's node across nodes.
public protocol PadSeedCourier: Sendable {
    /// Delivers `seed` to `recipient`.
    /// - Parameters:
    ///   - seed: The seed (its sender is the calling participant).
    ///   - recipient: A member of the seed's group.
    /// - Throws: when the recipient cannot be reached or refuses it.
    func deliver(_ seed: PadSeed, to recipient: String) async throws
}

/// What the coordinator hands each recipient after publication: the protocol's output (public
/// slots in the clear, restricted slots masked by the contributors' pads), the contributors and
/// the nonce opening the ledger's `resultHash`. The recipient removes its groups' pads and
/// assembles its own view. Spec: protocols/runtime.md#output-pads.
public struct ResultDelivery: Sendable, Hashable {
    /// The run.
    public var runID: LedgerHash
    /// The protocol output words, restricted slots masked.
    public var sum: [UInt64]
    /// The contributors, as `result-published` lists them.
    public var contributors: [String]
    /// The nonce opening `resultHash`.
    public var opening: [UInt8]

    /// A delivery.
    /// - Parameters:
    ///   - runID: The run.
    ///   - sum: The masked output.
    ///   - contributors: The contributors.
    ///   - opening: The nonce opening `resultHash`.
    public init(runID: LedgerHash, sum: [UInt64], contributors: [String], opening: [UInt8]) {
        self.runID = runID
        self.sum = sum
        self.contributors = contributors
        self.opening = opening
    }

    /// What `resultHash` commits to (`HashCommitment`): `"covenant/runtime/result/v2" ‖ runID ‖
    /// u32 L ‖ L × u64 sum ‖ u32 k ‖ k × (u32 len ‖ name)` (big-endian), the masked output and
    /// the contributors: nothing a recipient could test a withheld output against.
    public var committedBytes: [UInt8] {
        var bytes = Array("covenant/runtime/result/v2".utf8) + runID.bytes
        withUnsafeBytes(of: UInt32(sum.count).bigEndian) { bytes += $0 }
        for word in sum { withUnsafeBytes(of: word.bigEndian) { bytes += $0 } }
        withUnsafeBytes(of: UInt32(contributors.count).bigEndian) { bytes += $0 }
        for name in contributors {
            let utf8 = Array(name.utf8)
            withUnsafeBytes(of: UInt32(utf8.count).bigEndian) { bytes += $0 }
            bytes += utf8
        }
        return bytes
    }
}
