public import Circuit
public import CircuitCompiler
public import ContractLanguage

/// How a linear contract runs on an aggregation protocol (additive, secagg, paillier): every
/// revealed value is an affine function `A·S + b` of the summed partial-aggregate vector `S`, so
/// each member evaluates the linear part on its own partials (`A·x_u`), the protocol sums those
/// contributions, and the revealer adds the public constants `b`. Only the revealed values are
/// ever opened — never the partial aggregates behind them. Spec: protocols/runtime.md#reveal.
///
/// Refuses contracts that need more than additions (multiplication, comparison, division,
/// per-group suppression): those need protocol `beaver`, which is not implemented yet.
public struct AggregationPlan: Sendable {
    /// The reveal gates' metadata, one per aggregated slot, in gate order.
    public let reveals: [RevealInfo]
    /// The public constant part `b` of each revealed value (the circuit on all-zero inputs).
    public let constants: [Int128]
    /// The circuit's gates.
    private let gates: [Gate]
    /// Operand wire of each reveal gate.
    private let revealWires: [Int]
    /// The partial-aggregate vector length.
    public let inputWidth: Int

    /// The number of values each member contributes (and the protocol sums): one per reveal.
    public var vectorLength: Int { reveals.count }

    /// Plans a compiled contract.
    /// - Parameter compiled: The contract.
    /// - Throws: ``RuntimeError`` `unsupportedContract`, naming every output and requirement
    ///   that needs more than additions, or a real-valued output.
    public init(_ compiled: CompiledContract) throws(RuntimeError) {
        if let reasons = AggregationPlan.unsupportedReasons(compiled) {
            throw RuntimeError(
                .unsupportedContract,
                "contract \(compiled.contract.syntax.name.text) needs protocol beaver (Beaver multiplication with secure comparison), which is not implemented yet; the implemented protocols (additive, secagg, paillier) only add secret values: "
                    + reasons.joined(separator: "; "))
        }
        let circuit = compiled.circuit
        var reveals: [RevealInfo] = []
        var wires: [Int] = []
        for gate in circuit.gates where gate.opcode == .reveal {
            guard let info = gate.reveal, let wire = gate.operands.first else { continue }
            guard circuit.gates[wire].kind == .integer else {
                throw RuntimeError(
                    .unsupportedContract,
                    "output '\(info.output)' is real-valued; the aggregation protocols open exact integers only (protocols/runtime.md#reveal)")
            }
            reveals.append(info)
            wires.append(wire)
        }
        self.reveals = reveals
        self.revealWires = wires
        self.gates = circuit.gates
        self.inputWidth = circuit.inputWidth
        do {
            self.constants = try AggregationPlan.evaluate(
                gates: circuit.gates, wires: wires, input: [Int128](repeating: 0, count: circuit.inputWidth),
                includeConstants: true)
        } catch {
            throw RuntimeError(.valueOutOfRange, "the contract's constants overflow 128 bits")
        }
    }

    /// Why a contract cannot run on an aggregation protocol, or nil if it can.
    /// - Parameter compiled: The contract.
    /// - Returns: One phrase per output or requirement that needs more than additions.
    public static func unsupportedReasons(_ compiled: CompiledContract) -> [String]? {
        let contract = compiled.contract
        let needed = contract.neededOutputs
        var reasons: [String] = []
        for output in contract.outputs where needed.contains(output.name) {
            if let reason = output.nonlinearReason { reasons.append("output '\(output.name)' needs \(reason)") }
        }
        for clause in contract.suppression {
            reasons.append(
                "'require \(clause.output) >= \(clause.minimum) per group' suppresses small groups by comparing a secret count with \(clause.minimum), and only the suppression bit may be opened, never the count (protocols/contract-language.md §7.2), so it needs secure comparison")
        }
        let nonlinearGates = compiled.circuit.gates.filter { $0.opcode.capability != .linear }
        if reasons.isEmpty && !nonlinearGates.isEmpty {
            let names = Set(nonlinearGates.map(\.opcode.rawValue)).sorted()
            reasons.append("the circuit uses \(names.joined(separator: ", ")) gates")
        }
        return reasons.isEmpty ? nil : reasons
    }

    /// A member's contribution: the linear part `A·x` of every revealed value on its own partials.
    /// - Parameter partials: The member's partial-aggregate vector.
    /// - Returns: One value per reveal.
    /// - Throws: ``RuntimeError`` `valueOutOfRange` on 128-bit overflow, `inputRejected` for a
    ///   vector of the wrong length.
    public func contribution(of partials: [Int128]) throws(RuntimeError) -> [Int128] {
        guard partials.count == inputWidth else {
            throw RuntimeError(.inputRejected, "the partial-aggregate vector has \(partials.count) values, the plan needs \(inputWidth)")
        }
        do {
            return try AggregationPlan.evaluate(gates: gates, wires: revealWires, input: partials, includeConstants: false)
        } catch {
            throw RuntimeError(.valueOutOfRange, "a revealed value overflows 128 bits")
        }
    }

    /// The largest contribution magnitude a member may submit among `members` so that the sum
    /// can never wrap the protocols' 64-bit ring: `⌊(2^63 − 1) / members⌋`.
    /// - Parameter members: The session's member count.
    /// - Returns: The bound.
    public static func contributionBound(members: Int) -> Int128 { Int128(Int64.max) / Int128(max(1, members)) }

    /// Encodes a contribution into `Z_2^64` (two's complement), checking the no-wrap bound.
    /// - Parameters:
    ///   - contribution: The member's values.
    ///   - members: The session's member count.
    /// - Returns: The protocol input.
    /// - Throws: ``RuntimeError`` `valueOutOfRange`, naming the output (never the value).
    public func encode(_ contribution: [Int128], members: Int) throws(RuntimeError) -> [UInt64] {
        let bound = AggregationPlan.contributionBound(members: members)
        var out: [UInt64] = []
        out.reserveCapacity(contribution.count)
        for (index, value) in contribution.enumerated() {
            guard value.magnitude <= bound.magnitude else {
                throw RuntimeError(
                    .valueOutOfRange,
                    "the contribution to output '\(reveals[index].output)' (group \(reveals[index].group)) exceeds ±\(bound), the bound that keeps a sum of \(members) contributions inside the protocols' signed 64-bit range")
            }
            out.append(UInt64(bitPattern: Int64(value)))
        }
        return out
    }

    /// The revealed values from the protocol's sum: each slot read as a signed 64-bit integer
    /// (exact by the contribution bound), plus its constant.
    /// - Parameter sum: The protocol output.
    /// - Returns: One exact value per reveal.
    public func values(fromSum sum: [UInt64]) -> [Int128] {
        zip(sum, constants).map { Int128(Int64(bitPattern: $0)) + $1 }
    }

    /// The contract result from the revealed values, through the circuit's own reveal semantics
    /// (a circuit of constants and reveal gates, evaluated by `Circuit.evaluate`).
    /// - Parameters:
    ///   - values: One value per reveal.
    ///   - contract: The checked contract.
    /// - Returns: The result, every output included.
    /// - Throws: ``RuntimeError`` `valueOutOfRange` if evaluation fails.
    public func result(values: [Int128], contract: CheckedContract) throws(RuntimeError) -> ContractResult {
        var gates: [Gate] = []
        for (info, value) in zip(reveals, values) {
            var plain = info
            plain.validity = nil
            plain.suppression = nil
            gates.append(Gate(.constant, constant: .integer(value)))
            gates.append(Gate(.reveal, [gates.count - 1], reveal: plain))
        }
        do {
            let revelations = try Circuit(inputWidth: 0, gates: gates).evaluate(memberInputs: [[]])
            return ContractResult(revelations: revelations, contract: contract)
        } catch {
            throw RuntimeError(.valueOutOfRange, "assembling the result failed: \(error)")
        }
    }

    /// Evaluates the linear gates; constants count only with `includeConstants`.
    private static func evaluate(gates: [Gate], wires: [Int], input: [Int128], includeConstants: Bool) throws -> [Int128] {
        var values = [Int128](repeating: 0, count: gates.count)
        for (index, gate) in gates.enumerated() {
            switch gate.opcode {
            case .sumInputs:
                values[index] = input[gate.slot!]
            case .constant:
                if includeConstants, case .integer(let c) = gate.constant { values[index] = c }
            case .add:
                let (v, o) = values[gate.operands[0]].addingReportingOverflow(values[gate.operands[1]])
                if o { throw RuntimeError(.valueOutOfRange, "overflow") }
                values[index] = v
            case .subtract:
                let (v, o) = values[gate.operands[0]].subtractingReportingOverflow(values[gate.operands[1]])
                if o { throw RuntimeError(.valueOutOfRange, "overflow") }
                values[index] = v
            case .multiplyConstant:
                guard case .integer(let c) = gate.constant else { continue }
                let (v, o) = values[gate.operands[0]].multipliedReportingOverflow(by: c)
                if o { throw RuntimeError(.valueOutOfRange, "overflow") }
                values[index] = v
            case .reveal:
                values[index] = values[gate.operands[0]]
            default:
                continue
            }
        }
        return wires.map { values[$0] }
    }
}
