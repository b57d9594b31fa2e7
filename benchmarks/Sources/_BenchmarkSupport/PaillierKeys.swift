public import PaillierEncryption
import MultiPrecision

/// Paillier keys for benchmarks: generated once per process, on first use, from fixed seeds,
/// so that no measured iteration pays for key generation or for the fixed-base table.
///
/// A benchmark touches the key before `benchmark.startMeasurement()`; the first touch (in
/// the warm-up iteration) generates it, which takes seconds for 3072 bits.
public enum PaillierKeys {
    /// The 2048-bit key of every benchmark.
    public static let bits2048 = make(bits: 2048)
    /// The 3072-bit key of every benchmark.
    public static let bits3072 = make(bits: 3072)

    /// The key of `bits` bits (2048 or 3072).
    public static func key(bits: Int) -> Paillier.PrivateKey {
        switch bits {
        case 2048: bits2048
        case 3072: bits3072
        default: preconditionFailure("benchmarks use 2048- or 3072-bit keys")
        }
    }

    static func make(bits: Int) -> Paillier.PrivateKey {
        var rng = SeededGenerator(stream: UInt64(bits))
        do {
            let key = try Paillier.generatePrivateKey(bits: bits, using: &rng)
            // One public-key encryption builds the key's fixed-base table now.
            _ = try key.publicKey.encrypt(BigInt(0), using: &rng)
            return key
        } catch {
            preconditionFailure("benchmark key generation failed: \(error)")
        }
    }
}
