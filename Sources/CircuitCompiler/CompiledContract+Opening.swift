import Circuit

extension CompiledContract {
    /// A readable name for each opened wire (spec §8.7), in `opening.openedWires` order: the
    /// revealed output it is (`output 'n' group 2`), or the sum it is, spelled over the local
    /// plan's partials (`sum(salary) group 1`, `count() - 3 × sum(flag) group 0`).
    public var openedValueNames: [String] {
        let revealedValue = Dictionary(
            circuit.gates.compactMap { gate -> (Int, RevealInfo)? in
                guard gate.opcode == .reveal, gate.operands.count == 1, let info = gate.reveal else { return nil }
                return (gate.operands[0], info)
            }, uniquingKeysWith: { first, _ in first })
        let disclosed = Set(opening.disclosedWires)
        var spelling = Spelling(self)
        return opening.openedWires.map { wire in
            if let info = revealedValue[wire], !disclosed.contains(wire) {
                return "output '\(info.output)'\(info.element.map { "[\($0)]" } ?? "") group \(info.group)"
            }
            let (text, group) = spelling.name(of: wire)
            return group.map { "\(text) group \($0)" } ?? text
        }
    }

    /// The names of the sums an aggregation protocol opens beyond the revealed outputs (spec
    /// §7.5); empty when only outputs are opened, or when the protocol is `beaver`.
    public var disclosedSumNames: [String] {
        guard protocolFamily != .beaver else { return [] }
        let disclosed = Set(opening.disclosedWires)
        return zip(opening.openedWires, openedValueNames).filter { disclosed.contains($0.0) }.map(\.1)
    }
}

/// Spells affine wires over the partials they sum, in time linear in the circuit: each wire's
/// spelling is built once from its operands', and a wire over more than `maximumTerms` partials
/// (a cumulative quantile count over thousands of buckets) is named by its public factor, its
/// number of partials and its first and last partial instead of every term.
private struct Spelling {
    static let maximumTerms = 8

    struct Entry {
        var text: String?
        var terms: Int
        var first: String
        var last: String
        var group: Int?
        /// Public factors applied to a combination too long to spell (`10 × `).
        var factor = ""
    }

    let contract: CompiledContract
    var entries: [Int: Entry] = [:]

    init(_ contract: CompiledContract) { self.contract = contract }

    /// The name of an opened wire and the group of its first partial.
    mutating func name(of wire: Int) -> (String, Int?) {
        let entry = self.entry(wire)
        if let text = entry.text { return (text, entry.group) }
        return ("\(entry.factor)(a combination of \(entry.terms) partials, \(entry.first) … \(entry.last))", entry.group)
    }

    /// Builds entries bottom-up (operands before the gates that read them), without recursion.
    mutating func entry(_ wire: Int) -> Entry {
        if let known = entries[wire] { return known }
        var stack = [wire]
        while let top = stack.last {
            let pending = contract.circuit.gates[top].operands.filter { entries[$0] == nil }
            if !pending.isEmpty && Self.isAffine(contract.circuit.gates[top].opcode) {
                stack.append(contentsOf: pending)
                continue
            }
            stack.removeLast()
            if entries[top] == nil { entries[top] = make(top) }
        }
        return entries[wire]!
    }

    static func isAffine(_ opcode: Opcode) -> Bool { [.add, .subtract, .multiplyConstant].contains(opcode) }

    func make(_ wire: Int) -> Entry {
        let gate = contract.circuit.gates[wire]
        func leaf(_ text: String, group: Int? = nil) -> Entry { Entry(text: text, terms: 1, first: text, last: text, group: group) }
        switch gate.opcode {
        case .sumInputs:
            let width = max(contract.localPlan.partials.count, 1)
            let slot = gate.slot ?? 0
            return leaf(contract.localPlan.partials[slot % width].description, group: slot / width)
        case .constant:
            return leaf(gate.constant?.description ?? "0")
        case .add, .subtract:
            guard let a = entries[gate.operands[0]], let b = entries[gate.operands[1]] else { return leaf("w\(wire)") }
            let terms = a.terms + b.terms
            var text: String?
            if terms <= Self.maximumTerms, let x = a.text, let y = b.text {
                text = gate.opcode == .add ? "\(x) + \(y)" : "\(x) - (\(y))"
            }
            return Entry(text: text, terms: terms, first: a.first, last: b.last, group: a.group ?? b.group)
        case .multiplyConstant:
            guard let a = entries[gate.operands[0]] else { return leaf("w\(wire)") }
            let factor = gate.constant?.description ?? "?"
            return Entry(
                text: a.text.map { "\(factor) × (\($0))" }, terms: a.terms, first: a.first, last: a.last, group: a.group,
                factor: "\(factor) × " + a.factor)
        default:
            return leaf("w\(wire)")
        }
    }
}
