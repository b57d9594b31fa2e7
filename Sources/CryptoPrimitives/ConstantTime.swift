import COpenSSL

/// Compares two byte strings in time that depends only on their lengths, never on their
/// contents (libcrypto `CRYPTO_memcmp`).
///
/// Use it for MACs, tags, commitments and any other value an attacker could learn about
/// byte by byte from an early-exit comparison.
///
/// - Parameters:
///   - a: The first byte string.
///   - b: The second byte string.
/// - Returns: `true` if both have the same length and the same bytes. Different lengths
///   return `false` immediately (lengths are treated as public).
public func constantTimeEquals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    return a.withContiguousBytes { pa, na in
        b.withContiguousBytes { pb, _ in
            CRYPTO_memcmp(pa, pb, na) == 0
        }
    }
}
