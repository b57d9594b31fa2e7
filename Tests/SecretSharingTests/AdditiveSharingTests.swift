import CryptoPrimitives
import MultiPrecision
import PropertyBased
import SecretSharing
import Testing
import _TestSupport

/// Spec: protocols/secret-sharing.md#additive-sharing.
@Suite("Additive sharing")
struct AdditiveSharingTests {
    static let bigField = PrimeField.smallestPrime(above: 128)

    @Test func ring64RoundTrips() async {
        let sharing = AdditiveSharing(ring: Ring64())
        await propertyCheck(count: 100, input: Gen.uint64().array(of: 0...50), Gen.int(in: 1...10), Gen.uint64()) {
            secret, parties, seed throws in
            var rng = DeterministicRNG(seed: seed)
            let shares = try sharing.split(secret, parties: parties, using: &rng)
            #expect(shares.count == parties)
            #expect(shares.allSatisfy { $0.count == secret.count })
            #expect(try sharing.reconstruct(shares) == secret)
            #expect(try sharing.reconstruct(shares.shuffled(using: &rng)) == secret)
        }
    }

    @Test func primeField64RoundTrips() async {
        let field = PrimeField64.mersenne61
        let sharing = AdditiveSharing(ring: field)
        await propertyCheck(count: 100, input: Gen.uint64().array(of: 0...30), Gen.int(in: 1...8), Gen.uint64()) {
            raw, parties, seed throws in
            var rng = DeterministicRNG(seed: seed)
            let secret = raw.map(field.element)
            let shares = try sharing.split(secret, parties: parties, using: &rng)
            #expect(shares.allSatisfy { $0.allSatisfy { $0 < field.p } })
            #expect(try sharing.reconstruct(shares) == secret)
        }
    }

    @Test func bigPrimeFieldRoundTrips() async {
        let field = Self.bigField
        let sharing = AdditiveSharing(ring: field)
        await propertyCheck(count: 50, input: Gen.uint64().array(of: 0...8), Gen.int(in: 1...6), Gen.uint64()) {
            raw, parties, seed throws in
            var rng = DeterministicRNG(seed: seed)
            let secret = raw.map { field.element(BigInt($0) << 70) }
            let shares = try sharing.split(secret, parties: parties, using: &rng)
            #expect(try sharing.reconstruct(shares) == secret)
        }
    }

    /// Any n − 1 shares are uniform: for n = 2 over Ring64, the first share is exactly the
    /// generator's output, whatever the secret.
    @Test func allButOneShareIgnoreTheSecret() throws {
        let sharing = AdditiveSharing(ring: Ring64())
        var rng1 = DeterministicRNG(seed: 5)
        var rng2 = DeterministicRNG(seed: 5)
        let a = try sharing.split([1, 2, 3], parties: 4, using: &rng1)
        let b = try sharing.split([UInt64.max, 0, 77], parties: 4, using: &rng2)
        #expect(Array(a.prefix(3)) == Array(b.prefix(3)))
        #expect(a[3] != b[3])
    }

    @Test func productionOverloadUsesTheCSPRNG() throws {
        let sharing = AdditiveSharing(ring: Ring64())
        let secret = (0..<1000).map(UInt64.init)
        let first = try sharing.split(secret, parties: 3)
        let second = try sharing.split(secret, parties: 3)
        #expect(first[0] != second[0])
        #expect(try sharing.reconstruct(first) == secret)
        let fieldSharing = AdditiveSharing(ring: PrimeField64.mersenne61)
        #expect(try fieldSharing.reconstruct(fieldSharing.split([1, 2], parties: 5)) == [1, 2])
        // Crosses the 1024-word CSPRNG buffer several times, with ~50% rejections.
        let field62 = try #require(PrimeField64(prime: 4_611_686_018_427_388_039))
        let wide = AdditiveSharing(ring: field62)
        let fieldSecret = (0..<5000).map { UInt64($0) * 922_337_203_685_477 % field62.p }
        let fieldShares = try wide.split(fieldSecret, parties: 4)
        #expect(fieldShares.allSatisfy { $0.allSatisfy { $0 < field62.p } })
        #expect(try wide.reconstruct(fieldShares) == fieldSecret)
    }

    @Test func aesGeneratorFastPathMatchesWordByWordDraws() throws {
        let sharing = AdditiveSharing(ring: Ring64())
        let seed = [UInt8](repeating: 9, count: 16)
        var bulk = try AESCTRGenerator(seed: seed)
        let shares = try sharing.split([10, 20, 30, 40, 50], parties: 3, using: &bulk)
        var reference = try AESCTRGenerator(seed: seed)
        let expected = (0..<10).map { _ in reference.next() }
        #expect(shares[0] + shares[1] == expected)
        #expect(bulk.next() == reference.next())  // the generator advanced exactly 10 words
    }

    @Test func largeRing64VectorsRoundTrip() throws {
        let sharing = AdditiveSharing(ring: Ring64())
        var rng = DeterministicRNG(seed: 42)
        let secret = (0..<200_000).map { _ in rng.next() }
        let shares = try sharing.split(secret, parties: 10, using: &rng)
        #expect(try sharing.reconstruct(shares) == secret)
    }

    @Test func errorsArePrecise() throws {
        let sharing = AdditiveSharing(ring: Ring64())
        var rng = DeterministicRNG(seed: 1)
        #expect(throws: SharingError.invalidPartyCount(0)) { try sharing.split([1], parties: 0, using: &rng) }
        #expect(throws: SharingError.invalidPartyCount(-3)) { try sharing.split([1], parties: -3, using: &rng) }
        #expect(throws: SharingError.noShares) { try sharing.reconstruct([]) }
        #expect(throws: SharingError.shareLengthMismatch(expected: 2, actual: 1)) {
            try sharing.reconstruct([[1, 2], [3, 4], [5]])
        }
        let field = AdditiveSharing(ring: PrimeField64.mersenne61)
        #expect(throws: SharingError.nonCanonicalElement) { try field.reconstruct([[1], [UInt64.max]]) }
        #expect(throws: SharingError.nonCanonicalElement) { try field.split([PrimeField64.mersenne61.p], parties: 2, using: &rng) }
        let big = AdditiveSharing(ring: Self.bigField)
        #expect(throws: SharingError.nonCanonicalElement) { try big.reconstruct([[BigInt(1)], [BigInt(-1)]]) }
        #expect(throws: SharingError.nonCanonicalElement) { try big.reconstruct([[Self.bigField.p]]) }
    }

    @Test func singlePartyShareIsTheSecret() throws {
        var rng = DeterministicRNG(seed: 1)
        #expect(try AdditiveSharing(ring: Ring64()).split([7, 8], parties: 1, using: &rng) == [[7, 8]])
    }
}
