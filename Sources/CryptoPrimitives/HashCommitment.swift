/// Hash commitments to member inputs: `SHA-256(tag ‖ nonce ‖ len ‖ message)`.
///
/// Construction (normative, `protocols/primitives.md#hash-commitment`): the ASCII bytes of
/// ``domainSeparationTag`` (`"covenant/commitment/v1"`, 22 bytes, no terminator), then the
/// 32-byte nonce, then the message length in bytes as an 8-byte big-endian integer, then the
/// message; hashed with SHA-256 (FIPS 180-4). Binding rests on SHA-256 collision resistance;
/// hiding rests on the 256-bit secret nonce (random-oracle model).
///
/// - Warning: a commitment hides the message only while the nonce stays secret and is drawn
///   from a CSPRNG. Never reuse a nonce, and never derive it from the message.
public enum HashCommitment: Sendable {
    /// The domain-separation tag, `"covenant/commitment/v1"` as ASCII.
    public static let domainSeparationTag: [UInt8] = Array("covenant/commitment/v1".utf8)

    /// The nonce length: 32 bytes (256 bits).
    public static let nonceByteCount = 32

    /// Commits to `message` with a caller-chosen nonce.
    /// - Parameters:
    ///   - message: The committed bytes.
    ///   - nonce: Exactly 32 secret random bytes.
    /// - Returns: The 32-byte commitment.
    /// - Throws: ``CryptoError/invalidNonceLength(expected:actual:)`` if `nonce` is not 32 bytes.
    public static func commit(to message: some Sequence<UInt8>, nonce: [UInt8]) throws -> [UInt8] {
        guard nonce.count == nonceByteCount else {
            throw CryptoError.invalidNonceLength(expected: nonceByteCount, actual: nonce.count)
        }
        return digest(message, nonce: nonce)
    }

    /// Commits to `message` with a fresh nonce drawn from `rng`.
    /// - Parameters:
    ///   - message: The committed bytes.
    ///   - rng: The nonce source (8-byte little-endian words); it must be a CSPRNG outside tests.
    /// - Returns: The 32-byte commitment and the 32-byte nonce that opens it (keep it secret
    ///   until the opening).
    public static func commit(
        to message: some Sequence<UInt8>, using rng: inout some RandomNumberGenerator
    ) -> (commitment: [UInt8], nonce: [UInt8]) {
        var nonce = [UInt8]()
        nonce.reserveCapacity(nonceByteCount)
        for _ in 0..<(nonceByteCount / 8) {
            withUnsafeBytes(of: rng.next().littleEndian) { nonce.append(contentsOf: $0) }
        }
        return (digest(message, nonce: nonce), nonce)
    }

    /// Commits to `message` with a nonce from ``SecureRandomGenerator``.
    /// - Parameter message: The committed bytes.
    /// - Returns: The 32-byte commitment and the 32-byte nonce that opens it.
    public static func commit(to message: some Sequence<UInt8>) -> (commitment: [UInt8], nonce: [UInt8]) {
        let nonce = SecureRandom.bytes(count: nonceByteCount)
        return (digest(message, nonce: nonce), nonce)
    }

    /// Checks that (`message`, `nonce`) opens `commitment`, comparing in constant time.
    /// - Parameters:
    ///   - commitment: The claimed 32-byte commitment.
    ///   - message: The revealed message.
    ///   - nonce: The revealed 32-byte nonce.
    /// - Returns: `true` only if the opening is valid. Wrong lengths return `false`.
    public static func verify(_ commitment: [UInt8], opens message: some Sequence<UInt8>, nonce: [UInt8])
        -> Bool
    {
        guard nonce.count == nonceByteCount, commitment.count == SHA256.byteCount else { return false }
        return constantTimeEquals(commitment, digest(message, nonce: nonce))
    }

    private static func digest(_ message: some Sequence<UInt8>, nonce: [UInt8]) -> [UInt8] {
        message.withContiguousBytes { base, count in
            var hasher = SHA256Hasher()
            hasher.update(domainSeparationTag)
            hasher.update(nonce)
            withUnsafeBytes(of: UInt64(count).bigEndian) { hasher.update($0.bindMemory(to: UInt8.self)) }
            hasher.update(UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: count))
            return hasher.finalize()
        }
    }
}
