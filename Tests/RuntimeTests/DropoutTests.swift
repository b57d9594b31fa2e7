import Circuit
import CircuitCompiler
import MPCProtocols
import ConsortiumLedger
import ContractLanguage
import Foundation
import Runtime
import Testing

/// Dropout semantics (protocols/runtime.md#dropout-semantics): secagg sums `U3`; paillier sums
/// the contributors and needs `t` decryption shares; additive needs everyone.
@Suite("Dropouts", .timeLimit(.minutes(5)))
struct DropoutTests {
    /// Dropouts are detected at the round deadline, kept on a virtual clock: time stands still
    /// while a survivor computes, so survivors are never late, and the deadlines pass without
    /// being waited for (protocols/runtime.md#deadlines).
    static let deadline = Duration.seconds(60)

    @Test("secagg, 5 members, t = 3: two drop at round k, the result is exact over U3", arguments: [UInt8(0), 1, 2, 3])
    func secaggSurvives(round: UInt8) async throws {
        let transport = InMemoryTransport(faults: FaultPlan(crashes: [PartyID(4): round, PartyID(5): round]))
        let fixture = try await hospitalConsortium(count: 5)
        let report = try await fixture.consortium.run(
            fixture.compiled, options: RunOptions(protocolFamily: .secagg, roundTimeout: Self.deadline, secaggThreshold: 3, transport: transport, clock: VirtualClock()))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        // Dropped before the masked input (rounds 0–2): excluded; during unmasking (3): included.
        let expected = round == 3 ? fixture.names : Array(fixture.names.prefix(3))
        #expect(report.contributors == expected)
        #expect(compare(report, with: try fixture.sqliteOracle(members: expected)) == [])
        // Rule L12: the ledger lists the contributors; only those that received the output
        // endorse it (a member that dropped out has checked nothing and signs nothing).
        let published = try #require(await fixture.consortium.ledger.state.runs[report.runID]?.result)
        #expect(published.contributors == expected.sorted())
        #expect(published.endorsements.map(\.signer).sorted() == Array(fixture.names.prefix(3)).sorted())
        let audit = await fixture.auditStatus(of: report)
        #expect(audit.passed, "\(audit.failure ?? "")")
        #expect(audit.status == "published")
    }

    @Test("secagg, 5 members, t = 3: three drop at round k → clean abort, no result", arguments: [UInt8(0), 1, 2, 3])
    func secaggBelowThreshold(round: UInt8) async throws {
        let crashes = [PartyID(3): round, PartyID(4): round, PartyID(5): round]
        let fixture = try await hospitalConsortium(count: 5)
        let report = try await fixture.consortium.run(
            fixture.compiled,
            options: RunOptions(protocolFamily: .secagg, roundTimeout: Self.deadline, secaggThreshold: 3, transport: InMemoryTransport(faults: FaultPlan(crashes: crashes)), clock: VirtualClock()))
        #expect(!report.isPublished)
        #expect(report.result == nil && report.views.isEmpty)
        #expect(report.abortReason?.contains("threshold is 3") == true, "\(report.abortReason ?? "")")
        let audit = await fixture.auditStatus(of: report)
        #expect(audit.passed, "\(audit.failure ?? "")")
        #expect(audit.status == "aborted")
    }

    @Test("members refusing dropouts: secagg with t < n is refused before the joint phase, a dropout at t = n aborts, paillier over fewer than every member aborts; with everyone, exact")
    func refusingDropouts() async throws {
        var policy = ParameterPolicy.insecureForTests
        policy.refusesDropouts = true
        let fixture = try await hospitalConsortium(count: 4, parameters: policy)
        func run(_ family: ProtocolFamily, threshold: Int? = nil, crashes: [PartyID: UInt8] = [:]) async throws -> RunReport {
            try await fixture.consortium.run(
                fixture.compiled,
                options: RunOptions(
                    protocolFamily: family, roundTimeout: Self.deadline, secaggThreshold: threshold,
                    transport: InMemoryTransport(faults: FaultPlan(crashes: crashes)), clock: VirtualClock()))
        }
        let refused = try await run(.secagg, threshold: 3)
        #expect(!refused.isPublished)
        #expect(refused.abortReason?.contains("refuseDropouts") == true, "\(refused.abortReason ?? "")")
        let dropped = try await run(.secagg, threshold: 4, crashes: [PartyID(4): 1])
        #expect(!dropped.isPublished, "a result over three of four was published")
        let everyone = try await run(.secagg, threshold: 4)
        #expect(everyone.isPublished, "\(everyone.abortReason ?? "")")
        #expect(compare(everyone, with: try fixture.sqliteOracle(members: fixture.names)) == [])

        try await fixture.holdTestKeyCeremony(threshold: 3)
        let leftOut = try await run(.paillier, crashes: [PartyID(4): 1])
        #expect(!leftOut.isPublished, "a paillier result over three of four was published")
        let all = try await run(.paillier)
        #expect(all.isPublished, "\(all.abortReason ?? "")")
        #expect(all.contributors == fixture.names)
        let audit = await fixture.consortium.audit()
        #expect(audit.passed, "\(String(describing: audit.failure))")
    }

    @Test("paillier 3-of-4: one key holder silent at decryption → exact; one member never commits → exact over three")
    func paillierAboveThreshold() async throws {
        let fixture = try await hospitalConsortium(count: 4)
        try await fixture.holdTestKeyCeremony(threshold: 3)
        let silentDecryptor = try await fixture.consortium.run(
            fixture.compiled,
            options: RunOptions(protocolFamily: .paillier, roundTimeout: Self.deadline, transport: InMemoryTransport(faults: FaultPlan(crashes: [PartyID(2): 3])), clock: VirtualClock()))
        #expect(silentDecryptor.isPublished, "\(silentDecryptor.abortReason ?? "")")
        #expect(silentDecryptor.contributors == fixture.names)
        #expect(silentDecryptor.decryptors.count == 3 && !silentDecryptor.decryptors.contains(fixture.names[1]))
        #expect(compare(silentDecryptor, with: try fixture.sqliteOracle(members: fixture.names)) == [])

        let noCommit = try await fixture.consortium.run(
            fixture.compiled,
            options: RunOptions(protocolFamily: .paillier, roundTimeout: Self.deadline, transport: InMemoryTransport(faults: FaultPlan(crashes: [PartyID(4): 1])), clock: VirtualClock()))
        #expect(noCommit.isPublished, "\(noCommit.abortReason ?? "")")
        let three = Array(fixture.names.prefix(3))
        #expect(noCommit.contributors == three)
        #expect(compare(noCommit, with: try fixture.sqliteOracle(members: three)) == [])
        let audit = await fixture.consortium.audit()
        #expect(audit.passed)
    }

    @Test("paillier 3-of-4: two key holders silent at decryption → clean abort")
    func paillierBelowThreshold() async throws {
        let fixture = try await hospitalConsortium(count: 4)
        try await fixture.holdTestKeyCeremony(threshold: 3)
        let report = try await fixture.consortium.run(
            fixture.compiled,
            options: RunOptions(protocolFamily: .paillier, roundTimeout: Self.deadline, transport: InMemoryTransport(faults: FaultPlan(crashes: [PartyID(2): 3, PartyID(3): 3])), clock: VirtualClock()))
        #expect(!report.isPublished)
        #expect(report.result == nil)
        #expect(report.abortReason?.contains("2 valid decryption shares, 3 needed") == true, "\(report.abortReason ?? "")")
        let audit = await fixture.auditStatus(of: report)
        #expect(audit.passed && audit.status == "aborted")
    }

    @Test("additive: any dropout aborts cleanly", arguments: [UInt8(1), 2])
    func additiveDropout(round: UInt8) async throws {
        let fixture = try await hospitalConsortium(count: 3)
        let report = try await fixture.consortium.run(
            fixture.compiled,
            options: RunOptions(protocolFamily: .additive, roundTimeout: Self.deadline, transport: InMemoryTransport(faults: FaultPlan(crashes: [PartyID(3): round])), clock: VirtualClock()))
        #expect(!report.isPublished)
        #expect(report.result == nil)
        #expect(report.abortReason?.contains("dropped out") == true || report.abortReason?.contains("cut off") == true, "\(report.abortReason ?? "")")
        let audit = await fixture.auditStatus(of: report)
        #expect(audit.passed && audit.status == "aborted")
    }

    @Test("secagg: fewer contributors than 'require participants' → abort after the protocol")
    func contributorsBelowRequirement() async throws {
        let source = DemoData.contractSource.replacingOccurrences(of: "require participants >= 2", with: "require participants >= 4")
        let fixture = try await hospitalConsortium(count: 5, source: source)
        let report = try await fixture.consortium.run(
            fixture.compiled,
            options: RunOptions(protocolFamily: .secagg, roundTimeout: Self.deadline, secaggThreshold: 3, transport: InMemoryTransport(faults: FaultPlan(crashes: [PartyID(4): 2, PartyID(5): 2])), clock: VirtualClock()))
        #expect(!report.isPublished)
        #expect(report.abortReason?.contains("requires participants >= 4") == true, "\(report.abortReason ?? "")")
    }

    @Test("deadlines on virtual time: a member silent from the start is dropped at the round deadline (here ten minutes) without waiting for it, and secagg finishes over the others")
    func virtualDeadlines() async throws {
        let fixture = try await hospitalConsortium(count: 4)
        let clock = VirtualClock()
        let report = try await fixture.consortium.run(
            fixture.compiled,
            options: RunOptions(
                protocolFamily: .secagg, roundTimeout: .seconds(600), secaggThreshold: 3,
                transport: InMemoryTransport(faults: FaultPlan(crashes: [PartyID(4): 0])), clock: clock))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        #expect(report.contributors == Array(fixture.names.prefix(3)))
        // The dropout was declared at a round deadline that passed on the clock.
        #expect(clock.elapsed >= .seconds(600))
        // A run with every member present passes no deadline at all.
        let steady = VirtualClock()
        let full = try await fixture.consortium.run(
            fixture.compiled, options: RunOptions(protocolFamily: .secagg, roundTimeout: .seconds(600), secaggThreshold: 3, clock: steady))
        #expect(full.isPublished && full.contributors.count == 4)
        #expect(steady.elapsed == .zero)
    }
}
