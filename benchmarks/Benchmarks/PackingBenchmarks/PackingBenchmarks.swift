// Packed Paillier: a vector of 10^3 64-bit values packed into 2048-bit plaintexts with
// room for 1024 addends (74-bit slots, 27 per plaintext, so 38 ciphertexts per vector).
// The parameter in each name is the key size.
import Benchmark
import MultiPrecision
import PaillierEncryption
import _BenchmarkSupport

/// Values per vector.
let vectorLength = 1_000
/// Addends each layout leaves headroom for.
let maxAddends = 1_024

func randomVector(using rng: inout SeededGenerator) -> [UInt64] {
    (0..<vectorLength).map { _ in rng.next() }
}

let benchmarks: @Sendable () -> Void = {
    let bits = 2048
    let stream = 0x5041_434B << 16 | UInt64(bits)  // "PACK"

    // Plaintext packing alone (no encryption), for comparison with Packing.encrypt.
    Benchmark("Packing.pack.\(bits)", configuration: CovenantBenchmark.configuration()) { benchmark in
        let publicKey = PaillierKeys.key(bits: bits).publicKey
        let layout = try Paillier.PackingLayout(publicKey: publicKey, maxAddends: maxAddends)
        var rng = SeededGenerator(stream: stream ^ 1)
        let values = randomVector(using: &rng)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var start = 0
            while start < values.count {
                let end = min(start + layout.slotCount, values.count)
                blackHole(try layout.pack(Array(values[start..<end])))
                start = end
            }
        }
    }

    Benchmark("Packing.encrypt.\(bits)", configuration: CovenantBenchmark.configuration()) { benchmark in
        let publicKey = PaillierKeys.key(bits: bits).publicKey
        let layout = try Paillier.PackingLayout(publicKey: publicKey, maxAddends: maxAddends)
        var rng = SeededGenerator(stream: stream ^ 2)
        let values = randomVector(using: &rng)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try publicKey.encryptPacked(values, layout: layout, using: &rng))
        }
    }

    Benchmark("Packing.add.\(bits)", configuration: CovenantBenchmark.configuration()) { benchmark in
        let publicKey = PaillierKeys.key(bits: bits).publicKey
        let layout = try Paillier.PackingLayout(publicKey: publicKey, maxAddends: maxAddends)
        var rng = SeededGenerator(stream: stream ^ 3)
        let a = try publicKey.encryptPacked(randomVector(using: &rng), layout: layout, using: &rng)
        let b = try publicKey.encryptPacked(randomVector(using: &rng), layout: layout, using: &rng)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try publicKey.add(a, b))
        }
    }

    Benchmark("Packing.decrypt.\(bits)", configuration: CovenantBenchmark.configuration()) { benchmark in
        let key = PaillierKeys.key(bits: bits)
        let layout = try Paillier.PackingLayout(publicKey: key.publicKey, maxAddends: maxAddends)
        var rng = SeededGenerator(stream: stream ^ 4)
        let a = try key.publicKey.encryptPacked(randomVector(using: &rng), layout: layout, using: &rng)
        let b = try key.publicKey.encryptPacked(randomVector(using: &rng), layout: layout, using: &rng)
        let sum = try key.publicKey.add(a, b)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try key.decryptPacked(sum))
        }
    }
}
