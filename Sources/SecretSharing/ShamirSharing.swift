import CryptoPrimitives
public import MultiPrecision

/// `t`-of-`n` Shamir secret sharing over a prime field [Sha79].
///
/// The secret is the constant term of a random polynomial of degree `t − 1`; party `i` receives
/// `(i, f(i))` for `i = 1…n`. Any `t` shares determine the secret; any `t − 1` are uniform and
/// independent of it. Spec: protocols/secret-sharing.md#shamir-sharing.
///
/// - Warning: shares are not authenticated. A party can shift the reconstructed value; with more
///   than `t` shares, ``areConsistent(_:threshold:)`` detects inconsistency but does not correct it.
///   Over ``PrimeField`` (GMP) arithmetic is not constant-time.
public struct ShamirSharing<Field: SharingField>: Sendable {
    /// The field of the shares.
    public let field: Field

    /// Shamir sharing over `field`.
    /// - Parameter field: A prime field with modulus above the largest party count used.
    public init(field: Field) { self.field = field }

    // MARK: Scalar

    /// Splits `secret` into `parties` shares, any `threshold` of which reconstruct it.
    ///
    /// Draws `a_1…a_{t−1}` in order with `field.random(using:)`.
    /// - Parameters:
    ///   - secret: A canonical field element.
    ///   - threshold: `t`, with `1 ≤ t ≤ parties`.
    ///   - parties: `n`, with `n < p`.
    ///   - rng: The randomness (``SecureRandomGenerator`` in production).
    /// - Returns: `n` shares with `x = 1…n`, in order.
    /// - Throws: `invalidPartyCount`, `invalidThreshold`, `tooManyParties`, `nonCanonicalElement`.
    public func split(
        _ secret: Field.Element, threshold: Int, parties: Int, using rng: inout some RandomNumberGenerator
    ) throws -> [ShamirShare<Field.Element>] {
        try validate(threshold: threshold, parties: parties)
        let coefficients = (1..<threshold).map { _ in field.random(using: &rng) }
        return try split(secret, coefficients: coefficients, parties: parties)
    }

    /// Splits `secret` using the CSPRNG (``SecureRandomGenerator``).
    /// - Parameters:
    ///   - secret: A canonical field element.
    ///   - threshold: `t`, with `1 ≤ t ≤ parties`.
    ///   - parties: `n`, with `n < p`.
    /// - Returns: `n` shares with `x = 1…n`.
    /// - Throws: As ``split(_:threshold:parties:using:)``.
    public func split(_ secret: Field.Element, threshold: Int, parties: Int) throws -> [ShamirShare<Field.Element>] {
        var rng = SecureRandomGenerator()
        return try split(secret, threshold: threshold, parties: parties, using: &rng)
    }

    /// Splits with fixed coefficients `a_1…a_{t−1}` (the threshold is `coefficients.count + 1`),
    /// for known-answer tests (STYLE §6: the randomness-taking overload).
    /// - Parameters:
    ///   - secret: The constant term.
    ///   - coefficients: `a_1…a_{t−1}`, canonical.
    ///   - parties: `n ≥ t`, `n < p`.
    /// - Returns: `(i, f(i))` for `i = 1…n`.
    /// - Throws: `invalidPartyCount`, `invalidThreshold`, `tooManyParties`, `nonCanonicalElement`.
    package func split(
        _ secret: Field.Element, coefficients: [Field.Element], parties: Int
    ) throws -> [ShamirShare<Field.Element>] {
        try validate(threshold: coefficients.count + 1, parties: parties)
        guard field.isCanonical(secret), coefficients.allSatisfy(field.isCanonical) else {
            throw SharingError.nonCanonicalElement
        }
        let polynomial = [secret] + coefficients
        return (1...parties).map { i in
            ShamirShare(x: UInt64(i), y: evaluate(polynomial, at: field.element(UInt64(i))))
        }
    }

    /// Reconstructs the secret from the first `threshold` of `shares` (Lagrange interpolation at
    /// zero), after validating all of them.
    /// - Parameters:
    ///   - shares: At least `threshold` shares, in any order.
    ///   - threshold: `t ≥ 1`, the threshold used to split.
    /// - Returns: The secret `f(0)`.
    /// - Throws: `invalidThreshold`, `tooFewShares`, `zeroEvaluationPoint`,
    ///   `evaluationPointOutOfRange`, `nonCanonicalElement`, `duplicateEvaluationPoint`.
    public func reconstruct(_ shares: [ShamirShare<Field.Element>], threshold: Int) throws -> Field.Element {
        try validate(points: shares.map(\.x), threshold: threshold)
        guard shares.allSatisfy({ field.isCanonical($0.y) }) else { throw SharingError.nonCanonicalElement }
        let used = shares.prefix(threshold)
        let lambdas = try lagrangeCoefficientsAtZero(for: used.map(\.x))
        var secret = field.zero
        for (lambda, share) in zip(lambdas, used) { secret = field.add(secret, field.multiply(lambda, share.y)) }
        return secret
    }

    /// The Lagrange coefficients at zero, `λ_i = Π_{j≠i} x_j / (x_j − x_i)`, so that
    /// `f(0) = Σ λ_i f(x_i)` for every polynomial of degree `< xs.count`.
    /// - Parameter xs: Distinct non-zero evaluation points below `p`.
    /// - Returns: One coefficient per point, in order.
    /// - Throws: `noShares` (empty), `zeroEvaluationPoint`, `evaluationPointOutOfRange`,
    ///   `duplicateEvaluationPoint`.
    public func lagrangeCoefficientsAtZero(for xs: [UInt64]) throws -> [Field.Element] {
        guard !xs.isEmpty else { throw SharingError.noShares }
        try validate(points: xs, threshold: xs.count)
        let points = xs.map { field.element($0) }
        return try points.indices.map { i in
            var numerator = field.one
            var denominator = field.one
            for j in points.indices where j != i {
                numerator = field.multiply(numerator, points[j])
                denominator = field.multiply(denominator, field.subtract(points[j], points[i]))
            }
            guard let inverse = field.inverse(denominator) else {
                // Unreachable for distinct points below p; kept so that no input can trap.
                throw SharingError.duplicateEvaluationPoint(x: xs[i])
            }
            return field.multiply(numerator, inverse)
        }
    }

    // MARK: Vector

    /// Splits each element of `secrets` with its own polynomial; party `i` receives all values at
    /// `x = i`. Coefficients are drawn position by position, `a_{k,1}…a_{k,t−1}`.
    /// - Parameters:
    ///   - secrets: Canonical field elements.
    ///   - threshold: `t`, with `1 ≤ t ≤ parties`.
    ///   - parties: `n`, with `n < p`.
    ///   - rng: The randomness (``SecureRandomGenerator`` in production).
    /// - Returns: `n` vector shares with `x = 1…n`.
    /// - Throws: As ``split(_:threshold:parties:using:)``.
    public func splitVector(
        _ secrets: [Field.Element], threshold: Int, parties: Int, using rng: inout some RandomNumberGenerator
    ) throws -> [ShamirVectorShare<Field.Element>] {
        try validate(threshold: threshold, parties: parties)
        guard secrets.allSatisfy(field.isCanonical) else { throw SharingError.nonCanonicalElement }
        let xs = (1...parties).map { field.element(UInt64($0)) }
        var columns = [[Field.Element]](repeating: [], count: parties)
        for index in columns.indices { columns[index].reserveCapacity(secrets.count) }
        var polynomial = [Field.Element](repeating: field.zero, count: threshold)
        for secret in secrets {
            polynomial[0] = secret
            for k in 1..<threshold { polynomial[k] = field.random(using: &rng) }
            for (party, x) in xs.enumerated() { columns[party].append(evaluate(polynomial, at: x)) }
        }
        return columns.enumerated().map { ShamirVectorShare(x: UInt64($0.offset + 1), ys: $0.element) }
    }

    /// Splits a vector using the CSPRNG (``SecureRandomGenerator``).
    /// - Parameters:
    ///   - secrets: Canonical field elements.
    ///   - threshold: `t`, with `1 ≤ t ≤ parties`.
    ///   - parties: `n`, with `n < p`.
    /// - Returns: `n` vector shares with `x = 1…n`.
    /// - Throws: As ``split(_:threshold:parties:using:)``.
    public func splitVector(
        _ secrets: [Field.Element], threshold: Int, parties: Int
    ) throws -> [ShamirVectorShare<Field.Element>] {
        var rng = SecureRandomGenerator()
        return try splitVector(secrets, threshold: threshold, parties: parties, using: &rng)
    }

    /// Reconstructs a vector from the first `threshold` vector shares (one set of Lagrange
    /// coefficients for all positions), after validating all of them.
    /// - Parameters:
    ///   - shares: At least `threshold` vector shares of equal length.
    ///   - threshold: `t ≥ 1`.
    /// - Returns: The secret vector.
    /// - Throws: As ``reconstruct(_:threshold:)``, plus `shareLengthMismatch`.
    public func reconstructVector(_ shares: [ShamirVectorShare<Field.Element>], threshold: Int) throws -> [Field.Element] {
        try validate(points: shares.map(\.x), threshold: threshold)
        let length = shares[0].ys.count
        for share in shares {
            guard share.ys.count == length else {
                throw SharingError.shareLengthMismatch(expected: length, actual: share.ys.count)
            }
            guard share.ys.allSatisfy(field.isCanonical) else { throw SharingError.nonCanonicalElement }
        }
        let used = Array(shares.prefix(threshold))
        let lambdas = try lagrangeCoefficientsAtZero(for: used.map(\.x))
        var secrets = [Field.Element](repeating: field.zero, count: length)
        for (lambda, share) in zip(lambdas, used) {
            for k in 0..<length { secrets[k] = field.add(secrets[k], field.multiply(lambda, share.ys[k])) }
        }
        return secrets
    }

    // MARK: Polynomials

    /// The coefficients `c_0…c_{m−1}` of the unique polynomial of degree `< m` through the `m`
    /// given points (Lagrange interpolation in coefficient form, O(m²)).
    /// - Parameter shares: `m ≥ 1` points with distinct non-zero `x` below `p` and canonical `y`.
    /// - Returns: `m` coefficients, constant term first (`c_0 = f(0)`).
    /// - Throws: `noShares`, `zeroEvaluationPoint`, `evaluationPointOutOfRange`,
    ///   `duplicateEvaluationPoint`, `nonCanonicalElement`.
    public func interpolate(_ shares: [ShamirShare<Field.Element>]) throws -> [Field.Element] {
        guard !shares.isEmpty else { throw SharingError.noShares }
        try validate(points: shares.map(\.x), threshold: shares.count)
        guard shares.allSatisfy({ field.isCanonical($0.y) }) else { throw SharingError.nonCanonicalElement }
        let xs = shares.map { field.element($0.x) }
        let m = xs.count
        // master(X) = Π (X − x_j), coefficients low to high.
        var master = [field.one]
        for x in xs {
            var next = [Field.Element](repeating: field.zero, count: master.count + 1)
            for (k, c) in master.enumerated() {
                next[k + 1] = field.add(next[k + 1], c)
                next[k] = field.subtract(next[k], field.multiply(c, x))
            }
            master = next
        }
        var result = [Field.Element](repeating: field.zero, count: m)
        for i in 0..<m {
            // basis(X) = master(X) / (X − x_i) by synthetic division (high to low).
            var basis = [Field.Element](repeating: field.zero, count: m)
            var carry = field.zero
            for k in stride(from: m, through: 1, by: -1) {
                carry = field.add(master[k], field.multiply(carry, xs[i]))
                basis[k - 1] = carry
            }
            var denominator = field.one
            for j in 0..<m where j != i { denominator = field.multiply(denominator, field.subtract(xs[i], xs[j])) }
            guard let inverse = field.inverse(denominator) else {
                throw SharingError.duplicateEvaluationPoint(x: shares[i].x)
            }
            let scale = field.multiply(shares[i].y, inverse)
            for k in 0..<m { result[k] = field.add(result[k], field.multiply(basis[k], scale)) }
        }
        return result
    }

    /// Evaluates `c_0 + c_1 X + …` at `x` (Horner's rule).
    /// - Parameters:
    ///   - coefficients: Constant term first.
    ///   - x: The point.
    /// - Returns: The value.
    public func evaluate(_ coefficients: [Field.Element], at x: Field.Element) -> Field.Element {
        var value = field.zero
        for c in coefficients.reversed() { value = field.add(field.multiply(value, x), c) }
        return value
    }

    /// Whether all `shares` lie on one polynomial of degree `≤ threshold − 1`: interpolates the
    /// first `threshold` and evaluates it at the others. Detects (does not correct) a cheating
    /// party when more than `threshold` shares are available.
    /// - Parameters:
    ///   - shares: At least `threshold` shares.
    ///   - threshold: `t ≥ 1`.
    /// - Returns: `true` if consistent.
    /// - Throws: As ``reconstruct(_:threshold:)``.
    public func areConsistent(_ shares: [ShamirShare<Field.Element>], threshold: Int) throws -> Bool {
        try validate(points: shares.map(\.x), threshold: threshold)
        guard shares.allSatisfy({ field.isCanonical($0.y) }) else { throw SharingError.nonCanonicalElement }
        let polynomial = try interpolate(Array(shares.prefix(threshold)))
        var consistent = true
        for share in shares.dropFirst(threshold) {
            consistent = (evaluate(polynomial, at: field.element(share.x)) == share.y) && consistent
        }
        return consistent
    }

    // MARK: Validation

    private func validate(threshold: Int, parties: Int) throws {
        guard parties >= 1 else { throw SharingError.invalidPartyCount(parties) }
        guard threshold >= 1, threshold <= parties else {
            throw SharingError.invalidThreshold(threshold: threshold, parties: parties)
        }
        guard field.isBelowModulus(UInt64(parties)) else { throw SharingError.tooManyParties(parties: parties) }
    }

    /// The order of protocols/secret-sharing.md#shamir-sharing: threshold, count, then per point
    /// zero, range, duplicate.
    private func validate(points: [UInt64], threshold: Int) throws {
        guard threshold >= 1 else { throw SharingError.invalidThreshold(threshold: threshold, parties: points.count) }
        guard points.count >= threshold else {
            throw SharingError.tooFewShares(needed: threshold, provided: points.count)
        }
        var seen = Set<UInt64>()
        for x in points {
            guard x != 0 else { throw SharingError.zeroEvaluationPoint }
            guard field.isBelowModulus(x) else { throw SharingError.evaluationPointOutOfRange(x: x) }
            guard seen.insert(x).inserted else { throw SharingError.duplicateEvaluationPoint(x: x) }
        }
    }
}
