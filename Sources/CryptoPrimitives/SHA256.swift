import COpenSSL

/// SHA-256, FIPS 180-4 §6.2, computed by libcrypto.
///
/// Covenant uses it for contract version ids, ledger Merkle leaves and nodes (RFC 9162 §2.1.1),
/// result and transcript hashes, and ``HashCommitment``. Spec: `protocols/primitives.md#sha-256`.
public enum SHA256: Sendable {
    /// The digest length in bytes (FIPS 180-4 §1: 256 bits).
    public static let byteCount = 32

    /// The block length in bytes (FIPS 180-4 §1: 512 bits).
    public static let blockByteCount = 64

    /// Hashes `data` in one call, FIPS 180-4 §6.2.
    ///
    /// Arrays, array slices, `Data` and buffer pointers are hashed in place; any other
    /// sequence is streamed through an incremental context.
    /// - Parameter data: The message.
    /// - Returns: The 32-byte digest.
    public static func hash(_ data: some Sequence<UInt8>) -> [UInt8] {
        if let digest = data.withContiguousStorageIfAvailable({ buffer in
            oneShot(UnsafeRawBufferPointer(buffer))
        }) {
            return digest
        }
        var hasher = SHA256Hasher()
        hasher.update(data)
        return hasher.finalize()
    }

    private static func oneShot(_ buffer: UnsafeRawBufferPointer) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: byteCount) { out, initialized in
            var length: UInt32 = 0
            let rc = buffer.withContiguousBytes { base, count in
                EVP_Digest(base, count, out.baseAddress, &length, fetchedSHA256.pointer, nil)
            }
            // Hashing with a fetched algorithm can only fail on allocation failure.
            precondition(rc == 1 && length == UInt32(byteCount), "EVP_Digest(SHA256) failed")
            initialized = byteCount
        }
    }
}
