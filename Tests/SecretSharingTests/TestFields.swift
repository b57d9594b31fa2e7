import MultiPrecision
import SecretSharing

/// Test-only helpers to build rings and elements from vector JSON (decimal strings).
protocol ParsableRing: SharingRing {
    func parse(_ text: String) -> Element
}

extension Ring64: ParsableRing {
    func parse(_ text: String) -> UInt64 { UInt64(text)! }
}

extension PrimeField64: ParsableRing {
    func parse(_ text: String) -> UInt64 { UInt64(text)! }
}

extension PrimeField: ParsableRing {
    func parse(_ text: String) -> BigInt { BigInt(text)! }
}

/// A ring or field as described in a vector file: `{"type": "ring64" | "primefield64" | "primefield", "p": "…"}`.
struct RingDescriptor: Codable, Sendable, CustomStringConvertible {
    let type: String
    let p: String?

    var primeField64: PrimeField64? { type == "primefield64" ? PrimeField64(prime: UInt64(p!)!) : nil }
    var primeField: PrimeField? { type == "primefield" ? PrimeField(prime: BigInt(p!)!) : nil }
    var description: String { p.map { "\(type)(p: \($0))" } ?? type }
}

/// The vector error names of protocols/secret-sharing.md#errors.
func errorName(_ error: any Error) -> String {
    guard let error = error as? SharingError else { return "\(error)" }
    return switch error {
    case .invalidPartyCount: "invalidPartyCount"
    case .invalidThreshold: "invalidThreshold"
    case .tooManyParties: "tooManyParties"
    case .noShares: "noShares"
    case .shareLengthMismatch: "shareLengthMismatch"
    case .tooFewShares: "tooFewShares"
    case .zeroEvaluationPoint: "zeroEvaluationPoint"
    case .evaluationPointOutOfRange: "evaluationPointOutOfRange"
    case .duplicateEvaluationPoint: "duplicateEvaluationPoint"
    case .nonCanonicalElement: "nonCanonicalElement"
    case .invalidSeedLength: "invalidSeedLength"
    case .invalidCount: "invalidCount"
    case .invalidCoefficientCount: "invalidCoefficientCount"
    case .cryptoFailure: "cryptoFailure"
    case .triplesExhausted: "triplesExhausted"
    case .randomBitsExhausted: "randomBitsExhausted"
    }
}
