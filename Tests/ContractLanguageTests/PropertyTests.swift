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
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
