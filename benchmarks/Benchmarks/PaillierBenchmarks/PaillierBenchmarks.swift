// Paillier encryption, decryption and homomorphic addition at the production key sizes.
// Keys come from `PaillierKeys` (fixed seeds, generated once, outside measurement).
import Benchmark
import MultiPrecision
import PaillierEncryption
import _BenchmarkSupport

let benchmarks: @Sendable () -> Void = {
    for bits in [2048, 3072] {
        let stream = UInt64(bits) << 8

        // Public-key path: DJN fixed-base encryption [DJN10 §4].
        Benchmark("Paillier.encrypt.\(bits)", configuration: CovenantBenchmark.configuration()) { benchmark in
            let publicKey = PaillierKeys.key(bits: bits).publicKey
            var rng = SeededGenerator(stream: stream | 1)
            let m = BigInt.random(below: publicKey.n, using: &rng)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try publicKey.encrypt(m, using: &rng))
            }
        }

        // Owner path: r^n by the CRT with the factors (constant-time exponentiation).
        Benchmark("Paillier.encryptOwner.\(bits)", configuration: CovenantBenchmark.configuration()) { benchmark in
            let key = PaillierKeys.key(bits: bits)
            var rng = SeededGenerator(stream: stream | 2)
            let m = BigInt.random(below: key.publicKey.n, using: &rng)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try key.encrypt(m, using: &rng))
            }
        }

        Benchmark("Paillier.decrypt.\(bits)", configuration: CovenantBenchmark.configuration()) { benchmark in
            let key = PaillierKeys.key(bits: bits)
            var rng = SeededGenerator(stream: stream | 3)
            let m = BigInt.random(below: key.publicKey.n, using: &rng)
            let c = try key.publicKey.encrypt(m, using: &rng)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try key.decrypt(c))
            }
        }

        // Homomorphic addition: one product modulo n², a thousand per iteration.
        Benchmark(
            "Paillier.add.\(bits)",
            configuration: CovenantBenchmark.configuration(scalingFactor: .kilo)
        ) { benchmark in
            let publicKey = PaillierKeys.key(bits: bits).publicKey
            var rng = SeededGenerator(stream: stream | 4)
            let a = try publicKey.encrypt(BigInt.random(below: publicKey.n, using: &rng), using: &rng)
            let b = try publicKey.encrypt(BigInt.random(below: publicKey.n, using: &rng), using: &rng)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(publicKey.add(a, b))
            }
        }
    }
}
