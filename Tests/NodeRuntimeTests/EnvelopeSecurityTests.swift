import ConsortiumLedger
import CryptoPrimitives
import MPCProtocols
import NodeRuntime
import Runtime
import Testing

/// Envelopes that a registered member puts on an authenticated connection but that the receiving
/// node must refuse (protocols/node.md#replay-and-relay).
@Suite("Node transport: relayed, replayed, forged and misdirected envelopes")
struct EnvelopeSecurityTests {
    @Test("an envelope replayed from an earlier session is rejected, and so is one replayed within its session")
    func replays() async throws {
        let network = try await TestNetwork.make(["alpha", "bravo"], recording: true)
        defer { Task { await network.stop() } }
        let roster: [PartyID: String] = [PartyID(1): "alpha", PartyID(2): "bravo"]
        let earlier = try newSession()
        try await network.register(earlier, roster: roster)
        let earlierBox = try await network.node("bravo").open(session: earlier, party: PartyID(2))
        await network.node("alpha").send(TransportMessage(session: earlier, from: PartyID(1), to: PartyID(2), round: 1, bytes: [1]))
        #expect(try await collect(1, from: earlierBox).map(\.bytes) == [[1]])
        await network.node("alpha").close(session: earlier)
        await network.node("bravo").close(session: earlier)
        let captured = try #require(await network.node("alpha").sentEnvelopes().first)

        let later = try newSession()
        try await network.register(later, roster: roster)
        let laterBox = try await network.node("bravo").open(session: later, party: PartyID(2))
        let link = try network.link(as: "alpha", to: "bravo")
        // The earlier session's envelope, replayed as is.
        #expect(try await link.deliver(captured) == .replayed)
        // The same envelope moved into the later session: the signature binds the session.
        var moved = try NodeEnvelope(wireEncoded: captured, maxPayloadBytes: 1 << 20)
        moved.session = later
        #expect(try await link.deliver(moved.wireEncoded()) == .forged)
        // Within the later session: accepted once, then refused as a replay of its sequence number.
        await network.node("alpha").send(TransportMessage(session: later, from: PartyID(1), to: PartyID(2), round: 1, bytes: [2]))
        #expect(try await collect(1, from: laterBox).map(\.bytes) == [[2]])
        let second = try #require(await network.node("alpha").sentEnvelopes().last)
        #expect(try await link.deliver(second) == .replayed)
        await link.close()
        // Nothing else reached the party.
        #expect(try await laterBox.receive(before: .now.advanced(by: .milliseconds(200))) == nil)
        let received = await network.node("bravo").statistics().envelopesReceived
        #expect(received[.replayed] == 2)
        #expect(received[.forged] == 1)
        #expect(received[.accepted] == 2)
    }

    @Test("relayed, forged, misdirected and garbage envelopes are rejected; the genuine one is delivered once")
    func relaysAndForgeries() async throws {
        let network = try await TestNetwork.make(["alpha", "bravo", "charlie"], recording: true)
        defer { Task { await network.stop() } }
        let session = try newSession()
        try await network.register(session, roster: [PartyID(1): "alpha", PartyID(2): "bravo", PartyID(3): "charlie"])
        let bravoBox = try await network.node("bravo").open(session: session, party: PartyID(2))
        let charlieBox = try await network.node("charlie").open(session: session, party: PartyID(3))
        await network.node("alpha").send(TransportMessage(session: session, from: PartyID(1), to: PartyID(2), round: 1, bytes: [1]))
        await network.node("alpha").send(TransportMessage(session: session, from: PartyID(1), to: PartyID(3), round: 1, bytes: [3]))
        #expect(try await collect(1, from: bravoBox).map(\.bytes) == [[1]])
        #expect(try await collect(1, from: charlieBox).map(\.bytes) == [[3]])
        let sent = await network.node("alpha").sentEnvelopes()
        let toBravo = try #require(sent.first { (try? NodeEnvelope(wireEncoded: $0, maxPayloadBytes: 1 << 20))?.receiver == "bravo" })
        let toCharlie = try #require(sent.first { (try? NodeEnvelope(wireEncoded: $0, maxPayloadBytes: 1 << 20))?.receiver == "charlie" })

        // Charlie relays alpha's envelope to bravo: the sender is not the authenticated peer.
        let charlieLink = try network.link(as: "charlie", to: "bravo")
        #expect(try await charlieLink.deliver(toBravo) == .relayed)
        // Charlie claims to be alpha in an envelope it signs itself.
        let forged = NodeEnvelope.seal(
            TransportMessage(session: session, from: PartyID(1), to: PartyID(2), round: 1, bytes: [66]),
            consortium: network.consortium, sender: "alpha", receiver: "bravo", sequence: 99, signingKey: network.keys["charlie"]!)
        let alphaLink = try network.link(as: "alpha", to: "bravo")
        #expect(try await alphaLink.deliver(forged.wireEncoded()) == .forged)
        #expect(try await charlieLink.deliver(forged.wireEncoded()) == .relayed)
        // Alpha's envelope for charlie, sent to bravo.
        #expect(try await alphaLink.deliver(toCharlie) == .misdirected)
        // Charlie signs as itself but claims alpha's party.
        let wrongParty = NodeEnvelope.seal(
            TransportMessage(session: session, from: PartyID(1), to: PartyID(2), round: 1, bytes: [67]),
            consortium: network.consortium, sender: "charlie", receiver: "bravo", sequence: 0, signingKey: network.keys["charlie"]!)
        #expect(try await charlieLink.deliver(wrongParty.wireEncoded()) == .wrongParty)
        // Another consortium's envelope.
        let foreign = NodeEnvelope.seal(
            TransportMessage(session: session, from: PartyID(1), to: PartyID(2), round: 1, bytes: [68]),
            consortium: SecureRandom.bytes(count: 32), sender: "alpha", receiver: "bravo", sequence: 1, signingKey: network.keys["alpha"]!)
        #expect(try await alphaLink.deliver(foreign.wireEncoded()) == .misdirected)
        // A flipped payload bit breaks the signature.
        var flipped = toBravo
        flipped[flipped.count - 65] ^= 0x01  // the payload byte, before the 64-byte signature
        #expect(try await alphaLink.deliver(flipped) == .forged)
        // Bytes that are not an envelope, and a truncated one.
        #expect(try await alphaLink.deliver(SecureRandom.bytes(count: 300)) == .malformed)
        #expect(try await alphaLink.deliver(Array(toBravo.dropLast(5))) == .malformed)
        #expect(try await alphaLink.deliver([]) == .malformed)
        await charlieLink.close()
        await alphaLink.close()

        #expect(try await bravoBox.receive(before: .now.advanced(by: .milliseconds(200))) == nil)
        let received = await network.node("bravo").statistics().envelopesReceived
        #expect(received[.accepted] == 1)
        #expect(received[.relayed] == 2)
        #expect(received[.forged] == 2)
        #expect(received[.misdirected] == 2)
        #expect(received[.wrongParty] == 1)
        #expect(received[.malformed] == 3)
    }
}

/// A running node's registry follows the ledger's members (protocols/node.md#tls-identities-and-pinning).
@Suite("Node transport: the member registry follows the ledger")
struct RegistryTests {
    @Test("a member the ledger removed: refused at once on a running node, the connection it had closed by the node and its new handshakes refused; one it admits is accepted")
    func removedAndAdmitted() async throws {
        let network = try await TestNetwork.make(["alpha", "bravo", "charlie"])
        defer { Task { await network.stop() } }
        let session = try newSession()
        try await network.register(session, roster: [PartyID(1): "alpha", PartyID(2): "bravo", PartyID(3): "charlie"])
        _ = try await network.node("bravo").open(session: session, party: PartyID(2))
        func envelope(_ sequence: UInt64) -> [UInt8] {
            NodeEnvelope.seal(
                TransportMessage(session: session, from: PartyID(3), to: PartyID(2), round: 1, bytes: [UInt8(sequence)]),
                consortium: network.consortium, sender: "charlie", receiver: "bravo", sequence: sequence, signingKey: network.keys["charlie"]!
            ).wireEncoded()
        }
        let charlie = try network.link(as: "charlie", to: "bravo")
        #expect(try await charlie.deliver(envelope(0)) == .accepted)
        func member(_ name: String) -> ConsortiumLedger.Member {
            ConsortiumLedger.Member(name: name, publicKey: network.keys[name]!.publicKey, roles: [.voting, .participant])
        }
        // The ledger removes charlie: the registry (shared by the listener, links and checks) drops it.
        #expect(try await network.node("bravo").refreshDirectory([member("alpha"), member("bravo")]) == ["charlie"])
        // The connection charlie had is closed by bravo at once: nothing more reaches bravo on it,
        // and the link's reconnection is refused during its handshake.
        await #expect(throws: (any Error).self) { try await charlie.deliver(envelope(1)) }
        await charlie.close()
        await #expect(throws: (any Error).self) { try await network.link(as: "charlie", to: "bravo").deliver(envelope(2)) }
        // A node the ledger no longer registers itself refuses to follow it.
        await #expect(throws: RuntimeError.self) { try await network.node("bravo").refreshDirectory([member("alpha")]) }
        // Admitted again: accepted from its next handshake.
        #expect(try await network.node("bravo").refreshDirectory([member("alpha"), member("bravo"), member("charlie")]).isEmpty)
        let again = try network.link(as: "charlie", to: "bravo")
        #expect(try await again.deliver(envelope(3)) == .accepted)
        await again.close()
    }
}

/// Envelopes that arrive before their session is known here (protocols/node.md#receiving-an-envelope).
@Suite("Node transport: envelopes held for sessions not yet open")
struct EarlyEnvelopeTests {
    @Test("held until the party's mailbox opens, dropped when the roster contradicts them, and bounded")
    func heldEnvelopes() async throws {
        var limits = testLimits
        limits.maxEarlyEnvelopes = 3
        let network = try await TestNetwork.make(["alpha", "bravo", "charlie"], limits: limits)
        defer { Task { await network.stop() } }
        let session = try newSession()
        func envelope(_ sender: String, party: UInt32, sequence: UInt64, _ byte: UInt8) -> [UInt8] {
            NodeEnvelope.seal(
                TransportMessage(session: session, from: PartyID(party), to: PartyID(2), round: 1, bytes: [byte]),
                consortium: network.consortium, sender: sender, receiver: "bravo", sequence: sequence, signingKey: network.keys[sender]!
            ).wireEncoded()
        }
        let alpha = try network.link(as: "alpha", to: "bravo")
        let charlie = try network.link(as: "charlie", to: "bravo")
        // Bravo has no roster for the session yet: the envelopes are held.
        #expect(try await alpha.deliver(envelope("alpha", party: 1, sequence: 0, 1)) == .accepted)
        #expect(try await alpha.deliver(envelope("alpha", party: 3, sequence: 1, 2)) == .accepted)  // claims charlie's party
        #expect(try await charlie.deliver(envelope("charlie", party: 3, sequence: 0, 3)) == .accepted)
        #expect(try await alpha.deliver(envelope("alpha", party: 1, sequence: 2, 4)) == .overloaded)
        await alpha.close()
        await charlie.close()

        try await network.node("bravo").register(session: session, roster: [PartyID(1): "alpha", PartyID(2): "bravo", PartyID(3): "charlie"])
        let mailbox = try await network.node("bravo").open(session: session, party: PartyID(2))
        let held = try await collect(2, from: mailbox)
        #expect(held.map(\.bytes) == [[1], [3]])
        #expect(held.map(\.from) == [PartyID(1), PartyID(3)])
        #expect(try await mailbox.receive(before: .now.advanced(by: .milliseconds(200))) == nil)
        let received = await network.node("bravo").statistics().envelopesReceived
        #expect(received[.accepted] == 3)
        #expect(received[.overloaded] == 1)
        #expect(received[.wrongParty] == 1)
    }

    @Test("a node refuses a key that is not its member's registered key, a short consortium id and an unregistered peer")
    func configurationRules() async throws {
        let key = Ed25519.PrivateKey()
        let directory = try MemberDirectory([("alpha", key.publicKey), ("bravo", Ed25519.PrivateKey().publicKey)])
        let listen = NodeAddress(host: "127.0.0.1", port: 0)
        let consortium = SecureRandom.bytes(count: 32)
        #expect(throws: RuntimeError.self) {
            _ = try NodeTransport(configuration: NodeConfiguration(
                identity: try NodeIdentity(member: "alpha", key: Ed25519.PrivateKey()), consortium: consortium, directory: directory, listen: listen))
        }
        #expect(throws: RuntimeError.self) {
            _ = try NodeTransport(configuration: NodeConfiguration(
                identity: try NodeIdentity(member: "alpha", key: key), consortium: [1, 2, 3], directory: directory, listen: listen))
        }
        #expect(throws: RuntimeError.self) {
            _ = try NodeTransport(configuration: NodeConfiguration(
                identity: try NodeIdentity(member: "alpha", key: key), consortium: consortium, directory: directory, listen: listen,
                peers: ["mallory": listen]))
        }
        let node = try NodeTransport(configuration: NodeConfiguration(
            identity: try NodeIdentity(member: "alpha", key: key), consortium: consortium, directory: directory, listen: listen))
        await #expect(throws: RuntimeError.self) { try await node.setPeer("mallory", at: listen) }
        // A port another node already listens on cannot be bound.
        let network = try await TestNetwork.make(["bravo"])
        defer { Task { await network.stop() } }
        let taken = try NodeTransport(configuration: NodeConfiguration(
            identity: try NodeIdentity(member: "alpha", key: key), consortium: consortium, directory: directory,
            listen: network.addresses["bravo"]!))
        let error = await #expect(throws: RuntimeError.self) { try await taken.start() }
        #expect(error?.code == .transportFailure)
    }

    @Test("a node refuses to open a party its member does not host, or a session without a roster")
    func openingRules() async throws {
        let network = try await TestNetwork.make(["alpha", "bravo"])
        defer { Task { await network.stop() } }
        let session = try newSession()
        await #expect(throws: RuntimeError.self) { _ = try await network.node("alpha").open(session: session, party: PartyID(1)) }
        try await network.register(session, roster: [PartyID(1): "alpha", PartyID(2): "bravo"])
        await #expect(throws: RuntimeError.self) { _ = try await network.node("alpha").open(session: session, party: PartyID(2)) }
        await #expect(throws: RuntimeError.self) {
            try await network.node("alpha").register(session: session, roster: [PartyID(1): "bravo", PartyID(2): "alpha"])
        }
        await #expect(throws: RuntimeError.self) {
            try await network.node("alpha").register(session: try newSession(), roster: [PartyID(1): "mallory"])
        }
        // A message from a party this node does not host is not sent.
        await network.node("alpha").send(TransportMessage(session: session, from: PartyID(2), to: PartyID(1), round: 1, bytes: [1]))
        #expect(await network.node("alpha").statistics().outgoingDropped == 1)
        await network.node("alpha").close(session: session)
        await #expect(throws: RuntimeError.self) {
            try await network.node("alpha").register(session: session, roster: [PartyID(1): "alpha", PartyID(2): "bravo"])
        }
    }
}
