import CircuitCompiler
import ContractLanguage
import Testing

/// The oracle (`covenant contract evaluate`) runs on member files: arithmetic that leaves 128
/// bits throws `CompilerError.overflow`, never traps.
struct OracleOverflowTests {
    /// −(sum(x)·sum(y)) with sum(x) = −2^64 and sum(y) = 2^63: the product is exactly
    /// Int128.min, whose negation does not fit.
    @Test func negatingTheMinimumThrows() throws {
        let compiled = try ContractCompiler.compile(
            source: """
                contract edge version 1 {
                  input t(x: int, y: int)
                  compute { p = -(sum(x) * sum(y)) }
                  reveal p to all
                }
                """)
        let rows: [[Value]] = [[.int(.min), .int(1 << 62)], [.int(.min), .int(1 << 62)]]
        #expect(throws: CompilerError.self) { try Oracle.evaluate(compiled.contract, members: [rows]) }
        let small: [[Value]] = [[.int(-3), .int(2)], [.int(1), .int(5)]]
        let result = try Oracle.evaluate(compiled.contract, members: [small])
        #expect(result.groups.first?.outputs["p"] == .int(14))
    }
}
