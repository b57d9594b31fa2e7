import COpenSSL

/// AES-128 under a fixed, public key, used as a public random permutation `π` of 128-bit blocks
/// (the ideal-permutation model of [GKWY20]), computed by libcrypto (AES-NI where available),
/// many blocks per call. Spec: `protocols/primitives.md#fixed-key-aes`.
///
/// - Warning: the key is public by design: `π` is not a cipher here and hides nothing by itself.
///   Constructions on top (a correlation-robust hash) give the security; see their specs.
public struct FixedKeyAES: Sendable {
    /// The key length: one AES-128 key.
    public static let keyByteCount = 16
    /// The block length.
    public static let blockByteCount = 16

    private let key: [UInt8]

    /// The permutation `AES-128_key`.
    /// - Parameter key: 16 public bytes.
    /// - Throws: ``CryptoError/invalidKeyLength(expected:actual:)``.
    public init(key: [UInt8]) throws(CryptoError) {
        guard key.count == Self.keyByteCount else {
            throw .invalidKeyLength(expected: Self.keyByteCount, actual: key.count)
        }
        self.key = key
    }

    /// Replaces each 16-byte block of `blocks` by its image under `π` (ECB, no padding).
    /// - Parameter blocks: A buffer whose length is a multiple of 16 bytes.
    /// - Precondition: the length is a multiple of 16 (a programmer error otherwise).
    public func permute(_ blocks: UnsafeMutableRawBufferPointer) {
        precondition(blocks.count % Self.blockByteCount == 0, "not a whole number of blocks")
        guard let base = blocks.baseAddress, blocks.count > 0 else { return }
        guard let context = EVP_CIPHER_CTX_new() else { preconditionFailure("EVP_CIPHER_CTX_new: out of memory") }
        defer { EVP_CIPHER_CTX_free(context) }
        let rc = key.withUnsafeBufferPointer { EVP_EncryptInit_ex2(context, fetchedAES128ECB.pointer, $0.baseAddress, nil, nil) }
        precondition(rc == 1 && EVP_CIPHER_CTX_set_padding(context, 0) == 1, "EVP_EncryptInit_ex2(AES-128-ECB) failed")
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        var offset = 0
        while offset < blocks.count {
            let chunk = min(blocks.count - offset, 1 << 20)
            var written: Int32 = 0
            // In place: ECB reads each block before it writes it.
            let update = EVP_EncryptUpdate(context, bytes + offset, &written, bytes + offset, Int32(chunk))
            precondition(update == 1 && Int(written) == chunk, "EVP_EncryptUpdate(AES-128-ECB) failed")
            offset += chunk
        }
    }

    /// `π` applied to each element's 16 little-endian bytes, in place.
    /// - Parameter blocks: The blocks.
    public func permute(_ blocks: inout [UInt128]) {
        #if _endian(big)
            for i in blocks.indices { blocks[i] = blocks[i].byteSwapped }
        #endif
        blocks.withUnsafeMutableBytes { permute($0) }
        #if _endian(big)
            for i in blocks.indices { blocks[i] = blocks[i].byteSwapped }
        #endif
    }
}
