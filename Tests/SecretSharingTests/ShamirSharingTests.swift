import MultiPrecision
import PropertyBased
import SecretSharing
import Testing
import _TestSupport

/// Spec: protocols/secret-sharing.md#shamir-sharing; [Sha79].
@Suite("Shamir sharing")
struct ShamirSharingTests {
    static let field61 = PrimeField64.mersenne61
    static let bigField = PrimeField.smallestPrime(above: 128)

    /// Any `t` of the `n` shares, in random order, reconstruct the secret.
    @Test func anyThresholdSubsetReconstructsOverPrimeField64() async {
        let sharing = ShamirSharing(field: Self.field61)
        await propertyCheck(count: 150, input: Gen.uint64(), Gen.int(in: 1...12), Gen.int(in: 0...11), Gen.uint64()) {
            raw, parties, extra, seed throws in
            var rng = DeterministicRNG(seed: seed)
            let threshold = 1 + extra % parties
            let secret = Self.field61.element(raw)
            let shares = try sharing.split(secret, threshold: threshold, parties: parties, using: &rng)
            #expect(shares.map(\.x) == (1...parties).map(UInt64.init))
            let subset = Array(shares.shuffled(using: &rng).prefix(threshold))
            #expect(try sharing.reconstruct(subset, threshold: threshold) == secret)
            #expect(try sharing.reconstruct(shares.shuffled(using: &rng), threshold: threshold) == secret)
            #expect(try sharing.areConsistent(shares.shuffled(using: &rng), threshold: threshold))
        }
    }

    @Test func anyThresholdSubsetReconstructsOverBigPrimeField() async {
        let field = Self.bigField
        let sharing = ShamirSharing(field: field)
        await propertyCheck(count: 60, input: Gen.uint64(), Gen.int(in: 1...9), Gen.int(in: 0...8), Gen.uint64()) {
            raw, parties, extra, seed throws in
            var rng = DeterministicRNG(seed: seed)
            let threshold = 1 + extra % parties
            let secret = field.element((BigInt(raw) << 64) + BigInt(raw))  // a 128-bit seed-sized secret
            let shares = try sharing.split(secret, threshold: threshold, parties: parties, using: &rng)
            let subset = Array(shares.shuffled(using: &rng).prefix(threshold))
            #expect(try sharing.reconstruct(subset, threshold: threshold) == secret)
        }
    }

    /// t − 1 shares rule out no secret: for every candidate secret s′, the t − 1 shares plus
    /// (0, s′) interpolate a polynomial of degree ≤ t − 1 that reproduces every one of the shares.
    @Test func fewerThanThresholdSharesAreConsistentWithEverySecret() async {
        let sharing = ShamirSharing(field: Self.field61)
        await propertyCheck(count: 100, input: Gen.uint64(), Gen.uint64(), Gen.int(in: 2...8), Gen.uint64()) {
            rawSecret, rawCandidate, threshold, seed throws in
            var rng = DeterministicRNG(seed: seed)
            let parties = threshold + 2
            let shares = try sharing.split(Self.field61.element(rawSecret), threshold: threshold, parties: parties, using: &rng)
            let seen = Array(shares.shuffled(using: &rng).prefix(threshold - 1))
            let candidate = Self.field61.element(rawCandidate)
            // Interpolating t points is possible only with distinct non-zero x; (0, s′) is added
            // directly as a point of the polynomial via a shifted evaluation: use x = 0 through
            // the coefficient form.
            let polynomial = try Self.interpolateThrough(seen, zeroValue: candidate, sharing: sharing)
            #expect(polynomial.count == threshold)  // degree ≤ t − 1
            #expect(polynomial[0] == candidate)
            for share in seen { #expect(sharing.evaluate(polynomial, atPoint: share.x) == share.y) }
        }
    }

    /// Exhaustive perfect secrecy over F_13, t = 3, n = 5: for every secret, the 13² choices of
    /// coefficients give every possible pair of shares (for parties 2 and 5) exactly once, so the
    /// pair's distribution does not depend on the secret.
    @Test func twoSharesOfAThreeOfFiveSharingAreUniformForEverySecret() throws {
        let field = try #require(PrimeField64(prime: 13))
        let sharing = ShamirSharing(field: field)
        for secret in UInt64(0)..<13 {
            var counts = [Int](repeating: 0, count: 169)
            for a1 in UInt64(0)..<13 {
                for a2 in UInt64(0)..<13 {
                    let shares = try sharing.split(secret, coefficients: [a1, a2], parties: 5)
                    counts[Int(shares[1].y * 13 + shares[4].y)] += 1
                }
            }
            #expect(counts.allSatisfy { $0 == 1 }, "secret \(secret)")
        }
    }

    @Test func vectorFormMatchesScalarForm() async {
        let sharing = ShamirSharing(field: Self.field61)
        await propertyCheck(count: 60, input: Gen.uint64().array(of: 0...20), Gen.int(in: 1...7), Gen.uint64()) {
            raw, parties, seed throws in
            var rng = DeterministicRNG(seed: seed)
            let threshold = 1 + Int(seed % UInt64(parties))
            let secrets = raw.map(Self.field61.element)
            let shares = try sharing.splitVector(secrets, threshold: threshold, parties: parties, using: &rng)
            #expect(shares.allSatisfy { $0.ys.count == secrets.count })
            let subset = Array(shares.shuffled(using: &rng).prefix(threshold))
            #expect(try sharing.reconstructVector(subset, threshold: threshold) == secrets)
            for k in secrets.indices {
                #expect(try sharing.reconstruct(subset.map { $0[k] }, threshold: threshold) == secrets[k])
            }
        }
    }

    @Test func lagrangeCoefficientsSumToOne() throws {
        // Σ λ_i = 1 because the constant polynomial 1 interpolates to 1 at zero.
        let sharing = ShamirSharing(field: Self.field61)
        let lambdas = try sharing.lagrangeCoefficientsAtZero(for: [3, 9, 1, 4])
        #expect(lambdas.reduce(0, Self.field61.add) == 1)
        #expect(try sharing.lagrangeCoefficientsAtZero(for: [7]) == [1])
    }

    @Test func consistencyCheckDetectsATamperedShare() throws {
        let sharing = ShamirSharing(field: Self.field61)
        var rng = DeterministicRNG(seed: 8)
        var shares = try sharing.split(99, threshold: 3, parties: 6, using: &rng)
        #expect(try sharing.areConsistent(shares, threshold: 3))
        shares[4] = ShamirShare(x: shares[4].x, y: Self.field61.add(shares[4].y, 1))
        #expect(try !sharing.areConsistent(shares, threshold: 3))
        #expect(try sharing.reconstruct(shares, threshold: 3) == 99)  // the first t are intact
    }

    @Test func productionOverloadsUseTheCSPRNG() throws {
        let sharing = ShamirSharing(field: Self.bigField)
        let a = try sharing.split(BigInt(5), threshold: 2, parties: 3)
        let b = try sharing.split(BigInt(5), threshold: 2, parties: 3)
        #expect(a != b)
        #expect(try sharing.reconstruct([a[2], a[0]], threshold: 2) == 5)
        let vector = try sharing.splitVector([BigInt(1), BigInt(2)], threshold: 2, parties: 3)
        #expect(try sharing.reconstructVector([vector[1], vector[2]], threshold: 2) == [BigInt(1), BigInt(2)])
    }

    @Test func splitErrorsArePrecise() throws {
        let sharing = ShamirSharing(field: Self.field61)
        var rng = DeterministicRNG(seed: 1)
        #expect(throws: SharingError.invalidPartyCount(0)) { try sharing.split(1, threshold: 1, parties: 0, using: &rng) }
        #expect(throws: SharingError.invalidThreshold(threshold: 0, parties: 3)) {
            try sharing.split(1, threshold: 0, parties: 3, using: &rng)
        }
        #expect(throws: SharingError.invalidThreshold(threshold: 4, parties: 3)) {
            try sharing.split(1, threshold: 4, parties: 3, using: &rng)
        }
        #expect(throws: SharingError.nonCanonicalElement) {
            try sharing.split(Self.field61.p, threshold: 2, parties: 3, using: &rng)
        }
        #expect(throws: SharingError.nonCanonicalElement) {
            try sharing.split(1, coefficients: [UInt64.max], parties: 3)
        }
        let tiny = ShamirSharing(field: try #require(PrimeField64(prime: 13)))
        #expect(throws: SharingError.tooManyParties(parties: 13)) { try tiny.split(1, threshold: 2, parties: 13, using: &rng) }
        #expect(try tiny.split(1, threshold: 2, parties: 12, using: &rng).count == 12)
        #expect(throws: SharingError.nonCanonicalElement) {
            try sharing.splitVector([1, UInt64.max], threshold: 2, parties: 3, using: &rng)
        }
    }

    @Test func reconstructionErrorsArePrecise() throws {
        let sharing = ShamirSharing(field: Self.field61)
        var rng = DeterministicRNG(seed: 2)
        let shares = try sharing.split(5, threshold: 3, parties: 5, using: &rng)
        #expect(throws: SharingError.tooFewShares(needed: 3, provided: 2)) {
            try sharing.reconstruct(Array(shares.prefix(2)), threshold: 3)
        }
        #expect(throws: SharingError.tooFewShares(needed: 1, provided: 0)) { try sharing.reconstruct([], threshold: 1) }
        #expect(throws: SharingError.invalidThreshold(threshold: 0, parties: 5)) { try sharing.reconstruct(shares, threshold: 0) }
        #expect(throws: SharingError.duplicateEvaluationPoint(x: 2)) {
            try sharing.reconstruct([shares[1], shares[0], shares[1]], threshold: 3)
        }
        #expect(throws: SharingError.zeroEvaluationPoint) {
            try sharing.reconstruct([shares[0], ShamirShare(x: 0, y: 5), shares[2]], threshold: 3)
        }
        #expect(throws: SharingError.evaluationPointOutOfRange(x: Self.field61.p)) {
            try sharing.reconstruct([shares[0], ShamirShare(x: Self.field61.p, y: shares[1].y), shares[2]], threshold: 3)
        }
        // x ≡ 1 (mod p) would collide with party 1 after reduction; it is rejected before that.
        #expect(throws: SharingError.evaluationPointOutOfRange(x: Self.field61.p + 1)) {
            try sharing.reconstruct([shares[0], ShamirShare(x: Self.field61.p + 1, y: shares[1].y), shares[2]], threshold: 3)
        }
        #expect(throws: SharingError.nonCanonicalElement) {
            try sharing.reconstruct([shares[0], ShamirShare(x: 2, y: UInt64.max), shares[2]], threshold: 3)
        }
        // Extra shares are validated too.
        #expect(throws: SharingError.duplicateEvaluationPoint(x: 1)) {
            try sharing.reconstruct(Array(shares.prefix(3)) + [shares[0]], threshold: 3)
        }
        #expect(throws: SharingError.noShares) { try sharing.lagrangeCoefficientsAtZero(for: []) }
        #expect(throws: SharingError.zeroEvaluationPoint) { try sharing.lagrangeCoefficientsAtZero(for: [1, 0]) }
        #expect(throws: SharingError.noShares) { try sharing.interpolate([]) }

        let vectors = try sharing.splitVector([1, 2], threshold: 2, parties: 3, using: &rng)
        #expect(throws: SharingError.shareLengthMismatch(expected: 2, actual: 1)) {
            try sharing.reconstructVector([vectors[0], ShamirVectorShare(x: 2, ys: [1])], threshold: 2)
        }
        #expect(throws: SharingError.nonCanonicalElement) {
            try sharing.reconstructVector([vectors[0], ShamirVectorShare(x: 2, ys: [1, UInt64.max])], threshold: 2)
        }

        let big = ShamirSharing(field: Self.bigField)
        #expect(throws: SharingError.nonCanonicalElement) {
            try big.reconstruct([ShamirShare(x: 1, y: BigInt(-1))], threshold: 1)
        }
    }

    @Test func descriptionsAreRedacted() {
        let share = ShamirShare(x: 3, y: UInt64(123_456_789))
        #expect("\(share)" == "ShamirShare(x: 3, y: redacted)")
        #expect(!String(reflecting: share).contains("123456789"))
        let vector = ShamirVectorShare(x: 2, ys: [UInt64(42), 43])
        #expect("\(vector)" == "ShamirVectorShare(x: 2, count: 2, ys: redacted)")
        #expect("\(BeaverTriple(a: UInt64(1), b: 2, c: 2))" == "BeaverTriple(redacted)")
    }

    @Test func constantTimeEqualityAgreesWithEquality() {
        #expect(ShamirShare(x: 1, y: UInt64(5)) == ShamirShare(x: 1, y: 5))
        #expect(ShamirShare(x: 1, y: UInt64(5)) != ShamirShare(x: 1, y: 6))
        #expect(ShamirShare(x: 1, y: UInt64(5)) != ShamirShare(x: 2, y: 5))
        #expect(ShamirShare(x: 1, y: BigInt(1) << 100) == ShamirShare(x: 1, y: BigInt(1) << 100))
        #expect(ShamirShare(x: 1, y: BigInt(1) << 100) != ShamirShare(x: 1, y: BigInt(1)))
        #expect(ShamirShare(x: 1, y: BigInt(-7)) != ShamirShare(x: 1, y: BigInt(7)))
        #expect(ShamirShare(x: 1, y: BigInt(0)) == ShamirShare(x: 1, y: BigInt(0)))
        for (a, b) in [(UInt64(0), UInt64(0)), (0, 1), (1 << 63, 0), (.max, .max), (.max, .max - 1)] {
            #expect(a.isEqualInConstantTime(to: b) == (a == b))
        }
    }

    /// The polynomial of degree < t through the t − 1 shares and (0, value): interpolation in
    /// coefficient form through the shares plus one point at zero, done by the identity
    /// f(X) = value + X · g(X), where g has degree < t − 1 and g(x_i) = (y_i − value) / x_i.
    static func interpolateThrough(
        _ shares: [ShamirShare<UInt64>], zeroValue: UInt64, sharing: ShamirSharing<PrimeField64>
    ) throws -> [UInt64] {
        let field = sharing.field
        guard !shares.isEmpty else { return [zeroValue] }
        let shifted = shares.map { share in
            ShamirShare(x: share.x, y: field.multiply(field.subtract(share.y, zeroValue), field.inverse(share.x)!))
        }
        return [zeroValue] + (try sharing.interpolate(shifted))
    }
}

extension ShamirSharing {
    /// Evaluates at a machine-integer point (test convenience).
    func evaluate(_ coefficients: [Field.Element], atPoint x: UInt64) -> Field.Element {
        evaluate(coefficients, at: field.element(x))
    }
}
