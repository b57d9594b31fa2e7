import Circuit
import CircuitCompiler
import ContractLanguage
import Foundation
import Testing
import _TestSupport

/// Exact quantiles (spec §8.3) against Python's `statistics` module
/// (protocols/contract-language/vectors/v1/quantiles.json, written by
/// protocols/tools/quantile_vectors.py): the oracle and the compiled plan and circuit, evaluated
/// in the clear, give Python's values for every method and probability, on random data with a
/// declared resolution, ties, one or two values, values clipped to the bounds, and no values.
struct QuantileReferenceTests {
    struct Query: Decodable, Sendable {
        let p: String
        let method: String
        let expected: Double?
    }

    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let type: String
        let low: String
        let high: String
        let members: [[String]]
        let queries: [Query]
        var testDescription: String { name }

        /// One output per query, `q0`, `q1`, …, beside the count.
        var source: String {
            let outputs = queries.enumerated().map { "    q\($0) = quantile(v, \($1.p), \($1.method))" }
            let names = ["n"] + queries.indices.map { "q\($0)" }
            return """
                contract quantiles version 1 {
                  input t(id: int, v: \(type))
                  local { clip v to [\(low), \(high)] }
                  compute {
                    n = count(v)
                \(outputs.joined(separator: "\n"))
                  }
                  reveal \(names.joined(separator: ", ")) to all
                }
                """
        }

        /// The members' CSV files: an id column keeps a row with a null value from being blank.
        var csvFiles: [String] {
            members.map { values in
                "id,v\n" + values.enumerated().map { "\($0),\($1)\n" }.joined()
            }
        }

        func rows(for compiled: CompiledContract) throws -> [[[Value]]] {
            try csvFiles.map { try CSVTable.rows($0, input: compiled.contract.input) }
        }
    }

    static let cases: [Case] = (try? Vectors.load(VectorFile.self, from: "protocols/contract-language/vectors/v1/quantiles.json").cases) ?? []

    struct VectorFile: Decodable { let cases: [Case] }

    @Test func vectorsLoad() {
        #expect(Self.cases.count >= 20)
        #expect(Self.cases.contains { $0.queries.contains { $0.expected == nil } }, "a case without values")
    }

    @Test(arguments: cases)
    func oracleAndCircuitMatchPython(_ testCase: Case) throws {
        let compiled = try ContractCompiler.compile(source: testCase.source)
        let members = try testCase.rows(for: compiled)
        let oracle = try Oracle.evaluate(compiled.contract, members: members)
        let joint = try compiled.evaluateInTheClear(members: members)
        for (name, result) in [("oracle", oracle), ("circuit", joint)] {
            let outputs = try #require(result.groups.first?.outputs)
            for (index, query) in testCase.queries.enumerated() {
                let got = try #require(outputs["q\(index)"])
                let label = "\(name) quantile(v, \(query.p), \(query.method))"
                guard let want = query.expected else {
                    #expect(got == .undefined, "\(label): \(got)")
                    continue
                }
                let value = try #require(got.doubleValue, "\(label): \(got)")
                #expect(abs(value - want) <= 1e-9 * max(1, abs(want)), "\(label): want \(want), got \(value)")
            }
        }
    }

    /// p = 0 and p = 1 (outside Python's cut points): the extreme order statistics, except that
    /// `exclusive` extrapolates beyond them as Python's arithmetic does at p = 1/(n+1) steps.
    @Test func extremeProbabilities() throws {
        let source = """
            contract ends version 1 {
              input t(v: int)
              local { clip v to [0, 100] }
              compute {
                a = quantile(v, 0, inverted_cdf)
                b = quantile(v, 1, inverted_cdf)
                c = quantile(v, 0, inclusive)
                d = quantile(v, 1, inclusive)
                e = quantile(v, 0, exclusive)
                f = quantile(v, 1, exclusive)
                g = median(v, inclusive)
              }
              reveal a, b, c, d, e, f, g to all
            }
            """
        let compiled = try ContractCompiler.compile(source: source)
        let members = [[[Value.int(7)], [.int(40)]], [[.int(3)], [.int(90)]]]
        // Sorted 3, 7, 40, 90. exclusive at p = 0: j clamped to 1, delta = 0 − 1·1 → x0 − (x1 − x0).
        let want: [String: Double] = ["a": 3, "b": 90, "c": 3, "d": 90, "e": -1, "f": 140, "g": 23.5]
        for result in [try Oracle.evaluate(compiled.contract, members: members), try compiled.evaluateInTheClear(members: members)] {
            let outputs = try #require(result.groups.first?.outputs)
            for (name, value) in want {
                #expect(outputs[name]?.doubleValue.map { abs($0 - value) < 1e-9 } == true, "\(name): \(String(describing: outputs[name]))")
            }
        }
    }

    /// The search costs ⌈log2 K⌉ comparisons per order statistic instead of one per value, and
    /// about 2K products (spec §8.3).
    @Test func costGrowsWithTheLogarithmOfTheValues() throws {
        func cost(_ method: String) throws -> (comparisons: Int, products: Int) {
            let compiled = try ContractCompiler.compile(source: """
                contract c version 1 {
                  input t(v: decimal(1))
                  local { clip v to [0, 60] }
                  compute { m = quantile(v, 0.9, \(method)) }
                  reveal m to all
                }
                """)
            let gates = compiled.circuit.gates
            return (gates.filter { $0.opcode == .greaterOrEqual }.count,
                    gates.filter { $0.opcode == .multiply || $0.opcode == .select }.count)
        }
        // 601 values → 10 levels; n ≥ 1 validity; exclusive clamps its rank with 3 more.
        let inverted = try cost("inverted_cdf"), inclusive = try cost("inclusive"), exclusive = try cost("exclusive")
        #expect(inverted.comparisons == 10 + 1)
        #expect(inclusive.comparisons == 2 * 10 + 1)
        #expect(exclusive.comparisons == 2 * 10 + 1 + 3)
        #expect(inverted.products <= 2 * 601, "\(inverted)")
        #expect(inclusive.products <= 4 * 601 && exclusive.products <= 4 * 601 + 3, "\(inclusive) \(exclusive)")
    }
}
