import CryptoPrimitives
import Testing

@Suite struct SecureRandomTests {
    @Test func bytesHaveRequestedLengthAndVary() {
        #expect(SecureRandom.bytes(count: 0).isEmpty)
        let a = SecureRandom.bytes(count: 64)
        let b = SecureRandom.bytes(count: 64)
        #expect(a.count == 64)
        #expect(a != b)
    }

    @Test func generatorProducesDistinctWords() {
        var rng = SecureRandomGenerator()
        let words = (0..<64).map { _ in rng.next() }
        #expect(Set(words).count == 64)
        // Roughly half of 4096 bits are set (a loose sanity bound, not a statistical test).
        let ones = words.reduce(0) { $0 + $1.nonzeroBitCount }
        #expect((1700...2400).contains(ones))
    }

    @Test func constantTimeEquality() {
        #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(constantTimeEquals([UInt8](), [UInt8]()))
        #expect(constantTimeEquals([1, 2, 3][1...], AnyCollection([2, 3])))
    }

    @Test func errorsCarryNoKeyMaterial() {
        let errors: [CryptoError] = [
            .invalidKeyLength(expected: 32, actual: 31), .authenticationFailure, .allZeroSharedSecret,
            .libcryptoFailure(operation: "EVP_PKEY_derive"),
        ]
        for error in errors {
            #expect(!"\(error)".isEmpty)
        }
        let description = "\(CryptoError.invalidKeyLength(expected: 32, actual: 31))"
        #expect(description == "invalid key length: expected 32 bytes, got 31")
    }
}
