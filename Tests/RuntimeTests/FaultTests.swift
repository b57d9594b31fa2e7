import Circuit
import CircuitCompiler
import MPCProtocols
import ConsortiumLedger
import ContractLanguage
import Foundation
import Runtime
import Testing

/// Injected faults (protocols/runtime.md#fault-handling): a clean abort with a `run-aborted` entry,
/// or — for faults a protocol tolerates by design — the exact result. Never a wrong number.
@Suite("Injected faults")
struct FaultTests {
    /// Deadline for faults that must abort (they wait for it) and for faults that must not
    /// (generous, so a loaded machine does not turn a slow honest party into a dropout).
    static let abortDeadline = Duration.milliseconds(1500)
    static let exactDeadline = Duration.seconds(20)

    enum Expectation: Sendable { case abort(containing: String), exact }

    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let faults: FaultPlan
        let expectation: Expectation
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "drop", faults: FaultPlan(rules: [FaultRule(.drop, on: MessageMatch(from: PartyID(2)))]), expectation: .abort(containing: "")),
        Case(name: "corrupt", faults: FaultPlan(rules: [FaultRule(.corrupt(bit: nil), on: MessageMatch(from: PartyID(1)))]), expectation: .abort(containing: "integrity digest")),
        Case(name: "corrupt-header-bit", faults: FaultPlan(rules: [FaultRule(.corrupt(bit: 100), on: MessageMatch(from: PartyID(2)))]), expectation: .abort(containing: "rejected a message")),
        // Under secagg the aggregator may also count the sender of what it cannot read as dropped
        // before a rejection is reported: then the abort names the threshold.
        Case(name: "truncate", faults: FaultPlan(rules: [FaultRule(.truncate(bytes: 5), on: MessageMatch(from: PartyID(3)))]), expectation: .abort(containing: "rejected a message|the threshold is")),
        Case(name: "long-delay", faults: FaultPlan(rules: [FaultRule(.delay(.seconds(30)), on: MessageMatch(from: PartyID(2)))]), expectation: .abort(containing: "")),
        Case(name: "short-delay", faults: FaultPlan(rules: [FaultRule(.delay(.milliseconds(30)), on: MessageMatch(from: PartyID(2)), limit: 3)]), expectation: .exact),
        Case(name: "duplicate", faults: FaultPlan(rules: [FaultRule(.duplicate, on: MessageMatch(), limit: 100)]), expectation: .exact),
        Case(name: "reorder", faults: FaultPlan(reorderSeed: 42), expectation: .exact),
    ]

    @Test("additive, secagg and paillier under each fault", arguments: [ProtocolFamily.additive, .secagg, .paillier], cases)
    func fault(_ family: ProtocolFamily, _ fault: Case) async throws {
        let fixture = try await hospitalConsortium(count: 3, rows: 80)
        if family == .paillier { try await fixture.holdTestKeyCeremony(threshold: 3) }
        let deadline: Duration
        if case .exact = fault.expectation { deadline = Self.exactDeadline } else { deadline = Self.abortDeadline }
        let report = try await fixture.consortium.run(
            fixture.compiled,
            options: RunOptions(protocolFamily: family, roundTimeout: deadline, secaggThreshold: 3, transport: InMemoryTransport(faults: fault.faults)))
        let audit = await fixture.auditStatus(of: report)
        #expect(audit.passed, "\(audit.failure ?? "")")
        switch fault.expectation {
        case .exact:
            #expect(report.isPublished, "\(report.abortReason ?? "")")
            #expect(compare(report, with: try fixture.sqliteOracle(members: report.contributors)) == [])
            #expect(report.contributors == fixture.names)
            #expect(audit.status == "published")
        case .abort(let text):
            // Never a wrong number: either aborted, or (secagg/paillier treating the fault as a
            // dropout of a member below threshold) aborted too, since t = n here.
            #expect(!report.isPublished, "published despite \(fault.name)")
            #expect(report.result == nil && report.views.isEmpty)
            let reasons = text.split(separator: "|").map(String.init)
            #expect(reasons.isEmpty || reasons.contains { report.abortReason?.contains($0) == true }, "\(report.abortReason ?? "")")
            #expect(audit.status == "aborted")
        }
    }

    @Test("a secagg dropout caused by a dropped message is tolerated above the threshold, and exact")
    func secaggDroppedMessageTolerated() async throws {
        let fixture = try await hospitalConsortium(count: 4, rows: 80)
        // Party 4's masked input (round 2) never arrives: the aggregator declares it dropped.
        let faults = FaultPlan(rules: [FaultRule(.drop, on: MessageMatch(from: PartyID(4), round: 2))])
        let report = try await fixture.consortium.run(
            fixture.compiled,
            options: RunOptions(
                protocolFamily: .secagg, roundTimeout: .seconds(2), secaggThreshold: 3, transport: InMemoryTransport(faults: faults),
                clock: VirtualClock()))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        let three = Array(fixture.names.prefix(3))
        #expect(report.contributors == three)
        #expect(compare(report, with: try fixture.sqliteOracle(members: three)) == [])
    }
}
