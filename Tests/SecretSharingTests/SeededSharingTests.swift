import MultiPrecision
import PropertyBased
import SecretSharing
import Testing
import WireFormat
import _TestSupport

/// Spec: protocols/secret-sharing.md#seed-expanded-additive-sharing.
@Suite("Seed-expanded additive sharing")
struct SeededSharingTests {
    @Test func ring64RoundTrips() async {
        let sharing = SeededAdditiveSharing(ring: Ring64())
        await propertyCheck(count: 60, input: Gen.uint64().array(of: 0...40), Gen.int(in: 1...8), Gen.uint64()) {
            secret, parties, seed throws in
            var rng = DeterministicRNG(seed: seed)
            let (seeds, last) = try sharing.split(secret, parties: parties, using: &rng)
            #expect(seeds.count == parties - 1 && seeds.allSatisfy { $0.count == 16 })
            #expect(try sharing.reconstruct(seeds: seeds, lastShare: last) == secret)
            // The same shares through plain additive reconstruction.
            let vectors = try seeds.map { try sharing.expand(seed: $0, count: secret.count) } + [last]
            #expect(try AdditiveSharing(ring: Ring64()).reconstruct(vectors) == secret)
        }
    }

    @Test func primeField64RoundTrips() async {
        let field = PrimeField64(prime: 4_611_686_018_427_388_039)!  // just above 2^62: many rejections
        let sharing = SeededAdditiveSharing(ring: field)
        await propertyCheck(count: 60, input: Gen.uint64().array(of: 0...40), Gen.int(in: 1...8), Gen.uint64()) {
            raw, parties, seed throws in
            var rng = DeterministicRNG(seed: seed)
            let secret = raw.map(field.element)
            let (seeds, last) = try sharing.split(secret, parties: parties, using: &rng)
            #expect(last.allSatisfy { $0 < field.p })
            for seed in seeds { #expect(try sharing.expand(seed: seed, count: secret.count).allSatisfy { $0 < field.p }) }
            #expect(try sharing.reconstruct(seeds: seeds, lastShare: last) == secret)
        }
    }

    @Test func expansionIsAPrefixStream() throws {
        let sharing = SeededAdditiveSharing(ring: PrimeField64.mersenne61)
        let seed = [UInt8](repeating: 0xA5, count: 16)
        let long = try sharing.expand(seed: seed, count: 5000)
        #expect(try sharing.expand(seed: seed, count: 37) == Array(long.prefix(37)))
        #expect(try sharing.expand(seed: seed, count: 0) == [])
    }

    @Test func sharesTravelAsSeedsAndOneVector() throws {
        let sharing = SeededAdditiveSharing(ring: Ring64())
        var rng = DeterministicRNG(seed: 3)
        let secret: [UInt64] = [1, 2, 3, 4, 5]
        let (seeds, last) = try sharing.split(secret, parties: 4, using: &rng)
        let messages = sharing.shares(seeds: seeds, lastShare: last)
        let received = try messages.map { message in
            try WireEnvelope.decode(
                SeededAdditiveShare.self, from: WireEnvelope.encode(tag: SeededAdditiveShare.wireTag, body: message),
                expectedTag: SeededAdditiveShare.wireTag)
        }
        #expect(received == messages)
        let vectors = try received.map(sharing.vector(of:))
        #expect(try AdditiveSharing(ring: Ring64()).reconstruct(vectors) == secret)
        // A seed message is 1 + 16 + 4 bytes however long the vector is.
        #expect(messages[0].wireEncoded().count == 21)
        #expect(messages[3].wireEncoded().count == 1 + 4 + 8 * secret.count)
        #expect("\(messages[0])" == "SeededAdditiveShare.seed(redacted, count: 5)")
        #expect("\(messages[3])" == "SeededAdditiveShare.explicit(count: 5, values: redacted)")
    }

    @Test func errorsArePrecise() throws {
        let sharing = SeededAdditiveSharing(ring: Ring64())
        var rng = DeterministicRNG(seed: 1)
        #expect(throws: SharingError.invalidSeedLength(expected: 16, actual: 15)) {
            try sharing.expand(seed: [UInt8](repeating: 0, count: 15), count: 1)
        }
        #expect(throws: SharingError.invalidSeedLength(expected: 16, actual: 0)) {
            try sharing.reconstruct(seeds: [[]], lastShare: [1])
        }
        #expect(throws: SharingError.invalidCount(-1)) { try sharing.expand(seed: [UInt8](repeating: 0, count: 16), count: -1) }
        #expect(throws: SharingError.invalidPartyCount(0)) { try sharing.split([1], parties: 0, using: &rng) }
        let field = SeededAdditiveSharing(ring: PrimeField64.mersenne61)
        #expect(throws: SharingError.nonCanonicalElement) { try field.split([UInt64.max], parties: 2, using: &rng) }
        #expect(throws: SharingError.nonCanonicalElement) { try field.reconstruct(seeds: [], lastShare: [UInt64.max]) }
        #expect(throws: SharingError.nonCanonicalElement) { try field.vector(of: .explicit([UInt64.max])) }
    }

    @Test func decodingBoundsTheClaimedExpansionLength() {
        var writer = WireWriter()
        writer.writeUInt8(0)
        writer.writeRawBytes([UInt8](repeating: 1, count: 16))
        writer.writeUInt32(UInt32.max)
        #expect(throws: WireFormatError.lengthExceedsLimit(length: Int(UInt32.max), limit: 1 << 24)) {
            try SeededAdditiveShare(wireEncoded: writer.bytes)
        }
        #expect(throws: WireFormatError.invalidValue("seeded share kind must be 0 (seed) or 1 (explicit)")) {
            try SeededAdditiveShare(wireEncoded: [2])
        }
        #expect(throws: WireFormatError.truncated(needed: 16, available: 3)) {
            try SeededAdditiveShare(wireEncoded: [0, 1, 2, 3])
        }
    }

    @Test func productionOverloadUsesFreshSeeds() throws {
        let sharing = SeededAdditiveSharing(ring: Ring64())
        let a = try sharing.split([1, 2, 3], parties: 3)
        let b = try sharing.split([1, 2, 3], parties: 3)
        #expect(a.seeds != b.seeds)
        #expect(try sharing.reconstruct(seeds: a.seeds, lastShare: a.lastShare) == [1, 2, 3])
    }
}
