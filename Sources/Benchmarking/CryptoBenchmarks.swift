import CGMP
import CryptoPrimitives
import Foundation
import MultiPrecision
import PaillierEncryption
import SecretSharing

/// One measured figure of `covenant bench crypto`.
public struct BenchmarkResult: Codable, Sendable {
    /// `area.operation.parameter`, e.g. `paillier.encrypt.2048`.
    public let name: String
    /// Operations (or bytes, or values, as `unit` says) per second, single-threaded.
    public let opsPerSecond: Double
    /// What one operation is: `op`, `byte` or `value`.
    public let unit: String
    /// `opsPerSecond` divided by the calibration figure `gmp.powm.4096x2048` of the same run.
    public let ratioToCalibration: Double
    /// Iterations measured.
    public let iterations: Int
}

/// The whole report: the results plus the machine-independent ratios.
public struct BenchmarkReport: Codable, Sendable {
    /// Every figure, calibration first.
    public let results: [BenchmarkResult]
}

/// Single-threaded throughput of the primitives Covenant's protocols stand on, each quoted
/// as a ratio to a plain `mpz_powm` loop (4096-bit modulus, 2048-bit exponent) measured in
/// the same run, so figures compare across machines. Spec: benchmarks/README.md.
public struct CryptoBenchmarks: Sendable {
    /// Minimum measuring time per figure.
    public let minimumDuration: Duration
    /// Fixed seed for inputs (not for secrets: benchmarks only).
    let seed: UInt64

    /// A suite that measures each figure for at least `minimumDuration`.
    public init(minimumDuration: Duration = .seconds(1), seed: UInt64 = 0xC0FFEE) {
        self.minimumDuration = minimumDuration
        self.seed = seed
    }

    /// Runs every benchmark in order, reporting progress through `progress`.
    public func run(progress: (String) -> Void = { _ in }) throws -> BenchmarkReport {
        var rng = BenchmarkRNG(seed: seed)
        var raw: [(String, String, Double, Int)] = []
        func record(_ name: String, unit: String = "op", perIteration: Double = 1, _ body: () -> Void) {
            progress(name)
            let (rate, iterations) = measure(body)
            raw.append((name, unit, rate * perIteration, iterations))
        }

        // Calibration: a plain mpz_powm loop straight on GMP.
        let modulus = BigInt.random(bits: 4096, using: &rng).lowBits(4095) + (BigInt(1) << 4095) + 1
        let exponent = BigInt.random(bits: 2048, using: &rng)
        let base = BigInt.random(below: modulus, using: &rng)
        var out = BigInt(reservingBits: 4160)
        record("gmp.powm.4096x2048") { out.formModPow(base, exponent, modulus: modulus) }

        // The GMP work of one CRT decryption with nothing around it: two constant-time
        // exponentiations, 2048-bit odd moduli (p², q²), 1024-bit exponents (p − 1, q − 1).
        // paillier.decrypt.2048 divided by this figure is the cost of everything else.
        let halves = (0..<2).map { _ -> (modulus: BigInt, exponent: BigInt) in
            var m = BigInt.random(bits: 2047, using: &rng) + (BigInt(1) << 2047)
            if !m.isOdd { m += 1 }
            return (m, BigInt.random(bits: 1023, using: &rng) + (BigInt(1) << 1023))
        }
        let halfBases = halves.map { BigInt.random(below: $0.modulus, using: &rng) }
        record("gmp.powmsec.crt.2048") {
            for (half, b) in zip(halves, halfBases) { out = b.modPowSecret(half.exponent, modulus: half.modulus) }
        }

        // Encryption nonces come from the production CSPRNG, as in a real run.
        var csprng = SecureRandomGenerator()
        for bits in [2048, 3072] {
            progress("paillier.keygen.\(bits)")
            let key = try Paillier.generatePrivateKey(bits: bits, using: &rng)
            let pk = key.publicKey
            let m = BigInt.random(below: pk.n, using: &rng)
            var c = try pk.encrypt(m, using: &rng)  // builds the fixed-base table
            record("paillier.encrypt.\(bits)") { c = try! pk.encrypt(m, using: &csprng) }
            var d = m
            record("paillier.decrypt.\(bits)") { d = try! key.decrypt(c) }
            precondition(d == m, "benchmark self-check: decryption mismatch")
            // A member's input encryption with its plaintext-knowledge proof, and the check.
            let context = Array("bench".utf8)
            var (proved, proof) = try pk.encryptWithProof(m, context: context, using: &rng)  // builds the proof table
            record("paillier.encrypt-prove.\(bits)") { (proved, proof) = try! pk.encryptWithProof(m, context: context, using: &csprng) }
            var verified = false
            record("paillier.verify-proof.\(bits)") { verified = pk.verify(proof, of: proved, context: context) }
            precondition(verified, "benchmark self-check: plaintext-knowledge proof")
            // The batch check of one contribution's 38 chunk proofs (10^3 values at 2048 bits), per proof.
            let batch = try (0..<38).map { i -> (proof: Paillier.PlaintextKnowledgeProof, ciphertext: Paillier.Ciphertext, context: [UInt8]) in
                let (c, p) = try pk.encryptWithProof(m, context: context + [UInt8(i)], using: &rng)
                return (p, c, context + [UInt8(i)])
            }
            record("paillier.verify-proof-batch38.\(bits)", perIteration: Double(batch.count)) { verified = pk.verifyBatch(batch) }
            precondition(verified, "benchmark self-check: batch of plaintext-knowledge proofs")
            if bits == 2048 {
                // The constant-time fixed-base power h_s^α alone, by window width (the encryption
                // above uses the default width): table rows are read whole, so wider windows cost
                // more per digit and have fewer digits.
                let alphaWords = (0..<((pk.exponentBits + 63) / 64)).map { _ in rng.next() as UInt64 }
                for window in [4, 5, 6, 7, 8] {
                    let table = SecureFixedBase(base: pk.hs, modulus: pk.nSquared, exponentBits: pk.exponentBits, window: window)
                    var power = BigInt(1)
                    record("fixedbase.sec.2048.w\(window)") { power = table.power(exponentWords: alphaWords) }
                    blackHole(power)
                }
                // The variable-time reference: GMP's mpz_powm of the same exponent.
                let alpha = BigInt(littleEndianWords: alphaWords)
                var reference = BigInt(1)
                record("fixedbase.powm-reference.2048") { reference = pk.hs.modPow(alpha, modulus: pk.nSquared) }
                blackHole(reference)
                record("paillier.encrypt.owner.2048") { c = try! key.encrypt(m, using: &csprng) }
                let other = try pk.encrypt(m, using: &rng)
                var sum = c
                record("paillier.add.2048") { sum = pk.add(c, other) }
                var accumulator = c
                record("paillier.accumulate.2048") { pk.accumulate(&accumulator, other) }
                blackHole(sum)
                blackHole(accumulator)
            }
        }
        blackHole(out)

        // AES-128-CTR seed expansion into a 1 MiB buffer of words.
        var prg = try AESCTRGenerator(seed: [UInt8](repeating: 7, count: 16))
        var words = [UInt64](repeating: 0, count: 1 << 17)
        record("prg.aes128ctr.bytes", unit: "byte", perIteration: Double(words.count * 8)) { prg.fill(&words) }
        blackHole(words)

        // Additive sharing of 10^5 words among 10 parties: full share vectors from the
        // production CSPRNG, and seed-expanded shares (nine 16-byte seeds plus one vector).
        let values = (0..<100_000).map { _ in rng.next() }
        let additive = AdditiveSharing(ring: Ring64())
        var shares: [[UInt64]] = []
        record("sharing.additive.split.n10", unit: "value", perIteration: Double(values.count)) {
            shares = try! additive.split(values, parties: 10, using: &csprng)
        }
        blackHole(shares)
        let seeded = SeededAdditiveSharing(ring: Ring64())
        var seededShares: (seeds: [[UInt8]], lastShare: [UInt64]) = ([], [])
        record("sharing.seeded.split.n10", unit: "value", perIteration: Double(values.count)) {
            seededShares = try! seeded.split(values, parties: 10, using: &csprng)
        }
        blackHole(seededShares)

        let calibration = raw[0].2
        return BenchmarkReport(results: raw.map {
            BenchmarkResult(name: $0.0, opsPerSecond: $0.2, unit: $0.1,
                            ratioToCalibration: $0.2 / calibration, iterations: $0.3)
        })
    }

    /// Runs `body` until `minimumDuration` has passed (after one warm-up call).
    func measure(_ body: () -> Void) -> (rate: Double, iterations: Int) {
        body()
        let clock = ContinuousClock()
        let start = clock.now
        var iterations = 0
        var batch = 1
        while true {
            for _ in 0..<batch { body() }
            iterations += batch
            let elapsed = clock.now - start
            if elapsed >= minimumDuration {
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                return (Double(iterations) / seconds, iterations)
            }
            batch = min(batch * 2, 1 << 16)
        }
    }
}

/// Keeps a value alive so the optimiser cannot drop the work that produced it.
@inline(never)
func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }

/// A fast deterministic generator for benchmark inputs (xoshiro256**).
/// - Warning: benchmarks only; never for secrets.
struct BenchmarkRNG: RandomNumberGenerator {
    private var s: (UInt64, UInt64, UInt64, UInt64)
    init(seed: UInt64) {
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitmix(), splitmix(), splitmix(), splitmix())
    }
    mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3; s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }
}
