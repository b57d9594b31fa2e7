/// A circuit cut at its **opening frontier** (spec: protocols/contract-language.md §8.7): the
/// largest part that an aggregation protocol can evaluate on secrets — the wires that are
/// integer-affine in the members' summed inputs (`sum_inputs`, `const`, `add`, `sub`, integer
/// `mulc`) — and the rest, evaluated in the clear on the values opened at the frontier.
///
/// A member contributes the linear part of every opened wire on its own partials; the protocol
/// sums the contributions; the revealer adds the constants and runs ``finalisation``.
public struct OpeningSplit: Sendable, Hashable {
    /// The opened wires, in gate order: affine in the summed inputs and read by a gate that is not.
    public let openedWires: [Int]
    /// The opened wires whose value is more than a revealed output: read by anything other than
    /// the value operand of an ungated `reveal` (a `div`, `mul`, `ge`, `sqrt`, a validity or
    /// suppression operand…). Opening them discloses sums beyond the outputs (spec §7.5).
    public let disclosedWires: [Int]
    /// Live `min_inputs`/`max_inputs` gates: comparisons among the members' own values, which no
    /// opening of sums can replace.
    public let comparisonGates: [Int]
    /// The circuit evaluated after opening: one input slot per opened wire (in `openedWires`
    /// order), read by `sum_inputs` from a single input vector; the original gate indices and
    /// reveal metadata are kept, and every gate below the frontier becomes `const 0`.
    public let finalisation: Circuit

    /// True when nothing but the revealed outputs themselves is opened.
    public var opensOutputsOnly: Bool { disclosedWires.isEmpty }
}

extension Circuit {
    /// Cuts the circuit at its opening frontier (spec §8.7). Only gates that some `reveal` depends
    /// on are considered.
    public var openingSplit: OpeningSplit {
        let count = gates.count
        var live = [Bool](repeating: false, count: count)
        for index in stride(from: count - 1, through: 0, by: -1) where gates[index].opcode == .reveal || live[index] {
            live[index] = true
            for operand in gates[index].operands { live[operand] = true }
        }
        var affine = [Bool](repeating: false, count: count)
        var dependsOnInputs = [Bool](repeating: false, count: count)
        for (index, gate) in gates.enumerated() {
            dependsOnInputs[index] = gate.opcode.readsInputs || gate.operands.contains { dependsOnInputs[$0] }
            let integerConstant: Bool
            if case .integer = gate.constant { integerConstant = true } else { integerConstant = gate.constant == nil }
            switch gate.opcode {
            case .sumInputs, .constant, .add, .subtract, .multiplyConstant:
                affine[index] = gate.kind == .integer && integerConstant && gate.operands.allSatisfy { affine[$0] }
            default:
                affine[index] = false
            }
        }
        // Frontier candidates: live affine, input-dependent wires read by a gate that is not affine.
        var candidate = [Bool](repeating: false, count: count)
        var disclosed = Set<Int>()
        var comparisons: [Int] = []
        for (index, gate) in gates.enumerated() where live[index] {
            if gate.opcode == .minInputs || gate.opcode == .maxInputs { comparisons.append(index) }
            guard !affine[index] else { continue }
            for (position, operand) in gate.operands.enumerated() where affine[operand] && dependsOnInputs[operand] {
                candidate[operand] = true
                let ungatedRevealValue = gate.opcode == .reveal && position == 0 && gate.operands.count == 1
                if !ungatedRevealValue { disclosed.insert(operand) }
            }
        }
        // A wire computable in the clear from wires already opened (`-1 × count()`, `n - 1`) is
        // not opened again: the protocol vector holds no redundant value.
        var clear = [Bool](repeating: false, count: count)
        var opened: [Int] = []
        for index in 0..<count where affine[index] && dependsOnInputs[index] {
            let derivable = !gates[index].opcode.readsInputs
                && gates[index].operands.allSatisfy { clear[$0] || !dependsOnInputs[$0] }
            if derivable {
                clear[index] = true
            } else if candidate[index] {
                clear[index] = true
                opened.append(index)
            }
        }
        let openedWires = opened
        let slotOf = Dictionary(uniqueKeysWithValues: openedWires.enumerated().map { ($1, $0) })
        var finalGates = gates
        for (index, gate) in gates.enumerated() {
            if let slot = slotOf[index] {
                finalGates[index] = Gate(.sumInputs, kind: .integer, slot: slot)
            } else if affine[index] && dependsOnInputs[index] && !clear[index] || gate.opcode.readsInputs {
                finalGates[index] = Gate(.constant, kind: gate.kind, constant: .integer(0))
            }
        }
        return OpeningSplit(
            openedWires: openedWires, disclosedWires: openedWires.filter(disclosed.contains), comparisonGates: comparisons,
            finalisation: Circuit(inputWidth: openedWires.count, gates: finalGates))
    }
}

extension Circuit {
    /// Evaluates affine wires (`sum_inputs`, `const`, `add`, `sub`, integer `mulc`) on one input
    /// vector, exactly: a member's contribution to the opened values (without constants, so that
    /// the revealer adds them once), or the constants themselves (on an all-zero input).
    /// - Parameters:
    ///   - wires: The wires to return, e.g. ``OpeningSplit/openedWires``.
    ///   - input: One partial-aggregate vector (or the members' sum).
    ///   - includingConstants: Whether `const` gates count (otherwise they read as 0).
    /// - Returns: One value per wire.
    /// - Throws: `CircuitError.inputLengthMismatch`, `.overflow` on 128-bit overflow.
    public func evaluateAffine(_ wires: [Int], on input: [Int128], includingConstants: Bool) throws(CircuitError)
        -> [Int128]
    {
        guard input.count == inputWidth else { throw .inputLengthMismatch(expected: inputWidth, found: input.count) }
        var values = [Int128](repeating: 0, count: gates.count)
        for (index, gate) in gates.enumerated() {
            let result: (Int128, Bool)
            switch (gate.opcode, gate.constant) {
            case (.sumInputs, _):
                result = (input[gate.slot!], false)
            case (.constant, .integer(let c)?):
                result = (includingConstants ? c : 0, false)
            case (.add, _):
                result = values[gate.operands[0]].addingReportingOverflow(values[gate.operands[1]])
            case (.subtract, _):
                result = values[gate.operands[0]].subtractingReportingOverflow(values[gate.operands[1]])
            case (.multiplyConstant, .integer(let c)?):
                result = values[gate.operands[0]].multipliedReportingOverflow(by: c)
            default:
                continue
            }
            if result.1 { throw .overflow(gate: index) }
            values[index] = result.0
        }
        return wires.map { values[$0] }
    }
}
