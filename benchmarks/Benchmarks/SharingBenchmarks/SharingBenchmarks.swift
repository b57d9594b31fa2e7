// Secret sharing of a 10^5-element vector among n = 10 parties: additive over Z_2^64
// (explicit and seed-expanded shares) and Shamir over Z_p, p = 2^61 − 1, threshold t = 6.
// Randomness is the AES-128-CTR generator under a fixed seed: deterministic, and the same
// bulk path as production sharing.
import Benchmark
import CryptoPrimitives
import MultiPrecision
import SecretSharing
import _BenchmarkSupport

/// Elements per shared vector.
let vectorLength = 100_000
/// Parties.
let parties = 10
/// Shamir threshold: an honest majority of 10.
let threshold = 6

/// A fixed-seed AES-CTR generator for stream `stream`.
func seededPRG(stream: UInt64) throws -> AESCTRGenerator {
    var rng = SeededGenerator(stream: stream)
    return try AESCTRGenerator(seed: (0..<AESCTRGenerator.seedByteCount).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
}

let benchmarks: @Sendable () -> Void = {
    let stream: UInt64 = 0x5348_4152 << 16  // "SHAR"

    Benchmark("Sharing.additive.split.n\(parties)", configuration: CovenantBenchmark.configuration()) { benchmark in
        let sharing = AdditiveSharing(ring: Ring64())
        var inputs = SeededGenerator(stream: stream | 1)
        let secret = (0..<vectorLength).map { _ in inputs.next() }
        var rng = try seededPRG(stream: stream | 2)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try sharing.split(secret, parties: parties, using: &rng))
        }
    }

    Benchmark("Sharing.additive.reconstruct.n\(parties)", configuration: CovenantBenchmark.configuration()) { benchmark in
        let sharing = AdditiveSharing(ring: Ring64())
        var inputs = SeededGenerator(stream: stream | 3)
        let secret = (0..<vectorLength).map { _ in inputs.next() }
        var rng = try seededPRG(stream: stream | 4)
        let shares = try sharing.split(secret, parties: parties, using: &rng)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try sharing.reconstruct(shares))
        }
    }

    // Seed-expanded additive shares: n − 1 parties get a 16-byte seed, one gets the vector.
    Benchmark("Sharing.seeded.split.n\(parties)", configuration: CovenantBenchmark.configuration()) { benchmark in
        let sharing = SeededAdditiveSharing(ring: Ring64())
        var inputs = SeededGenerator(stream: stream | 5)
        let secret = (0..<vectorLength).map { _ in inputs.next() }
        var rng = try seededPRG(stream: stream | 6)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try sharing.split(secret, parties: parties, using: &rng))
        }
    }

    Benchmark("Sharing.seeded.reconstruct.n\(parties)", configuration: CovenantBenchmark.configuration()) { benchmark in
        let sharing = SeededAdditiveSharing(ring: Ring64())
        var inputs = SeededGenerator(stream: stream | 7)
        let secret = (0..<vectorLength).map { _ in inputs.next() }
        var rng = try seededPRG(stream: stream | 8)
        let (seeds, lastShare) = try sharing.split(secret, parties: parties, using: &rng)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try sharing.reconstruct(seeds: seeds, lastShare: lastShare))
        }
    }

    Benchmark(
        "Sharing.shamir.split.n\(parties)t\(threshold)",
        configuration: CovenantBenchmark.configuration(maxDuration: .seconds(3), maxIterations: 100)
    ) { benchmark in
        let field = PrimeField64.mersenne61
        let sharing = ShamirSharing(field: field)
        var inputs = SeededGenerator(stream: stream | 9)
        let secret = (0..<vectorLength).map { _ in field.random(using: &inputs) }
        var rng = try seededPRG(stream: stream | 10)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try sharing.splitVector(secret, threshold: threshold, parties: parties, using: &rng))
        }
    }

    Benchmark(
        "Sharing.shamir.reconstruct.n\(parties)t\(threshold)",
        configuration: CovenantBenchmark.configuration(maxDuration: .seconds(3), maxIterations: 100)
    ) { benchmark in
        let field = PrimeField64.mersenne61
        let sharing = ShamirSharing(field: field)
        var inputs = SeededGenerator(stream: stream | 11)
        let secret = (0..<vectorLength).map { _ in field.random(using: &inputs) }
        var rng = try seededPRG(stream: stream | 12)
        let shares = try sharing.splitVector(secret, threshold: threshold, parties: parties, using: &rng)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try sharing.reconstructVector(shares, threshold: threshold))
        }
    }
}
