import Circuit
import CircuitCompiler
import ConsortiumLedger
import DataSources
import Foundation
import MPCProtocols
import Runtime
import Testing

/// `reveal … to role` reaches the role's holders on the ledger and no one else
/// (protocols/runtime.md#reveal-and-views): the coordinator decides from its ledger, records the
/// recipients in the result, every endorser recomputes that record, and a member accepts a view
/// only for outputs its own ledger grants it. The demo contract reveals readmissions to the
/// role "regulator", which the genesis gives to the first hospital.
@Suite("Contract roles from the ledger")
struct LedgerRoleTests {
    static let regulatorOnly = "readmissions"

    func outputs(_ view: ContractResult?) -> Set<String> { Set(view?.outputNames ?? []) }

    @Test("a run reveals the role's outputs only to the ledger's holder, records it as the view's recipient, and the audit passes")
    func roleOutputsGoToTheLedgersHolder() async throws {
        let fixture = try await hospitalConsortium(count: 3)
        let state = await fixture.consortium.ledger.state
        #expect(state.contractRoles == ["regulator": [fixture.names[0]]])
        let report = try await fixture.consortium.run(fixture.compiled, options: RunOptions(protocolFamily: .additive))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        #expect(outputs(report.views[fixture.names[0]]).contains(Self.regulatorOnly))
        for name in fixture.names.dropFirst() {
            #expect(!outputs(report.views[name]).contains(Self.regulatorOnly), "\(name)")
            #expect(outputs(report.views[name]).contains("admissions"), "\(name)")
        }
        #expect(!report.withheld.contains(Self.regulatorOnly))
        let recorded = await fixture.consortium.ledger.state.runs[report.runID]?.result?.recipients
        #expect(recorded == [ViewRecipients(recipient: #"role "regulator""#, members: [fixture.names[0]])])
        // Each member keeps the view it was handed, checked against its own ledger.
        #expect(outputs(await fixture.consortium.members[0].view(of: report.runID)?.result).contains(Self.regulatorOnly))
        #expect(!outputs(await fixture.consortium.members[1].view(of: report.runID)?.result).contains(Self.regulatorOnly))
        let audit = await fixture.consortium.audit()
        #expect(audit.passed, "\(String(describing: audit.failure))")
        #expect(audit.runs.first?.viewRecipients == [#"role "regulator""#: [fixture.names[0]]])
    }

    @Test("a member object that claims the role locally is not the ledger's holder: the coordinator sends it no role output")
    func localClaimsDoNotCount() async throws {
        let fixture = try await hospitalConsortium(count: 3)
        // The same keys and data, but the second hospital's member object claims "regulator" and
        // the first claims nothing: a coordinator holding these objects still reads the ledger.
        let claimed = fixture.names.enumerated().map { index, name in
            Runtime.Member(
                name: name, key: fixture.keys[name]!, roles: index == 1 ? ["regulator"] : [],
                ledgerRoles: index == 0 ? [.voting, .participant, .sequencer] : [.voting, .participant],
                data: .source(SQLiteSource(path: fixture.csvFiles[index], relation: .table(DemoData.table))))
        }
        let consortium = Consortium(name: "hospitals", members: claimed, ledger: fixture.consortium.ledger, parameters: .insecureForTests)
        let report = try await consortium.run(fixture.compiled, options: RunOptions(protocolFamily: .secagg))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        #expect(!outputs(report.views[fixture.names[1]]).contains(Self.regulatorOnly))
        #expect(outputs(report.views[fixture.names[0]]).contains(Self.regulatorOnly))
        #expect(await consortium.audit().passed)
    }

    @Test("a member refuses a view holding an output its ledger does not reveal to it; the holder accepts it")
    func membersCheckTheirViews() async throws {
        let fixture = try await hospitalConsortium(count: 3)
        let report = try await fixture.consortium.run(fixture.compiled, options: RunOptions(protocolFamily: .additive))
        let full = try #require(report.result)
        #expect(full.outputNames.contains(Self.regulatorOnly))
        let view = MemberView(runID: report.runID, result: full, contributors: report.contributors)
        let ledger = fixture.consortium.ledger
        let error = await #expect(throws: RuntimeError.self) { try await fixture.consortium.members[1].receive(view, on: ledger) }
        #expect(error?.code == .invalidParticipants)
        #expect(error?.message.contains("it is not a recipient of \(Self.regulatorOnly)") == true, "\(error?.message ?? "")")
        #expect(!outputs(await fixture.consortium.members[1].view(of: report.runID)?.result).contains(Self.regulatorOnly))
        try await fixture.consortium.members[0].receive(view, on: ledger)
        // A view of a run that is not published is refused whatever it holds.
        let unknown = MemberView(runID: LedgerHash.sha256(Array("no such run".utf8)), result: full, contributors: [])
        await #expect(throws: RuntimeError.self) { try await fixture.consortium.members[0].receive(unknown, on: ledger) }
    }

    @Test("contract roles changed after a run started: its members refuse to join it, so no pads are drawn for groups its recipients no longer share")
    func rolesChangedMidRun() async throws {
        let fixture = try await hospitalConsortium(count: 3)
        let ledger = fixture.consortium.ledger
        let start = RunStart(
            runID: LedgerHash.sha256(Array("a run the roles change under".utf8)), versionID: try LedgerHash(fixture.compiled.contractID),
            circuitHash: try LedgerHash(fixture.compiled.planHash), protocolName: "additive", participants: fixture.names,
            minimumContributors: 2)
        try await ledger.append(.runStarted(start), author: fixture.names[0], key: fixture.keys[fixture.names[0]]!)
        let member = fixture.consortium.members[1]
        _ = try await member.prepare(runID: start.runID, on: ledger, party: PartyID(2), members: 3)
        // The regulator role moves to northgate, endorsed by a quorum, while the run is open.
        var change = ContractRoleChange(member: fixture.names[1], contractRoles: ["regulator"], basis: await ledger.state.membershipDigest)
        let draft = await ledger.draft(.contractRolesChanged(change), author: fixture.names[0])
        change.endorsements = fixture.names.prefix(2).map { draft.endorsement(by: $0, key: fixture.keys[$0]!) }
        try await ledger.append(.contractRolesChanged(change), author: fixture.names[0], key: fixture.keys[fixture.names[0]]!)
        let terms = SessionTerms(family: .additive, secaggThreshold: 0, signKeyAdverts: true, insecureDealer: false)
        let error = await #expect(throws: RuntimeError.self) {
            try await member.join(runID: start.runID, terms: terms, on: ledger, transport: InMemoryTransport(), policy: .insecureForTests)
        }
        #expect(error?.message.contains("changed") == true, "\(error?.message ?? "")")
        // A run started after the change goes on as usual.
        let report = try await fixture.consortium.run(fixture.compiled, options: RunOptions(protocolFamily: .additive))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
    }

    @Test("an endorser refuses a draft whose view recipients are not those its ledger designates")
    func endorsersCheckTheRecipients() async throws {
        let fixture = try await hospitalConsortium(count: 3)
        let report = try await fixture.consortium.run(fixture.compiled, options: RunOptions(protocolFamily: .additive))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        let honest = try #require(await fixture.consortium.ledger.state.runs[report.runID]?.result)
        let forged: [[ViewRecipients]] = [
            [ViewRecipients(recipient: #"role "regulator""#, members: [fixture.names[1]])],
            [],  // the role's view left unrecorded
        ]
        for recipients in forged + [honest.recipients] {
            let publication = ResultPublication(
                runID: report.runID, resultHash: honest.resultHash, revealedValues: honest.revealedValues, transcriptHash: .zero,
                contributors: honest.contributors, recipients: recipients)
            let draft = await fixture.consortium.ledger.draft(.resultPublished(publication), author: fixture.names[0])
            let member = fixture.consortium.members[1]
            let opening = try #require(report.resultOpening?.nonceBytes)
            if recipients == honest.recipients {
                #expect(try await member.endorse(draft, opening: opening, on: fixture.consortium.ledger)?.signer == member.name)
            } else {
                let error = await #expect(throws: RuntimeError.self) {
                    try await member.endorse(draft, opening: opening, on: fixture.consortium.ledger)
                }
                #expect(error?.code == .inconsistentOutputs)
                #expect(error?.message.contains("drafted view recipients") == true, "\(error?.message ?? "")")
            }
        }
    }

    @Test("the audit fails a result that leaves a view its contract names unrecorded, though every signature and ledger rule holds")
    func auditRequiresEveryViewRecorded() async throws {
        let fixture = try await hospitalConsortium(count: 3)
        let ledger = fixture.consortium.ledger
        let compiled = fixture.compiled
        // A run whose members sign a result recording no recipients: rule L15 holds for an empty
        // list, only the contract (which the runtime's audit recompiles) says the regulator's view is missing.
        let runID = LedgerHash.sha256(Array("a run that hides its regulator view".utf8))
        try await ledger.append(
            .runStarted(RunStart(
                runID: runID, versionID: try LedgerHash(compiled.contractID), circuitHash: try LedgerHash(compiled.planHash),
                protocolName: "additive", participants: fixture.names, minimumContributors: 2)),
            author: fixture.names[0], key: fixture.keys[fixture.names[0]]!)
        for name in fixture.names {
            try await ledger.append(.inputCommitted(InputCommitment(runID: runID, commitment: LedgerHash.sha256(Array(name.utf8)))), author: name, key: fixture.keys[name]!)
        }
        var result = ResultPublication(
            runID: runID, resultHash: .zero, revealedValues: Array("{}".utf8), transcriptHash: .zero, contributors: fixture.names)
        let draft = await ledger.draft(.resultPublished(result), author: fixture.names[0])
        result.endorsements = fixture.names.map { draft.endorsement(by: $0, key: fixture.keys[$0]!) }
        let index = try await ledger.append(.resultPublished(result), author: fixture.names[0], key: fixture.keys[fixture.names[0]]!)
        let audit = await fixture.consortium.audit()
        #expect(!audit.passed)
        #expect(audit.failure?.rule == "recipient-mismatch", "\(String(describing: audit.failure))")
        #expect(audit.failure?.entryIndex == index)
        #expect(audit.failure?.message.contains(#"its contract reveals to [role "regulator"]"#) == true, "\(String(describing: audit.failure))")
    }

    @Test("one-process configuration: its roles go into the genesis it founds, and reopening with other roles is refused")
    func configurationRolesAreTheGenesis() async throws {
        let directory = TemporaryDirectory("config-roles")
        let path = directory.file("members.json")
        func write(_ roles: String) throws {
            try #"{"consortium": "x", "ledger": "l.sqlite", "members": [{"name": "a", "key": "a.key", "roles": \#(roles)}, {"name": "b", "key": "b.key"}]}"#
                .write(toFile: path, atomically: true, encoding: .utf8)
        }
        try write(#"["regulator"]"#)
        do {
            // Released at the end of this scope (the ledger's writer lock with it).
            let (consortium, founded) = try await ConsortiumConfiguration.load(contentsOf: path).open()
            #expect(founded)
            #expect(await consortium.ledger.state.contractRoles == ["regulator": ["a"]])
        }
        for roles in [#"[]"#, #"["regulator", "auditor"]"#] {
            try write(roles)
            let error = await #expect(throws: RuntimeError.self) { _ = try await ConsortiumConfiguration.load(contentsOf: path).open() }
            #expect(error?.code == .invalidConfiguration)
            #expect(error?.message.contains("contract roles live on the ledger") == true, "\(error?.message ?? "")")
        }
        try write(#"["Regulator Office"]"#)
        let invalid = #expect(throws: RuntimeError.self) { _ = try ConsortiumConfiguration.load(contentsOf: path) }
        #expect(invalid?.message.contains("a contract role name is 1–64 characters") == true, "\(invalid?.message ?? "")")
    }
}
