import MultiPrecision
import Testing
import _TestSupport

/// The constant-time fixed-base power equals `modPow` (GMP's `mpz_powm`, an independent
/// implementation) for every window width, on random and edge exponents.
@Suite("Constant-time fixed-base exponentiation")
struct SecureFixedBaseTests {
    @Test(arguments: [1, 3, 4, 6, 8])
    func matchesModPow(window: Int) {
        var rng = DeterministicRNG(seed: UInt64(window))
        // An odd 512-bit modulus (a Paillier n² has this shape: odd, full top limb) and a base.
        var modulusWords = (0..<8).map { _ in rng.next() as UInt64 }
        modulusWords[0] |= 1
        modulusWords[7] |= 1 << 63
        let modulus = BigInt(littleEndianWords: modulusWords)
        let base = BigInt(littleEndianWords: (0..<8).map { _ in rng.next() as UInt64 }).modulo(modulus)
        let bits = 257
        let table = SecureFixedBase(base: base, modulus: modulus, exponentBits: bits, window: window)
        var exponents: [[UInt64]] = [[0, 0, 0, 0, 0], [1, 0, 0, 0, 0], [UInt64.max, UInt64.max, UInt64.max, UInt64.max, 1]]
        for _ in 0..<20 { exponents.append((0..<4).map { _ in rng.next() as UInt64 } + [rng.next() & 1]) }
        for words in exponents {
            let exponent = BigInt(littleEndianWords: words)
            #expect(table.power(exponentWords: words) == base.modPow(exponent, modulus: modulus), "window \(window)")
        }
    }

    /// `base^α · (1 + a·b) mod b²` (Paillier's `h_s^α · g^m`) equals the same product computed
    /// with `modPow` and ordinary products, for `a` from 0 to `b − 1`.
    /// `n` of 256 bits (n² fills its limbs) and of 200 bits (n² needs 7 limbs, `a·b` is computed on 8).
    @Test(arguments: [256, 200])
    func powerTimesOnePlusProduct(bits: Int) {
        var rng = DeterministicRNG(seed: 77)
        var nWords = (0..<((bits + 63) / 64)).map { _ in rng.next() as UInt64 }
        nWords[0] |= 1
        let top = (bits - 1) % 64
        nWords[nWords.count - 1] = (nWords[nWords.count - 1] & (UInt64.max >> UInt64(63 - top))) | (1 << UInt64(top))
        let n = BigInt(littleEndianWords: nWords)
        #expect(n.bitWidth == bits)
        let modulus = n * n
        let base = BigInt(littleEndianWords: (0..<8).map { _ in rng.next() as UInt64 }).modulo(modulus)
        let table = SecureFixedBase(base: base, modulus: modulus, exponentBits: 130)
        let factors = [BigInt(0), BigInt(1), n - BigInt(1), BigInt(littleEndianWords: [rng.next()])]
            + (0..<10).map { _ in BigInt(littleEndianWords: (0..<nWords.count).map { _ in rng.next() as UInt64 }).modulo(n) }
        for a in factors {
            let words = (0..<3).map { _ in rng.next() as UInt64 }.enumerated().map { $0.offset == 2 ? $0.element & 3 : $0.element }
            var expected = base.modPow(BigInt(littleEndianWords: words), modulus: modulus)
            expected.multiply(by: (a * n + BigInt(1)).modulo(modulus), modulo: modulus)
            #expect(table.power(exponentWords: words, timesOnePlus: a, times: n) == expected)
        }
    }
}

/// Pippenger's multi-exponentiation equals the product of `modPow`s (GMP's `mpz_powm`), for
/// sizes that pick different window widths, with zero and one exponents among them.
@Suite("Multi-exponentiation")
struct MultiExponentiationTests {
    @Test(arguments: [0, 1, 2, 7, 40, 300])
    func matchesTheProductOfPowers(count: Int) {
        var rng = DeterministicRNG(seed: UInt64(count) + 11)
        var modulusWords = (0..<8).map { _ in rng.next() as UInt64 }
        modulusWords[0] |= 1
        let modulus = BigInt(littleEndianWords: modulusWords)
        let bases = (0..<count).map { _ in BigInt(littleEndianWords: (0..<9).map { _ in rng.next() as UInt64 }) }
        let exponents = (0..<count).map { i -> BigInt in
            switch i % 5 {
            case 0: BigInt(0)
            case 1: BigInt(1)
            default: BigInt(littleEndianWords: (0..<(i % 4 + 1)).map { _ in rng.next() as UInt64 })
            }
        }
        var expected = BigInt(1).modulo(modulus)
        for (base, exponent) in zip(bases, exponents) { expected.multiply(by: base.modPow(exponent, modulus: modulus), modulo: modulus) }
        #expect(BigInt.multiExponentiation(bases: bases, exponents: exponents, modulus: modulus) == expected)
    }
}

/// The side-channel silent multiply-add equals ordinary arithmetic, on random and edge values.
@Suite("Constant-time multiply-add")
struct SecureArithmeticTests {
    @Test func matchesOrdinaryArithmetic() {
        var rng = DeterministicRNG(seed: 23)
        var mWords = (0..<5).map { _ in rng.next() as UInt64 }
        mWords[4] |= 1 << 40
        let m = BigInt(littleEndianWords: mWords)
        let eValues = [BigInt(0), BigInt(1), BigInt(littleEndianWords: [UInt64.max, UInt64.max]), BigInt(littleEndianWords: [rng.next(), rng.next()])]
        for e in eValues {
            for _ in 0..<10 {
                let a = BigInt(littleEndianWords: (0..<5).map { _ in rng.next() as UInt64 }).modulo(m)
                let b = BigInt(littleEndianWords: (0..<5).map { _ in rng.next() as UInt64 }).modulo(m)
                #expect(SecureArithmetic.multiplyAdd(a, e, b, modulo: m) == (a + e * b).modulo(m))
                let aw = (0..<6).map { _ in rng.next() as UInt64 }, bw = (0..<4).map { _ in rng.next() as UInt64 }
                #expect(SecureArithmetic.multiplyAdd(words: aw, e, words: bw)
                    == BigInt(littleEndianWords: aw) + e * BigInt(littleEndianWords: bw))
            }
            let top = m - BigInt(1)
            #expect(SecureArithmetic.multiplyAdd(top, e, top, modulo: m) == (top + e * top).modulo(m))
            let full = [UInt64](repeating: .max, count: 4)
            #expect(SecureArithmetic.multiplyAdd(words: full, e, words: full) == BigInt(littleEndianWords: full) * (e + BigInt(1)))
        }
    }
}
