import CryptoPrimitives
import Foundation
import PropertyBased
import Testing
import _TestSupport

struct SHA256Case: Codable, Sendable, NamedCase {
    let tcId: Int
    let desc: String
    let result: VectorResult
    let message: String
    let digest: String
}

@Suite struct SHA256Tests {
    @Test(arguments: try loadCases(SHA256Case.self, "sha256-nist.json"))
    func knownAnswer(_ vector: SHA256Case) throws {
        let message = try bytes(vector.message)
        let digest = try bytes(vector.digest)
        #expect(SHA256.hash(message) == digest)
        #expect(SHA256.hash(message[...]) == digest, "ArraySlice path")
        #expect(SHA256.hash(Data(message)) == digest, "Data path")
        #expect(SHA256.hash(AnySequence(message)) == digest, "non-contiguous path")
        // Incremental, split at every third byte.
        var hasher = SHA256Hasher()
        var index = 0
        while index < message.count {
            let end = min(index + 3, message.count)
            hasher.update(message[index..<end])
            index = end
        }
        #expect(hasher.finalize() == digest)
    }

    @Test func copiedHasherIsIndependent() {
        var prefix = SHA256Hasher()
        prefix.update(Array("ab".utf8))
        var first = prefix
        var second = prefix
        first.update(Array("c".utf8))
        second.update(Array("d".utf8))
        #expect(first.finalize() == SHA256.hash(Array("abc".utf8)))
        #expect(second.finalize() == SHA256.hash(Array("abd".utf8)))
        #expect(prefix.finalize() == SHA256.hash(Array("ab".utf8)))
    }

    @Test func longNonContiguousSequenceStreams() {
        // Exercises the 4 KiB chunking of non-contiguous input.
        let message = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        var hasher = SHA256Hasher()
        hasher.update(AnySequence(message))
        #expect(hasher.finalize() == SHA256.hash(message))
        #expect(SHA256.hash(message.lazy.map { $0 }) == SHA256.hash(message))
    }

    @Test func incrementalEqualsOneShot() async {
        await propertyCheck(input: Gen.uint8().array(of: 0...300), Gen.int(in: 0...300)) { message, cut in
            let split = min(cut, message.count)
            var hasher = SHA256Hasher()
            hasher.update(message[..<split])
            hasher.update(message[split...])
            #expect(hasher.finalize() == SHA256.hash(message))
        }
    }
}
