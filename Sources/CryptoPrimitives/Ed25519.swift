import COpenSSL

/// Ed25519 signatures: PureEdDSA over edwards25519, RFC 8032 §5.1, computed by libcrypto
/// (`EVP_PKEY_ED25519`, `EVP_DigestSign`/`EVP_DigestVerify`).
///
/// Ledger entries, checkpoints and cosignatures are signed with Ed25519.
/// Spec: `protocols/primitives.md#ed25519`.
public enum Ed25519: Sendable {
    /// The length of a private key seed and of a public key, RFC 8032 §5.1.5.
    public static let keyByteCount = 32

    /// The length of a signature (R ‖ S), RFC 8032 §5.1.6.
    public static let signatureByteCount = 64

    /// An Ed25519 private key, held inside libcrypto.
    ///
    /// The description never shows key material: `"Ed25519.PrivateKey(redacted)"`.
    /// - Warning: ``rawRepresentation`` returns the secret seed in an ordinary Swift array, which
    ///   cannot be reliably zeroized; export it only to store it somewhere protected.
    public struct PrivateKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
        let key: EVPKey

        /// Generates a new key from libcrypto's CSPRNG (RFC 8032 §5.1.5: a random 32-byte seed).
        public init() {
            key = EVPKey.generate(algorithm: "ED25519")
        }

        /// Imports a private key from its 32-byte seed, RFC 8032 §5.1.5.
        /// - Parameter rawRepresentation: The 32-byte seed `k`.
        /// - Throws: ``CryptoError/invalidKeyLength(expected:actual:)`` if it is not 32 bytes.
        public init(rawRepresentation: some Collection<UInt8>) throws {
            key = try EVPKey.privateKey(
                type: EVP_PKEY_ED25519, raw: rawRepresentation, byteCount: Ed25519.keyByteCount)
        }

        /// The 32-byte seed, RFC 8032 §5.1.5.
        public var rawRepresentation: [UInt8] {
            key.rawPrivateKey(byteCount: Ed25519.keyByteCount)
        }

        /// The matching public key `A`, RFC 8032 §5.1.5.
        public var publicKey: PublicKey {
            PublicKey(validated: key.rawPublicKey(byteCount: Ed25519.keyByteCount))
        }

        /// Signs `message` (PureEdDSA, RFC 8032 §5.1.6). Signing is deterministic: the same key
        /// and message always give the same signature.
        /// - Parameter message: The message; it is signed as a whole (not pre-hashed).
        /// - Returns: The 64-byte signature `R ‖ S`.
        public func signature(for message: some Sequence<UInt8>) -> [UInt8] {
            guard let context = EVP_MD_CTX_new() else {
                preconditionFailure("EVP_MD_CTX_new: out of memory")
            }
            defer { EVP_MD_CTX_free(context) }
            let initialized = EVP_DigestSignInit(context, nil, nil, nil, key.pointer)
            precondition(initialized == 1, "EVP_DigestSignInit(Ed25519) failed")
            return [UInt8](unsafeUninitializedCapacity: Ed25519.signatureByteCount) { out, count in
                var length = Ed25519.signatureByteCount
                let rc = message.withContiguousBytes { base, byteCount in
                    EVP_DigestSign(
                        context, out.baseAddress, &length,
                        base.assumingMemoryBound(to: UInt8.self), byteCount)
                }
                // With a valid key, Ed25519 signing fails only on allocation failure.
                precondition(rc == 1 && length == Ed25519.signatureByteCount, "EVP_DigestSign failed")
                count = Ed25519.signatureByteCount
            }
        }

        /// A redacted description; it never contains key material.
        public var description: String { "Ed25519.PrivateKey(redacted)" }

        /// A redacted description; it never contains key material.
        public var debugDescription: String { description }
    }

    /// An Ed25519 public key: the 32-byte encoding of the point `A`, RFC 8032 §5.1.2.
    public struct PublicKey: Sendable, Hashable, CustomStringConvertible {
        /// The 32-byte encoded point, RFC 8032 §5.1.2.
        public let rawRepresentation: [UInt8]
        /// libcrypto's decoded point, imported once so that repeated verifications under one
        /// key (a ledger audit) skip the decoding; nil if the encoding is not a point.
        private let key: EVPKey?

        /// Imports a public key from its 32-byte encoding.
        ///
        /// Only the length is checked here; an encoding that is not a curve point makes every
        /// verification fail (RFC 8032 §5.1.7 step 1).
        /// - Parameter rawRepresentation: The 32-byte encoded point.
        /// - Throws: ``CryptoError/invalidKeyLength(expected:actual:)`` if it is not 32 bytes.
        public init(rawRepresentation: some Collection<UInt8>) throws {
            guard rawRepresentation.count == Ed25519.keyByteCount else {
                throw CryptoError.invalidKeyLength(
                    expected: Ed25519.keyByteCount, actual: rawRepresentation.count)
            }
            self.init(validated: Array(rawRepresentation))
        }

        init(validated raw: [UInt8]) {
            rawRepresentation = raw
            key = try? EVPKey.publicKey(type: EVP_PKEY_ED25519, raw: raw)
        }

        /// Keys are equal when their encodings are.
        public static func == (a: PublicKey, b: PublicKey) -> Bool { a.rawRepresentation == b.rawRepresentation }

        /// Hashes the encoding.
        public func hash(into hasher: inout Hasher) { hasher.combine(rawRepresentation) }

        /// Verifies a PureEdDSA signature, RFC 8032 §5.1.7 (libcrypto also rejects `S ≥ L`,
        /// so signatures are not malleable).
        /// - Parameters:
        ///   - signature: The claimed 64-byte signature `R ‖ S`.
        ///   - message: The signed message.
        /// - Returns: `true` only if the signature is valid for this key and message. A wrong
        ///   length, an invalid point or any libcrypto error returns `false`.
        public func isValidSignature(
            _ signature: some Collection<UInt8>, for message: some Sequence<UInt8>
        ) -> Bool {
            guard signature.count == Ed25519.signatureByteCount,
                let key,
                let context = EVP_MD_CTX_new()
            else {
                return false
            }
            defer { EVP_MD_CTX_free(context) }
            guard EVP_DigestVerifyInit(context, nil, nil, nil, key.pointer) == 1 else {
                ERR_clear_error()
                return false
            }
            let rc = signature.withContiguousBytes { sig, sigCount in
                message.withContiguousBytes { base, count in
                    EVP_DigestVerify(
                        context, sig.assumingMemoryBound(to: UInt8.self), sigCount,
                        base.assumingMemoryBound(to: UInt8.self), count)
                }
            }
            if rc != 1 { ERR_clear_error() }
            return rc == 1
        }

        /// The key as lower-case hex (public data).
        public var description: String {
            "Ed25519.PublicKey(\(hexString(rawRepresentation)))"
        }
    }
}

/// Lower-case hex for public values in descriptions.
func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
}
