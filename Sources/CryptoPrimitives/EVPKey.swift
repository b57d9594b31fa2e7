import COpenSSL

/// Owns one libcrypto `EVP_PKEY` (an Ed25519 or X25519 key). Internal.
///
/// `@unchecked Sendable` because the key is never mutated after construction, and libcrypto
/// allows concurrent read-only use of an `EVP_PKEY` (openssl-threads(7)); every operation
/// creates its own `EVP_MD_CTX`/`EVP_PKEY_CTX`.
final class EVPKey: @unchecked Sendable {
    let pointer: OpaquePointer

    private init(owning pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        // For ECX keys libcrypto cleanses the private key bytes before freeing them.
        EVP_PKEY_free(pointer)
    }

    /// Generates a fresh key of the named type ("ED25519", "X25519") from libcrypto's CSPRNG.
    static func generate(algorithm: String) -> EVPKey {
        guard let context = EVP_PKEY_CTX_new_from_name(nil, algorithm, nil) else {
            preconditionFailure("EVP_PKEY_CTX_new_from_name(\(algorithm)) failed")
        }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        let rc1 = EVP_PKEY_keygen_init(context)
        let rc2 = rc1 == 1 ? EVP_PKEY_generate(context, &key) : 0
        guard rc2 == 1, let key else {
            preconditionFailure("EVP_PKEY_generate(\(algorithm)) failed")
        }
        return EVPKey(owning: key)
    }

    /// Imports a 32-byte raw private key (RFC 8032 §5.1.5 seed or RFC 7748 §5 scalar).
    static func privateKey(type: Int32, raw: some Collection<UInt8>, byteCount: Int) throws(CryptoError)
        -> EVPKey
    {
        guard raw.count == byteCount else {
            throw .invalidKeyLength(expected: byteCount, actual: raw.count)
        }
        let key = raw.withContiguousSecretBytes { base, count in
            EVP_PKEY_new_raw_private_key(type, nil, base.assumingMemoryBound(to: UInt8.self), count)
        }
        guard let key else { throw libcryptoFailure("EVP_PKEY_new_raw_private_key") }
        return EVPKey(owning: key)
    }

    /// Imports a 32-byte raw public key.
    static func publicKey(type: Int32, raw: [UInt8]) throws(CryptoError) -> EVPKey {
        let key = raw.withUnsafeBufferPointer { buffer in
            EVP_PKEY_new_raw_public_key(type, nil, buffer.baseAddress, buffer.count)
        }
        guard let key else {
            ERR_clear_error()
            throw .invalidPublicKey
        }
        return EVPKey(owning: key)
    }

    /// The raw private key bytes (the caller owns the returned secret).
    func rawPrivateKey(byteCount: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: byteCount) { buffer, initialized in
            var length = byteCount
            let rc = EVP_PKEY_get_raw_private_key(pointer, buffer.baseAddress, &length)
            precondition(rc == 1 && length == byteCount, "EVP_PKEY_get_raw_private_key failed")
            initialized = byteCount
        }
    }

    /// The raw public key bytes.
    func rawPublicKey(byteCount: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: byteCount) { buffer, initialized in
            var length = byteCount
            let rc = EVP_PKEY_get_raw_public_key(pointer, buffer.baseAddress, &length)
            precondition(rc == 1 && length == byteCount, "EVP_PKEY_get_raw_public_key failed")
            initialized = byteCount
        }
    }
}

extension Collection<UInt8> {
    /// Like `withContiguousBytes`, but a temporary copy (made for non-contiguous collections)
    /// is cleansed before it is released, because it holds secret key material.
    func withContiguousSecretBytes<R>(_ body: (UnsafeRawPointer, Int) throws -> R) rethrows -> R {
        if withContiguousStorageIfAvailable({ _ in () }) != nil {
            return try withContiguousBytes(body)
        }
        var copy = Array(self)
        defer { copy.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) } }
        return try copy.withContiguousBytes(body)
    }
}
