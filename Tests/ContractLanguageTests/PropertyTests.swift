import Circuit
import Foundation
import CircuitCompiler
import ContractLanguage
import PropertyBased
import Testing

/// Properties of the language and compiler over random contracts (spec §8.5, §8.6).
struct PropertyTests {
    @Test func prettyPrintThenParseIsTheIdentity() async throws {
        await propertyCheck(count: 200, input: Gen.uint64()) { seed in
            var random = RandomContracts(seed: seed)
            let source = random.contract()
            let first = Parser.parse(source)
            #expect(first.succeeded, "\(first.diagnostics)\n\(source)")
            guard let tree = first.contract else { return }
            let printed = PrettyPrinter.format(tree)
            let second = Parser.parse(printed)
            #expect(second.succeeded, "\(second.diagnostics)\n\(printed)")
            #expect(second.contract == tree, "\(printed)")
            #expect(second.contract.map(PrettyPrinter.format) == printed)
            // The JSON form of the tree round-trips too.
            let json = try JSONEncoder().encode(tree)
            #expect(try JSONDecoder().decode(Contract.self, from: json) == tree)
        }
    }

    @Test func randomContractsTypeCheckAndCompile() async throws {
        await propertyCheck(count: 200, input: Gen.uint64()) { seed in
            var random = RandomContracts(seed: seed)
            let source = random.contract()
            do {
                let compiled = try ContractCompiler.compile(source: source)
                try compiled.circuit.validate()
                #expect(compiled.circuit.inputWidth == compiled.localPlan.width)
                // The type checker's linearity verdict agrees with the circuit's capabilities.
                #expect(compiled.contract.isLinear == (compiled.circuit.requiredCapabilities == [.linear]))
            } catch {
                Issue.record("\(error)\n\(source)")
            }
        }
    }

    @Test func idIsStableUnderReformatting() async throws {
        await propertyCheck(count: 100, input: Gen.uint64()) { seed in
            var random = RandomContracts(seed: seed)
            let source = random.contract()
            let reformatted = random.reformat(source)
            let a = try ContractCompiler.compile(source: source)
            let b = try ContractCompiler.compile(source: reformatted)
            #expect(a.contractID == b.contractID, "\(reformatted)")
            #expect(a.planHash == b.planHash)
        }
    }

    @Test func idChangesWithTheVersion() async throws {
        await propertyCheck(count: 50, input: Gen.uint64()) { seed in
            var random = RandomContracts(seed: seed)
            let source = random.contract()
            let a = try ContractCompiler.compile(source: source)
            let bumped = source.replacingFirst(" version ", with: " version 1")
            let b = try ContractCompiler.compile(source: bumped)
            #expect(a.contractID != b.contractID)
        }
    }

    /// The split plan (local partials + joint circuit, evaluated in the clear) computes exactly
    /// what the oracle computes from the union of rows: MP-SPDZ's "same program, every protocol"
    /// check as a unit test.
    @Test func jointEvaluationMatchesOracle() async throws {
        var definedOutputs = 0
        await propertyCheck(count: 200, input: Gen.uint64()) { seed in
            var random = RandomContracts(seed: seed)
            let source = random.contract()
            let members = (0..<random.int(1...4)).map { _ in random.rows() }
            let compiled = try ContractCompiler.compile(source: source)
            let oracle = try Oracle.evaluate(compiled.contract, members: members)
            let joint = try compiled.evaluateInTheClear(members: members)
            #expect(joint.differences(from: oracle) == [], "\(source)")
            definedOutputs += oracle.groups.reduce(0) { total, group in
                total + group.outputs.values.filter { $0 != .undefined && $0 != .int(0) }.count
            }
        }
        // The property is not vacuous: most runs produce real, non-zero outputs.
        #expect(definedOutputs > 500)
    }

    /// Opening at the frontier (spec §8.7) changes nothing: each member's affine contribution,
    /// summed, plus the constants once, then the finalisation circuit in the clear, reveals
    /// exactly what the whole circuit reveals — for every contract without a min or max.
    @Test func openingAtTheFrontierMatchesTheCircuit() async throws {
        var opened = 0
        var disclosing = 0
        await propertyCheck(count: 200, input: Gen.uint64()) { seed in
            var random = RandomContracts(seed: seed)
            let source = random.contract()
            let members = (0..<random.int(1...4)).map { _ in random.rows() }
            let compiled = try ContractCompiler.compile(source: source)
            let split = compiled.opening
            guard split.comparisonGates.isEmpty else { return }
            let vectors = try members.map { try compiled.localPlan.execute(rows: $0) }
            let zero = [Int128](repeating: 0, count: compiled.circuit.inputWidth)
            var sum = try compiled.circuit.evaluateAffine(split.openedWires, on: zero, includingConstants: true)
            for vector in vectors {
                let part = try compiled.circuit.evaluateAffine(split.openedWires, on: vector, includingConstants: false)
                sum = zip(sum, part).map { $0 + $1 }
            }
            let viaOpening = try split.finalisation.evaluate(memberInputs: [sum])
            #expect(viaOpening == (try compiled.circuit.evaluate(memberInputs: vectors)), "\(source)")
            // The frontier holds integers only, and nothing opened twice.
            #expect(split.openedWires.allSatisfy { compiled.circuit.gates[$0].kind == .integer })
            #expect(Set(split.openedWires).count == split.openedWires.count)
            // A linear contract opens its outputs and nothing else.
            if compiled.contract.isLinear { #expect(split.disclosedWires.isEmpty, "\(source)") }
            opened += split.openedWires.count
            if !split.disclosedWires.isEmpty { disclosing += 1 }
        }
        #expect(opened > 200 && disclosing > 20)
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
