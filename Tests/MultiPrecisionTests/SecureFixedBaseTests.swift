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
}
