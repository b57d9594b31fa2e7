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
        return opening.openedWires.map { wire in
            if let info = revealedValue[wire], !opening.disclosedWires.contains(wire) {
                return "output '\(info.output)'\(info.element.map { "[\($0)]" } ?? "") group \(info.group)"
            }
            var group: Int?
            let text = spell(wire, group: &group)
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

    /// Spells an affine wire over the partials it sums; records the group of the first partial.
    private func spell(_ wire: Int, group: inout Int?) -> String {
        let gate = circuit.gates[wire]
        switch gate.opcode {
        case .sumInputs:
            let width = localPlan.partials.count
            let slot = gate.slot ?? 0
            if group == nil { group = slot / max(width, 1) }
            return localPlan.partials[slot % max(width, 1)].description
        case .constant:
            return gate.constant?.description ?? "0"
        case .add:
            return "\(spell(gate.operands[0], group: &group)) + \(spell(gate.operands[1], group: &group))"
        case .subtract:
            return "\(spell(gate.operands[0], group: &group)) - (\(spell(gate.operands[1], group: &group)))"
        case .multiplyConstant:
            return "\(gate.constant?.description ?? "?") × (\(spell(gate.operands[0], group: &group)))"
        default:
            return "w\(wire)"
        }
    }
}
