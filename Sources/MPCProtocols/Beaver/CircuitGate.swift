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
/// Real wires are fixed point (``FixedPoint``, protocols/beaver.md#real-wires): `div`, `sqrt`,
/// products of two reals and real multiples of reals run as multi-layer fixed-point gates in the
/// same levels.
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
    var batchMembers: [BatchPart: [Int]] = [:]
    /// The batch's gates by the sub-gate that evaluates them, in gate order.
    var batchGates: [BatchPart] = []
    let reveals: [Int]
    /// Per reveal gate, its share of the guard `s·v` (or the single guard, or nil for none).
    var guards: [UInt128?] = []
    /// This party's one-time pads on the opened elements (two per reveal gate: status, value), added
    /// to its opening shares, so the opened value is the outcome plus every party's pad and only
    /// the holders of the pads' seeds can read it (protocols/beaver.md#padded-openings); nil or
    /// 0: opened in the clear.
    public var outputPads: [UInt128]?

    /// The circuit at one member.
    /// - Parameters:
    ///   - circuit: The joint circuit.
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
        if circuit.gates.contains(where: { $0.kind == .real }) && bitLength < FixedPoint.minimumBitLength {
            throw MPCProtocolError.invalidConfiguration("real wires need comparisons of at least \(FixedPoint.minimumBitLength) bits")
        }
        let field = MersenneField127()
        self.circuit = circuit
        self.values = inputs.map { field.element(signedWide: $0) }
        self.memberCount = memberCount
        self.bitLength = bitLength
        var triples = 0, bits = 0
        let levels = Self.levels(circuit)
        for (index, gate) in circuit.gates.enumerated() {
            let scales = gate.operands.map { Self.scale(circuit.gates[$0]) }
            var needs: (triples: Int, bits: Int) = (0, 0)
            switch Self.part(of: gate, operandScales: scales) {
            case .product?: needs = (1, 0)
            case .comparison?: needs = FixedPointStage.needs(lessThanZero: 1, bitLength: bitLength)
            case .extremum?: needs = ExtremumGate.preprocessingNeeded(count: memberCount, bitLength: bitLength)
            case .quotient?: needs = ScaledArithmeticGate.needs(count: 1, kind: .divide, bitLength: bitLength)
            case .realProduct?: needs = ScaledArithmeticGate.needs(count: 1, kind: .multiply, bitLength: bitLength)
            case .squareRoot?: needs = SquareRootGate.needs(scales: scales, bitLength: bitLength)
            case .realMultiple?: needs = FixedPointStage.needs(truncate: 1, shift: FixedPoint.fractionBits)
            case nil:
                if gate.opcode == .reveal, let info = gate.reveal {
                    if info.suppression != nil && info.validity != nil { needs.triples += 1 }
                    if info.suppression != nil || info.validity != nil { needs.triples += 1 }
                }
            }
            triples += needs.triples
            bits += needs.bits
        }
        self.levels = levels
        self.depth = levels.max() ?? 0
        self.needs = (triples, bits)
        self.wires = Array(repeating: nil, count: circuit.gates.count)
        self.reveals = circuit.gates.indices.filter { circuit.gates[$0].opcode == .reveal }
    }

    /// Which sub-gate evaluates a non-linear gate (nil: the gate is linear on shares).
    enum BatchPart: Sendable, Hashable {
        case product, comparison, extremum, quotient, realProduct, squareRoot, realMultiple
    }

    /// The scale of a wire: `F` fraction bits for a real, 0 for an integer.
    static func scale(_ gate: Gate) -> Int { gate.kind == .real ? FixedPoint.fractionBits : 0 }

    /// The sub-gate of `gate` given its operands' scales.
    static func part(of gate: Gate, operandScales scales: [Int]) -> BatchPart? {
        switch gate.opcode {
        case .multiply: return scales.allSatisfy { $0 > 0 } ? .realProduct : .product
        case .select: return .product
        case .greaterOrEqual: return .comparison
        case .minInputs, .maxInputs: return .extremum
        case .divide: return .quotient
        case .squareRoot: return .squareRoot
        case .multiplyConstant:
            if case .real = gate.constant, scales[0] > 0 { return .realMultiple }
            return nil
        default: return nil
        }
    }

    /// The non-linear depth of each gate (a linear gate has its deepest operand's).
    static func levels(_ circuit: Circuit) -> [Int] {
        var levels = [Int](repeating: 0, count: circuit.gates.count)
        for (index, gate) in circuit.gates.enumerated() {
            let deepest = gate.operands.map { levels[$0] }.max() ?? 0
            let scales = gate.operands.map { scale(circuit.gates[$0]) }
            levels[index] = part(of: gate, operandScales: scales) == nil ? deepest : (gate.opcode.readsInputs ? 1 : deepest + 1)
        }
        return levels
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
        let comparison = 1 + BeaverConfiguration.ceilLog2(bitLength - 1)
        let tournament = BeaverConfiguration.ceilLog2(memberCount) * (comparison + 1)
        // A division or square root: two comparisons and a bit decomposition (each within three
        // comparisons' layers) and at most 40 multiplication or truncation layers.
        let fixedPoint = 3 * comparison + 40
        let depth = levels(circuit).max() ?? 0
        let slowest = circuit.gates.contains { $0.kind == .real } ? max(comparison, tournament, fixedPoint) : max(comparison, tournament)
        return 1 + depth * slowest + 3
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

    /// `wires[w]` at scale `target` (an integer wire times `2^F` where a real is expected).
    private func value(_ w: Int, scale target: Int, field: MersenneField127) -> UInt128 {
        let own = Self.scale(circuit.gates[w])
        return target > own ? field.multiply(wires[w]!, field.powerOfTwo(target - own)) : wires[w]!
    }

    private mutating func evaluateLinear(context: BeaverContext) {
        let field = context.field
        for (index, gate) in circuit.gates.enumerated() where wires[index] == nil {
            guard gate.operands.allSatisfy({ wires[$0] != nil }) else { continue }
            let target = Self.scale(gate)
            let scales = gate.operands.map { Self.scale(circuit.gates[$0]) }
            guard Self.part(of: gate, operandScales: scales) == nil else { continue }
            switch gate.opcode {
            case .sumInputs:
                wires[index] = field.multiply(inputs.reduce(0) { field.add($0, $1[gate.slot!]) }, field.powerOfTwo(target))
            case .constant:
                wires[index] = context.constant(Self.element(gate.constant!, scale: target))
            case .add:
                wires[index] = field.add(value(gate.operands[0], scale: target, field: field), value(gate.operands[1], scale: target, field: field))
            case .subtract:
                wires[index] = field.subtract(value(gate.operands[0], scale: target, field: field), value(gate.operands[1], scale: target, field: field))
            case .multiplyConstant:
                // An integer constant keeps the operand's scale; a real one (on an integer operand) adds F.
                let constant = Self.element(gate.constant!, scale: 0)
                var product = field.multiply(wires[gate.operands[0]]!, constant)
                if case .real(let c) = gate.constant! { product = field.multiply(wires[gate.operands[0]]!, FixedPoint.encode(c)) }
                let reached = scales[0] + { if case .real = gate.constant! { return FixedPoint.fractionBits } else { return 0 } }()
                wires[index] = target > reached ? field.multiply(product, field.powerOfTwo(target - reached)) : product
            case .reveal:
                wires[index] = wires[gate.operands[0]]
            case .multiply, .select, .greaterOrEqual, .minInputs, .maxInputs, .divide, .squareRoot:
                continue
            }
        }
    }

    /// A public constant at `scale` (a real constant is `round(c·2^F)`).
    private static func element(_ constant: CircuitConstant, scale: Int) -> UInt128 {
        let field = MersenneField127()
        switch constant {
        case .integer(let v): return field.multiply(field.element(signedWide: v), field.powerOfTwo(scale))
        case .real(let c): return scale > 0 ? FixedPoint.encode(c) : field.element(signedWide: Int128(c.rounded()))
        }
    }

    private mutating func nextLevel(context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        let field = context.field
        let F = FixedPoint.fractionBits
        while level < depth {
            level += 1
            var members: [BatchPart: [Int]] = [:]
            for (index, gate) in circuit.gates.enumerated() where levels[index] == level && wires[index] == nil {
                let scales = gate.operands.map { Self.scale(circuit.gates[$0]) }
                guard let part = Self.part(of: gate, operandScales: scales) else { continue }
                members[part, default: []].append(index)
            }
            guard !members.isEmpty else { continue }
            batchGates = []
            var gates: [any BeaverGate<[UInt128]>] = []
            func operand(_ index: Int, _ i: Int, scale: Int? = nil) -> UInt128 {
                let w = circuit.gates[index].operands[i]
                return value(w, scale: scale ?? Self.scale(circuit.gates[w]), field: field)
            }
            func scales(_ index: Int) -> [Int] { circuit.gates[index].operands.map { Self.scale(circuit.gates[$0]) } }
            if let list = members[.product] {
                // mul: x·y (an integer times a real is a real, exactly); select: c·(x − y) + y.
                let left = list.map { operand($0, 0) }
                let right = list.map { index -> UInt128 in
                    let gate = circuit.gates[index]
                    if gate.opcode == .multiply { return operand(index, 1) }
                    let target = Self.scale(gate)
                    return field.subtract(operand(index, 1, scale: target), operand(index, 2, scale: target))
                }
                gates.append(try MultiplicationGate(left: left, right: right))
                batchGates.append(.product)
            }
            if let list = members[.comparison] {
                // a ≥ b ⇔ ¬(a − b < 0), both at the larger scale.
                let differences = list.map { index -> UInt128 in
                    let target = scales(index).max()!
                    return field.subtract(operand(index, 0, scale: target), operand(index, 1, scale: target))
                }
                gates.append(try LessThanZeroGate(values: differences, bitLength: bitLength))
                batchGates.append(.comparison)
            }
            for index in members[.extremum] ?? [] {
                let gate = circuit.gates[index]
                gates.append(try ExtremumGate(
                    values: inputs.map { $0[gate.slot!] }, kind: gate.opcode == .minInputs ? .minimum : .maximum, bitLength: bitLength))
                batchGates.append(.extremum)
            }
            if let list = members[.quotient] {
                gates.append(ScaledArithmeticGate(
                    .divide, a: list.map { operand($0, 0) }, b: list.map { operand($0, 1) },
                    scales: list.map { (scales($0)[0], scales($0)[1]) }, bitLength: bitLength))
                batchGates.append(.quotient)
            }
            if let list = members[.realProduct] {
                gates.append(ScaledArithmeticGate(
                    .multiply, a: list.map { operand($0, 0) }, b: list.map { operand($0, 1) },
                    scales: list.map { (scales($0)[0], scales($0)[1]) }, bitLength: bitLength))
                batchGates.append(.realProduct)
            }
            if let list = members[.squareRoot] {
                gates.append(SquareRootGate(x: list.map { operand($0, 0) }, scales: list.map { scales($0)[0] }, bitLength: bitLength))
                batchGates.append(.squareRoot)
            }
            if let list = members[.realMultiple] {
                // A real times a real constant: X·round(c·2^F), then F bits off.
                let products = list.map { index -> UInt128 in
                    guard case .real(let c) = circuit.gates[index].constant! else { return 0 }
                    return field.multiply(operand(index, 0), FixedPoint.encode(c))
                }
                gates.append(try TruncationGate(values: products, shift: F, bitLength: bitLength, rounding: .probabilistic))
                batchGates.append(.realMultiple)
            }
            batchMembers = members
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
        var outputs = all[...]
        var extrema = (batchMembers[.extremum] ?? [])[...]
        for part in batchGates {
            let out = outputs.removeFirst()
            switch part {
            case .product:
                for (t, index) in batchMembers[.product]!.enumerated() {
                    let gate = circuit.gates[index]
                    wires[index] = gate.opcode == .select
                        ? field.add(out[t], value(gate.operands[2], scale: Self.scale(gate), field: field)) : out[t]
                }
            case .comparison:
                for (t, index) in batchMembers[.comparison]!.enumerated() { wires[index] = field.subtract(context.constant(1), out[t]) }
            case .extremum:
                wires[extrema.removeFirst()] = out[0]
            case .quotient, .realProduct, .squareRoot, .realMultiple:
                for (t, index) in batchMembers[part]!.enumerated() { wires[index] = out[t] }
            }
        }
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
        if let outputPads {
            for i in layer.openings.indices where i < outputPads.count {
                layer.openings[i] = field.add(layer.openings[i], field.element(reducing: outputPads[i]))
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
        let revealGates = circuit.gates.filter { $0.opcode == .reveal }
        let realWires = Set(revealGates.indices.filter { circuit.gates[revealGates[$0].operands[0]].kind == .real })
        return try infos.enumerated().map { r, info in
            let outcome: RevealOutcome
            switch opened[2 * r] {
            case 0: outcome = .suppressed
            case 1: outcome = .undefined
            case 2:
                let v = field.signedValue(opened[2 * r + 1])
                outcome = .value(realWires.contains(r) ? .real(FixedPoint.decode(v)) : .integer(v))
            default: throw MPCProtocolError.invalidConfiguration("reveal \(r) opened a status that is not 0, 1 or 2")
            }
            return Revelation(info: info, outcome: outcome)
        }
    }
}
