import COpenSSL

/// X25519 Diffie–Hellman, RFC 7748 §5 and §6.1, computed by libcrypto (`EVP_PKEY_X25519`).
///
/// SecAgg uses it for pairwise mask seeds: run the shared secret through ``HKDF`` before use.
/// Spec: `protocols/primitives.md#x25519`.
public enum X25519: Sendable {
    /// The length of a private scalar, a public u-coordinate and a shared secret (RFC 7748 §5).
    public static let keyByteCount = 32

    /// An X25519 private key (a 32-byte scalar, clamped when used, RFC 7748 §5), held inside
    /// libcrypto.
    ///
    /// The description never shows key material: `"X25519.PrivateKey(redacted)"`.
    /// - Warning: ``rawRepresentation`` returns the secret scalar in an ordinary Swift array,
    ///   which cannot be reliably zeroized.
    public struct PrivateKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
        let key: EVPKey

        /// Generates a new key from libcrypto's CSPRNG (RFC 7748 §6.1: 32 random bytes).
        public init() {
            key = EVPKey.generate(algorithm: "X25519")
        }

        /// Imports a private key from its 32-byte scalar, RFC 7748 §5.
        /// - Parameter rawRepresentation: The 32-byte scalar (unclamped, as stored).
        /// - Throws: ``CryptoError/invalidKeyLength(expected:actual:)`` if it is not 32 bytes.
        public init(rawRepresentation: some Collection<UInt8>) throws {
            key = try EVPKey.privateKey(
                type: EVP_PKEY_X25519, raw: rawRepresentation, byteCount: X25519.keyByteCount)
        }

        /// The 32-byte scalar as imported or generated, RFC 7748 §5.
        public var rawRepresentation: [UInt8] {
            key.rawPrivateKey(byteCount: X25519.keyByteCount)
        }

        /// The public key `X25519(k, 9)`, RFC 7748 §6.1.
        public var publicKey: PublicKey {
            PublicKey(validated: key.rawPublicKey(byteCount: X25519.keyByteCount))
        }

        /// Computes the shared secret `X25519(k, u_peer)`, RFC 7748 §6.1.
        ///
        /// - Parameter peer: The other party's public key.
        /// - Returns: The 32-byte shared secret. It is not uniformly random: derive keys from it
        ///   with ``HKDF/deriveKey(inputKeyMaterial:salt:info:outputByteCount:)``.
        /// - Throws: ``CryptoError/allZeroSharedSecret`` if the result is all zero (the peer's
        ///   key is a low-order point, RFC 7748 §6.1 "check"); ``CryptoError/invalidPublicKey``
        ///   if libcrypto refuses the peer key.
        public func sharedSecret(with peer: PublicKey) throws -> [UInt8] {
            let peerKey = try EVPKey.publicKey(type: EVP_PKEY_X25519, raw: peer.rawRepresentation)
            guard let context = EVP_PKEY_CTX_new(key.pointer, nil) else {
                throw libcryptoFailure("EVP_PKEY_CTX_new")
            }
            defer { EVP_PKEY_CTX_free(context) }
            guard EVP_PKEY_derive_init(context) == 1 else {
                throw libcryptoFailure("EVP_PKEY_derive_init")
            }
            guard EVP_PKEY_derive_set_peer(context, peerKey.pointer) == 1 else {
                ERR_clear_error()
                throw CryptoError.invalidPublicKey
            }
            var secret = [UInt8](repeating: 0, count: X25519.keyByteCount)
            var length = X25519.keyByteCount
            let rc = secret.withUnsafeMutableBufferPointer {
                EVP_PKEY_derive(context, $0.baseAddress, &length)
            }
            let zero = [UInt8](repeating: 0, count: X25519.keyByteCount)
            // libcrypto itself fails the derivation on an all-zero output (its only failure
            // mode besides allocation); check the output too, in constant time.
            guard rc == 1, length == X25519.keyByteCount, !constantTimeEquals(secret, zero) else {
                ERR_clear_error()
                secret.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
                throw CryptoError.allZeroSharedSecret
            }
            return secret
        }

        /// A redacted description; it never contains key material.
        public var description: String { "X25519.PrivateKey(redacted)" }

        /// A redacted description; it never contains key material.
        public var debugDescription: String { description }
    }

    /// An X25519 public key: a 32-byte little-endian u-coordinate, RFC 7748 §5.
    public struct PublicKey: Sendable, Hashable, CustomStringConvertible {
        /// The 32-byte u-coordinate.
        public let rawRepresentation: [UInt8]

        /// Imports a public key. Every 32-byte string is accepted (RFC 7748 §5: the top bit is
        /// masked and non-canonical values are reduced); low-order points are caught by
        /// ``PrivateKey/sharedSecret(with:)``.
        /// - Parameter rawRepresentation: The 32-byte u-coordinate.
        /// - Throws: ``CryptoError/invalidKeyLength(expected:actual:)`` if it is not 32 bytes.
        public init(rawRepresentation: some Collection<UInt8>) throws {
            guard rawRepresentation.count == X25519.keyByteCount else {
                throw CryptoError.invalidKeyLength(
                    expected: X25519.keyByteCount, actual: rawRepresentation.count)
            }
            self.rawRepresentation = Array(rawRepresentation)
        }

        init(validated raw: [UInt8]) {
            rawRepresentation = raw
        }

        /// The key as lower-case hex (public data).
        public var description: String {
            "X25519.PublicKey(\(hexString(rawRepresentation)))"
        }
    }
}
