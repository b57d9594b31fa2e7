/// The one error type of `CryptoPrimitives`.
///
/// Cases carry only public facts (lengths, operation names). No case ever carries key
/// material, plaintext, nonces or shared secrets, so an error can be logged safely.
public enum CryptoError: Error, Equatable, Sendable {
    /// A key had the wrong length: `expected` bytes were required, `actual` were given.
    case invalidKeyLength(expected: Int, actual: Int)
    /// A nonce, IV or commitment randomizer had the wrong length.
    case invalidNonceLength(expected: Int, actual: Int)
    /// A signature had the wrong length (Ed25519 signatures are 64 bytes, RFC 8032 §5.1.6).
    ///
    /// ``Ed25519/PublicKey/isValidSignature(_:for:)`` returns `false` for such input rather
    /// than throwing; this case is for callers that decode signatures from a wire format.
    case invalidSignatureLength(expected: Int, actual: Int)
    /// An authentication tag had the wrong length (AES-GCM tags are 16 bytes here).
    case invalidTagLength(expected: Int, actual: Int)
    /// A combined sealed box was shorter than nonce plus tag (`minimum` bytes).
    case invalidSealedBoxLength(minimum: Int, actual: Int)
    /// A requested output length is outside what the primitive can produce
    /// (HKDF-SHA256: 0 through 255 × 32 bytes, RFC 5869 §2.3).
    case invalidOutputLength(maximum: Int, requested: Int)
    /// AEAD authentication failed: the key, nonce, ciphertext, tag or associated data is
    /// wrong or was tampered with. Nothing about the plaintext is released.
    case authenticationFailure
    /// libcrypto rejected a public key encoding.
    case invalidPublicKey
    /// An X25519 agreement produced the all-zero shared secret: the peer sent a low-order
    /// point (RFC 7748 §6.1). The agreement must be aborted.
    case allZeroSharedSecret
    /// libcrypto reported a failure in `operation` (a libcrypto function name). The libcrypto
    /// error queue is cleared; its text is not included because it may name internal state.
    case libcryptoFailure(operation: String)
}

extension CryptoError: CustomStringConvertible {
    /// A human-readable description containing lengths and operation names only.
    public var description: String {
        switch self {
        case let .invalidKeyLength(expected, actual):
            "invalid key length: expected \(expected) bytes, got \(actual)"
        case let .invalidNonceLength(expected, actual):
            "invalid nonce length: expected \(expected) bytes, got \(actual)"
        case let .invalidSignatureLength(expected, actual):
            "invalid signature length: expected \(expected) bytes, got \(actual)"
        case let .invalidTagLength(expected, actual):
            "invalid tag length: expected \(expected) bytes, got \(actual)"
        case let .invalidSealedBoxLength(minimum, actual):
            "invalid sealed box length: need at least \(minimum) bytes, got \(actual)"
        case let .invalidOutputLength(maximum, requested):
            "invalid output length: requested \(requested) bytes, maximum \(maximum)"
        case .authenticationFailure:
            "authentication failure"
        case .invalidPublicKey:
            "invalid public key"
        case .allZeroSharedSecret:
            "X25519 produced the all-zero shared secret (low-order peer point)"
        case let .libcryptoFailure(operation):
            "libcrypto failure in \(operation)"
        }
    }
}
