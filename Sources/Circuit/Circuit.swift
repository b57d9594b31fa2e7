/// A public constant in a gate.
public enum CircuitConstant: Sendable, Hashable, CustomStringConvertible, Codable {
    /// An exact integer.
    case integer(Int128)
    /// A real (binary64; printed in shortest round-trip form).
    case real(Double)

    /// `42` or `0.001r`.
    public var description: String {
        switch self {
        case .integer(let v): return String(v)
        case .real(let v): return "\(v)r"
        }
    }

    /// Encodes as `{"integer": "42"}` or `{"real": 0.5}` (integers as strings: they may exceed 2^53).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        switch self {
        case .integer(let v): try container.encode(String(v), forKey: .integer)
        case .real(let v): try container.encode(v, forKey: .real)
        }
    }

    /// Decodes the form written by `encode(to:)`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        if let text = try container.decodeIfPresent(String.self, forKey: .integer) {
            guard let value = Int128(text) else {
                throw DecodingError.dataCorruptedError(forKey: .integer, in: container, debugDescription: "not an integer")
            }
            self = .integer(value)
        } else {
            self = .real(try container.decode(Double.self, forKey: .real))
        }
    }

    private enum Keys: String, CodingKey { case integer, real }
}

/// What a reveal gate opens, to whom, and how to render it (spec §7.1, §8.2).
public struct RevealInfo: Sendable, Hashable, Codable {
    /// The contract output being revealed.
    public var output: String
    /// The group's index (row-major over the group-by domains).
    public var group: Int
    /// For vector outputs (histograms), the element index.
    public var element: Int?
    /// Recipients, in the contract's spelling (`all`, `member "x"`, `role "y"`).
    public var recipients: [String]
    /// The revealed value is `wire / 10^scale` (a negative scale multiplies).
    public var scale: Int
    /// How to present the value: `int`, `decimal`, `real` or `date`.
    public var presentation: String
    /// Wire of the validity bit (0 → the output is undefined for this group), if any.
    public var validity: Int?
    /// Wire of the suppression bit (0 → the group is suppressed), if any.
    public var suppression: Int?

    /// Creates reveal metadata.
    public init(
        output: String, group: Int, element: Int?, recipients: [String], scale: Int, presentation: String,
        validity: Int?, suppression: Int?
    ) {
        self.output = output
        self.group = group
        self.element = element
        self.recipients = recipients
        self.scale = scale
        self.presentation = presentation
        self.validity = validity
        self.suppression = suppression
    }
}

/// One gate; its result is the wire with the gate's index (SSA form).
public struct Gate: Sendable, Hashable, Codable {
    /// The operation.
    public var opcode: Opcode
    /// Operand wires (all smaller than this gate's index).
    public var operands: [Int]
    /// The kind of the result wire.
    public var kind: WireKind
    /// Input slot, for `sum_inputs`, `min_inputs`, `max_inputs`.
    public var slot: Int?
    /// Constant, for `const` and `mulc`.
    public var constant: CircuitConstant?
    /// Reveal metadata, for `reveal`.
    public var reveal: RevealInfo?

    /// Creates a gate.
    public init(
        _ opcode: Opcode, _ operands: [Int] = [], kind: WireKind = .integer, slot: Int? = nil,
        constant: CircuitConstant? = nil, reveal: RevealInfo? = nil
    ) {
        self.opcode = opcode
        self.operands = operands
        self.kind = kind
        self.slot = slot
        self.constant = constant
        self.reveal = reveal
    }
}

/// The one error type of `Circuit`.
public enum CircuitError: Error, Equatable, Sendable {
    /// A gate is malformed (bad arity, forward reference, missing slot or constant).
    case malformedGate(index: Int, reason: String)
    /// A member's input vector has the wrong length.
    case inputLengthMismatch(expected: Int, found: Int)
    /// There are no members.
    case noMembers
    /// Exact integer arithmetic overflowed 128 bits.
    case overflow(gate: Int)
}

/// A joint circuit: members' partial-aggregate vectors in, revealed outputs out (spec §8.2).
public struct Circuit: Sendable, Hashable, Codable {
    /// The length of each member's input vector.
    public var inputWidth: Int
    /// Gates in topological order.
    public var gates: [Gate]

    /// Creates a circuit.
    /// - Parameters:
    ///   - inputWidth: members' vector length.
    ///   - gates: the gates.
    public init(inputWidth: Int, gates: [Gate]) {
        self.inputWidth = inputWidth
        self.gates = gates
    }

    /// Every capability some gate needs.
    public var requiredCapabilities: Set<Capability> { Set(gates.map(\.opcode.capability)) }

    /// Gate counts per opcode.
    public var opcodeCounts: [Opcode: Int] {
        var counts: [Opcode: Int] = [:]
        for gate in gates { counts[gate.opcode, default: 0] += 1 }
        return counts
    }

    /// Checks arities, operand order and required fields.
    /// - Throws: `CircuitError.malformedGate`.
    public func validate() throws(CircuitError) {
        for (index, gate) in gates.enumerated() {
            guard gate.opcode.arity.contains(gate.operands.count) else {
                throw .malformedGate(index: index, reason: "\(gate.opcode.rawValue) takes \(gate.opcode.arity) operands")
            }
            for operand in gate.operands where operand < 0 || operand >= index {
                throw .malformedGate(index: index, reason: "operand w\(operand) is not an earlier wire")
            }
            if gate.opcode.readsInputs {
                guard let slot = gate.slot, slot >= 0, slot < inputWidth else {
                    throw .malformedGate(index: index, reason: "input slot missing or out of range")
                }
            }
            if gate.opcode == .constant || gate.opcode == .multiplyConstant, gate.constant == nil {
                throw .malformedGate(index: index, reason: "constant missing")
            }
            if gate.opcode == .reveal, gate.reveal == nil {
                throw .malformedGate(index: index, reason: "reveal metadata missing")
            }
        }
    }

    /// The printable listing, one gate per line; its UTF-8 bytes are the circuit's canonical
    /// encoding (spec §8.5):
    /// ```
    /// circuit v1 inputs 6 gates 9
    /// w0 = sum_inputs slot 0 : integer
    /// w3 = ge w0, w2 : integer        -- comparison
    /// w8 = reveal w7 valid w5 suppress w3 output "avg" group 0 to all scale 2 as real
    /// ```
    public var listing: String {
        var lines = ["circuit v1 inputs \(inputWidth) gates \(gates.count)"]
        for (index, gate) in gates.enumerated() {
            var line = "w\(index) = \(gate.opcode.rawValue)"
            if gate.opcode == .reveal, let info = gate.reveal {
                line += " w\(gate.operands[0])"
                if let v = info.validity { line += " valid w\(v)" }
                if let s = info.suppression { line += " suppress w\(s)" }
                line += " output \"\(info.output)\" group \(info.group)"
                if let element = info.element { line += " element \(element)" }
                line += " to \(info.recipients.joined(separator: ", ")) scale \(info.scale) as \(info.presentation)"
            } else {
                var parts: [String] = gate.operands.map { "w\($0)" }
                if let slot = gate.slot { parts.append("slot \(slot)") }
                if let constant = gate.constant { parts.append(constant.description) }
                if !parts.isEmpty { line += " " + parts.joined(separator: ", ") }
                line += " : \(gate.kind.rawValue)"
            }
            if gate.opcode.capability != .linear { line += "  -- \(gate.opcode.capability.rawValue)" }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
