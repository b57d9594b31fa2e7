// Big-integer kernels under Paillier: modular exponentiation (public and constant-time),
// products, inverses and prime generation. Inputs come from a fixed seed.
import Benchmark
import MultiPrecision
import _BenchmarkSupport

/// A random odd `bits`-bit modulus with the top bit set.
func oddModulus(bits: Int, using rng: inout SeededGenerator) -> BigInt {
    var m = BigInt.random(bits: bits - 1, using: &rng) + (BigInt(1) << (bits - 1))
    if !m.isOdd { m += 1 }
    return m
}

let benchmarks: @Sendable () -> Void = {
    // The same shape as the `gmp.powm.4096x2048` calibration loop of `covenant bench crypto`.
    Benchmark("BigInt.modPow.4096x2048", configuration: CovenantBenchmark.configuration()) { benchmark in
        var rng = SeededGenerator(stream: 1)
        let modulus = oddModulus(bits: 4096, using: &rng)
        let exponent = BigInt.random(bits: 2048, using: &rng)
        let base = BigInt.random(below: modulus, using: &rng)
        var out = BigInt(reservingBits: 4096 + 64)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            out.formModPow(base, exponent, modulus: modulus)
            blackHole(out)
        }
    }

    Benchmark("BigInt.modPow.2048", configuration: CovenantBenchmark.configuration()) { benchmark in
        var rng = SeededGenerator(stream: 2)
        let modulus = oddModulus(bits: 2048, using: &rng)
        let exponent = BigInt.random(bits: 2048, using: &rng)
        let base = BigInt.random(below: modulus, using: &rng)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(base.modPow(exponent, modulus: modulus))
        }
    }

    Benchmark("BigInt.modPowSecret.2048", configuration: CovenantBenchmark.configuration()) { benchmark in
        var rng = SeededGenerator(stream: 3)
        let modulus = oddModulus(bits: 2048, using: &rng)
        let exponent = BigInt.random(bits: 2047, using: &rng) + (BigInt(1) << 2047)
        let base = BigInt.random(below: modulus, using: &rng)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(base.modPowSecret(exponent, modulus: modulus))
        }
    }

    Benchmark(
        "BigInt.multiply.2048",
        configuration: CovenantBenchmark.configuration(scalingFactor: .kilo)
    ) { benchmark in
        var rng = SeededGenerator(stream: 4)
        let a = BigInt.random(bits: 2048, using: &rng)
        let b = BigInt.random(bits: 2048, using: &rng)
        var product = BigInt(reservingBits: 4096 + 64)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            product.formProduct(a, b)
            blackHole(product)
        }
    }

    // The Paillier ciphertext product for 2048-bit keys: 4096-bit operands modulo n².
    Benchmark(
        "BigInt.mulMod.4096",
        configuration: CovenantBenchmark.configuration(scalingFactor: .kilo)
    ) { benchmark in
        var rng = SeededGenerator(stream: 5)
        let modulus = oddModulus(bits: 4096, using: &rng)
        let a = BigInt.random(below: modulus, using: &rng)
        let b = BigInt.random(below: modulus, using: &rng)
        var out = BigInt(reservingBits: 2 * 4096 + 64)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            out.formModularProduct(a, b, modulus: modulus)
            blackHole(out)
        }
    }

    Benchmark("BigInt.inverse.2048", configuration: CovenantBenchmark.configuration()) { benchmark in
        var rng = SeededGenerator(stream: 6)
        let modulus = oddModulus(bits: 2048, using: &rng)
        let value = BigInt.randomUnit(modulo: modulus, using: &rng)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(value.inverse(modulo: modulus))
        }
    }

    // Half of a 2048-bit Paillier key generation. Each iteration draws a fresh candidate
    // stream from one seeded generator, so the sequence of timings is reproducible but varies
    // by iteration (prime gaps): read the median, not the minimum.
    Benchmark(
        "BigInt.randomPrime.1024",
        configuration: CovenantBenchmark.configuration(maxDuration: .seconds(5), maxIterations: 50)
    ) { benchmark in
        var rng = SeededGenerator(stream: 7 &+ UInt64(benchmark.currentIteration))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(BigInt.randomPrime(bits: 1024, using: &rng))
        }
    }
}
