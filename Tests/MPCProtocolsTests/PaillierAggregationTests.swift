import CryptoPrimitives
import MPCProtocols
import MultiPrecision
import PaillierEncryption
import Testing
import WireFormat
import _TestSupport

typealias PaillierRouter = InProcessRouter<PaillierAggregationMessage, PaillierAggregationResult>

/// The safe primes of protocols/paillier/vectors/v1/threshold.json (512-bit n: fast tests).
struct ThresholdVectorPrimes: Decodable {
    struct Case: Decodable { let p: String; let q: String }
    let cases: [Case]
    static let loaded = try! Vectors.load(ThresholdVectorPrimes.self, from: "protocols/paillier/vectors/v1/threshold.json")
}

func dealTestKey(threshold: Int, holders: Int, seed: UInt64 = 3) throws -> (Paillier.ThresholdPublicKey, [Paillier.KeyShare]) {
    var rng = DeterministicRNG(seed: seed)
    let primes = ThresholdVectorPrimes.loaded.cases[0]
    return try Paillier.dealThresholdKey(
        p: BigInt(primes.p)!, q: BigInt(primes.q)!, threshold: threshold, parties: holders, using: &rng)
}

func paillierRouter(
    inputs: [[UInt64]], threshold: Int, holders: Int, session: SessionID = testSession(), seed: UInt64 = 13
) throws -> PaillierRouter {
    let (key, shares) = try dealTestKey(threshold: threshold, holders: holders)
    let configuration = try PaillierAggregationConfiguration(
        sessionID: session, memberCount: inputs.count, vectorLength: inputs.first?.count ?? 0, publicKey: key)
    var rng = DeterministicRNG(seed: seed)
    var machines: [any ProtocolStateMachine<PaillierAggregationMessage, PaillierAggregationResult>] = [
        PaillierAggregatorStateMachine(configuration: configuration)
    ]
    for (index, input) in inputs.enumerated() {
        machines.append(try PaillierMemberStateMachine(
            configuration: configuration, party: PartyID(UInt32(index + 1)), input: input,
            keyShare: index < holders ? shares[index] : nil, using: &rng))
    }
    return PaillierRouter(machines: machines) { bytes throws(MPCProtocolError) in try PaillierAggregationMessage(wireEncoded: bytes) }
}

/// Spec: protocols/paillier-aggregation.md.
@Suite("Paillier aggregation")
struct PaillierAggregationTests {
    /// Signed values wrap: -1 + 1 = 0 in Z_2^64; packed slots span several ciphertexts (7 per
    /// ciphertext with a 512-bit key).
    @Test(arguments: [(3, 2, 3), (5, 3, 5), (10, 4, 6)])
    func outputIsPlaintextSum(members: Int, threshold: Int, holders: Int) throws {
        var inputs = randomInputs(members: members, length: 20, seed: UInt64(members))
        inputs[0][0] = UInt64(bitPattern: -1)
        inputs[1][0] = 1
        var router = try paillierRouter(inputs: inputs, threshold: threshold, holders: holders)
        try router.run()
        #expect(router.rejections.isEmpty)
        #expect(router.aborts.isEmpty)
        let result = try #require(router.outputs[.aggregator])
        #expect(result.sum == plainSum(inputs, length: 20))
        #expect(result.contributors == PartyID.members(members))
        #expect(result.decryptors.count == threshold)
        #expect(result.faultyKeyHolders.isEmpty)
        for party in PartyID.members(members) { #expect(router.outputs[party] == result) }
    }

    /// Exactly t key holders respond (the others drop before decrypting): success.
    @Test func exactlyThresholdDecryptionShares() throws {
        let inputs = randomInputs(members: 5, length: 9, seed: 2)
        var router = try paillierRouter(inputs: inputs, threshold: 3, holders: 5)
        router.crashRound[PartyID(2)] = 3
        router.crashRound[PartyID(4)] = 3
        try router.run()
        let result = try #require(router.outputs[.aggregator])
        #expect(result.sum == plainSum(inputs, length: 9))
        #expect(result.decryptors == [PartyID(1), PartyID(3), PartyID(5)])
    }

    /// Fewer than t key holders respond: a clean abort, no output anywhere.
    @Test func fewerThanThresholdAborts() throws {
        let inputs = randomInputs(members: 5, length: 9, seed: 2)
        var router = try paillierRouter(inputs: inputs, threshold: 3, holders: 5)
        for c in [1, 2, 4] { router.crashRound[PartyID(UInt32(c))] = 3 }
        try router.run()
        #expect(router.outputs.isEmpty)
        #expect(router.aborts[.aggregator] == .insufficientDecryptionShares(valid: 2, needed: 3, faulty: []))
    }

    /// A member that drops before revealing is left out of the sum (and of the contributors).
    @Test(arguments: [1, 2])
    func memberDropoutBeforeCommitOrReveal(crashRound: Int) throws {
        let inputs = randomInputs(members: 4, length: 5, seed: 4)
        var router = try paillierRouter(inputs: inputs, threshold: 2, holders: 3)
        router.crashRound[PartyID(4)] = UInt8(crashRound)
        try router.run()
        let result = try #require(router.outputs[.aggregator])
        #expect(result.contributors == PartyID.members(3))
        #expect(result.sum == plainSum(Array(inputs.prefix(3)), length: 5))
    }

    /// A bad decryption share is caught by its proof and its key holder named; with a spare
    /// holder the result is still exact; with exactly t holders the run aborts naming it.
    @Test(arguments: [(4, true), (3, false)])
    func badDecryptionShareNamesParty(holders: Int, succeeds: Bool) throws {
        let inputs = randomInputs(members: 4, length: 16, seed: 8)
        var router = try paillierRouter(inputs: inputs, threshold: 3, holders: holders)
        router.intercept = { delivery in
            guard delivery.from == PartyID(2), let message = try? PaillierAggregationMessage(wireEncoded: delivery.bytes),
                  case let .decryptionShares(batch) = message.payload else { return [delivery] }
            // One wrong share in the middle of the batch, the proof unchanged.
            var values = batch.values
            values[1] = values[1] + 1
            let tampered = Paillier.BatchDecryptionShare(index: batch.index, values: values, proof: batch.proof)
            var copy = delivery
            copy.bytes = PaillierAggregationMessage(sessionID: message.sessionID, sender: message.sender, payload: .decryptionShares(tampered)).wireEncoded()
            return [copy]
        }
        try router.run()
        if succeeds {
            let result = try #require(router.outputs[.aggregator])
            #expect(result.sum == plainSum(inputs, length: 16))
            #expect(result.faultyKeyHolders == [PartyID(2)])
            #expect(result.decryptors == [PartyID(1), PartyID(3), PartyID(4)])
        } else {
            #expect(router.outputs.isEmpty)
            #expect(router.aborts[.aggregator] == .insufficientDecryptionShares(valid: 2, needed: 3, faulty: [PartyID(2)]))
        }
    }

    /// The exact slot sums the aggregator decrypts depend on the sums and the number of
    /// contributors only: two input sets with the same sums but different numbers of negative
    /// values give the same plaintexts (protocols/paillier-aggregation.md#what-leaks).
    @Test func slotSumsDoNotCountNegativeValues() throws {
        let minus = { (x: Int64) in UInt64(bitPattern: x) }
        let mixed: [[UInt64]] = [[minus(-5), 7, minus(-1)], [minus(8), minus(-9), 1], [minus(-1), 4, 0]]
        let positive: [[UInt64]] = [[1, 1, 0], [1, 0, 0], [0, 1, 0]]
        var plaintexts: [[BigInt]] = []
        for inputs in [mixed, positive] {
            var router = try paillierRouter(inputs: inputs, threshold: 2, holders: 3)
            try router.run()
            let output = try #require(router.outputs[.aggregator])
            #expect(output.sum == plainSum(inputs, length: 3))
            let aggregator = try #require(router.machines[.aggregator] as? PaillierAggregatorStateMachine)
            let evidence = try #require(aggregator.evidence)
            let (key, _) = try dealTestKey(threshold: 2, holders: 3)
            var aggregate = try evidence.contributions[0].ciphertexts.map { try key.publicKey.ciphertext($0) }
            for contribution in evidence.contributions.dropFirst() {
                for (i, value) in contribution.ciphertexts.enumerated() { key.publicKey.accumulate(&aggregate[i], try key.publicKey.ciphertext(value)) }
            }
            plaintexts.append(try key.combine(evidence.decryptions, for: aggregate))
        }
        #expect(plaintexts[0] == plaintexts[1])
    }

    /// In a signed session every contribution carries its member's signature: the aggregator and
    /// the evidence accept it under the members' keys, and refuse it under another key for a
    /// party (a contribution made in that member's name); a member needs its own signing key.
    @Test func signedContributions() throws {
        let (key, shares) = try dealTestKey(threshold: 2, holders: 3)
        let signing = (0..<3).map { _ in Ed25519.PrivateKey() }
        let keys = Dictionary(uniqueKeysWithValues: PartyID.members(3).enumerated().map { ($1, signing[$0].publicKey) })
        let configuration = try PaillierAggregationConfiguration(
            sessionID: testSession(), memberCount: 3, vectorLength: 4, publicKey: key, signatureKeys: keys)
        let inputs = randomInputs(members: 3, length: 4, seed: 5)
        var rng = DeterministicRNG(seed: 6)
        #expect(throws: MPCProtocolError.self) {
            try PaillierMemberStateMachine(configuration: configuration, party: PartyID(1), input: inputs[0], keyShare: shares[0], using: &rng)
        }
        var machines: [any ProtocolStateMachine<PaillierAggregationMessage, PaillierAggregationResult>] = [
            PaillierAggregatorStateMachine(configuration: configuration)
        ]
        for index in 0..<3 {
            machines.append(try PaillierMemberStateMachine(
                configuration: configuration, party: PartyID(UInt32(index + 1)), input: inputs[index], keyShare: shares[index],
                signingKey: signing[index], using: &rng))
        }
        var router = PaillierRouter(machines: machines) { bytes throws(MPCProtocolError) in try PaillierAggregationMessage(wireEncoded: bytes) }
        try router.run()
        let output = try #require(router.outputs[.aggregator])
        #expect(output.sum == plainSum(inputs, length: 4))
        let evidence = try #require((router.machines[.aggregator] as? PaillierAggregatorStateMachine)?.evidence)
        #expect(try evidence.verify(publicKey: key, signatureKeys: keys) == output.sum)
        var impostor = keys
        impostor[PartyID(2)] = Ed25519.PrivateKey().publicKey
        #expect(throws: MPCProtocolError.invalidContributionSignature(from: PartyID(2))) {
            try evidence.verify(publicKey: key, signatureKeys: impostor)
        }
        // The aggregator refuses a reveal signed with another key.
        let other = try PaillierAggregationConfiguration(
            sessionID: testSession(), memberCount: 3, vectorLength: 4, publicKey: key, signatureKeys: impostor)
        var aggregator = PaillierAggregatorStateMachine(configuration: other)
        _ = try aggregator.start()
        var member = try PaillierMemberStateMachine(
            configuration: configuration, party: PartyID(2), input: inputs[1], keyShare: shares[1], signingKey: signing[1], using: &rng)
        for action in try member.start() {
            if case .send(_, let message) = action { _ = try aggregator.receive(message, from: PartyID(2)) }
        }
        for party in [PartyID(1), PartyID(3)] {
            var m = try PaillierMemberStateMachine(
                configuration: configuration, party: party, input: inputs[Int(party.rawValue) - 1], keyShare: shares[Int(party.rawValue) - 1],
                signingKey: signing[Int(party.rawValue) - 1], using: &rng)
            for action in try m.start() {
                if case .send(_, let message) = action { _ = try aggregator.receive(message, from: party) }
            }
        }
        let request = PaillierAggregationMessage(
            sessionID: testSession(), sender: .aggregator, payload: .revealRequest(committed: PartyID.members(3)))
        for action in try member.receive(request, from: .aggregator) {
            if case .send(_, let reveal) = action {
                #expect(throws: MPCProtocolError.invalidContributionSignature(from: PartyID(2))) { try aggregator.receive(reveal, from: PartyID(2)) }
            }
        }
    }

    /// A key holder decrypts only the aggregate it computes itself from distinct members' valid
    /// contributions: it refuses a single contribution, one member counted twice, and a
    /// ciphertext without a plaintext-knowledge proof for its party (the aggregator's own).
    @Test func keyHolderChecksTheContributions() throws {
        let (key, shares) = try dealTestKey(threshold: 2, holders: 3)
        let configuration = try PaillierAggregationConfiguration(sessionID: testSession(), memberCount: 3, vectorLength: 2, publicKey: key)
        var rng = DeterministicRNG(seed: 1)
        func contribution(_ party: PartyID, proved: Bool = true) throws -> PaillierAggregationEvidence.Contribution {
            let context = PaillierAggregationConfiguration.proofContext(sessionID: testSession(), sender: proved ? party : PartyID(3))
            let (c, proof) = try key.publicKey.encryptWithProof(BigInt(5), context: Paillier.PublicKey.chunkContext(context, chunk: 0), using: &rng)
            return .init(party: party, ciphertexts: [c.value], proofs: [proof])
        }
        func request(_ contributions: [PaillierAggregationEvidence.Contribution]) -> PaillierAggregationMessage {
            PaillierAggregationMessage(sessionID: testSession(), sender: .aggregator, payload: .decryptionRequest(contributions: contributions))
        }
        var member = try PaillierMemberStateMachine(configuration: configuration, party: PartyID(1), input: [1, 2], keyShare: shares[0], using: &rng)
        _ = try member.start()
        #expect(throws: MPCProtocolError.malformedMessage(from: .aggregator, reason: "refusing to decrypt an aggregate of too few members")) {
            try member.receive(request([try contribution(PartyID(2))]), from: .aggregator)
        }
        let twice = try contribution(PartyID(2))
        #expect(throws: MPCProtocolError.unknownParty(PartyID(2))) { try member.receive(request([twice, twice]), from: .aggregator) }
        #expect(throws: MPCProtocolError.invalidPlaintextProof(from: PartyID(2))) {
            try member.receive(request([try contribution(PartyID(1)), try contribution(PartyID(2), proved: false)]), from: .aggregator)
        }
        // Two valid contributions: it answers with its decryption shares.
        let answer = try member.receive(request([try contribution(PartyID(1)), try contribution(PartyID(2))]), from: .aggregator)
        #expect(answer.count == 1)
    }
}

/// The aggregator's evidence lets anyone recompute the sum from the ciphertexts and the batch
/// proofs (protocols/paillier-aggregation.md#evidence); any change to it is caught.
@Suite("Paillier aggregation evidence")
struct PaillierEvidenceTests {
    @Test func evidenceReproducesTheSumAndCatchesTampering() throws {
        let inputs = randomInputs(members: 4, length: 20, seed: 41)
        var router = try paillierRouter(inputs: inputs, threshold: 2, holders: 3)
        try router.run()
        let output = try #require(router.outputs[.aggregator])
        let aggregator = try #require(router.machines[.aggregator] as? PaillierAggregatorStateMachine)
        let evidence = try #require(aggregator.evidence)
        let (key, _) = try dealTestKey(threshold: 2, holders: 3)
        #expect(try evidence.verify(publicKey: key) == output.sum)
        #expect(output.sum == plainSum(inputs, length: 20))
        #expect(evidence.contributors == PartyID.members(4))
        #expect(evidence.decryptors == output.decryptors)
        // Wire round trip.
        var writer = WireWriter()
        evidence.encode(to: &writer)
        var reader = WireReader(writer.bytes)
        #expect(try PaillierAggregationEvidence(from: &reader) == evidence)

        func with(_ contributions: [PaillierAggregationEvidence.Contribution], session: SessionID = evidence.sessionID) -> PaillierAggregationEvidence {
            PaillierAggregationEvidence(
                sessionID: session, vectorLength: 20, memberCount: 4, contributions: contributions, decryptions: evidence.decryptions)
        }
        // A replaced ciphertext, proved for its party and session, changes the aggregate: the
        // batch proofs no longer hold.
        var contributions = evidence.contributions
        let party = contributions[1].party
        let context = PaillierAggregationConfiguration.proofContext(sessionID: evidence.sessionID, sender: party)
        let (replaced, replacedProof) = try key.publicKey.encryptWithProof(
            BigInt(5), context: Paillier.PublicKey.chunkContext(context, chunk: 0), using: &globalTestRNG)
        contributions[1] = .init(
            party: party, ciphertexts: [replaced.value] + contributions[1].ciphertexts.dropFirst(),
            proofs: [replacedProof] + contributions[1].proofs.dropFirst())
        #expect(throws: MPCProtocolError.paillier(.invalidDecryptionShare(party: Int(evidence.decryptors[0].rawValue)))) {
            try with(contributions).verify(publicKey: key)
        }
        // Replays fail the plaintext-knowledge proofs: another member's ciphertexts and proofs
        // submitted as party 2's, a rerandomised ciphertext with its original proof, and the
        // same evidence claimed for another session.
        let first = evidence.contributions[0]
        var copied = evidence.contributions
        copied[1] = .init(party: copied[1].party, ciphertexts: first.ciphertexts, proofs: first.proofs)
        #expect(throws: MPCProtocolError.invalidPlaintextProof(from: copied[1].party)) { try with(copied).verify(publicKey: key) }
        var rerandomised = evidence.contributions
        let c0 = try key.publicKey.ciphertext(first.ciphertexts[0])
        rerandomised[0] = .init(
            party: first.party, ciphertexts: [key.publicKey.rerandomize(c0, using: &globalTestRNG).value] + first.ciphertexts.dropFirst(),
            proofs: first.proofs)
        #expect(throws: MPCProtocolError.invalidPlaintextProof(from: first.party)) { try with(rerandomised).verify(publicKey: key) }
        let otherSession = try SessionID(bytes: Array(repeating: 0xEE, count: 32))
        #expect(throws: MPCProtocolError.invalidPlaintextProof(from: first.party)) {
            try with(evidence.contributions, session: otherSession).verify(publicKey: key)
        }
        // A dropped contributor, or a decryptor short of the threshold.
        let missing = PaillierAggregationEvidence(
            sessionID: evidence.sessionID, vectorLength: 20, memberCount: 4, contributions: Array(evidence.contributions.dropLast()), decryptions: evidence.decryptions)
        #expect(throws: MPCProtocolError.self) { try missing.verify(publicKey: key) }
        let short = PaillierAggregationEvidence(
            sessionID: evidence.sessionID, vectorLength: 20, memberCount: 4, contributions: evidence.contributions, decryptions: Array(evidence.decryptions.prefix(1)))
        #expect(throws: MPCProtocolError.paillier(.insufficientShares(valid: 1, needed: 2))) { try short.verify(publicKey: key) }
        // A repeated contributor.
        let repeated = PaillierAggregationEvidence(
            sessionID: evidence.sessionID, vectorLength: 20, memberCount: 4, contributions: evidence.contributions + [evidence.contributions[0]], decryptions: evidence.decryptions)
        #expect(throws: MPCProtocolError.self) { try repeated.verify(publicKey: key) }
    }
}

nonisolated(unsafe) var globalTestRNG = DeterministicRNG(seed: 99)
