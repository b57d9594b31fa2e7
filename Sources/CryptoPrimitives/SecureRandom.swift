import COpenSSL

/// The operating system–seeded CSPRNG of libcrypto (`RAND_bytes`, a NIST SP 800-90A
/// CTR_DRBG seeded from the kernel).
///
/// Use it for every secret: keys, nonces, masks, commitment randomizers, share seeds.
/// Spec: `protocols/primitives.md#secure-randomness`.
public enum SecureRandom: Sendable {
    /// Returns `count` bytes from libcrypto's CSPRNG.
    ///
    /// - Parameter count: The number of bytes; must not be negative.
    /// - Returns: `count` uniformly random bytes.
    /// - Precondition: libcrypto's DRBG works. A failing `RAND_bytes` means the system has no
    ///   entropy source, which is a fault no caller could handle, so it traps.
    public static func bytes(count: Int) -> [UInt8] {
        precondition(count >= 0, "negative byte count")
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    /// Fills `buffer` from libcrypto's CSPRNG (same contract as ``bytes(count:)``).
    /// - Parameter buffer: The memory to overwrite with random bytes.
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard var base = buffer.baseAddress else { return }
        var remaining = buffer.count
        while remaining > 0 {
            let chunk = min(remaining, 1 << 30)
            let rc = RAND_bytes(base.assumingMemoryBound(to: UInt8.self), Int32(chunk))
            precondition(rc == 1, "RAND_bytes failed: no usable entropy source")
            base += chunk
            remaining -= chunk
        }
    }
}

/// A `RandomNumberGenerator` backed by libcrypto's CSPRNG (`RAND_bytes`).
///
/// Pass it wherever an API takes `inout some RandomNumberGenerator` and the output must be
/// secret. It has no state of its own: every copy draws from the same process-wide DRBG.
/// - Warning: each call reaches libcrypto; for many words, prefer ``SecureRandom/fill(_:)`` or
///   seed an ``AESCTRGenerator`` from ``SecureRandom/bytes(count:)``.
public struct SecureRandomGenerator: RandomNumberGenerator, Sendable {
    /// Creates a generator over libcrypto's CSPRNG.
    public init() {}

    /// Returns 64 uniformly random bits from `RAND_bytes`.
    /// - Returns: A random word.
    public mutating func next() -> UInt64 {
        var word: UInt64 = 0
        withUnsafeMutableBytes(of: &word) { SecureRandom.fill($0) }
        return word
    }
}
