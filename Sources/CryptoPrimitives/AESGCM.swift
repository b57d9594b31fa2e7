import COpenSSL

/// AES-256-GCM authenticated encryption, NIST SP 800-38D, computed by libcrypto, with 96-bit
/// nonces (SP 800-38D §5.2.1.1, §8.2) and 128-bit tags.
///
/// Spec: `protocols/primitives.md#aes-256-gcm`.
/// - Warning: never seal two messages under one key with the same nonce: GCM then leaks the XOR
///   of the plaintexts and lets an attacker forge tags (SP 800-38D §8). With random nonces
///   (the default), keep a key to well under 2^32 messages (SP 800-38D §8.3).
public enum AESGCM: Sendable {
    /// The key length: AES-256 (FIPS 197 §5).
    public static let keyByteCount = 32
    /// The nonce (IV) length: 96 bits, SP 800-38D §5.2.1.1.
    public static let nonceByteCount = 12
    /// The tag length: 128 bits, SP 800-38D §5.2.1.2.
    public static let tagByteCount = 16

    /// A nonce, ciphertext and tag: everything the recipient needs besides key and AAD.
    public struct SealedBox: Sendable, Hashable {
        /// The 12-byte nonce.
        public let nonce: [UInt8]
        /// The ciphertext, as long as the plaintext.
        public let ciphertext: [UInt8]
        /// The 16-byte authentication tag.
        public let tag: [UInt8]

        /// Assembles a box from its parts.
        /// - Parameters:
        ///   - nonce: The 12-byte nonce.
        ///   - ciphertext: The ciphertext.
        ///   - tag: The 16-byte tag.
        /// - Throws: ``CryptoError/invalidNonceLength(expected:actual:)`` or
        ///   ``CryptoError/invalidTagLength(expected:actual:)``.
        public init(nonce: [UInt8], ciphertext: [UInt8], tag: [UInt8]) throws {
            guard nonce.count == AESGCM.nonceByteCount else {
                throw CryptoError.invalidNonceLength(expected: AESGCM.nonceByteCount, actual: nonce.count)
            }
            guard tag.count == AESGCM.tagByteCount else {
                throw CryptoError.invalidTagLength(expected: AESGCM.tagByteCount, actual: tag.count)
            }
            self.nonce = nonce
            self.ciphertext = ciphertext
            self.tag = tag
        }

        /// Splits `nonce ‖ ciphertext ‖ tag`.
        /// - Parameter combined: At least 28 bytes: 12-byte nonce, ciphertext, 16-byte tag.
        /// - Throws: ``CryptoError/invalidSealedBoxLength(minimum:actual:)`` if it is too short.
        public init(combined: [UInt8]) throws {
            let minimum = AESGCM.nonceByteCount + AESGCM.tagByteCount
            guard combined.count >= minimum else {
                throw CryptoError.invalidSealedBoxLength(minimum: minimum, actual: combined.count)
            }
            let tagStart = combined.count - AESGCM.tagByteCount
            nonce = Array(combined[..<AESGCM.nonceByteCount])
            ciphertext = Array(combined[AESGCM.nonceByteCount..<tagStart])
            tag = Array(combined[tagStart...])
        }

        /// `nonce ‖ ciphertext ‖ tag`.
        public var combined: [UInt8] { nonce + ciphertext + tag }
    }

    /// Encrypts and authenticates `plaintext`, and authenticates `aad`, SP 800-38D §7.1.
    /// - Parameters:
    ///   - plaintext: The message to encrypt.
    ///   - key: The 32-byte key.
    ///   - nonce: A 12-byte nonce that is never reused with `key`; `nil` draws one from
    ///     ``SecureRandom``.
    ///   - aad: Additional authenticated data: bound to the box but not encrypted.
    /// - Returns: The sealed box.
    /// - Throws: ``CryptoError/invalidKeyLength(expected:actual:)``,
    ///   ``CryptoError/invalidNonceLength(expected:actual:)``, or
    ///   ``CryptoError/libcryptoFailure(operation:)``.
    public static func seal(
        _ plaintext: [UInt8], key: [UInt8], nonce: [UInt8]? = nil, authenticating aad: [UInt8] = []
    ) throws -> SealedBox {
        let nonce = nonce ?? SecureRandom.bytes(count: nonceByteCount)
        try checkLengths(key: key, nonce: nonce)
        let context = try Context(encrypting: true, key: key, nonce: nonce)
        try context.absorbAAD(aad)
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count)
        try context.update(input: plaintext, output: &ciphertext, operation: "EVP_EncryptUpdate")
        var written: Int32 = 0
        var finalByte: UInt8 = 0
        guard EVP_EncryptFinal_ex(context.pointer, &finalByte, &written) == 1, written == 0 else {
            throw libcryptoFailure("EVP_EncryptFinal_ex")
        }
        var tag = [UInt8](repeating: 0, count: tagByteCount)
        let rc = tag.withUnsafeMutableBytes {
            EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_AEAD_GET_TAG, Int32(tagByteCount), $0.baseAddress)
        }
        guard rc == 1 else { throw libcryptoFailure("EVP_CIPHER_CTX_ctrl(GET_TAG)") }
        return try SealedBox(nonce: nonce, ciphertext: ciphertext, tag: tag)
    }

    /// Verifies and decrypts a sealed box, SP 800-38D §7.2. No plaintext is released unless the
    /// tag verifies.
    /// - Parameters:
    ///   - box: The sealed box.
    ///   - key: The 32-byte key.
    ///   - aad: The additional authenticated data given to ``seal(_:key:nonce:authenticating:)``.
    /// - Returns: The plaintext.
    /// - Throws: ``CryptoError/authenticationFailure`` if the tag does not verify (wrong key,
    ///   nonce, ciphertext, tag or AAD); ``CryptoError/invalidKeyLength(expected:actual:)`` and
    ///   the other length errors for malformed input.
    public static func open(_ box: SealedBox, key: [UInt8], authenticating aad: [UInt8] = []) throws
        -> [UInt8]
    {
        try checkLengths(key: key, nonce: box.nonce)
        guard box.tag.count == tagByteCount else {
            throw CryptoError.invalidTagLength(expected: tagByteCount, actual: box.tag.count)
        }
        let context = try Context(encrypting: false, key: key, nonce: box.nonce)
        try context.absorbAAD(aad)
        var plaintext = [UInt8](repeating: 0, count: box.ciphertext.count)
        try context.update(input: box.ciphertext, output: &plaintext, operation: "EVP_DecryptUpdate")
        var tag = box.tag
        let tagSet = tag.withUnsafeMutableBytes {
            EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_AEAD_SET_TAG, Int32(tagByteCount), $0.baseAddress)
        }
        guard tagSet == 1 else { throw libcryptoFailure("EVP_CIPHER_CTX_ctrl(SET_TAG)") }
        var written: Int32 = 0
        var finalByte: UInt8 = 0
        guard EVP_DecryptFinal_ex(context.pointer, &finalByte, &written) == 1 else {
            // Unauthenticated plaintext must not survive.
            plaintext.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
            ERR_clear_error()
            throw CryptoError.authenticationFailure
        }
        return plaintext
    }

    private static func checkLengths(key: [UInt8], nonce: [UInt8]) throws(CryptoError) {
        guard key.count == keyByteCount else {
            throw .invalidKeyLength(expected: keyByteCount, actual: key.count)
        }
        guard nonce.count == nonceByteCount else {
            throw .invalidNonceLength(expected: nonceByteCount, actual: nonce.count)
        }
    }

    /// One `EVP_CIPHER_CTX` for one seal or open.
    private final class Context {
        let pointer: OpaquePointer
        let encrypting: Bool

        init(encrypting: Bool, key: [UInt8], nonce: [UInt8]) throws(CryptoError) {
            guard let pointer = EVP_CIPHER_CTX_new() else { throw libcryptoFailure("EVP_CIPHER_CTX_new") }
            self.pointer = pointer
            self.encrypting = encrypting
            // The default GCM IV length in libcrypto is 12 bytes, the only length accepted here.
            let rc = key.withUnsafeBufferPointer { key in
                nonce.withUnsafeBufferPointer { nonce in
                    let cipher = fetchedAES256GCM.pointer
                    return encrypting
                        ? EVP_EncryptInit_ex2(pointer, cipher, key.baseAddress, nonce.baseAddress, nil)
                        : EVP_DecryptInit_ex2(pointer, cipher, key.baseAddress, nonce.baseAddress, nil)
                }
            }
            guard rc == 1 else { throw libcryptoFailure("EVP_CipherInit_ex2(AES-256-GCM)") }
        }

        deinit {
            // Frees and cleanses the expanded key schedule.
            EVP_CIPHER_CTX_free(pointer)
        }

        func absorbAAD(_ aad: [UInt8]) throws(CryptoError) {
            try aad.withUnsafeBufferPointer { (aad) throws(CryptoError) in
                try run(input: aad, output: nil, operation: "EVP_CipherUpdate(AAD)")
            }
        }

        func update(input: [UInt8], output: inout [UInt8], operation: String) throws(CryptoError) {
            try input.withUnsafeBufferPointer { (input) throws(CryptoError) in
                try output.withUnsafeMutableBufferPointer { (output) throws(CryptoError) in
                    try run(input: input, output: output.baseAddress, operation: operation)
                }
            }
        }

        /// Feeds `input` to the cipher in pieces that fit libcrypto's `int` lengths (GCM allows
        /// up to 2^36 - 32 bytes, SP 800-38D §5.2.1.1). A nil `output` means AAD.
        private func run(
            input: UnsafeBufferPointer<UInt8>, output: UnsafeMutablePointer<UInt8>?, operation: String
        ) throws(CryptoError) {
            guard let base = input.baseAddress else { return }
            var offset = 0
            while offset < input.count {
                let count = min(input.count - offset, 1 << 30)
                var written: Int32 = 0
                let out = output.map { $0 + offset }
                let rc =
                    encrypting
                    ? EVP_EncryptUpdate(pointer, out, &written, base + offset, Int32(count))
                    : EVP_DecryptUpdate(pointer, out, &written, base + offset, Int32(count))
                guard rc == 1, output == nil || Int(written) == count else { throw libcryptoFailure(operation) }
                offset += count
            }
        }
    }
}
