import Circuit
import ContractLanguage
public import CircuitCompiler
public import ConsortiumLedger
import SecretSharing

/// The recipients of a run's restricted output slots: the members that receive some output
/// depending on the slots, decided from the ledger alone, and the slots themselves.
/// Spec: protocols/runtime.md#output-pads.
public struct OutputGroup: Sendable, Hashable {
    /// The recipients, sorted (possibly none: the outputs are withheld).
    public var members: [String]
    /// The protocol output slots restricted to them, ascending.
    public var slots: [Int]
}

/// Which protocol output slots are public and which are restricted to a recipient group, and the
/// arithmetic of masking and unmasking them (protocols/runtime.md#output-pads). A slot is one value
/// of the summed vector (additive, secagg, paillier: `Z_2^64`), or under `beaver` one opened
/// status or value of a reveal gate (`F_p`, two words each).
extension AggregationPlan {
    /// The number of output slots: one per opened wire, or two per reveal gate under `beaver`.
    public var slotCount: Int { slotRecipients.count }

    /// Whether `slot` is public: it feeds an output revealed to `all`, or (outside `beaver`) the
    /// contract says `disclose sums`, which opens every sum to every participant by declaration.
    /// - Parameter slot: A slot.
    /// - Returns: True if every participant may learn it.
    public func isPublic(_ slot: Int) -> Bool {
        (!onShares && disclosesSums) || slotRecipients[slot].contains("all")
    }

    /// The input slots of the finalisation circuit each output's reveal gates depend on, through
    /// operands, validity and suppression bits.
    static func slotsByOutput(_ circuit: Circuit, slots: Int) -> [String: Set<Int>] {
        var out: [String: Set<Int>] = [:]
        forEachReveal(circuit, slots: slots) { info, read in out[info.output, default: []].formUnion(read) }
        return out
    }

    /// Hands `body` each reveal gate of the finalisation circuit with the input slots below
    /// `slots` it depends on, through operands, validity and suppression bits.
    private static func forEachReveal(_ circuit: Circuit, slots: Int, _ body: (RevealInfo, Set<Int>) -> Void) {
        var reads = [Set<Int>](repeating: [], count: circuit.gates.count)
        for (index, gate) in circuit.gates.enumerated() {
            var read = Set<Int>()
            if gate.opcode.readsInputs, let slot = gate.slot { read.insert(slot) }
            var operands = gate.operands
            if let info = gate.reveal { operands += [info.validity, info.suppression].compactMap { $0 } }
            for operand in operands where operand < index { read.formUnion(reads[operand]) }
            reads[index] = read
            if let info = gate.reveal { body(info, read.filter { $0 < slots }) }
        }
    }

    /// The slots `outputs` are computed from: what a recipient of exactly those outputs is handed.
    /// - Parameter outputs: Output names.
    /// - Returns: Their slots.
    public func slots(feeding outputs: [String]) -> Set<Int> {
        outputs.reduce(into: Set<Int>()) { $0.formUnion(slotsByOutput[$1] ?? []) }
    }

    /// The output words holding `slots`: one word per slot, two under `beaver`.
    /// - Parameter slots: Slots.
    /// - Returns: Their word indices.
    public func words(ofSlots slots: Set<Int>) -> Set<Int> {
        onShares ? Set(slots.flatMap { [2 * $0, 2 * $0 + 1] }) : slots
    }

    /// The recipients of every reveal gate depending on each input slot of the finalisation
    /// circuit (its inputs are the opened values), through operands, validity and suppression bits.
    static func recipientsBySlot(_ circuit: Circuit, slots: Int) -> [[String]] {
        var recipients = [Set<String>](repeating: [], count: slots)
        forEachReveal(circuit, slots: slots) { info, read in
            for slot in read { recipients[slot].formUnion(info.recipients) }
        }
        return recipients.map { $0.sorted() }
    }

    /// The restricted slots grouped by their recipients, from the ledger's contract roles: the
    /// union of the members each recipient of a dependent output designates.
    /// - Parameters:
    ///   - participants: The run's participants (the recipients of `all`).
    ///   - state: The ledger state that decides role holders.
    /// - Returns: One group per distinct recipient set, in order of its first slot.
    public func restrictedGroups(participants: [String], state: ConsortiumState) -> [OutputGroup] {
        var groups: [OutputGroup] = []
        var index: [[String]: Int] = [:]
        for slot in 0..<slotCount where !isPublic(slot) {
            let members = Set(slotRecipients[slot].flatMap { $0 == "all" ? participants : state.designatedMembers($0) }).sorted()
            if let at = index[members] {
                groups[at].slots.append(slot)
            } else {
                index[members] = groups.count
                groups.append(OutputGroup(members: members, slots: [slot]))
            }
        }
        return groups
    }

    /// The sum with every slot not kept replaced by a neutral value (0; under `beaver` the status
    /// "undefined" and the value 0), so that assembling a result never reads a masked slot.
    /// - Parameters:
    ///   - sum: The protocol output words.
    ///   - keep: Which slots to keep.
    /// - Returns: The neutralised words.
    func neutralised(_ sum: [UInt64], keeping keep: (Int) -> Bool) -> [UInt64] {
        var out = sum
        guard onShares else {
            for slot in out.indices where slot >= slotCount || !keep(slot) { out[slot] = 0 }
            return out
        }
        for slot in 0..<min(slotCount, out.count / 2) where !keep(slot) {
            // Status slots are even, values odd: undefined (1) and 0.
            out[2 * slot] = 0
            out[2 * slot + 1] = slot % 2 == 0 ? 1 : 0
        }
        return out
    }

    /// `sum − Σ pads` on the slots the pads cover (`Z_2^64`, or `F_p` under `beaver`).
    /// - Parameters:
    ///   - sum: The protocol output words.
    ///   - pads: One pad per slot (0 where there is none).
    /// - Returns: The unmasked words.
    func unmasked(_ sum: [UInt64], removing pads: [UInt128]) -> [UInt64] {
        var out = sum
        guard onShares else {
            for slot in 0..<min(out.count, pads.count) { out[slot] &-= UInt64(truncatingIfNeeded: pads[slot]) }
            return out
        }
        let field = MersenneField127()
        for slot in 0..<min(out.count / 2, pads.count) {
            let element = UInt128(out[2 * slot]) << 64 | UInt128(out[2 * slot + 1])
            let plain = field.subtract(field.element(reducing: element), pads[slot])
            out[2 * slot] = UInt64(truncatingIfNeeded: plain >> 64)
            out[2 * slot + 1] = UInt64(truncatingIfNeeded: plain)
        }
        return out
    }

    /// A member's protocol input with its pads added (`Z_2^64`; under `beaver` the pads go to the
    /// opening of the reveal gates instead, ``BeaverSession``, and the input is unchanged).
    /// - Parameters:
    ///   - input: The committed protocol input.
    ///   - pads: One pad per slot.
    /// - Returns: The words it feeds the protocol.
    func padded(_ input: [UInt64], with pads: [UInt128]) -> [UInt64] {
        guard !onShares else { return input }
        var out = input
        for slot in 0..<min(out.count, pads.count) { out[slot] &+= UInt64(truncatingIfNeeded: pads[slot]) }
        return out
    }

    /// The outputs a recipient can assemble from unmasked words, restricted to `outputs`.
    /// - Parameters:
    ///   - sum: The words, unmasked on the slots in `available`.
    ///   - available: The slots that hold true values (public ones and the recipient's groups').
    ///   - outputs: The outputs to keep (those revealed to the recipient).
    ///   - contract: The checked contract.
    /// - Returns: The view.
    /// - Throws: as ``result(from:contract:)``.
    func view(
        from sum: [UInt64], available: Set<Int>, outputs: [String], contract: CheckedContract
    ) throws(RuntimeError) -> ContractResult {
        let output = AggregateOutput(sum: neutralised(sum, keeping: available.contains), contributors: [], decryptors: [], faultyKeyHolders: [])
        return try result(from: output, contract: contract).restricted(to: outputs)
    }
}
