import CircuitCompiler
import ContractLanguage
import Foundation
import Testing

/// Contracts at the language's limits check and compile in time near-linear in their size
/// (issue: chained outputs were cubic, references were followed once per path, and the names of
/// a quantile's cumulative sums grew quadratically). These assert sizes, never times: the old
/// code would take minutes to hours on them, or exhaust memory.
@Suite("Contracts at scale")
struct ScaleTests {
    static func chained(_ count: Int, step: (Int) -> String) -> String {
        let outputs = ["a0 = count()"] + (1..<count).map { "a\($0) = \(step($0))" }
        return """
            contract chained version 1 {
              input t(x: int, y: int)
              compute {
                \(outputs.joined(separator: "\n    "))
              }
              reveal \((0..<count).map { "a\($0)" }.joined(separator: ", ")) to all
            }
            """
    }

    @Test("4,000 chained outputs, every one revealed, check and compile")
    func longChain() throws {
        let compiled = try ContractCompiler.compile(source: Self.chained(4000) { "a\($0 - 1) + 1" })
        #expect(compiled.contract.outputs.count == 4000)
        #expect(compiled.contract.reveals.count == 4000)
        #expect(compiled.contract.isLinear)
    }

    @Test("each output used twice by the next: 2^60 paths, one pass (extrema are computed once per output)")
    func diamondChain() throws {
        let source = Self.chained(60) { $0 == 30 ? "a29 + max(y)" : "a\($0 - 1) - a\($0 - 1)" }
        let compiled = try ContractCompiler.compile(source: source)
        #expect(compiled.contract.outputs.last?.extrema == [.max])
        #expect(compiled.contract.outputs[29].extrema.isEmpty)
    }

    @Test("a quantile over 10,000 buckets: the opened sums' names stay short")
    func quantileNames() throws {
        let source = """
            contract q version 1 {
              input t(x: int)
              local { clip x to [0, 100000] }
              compute { m = quantile(x, 0.5, 10000) }
              reveal m to all
              disclose sums
            }
            """
        let compiled = try ContractCompiler.compile(source: source)
        let names = compiled.disclosedSumNames
        #expect(names.count >= 10000)
        #expect(names.allSatisfy { $0.count < 300 }, "\(names.max { $0.count < $1.count } ?? "")")
        #expect(names.contains { $0.contains("a combination of 10000 partials") }, "\(names.last ?? "")")
    }

    @Test("the syntax tree's JSON stays shallow at 999 operators and decodes back to the same tree")
    func deepTreesAsJSON() throws {
        let sum = Array(repeating: "count()", count: 500).joined(separator: " + ")
        let nested = (0..<499).reduce("count()") { inner, _ in "-(sum(x) - \(inner))" }
        let conditions = Array(repeating: "x > 1", count: 300).joined(separator: " and ")
        let source = """
            contract deep version 1 {
              input t(x: int)
              local { where not (\(conditions) or x is null) }
              compute {
                a = \(sum)
                b = \(nested)
              }
              reveal a, b to all
            }
            """
        let tree = try #require(Parser.parse(source).contract)
        let data = try JSONEncoder().encode(tree)
        #expect(try JSONDecoder().decode(Contract.self, from: data) == tree)
    }
}
