import COpenSSL

/// An incremental SHA-256 computation (FIPS 180-4 §6.2) over a libcrypto `EVP_MD_CTX`.
///
/// `SHA256Hasher` has value semantics: copying a hasher and updating the copy leaves the
/// original untouched (copy-on-write via `EVP_MD_CTX_copy_ex`). Copying is therefore also the
/// way to hash a common prefix once and finish it several ways.
///
/// ```swift
/// var hasher = SHA256Hasher()
/// hasher.update([0x00])
/// hasher.update(entryBytes)
/// let leaf = hasher.finalize()   // SHA-256(0x00 ‖ entry)
/// ```
public struct SHA256Hasher: Sendable {
    private var storage: Storage

    /// Creates a hasher with the SHA-256 initial hash value H(0), FIPS 180-4 §5.3.3.
    public init() {
        storage = Storage()
    }

    /// Absorbs `bytes` into the running hash.
    /// - Parameter bytes: The next part of the message.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        if !isKnownUniquelyReferenced(&storage) {
            storage = storage.copy()
        }
        let context = storage.context
        if bytes.withContiguousStorageIfAvailable({ buffer in
            Self.absorb(context, UnsafeRawBufferPointer(buffer))
        }) != nil {
            return
        }
        // Stream non-contiguous sequences through a fixed buffer.
        var chunk = [UInt8]()
        chunk.reserveCapacity(4096)
        for byte in bytes {
            chunk.append(byte)
            if chunk.count == 4096 {
                chunk.withUnsafeBytes { Self.absorb(context, $0) }
                chunk.removeAll(keepingCapacity: true)
            }
        }
        chunk.withUnsafeBytes { Self.absorb(context, $0) }
    }

    /// Finishes the computation (padding, FIPS 180-4 §5.1.1) and returns the digest.
    /// - Returns: The 32-byte digest of everything passed to ``update(_:)``.
    public consuming func finalize() -> [UInt8] {
        if !isKnownUniquelyReferenced(&storage) {
            storage = storage.copy()
        }
        let context = storage.context
        return [UInt8](unsafeUninitializedCapacity: SHA256.byteCount) { out, initialized in
            var length: UInt32 = 0
            let rc = EVP_DigestFinal_ex(context, out.baseAddress, &length)
            precondition(rc == 1 && length == UInt32(SHA256.byteCount), "EVP_DigestFinal_ex failed")
            initialized = SHA256.byteCount
        }
    }

    private static func absorb(_ context: OpaquePointer, _ buffer: UnsafeRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let rc = EVP_DigestUpdate(context, base, buffer.count)
        precondition(rc == 1, "EVP_DigestUpdate failed")
    }

    /// Owns the `EVP_MD_CTX`.
    ///
    /// `@unchecked Sendable` because the context is only mutated through a uniquely referenced
    /// `SHA256Hasher` (copy-on-write), so no two threads ever touch the same context.
    private final class Storage: @unchecked Sendable {
        let context: OpaquePointer

        init() {
            guard let context = EVP_MD_CTX_new() else {
                preconditionFailure("EVP_MD_CTX_new: out of memory")
            }
            let rc = EVP_DigestInit_ex(context, fetchedSHA256.pointer, nil)
            precondition(rc == 1, "EVP_DigestInit_ex(SHA256) failed")
            self.context = context
        }

        private init(copying other: Storage) {
            guard let context = EVP_MD_CTX_new() else {
                preconditionFailure("EVP_MD_CTX_new: out of memory")
            }
            let rc = EVP_MD_CTX_copy_ex(context, other.context)
            precondition(rc == 1, "EVP_MD_CTX_copy_ex failed")
            self.context = context
        }

        func copy() -> Storage { Storage(copying: self) }

        deinit {
            // EVP_MD_CTX_free cleanses the digest state before releasing it.
            EVP_MD_CTX_free(context)
        }
    }
}
