import COpenSSL

/// HKDF with HMAC-SHA256, RFC 5869 §2, computed by libcrypto (`EVP_PKEY_HKDF`,
/// extract-then-expand mode).
///
/// Spec: `protocols/primitives.md#hkdf-sha256`. Every caller in Covenant passes an `info`
/// string that names its protocol, version and purpose (for example
/// `"covenant/secagg/v1/pairwise-mask"`), so keys for different purposes never coincide.
public enum HKDF: Sendable {
    /// The largest output HKDF-SHA256 can produce: 255 × HashLen, RFC 5869 §2.3.
    public static let maximumOutputByteCount = 255 * SHA256.byteCount

    /// Derives `outputByteCount` bytes: `HKDF-Expand(HKDF-Extract(salt, IKM), info, L)`,
    /// RFC 5869 §2.2 and §2.3.
    ///
    /// - Parameters:
    ///   - inputKeyMaterial: The secret input (IKM), for example an X25519 shared secret.
    ///   - salt: An optional non-secret random value; empty means HashLen zero bytes (§2.2).
    ///   - info: Context and application-specific information (§2.3); use it for domain
    ///     separation.
    ///   - outputByteCount: `L`, from 0 through ``maximumOutputByteCount``.
    /// - Returns: The output keying material (OKM).
    /// - Throws: ``CryptoError/invalidOutputLength(maximum:requested:)`` if `L` is out of range;
    ///   ``CryptoError/libcryptoFailure(operation:)`` if libcrypto fails.
    public static func deriveKey(
        inputKeyMaterial: [UInt8], salt: [UInt8], info: [UInt8], outputByteCount: Int
    ) throws -> [UInt8] {
        guard (0...maximumOutputByteCount).contains(outputByteCount) else {
            throw CryptoError.invalidOutputLength(
                maximum: maximumOutputByteCount, requested: outputByteCount)
        }
        if outputByteCount == 0 { return [] }
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nil) else {
            throw libcryptoFailure("EVP_PKEY_CTX_new_id(HKDF)")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_derive_init(context) == 1 else { throw libcryptoFailure("EVP_PKEY_derive_init") }
        guard EVP_PKEY_CTX_set_hkdf_md(context, fetchedSHA256.pointer) == 1 else {
            throw libcryptoFailure("EVP_PKEY_CTX_set_hkdf_md")
        }
        let ikmCount = try cInt(inputKeyMaterial.count, "EVP_PKEY_CTX_set1_hkdf_key")
        let keySet = inputKeyMaterial.withContiguousBytes { base, _ in
            EVP_PKEY_CTX_set1_hkdf_key(context, base.assumingMemoryBound(to: UInt8.self), ikmCount)
        }
        guard keySet == 1 else { throw libcryptoFailure("EVP_PKEY_CTX_set1_hkdf_key") }
        // An absent salt and an empty salt are the same HMAC key (RFC 5869 §2.2).
        if !salt.isEmpty {
            let saltCount = try cInt(salt.count, "EVP_PKEY_CTX_set1_hkdf_salt")
            let saltSet = salt.withContiguousBytes { base, _ in
                EVP_PKEY_CTX_set1_hkdf_salt(context, base.assumingMemoryBound(to: UInt8.self), saltCount)
            }
            guard saltSet == 1 else { throw libcryptoFailure("EVP_PKEY_CTX_set1_hkdf_salt") }
        }
        if !info.isEmpty {
            let infoCount = try cInt(info.count, "EVP_PKEY_CTX_add1_hkdf_info")
            let infoSet = info.withContiguousBytes { base, _ in
                EVP_PKEY_CTX_add1_hkdf_info(context, base.assumingMemoryBound(to: UInt8.self), infoCount)
            }
            guard infoSet == 1 else { throw libcryptoFailure("EVP_PKEY_CTX_add1_hkdf_info") }
        }
        var output = [UInt8](repeating: 0, count: outputByteCount)
        var length = outputByteCount
        let rc = output.withUnsafeMutableBufferPointer { EVP_PKEY_derive(context, $0.baseAddress, &length) }
        guard rc == 1, length == outputByteCount else { throw libcryptoFailure("EVP_PKEY_derive(HKDF)") }
        return output
    }
}
