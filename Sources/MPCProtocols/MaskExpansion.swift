import CryptoPrimitives

/// PRG expansion over `Z_2^64`: the AES-128-CTR keystream under a 16-byte seed (zero counter
/// block), read as little-endian words — the same stream as
/// `SeededAdditiveSharing(ring: Ring64()).expand(seed:count:)` — added to or subtracted from a
/// vector in place, in cache-sized chunks, without allocating the expanded vector.
/// Spec: protocols/secagg.md#masks; [BIK+17] §4 ("PRG").
enum MaskExpansion {
    static let chunkWords = 8192

    /// `vector[i] += sign · PRG(seed)[i]` for every `i` (wrapping).
    static func apply(seed: [UInt8], subtract: Bool, to vector: inout [UInt64]) throws {
        var generator: AESCTRGenerator
        do { generator = try AESCTRGenerator(seed: seed) } catch let error as CryptoError {
            throw MPCProtocolError.crypto(error)
        }
        let count = vector.count
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: chunkWords) { scratch in
            vector.withUnsafeMutableBufferPointer { v in
                var start = 0
                while start < count {
                    let length = min(chunkWords, count - start)
                    let chunk = UnsafeMutableBufferPointer(rebasing: scratch[0..<length])
                    generator.fill(UnsafeMutableRawBufferPointer(chunk))
                    #if _endian(big)
                    for j in 0..<length { chunk[j] = UInt64(littleEndian: chunk[j]) }
                    #endif
                    if subtract {
                        for j in 0..<length { v[start + j] &-= chunk[j] }
                    } else {
                        for j in 0..<length { v[start + j] &+= chunk[j] }
                    }
                    start += length
                }
            }
        }
    }

    /// `total[i] += addend[i]` (wrapping).
    static func add(_ addend: [UInt64], to total: inout [UInt64]) {
        precondition(addend.count == total.count, "length checked by the caller")
        total.withUnsafeMutableBufferPointer { t in
            addend.withUnsafeBufferPointer { a in
                for i in 0..<t.count { t[i] &+= a[i] }
            }
        }
    }

    /// `total[i] -= subtrahend[i]` (wrapping).
    static func subtract(_ subtrahend: [UInt64], from total: inout [UInt64]) {
        precondition(subtrahend.count == total.count, "length checked by the caller")
        total.withUnsafeMutableBufferPointer { t in
            subtrahend.withUnsafeBufferPointer { a in
                for i in 0..<t.count { t[i] &-= a[i] }
            }
        }
    }
}

/// The machines' private randomness: an AES-128-CTR generator seeded once, at construction, from
/// the injected generator (``SecureRandomGenerator`` in production), so that a machine is a
/// `Sendable` value and a test with a fixed seed is reproducible.
/// - Warning: the seed is as secret as every key and mask the machine draws.
struct MachineRandomness: Sendable {
    var generator: AESCTRGenerator

    init(using rng: inout some RandomNumberGenerator) {
        var seed: [UInt8] = []
        seed.reserveCapacity(16)
        withUnsafeBytes(of: rng.next().littleEndian) { seed.append(contentsOf: $0) }
        withUnsafeBytes(of: rng.next().littleEndian) { seed.append(contentsOf: $0) }
        // A 16-byte seed is always a valid AES-128 key.
        generator = try! AESCTRGenerator(seed: seed)
    }

    mutating func bytes(_ count: Int) -> [UInt8] { generator.nextBytes(count: count) }
}
