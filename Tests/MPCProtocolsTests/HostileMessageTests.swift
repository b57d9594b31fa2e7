import MPCProtocols
import MultiPrecision
import PaillierEncryption
import Testing
import _TestSupport

/// Messages a peer can build without the wire decoder's checks (repeated parties, keys filed under
/// another party, out-of-range evidence parameters) end in a thrown error, never a trap, and leave
/// the machine able to go on. Spec: protocols/secagg.md#errors, protocols/paillier-aggregation.md#evidence.
@Suite("Hostile messages")
struct HostileMessageTests {
    /// Three secagg members after `start()`, with the keys each advertised.
    static func startedSecAggMembers() throws -> (SecAggConfiguration, [SecAggMemberStateMachine], [SecAggAdvertisedKeys]) {
        let configuration = try SecAggConfiguration(sessionID: testSession(), memberCount: 3, threshold: 2, vectorLength: 4)
        var rng = DeterministicRNG(seed: 21)
        var members: [SecAggMemberStateMachine] = []
        var advertised: [SecAggAdvertisedKeys] = []
        for index in 1...3 {
            var member = try SecAggMemberStateMachine(
                configuration: configuration, party: PartyID(UInt32(index)), input: [1, 2, 3, 4], using: &rng)
            for case let .send(_, message) in try member.start() {
                if case let .advertiseKeys(keys) = message.payload { advertised.append(keys) }
            }
            members.append(member)
        }
        try #require(advertised.count == 3)
        return (configuration, members, advertised)
    }

    static func fromAggregator(_ payload: SecAggMessage.Payload) -> SecAggMessage {
        SecAggMessage(sessionID: testSession(), sender: .aggregator, payload: payload)
    }

    /// A key list naming one member twice (with different keys) is refused before any share is
    /// dealt; the genuine list is still accepted afterwards.
    @Test func secAggKeyListWithARepeatedMemberIsRefused() throws {
        let (_, started, advertised) = try Self.startedSecAggMembers()
        var members = started
        let impostor = SecAggAdvertisedKeys(
            party: PartyID(2), encryptionKey: advertised[2].encryptionKey, maskingKey: advertised[2].maskingKey, signature: [])
        let hostile = Self.fromAggregator(.keyList([advertised[0], advertised[1], impostor]))
        #expect(throws: MPCProtocolError.malformedMessage(from: .aggregator, reason: "the key list names a member twice")) {
            try members[0].receive(hostile, from: .aggregator)
        }
        #expect(members[0].currentRound == 0)
        let actions = try members[0].receive(Self.fromAggregator(.keyList(advertised)), from: .aggregator)
        #expect(actions.count == 1)
    }

    /// A share bundle naming one sender twice is refused (its mask would be added twice).
    @Test func secAggShareBundleWithARepeatedSenderIsRefused() throws {
        let (_, started, advertised) = try Self.startedSecAggMembers()
        var members = started
        var toFirst: [SecAggEncryptedShare] = []
        for index in members.indices {
            for case let .send(_, message) in try members[index].receive(Self.fromAggregator(.keyList(advertised)), from: .aggregator) {
                guard case let .encryptedShares(shares) = message.payload else { continue }
                for share in shares where share.peer == PartyID(1) {
                    toFirst.append(SecAggEncryptedShare(peer: PartyID(UInt32(index + 1)), box: share.box))
                }
            }
        }
        try #require(toFirst.count == 2)
        let hostile = Self.fromAggregator(.shareBundle([toFirst[0], toFirst[0]]))
        #expect(throws: MPCProtocolError.malformedMessage(from: .aggregator, reason: "the share bundle names a sender twice")) {
            try members[0].receive(hostile, from: .aggregator)
        }
        #expect(members[0].currentRound == 1)
        let actions = try members[0].receive(Self.fromAggregator(.shareBundle(toFirst)), from: .aggregator)
        #expect(actions.count == 1)
    }

    /// The aggregator refuses keys a member files under another party's id (they would reach the
    /// key list as a second entry for that party).
    @Test func secAggAdvertisementForAnotherPartyIsRefused() throws {
        let (configuration, _, advertised) = try Self.startedSecAggMembers()
        var aggregator = SecAggAggregatorStateMachine(configuration: configuration)
        _ = try aggregator.start()
        let forged = SecAggMessage(sessionID: testSession(), sender: PartyID(1), payload: .advertiseKeys(advertised[1]))
        #expect(throws: MPCProtocolError.malformedMessage(from: PartyID(1), reason: "the advertised keys name another party")) {
            try aggregator.receive(forged, from: PartyID(1))
        }
        let genuine = SecAggMessage(sessionID: testSession(), sender: PartyID(1), payload: .advertiseKeys(advertised[0]))
        #expect(try aggregator.receive(genuine, from: PartyID(1)).isEmpty)
    }

    /// Evidence whose member count or vector length does not fit the wire's `u32` fields throws
    /// instead of trapping in a conversion.
    @Test func evidenceWithOutOfRangeParametersThrows() throws {
        let (key, _) = try dealTestKey(threshold: 2, holders: 3)
        let ciphertext = try key.publicKey.encrypt(BigInt(1), using: &globalTestRNG).value
        let contribution = PaillierAggregationEvidence.Contribution(party: PartyID(1), ciphertexts: [ciphertext], proofs: [])
        let tooManyMembers = PaillierAggregationEvidence(
            sessionID: testSession(), vectorLength: 1, memberCount: 1 << 32, contributions: [contribution], decryptions: [])
        #expect(throws: MPCProtocolError.self) { try tooManyMembers.verify(publicKey: key) }
        let tooLong = PaillierAggregationEvidence(
            sessionID: testSession(), vectorLength: Int.max, memberCount: 3, contributions: [contribution], decryptions: [])
        #expect(throws: MPCProtocolError.invalidConfiguration("the evidence's vector length is outside 0…2^32−1")) {
            try tooLong.verify(publicKey: key)
        }
    }
}
