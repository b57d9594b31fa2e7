import ConsortiumLedger
import DataSources
import Foundation
import Runtime
import Testing

/// The audit is pinned to the consortium's identity, its log id (issue 9, item 4): a ledger
/// rebuilt from scratch with fresh keys, the same member names and contract and altered results
/// passes every other check, and fails this one; a member refuses a ledger of another genesis.
@Suite("Pinned consortium identity")
struct PinnedIdentityTests {
    @Test("a ledger rebuilt with fresh keys and the same names fails an audit pinned to the original")
    func rebuiltLedgerFailsThePin() async throws {
        let example = try Example.load("energy_usage")
        let original = try await TestConsortium.make(source: example.source, csvFiles: example.csvFiles)
        let rebuilt = try await TestConsortium.make(source: example.source, csvFiles: example.csvFiles)
        _ = try await original.consortium.run(original.compiled)
        _ = try await rebuilt.consortium.run(rebuilt.compiled)
        let pin = try #require(await original.consortium.ledger.state.logID)
        let rebuiltPath = rebuilt.directory.file("ledger.sqlite")
        // Unpinned, the forgery passes, and the report says the identity was not checked.
        let unpinned = LedgerAuditor().audit(path: rebuiltPath)
        #expect(unpinned.passed && unpinned.pinnedLogID == nil)
        #expect(unpinned.notChecked.contains(LedgerAuditor.unpinned))
        // Pinned to the original consortium, it fails with the named rule.
        let pinned = LedgerAuditor(pin: pin).audit(path: rebuiltPath)
        #expect(!pinned.passed)
        #expect(pinned.failure?.rule == "consortium-mismatch", "\(String(describing: pinned.failure))")
        #expect(pinned.pinnedLogID == pin.hex)
        // The original passes the same pin, and nothing is reported unchecked about identity.
        let honest = LedgerAuditor(pin: pin).audit(path: original.directory.file("ledger.sqlite"))
        #expect(honest.passed, "\(String(describing: honest.failure))")
        #expect(!honest.notChecked.contains(LedgerAuditor.unpinned))
        // The consortium that founded the ledger audits it pinned.
        #expect(await original.consortium.audit().pinnedLogID == pin.hex)
    }

    @Test("a member's configuration pins the log id: another genesis, or an empty ledger, is refused")
    func configurationRefusesAnotherGenesis() async throws {
        let directory = TemporaryDirectory("pin")
        func write(_ logID: String?) throws -> String {
            let path = directory.file("members-\(logID?.prefix(4) ?? "none").json")
            try """
                {"consortium": "pinned", "ledger": "ledger.sqlite", "quorum": 1,
                 "members": [{"name": "a", "key": "keys/a.key"}, {"name": "b", "key": "keys/b.key"}]\(logID.map { ",\n \"logID\": \"\($0)\"" } ?? "")}
                """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        // Pinned before the founding: refused, nothing founded.
        let early = try ConsortiumConfiguration.load(contentsOf: try write(String(repeating: "ab", count: 32)))
        await #expect(throws: RuntimeError.self) { try await early.open() }
        #expect(LedgerAuditor().audit(path: directory.file("ledger.sqlite")).verifiedEntries == 0)
        // Founded unpinned (the consortium, and its writer lock, end with the block).
        var logID = LedgerHash.zero
        do {
            let (consortium, founded) = try await ConsortiumConfiguration.load(contentsOf: try write(nil)).open()
            #expect(founded)
            logID = try #require(await consortium.ledger.state.logID)
        }
        // The wrong pin is refused; the right one opens the ledger, and its audits are pinned.
        let wrong = try ConsortiumConfiguration.load(contentsOf: try write(String(repeating: "0", count: 64)))
        let error = await #expect(throws: RuntimeError.self) { try await wrong.open() }
        #expect(error?.code == .invalidConfiguration, "\(String(describing: error))")
        #expect(error?.message.contains("not to the pinned consortium") == true, "\(error?.message ?? "")")
        let right = try ConsortiumConfiguration.load(contentsOf: try write(logID.hex))
        #expect(right.logID == logID)
        let (reopened, founded) = try await right.open()
        #expect(!founded)
        #expect(await reopened.audit().pinnedLogID == logID.hex)
    }
}
