/// A fast deterministic generator for benchmark inputs and benchmark-only keys:
/// xoshiro256** (Blackman and Vigna, "Scrambled linear pseudorandom number generators"),
/// its 256-bit state filled from one 64-bit seed by SplitMix64.
///
/// - Warning: benchmarks only. It is not a CSPRNG; never use it for real keys or secrets.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A generator whose whole output is fixed by `seed`.
    public init(seed: UInt64) {
        var splitMix = SplitMix64(state: seed)
        s0 = splitMix.next()
        s1 = splitMix.next()
        s2 = splitMix.next()
        s3 = splitMix.next()
    }

    /// A generator for one benchmark: the suite seed mixed with a per-benchmark `stream`, so
    /// that two benchmarks never draw the same inputs and each is reproducible on its own.
    public init(stream: UInt64) {
        self.init(seed: BenchmarkSeed.value ^ (stream &* 0x9E37_79B9_7F4A_7C15))
    }

    /// The next 64 output bits.
    public mutating func next() -> UInt64 {
        let output = rotateLeft(s1 &* 5, by: 7) &* 9
        let shifted = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= shifted
        s3 = rotateLeft(s3, by: 45)
        return output
    }

    @inline(__always)
    private func rotateLeft(_ x: UInt64, by k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators"),
/// used only to expand a seed into xoshiro state.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The fixed seed of every benchmark input (ASCII "Covenant").
public enum BenchmarkSeed {
    /// The suite seed.
    public static let value: UInt64 = 0x436F_7665_6E61_6E74
}
