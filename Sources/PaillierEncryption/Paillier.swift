import MultiPrecision

/// The Paillier cryptosystem [Pai99] with `g = n + 1`, the Damgård–Jurik–Nielsen fixed-base
/// encryption [DJN10] and threshold decryption [Sho00, DJ01].
///
/// Spec: protocols/paillier.md. The namespace holds the key, ciphertext, encoding, packing
/// and threshold types (`Paillier.PublicKey`, `Paillier.Ciphertext`, …).
///
/// - Warning: Paillier is malleable (IND-CPA, not IND-CCA): anyone can add to a ciphertext.
///   Bind ciphertexts to their context (commitments on the ledger) before trusting them.
public enum Paillier: Sendable {}

/// Errors from ``Paillier`` operations. No case carries a secret or a plaintext.
public enum PaillierError: Error, Equatable, Sendable {
    /// A plaintext outside `[0, n)`, or a value outside an encoding's range.
    case plaintextOutOfRange
    /// A ciphertext outside `[1, n²)` or not a unit modulo `n`.
    case invalidCiphertext
    /// Key generation was asked for an unsupported modulus size.
    case unsupportedKeySize(bits: Int)
    /// A signed or fixed-point value decoded from outside the encoding's range (an overflow).
    case encodingOverflow
    /// A value that is not finite, or whose scaled form does not fit the encoding.
    case unrepresentableValue
    /// More values than a packed plaintext has slots.
    case tooManyValues(count: Int, capacity: Int)
    /// A homomorphic sum with more addends than the packing layout's headroom allows.
    case addendLimitExceeded(addends: Int, limit: Int)
    /// Two packed ciphertexts with different layouts or lengths.
    case layoutMismatch
    /// Threshold parameters outside `1 ≤ t ≤ ℓ`.
    case invalidThreshold(threshold: Int, parties: Int)
    /// Fewer valid decryption shares than the threshold.
    case insufficientShares(valid: Int, needed: Int)
    /// Two decryption shares from the same party.
    case duplicateShare(party: Int)
    /// A decryption share whose party index is not a key holder.
    case unknownParty(party: Int)
    /// A decryption share whose proof of correctness does not verify.
    case invalidDecryptionShare(party: Int)
    /// Key material that is inconsistent (e.g. a public key whose `n` is even).
    case invalidKey
    /// A batch of decryption shares asked for no ciphertext.
    case emptyBatch
}

extension PaillierError: CustomStringConvertible {
    /// A sentence a person can act on.
    public var description: String {
        switch self {
        case .plaintextOutOfRange: "plaintext is outside the key's plaintext space"
        case .invalidCiphertext: "ciphertext is not a unit modulo n² (corrupt or from another key)"
        case .unsupportedKeySize(let bits): "unsupported Paillier modulus size \(bits) bits (use 2048 or 3072; ≥ 512 for tests)"
        case .encodingOverflow: "decoded value is outside the encoding's range: the computation overflowed"
        case .unrepresentableValue: "value cannot be represented by the encoding (not finite, or too large)"
        case .tooManyValues(let count, let capacity): "\(count) values do not fit \(capacity) slots"
        case .addendLimitExceeded(let addends, let limit): "sum of \(addends) packed ciphertexts exceeds the layout's limit of \(limit) addends"
        case .layoutMismatch: "packed ciphertexts have different layouts"
        case .invalidThreshold(let t, let l): "threshold \(t) of \(l) parties is invalid (need 1 ≤ t ≤ parties)"
        case .insufficientShares(let valid, let needed): "\(valid) valid decryption shares, \(needed) needed"
        case .duplicateShare(let party): "two decryption shares from party \(party)"
        case .unknownParty(let party): "party \(party) holds no key share"
        case .invalidDecryptionShare(let party): "decryption share of party \(party) fails its proof of correctness"
        case .invalidKey: "inconsistent Paillier key material"
        case .emptyBatch: "a batch of decryption shares needs at least one ciphertext"
        }
    }
}
