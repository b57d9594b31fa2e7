import CryptoPrimitives
import Testing
import _TestSupport

/// One file under `protocols/primitives/vectors/v1/`.
struct VectorFile<Case: Decodable & Sendable>: Decodable, Sendable {
    let algorithm: String
    let source: String
    let cases: [Case]
}

/// Loads the cases of `protocols/primitives/vectors/v1/<name>`.
func loadCases<Case: Decodable & Sendable>(_ type: Case.Type, _ name: String) throws -> [Case] {
    try Vectors.load(VectorFile<Case>.self, from: "protocols/primitives/vectors/v1/\(name)").cases
}

/// Decodes a hex field of a vector, recording an issue when it is malformed.
func bytes(_ hex: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [UInt8] {
    try #require([UInt8](hex: hex), "malformed hex in vector", sourceLocation: sourceLocation)
}

/// The case name of a `CryptoError`, as the vectors' `error` field spells it.
func caseName(_ error: any Error) -> String {
    guard let error = error as? CryptoError else { return "not a CryptoError: \(error)" }
    return switch error {
    case .invalidKeyLength: "invalidKeyLength"
    case .invalidNonceLength: "invalidNonceLength"
    case .invalidSignatureLength: "invalidSignatureLength"
    case .invalidTagLength: "invalidTagLength"
    case .invalidSealedBoxLength: "invalidSealedBoxLength"
    case .invalidOutputLength: "invalidOutputLength"
    case .authenticationFailure: "authenticationFailure"
    case .invalidPublicKey: "invalidPublicKey"
    case .allZeroSharedSecret: "allZeroSharedSecret"
    case .libcryptoFailure: "libcryptoFailure"
    }
}

/// Runs `body` and returns the name of the `CryptoError` it throws, or nil if it returns.
func thrownCaseName<R>(_ body: () throws -> R) -> String? {
    do {
        _ = try body()
        return nil
    } catch {
        return caseName(error)
    }
}

/// Vector cases read as "tcId desc" in test reports.
protocol NamedCase: CustomTestStringConvertible {
    var tcId: Int { get }
    var desc: String { get }
}

extension NamedCase {
    var testDescription: String { "\(tcId) \(desc)" }
}
