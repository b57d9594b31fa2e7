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

/// The commitment a run's `resultHash` is, and its opening: one fresh 32-byte nonce per word of
/// the protocol output, so that a recipient can check the words it is handed without being handed
/// the others. `c_i = HashCommitment("covenant/runtime/result-word/v3" ‖ runID ‖ u32 i ‖ u64
/// word_i, nonce_i)` and `resultHash = SHA-256("covenant/runtime/result/v3" ‖ runID ‖ u32 L ‖ L ×
/// c_i ‖ u32 k ‖ k × (u32 len ‖ contributor))` (big-endian). Only the coordinator and the
/// endorsers (contributors, who received the whole output in the protocol) hold every nonce.
/// Spec: protocols/runtime.md#output-pads.
public struct ResultOpening: Sendable, Hashable {
    /// The run.
    public var runID: LedgerHash
    /// The protocol output words, restricted slots masked.
    public var sum: [UInt64]
    /// One 32-byte nonce per word.
    public var nonces: [[UInt8]]
    /// The contributors, in party order.
    public var contributors: [String]

    /// An opening with fresh nonces from the CSPRNG.
    /// - Parameters:
    ///   - runID: The run.
    ///   - sum: The masked output.
    ///   - contributors: The contributors.
    public init(runID: LedgerHash, sum: [UInt64], contributors: [String]) {
        self.init(
            runID: runID, sum: sum, nonces: sum.map { _ in SecureRandom.bytes(count: HashCommitment.nonceByteCount) },
            contributors: contributors)
    }

    /// An opening with given nonces.
    /// - Parameters:
    ///   - runID: The run.
    ///   - sum: The masked output.
    ///   - nonces: One nonce per word.
    ///   - contributors: The contributors.
    public init(runID: LedgerHash, sum: [UInt64], nonces: [[UInt8]], contributors: [String]) {
        precondition(nonces.count == sum.count && nonces.allSatisfy { $0.count == HashCommitment.nonceByteCount },
                     "one fresh nonce of HashCommitment.nonceByteCount bytes per word")
        self.runID = runID
        self.sum = sum
        self.nonces = nonces
        self.contributors = contributors
    }

    /// The opening an endorser holds: the output it received itself and the nonces the coordinator
    /// sent beside the draft (``nonceBytes``), or nil when their count is not one per word.
    /// - Parameters:
    ///   - runID: The run.
    ///   - sum: The output the endorser received.
    ///   - contributors: The contributors, in party order.
    ///   - nonceBytes: The concatenated nonces.
    public init?(runID: LedgerHash, sum: [UInt64], contributors: [String], nonceBytes: [UInt8]) {
        let size = HashCommitment.nonceByteCount
        guard nonceBytes.count == sum.count * size else { return nil }
        self.init(
            runID: runID, sum: sum, nonces: (0..<sum.count).map { Array(nonceBytes[($0 * size)..<(($0 + 1) * size)]) },
            contributors: contributors)
    }

    /// The nonces concatenated, as control call 8 carries them (protocols/node.md#control-calls).
    public var nonceBytes: [UInt8] { nonces.flatMap { $0 } }

    /// The commitment of each word.
    public var wordCommitments: [[UInt8]] {
        sum.indices.map { Self.commitment(runID: runID, index: $0, word: sum[$0], nonce: nonces[$0]) }
    }

    /// `resultHash`.
    public var resultHash: LedgerHash { Self.root(runID: runID, commitments: wordCommitments, contributors: contributors) }

    /// What one recipient is handed: the words in `words` opened, every other word's commitment only.
    /// - Parameter words: The word indices to open.
    /// - Returns: The delivery.
    public func delivery(opening words: Set<Int>) -> ResultDelivery {
        ResultDelivery(
            runID: runID,
            words: sum.indices.map { index in
                words.contains(index)
                    ? .opened(sum[index], nonce: nonces[index])
                    : .sealed(Self.commitment(runID: runID, index: index, word: sum[index], nonce: nonces[index]))
            },
            contributors: contributors)
    }

    /// `c_i`; a nonce of the wrong length commits to nothing it could open (all zero bytes).
    static func commitment(runID: LedgerHash, index: Int, word: UInt64, nonce: [UInt8]) -> [UInt8] {
        var bytes = Array("covenant/runtime/result-word/v3".utf8) + runID.bytes
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: index).bigEndian) { bytes += $0 }
        withUnsafeBytes(of: word.bigEndian) { bytes += $0 }
        return (try? HashCommitment.commit(to: bytes, nonce: nonce)) ?? [UInt8](repeating: 0, count: 32)
    }

    /// `resultHash` from the word commitments and the contributors.
    static func root(runID: LedgerHash, commitments: [[UInt8]], contributors: [String]) -> LedgerHash {
        var bytes = Array("covenant/runtime/result/v3".utf8) + runID.bytes
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: commitments.count).bigEndian) { bytes += $0 }
        for commitment in commitments { bytes += commitment }
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: contributors.count).bigEndian) { bytes += $0 }
        for name in contributors {
            let utf8 = Array(name.utf8)
            withUnsafeBytes(of: UInt32(truncatingIfNeeded: utf8.count).bigEndian) { bytes += $0 }
            bytes += utf8
        }
        return LedgerHash.sha256(bytes)
    }
}

extension ResultOpening: CustomStringConvertible {
    /// The run and the word count only: the words and their nonces never reach a log or a dump.
    public var description: String { "ResultOpening(run \(runID.hex.prefix(16))…, \(sum.count) words, nonces withheld)" }
}

/// What the coordinator hands one recipient after publication: every word of the protocol output
/// (public slots in the clear, restricted slots masked by the contributors' pads) that the
/// recipient's own outputs are computed from, each with its nonce, the other words' commitments
/// only, and the contributors. The recipient checks that they open the ledger's `resultHash`,
/// removes its groups' pads and assembles its own view. Spec: protocols/runtime.md#output-pads.
public struct ResultDelivery: Sendable, Hashable {
    /// One word of the output as a recipient is handed it.
    public enum Word: Sendable, Hashable {
        /// The word and the nonce of its commitment.
        case opened(UInt64, nonce: [UInt8])
        /// The word's commitment only.
        case sealed([UInt8])
    }

    /// The run.
    public var runID: LedgerHash
    /// Every word of the output, opened or sealed.
    public var words: [Word]
    /// The contributors, as `result-published` lists them.
    public var contributors: [String]

    /// A delivery.
    /// - Parameters:
    ///   - runID: The run.
    ///   - words: Every word, opened or sealed.
    ///   - contributors: The contributors.
    public init(runID: LedgerHash, words: [Word], contributors: [String]) {
        self.runID = runID
        self.words = words
        self.contributors = contributors
    }

    /// Whether every opened word carries a nonce, and every sealed word a commitment, of the
    /// commitment scheme's length: anything else opens to nothing (a malformed nonce must never
    /// let a coordinator open one commitment to several values).
    public var isWellFormed: Bool {
        words.allSatisfy { word in
            switch word {
            case .opened(_, let nonce): nonce.count == HashCommitment.nonceByteCount
            case .sealed(let commitment): commitment.count == LedgerHash.byteCount
            }
        }
    }

    /// The `resultHash` these words open to (``ResultOpening``), or nil when the delivery is not
    /// well formed (``isWellFormed``).
    public var resultHash: LedgerHash? {
        guard isWellFormed else { return nil }
        return ResultOpening.root(
            runID: runID,
            commitments: words.enumerated().map { index, word -> [UInt8] in
                switch word {
                case .opened(let value, let nonce): ResultOpening.commitment(runID: runID, index: index, word: value, nonce: nonce)
                case .sealed(let commitment): commitment
                }
            },
            contributors: contributors)
    }

    /// The indices of the opened words.
    public var openedWords: Set<Int> {
        Set(words.indices.filter { index in
            if case .opened = words[index] { return true }
            return false
        })
    }

    /// The output with every sealed word 0.
    public var sum: [UInt64] {
        words.map { word -> UInt64 in
            if case .opened(let value, _) = word { return value }
            return 0
        }
    }
}
