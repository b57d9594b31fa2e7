import MultiPrecision
import PropertyBased
import Testing
import _TestSupport

@Suite("Rings and fields")
struct FiniteRingTests {
    @Test func ring64Wraps() {
        let r = Ring64()
        #expect(r.add(UInt64.max, 2) == 1)
        #expect(r.subtract(0, 1) == UInt64.max)
        #expect(r.add(r.negate(12345), 12345) == 0)
        #expect(r.multiply(1 << 63, 2) == 0)
    }

    @Test func primeField64MatchesBigIntArithmetic() async {
        let f = PrimeField64.mersenne61
        let p = BigInt(f.p)
        await propertyCheck(count: 300, input: Gen.uint64(), Gen.uint64()) { a, b in
            let (x, y) = (f.element(a), f.element(b))
            #expect(BigInt(f.multiply(x, y)) == (BigInt(x) * BigInt(y)).modulo(p))
            #expect(BigInt(f.add(x, y)) == (BigInt(x) + BigInt(y)).modulo(p))
            #expect(BigInt(f.subtract(x, y)) == (BigInt(x) - BigInt(y)).modulo(p))
            if x != 0 { #expect(f.multiply(x, f.inverse(x)!) == 1) }
        }
        #expect(f.inverse(0) == nil)
        #expect(PrimeField64(prime: 15) == nil)
        #expect(PrimeField64(prime: 1 << 63) == nil)
    }

    @Test func bigPrimeFieldInverts() {
        let f = PrimeField.smallestPrime(above: 128)
        #expect(f.p.bitWidth == 129 && f.p.isProbablePrime())
        var rng = DeterministicRNG(seed: 3)
        for _ in 0..<50 {
            let a = f.random(using: &rng)
            #expect(a < f.p)
            if !a.isZero { #expect(f.multiply(a, f.inverse(a)!) == 1) }
            #expect(f.add(a, f.negate(a)) == 0)
        }
        #expect(PrimeField(prime: 91) == nil)
    }
}
