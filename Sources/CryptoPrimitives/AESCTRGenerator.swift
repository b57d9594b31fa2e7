import COpenSSL

/// A deterministic pseudorandom generator: the AES-128-CTR keystream (NIST SP 800-38A §6.5)
/// under a 16-byte seed used as the AES key, computed by libcrypto (AES-NI where available).
///
/// Construction (normative, `protocols/primitives.md#aes-ctr-prg`): the output byte stream is
/// `AES-128_seed(T_0) ‖ AES-128_seed(T_1) ‖ …` with `T_0` the 16-byte initial counter block
/// (all zero unless a nonce is given) and `T_{i+1} = T_i + 1 mod 2^128`, the block read as a
/// big-endian integer (SP 800-38A Appendix B.1 over the whole block). ``next()``, ``nextWords(count:)``
/// and `fill(_:)` on `[UInt64]` read the stream 8 bytes at a time as little-endian `UInt64`s.
/// All read methods consume the same stream in order, so `fill` of `n` bytes equals `n / 8`
/// successive `next()` calls.
///
/// Value semantics: copying a generator copies its position. The copy and the original then
/// produce the same stream independently (copy-on-write of the libcrypto context with
/// `EVP_CIPHER_CTX_copy`). Nothing is shared silently.
///
/// - Warning: the stream is secret exactly as long as the seed is. One seed and nonce pair
///   must expand to one stream only: reusing a seed for two purposes yields identical output.
///   Derive per-purpose seeds with ``HKDF``. The generator is not for encrypting data; use
///   ``AESGCM``.
public struct AESCTRGenerator: RandomNumberGenerator, Sendable {
    /// The seed length: one AES-128 key (FIPS 197 §5).
    public static let seedByteCount = 16

    /// The nonce length: one initial counter block (SP 800-38A §6.5).
    public static let nonceByteCount = 16

    /// The libcrypto context and keystream buffer, shared between copies until one of them
    /// must generate more keystream (copy-on-write).
    @usableFromInline var storage: Storage
    /// Offset of the next unread byte in `storage.buffer`; `Storage.bufferByteCount` when the
    /// buffer is used up. Kept in the struct so that reads of buffered keystream never touch
    /// shared state.
    @usableFromInline var position: Int

    /// Creates a generator whose stream starts at the all-zero counter block.
    /// - Parameter seed: The 16-byte AES-128 key.
    /// - Throws: ``CryptoError/invalidKeyLength(expected:actual:)`` if `seed` is not 16 bytes.
    public init(seed: [UInt8]) throws {
        try self.init(seed: seed, nonce: [UInt8](repeating: 0, count: Self.nonceByteCount))
    }

    /// Creates a generator whose stream starts at the counter block `nonce`.
    /// - Parameters:
    ///   - seed: The 16-byte AES-128 key.
    ///   - nonce: The 16-byte initial counter block `T_0`, SP 800-38A §6.5.
    /// - Throws: ``CryptoError/invalidKeyLength(expected:actual:)`` or
    ///   ``CryptoError/invalidNonceLength(expected:actual:)`` on wrong lengths.
    public init(seed: [UInt8], nonce: [UInt8]) throws {
        guard seed.count == Self.seedByteCount else {
            throw CryptoError.invalidKeyLength(expected: Self.seedByteCount, actual: seed.count)
        }
        guard nonce.count == Self.nonceByteCount else {
            throw CryptoError.invalidNonceLength(expected: Self.nonceByteCount, actual: nonce.count)
        }
        storage = try Storage(key: seed, iv: nonce)
        position = Storage.bufferByteCount
    }

    /// Returns the next 8 stream bytes as a little-endian `UInt64`.
    /// - Returns: A pseudorandom word.
    @inlinable
    public mutating func next() -> UInt64 {
        // Reading buffered keystream needs no uniqueness check: copies that share the buffer
        // are at the same stream position, and the buffer is only rewritten after makeUnique.
        if position &+ 8 <= Storage.bufferByteCount {
            let word = storage.buffer.loadUnaligned(fromByteOffset: position, as: UInt64.self)
            position &+= 8
            return UInt64(littleEndian: word)
        }
        return nextWordRefilling()
    }

    @usableFromInline
    mutating func nextWordRefilling() -> UInt64 {
        var word: UInt64 = 0
        withUnsafeMutableBytes(of: &word) { fill($0) }
        return UInt64(littleEndian: word)
    }

    /// Overwrites `buffer` with the next `buffer.count` stream bytes.
    ///
    /// Large requests are encrypted directly into `buffer` in big chunks (no intermediate copy).
    /// - Parameter buffer: The memory to fill.
    public mutating func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard var destination = buffer.baseAddress, buffer.count > 0 else { return }
        var remaining = buffer.count
        // 1. Whatever is still buffered (read-only: no uniqueness check needed).
        let buffered = min(remaining, Storage.bufferByteCount - position)
        if buffered > 0 {
            destination.copyMemory(from: storage.buffer + position, byteCount: buffered)
            position += buffered
            destination += buffered
            remaining -= buffered
        }
        guard remaining > 0 else { return }
        // 2. New keystream: the context advances, so this copy must own it.
        if !isKnownUniquelyReferenced(&storage) {
            storage = storage.copy()
        }
        while remaining >= Storage.bufferByteCount {
            let chunk = min(remaining, Storage.chunkByteCount)
            storage.keystream(into: destination, count: chunk)
            destination += chunk
            remaining -= chunk
        }
        // 3. A short tail goes through a refilled buffer; the rest stays buffered for next().
        if remaining > 0 {
            storage.keystream(into: storage.buffer, count: Storage.bufferByteCount)
            destination.copyMemory(from: storage.buffer, byteCount: remaining)
            position = remaining
        }
    }

    /// Overwrites every element of `words` with the next stream words (8 bytes each,
    /// little-endian), the same values as `words.count` calls of ``next()``.
    /// - Parameter words: The words to overwrite.
    public mutating func fill(_ words: inout [UInt64]) {
        words.withUnsafeMutableBytes { fill($0) }
        #if _endian(big)
            for index in words.indices { words[index] = UInt64(littleEndian: words[index]) }
        #endif
    }

    /// Returns the next `count` stream words, as `count` calls of ``next()`` would.
    /// - Parameter count: The number of words; must not be negative.
    /// - Returns: `count` pseudorandom words.
    public mutating func nextWords(count: Int) -> [UInt64] {
        precondition(count >= 0, "negative word count")
        var words = [UInt64](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
        #if _endian(big)
            for index in words.indices { words[index] = UInt64(littleEndian: words[index]) }
        #endif
        return words
    }

    /// Returns the next `count` stream bytes.
    /// - Parameter count: The number of bytes; must not be negative.
    /// - Returns: `count` pseudorandom bytes.
    public mutating func nextBytes(count: Int) -> [UInt8] {
        precondition(count >= 0, "negative byte count")
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }
}

extension AESCTRGenerator {
    /// Owns the `EVP_CIPHER_CTX` and a small keystream buffer for word-at-a-time reads.
    ///
    /// `@unchecked Sendable` because the context and the buffer contents are only mutated
    /// through a uniquely referenced `AESCTRGenerator` (copy-on-write); shared copies only
    /// read the buffer, so two threads never race on it.
    @usableFromInline
    final class Storage: @unchecked Sendable {
        /// Keystream buffered for `next()`: 4 KiB amortizes one libcrypto call over 512 words.
        @usableFromInline static let bufferByteCount = 4096
        /// Largest single `EVP_EncryptUpdate` call; the zero plaintext it reads (`zeroChunk`)
        /// stays cache resident.
        static let chunkByteCount = 32 * 1024

        let context: OpaquePointer
        @usableFromInline let buffer: UnsafeMutableRawPointer

        init(key: [UInt8], iv: [UInt8]) throws(CryptoError) {
            guard let context = EVP_CIPHER_CTX_new() else { throw libcryptoFailure("EVP_CIPHER_CTX_new") }
            let rc = key.withUnsafeBufferPointer { key in
                iv.withUnsafeBufferPointer { iv in
                    EVP_EncryptInit_ex2(context, fetchedAES128CTR.pointer, key.baseAddress, iv.baseAddress, nil)
                }
            }
            guard rc == 1 else {
                EVP_CIPHER_CTX_free(context)
                throw libcryptoFailure("EVP_EncryptInit_ex2(AES-128-CTR)")
            }
            self.context = context
            buffer = .allocate(byteCount: Self.bufferByteCount, alignment: 16)
            buffer.initializeMemory(as: UInt8.self, repeating: 0, count: Self.bufferByteCount)
        }

        private init(copying other: Storage) {
            guard let context = EVP_CIPHER_CTX_new() else {
                preconditionFailure("EVP_CIPHER_CTX_new: out of memory")
            }
            let rc = EVP_CIPHER_CTX_copy(context, other.context)
            precondition(rc == 1, "EVP_CIPHER_CTX_copy failed")
            self.context = context
            buffer = .allocate(byteCount: Self.bufferByteCount, alignment: 16)
            buffer.copyMemory(from: other.buffer, byteCount: Self.bufferByteCount)
        }

        func copy() -> Storage { Storage(copying: self) }

        deinit {
            // The buffer holds unread keystream, which is as secret as the seed.
            OPENSSL_cleanse(buffer, Self.bufferByteCount)
            buffer.deallocate()
            EVP_CIPHER_CTX_free(context)
        }

        /// Writes the next `count` (at most `chunkByteCount`) keystream bytes to `destination`:
        /// the encryption of zeros (CTR: C = P ⊕ keystream, and P = 0).
        func keystream(into destination: UnsafeMutableRawPointer, count: Int) {
            precondition(count <= Self.chunkByteCount)
            let bytes = destination.assumingMemoryBound(to: UInt8.self)
            var written: Int32 = 0
            let rc = EVP_EncryptUpdate(context, bytes, &written, zeroChunk.pointer, Int32(count))
            // CTR mode with a valid context cannot fail, and it is length-preserving.
            precondition(rc == 1 && Int(written) == count, "EVP_EncryptUpdate(AES-128-CTR) failed")
        }
    }
}

/// `AESCTRGenerator.Storage.chunkByteCount` zero bytes, the plaintext every keystream chunk
/// is encrypted from. Never written after initialization, so sharing it is safe.
private struct ZeroChunk: @unchecked Sendable {
    let pointer: UnsafePointer<UInt8>
}

private let zeroChunk: ZeroChunk = {
    let memory = UnsafeMutablePointer<UInt8>.allocate(capacity: AESCTRGenerator.Storage.chunkByteCount)
    memory.initialize(repeating: 0, count: AESCTRGenerator.Storage.chunkByteCount)
    return ZeroChunk(pointer: UnsafePointer(memory))
}()
