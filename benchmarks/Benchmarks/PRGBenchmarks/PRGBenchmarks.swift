// The AES-128-CTR pseudorandom generator (CryptoPrimitives.AESCTRGenerator): bulk fill
// and word-at-a-time reads of 1 MiB per iteration.
import Benchmark
import CryptoPrimitives
import _BenchmarkSupport

/// Bytes generated per iteration.
let mebibyte = 1 << 20

/// A fixed 16-byte seed drawn from the suite seed.
func fixedSeed(stream: UInt64) -> [UInt8] {
    var rng = SeededGenerator(stream: stream)
    return (0..<AESCTRGenerator.seedByteCount).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark("PRG.fill.1MiB", configuration: CovenantBenchmark.configuration()) { benchmark in
        var generator = try AESCTRGenerator(seed: fixedSeed(stream: 1))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: mebibyte, alignment: 64)
        defer { buffer.deallocate() }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            generator.fill(buffer)
            blackHole(buffer[mebibyte - 1])
        }
    }

    // 131072 calls of next(): the path share generation takes, one word at a time.
    Benchmark("PRG.next.1MiB", configuration: CovenantBenchmark.configuration()) { benchmark in
        var generator = try AESCTRGenerator(seed: fixedSeed(stream: 2))
        let words = mebibyte / 8
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var accumulator: UInt64 = 0
            for _ in 0..<words { accumulator ^= generator.next() }
            blackHole(accumulator)
        }
    }
}
