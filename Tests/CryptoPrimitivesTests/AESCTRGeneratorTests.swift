import CryptoPrimitives
import PropertyBased
import Testing
import _TestSupport

struct AESCTRCase: Codable, Sendable, NamedCase {
    let tcId: Int
    let desc: String
    let result: VectorResult
    let error: String?
    let key: String
    let iv: String
    let plaintext: String
    let ciphertext: String
}

@Suite struct AESCTRGeneratorTests {
    /// Keystream = ciphertext ⊕ plaintext (SP 800-38A §6.5); the generator emits the keystream.
    @Test(arguments: try loadCases(AESCTRCase.self, "aes128-ctr-sp800-38a.json"))
    func knownAnswer(_ vector: AESCTRCase) throws {
        let key = try bytes(vector.key)
        let iv = try bytes(vector.iv)
        switch vector.result {
        case .valid, .acceptable:
            let plaintext = try bytes(vector.plaintext)
            let ciphertext = try bytes(vector.ciphertext)
            let keystream = zip(plaintext, ciphertext).map { $0 ^ $1 }
            var generator = try AESCTRGenerator(seed: key, nonce: iv)
            #expect(generator.nextBytes(count: keystream.count) == keystream)
            // The same stream as little-endian words.
            var words = try AESCTRGenerator(seed: key, nonce: iv)
            for offset in stride(from: 0, to: keystream.count - 7, by: 8) {
                let expected = keystream[offset..<offset + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                #expect(words.next() == expected)
            }
            if iv.allSatisfy({ $0 == 0 }) {
                var zeroIV = try AESCTRGenerator(seed: key)
                #expect(zeroIV.nextBytes(count: keystream.count) == keystream)
            }
        case .invalid:
            #expect(thrownCaseName { try AESCTRGenerator(seed: key, nonce: iv) } == vector.error)
        }
    }

    @Test func counterCarriesAcrossAll128Bits() throws {
        let seed = Array(0..<16).map(UInt8.init)
        // Carry out of the low 32 bits (where AES-NI CTR loops keep their counter).
        var low = try AESCTRGenerator(seed: seed, nonce: [UInt8](repeating: 0, count: 12) + [0xff, 0xff, 0xff, 0xff])
        var carried = try AESCTRGenerator(seed: seed, nonce: [UInt8](repeating: 0, count: 11) + [1, 0, 0, 0, 0])
        _ = low.nextBytes(count: 16)
        #expect(low.nextBytes(count: 64) == carried.nextBytes(count: 64))
        // Wrap of the whole block: T = 2^128 - 1, then 0.
        var top = try AESCTRGenerator(seed: seed, nonce: [UInt8](repeating: 0xff, count: 16))
        var zero = try AESCTRGenerator(seed: seed)
        _ = top.next()
        _ = top.next()
        #expect(top.nextWords(count: 300) == zero.nextWords(count: 300))
    }

    @Test func copiesAreIndependent() throws {
        var original = try AESCTRGenerator(seed: [UInt8](repeating: 5, count: 16))
        _ = original.next()
        var copy = original
        let fromCopy = copy.nextWords(count: 200)
        let fromOriginal = original.nextWords(count: 200)
        #expect(fromCopy == fromOriginal)
        _ = copy.next()
        #expect(copy.next() != original.next())
    }

    @Test func bulkFillCrossesBufferAndChunkBoundaries() throws {
        let seed = [UInt8](repeating: 0x42, count: 16)
        var reference = try AESCTRGenerator(seed: seed)
        let expected = reference.nextBytes(count: 200_000)
        var generator = try AESCTRGenerator(seed: seed)
        var produced = [UInt8]()
        var size = 1
        while produced.count < expected.count {
            let count = min(size, expected.count - produced.count)
            produced += generator.nextBytes(count: count)
            size = size * 3 + 1  // 1, 4, 13, 40, … crosses 4 KiB and 32 KiB boundaries unaligned
        }
        #expect(produced == expected)
    }

    @Test func rawBufferFillMatchesWords() throws {
        var a = try AESCTRGenerator(seed: [UInt8](repeating: 1, count: 16))
        var b = a
        var words = [UInt64](repeating: 0, count: 1000)
        words.withUnsafeMutableBytes { a.fill($0) }
        #expect(words.map(UInt64.init(littleEndian:)) == b.nextWords(count: 1000))
    }

    @Test func determinismAndStreamConsistency() async throws {
        await propertyCheck(
            input: Gen.uint8().array(of: 16), Gen.int(in: 0...3000), Gen.int(in: 0...20)
        ) { seed, bulk, prefix in
            // Same seed, same stream.
            var first = try AESCTRGenerator(seed: seed)
            var second = try AESCTRGenerator(seed: seed)
            // fill(bulk) equals concatenated next() calls, after any number of next() calls.
            let leading = (0..<prefix).map { _ in first.next() }
            #expect(leading == second.nextWords(count: prefix))
            var filled = [UInt64](repeating: 0, count: bulk)
            first.fill(&filled)
            let stepped = (0..<bulk).map { _ in second.next() }
            #expect(filled == stepped)
            #expect(first.next() == second.next())
            // Different seeds differ.
            var other = seed
            other[prefix % 16] ^= 1
            var a = try AESCTRGenerator(seed: seed)
            var b = try AESCTRGenerator(seed: other)
            #expect(a.nextWords(count: 4) != b.nextWords(count: 4))
        }
    }

    @Test func worksAsRandomNumberGenerator() throws {
        var generator = try AESCTRGenerator(seed: [UInt8](repeating: 7, count: 16))
        var again = generator
        let values = (0..<100).map { _ in Int.random(in: 0..<1000, using: &generator) }
        let repeated = (0..<100).map { _ in Int.random(in: 0..<1000, using: &again) }
        #expect(values == repeated)
        #expect(Set(values).count > 50)
    }
}
