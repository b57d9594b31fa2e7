public import CryptoPrimitives

/// The one error type of `SecretSharing`.
///
/// Cases carry counts, positions and public evaluation points only, never a share or a secret.
/// Spec: protocols/secret-sharing.md#errors.
public enum SharingError: Error, Equatable, Sendable {
    /// The number of parties is below 1.
    case invalidPartyCount(Int)
    /// The threshold is not in `1…parties` (on reconstruction: below 1).
    case invalidThreshold(threshold: Int, parties: Int)
    /// The field has too few non-zero elements for this many distinct evaluation points (`n ≥ p`).
    case tooManyParties(parties: Int)
    /// No shares were given.
    case noShares
    /// Share vectors (or a vector and its secret) have different lengths.
    case shareLengthMismatch(expected: Int, actual: Int)
    /// Fewer Shamir shares than the threshold were given.
    case tooFewShares(needed: Int, provided: Int)
    /// A Shamir share has evaluation point `x = 0`, which would be the secret itself.
    case zeroEvaluationPoint
    /// A Shamir share's evaluation point is not below the field's modulus.
    case evaluationPointOutOfRange(x: UInt64)
    /// Two Shamir shares have the same evaluation point.
    case duplicateEvaluationPoint(x: UInt64)
    /// A share element is not the canonical representative of a ring element (e.g. `≥ p`).
    case nonCanonicalElement
    /// A seed is not 16 bytes.
    case invalidSeedLength(expected: Int, actual: Int)
    /// A requested element count is negative.
    case invalidCount(Int)
    /// A fixed-coefficient split was given the wrong number of coefficients (`t − 1` expected).
    case invalidCoefficientCount(expected: Int, actual: Int)
    /// libcrypto failed while expanding a seed.
    case cryptoFailure(CryptoError)
    /// A preprocessing store has fewer unused triples than a gate needs.
    case triplesExhausted(needed: Int, available: Int)
    /// A preprocessing store has fewer unused random bits than a gate needs.
    case randomBitsExhausted(needed: Int, available: Int)
}

extension SharingError: CustomStringConvertible {
    /// A human-readable description with counts and public indices only.
    public var description: String {
        switch self {
        case let .invalidPartyCount(n): "invalid party count \(n): at least 1 party is required"
        case let .invalidThreshold(t, n): "invalid threshold \(t) for \(n) parties"
        case let .tooManyParties(n): "the field is too small for \(n) distinct evaluation points"
        case .noShares: "no shares"
        case let .shareLengthMismatch(expected, actual): "share length \(actual), expected \(expected)"
        case let .tooFewShares(needed, provided): "\(provided) shares given, \(needed) needed"
        case .zeroEvaluationPoint: "a share has evaluation point x = 0"
        case let .evaluationPointOutOfRange(x): "evaluation point x = \(x) is not below the modulus"
        case let .duplicateEvaluationPoint(x): "two shares have evaluation point x = \(x)"
        case .nonCanonicalElement: "a share element is not canonical"
        case let .invalidSeedLength(expected, actual): "seed of \(actual) bytes, expected \(expected)"
        case let .invalidCount(count): "invalid element count \(count)"
        case let .invalidCoefficientCount(expected, actual): "\(actual) coefficients, expected \(expected)"
        case let .cryptoFailure(error): "seed expansion failed: \(error)"
        case let .triplesExhausted(needed, available): "\(needed) Beaver triples needed, \(available) unused left"
        case let .randomBitsExhausted(needed, available): "\(needed) random bits needed, \(available) unused left"
        }
    }
}
