import Circuit
import CircuitCompiler
import ConsortiumLedger
import Foundation
import MPCProtocols
import Runtime
import Testing
import _TestSupport

/// Cryptographic `reveal … to` (protocols/runtime.md#output-pads): an output revealed only to a
/// role reaches the role's holder in the clear and every other member, the aggregator and the
/// coordinator only masked by the contributors' pads.
@Suite("Output pads", .timeLimit(.minutes(5)))
struct OutputPadTests {
    static let source = TestContracts.hospitalCounts
    static let restricted = "readmissions"

    /// The hospitals with the regulator (the first hospital) not coordinating: the second one
    /// starts the run and hosts the aggregator.
    func fixture(_ family: ProtocolFamily, count: Int = 3) async throws -> (TestConsortium, RunOptions) {
        let fixture = try await hospitalConsortium(count: count, source: Self.source)
        var names = fixture.names
        names.swapAt(0, 1)
        if family == .paillier {
            // Key shares are indexed by party: the holders in the run's order.
            let (key, shares) = try testThresholdKey(threshold: count / 2 + 1, holders: count)
            try await fixture.consortium.recordKeyCeremony(publicKey: key, shares: shares, holders: names)
        }
        return (fixture, RunOptions(protocolFamily: family, participants: names, insecureDealer: family == .beaver))
    }

    /// The restricted slots' words as the plan lays them out.
    func restrictedSlots(_ fixture: TestConsortium, _ family: ProtocolFamily) throws -> [Int] {
        let plan = try AggregationPlan(fixture.compiled, family: family)
        return (0..<plan.slotCount).filter { !plan.isPublic($0) }
    }

    @Test(
        "a restricted output is never in the clear at a non-recipient or the aggregator; the recipient's view equals the oracle",
        arguments: [ProtocolFamily.additive, .secagg, .paillier, .beaver])
    func restrictedOutputsStayMasked(family: ProtocolFamily) async throws {
        let (fixture, options) = try await fixture(family)
        let report = try await fixture.consortium.run(fixture.compiled, options: options)
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        let oracle = try fixture.sqliteOracle(members: fixture.names)
        let regulator = fixture.names[0]
        // The recipient unmasks its view, equal to the oracle's; the union of all views too.
        let view = try #require(report.views[regulator])
        #expect(view.outputNames.contains(Self.restricted))
        #expect(view.differences(from: oracle.restricted(to: view.outputNames)) == [])
        #expect(compare(report, with: oracle) == [])
        #expect(report.result?.outputNames.contains(Self.restricted) == true)
        #expect(report.publicResult?.outputNames.contains(Self.restricted) == false)
        let truth = oracle.groups.compactMap { group -> Int128? in
            if case .int(let v)? = group.outputs[Self.restricted] { return v }
            return nil
        }
        #expect(!truth.isEmpty)
        let slots = try restrictedSlots(fixture, family)
        #expect(!slots.isEmpty)
        // Every member's engine received the same masked output (the aggregator's, checked equal
        // by the coordinator): no restricted slot holds its value, nor a plausible one.
        for (index, member) in fixture.consortium.members.enumerated() {
            let output = try #require(await member.protocolOutput(of: report.runID), "\(fixture.names[index])")
            for slot in slots {
                if family == .beaver {
                    let element = UInt128(output.sum[2 * slot]) << 64 | UInt128(output.sum[2 * slot + 1])
                    #expect(element > 1 << 64, "slot \(slot) of \(fixture.names[index]) looks clear")
                } else {
                    #expect(Int64(bitPattern: output.sum[slot]).magnitude > 1 << 40, "slot \(slot) of \(fixture.names[index]) looks clear")
                }
            }
            if index > 0 {
                #expect(report.views[fixture.names[index]]?.outputNames.contains(Self.restricted) == false)
                #expect(await member.view(of: report.runID)?.result.outputNames.contains(Self.restricted) == false)
            }
        }
        // Nothing the ledger records reveals it either (paillier's decryption evidence decrypts
        // to the masked sum), and the audit recomputes the public result from it.
        let audit = await fixture.auditStatus(of: report)
        #expect(audit.passed, "\(audit.failure ?? "")")
    }

    @Test("secagg with a contributor dropping out: the regulator's view is exact over the contributors")
    func dropoutStillUnmasks() async throws {
        let fixture = try await hospitalConsortium(count: 5, source: Self.source)
        let transport = InMemoryTransport(faults: FaultPlan(crashes: [PartyID(5): 1]))
        let report = try await fixture.consortium.run(
            fixture.compiled,
            options: RunOptions(
                protocolFamily: .secagg, roundTimeout: .seconds(60), secaggThreshold: 3, transport: transport, clock: VirtualClock()))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        let contributors = Array(fixture.names.prefix(4))
        #expect(report.contributors == contributors)
        let view = try #require(report.views[fixture.names[0]])
        let oracle = try fixture.sqliteOracle(members: contributors)
        #expect(view.outputNames.contains(Self.restricted))
        #expect(view.differences(from: oracle.restricted(to: view.outputNames)) == [])
    }

    @Test("a recipient missing a contributor's seed refuses with missing-output-pad; a delivery that is not the published result is refused")
    func missingSeedIsAClearError() async throws {
        let (fixture, options) = try await fixture(.additive)
        let report = try await fixture.consortium.run(fixture.compiled, options: options)
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        let regulator = fixture.consortium.members[0]
        let delivery = try #require(await regulator.view(of: report.runID)?.delivery)
        // The regulator forgot the seeds once it assembled its view: assembling it again lacks them.
        let missing = await #expect(throws: RuntimeError.self) { try await regulator.receive(delivery, on: fixture.consortium.ledger) }
        #expect(missing?.code == .missingOutputPad, "\(String(describing: missing))")
        #expect(missing?.message.contains("did not hand it the seed") == true)
        // A non-recipient needs no seed: it assembles the public outputs only.
        let other = try await fixture.consortium.members[2].receive(delivery, on: fixture.consortium.ledger)
        #expect(!other.result.outputNames.contains(Self.restricted))
        // A changed word does not open the ledger's result hash.
        var forged = delivery
        guard case .opened(let word, let nonce) = forged.words[0] else {
            Issue.record("the regulator's first word is not opened")
            return
        }
        forged.words[0] = .opened(word &+ 1, nonce: nonce)
        let refused = await #expect(throws: RuntimeError.self) { try await fixture.consortium.members[2].receive(forged, on: fixture.consortium.ledger) }
        #expect(refused?.code == .inconsistentOutputs)
    }

    @Test(
        "each recipient is handed only the words its outputs need; a tampered word, nonce or commitment, or a withheld needed word, is refused; endorsers verify every word",
        arguments: [ProtocolFamily.additive, .beaver])
    func deliveriesPerRecipient(family: ProtocolFamily) async throws {
        let (fixture, options) = try await fixture(family)
        let report = try await fixture.consortium.run(fixture.compiled, options: options)
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        let ledger = fixture.consortium.ledger
        let opening = try #require(report.resultOpening)
        let published = try #require(await ledger.state.runs[report.runID]?.result)
        #expect(opening.resultHash == published.resultHash)
        let plan = try AggregationPlan(fixture.compiled, family: family)
        let restrictedWords = plan.words(ofSlots: Set(try restrictedSlots(fixture, family)))
        let all = plan.words(ofSlots: plan.slots(feeding: plan.reveals.map(\.output)))
        let publicWords = plan.words(ofSlots: plan.slots(feeding: plan.publicOutputs(among: plan.reveals.map(\.output))))
        #expect(!restrictedWords.isEmpty && restrictedWords.isDisjoint(with: publicWords))
        for (index, member) in fixture.consortium.members.enumerated() {
            let delivery = try #require(await member.view(of: report.runID)?.delivery, "\(fixture.names[index])")
            #expect(delivery.resultHash == published.resultHash)
            #expect(delivery.words.count == opening.sum.count)
            // The regulator every word its outputs need; the others never a restricted word.
            #expect(delivery.openedWords == (index == 0 ? all : publicWords), "\(fixture.names[index])")
        }
        // A non-regulator's delivery, tampered four ways, is refused; untouched it is accepted.
        let member = fixture.consortium.members[2]
        let honest = opening.delivery(opening: publicWords)
        _ = try await member.receive(honest, on: ledger)
        let first = try #require(publicWords.min())
        let sealedIndex = try #require(restrictedWords.min())
        guard case .opened(let word, let nonce) = honest.words[first], case .sealed(let commitment) = honest.words[sealedIndex] else {
            Issue.record("the delivery does not open its public words")
            return
        }
        var changedWord = honest
        changedWord.words[first] = .opened(word ^ 1, nonce: nonce)
        var changedNonce = honest
        changedNonce.words[first] = .opened(word, nonce: nonce.map { $0 ^ 0x5a })
        var changedCommitment = honest
        changedCommitment.words[sealedIndex] = .sealed(commitment.map { $0 ^ 1 })
        // A nonce or commitment of another length opens to nothing (it never stands for a fixed
        // value a coordinator could open any word to).
        var emptyNonce = honest
        emptyNonce.words[first] = .opened(word ^ 1, nonce: [])
        var shortCommitment = honest
        shortCommitment.words[sealedIndex] = .sealed([])
        #expect(emptyNonce.resultHash == nil && shortCommitment.resultHash == nil && honest.isWellFormed)
        // A needed word sealed with its true commitment: it opens the hash, but not the word.
        let withheld = opening.delivery(opening: publicWords.subtracting([first]))
        #expect(withheld.resultHash == published.resultHash)
        for (label, forged) in [
            ("word", changedWord), ("nonce", changedNonce), ("commitment", changedCommitment), ("withheld", withheld),
            ("empty nonce", emptyNonce), ("short commitment", shortCommitment),
        ] {
            let error = await #expect(throws: RuntimeError.self, "\(label)") { try await member.receive(forged, on: ledger) }
            #expect(error?.code == .inconsistentOutputs, "\(label): \(String(describing: error))")
        }
        // Endorsers check every word against the nonces: the honest ones sign, one changed nonce
        // or a partial opening is refused.
        let draft = await ledger.draft(
            .resultPublished(ResultPublication(
                runID: report.runID, resultHash: published.resultHash, revealedValues: published.revealedValues, transcriptHash: .zero,
                contributors: published.contributors, recipients: published.recipients)),
            author: fixture.names[1])
        #expect(try await member.endorse(draft, opening: opening.nonceBytes, on: ledger)?.signer == member.name)
        var nonces = opening.nonceBytes
        nonces[nonces.count - 1] ^= 1
        for bad in [nonces, Array(opening.nonceBytes.dropLast(32))] {
            let error = await #expect(throws: RuntimeError.self) { try await member.endorse(draft, opening: bad, on: ledger) }
            #expect(error?.code == .inconsistentOutputs)
        }
    }

    @Test("disclose sums: a role holder outside the run is handed only the sums its own output needs, never the others")
    func discloseSumsStayWithTheirRecipients() async throws {
        let source = """
            contract hospital_sums version 1 {
              input admissions(ward: text, admitted_on: date, age: int, stay_days: int, cost: decimal(2), readmitted: int)
              local {
                where admitted_on >= date "2024-01-01" and age >= 0
                clip stay_days to [0, 365]
                clip readmitted to [0, 1]
              }
              compute by ward in ("cardiology", "emergency", "oncology", "pediatrics", "transplant") {
                admissions   = count()
                mean_stay    = mean(stay_days)
                readmissions = sum(readmitted)
              }
              reveal admissions, mean_stay to all
              reveal readmissions to role "regulator"
              disclose sums
              require participants >= 2
              protocol additive
            }

            """
        let fixture = try await hospitalConsortium(count: 3, source: source)
        let participants = Array(fixture.names.dropFirst())
        let report = try await fixture.consortium.run(
            fixture.compiled, options: RunOptions(protocolFamily: .additive, participants: participants))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        let plan = try AggregationPlan(fixture.compiled, family: .additive)
        #expect((0..<plan.slotCount).allSatisfy(plan.isPublic))
        let needed = plan.slots(feeding: ["readmissions"])
        let others = plan.slots(feeding: ["mean_stay", "admissions"]).subtracting(needed)
        #expect(!needed.isEmpty && !others.isEmpty)
        let regulator = fixture.consortium.members[0]
        let delivery = try #require(await regulator.view(of: report.runID)?.delivery)
        #expect(delivery.openedWords == plan.words(ofSlots: needed))
        #expect(delivery.openedWords.isDisjoint(with: plan.words(ofSlots: others)))
        // Its view is its one output, exact over the participants.
        let view = try #require(report.views[fixture.names[0]])
        #expect(view.outputNames == ["readmissions"])
        let oracle = try fixture.sqliteOracle(members: participants)
        #expect(view.differences(from: oracle.restricted(to: view.outputNames)) == [])
    }

    /// Hands seeds to the members of this process, except to one that cannot be reached.
    struct UnreachableCourier: PadSeedCourier {
        let members: [Runtime.Member]
        let ledger: any LedgerAccess
        let unreachable: String

        func deliver(_ seed: PadSeed, to recipient: String) async throws {
            guard recipient != unreachable, let member = members.first(where: { $0.name == recipient }) else {
                throw RuntimeError(.transportFailure, "\(recipient) cannot be reached")
            }
            try await member.acceptPadSeed(seed, from: seed.sender, on: ledger)
        }
    }

    @Test("a recipient no seed reaches: the run publishes, the others' views are exact, the recipient refuses its own with missing-output-pad")
    func unreachableRecipientLosesOnlyItsView() async throws {
        let fixture = try await hospitalConsortium(count: 3, source: Self.source)
        let consortium = fixture.consortium
        let members = consortium.members
        let courier = UnreachableCourier(members: members, ledger: consortium.ledger, unreachable: fixture.names[0])
        let local = { (member: Runtime.Member) in
            LocalParticipant(
                member: member, ledger: consortium.ledger, transport: consortium.transport, policy: consortium.parameters, courier: courier)
        }
        let coordinator = RunCoordinator(
            coordinator: members[1], ledger: consortium.ledger, transport: consortium.transport, parameters: consortium.parameters)
        let report = try await coordinator.run(
            fixture.compiled, participants: [members[1], members[0], members[2]].map(local), recipients: members.map(local),
            ceremony: nil, options: RunOptions(protocolFamily: .secagg))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        #expect(report.contributors.count == 3)
        #expect(report.views[fixture.names[0]] == nil)
        #expect(report.memberErrors[fixture.names[0]]?.contains("did not hand it the seed") == true, "\(report.memberErrors)")
        #expect(await members[0].view(of: report.runID) == nil)
        let oracle = try fixture.sqliteOracle(members: fixture.names)
        for name in fixture.names.dropFirst() {
            let view = try #require(report.views[name])
            #expect(!view.outputNames.contains(Self.restricted))
            #expect(view.differences(from: oracle.restricted(to: view.outputNames)) == [])
        }
    }

    @Test("a pad seed is refused from a non-participant, for another member's group, or for a run that is not open")
    func seedsAreChecked() async throws {
        let (fixture, options) = try await fixture(.additive)
        let report = try await fixture.consortium.run(fixture.compiled, options: options)
        let regulator = fixture.consortium.members[0]
        let ledger = fixture.consortium.ledger
        let seed = PadSeed(runID: report.runID, sender: fixture.names[1], group: [fixture.names[0]], seed: Array(repeating: 7, count: 32))
        // The run is published: closed to seeds.
        await #expect(throws: RuntimeError.self) { try await regulator.acceptPadSeed(seed, from: fixture.names[1], on: ledger) }
        // A caller sending another's seed, or a seed for a group the member is not in.
        await #expect(throws: RuntimeError.self) { try await regulator.acceptPadSeed(seed, from: fixture.names[2], on: ledger) }
        var foreign = seed
        foreign.group = [fixture.names[2]]
        await #expect(throws: RuntimeError.self) { try await regulator.acceptPadSeed(foreign, from: fixture.names[1], on: ledger) }
    }
}
