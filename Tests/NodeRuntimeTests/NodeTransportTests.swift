import CryptoPrimitives
import MPCProtocols
import NodeRuntime
import Runtime
import Testing

/// Three nodes over real TLS on 127.0.0.1 (protocols/node.md#transport).
@Suite("Node transport: sessions over TLS on loopback")
struct NodeTransportTests {
    @Test("three nodes exchange every message of two concurrent sessions, each in its own session")
    func threeNodesTwoSessions() async throws {
        let network = try await TestNetwork.make(["alpha", "bravo", "charlie"])
        defer { Task { await network.stop() } }
        let first = try newSession()
        let second = try newSession()
        let rosters: [SessionID: [PartyID: String]] = [
            first: [PartyID(1): "alpha", PartyID(2): "bravo", PartyID(3): "charlie"],
            second: [PartyID(1): "charlie", PartyID(2): "alpha", PartyID(3): "bravo"],
        ]
        var mailboxes: [SessionID: [PartyID: any Mailbox]] = [:]
        for (session, roster) in rosters {
            try await network.register(session, roster: roster)
            for (party, host) in roster {
                mailboxes[session, default: [:]][party] = try await network.node(host).open(session: session, party: party)
            }
        }
        func payload(_ session: SessionID, _ from: PartyID, _ to: PartyID) -> [UInt8] {
            Array("\(session == first ? "first" : "second") \(from.rawValue)->\(to.rawValue)".utf8)
        }
        await withTaskGroup(of: Void.self) { group in
            for (session, roster) in rosters {
                for (from, host) in roster {
                    group.addTask {
                        for to in roster.keys.sorted() where to != from {
                            await network.node(host).send(TransportMessage(
                                session: session, from: from, to: to, round: 1, bytes: payload(session, from, to)))
                        }
                    }
                }
            }
        }
        for (session, roster) in rosters {
            for party in roster.keys {
                let received = try await collect(2, from: mailboxes[session]![party]!)
                #expect(received.count == 2)
                #expect(received.allSatisfy { $0.session == session && $0.to == party && $0.round == 1 })
                let expected = Set(roster.keys.filter { $0 != party }.map { payload(session, $0, party) })
                #expect(Set(received.map(\.bytes)) == expected)
                #expect(Set(received.map(\.from)) == Set(roster.keys.filter { $0 != party }))
            }
        }
        // Each sender counts a delivery when the receiver's verdict comes back, which may be after the mailbox got it.
        let allDelivered = await eventually {
            var delivered = 0
            for name in network.names { delivered += await network.node(name).statistics().envelopesDelivered }
            return delivered == 12
        }
        #expect(allDelivered)
    }

    @Test("twenty sessions at once share the nodes' connections and stay apart")
    func manySessions() async throws {
        let network = try await TestNetwork.make(["alpha", "bravo", "charlie"])
        defer { Task { await network.stop() } }
        let names = network.names
        var sessions: [(SessionID, [PartyID: String])] = []
        for index in 0..<20 {
            var roster: [PartyID: String] = [:]
            for (offset, name) in names.enumerated() { roster[PartyID(UInt32((offset + index) % 3 + 1))] = name }
            sessions.append((try newSession(), roster))
        }
        var mailboxes: [Int: [PartyID: any Mailbox]] = [:]
        for (index, (session, roster)) in sessions.enumerated() {
            try await network.register(session, roster: roster)
            for (party, host) in roster { mailboxes[index, default: [:]][party] = try await network.node(host).open(session: session, party: party) }
        }
        await withTaskGroup(of: Void.self) { group in
            for (index, (session, roster)) in sessions.enumerated() {
                for (from, host) in roster {
                    group.addTask {
                        for to in roster.keys where to != from {
                            await network.node(host).send(TransportMessage(
                                session: session, from: from, to: to, round: 2, bytes: [UInt8(index), UInt8(from.rawValue)]))
                        }
                    }
                }
            }
        }
        for (index, (session, roster)) in sessions.enumerated() {
            for party in roster.keys {
                let received = try await collect(2, from: mailboxes[index]![party]!)
                #expect(received.allSatisfy { $0.session == session && $0.bytes.first == UInt8(index) && $0.bytes.last == UInt8($0.from.rawValue) })
                #expect(Set(received.map(\.from)) == Set(roster.keys.filter { $0 != party }))
            }
        }
    }

    @Test("a peer whose certificate key is not a registered member's is refused during the handshake")
    func unregisteredPeerRefused() async throws {
        let network = try await TestNetwork.make(["alpha", "bravo"])
        defer { Task { await network.stop() } }
        let outsiderKey = Ed25519.PrivateKey()
        let outsider = try NodeIdentity(member: "mallory", key: outsiderKey)
        // The outsider knows the real members' keys (to accept bravo's certificate); bravo does not know the outsider's.
        let outsiderView = try MemberDirectory([
            ("alpha", network.keys["alpha"]!.publicKey), ("bravo", network.keys["bravo"]!.publicKey), ("mallory", outsiderKey.publicKey),
        ])
        let session = try newSession()
        try await network.register(session, roster: [PartyID(1): "alpha", PartyID(2): "bravo"])
        let envelope = NodeEnvelope.seal(
            TransportMessage(session: session, from: PartyID(1), to: PartyID(2), round: 1, bytes: [1, 2, 3]),
            consortium: network.consortium, sender: "mallory", receiver: "bravo", sequence: 0, signingKey: outsiderKey)
        let link = try PeerLink(to: "bravo", at: network.addresses["bravo"]!, identity: outsider, directory: outsiderView, limits: testLimits)
        await #expect(throws: RuntimeError.self) { _ = try await link.deliver(envelope.wireEncoded()) }
        await link.close()
        let bravo = await network.node("bravo").statistics()
        #expect(bravo.handshakesRefused >= 1)
        #expect(bravo.envelopesReceived.values.reduce(0, +) == 0)

        // A registered member dialling the wrong member's address refuses that server in turn.
        let confused = try PeerLink(
            to: "alpha", at: network.addresses["bravo"]!, identity: network.identity("alpha"), directory: network.directory,
            limits: testLimits)
        await #expect(throws: RuntimeError.self) { _ = try await confused.deliver(envelope.wireEncoded()) }
        await confused.close()

        // Bravo still serves its members.
        let mailbox = try await network.node("bravo").open(session: session, party: PartyID(2))
        await network.node("alpha").send(TransportMessage(session: session, from: PartyID(1), to: PartyID(2), round: 1, bytes: [9]))
        let received = try await collect(1, from: mailbox)
        #expect(received.map(\.bytes) == [[9]])
        #expect(received.first?.from == PartyID(1))
    }

    @Test("a node that comes back on its port receives what was sent while it was down (reconnection with back-off)")
    func reconnectsAfterRestart() async throws {
        let network = try await TestNetwork.make(["alpha", "bravo"])
        defer { Task { await network.stop() } }
        let session = try newSession()
        try await network.register(session, roster: [PartyID(1): "alpha", PartyID(2): "bravo"])
        let mailbox = try await network.node("bravo").open(session: session, party: PartyID(2))
        await network.node("bravo").stop()
        await network.node("alpha").send(TransportMessage(session: session, from: PartyID(1), to: PartyID(2), round: 1, bytes: [7]))
        let retried = await eventually { await network.node("alpha").statistics().retries >= 2 }
        #expect(retried)
        #expect(await network.node("bravo").listeningAddress == nil)
        let address = try await network.node("bravo").start()
        #expect(address == network.addresses["bravo"])
        let received = try await collect(1, from: mailbox)
        #expect(received.map(\.bytes) == [[7]])
        #expect(await eventually { await network.node("alpha").statistics().envelopesDelivered == 1 })
    }
}
