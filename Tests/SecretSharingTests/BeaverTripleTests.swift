import MultiPrecision
import PropertyBased
import SecretSharing
import Testing
import _TestSupport

/// Spec: protocols/secret-sharing.md#beaver-triples; [Bea91].
@Suite("Beaver triples")
struct BeaverTripleTests {
    /// Multiplies additively shared x and y with one triple (the MPCProtocols recipe, here as a
    /// reference computation): open d = x − a and e = y − b, then
    /// [xy]_i = [c]_i + d·[b]_i + e·[a]_i, plus d·e at party 0.
    static func multiply<Ring: SharingRing>(
        x: [Ring.Element], y: [Ring.Element], triple: [BeaverTriple<Ring.Element>], ring: Ring
    ) throws -> [Ring.Element] {
        let sharing = AdditiveSharing(ring: ring)
        let d = try sharing.reconstruct(zip(x, triple).map { [ring.subtract($0, $1.a)] })[0]
        let e = try sharing.reconstruct(zip(y, triple).map { [ring.subtract($0, $1.b)] })[0]
        return triple.enumerated().map { i, t in
            var z = ring.add(t.c, ring.add(ring.multiply(d, t.b), ring.multiply(e, t.a)))
            if i == 0 { z = ring.add(z, ring.multiply(d, e)) }
            return z
        }
    }

    @Test func dealtTriplesAreValidOverEveryRing() throws {
        var rng = DeterministicRNG(seed: 77)
        for parties in 1...6 {
            let r64 = try BeaverTriple<UInt64>.deal(ring: Ring64(), parties: parties, using: &rng)
            #expect(r64.count == parties)
            #expect(try BeaverTriple.open(r64, in: Ring64()).isValid(in: Ring64()))
            let f = PrimeField64.mersenne61
            #expect(try BeaverTriple.open(BeaverTriple.deal(ring: f, parties: parties, using: &rng), in: f).isValid(in: f))
            let big = PrimeField.smallestPrime(above: 128)
            #expect(try BeaverTriple.open(BeaverTriple.deal(ring: big, parties: parties, using: &rng), in: big).isValid(in: big))
        }
        #expect(!BeaverTriple(a: UInt64(2), b: 3, c: 7).isValid(in: Ring64()))
    }

    @Test func manyTriplesArePerParty() throws {
        var rng = DeterministicRNG(seed: 4)
        let dealt = try BeaverTriple<UInt64>.deal(ring: Ring64(), parties: 3, count: 50, using: &rng)
        #expect(dealt.count == 3 && dealt.allSatisfy { $0.count == 50 })
        for k in 0..<50 { #expect(try BeaverTriple.open(dealt.map { $0[k] }, in: Ring64()).isValid(in: Ring64())) }
        #expect(try BeaverTriple<UInt64>.deal(ring: Ring64(), parties: 3, count: 0, using: &rng) == [[], [], []])
    }

    @Test func multiplicationWithATripleIsCorrect() async {
        let field = PrimeField64.mersenne61
        await propertyCheck(count: 100, input: Gen.uint64(), Gen.uint64(), Gen.int(in: 1...7), Gen.uint64()) {
            rawX, rawY, parties, seed throws in
            var rng = DeterministicRNG(seed: seed)
            for ringCase in 0..<2 {
                if ringCase == 0 {
                    let sharing = AdditiveSharing(ring: Ring64())
                    let x = try sharing.split([rawX], parties: parties, using: &rng).map { $0[0] }
                    let y = try sharing.split([rawY], parties: parties, using: &rng).map { $0[0] }
                    let triple = try BeaverTriple<UInt64>.deal(ring: Ring64(), parties: parties, using: &rng)
                    let z = try Self.multiply(x: x, y: y, triple: triple, ring: Ring64())
                    #expect(try sharing.reconstruct(z.map { [$0] }) == [rawX &* rawY])
                } else {
                    let (a, b) = (field.element(rawX), field.element(rawY))
                    let sharing = AdditiveSharing(ring: field)
                    let x = try sharing.split([a], parties: parties, using: &rng).map { $0[0] }
                    let y = try sharing.split([b], parties: parties, using: &rng).map { $0[0] }
                    let triple = try BeaverTriple<UInt64>.deal(ring: field, parties: parties, using: &rng)
                    let z = try Self.multiply(x: x, y: y, triple: triple, ring: field)
                    #expect(try sharing.reconstruct(z.map { [$0] }) == [field.multiply(a, b)])
                }
            }
        }
    }

    @Test func errorsArePrecise() throws {
        var rng = DeterministicRNG(seed: 1)
        #expect(throws: SharingError.invalidPartyCount(0)) { try BeaverTriple<UInt64>.deal(ring: Ring64(), parties: 0, using: &rng) }
        #expect(throws: SharingError.invalidCount(-1)) {
            try BeaverTriple<UInt64>.deal(ring: Ring64(), parties: 2, count: -1, using: &rng)
        }
        #expect(throws: SharingError.noShares) { try BeaverTriple<UInt64>.open([], in: Ring64()) }
        #expect(throws: SharingError.nonCanonicalElement) {
            try BeaverTriple.open([BeaverTriple(a: UInt64.max, b: 0, c: 0)], in: PrimeField64.mersenne61)
        }
    }

    @Test func productionOverloadUsesTheCSPRNG() throws {
        let shares = try BeaverTriple<UInt64>.deal(ring: PrimeField64.mersenne61, parties: 3)
        #expect(try BeaverTriple.open(shares, in: PrimeField64.mersenne61).isValid(in: PrimeField64.mersenne61))
    }
}
