import Circuit
import CircuitCompiler
import ConsortiumLedger
import CryptoPrimitives
import DataSources
import Foundation
import MPCProtocols
import ContractLanguage
import Runtime
import Testing

/// Linear contracts beyond the examples: negative decimals, constants added once, differences,
/// group-by a bool, CSV and SQLite members side by side, visibility by member and role.
@Suite("Linear contracts")
struct LinearContractTests {
    static let source = """
        contract balances version 1 {
          input accounts(region: text, balance: decimal(2), overdrawn: bool, opened: date)
          local {
            where opened >= date "2020-01-01"
            clip balance to [-5000, 100000]
          }
          compute by region in ("north", "south"), overdrawn {
            n        = count()
            total    = sum(balance)
            shifted  = total - 100.5
            fees     = n * 3 + 7
            dated    = count(opened)
            spread   = histogram(balance, [-5000, 0, 1000, 100000])
          }
          reveal n, total, shifted, fees, spread to all
          reveal dated to member "bank-c"
          reveal fees to role "auditor"
          protocol auto
        }
        """

    static func csv(_ rows: [String]) -> String { "region,balance,overdrawn,opened\n" + rows.joined(separator: "\n") + "\n" }

    @Test("exact under additive, secagg and paillier; constants counted once; views follow reveal clauses", arguments: [ProtocolFamily.additive, .secagg, .paillier])
    func balances(_ family: ProtocolFamily) async throws {
        let data = TemporaryDirectory("balances")
        let a = data.file("a.csv"), b = data.file("b.csv"), c = data.file("c.csv")
        try Self.csv(["north,-120.50,true,2021-03-01", "north,2500.00,false,2022-07-09", "south,99999.99,false,2023-01-01", "south,,false,2019-05-05"]).write(toFile: a, atomically: true, encoding: .utf8)
        try Self.csv(["south,-4999.99,true,2020-01-01", "north,-6000,true,2024-02-29", "south,150000.00,false,2024-01-01", "east,10,false,2024-01-01"]).write(toFile: b, atomically: true, encoding: .utf8)
        try Self.csv(["north,0.01,false,2020-06-06", "north,,true,2022-02-02"]).write(toFile: c, atomically: true, encoding: .utf8)
        let fixture = try await TestConsortium.make(
            source: Self.source, csvFiles: [a, b, c], names: ["bank-a", "bank-b", "bank-c"], roles: ["bank-b": ["auditor"]])
        if family == .paillier { try await fixture.holdTestKeyCeremony(threshold: 2) }
        let report = try await fixture.consortium.run(fixture.compiled, options: .patient(family))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        let oracle = try fixture.oracle()
        #expect(compare(report, with: oracle) == [])
        #expect(report.result?.outputNames.sorted() == ["dated", "fees", "n", "shifted", "spread", "total"])
        #expect(report.views["bank-c"]?.outputNames.contains("dated") == true)
        #expect(report.views["bank-a"]?.outputNames.contains("dated") == false)
        #expect(report.publicResult?.outputNames.contains("dated") == false)
        #expect(report.views["bank-b"]?.outputNames.contains("fees") == true)
        // The member's own view, handed to its actor, is the same as the report's.
        let viewOfC = await fixture.consortium.member(named: "bank-c")!.view(of: report.runID)
        #expect(viewOfC?.result.outputNames == report.views["bank-c"]?.outputNames)
        #expect(viewOfC?.contributors == fixture.names)
        let audit = await fixture.consortium.audit()
        #expect(audit.passed, "\(String(describing: audit.failure))")
        // The ledger's revealed values are exactly the public result.
        let revealed = audit.runs.first?.revealedHash
        #expect(revealed == ResultPublication.hashRevealedValues(Array(report.publicResult!.json.utf8)).hex)
    }

    @Test("the aggregation plan: linear part per member plus constants once equals the plaintext circuit")
    func planMatchesCircuit() throws {
        let compiled = compile(Self.source)
        let plan = try AggregationPlan(compiled)
        let x: [Int128] = (0..<plan.inputWidth).map { Int128($0 * 37 - 100) }
        let y: [Int128] = (0..<plan.inputWidth).map { Int128(5 - $0 * 11) }
        let sum = zip(try plan.contribution(of: x), try plan.contribution(of: y)).map { $0 + $1 }
        let viaPlan = try plan.result(values: zip(sum, plan.constants).map { $0 + $1 }, contract: compiled.contract)
        let clear = ContractResult(revelations: try compiled.circuit.evaluate(memberInputs: [x, y]), contract: compiled.contract)
        #expect(viaPlan.differences(from: clear, relativeTolerance: 0) == [])
    }

    @Test("an opened value whose constant leaves no room in 128 bits throws instead of trapping")
    func openedValueOverflowThrows() throws {
        // s = sum(x) + (2^127 − 1): members contribute x itself (inside the 64-bit bound), the
        // constant fits, and any positive sum overflows when the constant is added.
        let compiled = compile("""
            contract edge version 1 {
              input t(x: int)
              compute { s = sum(x) + (((sum(x) - sum(x) + 170) * 1000000000 * 1000000000 + 141183460469231731) * 1000000000 * 1000000000 + 687303715884105727) }
              reveal s to all
            }
            """)
        let plan = try AggregationPlan(compiled)
        #expect(plan.constants == [Int128.max])
        #expect(try plan.encode(plan.contribution(of: [5]), members: 2) == [5])
        #expect(try plan.values(fromSum: [UInt64(bitPattern: -1)]) == [Int128.max - 1])
        #expect(throws: RuntimeError.self) { try plan.values(fromSum: [1]) }
        #expect(throws: RuntimeError.self) { try plan.publicResult(fromSum: [1], contract: compiled.contract) }
    }

    @Test("a contribution beyond the 64-bit bound aborts before the joint phase, naming the output but not the value")
    func outOfRange() async throws {
        let example = try Example.load("energy_usage")
        let source = withProtocolAuto(example.source).replacingOccurrences(of: "per_1000  = total_kwh * 1000", with: "per_1000  = total_kwh * 1000000000000000 + count(tariff)")
        let fixture = try await TestConsortium.make(source: source, csvFiles: example.csvFiles)
        let report = try await fixture.consortium.run(fixture.compiled)
        #expect(!report.isPublished)
        #expect(report.abortReason?.contains("64-bit range") == true, "\(report.abortReason ?? "")")
        #expect(report.memberErrors.values.contains { $0.contains("per_1000") })
        let audit = await fixture.auditStatus(of: report)
        #expect(audit.passed && audit.status == "aborted")
    }

    @Test("invalid member data aborts before any commitment; the ledger reason carries no value")
    func invalidData() async throws {
        let example = try Example.load("energy_usage")
        let data = TemporaryDirectory("bad")
        let bad = data.file("bad.csv")
        try "read_on,kwh,tariff,smart\n2024-01-04,760,night,true\n2024-01-05,7x9,day,false\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let fixture = try await TestConsortium.make(source: example.source, csvFiles: [example.csvFiles[0], bad])
        let report = try await fixture.consortium.run(fixture.compiled)
        #expect(!report.isPublished)
        #expect(report.abortReason?.contains("member member-b: input rejected") == true, "\(report.abortReason ?? "")")
        #expect(report.abortReason?.contains("7x9") == false)
        #expect(report.memberErrors["member-b"]?.contains("bad.csv") == true)
        let audit = await fixture.consortium.audit()
        #expect(audit.passed)
        #expect(audit.runs.first?.commitments.isEmpty == true)
        #expect(audit.runs.first?.status == "aborted")
    }
}
