import MultiPrecision
import PropertyBased
import Testing
import _TestSupport

/// Known answers computed independently with Python integers (protocols/tools/bigint_vectors.py).
struct BigIntVectorFile: Decodable {
    struct Case: Decodable {
        let tcId: Int
        let desc: String
        let op: String
        let fields: [String: String]

        init(from decoder: any Decoder) throws {
            let all = try [String: AnyScalar](from: decoder)
            tcId = Int(all["tcId"]!.text)!
            desc = all["desc"]!.text
            op = all["op"]!.text
            fields = all.mapValues(\.text)
        }

        func big(_ key: String) -> BigInt { BigInt(fields[key]!)! }
    }
    let cases: [Case]
}

/// A JSON scalar read as text.
struct AnyScalar: Decodable {
    let text: String
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int.self) { text = String(i) } else { text = try c.decode(String.self) }
    }
}

@Suite("BigInt")
struct BigIntTests {
    static let vectors = try! Vectors.load(
        BigIntVectorFile.self, from: "protocols/primitives/vectors/v1/bigint-arithmetic.json")

    @Test("known answers", arguments: BigIntTests.vectors.cases.map(\.tcId))
    func knownAnswer(tcId: Int) throws {
        let v = try #require(Self.vectors.cases.first { $0.tcId == tcId })
        switch v.op {
        case "arith":
            let a = v.big("a"), b = v.big("b")
            #expect(a + b == v.big("sum"))
            #expect(a - b == v.big("difference"))
            #expect(a * b == v.big("product"))
            #expect(a / b == v.big("quotient"))
            #expect(a % b == v.big("remainder"))
            #expect(a.modulo(b) == v.big("modulo"))
            #expect(BigInt.gcd(a, b) == v.big("gcd"))
            #expect(BigInt.lcm(a, b) == v.big("lcm"))
            let (q, r) = a.quotientAndRemainder(dividingBy: b)
            #expect(q == v.big("quotient") && r == v.big("remainder"))
        case "modpow":
            let r = v.big("base").modPow(v.big("exponent"), modulus: v.big("modulus"))
            #expect(r == v.big("result"))
            #expect(v.big("base").modPowSecret(v.big("exponent"), modulus: v.big("modulus")) == v.big("result"))
            var inPlace = BigInt()
            inPlace.formModPow(v.big("base"), v.big("exponent"), modulus: v.big("modulus"))
            #expect(inPlace == v.big("result"))
        case "inverse":
            #expect(v.big("a").inverse(modulo: v.big("modulus")) == v.big("result"))
        case "crt":
            let x = BigInt.crt(
                residues: [v.big("r0"), v.big("r1"), v.big("r2")], moduli: [v.big("m0"), v.big("m1"), v.big("m2")])
            #expect(x == v.big("result"))
        case "bytes":
            let bytes = try #require([UInt8](hex: v.fields["hex"]!))
            #expect(v.big("value").bigEndianMagnitude == bytes)
            #expect(BigInt(bigEndianMagnitude: bytes) == v.big("value"))
            #expect(BigInt(v.fields["hex"]!, radix: 16) == v.big("value"))
            #expect(v.big("value").toString(radix: 16) == String(v.fields["hex"]!.drop { $0 == "0" }))
        case "prime":
            #expect(v.big("value").isProbablePrime() == (v.fields["isPrime"] == "1"))
        default:
            Issue.record("unknown op \(v.op)")
        }
    }

    @Test func parsingRejectsMalformedText() {
        #expect(BigInt("") == nil)
        #expect(BigInt("-") == nil)
        #expect(BigInt("12 34") == nil)
        #expect(BigInt("0x10") == nil)
        #expect(BigInt("1e5") == nil)
        #expect(BigInt("zz", radix: 16) == nil)
        #expect(BigInt("-42") == -42)
        #expect(BigInt("ff", radix: 16) == 255)
    }

    @Test func copyOnWriteKeepsValueSemantics() {
        let a = BigInt("123456789012345678901234567890")!
        var b = a
        b += 1
        #expect(a == BigInt("123456789012345678901234567890")!)
        #expect(b == BigInt("123456789012345678901234567891")!)
        var c = a
        c.multiply(by: 2, modulo: BigInt(1) << 200)
        #expect(a == BigInt("123456789012345678901234567890")!)
        #expect(c == a * 2)
    }

    @Test func fixedWidthExportRefusesOverflow() {
        let v = BigInt(0x1_0000)
        #expect(v.bigEndianMagnitude(count: 2) == nil)
        #expect(v.bigEndianMagnitude(count: 4) == [0, 1, 0, 0])
        #expect(BigInt().bigEndianMagnitude == [])
        #expect(v.littleEndianWords(count: 1) == [0x1_0000])
        #expect((BigInt(1) << 64).littleEndianWords(count: 1) == nil)
    }

    @Test func codableRoundTrip() throws {
        let values: [BigInt] = [0, -1, BigInt("98765432109876543210987654321")!]
        let data = try JSONEncoderForTests.encode(values)
        #expect(try JSONEncoderForTests.decode([BigInt].self, from: data) == values)
        #expect(throws: (any Error).self) { try JSONEncoderForTests.decode([BigInt].self, from: Array("[\"12a\"]".utf8)) }
    }

    @Test func inverseOfNonUnitIsNil() {
        #expect(BigInt(6).inverse(modulo: 9) == nil)
        #expect(BigInt(6).inverse(modulo: 0) == nil)
        #expect(BigInt.crt(residues: [1, 2], moduli: [6, 9]) == nil)
        #expect(BigInt.crt(residues: [1], moduli: [6, 9]) == nil)
    }

    @Test func randomBelowStaysInRangeAndCoversIt() {
        var rng = DeterministicRNG(seed: 7)
        let bound = BigInt(10)
        var seen = Set<Int>()
        for _ in 0..<500 {
            let r = BigInt.random(below: bound, using: &rng)
            #expect(r >= 0 && r < bound)
            seen.insert(r.intValue!)
        }
        #expect(seen.count == 10)
        let big = BigInt(1) << 1000
        for _ in 0..<20 { #expect(BigInt.random(below: big, using: &rng) < big) }
    }

    @Test(arguments: [64, 256, 512])
    func primesHaveExactSizeAndArePrime(bits: Int) {
        var rng = DeterministicRNG(seed: UInt64(bits))
        let p = BigInt.randomPrime(bits: bits, using: &rng)
        #expect(p.bitWidth == bits && p.bit(bits - 2))
        #expect(p.isProbablePrime())
    }

    @Test(arguments: [64, 256])
    func safePrimesAreSafe(bits: Int) {
        var rng = DeterministicRNG(seed: UInt64(bits) + 1)
        let p = BigInt.randomSafePrime(bits: bits, using: &rng)
        #expect(p.bitWidth == bits)
        #expect(p.isProbablePrime() && ((p - 1) >> 1).isProbablePrime())
    }

    @Test func arithmeticPropertiesHold() async {
        let word = Gen.int64(in: Int64.min / 2...Int64.max / 2)
        await propertyCheck(count: 200, input: word, word, word) { a, b, c in
            let (x, y, z) = (BigInt(Int(a)), BigInt(Int(b)), BigInt(Int(c)))
            #expect((x + y) * z == x * z + y * z)
            #expect((x - y) + y == x)
            if !y.isZero {
                let (q, r) = x.quotientAndRemainder(dividingBy: y)
                #expect(q * y + r == x)
                #expect(r.magnitude < y.magnitude)
                let m = x.modulo(y)
                #expect(m >= 0 && m < y.magnitude && (x - m) % y == 0)
            }
            #expect(BigInt(bigEndianMagnitude: x.magnitude.bigEndianMagnitude) == x.magnitude)
            #expect(BigInt(x.description) == x)
            #expect((x < y) == (a < b))
        }
    }

    @Test func crtRecoversRandomValues() async {
        let moduli: [BigInt] = [BigInt((1 << 61) - 1), BigInt(1_000_003), BigInt(65537)]
        let product = moduli.reduce(BigInt(1), *)
        await propertyCheck(count: 100, input: Gen.uint64()) { seed in
            var rng = DeterministicRNG(seed: seed)
            let x = BigInt.random(below: product, using: &rng)
            #expect(BigInt.crt(residues: moduli.map { x.modulo($0) }, moduli: moduli) == x)
        }
    }
}

/// JSON through Foundation, isolated so the tests above read plainly.
import Foundation
enum JSONEncoderForTests {
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] { Array(try JSONEncoder().encode(value)) }
    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }
}
