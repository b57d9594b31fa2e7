import Foundation
import MultiPrecision
import PropertyBased
import SecretSharing
import Testing
import _TestSupport

/// Spec: protocols/beaver.md#the-field; vectors from protocols/tools/beaver_vectors.py.
@Suite("Mersenne field 2^127 − 1")
struct MersenneField127Tests {
    struct Case: Decodable {
        let tcId: Int
        let desc: String
        let op: String
        let a: String
        let b: String?
        let result: String?
    }
    struct Draws: Decodable {
        let seed: UInt64
        let values: [String]
    }
    struct File: Decodable {
        let modulus: String
        let cases: [Case]
        let randomDraws: Draws
    }

    let field = MersenneField127()

    @Test func knownAnswersFromThePythonReference() throws {
        let file = try Vectors.load(File.self, from: "protocols/beaver/vectors/v1/field127.json")
        #expect(UInt128(file.modulus) == MersenneField127.modulus)
        #expect(file.cases.count > 200)
        for c in file.cases {
            let expected = c.result.map { UInt128($0)! }
            let actual: UInt128?
            switch c.op {
            case "signed":
                actual = field.element(signed: Int64(c.a)!)
            default:
                let a = UInt128(c.a)!
                let b = c.b.map { UInt128($0)! } ?? 0
                switch c.op {
                case "add": actual = field.add(a, b)
                case "sub": actual = field.subtract(a, b)
                case "mul": actual = field.multiply(a, b)
                case "neg": actual = field.negate(a)
                case "inv": actual = field.inverse(a)
                case "sqrt": actual = field.squareRoot(a)
                default: Issue.record("unknown op \(c.op)"); continue
                }
            }
            #expect(actual == expected, "tcId \(c.tcId): \(c.desc)")
        }
        var rng = DeterministicRNG(seed: file.randomDraws.seed)
        let draws = (0..<file.randomDraws.values.count).map { _ in field.random(using: &rng) }
        #expect(draws == file.randomDraws.values.map { UInt128($0)! })
    }

    /// Cross-check against GMP (`PrimeField` over `BigInt`), an independent implementation.
    @Test func multiplicationAgreesWithGMP() async {
        let big = PrimeField(prime: BigInt(1) << 127 - 1)!
        func toBig(_ x: UInt128) -> BigInt { (BigInt(UInt64(truncatingIfNeeded: x >> 64)) << 64) + BigInt(UInt64(truncatingIfNeeded: x)) }
        await propertyCheck(count: 300, input: Gen.uint64(), Gen.uint64(), Gen.uint64(), Gen.uint64()) { h1, l1, h2, l2 in
            let a = field.element(reducing: UInt128(h1) << 64 | UInt128(l1))
            let b = field.element(reducing: UInt128(h2) << 64 | UInt128(l2))
            #expect(toBig(field.multiply(a, b)) == big.multiply(toBig(a), toBig(b)))
            #expect(toBig(field.add(a, b)) == big.add(toBig(a), toBig(b)))
            #expect(toBig(field.subtract(a, b)) == big.subtract(toBig(a), toBig(b)))
        }
    }

    @Test func fieldLaws() async {
        await propertyCheck(count: 200, input: Gen.uint64(), Gen.uint64(), Gen.uint64()) { x, y, z in
            let a = field.element(reducing: UInt128(x) << 70 | UInt128(y))
            let b = field.element(reducing: UInt128(y) << 63 | UInt128(z))
            let c = field.element(reducing: UInt128(z) << 65 | UInt128(x))
            #expect(field.multiply(a, field.add(b, c)) == field.add(field.multiply(a, b), field.multiply(a, c)))
            #expect(field.multiply(field.multiply(a, b), c) == field.multiply(a, field.multiply(b, c)))
            #expect(field.add(a, field.negate(a)) == 0)
            if a != 0 { #expect(field.multiply(a, field.inverse(a)!) == 1) }
            let square = field.multiply(a, a)
            let root = field.squareRoot(square)
            #expect(root == a || root == field.negate(a))
            #expect(field.signedValue(field.element(signed: Int64(bitPattern: x))) == Int128(Int64(bitPattern: x)))
        }
    }

    @Test func edgesAndEncodings() {
        let p = MersenneField127.modulus
        #expect(field.isCanonical(p - 1))
        #expect(!field.isCanonical(p))
        #expect(!field.isCanonical(UInt128.max))
        #expect(field.element(reducing: p) == 0)
        #expect(field.element(reducing: UInt128.max) == 1)  // 2^128 − 1 = 2p + 1
        #expect(field.multiply(p - 1, p - 1) == 1)  // (−1)² = 1
        #expect(field.inverse(0) == nil)
        #expect(field.multiply(MersenneField127.inverseOfTwo, 2) == 1)
        for e in [0, 1, 64, 126, 127] { #expect(field.multiply(field.inversePowerOfTwo(e), e == 127 ? 1 : field.powerOfTwo(e)) == 1) }
        #expect(field.squareRoot(p - 1) == nil)  // −1 is a non-residue as p ≡ 3 (mod 4)
        #expect(field.signedValue(field.element(signed: Int64.min)) == Int128(Int64.min))
        #expect(field.signedValue(field.element(signed: Int64.max)) == Int128(Int64.max))
        #expect(UInt128(5).isEqualInConstantTime(to: 5) && !UInt128(5).isEqualInConstantTime(to: 5 | 1 << 100))
    }

    @Test func randomBitsStayInRange() {
        var rng = DeterministicRNG(seed: 9)
        for bits in [0, 1, 41, 64, 100, 126, 127] {
            for _ in 0..<50 {
                let r = field.random(bits: bits, using: &rng)
                #expect(bits == 127 ? r < MersenneField127.modulus : r < (1 as UInt128) << UInt128(bits))
            }
        }
    }

    /// A triple is handed out once: the store's cursor advances, slots are wiped, and an
    /// exhausted store throws with counts only.
    @Test func preprocessingIsConsumedOnce() throws {
        var rng = DeterministicRNG(seed: 5)
        let stores = try InsecureDealer.dealInsecurely(parties: 3, triples: 4, bits: 6, using: &rng)
        #expect(stores.allSatisfy { $0.origin == .insecureDealer && $0.remainingTriples == 4 && $0.remainingBits == 6 })
        let first = try stores.map { try $0.takeTriples(2) }
        let opened = try (0..<2).map { t in try BeaverTriple.open(first.map { $0[t] }, in: field) }
        #expect(opened.allSatisfy { $0.isValid(in: field) })
        let second = try stores.map { try $0.takeTriples(2) }
        let openedAgain = try (0..<2).map { t in try BeaverTriple.open(second.map { $0[t] }, in: field) }
        #expect(openedAgain.allSatisfy { $0.isValid(in: field) })
        #expect(Set(opened.map(\.a)).isDisjoint(with: openedAgain.map(\.a)))
        #expect(throws: SharingError.triplesExhausted(needed: 1, available: 0)) { try stores[0].takeTriples(1) }
        let bits = try (0..<6).map { _ in try stores.map { try $0.takeBits(1)[0] } }
        for shares in bits {
            let bit = try AdditiveSharing(ring: field).reconstruct(shares.map { [$0] })[0]
            #expect(bit == 0 || bit == 1)
        }
        #expect(throws: SharingError.randomBitsExhausted(needed: 2, available: 0)) { try stores[1].takeBits(2) }
        #expect(throws: SharingError.invalidCount(-1)) { try stores[2].takeBits(-1) }
        #expect(!"\(stores[0])".contains("a:"))
    }
}
