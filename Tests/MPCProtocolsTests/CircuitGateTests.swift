import Circuit
import Dispatch
import MPCProtocols
import PaillierEncryption
import SecretSharing
import Testing
import _TestSupport

/// The joint circuit on shares (``CircuitGate``) against the plaintext evaluator `Circuit.evaluate`,
/// which is the reference semantics (protocols/contract-language.md §8.2).
/// Spec: protocols/beaver.md#evaluating-a-circuit.
@Suite("Beaver circuit evaluation", .serialized)
struct CircuitGateTests {
    static let field = MersenneField127()

    /// Runs `circuit` among the members holding `inputs` (one vector each) with dealt preprocessing.
    static func evaluate(
        _ circuit: Circuit, inputs: [[Int128]], seed: UInt64, outputPads: [[UInt128]] = []
    ) async throws -> (revelations: [Revelation], opened: [UInt128], hops: Int) {
        let n = inputs.count
        let k = BeaverConfiguration.largestBitLength(memberCount: n)
        let gates = try inputs.enumerated().map { i, input in
            var gate = try CircuitGate(circuit: circuit, inputs: input, memberCount: n, bitLength: k)
            if i < outputPads.count { gate.outputPads = outputPads[i] }
            return gate
        }
        let needs = gates[0].preprocessingNeeded
        let run = try await offPool {
            let router = try BeaverGateTests.run(members: n, triples: needs.triples, bits: needs.bits, seed: seed, bitLength: k) { gates[$0] }
            return Outcome(router)
        }
        let opened = try run.agreed(members: n)
        return (outputPads.isEmpty ? try CircuitGate.revelations(from: opened, circuit: circuit) : [], opened, run.hops)
    }

    static func reveal(_ wire: Int, valid: Int? = nil, suppress: Int? = nil, group: Int = 0) -> Gate {
        Gate(.reveal, [wire] + [valid, suppress].compactMap { $0 }, reveal: RevealInfo(
            output: "o\(wire)", group: group, element: nil, recipients: ["all"], scale: 0, presentation: "int",
            validity: valid, suppression: suppress))
    }

    /// A random integer circuit over `width` input slots: sums, extrema, constants, linear gates,
    /// products, comparisons, selections, and reveals guarded by comparison bits.
    static func randomCircuit(width: Int, gates count: Int, rng: inout DeterministicRNG) -> Circuit {
        var gates: [Gate] = []
        var bits: [Int] = []
        var values: [Int] = []
        func pick(_ from: [Int]) -> Int { from[Int(rng.next() % UInt64(from.count))] }
        for slot in 0..<width {
            gates.append(Gate(.sumInputs, slot: slot))
            values.append(gates.count - 1)
        }
        gates.append(Gate(.minInputs, slot: Int(rng.next() % UInt64(width))))
        values.append(gates.count - 1)
        gates.append(Gate(.maxInputs, slot: Int(rng.next() % UInt64(width))))
        values.append(gates.count - 1)
        for _ in 0..<count {
            switch rng.next() % 8 {
            case 0: gates.append(Gate(.constant, constant: .integer(Int128(Int64(bitPattern: rng.next()) % 50))))
            case 1: gates.append(Gate(.add, [pick(values), pick(values)]))
            case 2: gates.append(Gate(.subtract, [pick(values), pick(values)]))
            case 3: gates.append(Gate(.multiplyConstant, [pick(values)], constant: .integer(Int128(Int64(bitPattern: rng.next()) % 7))))
            case 4: gates.append(Gate(.multiply, [pick(values), pick(bits.isEmpty ? values : bits)]))
            case 5, 6:
                gates.append(Gate(.greaterOrEqual, [pick(values), pick(values)]))
                bits.append(gates.count - 1)
            default:
                guard !bits.isEmpty else { continue }
                gates.append(Gate(.select, [pick(bits), pick(values), pick(values)]))
            }
            if gates.last!.opcode != .greaterOrEqual { values.append(gates.count - 1) }
        }
        for (r, wire) in values.suffix(6).enumerated() {
            let valid = bits.isEmpty || r % 3 == 0 ? nil : pick(bits)
            let suppress = bits.isEmpty || r % 2 == 0 ? nil : pick(bits)
            gates.append(reveal(wire, valid: valid, suppress: suppress, group: r))
        }
        return Circuit(inputWidth: width, gates: gates)
    }

    @Test("random integer circuits on shares equal the plaintext evaluator", arguments: [(2, 1), (3, 2), (5, 3)])
    func randomCircuits(members: Int, seed: UInt64) async throws {
        var rng = DeterministicRNG(seed: 900 + seed)
        for round in 0..<4 {
            let width = 3
            let circuit = Self.randomCircuit(width: width, gates: 14, rng: &rng)
            let inputs: [[Int128]] = (0..<members).map { _ in
                (0..<width).map { _ in Int128(Int64(bitPattern: rng.next()) % 1000) }
            }
            let expected = try circuit.evaluate(memberInputs: inputs)
            let got = try await Self.evaluate(circuit, inputs: inputs, seed: seed * 10 + UInt64(round))
            #expect(got.revelations == expected, "round \(round)\n\(circuit.listing)")
        }
    }

    /// Zero, negatives, equal values and the local plan's sentinels (`Int64.min` for a maximum
    /// over no rows, `Int64.max` for a minimum), which are the farthest apart values a
    /// `min_inputs`/`max_inputs` gate sees.
    @Test("edge inputs: zero, negatives, equal values, Int64 sentinels")
    func edgeInputs() async throws {
        let gates: [Gate] = [
            Gate(.minInputs, slot: 0), Gate(.maxInputs, slot: 0),  // w0, w1
            Gate(.minInputs, slot: 1), Gate(.maxInputs, slot: 1),  // w2, w3
            Gate(.greaterOrEqual, [0, 1]), Gate(.greaterOrEqual, [1, 0]),  // w4: min ≥ max (equal only), w5
            Gate(.sumInputs, slot: 2), Gate(.constant, constant: .integer(0)),  // w6, w7
            Gate(.greaterOrEqual, [6, 7]),  // w8: sum ≥ 0
            Gate(.select, [8, 0, 3]),  // w9
            Gate(.multiply, [6, 6]),  // w10
            Self.reveal(0), Self.reveal(1), Self.reveal(2), Self.reveal(3), Self.reveal(4), Self.reveal(5),
            Self.reveal(9, valid: 4), Self.reveal(10, valid: 8, suppress: 5),
        ]
        let circuit = Circuit(inputWidth: 3, gates: gates)
        let cases: [[[Int128]]] = [
            [[0, Int128(Int64.min), 0], [0, Int128(Int64.max), 0], [0, 0, 0]],
            [[-5, Int128(Int64.max), -1], [-5, Int128(Int64.min), -2], [-5, -1, 2]],
            [[7, Int128(Int64.min), 1 << 40], [-7, Int128(Int64.min), -(1 << 40)], [Int128(Int64.max), Int128(Int64.min), 1]],
            [[Int128(Int64.min), 3, Int128(Int64.min)], [Int128(Int64.max), 3, 0]],
        ]
        for (index, inputs) in cases.enumerated() {
            let expected = try circuit.evaluate(memberInputs: inputs)
            let got = try await Self.evaluate(circuit, inputs: inputs, seed: 40 + UInt64(index))
            #expect(got.revelations == expected, "case \(index)")
        }
    }

    /// Padded openings (protocols/beaver.md#padded-openings): each member's pads are added to its
    /// opening shares, so every member receives outcome + Σ pads on the padded elements and the
    /// clear outcome elsewhere.
    @Test("padded openings: every member receives the outcome plus every member's pads, and the rest in the clear")
    func paddedOpenings() async throws {
        let circuit = Circuit(inputWidth: 2, gates: [
            Gate(.sumInputs, slot: 0), Gate(.maxInputs, slot: 1), Gate(.greaterOrEqual, [0, 1]),
            Self.reveal(0), Self.reveal(1, valid: 2),
        ])
        let inputs: [[Int128]] = [[3, -4], [5, 9], [-1, 2]]
        let clear = try await Self.evaluate(circuit, inputs: inputs, seed: 90).opened
        var rng = DeterministicRNG(seed: 91)
        // The second reveal gate (elements 2, 3) padded, the first in the clear.
        let pads: [[UInt128]] = inputs.indices.map { _ in
            [0, 0, Self.field.element(reducing: UInt128(rng.next()) << 64 | UInt128(rng.next())), Self.field.element(reducing: UInt128(rng.next()))]
        }
        let padded = try await Self.evaluate(circuit, inputs: inputs, seed: 92, outputPads: pads).opened
        #expect(Array(padded.prefix(2)) == Array(clear.prefix(2)))
        for element in 2..<4 {
            let total = pads.reduce(UInt128(0)) { Self.field.add($0, $1[element]) }
            #expect(padded[element] != clear[element])
            #expect(Self.field.subtract(padded[element], total) == clear[element], "element \(element)")
        }
    }

    /// A suppressed or undefined output opens its status and 0, never its value; the members
    /// learn nothing else (only the two values per reveal gate are opened by the gate).
    @Test("suppressed and undefined outputs open no value")
    func guardsOpenNoValue() async throws {
        let gates: [Gate] = [
            Gate(.sumInputs, slot: 0), Gate(.constant, constant: .integer(10)),  // w0 count, w1
            Gate(.greaterOrEqual, [0, 1]),  // w2: count ≥ 10
            Gate(.sumInputs, slot: 1),  // w3 secret sum
            Gate(.constant, constant: .integer(1)), Gate(.greaterOrEqual, [0, 4]),  // w5: count ≥ 1
            Self.reveal(3, suppress: 2), Self.reveal(3, valid: 5), Self.reveal(0, valid: 5, suppress: 2),
        ]
        let circuit = Circuit(inputWidth: 2, gates: gates)
        // Count 4 (< 10: suppressed), sum 12345; then count 0 (undefined), then count 12.
        for (inputs, statuses) in [([[1, 12000], [3, 345]], [0, 2, 0]), ([[0, 0], [0, 0]], [0, 1, 0]), ([[6, 1], [6, 2]], [2, 2, 2])] as [([[Int128]], [UInt128])] {
            let got = try await Self.evaluate(circuit, inputs: inputs, seed: 77)
            #expect(got.revelations == (try circuit.evaluate(memberInputs: inputs)))
            #expect(got.opened.count == 6)
            for r in 0..<3 {
                #expect(got.opened[2 * r] == statuses[r])
                if statuses[r] != 2 { #expect(got.opened[2 * r + 1] == 0, "reveal \(r) opened a value it should hide") }
            }
        }
    }

    /// Independent non-linear gates share layers: ten comparisons take as many layers as one.
    @Test("a level of independent gates runs in parallel")
    func levelsRunInParallel() async throws {
        func circuit(comparisons: Int) -> Circuit {
            var gates: [Gate] = [Gate(.sumInputs, slot: 0), Gate(.sumInputs, slot: 1)]
            for _ in 0..<comparisons { gates.append(Gate(.greaterOrEqual, [0, 1])) }
            gates += (2..<(2 + comparisons)).map { Self.reveal($0) }
            return Circuit(inputWidth: 2, gates: gates)
        }
        let one = try await Self.evaluate(circuit(comparisons: 1), inputs: [[1, 2], [3, 4]], seed: 5)
        let ten = try await Self.evaluate(circuit(comparisons: 10), inputs: [[1, 2], [3, 4]], seed: 6)
        // inputs, the comparison (k = 84 for two members: 1 + ⌈log2 83⌉ layers), the opening
        #expect(one.hops == 1 + 1 + 7 + 1)
        #expect(ten.hops == one.hops)
        #expect(CircuitGate.layerBound(circuit(comparisons: 10), memberCount: 2, bitLength: 65) >= ten.hops)
    }

    @Test("malformed inputs and inconsistent openings are refused")
    func refusals() throws {
        let integer = Circuit(inputWidth: 1, gates: [Gate(.sumInputs, slot: 0), Self.reveal(0)])
        #expect(throws: MPCProtocolError.inputLengthMismatch(expected: 1, actual: 2)) {
            try CircuitGate(circuit: integer, inputs: [1, 2], memberCount: 2, bitLength: 65)
        }
        // A status other than 0, 1, 2 means inconsistent shares: refused, not read as a value.
        #expect(throws: MPCProtocolError.self) { try CircuitGate.revelations(from: [3, 0], circuit: integer) }
    }

    /// Real results agree with binary64 within the fixed-point bound of protocols/beaver.md#real-wires.
    static func close(_ got: [Revelation], _ expected: [Revelation], tolerance: Double) -> [String] {
        zip(got, expected).enumerated().compactMap { r, pair in
            switch (pair.0.outcome, pair.1.outcome) {
            case let (.value(a), .value(b)):
                let x = a.doubleValue, y = b.doubleValue
                return abs(x - y) <= tolerance * max(1, abs(y)) ? nil : "reveal \(r): \(x) vs \(y)"
            case let (a, b): return a == b ? nil : "reveal \(r): \(a) vs \(b)"
            }
        }
    }

    /// Division and square root of integers and reals, products of reals and real multiples, on
    /// zero, negatives, equal values, tiny and large quotients, and the ends of the range.
    @Test("division, square roots and real products on shares agree with binary64 within the bound", arguments: [2, 3])
    func realWires(members: Int) async throws {
        // In range: every real wire below 2^{L−F} = 2^48 (protocols/beaver.md#real-wires).
        let pairs: [(Int128, Int128)] = [
            (0, 5), (7, 0), (0, 0), (-9, 4), (9, -4), (-9, -4), (12, 12), (1, 3), (2, 1000),
            (1 << 30, 3), (123_456_789, 97), (-1, 1), (1 << 40, 1 << 21), (5, 1 << 8), (-(1 << 45), 7),
        ]
        // One block of gates per pair (slots 2p, 2p + 1), all evaluated in one run.
        var gates: [Gate] = []
        var reveals: [Gate] = []
        for p in pairs.indices {
            let w = gates.count
            gates += [
                Gate(.sumInputs, slot: 2 * p), Gate(.sumInputs, slot: 2 * p + 1),  // w a, w+1 b
                Gate(.divide, [w, w + 1], kind: .real),  // w+2 a/b
                Gate(.squareRoot, [w], kind: .real),  // w+3 √a (0 when a ≤ 0)
                Gate(.squareRoot, [w + 2], kind: .real),  // w+4 √(a/b)
                Gate(.multiply, [w + 2, w + 4], kind: .real),  // w+5 real·real
                Gate(.multiplyConstant, [w + 2], kind: .real, constant: .real(0.001)),  // w+6 real·real constant
                Gate(.multiplyConstant, [w], kind: .real, constant: .real(2.5)),  // w+7 integer·real constant
                Gate(.divide, [w + 5, w + 7], kind: .real),  // w+8 real/real
                Gate(.subtract, [w + 1, w + 2], kind: .real),  // w+9 integer − real
                Gate(.greaterOrEqual, [w + 2, w + 9]),  // w+10 real ≥ real
                Gate(.multiply, [w + 1, w + 2], kind: .real),  // w+11 integer·real
            ]
            reveals += (2...11).map { Self.reveal(w + $0, group: p) }
        }
        let circuit = Circuit(inputWidth: 2 * pairs.count, gates: gates + reveals)
        // Member 1 holds the values, the others zeros: the sums are the pairs.
        let inputs: [[Int128]] = [pairs.flatMap { [$0.0, $0.1] }] + (1..<members).map { _ in Array(repeating: 0, count: 2 * pairs.count) }
        let expected = try circuit.evaluate(memberInputs: inputs)
        let got = try await Self.evaluate(circuit, inputs: inputs, seed: 300 + UInt64(members))
        #expect(Self.close(got.revelations, expected, tolerance: 1e-6) == [])
    }
}

/// A whole member-generated session (``BeaverRunStateMachine``): Gilboa triples from OT
/// extension, random bits from triples, then the circuit, with no dealer, in order and reordered.
@Suite("Beaver member-generated sessions", .serialized)
struct BeaverRunMachineTests {
    /// `min` and `max` of the members' slot 0, and a suppressed sum.
    static let circuit = Circuit(inputWidth: 2, gates: [
        Gate(.minInputs, slot: 0), Gate(.maxInputs, slot: 0), Gate(.sumInputs, slot: 1),
        Gate(.constant, constant: .integer(100)), Gate(.greaterOrEqual, [2, 3]),
        CircuitGateTests.reveal(0), CircuitGateTests.reveal(1), CircuitGateTests.reveal(2, suppress: 4),
    ])

    /// `circuit` among the members holding `inputs`, no dealer, routed to the end off the
    /// cooperative pool.
    static func run(_ circuit: Circuit, _ inputs: [[Int128]], seed: UInt64, reorder: UInt64? = nil) async throws -> Outcome {
        let n = inputs.count
        let configuration = try BeaverConfiguration(
            sessionID: testSession(3), memberCount: n, bitLength: BeaverConfiguration.largestBitLength(memberCount: n))
        var rng = DeterministicRNG(seed: seed)
        let machines: [any ProtocolStateMachine<BeaverRunMessage, [UInt128]>] = try (0..<n).map { i in
            let gate = try CircuitGate(circuit: circuit, inputs: inputs[i], memberCount: n, bitLength: configuration.bitLength)
            return try BeaverRunStateMachine(configuration: configuration, party: PartyID(UInt32(i + 1)), gate: gate, using: &rng)
        }
        return try await offPool {
            var router = InProcessRouter(machines: machines, decode: { bytes throws(MPCProtocolError) in try BeaverRunMessage(wireEncoded: bytes) })
            router.reorderSeed = reorder
            try router.run()
            return Outcome(router)
        }
    }

    @Test("equals the plaintext evaluator with no dealer, whatever the delivery order", arguments: [(3, nil), (2, 7)] as [(Int, UInt64?)])
    func memberGenerated(members: Int, reorder: UInt64?) async throws {
        let inputs: [[Int128]] = Array([[-4, 60], [Int128(Int64.max), 30], [9, 20]].prefix(members))
        let opened = try await Self.run(Self.circuit, inputs, seed: 600, reorder: reorder).agreed(members: members)
        #expect(try CircuitGate.revelations(from: opened, circuit: Self.circuit) == (try Self.circuit.evaluate(memberInputs: inputs)))
        // 110 (or 90 for two members) against 100: shown, or suppressed and opened as (0, 0).
        let shown: UInt128 = members == 3 ? 2 : 0
        #expect(opened[4] == shown)
        if shown == 0 { #expect(opened[5] == 0) }
    }

    /// The default preprocessing covers real wires too: a mean (one division) between two members.
    @Test("a division with member-generated preprocessing equals binary64 within the bound")
    func divisionWithoutDealer() async throws {
        let circuit = Circuit(inputWidth: 2, gates: [
            Gate(.sumInputs, slot: 0), Gate(.sumInputs, slot: 1), Gate(.divide, [1, 0], kind: .real), CircuitGateTests.reveal(2),
        ])
        let inputs: [[Int128]] = [[3, 1_234_567], [4, -20]]
        let opened = try await Self.run(circuit, inputs, seed: 700).agreed(members: 2)
        let got = try CircuitGate.revelations(from: opened, circuit: circuit)
        #expect(CircuitGateTests.close(got, try circuit.evaluate(memberInputs: inputs), tolerance: 1e-6) == [])
    }

    @Test("messages: triple generation and layers decode by tag; a corrupted one is refused")
    func messages() throws {
        let setup = TripleGenerationMessage(sessionID: testSession(4), sender: PartyID(2), payload: .baseSetup([2] + [UInt8](repeating: 1, count: 32)))
        guard case .triples(let decoded) = try BeaverRunMessage(wireEncoded: setup.wireEncoded()) else {
            Issue.record("not decoded as triple generation")
            return
        }
        #expect(decoded.payload == setup.payload && decoded.sender == PartyID(2) && decoded.round == 1)
        let layer = BeaverMessage(sessionID: testSession(4), sender: PartyID(2), step: 3, values: [1])
        guard case .layer = try BeaverRunMessage(wireEncoded: layer.wireEncoded()) else {
            Issue.record("not decoded as a layer")
            return
        }
        var bytes = setup.wireEncoded()
        bytes[bytes.count / 2] ^= 1
        #expect(throws: MPCProtocolError.corruptedMessage) { try BeaverRunMessage(wireEncoded: bytes) }
    }
}

/// Runs CPU-heavy synchronous work (an in-process router) on a Dispatch thread rather than on
/// Swift's cooperative pool, so that the suite's deadline-driven async tests are not starved.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}

/// What a router run left: every party's output, the refusals and aborts (as text), the hops.
struct Outcome: Sendable {
    let outputs: [PartyID: [UInt128]]
    let problems: [String]
    let hops: Int

    init<M: ProtocolMessage>(_ router: InProcessRouter<M, [UInt128]>) {
        outputs = router.outputs
        problems = router.rejections.map { "\($0.error)" } + router.aborts.values.map { "\($0)" }
        hops = router.hops
    }

    /// The output every party agrees on (expectations recorded on the test's own task).
    func agreed(members: Int) throws -> [UInt128] {
        #expect(problems.isEmpty, "\(problems)")
        let first = try #require(outputs[PartyID(1)])
        for party in PartyID.members(members) { #expect(outputs[party] == first) }
        return first
    }
}
