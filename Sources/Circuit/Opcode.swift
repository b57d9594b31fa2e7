/// What a protocol must be able to do to evaluate a gate (spec: protocols/contract-language.md §8.2).
///
/// Ordered from cheapest to most expensive: `linear` gates (additions, multiplication by public
/// constants, opening) run under every protocol; the others need Beaver-style multiplication and
/// secure comparison.
public enum Capability: String, Sendable, Hashable, CaseIterable, Comparable, Codable {
    /// Additions, subtractions, multiplication by a public constant, opening a shared value.
    case linear
    /// Multiplication of two secret values (Beaver triples).
    case multiplication
    /// Secure comparison of secret values (Catrina–de Hoogh family).
    case comparison
    /// Secure fixed-point division and square root (built from multiplication and comparison).
    case division

    /// Cost order.
    public static func < (lhs: Capability, rhs: Capability) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The protocols a joint circuit can run under, with their capabilities (spec §8.2 and
/// protocols/<name>.md).
public enum ProtocolFamily: String, Sendable, Hashable, CaseIterable, Codable {
    /// n-of-n additive sharing over Z_2^64: linear only.
    case additive
    /// Bonawitz et al. secure aggregation: linear only, tolerates dropouts.
    case secagg
    /// Threshold Paillier: linear only, publicly verifiable.
    case paillier
    /// Beaver multiplication with secure comparison: every capability.
    case beaver

    /// What the protocol can evaluate.
    public var capabilities: Set<Capability> {
        switch self {
        case .additive, .secagg, .paillier: return [.linear]
        case .beaver: return Set(Capability.allCases)
        }
    }

    /// The cheapest protocol (in the order additive, secagg, paillier, beaver) whose capabilities
    /// cover `needed`; this is what `protocol auto` selects (spec §7.3).
    /// - Parameter needed: the circuit's capabilities.
    /// - Returns: the chosen protocol.
    public static func cheapest(covering needed: Set<Capability>) -> ProtocolFamily {
        allCases.first { needed.isSubset(of: $0.capabilities) } ?? .beaver
    }
}

/// The kind of value on a wire.
public enum WireKind: String, Sendable, Hashable, Codable {
    /// An exact integer (counts, sums in units of 10^-scale, bits).
    case integer
    /// A real number: fixed point in protocols, binary64 in the plaintext evaluator.
    case real
}

/// The one opcode table of the joint circuit (spec §8.2). Every property of an opcode — its
/// mnemonic, operand count, and the capability it needs — is defined here and nowhere else.
public enum Opcode: String, Sendable, Hashable, CaseIterable, Codable {
    /// `sum_inputs slot s`: Σ over members of their input vector's slot s.
    case sumInputs = "sum_inputs"
    /// `min_inputs slot s`: the minimum over members of slot s.
    case minInputs = "min_inputs"
    /// `max_inputs slot s`: the maximum over members of slot s.
    case maxInputs = "max_inputs"
    /// `const c`: a public constant.
    case constant = "const"
    /// `add a, b`.
    case add
    /// `sub a, b`: a − b.
    case subtract = "sub"
    /// `mulc a, c`: a × public constant c.
    case multiplyConstant = "mulc"
    /// `mul a, b`: product of two secret values.
    case multiply = "mul"
    /// `ge a, b`: 1 if a ≥ b else 0.
    case greaterOrEqual = "ge"
    /// `select b, x, y`: x if b ≠ 0 else y (b is a bit).
    case select
    /// `div a, b`: a / b as a real; 0 when b = 0 (the compiler guards every division with a
    /// validity bit, constant 0 for a literal zero divisor, so that the output is undefined).
    case divide = "div"
    /// `sqrt a`: √a as a real; 0 when a < 0.
    case squareRoot = "sqrt"
    /// `reveal v [valid g] [suppress s]`: opens v to the recipients, unless the suppression bit s
    /// is 0 (reported as suppressed) or the validity bit g is 0 (reported as undefined).
    case reveal

    /// The number of wire operands (reveal: 1 to 3, value then guards).
    public var arity: ClosedRange<Int> {
        switch self {
        case .sumInputs, .minInputs, .maxInputs, .constant: return 0...0
        case .multiplyConstant, .squareRoot: return 1...1
        case .add, .subtract, .multiply, .greaterOrEqual, .divide: return 2...2
        case .select: return 3...3
        case .reveal: return 1...3
        }
    }

    /// The capability a protocol needs to evaluate this gate on secret operands.
    public var capability: Capability {
        switch self {
        case .sumInputs, .constant, .add, .subtract, .multiplyConstant, .reveal: return .linear
        case .multiply, .select: return .multiplication
        case .minInputs, .maxInputs, .greaterOrEqual: return .comparison
        case .divide, .squareRoot: return .division
        }
    }

    /// True for gates that read the members' input vectors.
    public var readsInputs: Bool { self == .sumInputs || self == .minInputs || self == .maxInputs }
}
