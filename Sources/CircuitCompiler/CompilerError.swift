public import ContractLanguage

/// The one error type of `CircuitCompiler`.
public enum CompilerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The contract does not parse or type-check; the diagnostics say why.
    case invalidContract([Diagnostic])
    /// A data file or row does not match the contract's input declaration.
    case invalidData(String)
    /// Fewer members than `require participants >= k` asks for (spec §7.2).
    case insufficientParticipants(required: Int64, found: Int)
    /// Exact 128-bit arithmetic overflowed while aggregating (spec §8.4).
    case overflow(String)

    /// Human-readable summary.
    public var description: String {
        switch self {
        case .invalidContract(let diagnostics): return diagnostics.map(\.description).joined(separator: "\n")
        case .invalidData(let reason): return "invalid data: \(reason)"
        case .insufficientParticipants(let required, let found):
            return "the contract requires at least \(required) participants, but \(found) took part"
        case .overflow(let reason): return "arithmetic overflow: \(reason)"
        }
    }
}
