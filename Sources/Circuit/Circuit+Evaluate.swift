/// A value on a wire in the plaintext evaluator.
public enum CircuitValue: Sendable, Hashable, CustomStringConvertible {
    /// Exact integer.
    case integer(Int128)
    /// Real (binary64).
    case real(Double)

    /// The value as a binary64.
    public var doubleValue: Double {
        switch self {
        case .integer(let v): return Double(v)
        case .real(let v): return v
        }
    }

    /// True unless the value is zero.
    public var isTrue: Bool {
        switch self {
        case .integer(let v): return v != 0
        case .real(let v): return v != 0
        }
    }

    /// `42` or `3.5`.
    public var description: String {
        switch self {
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        }
    }
}

/// What a reveal gate produced.
public enum RevealOutcome: Sendable, Hashable {
    /// The value (still in units of `10^-scale`).
    case value(CircuitValue)
    /// The output is undefined for this group (e.g. a mean over no rows).
    case undefined
    /// The group was suppressed by a `require … per group` clause.
    case suppressed
}

/// One revealed value.
public struct Revelation: Sendable, Hashable {
    /// Reveal metadata of the gate.
    public var info: RevealInfo
    /// The outcome.
    public var outcome: RevealOutcome

    /// A revelation (e.g. one a protocol engine opened on shares).
    /// - Parameters:
    ///   - info: The reveal gate's metadata.
    ///   - outcome: The outcome.
    public init(info: RevealInfo, outcome: RevealOutcome) {
        self.info = info
        self.outcome = outcome
    }
}

extension Circuit {
    /// Evaluates the circuit in the clear (spec §8.2): the reference semantics every protocol
    /// engine must reproduce on shares. Integer wires are exact (overflow throws, never wraps);
    /// real wires use binary64.
    /// - Parameter memberInputs: one partial-aggregate vector per member, each `inputWidth` long.
    /// - Returns: the reveals in gate order.
    /// - Throws: `CircuitError` on malformed circuits or inputs, or on overflow.
    public func evaluate(memberInputs: [[Int128]]) throws(CircuitError) -> [Revelation] {
        try validate()
        guard !memberInputs.isEmpty else { throw .noMembers }
        for vector in memberInputs where vector.count != inputWidth {
            throw .inputLengthMismatch(expected: inputWidth, found: vector.count)
        }
        var wires: [CircuitValue] = []
        wires.reserveCapacity(gates.count)
        var revelations: [Revelation] = []
        for (index, gate) in gates.enumerated() {
            let operands = gate.operands.map { wires[$0] }
            let result: CircuitValue
            switch gate.opcode {
            case .sumInputs:
                var total: Int128 = 0
                for vector in memberInputs {
                    let (sum, overflow) = total.addingReportingOverflow(vector[gate.slot!])
                    if overflow { throw .overflow(gate: index) }
                    total = sum
                }
                result = .integer(total)
            case .minInputs:
                result = .integer(memberInputs.map { $0[gate.slot!] }.min()!)
            case .maxInputs:
                result = .integer(memberInputs.map { $0[gate.slot!] }.max()!)
            case .constant:
                result = Circuit.value(gate.constant!)
            case .add, .subtract, .multiply:
                result = try Circuit.arithmetic(gate.opcode, operands[0], operands[1], gate: index)
            case .multiplyConstant:
                result = try Circuit.arithmetic(.multiply, operands[0], Circuit.value(gate.constant!), gate: index)
            case .greaterOrEqual:
                let ge: Bool
                if case .integer(let a) = operands[0], case .integer(let b) = operands[1] {
                    ge = a >= b
                } else {
                    ge = operands[0].doubleValue >= operands[1].doubleValue
                }
                result = .integer(ge ? 1 : 0)
            case .select:
                result = operands[0].isTrue ? operands[1] : operands[2]
            case .divide:
                let denominator = operands[1].doubleValue
                result = .real(denominator == 0 ? 0 : operands[0].doubleValue / denominator)
            case .squareRoot:
                let radicand = operands[0].doubleValue
                result = .real(radicand > 0 ? radicand.squareRoot() : 0)
            case .reveal:
                let info = gate.reveal!
                let outcome: RevealOutcome
                if let s = info.suppression, !wires[s].isTrue {
                    outcome = .suppressed
                } else if let v = info.validity, !wires[v].isTrue {
                    outcome = .undefined
                } else {
                    outcome = .value(operands[0])
                }
                revelations.append(Revelation(info: info, outcome: outcome))
                result = operands[0]
            }
            wires.append(result)
        }
        return revelations
    }

    private static func value(_ constant: CircuitConstant) -> CircuitValue {
        switch constant {
        case .integer(let v): return .integer(v)
        case .real(let v): return .real(v)
        }
    }

    private static func arithmetic(_ op: Opcode, _ a: CircuitValue, _ b: CircuitValue, gate: Int) throws(CircuitError)
        -> CircuitValue
    {
        if case .integer(let x) = a, case .integer(let y) = b {
            let (value, overflow): (Int128, Bool)
            switch op {
            case .add: (value, overflow) = x.addingReportingOverflow(y)
            case .subtract: (value, overflow) = x.subtractingReportingOverflow(y)
            default: (value, overflow) = x.multipliedReportingOverflow(by: y)
            }
            if overflow { throw .overflow(gate: gate) }
            return .integer(value)
        }
        let x = a.doubleValue, y = b.doubleValue
        switch op {
        case .add: return .real(x + y)
        case .subtract: return .real(x - y)
        default: return .real(x * y)
        }
    }
}
