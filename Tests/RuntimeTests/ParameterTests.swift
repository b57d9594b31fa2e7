import Circuit
import ConsortiumLedger
import Foundation
import MPCProtocols
import Runtime
import Testing
import WireFormat

/// Weak parameters are refused on every production path (issue 9, item 6): a small Paillier
/// modulus, a minority decryption threshold, a SecAgg threshold of half the members or less.
@Suite("Parameter minimums")
struct ParameterTests {
    /// A consortium over the energy example with the production policy.
    static func production() async throws -> (TestConsortium, Consortium) {
        let example = try Example.load("energy_usage")
        let fixture = try await TestConsortium.make(source: withProtocolAuto(example.source), csvFiles: example.csvFiles)
        let secure = Consortium(
            name: "production", members: fixture.consortium.members, ledger: fixture.consortium.ledger, parameters: .production)
        return (fixture, secure)
    }

    @Test("512-bit keys and a minority threshold are refused before anything is recorded")
    func weakCeremonies() async throws {
        let (fixture, secure) = try await Self.production()
        let before = await secure.ledger.size
        let (small, shares) = try testThresholdKey(threshold: 2, holders: fixture.names.count)
        let error = await #expect(throws: RuntimeError.self) {
            try await secure.recordKeyCeremony(publicKey: small, shares: shares, holders: fixture.names)
        }
        #expect(error?.message.contains("below the production minimum of 2048 bits") == true, "\(error?.message ?? "")")
        #expect(await secure.ledger.size == before)
        #expect(throws: RuntimeError.self) { try ParameterPolicy.production.checkPaillier(bits: 2048, threshold: 1, holders: 4) }
        #expect(throws: RuntimeError.self) { try ParameterPolicy.production.checkPaillier(bits: 2048, threshold: 2, holders: 4) }
        try ParameterPolicy.production.checkPaillier(bits: 2048, threshold: 3, holders: 4)
        // The explicitly insecure policy accepts them (tests only).
        try ParameterPolicy.insecureForTests.checkPaillier(bits: 512, threshold: 1, holders: 4)
    }

    @Test("SecAgg with t at half the members or less is refused before run-started")
    func weakSecAgg() async throws {
        let (fixture, secure) = try await Self.production()
        let before = await secure.ledger.size
        #expect(fixture.names.count == 2)
        let error = await #expect(throws: RuntimeError.self) {
            try await secure.run(fixture.compiled, options: RunOptions(protocolFamily: .secagg, secaggThreshold: 1))
        }
        #expect(error?.message.contains("SecAgg threshold of 1 of 2") == true, "\(error?.message ?? "")")
        #expect(await secure.ledger.size == before)
        #expect(throws: RuntimeError.self) { try ParameterPolicy.production.checkSecAgg(threshold: 2, members: 4) }
        try ParameterPolicy.production.checkSecAgg(threshold: 3, members: 4)
        // The default threshold is the production majority, and it runs.
        let report = try await secure.run(fixture.compiled, options: RunOptions(protocolFamily: .secagg))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
    }

    @Test("the audit flags weak parameters recorded on the ledger, and an inconsistent ceremony record")
    func auditFlagsWeakParameters() async throws {
        let example = try Example.load("energy_usage")
        let fixture = try await TestConsortium.make(source: withProtocolAuto(example.source), csvFiles: example.csvFiles)
        try await fixture.holdTestKeyCeremony(threshold: 1)
        let audit = await fixture.consortium.audit()
        #expect(audit.passed, "\(String(describing: audit.failure))")
        // The 512-bit key and the 1-of-2 threshold; the record itself is consistent.
        #expect(audit.weakParameters.count == 1, "\(audit.weakParameters)")
        #expect(audit.weakParameters.first?.contains("below the production minimum of 2048 bits") == true)
        // A ceremony whose label and verification keys do not describe its key is flagged too.
        let (key, _) = try testThresholdKey(threshold: 2, holders: 2)
        let mislabelled = KeyCeremony(scheme: "paillier-threshold-v1 2-of-2 4096-bit", publicKey: key.wireEncoded(), verificationKeys: [[1]], holders: [fixture.names[0]])
        let store = InMemoryLedgerStore()
        let ledger = try Ledger(store: store)
        let file = try SQLiteLedgerStore(readingFrom: fixture.directory.file("ledger.sqlite"))
        try ledger.receive(try file.entries(from: 0, limit: 1000).map { try SignedEntry.decode($0.bytes, at: $0.index) })
        let author = fixture.names[0]
        try ledger.append(.keyCeremony(mislabelled), author: author, key: fixture.keys[author]!)
        let weaknesses = ParameterPolicy.weaknesses(in: store)
        #expect(weaknesses.contains { $0.contains("scheme label") }, "\(weaknesses)")
        #expect(weaknesses.contains { $0.contains("verification keys are not those of its key") }, "\(weaknesses)")
    }
}
