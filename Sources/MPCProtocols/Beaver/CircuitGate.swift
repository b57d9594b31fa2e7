public import Circuit
import SecretSharing

/// A contract's joint circuit evaluated on additive shares over ``MersenneField127``
/// (protocols/contract-language.md §8.2 semantics, protocols/beaver.md#evaluating-a-circuit):
/// every member shares its local-plan vector (one input layer), linear gates run locally on the
/// shares, and the non-linear gates run level by level — every `mul`, `select`, `ge`, `min_inputs`
/// and `max_inputs` whose operands are ready goes into one ``ParallelGate``. Nothing is opened
/// but the reveal gates' results: for each reveal gate, a **status** (0 suppressed, 1 undefined,
/// 2 defined) and the **shown value** (the value if the status is 2, else 0), both computed on
/// shares from the suppression and validity bits, so a suppressed group's value, count and
/// validity are never opened.
///
/// Integer wires only, for now: a circuit with `div`, `sqrt` or real constants is refused
/// (protocols/beaver.md#what-remains).
public struct CircuitGate: BeaverGate {
    /// Two opened elements per reveal gate, in gate order: the status and the shown value.
    public typealias Output = [UInt128]

    enum Stage: Sendable { case inputs, levels, guards, masks, opening }

    let circuit: Circuit
    let values: [UInt128]
    let memberCount: Int
    let bitLength: Int
    /// The non-linear depth of each gate (a linear gate has its deepest operand's).
    let levels: [Int]
    let depth: Int
    let needs: (triples: Int, bits: Int)
    var stage = Stage.inputs
    var inputs: [[UInt128]] = []
    var wires: [UInt128?]
    var level = 0
    var batch: ParallelGate?
    /// The batch's gates: products (`mul`, `select`) then comparisons (`ge`) then extrema, in gate order.
    var batchGates: (products: [Int], comparisons: [Int], extrema: [Int]) = ([], [], [])
    let reveals: [Int]
    /// Per reveal gate, its share of the guard `s·v` (or the single guard, or nil for none).
    var guards: [UInt128?] = []

    /// The circuit at one member.
    /// - Parameters:
    ///   - circuit: The joint circuit (integer wires only).
    ///   - inputs: This member's local-plan vector (`circuit.inputWidth` signed values).
    ///   - memberCount: `n`.
    ///   - bitLength: `k` of every comparison (at most the session's); `ge` operands must differ by
    ///     less than `2^{k−1}` and `min_inputs`/`max_inputs` values must be `k − 1`-bit signed.
    /// - Throws: ``MPCProtocolError/invalidConfiguration(_:)`` for a malformed circuit, a real wire,
    ///   `div` or `sqrt`; ``MPCProtocolError/inputLengthMismatch(expected:actual:)``.
    public init(circuit: Circuit, inputs: [Int128], memberCount: Int, bitLength: Int) throws {
        do { try circuit.validate() } catch {
            throw MPCProtocolError.invalidConfiguration("the circuit is malformed: \(error)")
        }
        guard inputs.count == circuit.inputWidth else {
            throw MPCProtocolError.inputLengthMismatch(expected: circuit.inputWidth, actual: inputs.count)
        }
        guard memberCount >= 2, bitLength >= 2 else {
            throw MPCProtocolError.invalidConfiguration("a circuit needs at least 2 members and k ≥ 2")
        }
        if let reason = Self.unsupportedReason(circuit) { throw MPCProtocolError.invalidConfiguration(reason) }
        let field = MersenneField127()
        self.circuit = circuit
        self.values = inputs.map { field.element(signedWide: $0) }
        self.memberCount = memberCount
        self.bitLength = bitLength
        var levels = [Int](repeating: 0, count: circuit.gates.count)
        var triples = 0, bits = 0
        let comparison = (triples: LessThanZeroGate.prefixMultiplications(bitLength - 1), bits: bitLength - 1)
        let extremum = ExtremumGate.preprocessingNeeded(count: memberCount, bitLength: bitLength)
        for (index, gate) in circuit.gates.enumerated() {
            let deepest = gate.operands.map { levels[$0] }.max() ?? 0
            switch gate.opcode {
            case .multiply, .select:
                levels[index] = deepest + 1
                triples += 1
            case .greaterOrEqual:
                levels[index] = deepest + 1
                triples += comparison.triples
                bits += comparison.bits
            case .minInputs, .maxInputs:
                levels[index] = 1
                triples += extremum.triples
                bits += extremum.bits
            case .reveal:
                levels[index] = deepest
                let info = gate.reveal!
                if info.suppression != nil && info.validity != nil { triples += 1 }
                if info.suppression != nil || info.validity != nil { triples += 1 }
            default:
                levels[index] = deepest
            }
        }
        self.levels = levels
        self.depth = levels.max() ?? 0
        self.needs = (triples, bits)
        self.wires = Array(repeating: nil, count: circuit.gates.count)
        self.reveals = circuit.gates.indices.filter { circuit.gates[$0].opcode == .reveal }
    }

    /// Why this engine cannot evaluate `circuit` yet, or nil if it can: it evaluates integer wires
    /// only (no `div`, `sqrt`, real wire or real constant; protocols/beaver.md#what-remains).
    /// - Parameter circuit: A circuit.
    /// - Returns: A phrase naming the first gate it cannot evaluate, or nil.
    public static func unsupportedReason(_ circuit: Circuit) -> String? {
        for (index, gate) in circuit.gates.enumerated() {
            if gate.kind == .real || gate.opcode == .divide || gate.opcode == .squareRoot {
                return "gate w\(index) (\(gate.opcode.rawValue)) has a real result, and division, square roots and real (fixed-point) wires on shares are not implemented yet"
            }
            if case .real = gate.constant {
                return "gate w\(index) has a real constant, and real (fixed-point) wires on shares are not implemented yet"
            }
        }
        return nil
    }

    /// An upper bound on the layers (communication rounds) the circuit takes among `n` members
    /// with comparisons of `k` bits: the input layer, per non-linear level the slowest of a
    /// comparison (`1 + ⌈log2(k−1)⌉`) and a tournament over `n` values, then three reveal layers.
    /// - Parameters:
    ///   - circuit: The circuit.
    ///   - memberCount: `n`.
    ///   - bitLength: `k`.
    /// - Returns: The bound.
    public static func layerBound(_ circuit: Circuit, memberCount: Int, bitLength: Int) -> Int {
        var levels = [Int](repeating: 0, count: circuit.gates.count)
        for (index, gate) in circuit.gates.enumerated() {
            let deepest = gate.operands.map { levels[$0] }.max() ?? 0
            levels[index] = gate.opcode.capability == .linear ? deepest : (gate.opcode.readsInputs ? 1 : deepest + 1)
        }
        let comparison = 1 + BeaverConfiguration.ceilLog2(bitLength - 1)
        let tournament = BeaverConfiguration.ceilLog2(memberCount) * (comparison + 1)
        return 1 + (levels.max() ?? 0) * max(comparison, tournament) + 3
    }

    /// The triples and random bits the whole circuit takes (public: from the circuit and `n`).
    public var preprocessingNeeded: (triples: Int, bits: Int) { needs }

    /// The input layer: this member's vector, shared.
    public mutating func start(context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        var layer = BeaverLayer()
        layer.inputs = values
        layer.inputCounts = Array(repeating: values.count, count: memberCount)
        return .layer(layer)
    }

    /// Continues: after the inputs, level by level, then the guards and the opening.
    public mutating func resume(with result: BeaverLayerResult, context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        switch stage {
        case .inputs:
            inputs = result.inputs
            stage = .levels
            evaluateLinear(context: context)
            return try nextLevel(context: &context)
        case .levels:
            let step = try batch!.resume(with: result, context: &context)
            return try afterBatch(step, context: &context)
        case .guards:
            var t = 0
            for (r, index) in reveals.enumerated() {
                let info = circuit.gates[index].reveal!
                if info.suppression != nil && info.validity != nil {
                    guards[r] = result.products[t]
                    t += 1
                }
            }
            return maskLayer(context: context)
        case .masks:
            return openingLayer(shown: result.products, context: context)
        case .opening:
            return .done(result.opened)
        }
    }

    // MARK: Levels

    private mutating func evaluateLinear(context: BeaverContext) {
        let field = context.field
        for (index, gate) in circuit.gates.enumerated() where wires[index] == nil {
            let operands = gate.operands.map { wires[$0] }
            guard operands.allSatisfy({ $0 != nil }) else { continue }
            let x = operands.map { $0! }
            switch gate.opcode {
            case .sumInputs:
                wires[index] = inputs.reduce(0) { field.add($0, $1[gate.slot!]) }
            case .constant:
                wires[index] = context.constant(Self.element(gate.constant!))
            case .add:
                wires[index] = field.add(x[0], x[1])
            case .subtract:
                wires[index] = field.subtract(x[0], x[1])
            case .multiplyConstant:
                wires[index] = field.multiply(x[0], Self.element(gate.constant!))
            case .reveal:
                wires[index] = x[0]
            case .multiply, .select, .greaterOrEqual, .minInputs, .maxInputs, .divide, .squareRoot:
                continue
            }
        }
    }

    private static func element(_ constant: CircuitConstant) -> UInt128 {
        switch constant {
        case .integer(let v): return MersenneField127().element(signedWide: v)
        case .real: return 0  // refused at init
        }
    }

    private mutating func nextLevel(context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        let field = context.field
        while level < depth {
            level += 1
            var products: [Int] = [], comparisons: [Int] = [], extrema: [Int] = []
            var left: [UInt128] = [], right: [UInt128] = [], differences: [UInt128] = []
            var subGates: [any BeaverGate<[UInt128]>] = []
            for (index, gate) in circuit.gates.enumerated() where levels[index] == level && wires[index] == nil {
                switch gate.opcode {
                case .multiply:
                    products.append(index)
                    left.append(wires[gate.operands[0]]!)
                    right.append(wires[gate.operands[1]]!)
                case .select:
                    // c·(x − y) + y
                    products.append(index)
                    left.append(wires[gate.operands[0]]!)
                    right.append(field.subtract(wires[gate.operands[1]]!, wires[gate.operands[2]]!))
                case .greaterOrEqual:
                    // a ≥ b ⇔ ¬(a − b < 0)
                    comparisons.append(index)
                    differences.append(field.subtract(wires[gate.operands[0]]!, wires[gate.operands[1]]!))
                case .minInputs, .maxInputs:
                    extrema.append(index)
                    subGates.append(try ExtremumGate(
                        values: inputs.map { $0[gate.slot!] }, kind: gate.opcode == .minInputs ? .minimum : .maximum,
                        bitLength: bitLength))
                default:
                    continue
                }
            }
            guard !(products.isEmpty && comparisons.isEmpty && extrema.isEmpty) else { continue }
            batchGates = (products, comparisons, extrema)
            // Empty sub-gates are left out (an empty comparison would still take its layers).
            var gates: [any BeaverGate<[UInt128]>] = []
            if !products.isEmpty { gates.append(try MultiplicationGate(left: left, right: right)) }
            if !comparisons.isEmpty { gates.append(try LessThanZeroGate(values: differences, bitLength: bitLength)) }
            gates += subGates
            var parallel = ParallelGate(gates)
            let step = try parallel.start(context: &context)
            batch = parallel
            return try afterBatch(step, context: &context)
        }
        return guardLayer(context: context)
    }

    private mutating func afterBatch(_ step: BeaverStep<[[UInt128]]>, context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        let all: [[UInt128]]
        switch step {
        case let .layer(layer): return .layer(layer)
        case let .done(outputs): all = outputs
        }
        let field = context.field
        let (products, comparisons, extrema) = batchGates
        var outputs = all[...]
        if !products.isEmpty {
            let out = outputs.removeFirst()
            for (t, index) in products.enumerated() {
                let gate = circuit.gates[index]
                wires[index] = gate.opcode == .select ? field.add(out[t], wires[gate.operands[2]]!) : out[t]
            }
        }
        if !comparisons.isEmpty {
            let out = outputs.removeFirst()
            for (t, index) in comparisons.enumerated() { wires[index] = field.subtract(context.constant(1), out[t]) }
        }
        for index in extrema { wires[index] = outputs.removeFirst()[0] }
        batch = nil
        evaluateLinear(context: context)
        return try nextLevel(context: &context)
    }

    // MARK: Reveal

    /// `s·v` for every reveal gate with both a suppression and a validity bit.
    private mutating func guardLayer(context: BeaverContext) -> BeaverStep<[UInt128]> {
        stage = .guards
        guards = []
        var layer = BeaverLayer()
        for index in reveals {
            let info = circuit.gates[index].reveal!
            if let s = info.suppression, let v = info.validity {
                layer.left.append(wires[s]!)
                layer.right.append(wires[v]!)
                guards.append(nil)
            } else if let g = info.suppression ?? info.validity {
                guards.append(wires[g]!)
            } else {
                guards.append(nil)
            }
        }
        return layer.left.isEmpty ? maskLayer(context: context) : .layer(layer)
    }

    /// `value·guard` for every guarded reveal gate.
    private mutating func maskLayer(context: BeaverContext) -> BeaverStep<[UInt128]> {
        stage = .masks
        var layer = BeaverLayer()
        for (r, index) in reveals.enumerated() {
            if let g = guards[r] {
                layer.left.append(wires[circuit.gates[index].operands[0]]!)
                layer.right.append(g)
            }
        }
        return layer.left.isEmpty ? openingLayer(shown: [], context: context) : .layer(layer)
    }

    /// Opens each reveal gate's status `s·(1 + v)` (0, 1 or 2) and shown value.
    private mutating func openingLayer(shown: [UInt128], context: BeaverContext) -> BeaverStep<[UInt128]> {
        stage = .opening
        let field = context.field
        var layer = BeaverLayer()
        var t = 0
        for (r, index) in reveals.enumerated() {
            let info = circuit.gates[index].reveal!
            let status: UInt128
            switch (info.suppression, info.validity) {
            case let (s?, _?): status = field.add(wires[s]!, guards[r]!)
            case let (s?, nil): status = field.add(wires[s]!, wires[s]!)
            case let (nil, v?): status = field.add(context.constant(1), wires[v]!)
            case (nil, nil): status = context.constant(2)
            }
            layer.openings.append(status)
            if guards[r] != nil {
                layer.openings.append(shown[t])
                t += 1
            } else {
                layer.openings.append(wires[circuit.gates[index].operands[0]]!)
            }
        }
        return .layer(layer)
    }

    /// The reveal gates' outcomes from the opened values.
    /// - Parameters:
    ///   - opened: The gate's output (two elements per reveal gate).
    ///   - circuit: The circuit.
    /// - Returns: One revelation per reveal gate, in gate order.
    /// - Throws: ``MPCProtocolError/invalidConfiguration(_:)`` if a status is not 0, 1 or 2 (the
    ///   members' shares were inconsistent).
    public static func revelations(from opened: [UInt128], circuit: Circuit) throws -> [Revelation] {
        let infos = circuit.gates.compactMap(\.reveal)
        guard opened.count == 2 * infos.count else {
            throw MPCProtocolError.invalidConfiguration("the circuit opened \(opened.count) values, not 2 per reveal gate")
        }
        let field = MersenneField127()
        return try infos.enumerated().map { r, info in
            let outcome: RevealOutcome
            switch opened[2 * r] {
            case 0: outcome = .suppressed
            case 1: outcome = .undefined
            case 2: outcome = .value(.integer(field.signedValue(opened[2 * r + 1])))
            default: throw MPCProtocolError.invalidConfiguration("reveal \(r) opened a status that is not 0, 1 or 2")
            }
            return Revelation(info: info, outcome: outcome)
        }
    }
}
