import Circuit
import CircuitCompiler
import ContractLanguage
import Foundation
import Testing
import _TestSupport

/// The example contracts (examples/contracts/*): oracle output matches the independently computed
/// expected.json, and the compiled plan + circuit evaluated in the clear matches the oracle.
struct ExampleTests {
    static let examples = [
        "salary_benchmark", "hospital_length_of_stay", "fraud_rates", "spend_regression",
        "loan_defaults_by_age", "energy_usage", "pharmacy_sales", "emergency_waits",
    ]

    static func directory(_ name: String) -> URL {
        Vectors.repositoryRoot().appendingPathComponent("examples/contracts/\(name)")
    }

    static func load(_ name: String) throws -> (CompiledContract, [[[Value]]]) {
        let dir = directory(name)
        let source = try String(contentsOf: dir.appendingPathComponent("contract.cov"), encoding: .utf8)
        let compiled = try ContractCompiler.compile(source: source)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasPrefix("member-") && $0.hasSuffix(".csv") }.sorted()
        let members = try files.map { file in
            try CSVTable.rows(
                String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8), input: compiled.contract.input)
        }
        return (compiled, members)
    }

    @Test(arguments: examples)
    func oracleMatchesExpected(_ name: String) throws {
        let (compiled, members) = try Self.load(name)
        #expect(compiled.contract.warnings.isEmpty, "\(compiled.contract.warnings)")
        let result = try Oracle.evaluate(compiled.contract, members: members)
        let data = try Data(contentsOf: Self.directory(name).appendingPathComponent("expected.json"))
        let expected = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let groups = try #require(expected["groups"] as? [[String: Any]])
        #expect(expected["contract"] as? String == result.contract)
        #expect(groups.count == result.groups.count)
        for (want, got) in zip(groups, result.groups) {
            let key = try #require(want["key"] as? [String: Any])
            for (name, value) in zip(result.keyNames, got.key) {
                #expect(Self.same(key[name], value), "key \(name): \(String(describing: key[name])) vs \(value)")
            }
            #expect(want["suppressed"] as? Bool == got.suppressed, "\(got.key)")
            guard !got.suppressed else { continue }
            let outputs = try #require(want["outputs"] as? [String: Any])
            #expect(Set(outputs.keys) == Set(got.outputs.keys))
            for (output, value) in got.outputs {
                #expect(Self.same(outputs[output], value), "\(name) \(got.key) \(output): want \(String(describing: outputs[output])), got \(value)")
            }
        }
    }

    @Test(arguments: examples)
    func compiledPlanMatchesOracle(_ name: String) throws {
        let (compiled, members) = try Self.load(name)
        let oracle = try Oracle.evaluate(compiled.contract, members: members)
        let joint = try compiled.evaluateInTheClear(members: members)
        #expect(joint.differences(from: oracle) == [])
    }

    static func same(_ json: Any?, _ value: Value) -> Bool {
        switch value {
        case .text(let s): return json as? String == s
        case .date(let d): return json as? String == d.description
        case .bool(let b): return json as? Bool == b
        default:
            guard let number = json as? NSNumber else { return false }
            return value.description == number.stringValue || Double(value.description) == number.doubleValue
        }
    }

    static func same(_ json: Any?, _ value: OutputValue) -> Bool {
        switch value {
        case .undefined: return json == nil || json is NSNull
        case .date(let d): return json as? String == d.description
        case .histogram(let bins): return (json as? [Int])?.map { Int128($0) } == bins
        default:
            guard let number = json as? NSNumber, let got = value.doubleValue else { return false }
            let want = number.doubleValue
            return abs(want - got) <= 1e-9 * max(1, abs(want), abs(got))
        }
    }

    /// `disclose sums` opens exactly the sums the outputs are computed from, named over the local
    /// plan's partials, and nothing twice (spec §7.5, §8.7).
    @Test func disclosedSumsAreListed() throws {
        let (regression, _) = try Self.load("spend_regression")
        #expect(regression.protocolFamily == .additive && regression.jointCapabilities == [.linear])
        #expect(regression.disclosedSumNames == [
            "count(income, spend) group 0", "sum(income | spend) group 0", "sum(spend | income) group 0",
            "sum(income*spend) group 0", "sum(income^2 | spend) group 0", "sum(spend^2 | income) group 0",
        ])
        let (fraud, _) = try Self.load("fraud_rates")
        // Per channel: the count (also the suppression test), the frauds and the volume.
        #expect(fraud.disclosedSumNames.count == 3 * fraud.localPlan.groupCount)
        #expect(fraud.disclosedSumNames.prefix(3) == ["count() group 0", "sum(fraud) group 0", "sum(amount) group 0"])
        // A linear example opens its outputs only, and names none as disclosed.
        let (energy, _) = try Self.load("energy_usage")
        #expect(energy.opening.opensOutputsOnly && energy.disclosedSumNames.isEmpty)
        // Without the clause, the same contract would need beaver.
        let source = try String(contentsOf: Self.directory("spend_regression").appendingPathComponent("contract.cov"), encoding: .utf8)
        let plain = try ContractCompiler.compile(source: source.replacingOccurrences(of: "disclose sums", with: ""))
        #expect(plain.protocolFamily == .beaver && plain.disclosedSumNames.isEmpty)
    }
}
