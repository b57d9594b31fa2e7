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
/// Stream numbers of this target ("SHAR").
let stream: UInt64 = 0x5348_4152 << 16

/// A fixed-seed AES-CTR generator for stream `stream`.
func seededPRG(stream: UInt64) throws -> AESCTRGenerator {
    var rng = SeededGenerator(stream: stream)
    return try AESCTRGenerator(seed: (0..<AESCTRGenerator.seedByteCount).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
}

// Inputs, built once on first use (see `fixture`).
let wordSecret: [UInt64] = {
    var rng = SeededGenerator(stream: stream | 1)
    return (0..<vectorLength).map { _ in rng.next() }
}()
let fieldSecret: [UInt64] = {
    var rng = SeededGenerator(stream: stream | 2)
    return (0..<vectorLength).map { _ in PrimeField64.mersenne61.random(using: &rng) }
}()
let additiveShares: [[UInt64]] = fixture("additive shares") {
    var rng = try seededPRG(stream: stream | 3)
    return try AdditiveSharing(ring: Ring64()).split(wordSecret, parties: parties, using: &rng)
}
let seededShares: (seeds: [[UInt8]], lastShare: [UInt64]) = fixture("seeded shares") {
    var rng = try seededPRG(stream: stream | 4)
    return try SeededAdditiveSharing(ring: Ring64()).split(wordSecret, parties: parties, using: &rng)
}
let shamirShares: [ShamirVectorShare<UInt64>] = fixture("Shamir shares") {
    var rng = try seededPRG(stream: stream | 5)
    return try ShamirSharing(field: PrimeField64.mersenne61)
        .splitVector(fieldSecret, threshold: threshold, parties: parties, using: &rng)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark("Sharing.additive.split.n\(parties)", configuration: CovenantBenchmark.configuration()) { benchmark in
        let sharing = AdditiveSharing(ring: Ring64())
        let secret = wordSecret
        var rng = try seededPRG(stream: stream | 6)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try sharing.split(secret, parties: parties, using: &rng))
        }
    }

    Benchmark("Sharing.additive.reconstruct.n\(parties)", configuration: CovenantBenchmark.configuration()) { benchmark in
        let sharing = AdditiveSharing(ring: Ring64())
        let shares = additiveShares
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try sharing.reconstruct(shares))
        }
    }

    // Seed-expanded additive shares: n − 1 parties get a 16-byte seed, one gets the vector.
    Benchmark("Sharing.seeded.split.n\(parties)", configuration: CovenantBenchmark.configuration()) { benchmark in
        let sharing = SeededAdditiveSharing(ring: Ring64())
        let secret = wordSecret
        var rng = try seededPRG(stream: stream | 7)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try sharing.split(secret, parties: parties, using: &rng))
        }
    }

    Benchmark("Sharing.seeded.reconstruct.n\(parties)", configuration: CovenantBenchmark.configuration()) { benchmark in
        let sharing = SeededAdditiveSharing(ring: Ring64())
        let (seeds, lastShare) = seededShares
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try sharing.reconstruct(seeds: seeds, lastShare: lastShare))
        }
    }

    Benchmark(
        "Sharing.shamir.split.n\(parties)t\(threshold)",
        configuration: CovenantBenchmark.configuration(maxDuration: .seconds(3), maxIterations: 100)
    ) { benchmark in
        let sharing = ShamirSharing(field: PrimeField64.mersenne61)
        let secret = fieldSecret
        var rng = try seededPRG(stream: stream | 8)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try sharing.splitVector(secret, threshold: threshold, parties: parties, using: &rng))
        }
    }

    Benchmark(
        "Sharing.shamir.reconstruct.n\(parties)t\(threshold)",
        configuration: CovenantBenchmark.configuration(maxDuration: .seconds(3), maxIterations: 100)
    ) { benchmark in
        let sharing = ShamirSharing(field: PrimeField64.mersenne61)
        let shares = shamirShares
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try sharing.reconstructVector(shares, threshold: threshold))
        }
    }
}
