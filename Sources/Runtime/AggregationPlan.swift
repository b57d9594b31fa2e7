public import Circuit
public import CircuitCompiler
public import ContractLanguage
import MPCProtocols

/// How a contract runs on an aggregation protocol (additive, secagg, paillier), spec
/// protocols/runtime.md#reveal: the circuit is cut at its opening frontier
/// (protocols/contract-language.md §8.7); every opened value is an affine function `A·S + b` of
/// the summed partial-aggregate vector `S`, so each member evaluates the linear part on its own
/// partials (`A·x_u`), the protocol sums those contributions, the revealer adds the public
/// constants `b` and evaluates the rest of the circuit (division, square roots, products,
/// suppression) in the clear on the opened values.
///
/// Without `disclose sums` only the revealed outputs themselves may be opened; a contract whose
/// outputs need more (or any contract needing a minimum or maximum of the members' own values)
/// needs protocol `beaver`.
///
/// Under `beaver` (protocols/beaver.md#evaluating-a-circuit) nothing is cut: each member's
/// protocol input is its whole partial-aggregate vector, the members evaluate the entire circuit
/// on shares, and only the reveal gates' outcomes are opened (`disclose sums` opens nothing then).
public struct AggregationPlan: Sendable {
    /// True under protocol `beaver`: the circuit runs on shares and the plan only encodes inputs
    /// and reads the revealed outcomes.
    public let onShares: Bool
    /// Every reveal gate's metadata, in gate order.
    public let reveals: [RevealInfo]
    /// A readable name for each opened value (for errors; never a value).
    public let openedNames: [String]
    /// The public constant part `b` of each opened value (the circuit on all-zero inputs).
    public let constants: [Int128]
    /// The joint circuit.
    private let circuit: Circuit
    /// The opened wires.
    private let openedWires: [Int]
    /// The circuit evaluated in the clear on the opened values.
    private let finalisation: Circuit
    /// The partial-aggregate vector length.
    public let inputWidth: Int
    /// Each output slot's recipients, in the contract's spelling: the recipients of every reveal
    /// gate that depends on the slot (``AggregationPlan+Slots``).
    public let slotRecipients: [[String]]
    /// The slots each output is computed from (``AggregationPlan+Slots``).
    let slotsByOutput: [String: Set<Int>]
    /// Whether the contract says `disclose sums` (every opened sum is public outside `beaver`).
    let disclosesSums: Bool

    /// The number of values each member contributes: one per opened wire, or under `beaver` two
    /// 64-bit words per partial aggregate.
    public var vectorLength: Int { onShares ? 2 * inputWidth : openedWires.count }

    /// Plans a compiled contract.
    /// - Parameters:
    ///   - compiled: The contract.
    ///   - family: The protocol of the run (nil: one of the aggregation protocols).
    /// - Throws: ``RuntimeError`` `unsupportedContract`, naming every output and requirement
    ///   that needs more than the protocol can evaluate.
    public init(_ compiled: CompiledContract, family: ProtocolFamily? = nil) throws(RuntimeError) {
        onShares = family == .beaver
        if !onShares, let reasons = AggregationPlan.unsupportedReasons(compiled) {
            var message = "contract \(compiled.contract.syntax.name.text) needs protocol beaver (Beaver multiplication with secure comparison); the aggregation protocols (additive, secagg, paillier) only add secret values: "
                + reasons.joined(separator: "; ")
            if !compiled.contract.disclosesSums && compiled.opening.comparisonGates.isEmpty {
                message += "; or add 'disclose sums' to the contract to open the sums these are computed from to every participant and compute the rest in the clear (protocols/contract-language.md §7.5)"
            }
            throw RuntimeError(.unsupportedContract, message)
        }
        let circuit = compiled.circuit
        self.reveals = circuit.gates.compactMap { $0.opcode == .reveal ? $0.reveal : nil }
        self.openedWires = compiled.opening.openedWires
        self.openedNames = compiled.openedValueNames
        self.finalisation = compiled.opening.finalisation
        self.circuit = circuit
        self.inputWidth = circuit.inputWidth
        self.disclosesSums = compiled.contract.disclosesSums
        self.slotRecipients = onShares
            ? reveals.flatMap { [$0.recipients.sorted(), $0.recipients.sorted()] }
            : Self.recipientsBySlot(compiled.opening.finalisation, slots: compiled.opening.openedWires.count)
        self.slotsByOutput = onShares
            ? reveals.enumerated().reduce(into: [String: Set<Int>]()) { $0[$1.element.output, default: []].formUnion([2 * $1.offset, 2 * $1.offset + 1]) }
            : Self.slotsByOutput(compiled.opening.finalisation, slots: compiled.opening.openedWires.count)
        if onShares {
            constants = []
            return
        }
        do {
            self.constants = try circuit.evaluateAffine(
                compiled.opening.openedWires, on: [Int128](repeating: 0, count: circuit.inputWidth),
                includingConstants: true)
        } catch {
            throw RuntimeError(.valueOutOfRange, "the contract's constants overflow 128 bits")
        }
    }

    /// Why a contract cannot run on an aggregation protocol, or nil if it can.
    /// - Parameter compiled: The contract.
    /// - Returns: One phrase per output or requirement that needs more than the protocols open.
    public static func unsupportedReasons(_ compiled: CompiledContract) -> [String]? {
        let split = compiled.opening
        let contract = compiled.contract
        if split.comparisonGates.isEmpty && (split.opensOutputsOnly || contract.disclosesSums) { return nil }
        let needed = contract.outputs.filter { contract.neededOutputs.contains($0.name) }
        var reasons: [String] = []
        if contract.disclosesSums {
            for output in needed {
                let extrema = output.extrema.map(\.rawValue)
                if !extrema.isEmpty {
                    reasons.append(
                        "output '\(output.name)' needs secure comparison (\(extrema.joined(separator: ", "))) of the members' own values, which no disclosure of sums provides")
                }
            }
        } else {
            for output in needed {
                if let reason = output.nonlinearReason { reasons.append("output '\(output.name)' needs \(reason)") }
            }
            for clause in contract.suppression {
                reasons.append(
                    "'require \(clause.output) >= \(clause.minimum) per group' suppresses small groups by comparing a secret count with \(clause.minimum), and only the suppression bit may be opened, never the count (protocols/contract-language.md §7.2), so it needs secure comparison")
            }
        }
        if reasons.isEmpty {
            let names = Set(compiled.circuit.gates.map(\.opcode).filter { $0.capability != .linear }.map(\.rawValue)).sorted()
            reasons.append("the circuit uses \(names.joined(separator: ", ")) gates")
        }
        return reasons
    }

    /// A member's protocol input from its partial-aggregate vector: under `beaver` the vector
    /// itself, each value as two big-endian 64-bit words (high, low); otherwise its contribution
    /// ``contribution(of:)`` encoded by ``encode(_:members:)``.
    /// - Parameters:
    ///   - partials: The member's partial-aggregate vector.
    ///   - members: The session's member count.
    /// - Returns: The words it commits to and feeds the protocol.
    /// - Throws: ``RuntimeError`` as ``contribution(of:)`` and ``encode(_:members:)``.
    public func protocolInput(partials: [Int128], members: Int) throws(RuntimeError) -> [UInt64] {
        guard onShares else { return try encode(contribution(of: partials), members: members) }
        guard partials.count == inputWidth else {
            throw RuntimeError(.inputRejected, "the partial-aggregate vector has \(partials.count) values, the plan needs \(inputWidth)")
        }
        return Self.words(partials.map { UInt128(bitPattern: $0) })
    }

    /// Field elements as two big-endian words each (high, low): how a `beaver` session's opened
    /// values travel in ``AggregateOutput/sum``.
    /// - Parameter elements: The elements.
    /// - Returns: The words.
    static func words(_ elements: [UInt128]) -> [UInt64] {
        elements.flatMap { [UInt64(truncatingIfNeeded: $0 >> 64), UInt64(truncatingIfNeeded: $0)] }
    }

    /// The partial-aggregate vector a `beaver` protocol input encodes (``protocolInput(partials:members:)``).
    /// - Parameter words: Two words per value.
    /// - Returns: The values.
    public static func partials(fromWords words: [UInt64]) -> [Int128] {
        stride(from: 0, to: words.count - 1, by: 2).map { i in
            Int128(bitPattern: UInt128(words[i]) << 64 | UInt128(words[i + 1]))
        }
    }

    /// The contract result from what the protocol output: the revealed outcomes under `beaver`,
    /// otherwise ``result(values:contract:)`` of the opened sums.
    /// - Parameters:
    ///   - output: The protocol's output.
    ///   - contract: The checked contract.
    /// - Returns: The result, every output included.
    /// - Throws: ``RuntimeError`` `valueOutOfRange` if assembly fails or a `beaver` output carries
    ///   no revelations.
    public func result(from output: AggregateOutput, contract: CheckedContract) throws(RuntimeError) -> ContractResult {
        guard onShares else { return try result(values: values(fromSum: output.sum), contract: contract) }
        let opened = stride(from: 0, to: output.sum.count - 1, by: 2).map { UInt128(output.sum[$0]) << 64 | UInt128(output.sum[$0 + 1]) }
        do {
            return ContractResult(revelations: try CircuitGate.revelations(from: opened, circuit: circuit), contract: contract)
        } catch {
            throw RuntimeError(.valueOutOfRange, "the beaver session's opened values are not one status and value per reveal gate")
        }
    }

    /// The public result (outputs revealed to `all`) from the protocol's output; the restricted
    /// slots (masked by their recipients' pads) are neutralised first, so they never enter it.
    /// - Parameters:
    ///   - output: The protocol's output.
    ///   - contract: The checked contract.
    /// - Returns: The public result.
    /// - Throws: as ``result(from:contract:)``.
    public func publicResult(from output: AggregateOutput, contract: CheckedContract) throws(RuntimeError) -> ContractResult {
        var public_ = output
        public_.sum = neutralised(output.sum, keeping: isPublic)
        let full = try result(from: public_, contract: contract)
        return full.restricted(to: publicOutputs(among: full.outputNames))
    }

    /// A member's contribution: the linear part `A·x` of every opened value on its own partials.
    /// - Parameter partials: The member's partial-aggregate vector.
    /// - Returns: One value per opened wire.
    /// - Throws: ``RuntimeError`` `valueOutOfRange` on 128-bit overflow, `inputRejected` for a
    ///   vector of the wrong length.
    public func contribution(of partials: [Int128]) throws(RuntimeError) -> [Int128] {
        guard partials.count == inputWidth else {
            throw RuntimeError(.inputRejected, "the partial-aggregate vector has \(partials.count) values, the plan needs \(inputWidth)")
        }
        do {
            return try circuit.evaluateAffine(openedWires, on: partials, includingConstants: false)
        } catch {
            throw RuntimeError(.valueOutOfRange, "an opened value overflows 128 bits")
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
                    "the contribution to \(openedNames[index]) exceeds ±\(bound), the bound that keeps a sum of \(members) contributions inside the protocols' signed 64-bit range")
            }
            out.append(UInt64(bitPattern: Int64(value)))
        }
        return out
    }

    /// The opened values from the protocol's sum: each slot read as a signed 64-bit integer
    /// (exact by the contribution bound), plus its constant.
    /// - Parameter sum: The protocol output.
    /// - Returns: One exact value per opened wire.
    /// - Throws: ``RuntimeError`` `valueOutOfRange` when a slot plus its constant overflows 128
    ///   bits (a contract's constants may come close to the limit).
    public func values(fromSum sum: [UInt64]) throws(RuntimeError) -> [Int128] {
        var out: [Int128] = []
        out.reserveCapacity(min(sum.count, constants.count))
        for (index, (slot, constant)) in zip(sum, constants).enumerated() {
            let (value, overflow) = Int128(Int64(bitPattern: slot)).addingReportingOverflow(constant)
            if overflow { throw RuntimeError(.valueOutOfRange, "the opened value \(openedNames[index]) overflows 128 bits") }
            out.append(value)
        }
        return out
    }

    /// The contract result from the opened values: the circuit above the opening frontier,
    /// evaluated in the clear by `Circuit.evaluate` (divisions, square roots, products, validity
    /// and suppression bits, then the reveal gates' own semantics).
    /// - Parameters:
    ///   - values: One value per opened wire.
    ///   - contract: The checked contract.
    /// - Returns: The result, every output included.
    /// - Throws: ``RuntimeError`` `valueOutOfRange` if evaluation fails.
    public func result(values: [Int128], contract: CheckedContract) throws(RuntimeError) -> ContractResult {
        do {
            let revelations = try finalisation.evaluate(memberInputs: [values])
            return ContractResult(revelations: revelations, contract: contract)
        } catch {
            throw RuntimeError(.valueOutOfRange, "assembling the result failed: \(error)")
        }
    }

    /// The outputs among `names` that some reveal clause opens to `all` (what the ledger records).
    /// - Parameter names: Output names.
    /// - Returns: Those revealed to every participant.
    public func publicOutputs(among names: [String]) -> [String] {
        let toAll = Set(reveals.filter { $0.recipients.contains("all") }.map(\.output))
        return names.filter(toAll.contains)
    }

    /// The public result (outputs revealed to `all`) from the protocol's sum: what a run records
    /// as its revealed values, and what the auditor recomputes from decryption evidence (the
    /// restricted slots, masked by their recipients' pads, are neutralised first).
    /// - Parameters:
    ///   - sum: The protocol output.
    ///   - contract: The checked contract.
    /// - Returns: The public result.
    /// - Throws: ``RuntimeError`` `valueOutOfRange` if evaluation fails.
    public func publicResult(fromSum sum: [UInt64], contract: CheckedContract) throws(RuntimeError) -> ContractResult {
        let full = try result(values: values(fromSum: neutralised(sum, keeping: isPublic)), contract: contract)
        return full.restricted(to: publicOutputs(among: full.outputNames))
    }
}
