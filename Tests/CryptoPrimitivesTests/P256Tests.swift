import CryptoPrimitives
import Testing
import _TestSupport

@Suite("P-256 group and fixed-key AES")
struct P256Tests {
    static func hex(_ string: String) -> [UInt8] { [UInt8](hex: string)! }

    /// The generator of SEC 2 §2.4.2, compressed: `1·G`.
    @Test func generatorKnownAnswer() throws {
        let g = try P256.Point(compressed: Self.hex("036b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"))
        var rng = DeterministicRNG(seed: 1)
        let x = P256.Scalar.random(using: &rng), y = P256.Scalar.random(using: &rng)
        // x·(y·G) = y·(x·G): the Diffie–Hellman identity the base OTs rest on.
        #expect(P256.Point.generatorMultiple(y).multiplied(by: x).compressed == P256.Point.generatorMultiple(x).multiplied(by: y).compressed)
        // x·G + G − G = x·G, through the subtraction the sender uses.
        let xg = P256.Point.generatorMultiple(x)
        let sum = try #require(xg.adding(g))
        #expect(sum != xg)
        let both = sum.multipliedEncodings(by: y, minus: g.multiplied(by: y))
        #expect(both.product == sum.multiplied(by: y).compressed)
        #expect(both.difference == xg.multiplied(by: y).compressed)
    }

    @Test("invalid encodings are refused", arguments: [
        "", "00", "04" + String(repeating: "11", count: 32), "02" + String(repeating: "ff", count: 32),
        "036b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2",
    ])
    func invalid(encoding: String) {
        #expect(throws: CryptoError.invalidPublicKey) { try P256.Point(compressed: Self.hex(encoding)) }
    }

    /// FIPS 197 Appendix C.1 (AES-128).
    @Test func fixedKeyAESKnownAnswer() throws {
        let aes = try FixedKeyAES(key: Self.hex("000102030405060708090a0b0c0d0e0f"))
        var block = Self.hex("00112233445566778899aabbccddeeff") + Self.hex("00112233445566778899aabbccddeeff")
        block.withUnsafeMutableBytes { aes.permute($0) }
        #expect(block == Self.hex("69c4e0d86a7b0430d8cdb78070b4c55a") + Self.hex("69c4e0d86a7b0430d8cdb78070b4c55a"))
        #expect(throws: CryptoError.invalidKeyLength(expected: 16, actual: 3)) { try FixedKeyAES(key: [1, 2, 3]) }
    }
}
