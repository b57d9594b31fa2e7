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
/// The key size.
let bits = 2048
/// Stream numbers of this target ("PACK").
let stream: UInt64 = 0x5041_434B << 16

func randomVector(stream: UInt64) -> [UInt64] {
    var rng = SeededGenerator(stream: stream)
    return (0..<vectorLength).map { _ in rng.next() }
}

// Inputs, built once on first use (see `fixture`).
let layout: Paillier.PackingLayout = fixture("packing layout") {
    try Paillier.PackingLayout(publicKey: PaillierKeys.key(bits: bits).publicKey, maxAddends: maxAddends)
}
let packedA: Paillier.PackedCiphertext = fixture("packed vector A") {
    var rng = SeededGenerator(stream: stream | 1)
    return try PaillierKeys.key(bits: bits).publicKey.encryptPacked(randomVector(stream: stream | 2), layout: layout, using: &rng)
}
let packedB: Paillier.PackedCiphertext = fixture("packed vector B") {
    var rng = SeededGenerator(stream: stream | 3)
    return try PaillierKeys.key(bits: bits).publicKey.encryptPacked(randomVector(stream: stream | 4), layout: layout, using: &rng)
}
let packedSum: Paillier.PackedCiphertext = fixture("packed sum") {
    try PaillierKeys.key(bits: bits).publicKey.add(packedA, packedB)
}

let benchmarks: @Sendable () -> Void = {
    // Plaintext packing alone (no encryption), for comparison with Packing.encrypt.
    Benchmark("Packing.pack.\(bits)", configuration: CovenantBenchmark.configuration()) { benchmark in
        let layout = layout
        let values = randomVector(stream: stream | 5)
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
        let layout = layout
        let values = randomVector(stream: stream | 6)
        var rng = SeededGenerator(stream: stream | 7)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try publicKey.encryptPacked(values, layout: layout, using: &rng))
        }
    }

    Benchmark("Packing.add.\(bits)", configuration: CovenantBenchmark.configuration()) { benchmark in
        let publicKey = PaillierKeys.key(bits: bits).publicKey
        let (a, b) = (packedA, packedB)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try publicKey.add(a, b))
        }
    }

    Benchmark("Packing.decrypt.\(bits)", configuration: CovenantBenchmark.configuration()) { benchmark in
        let key = PaillierKeys.key(bits: bits)
        let sum = packedSum
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try key.decryptPacked(sum))
        }
    }
}
