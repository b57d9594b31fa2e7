import Foundation
import CryptoPrimitives
import MPCProtocols
import NIOCore
import NIOPosix
@testable import NodeRuntime
import Runtime
import Testing

/// Connection bounds, attribution of calls, hold quotas, mailbox bounds, limit validation and
/// addresses (protocols/node.md#connections, #limits, #transport).
@Suite("Node transport: connection bounds, attribution, quotas and limits")
struct HardeningTests {
    /// An object whose identity stands for one connection.
    final class Connection {}

    @Test("a call's member is found by the connection's local and remote address, only once the handshake completed, and only that connection's record is forgotten")
    func attribution() {
        let table = AuthenticatedConnections(bounds: .init(pending: 8, pendingPerAddress: 8, perMember: 8))
        let first = Connection()
        let second = Connection()
        let key = AuthenticatedConnections.Key(local: "ipv4:127.0.0.1:7000", remote: "ipv4:127.0.0.1:50000")
        let otherLocal = AuthenticatedConnections.Key(local: "ipv4:127.0.0.2:7000", remote: "ipv4:127.0.0.1:50000")
        #expect(table.admit(ObjectIdentifier(first), key: key, source: "127.0.0.1"))
        // Admitted, its certificate perhaps checked, its handshake not complete: no member.
        #expect(table.member(local: key.local, remote: key.remote) == nil)
        #expect(table.pendingCount == 1)
        #expect(table.authenticate(ObjectIdentifier(first), as: "alpha"))
        #expect(table.pendingCount == 0)
        #expect(table.member(local: key.local, remote: key.remote) == "alpha")
        // The same remote address seen on another local address is another connection.
        #expect(table.member(local: otherLocal.local, remote: otherLocal.remote) == nil)
        #expect(table.admit(ObjectIdentifier(second), key: otherLocal, source: "127.0.0.1"))
        #expect(table.authenticate(ObjectIdentifier(second), as: "bravo"))
        #expect(table.member(local: otherLocal.local, remote: otherLocal.remote) == "bravo")
        #expect(table.member(local: key.local, remote: key.remote) == "alpha")
        // Forgetting one connection leaves the other's record.
        table.forget(ObjectIdentifier(second))
        #expect(table.member(local: otherLocal.local, remote: otherLocal.remote) == nil)
        #expect(table.member(local: key.local, remote: key.remote) == "alpha")
        // A connection that was never admitted cannot be authenticated, nor twice.
        #expect(!table.authenticate(ObjectIdentifier(second), as: "bravo"))
        #expect(!table.authenticate(ObjectIdentifier(first), as: "alpha"))
        table.forget(ObjectIdentifier(first))
        #expect(table.member(local: key.local, remote: key.remote) == nil)
        #expect(table.connectionCount(of: "alpha") == 0)
    }

    @Test("pending handshakes are bounded in all and per source address, and authenticated connections per member")
    func connectionBounds() {
        let table = AuthenticatedConnections(bounds: .init(pending: 4, pendingPerAddress: 2, perMember: 1))
        let connections = (0..<6).map { _ in Connection() }
        func key(_ index: Int) -> AuthenticatedConnections.Key { .init(local: "ipv4:127.0.0.1:7000", remote: "ipv4:10.0.0.\(index):1") }
        #expect(table.admit(ObjectIdentifier(connections[0]), key: key(0), source: "10.0.0.1"))
        #expect(table.admit(ObjectIdentifier(connections[1]), key: key(1), source: "10.0.0.1"))
        #expect(!table.admit(ObjectIdentifier(connections[2]), key: key(2), source: "10.0.0.1"))
        #expect(table.admit(ObjectIdentifier(connections[2]), key: key(2), source: "10.0.0.2"))
        #expect(table.admit(ObjectIdentifier(connections[3]), key: key(3), source: "10.0.0.3"))
        #expect(!table.admit(ObjectIdentifier(connections[4]), key: key(4), source: "10.0.0.4"))
        // A handshake that completes frees its pending place; a second connection of the member is refused.
        #expect(table.authenticate(ObjectIdentifier(connections[0]), as: "alpha"))
        #expect(!table.authenticate(ObjectIdentifier(connections[1]), as: "alpha"))
        #expect(table.pendingCount == 2)
        #expect(table.admit(ObjectIdentifier(connections[4]), key: key(4), source: "10.0.0.1"))
        table.forget(ObjectIdentifier(connections[0]))
        #expect(table.authenticate(ObjectIdentifier(connections[2]), as: "alpha"))
    }

    @Test("a node keeps serving its member while more idle connections than its bounds allow are held open")
    func idleConnections() async throws {
        var limits = testLimits
        limits.handshakeTimeout = .seconds(120)
        limits.maxPendingHandshakes = 16
        limits.maxPendingHandshakesPerAddress = 8
        let network = try await TestNetwork.make(["alpha", "bravo"], limits: limits)
        defer { Task { await network.stop() } }
        let address = network.addresses["bravo"]!
        // 20 connections that never start a handshake, from another loopback address than the member's.
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        var idle: [any Channel] = []
        for _ in 0..<20 {
            idle.append(try await bootstrap.bind(to: try SocketAddress(ipAddress: "127.0.0.2", port: 0)).connect(
                host: address.host, port: address.port
            ).get())
        }
        #expect(await eventually { await network.node("bravo").statistics().connectionsRefused >= 12 })
        #expect(await eventually { idle.filter(\.isActive).count <= 8 })

        let session = try newSession()
        try await network.register(session, roster: [PartyID(1): "alpha", PartyID(2): "bravo"])
        let mailbox = try await network.node("bravo").open(session: session, party: PartyID(2))
        await network.node("alpha").send(TransportMessage(session: session, from: PartyID(1), to: PartyID(2), round: 1, bytes: [7]))
        #expect(try await collect(1, from: mailbox).map(\.bytes) == [[7]])
        // The 8 admitted ones are still open: they were never refused, only bounded.
        #expect(idle.filter(\.isActive).count == 8)
        #expect(await network.node("bravo").statistics().connectionsRefused == 12)
        for channel in idle { try? await channel.close() }
    }

    @Test("one member cannot take the whole hold: held envelopes are bounded per sender, and expire by age even with a roster")
    func heldQuotas() async throws {
        var limits = testLimits
        limits.maxEarlyEnvelopes = 8
        limits.maxEarlyEnvelopesPerMember = 2
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
        #expect(try await alpha.deliver(envelope("alpha", party: 1, sequence: 0, 1)) == .accepted)
        #expect(try await alpha.deliver(envelope("alpha", party: 1, sequence: 1, 2)) == .accepted)
        #expect(try await alpha.deliver(envelope("alpha", party: 1, sequence: 2, 3)) == .overloaded)
        // Another member still has its share of the hold.
        #expect(try await charlie.deliver(envelope("charlie", party: 3, sequence: 0, 4)) == .accepted)
        #expect(try await charlie.deliver(envelope("charlie", party: 3, sequence: 1, 5)) == .accepted)
        // The refused sequence number was not consumed: once the hold drains it is accepted.
        try await network.node("bravo").register(session: session, roster: [PartyID(1): "alpha", PartyID(2): "bravo", PartyID(3): "charlie"])
        let mailbox = try await network.node("bravo").open(session: session, party: PartyID(2))
        #expect(try await alpha.deliver(envelope("alpha", party: 1, sequence: 2, 3)) == .accepted)
        #expect(Set(try await collect(5, from: mailbox).map(\.bytes)) == [[1], [2], [3], [4], [5]])
        await alpha.close()
        await charlie.close()
    }

    @Test("an envelope held for a registered session whose party never opens expires")
    func heldExpiry() async throws {
        var limits = testLimits
        limits.earlyEnvelopeLifetime = .milliseconds(300)
        let network = try await TestNetwork.make(["alpha", "bravo"], limits: limits)
        defer { Task { await network.stop() } }
        let roster: [PartyID: String] = [PartyID(1): "alpha", PartyID(2): "bravo"]
        let session = try newSession()
        try await network.register(session, roster: roster)
        let link = try network.link(as: "alpha", to: "bravo")
        func envelope(_ session: SessionID, sequence: UInt64, _ byte: UInt8) -> [UInt8] {
            NodeEnvelope.seal(
                TransportMessage(session: session, from: PartyID(1), to: PartyID(2), round: 1, bytes: [byte]),
                consortium: network.consortium, sender: "alpha", receiver: "bravo", sequence: sequence, signingKey: network.keys["alpha"]!
            ).wireEncoded()
        }
        #expect(try await link.deliver(envelope(session, sequence: 0, 1)) == .accepted)
        try await Task.sleep(for: .milliseconds(400))
        // The next envelope that arrives sweeps the hold.
        let other = try newSession()
        try await network.register(other, roster: roster)
        #expect(try await link.deliver(envelope(other, sequence: 0, 2)) == .accepted)
        #expect(await network.node("bravo").statistics().heldEnvelopesExpired == 1)
        let mailbox = try await network.node("bravo").open(session: session, party: PartyID(2))
        #expect(try await mailbox.receive(before: .now.advanced(by: .milliseconds(200))) == nil)
        await link.close()
    }

    @Test("an open mailbox's unread bytes are bounded: past the bound the node answers overloaded and the sending node retries")
    func mailboxBound() async throws {
        var limits = testLimits
        limits.maxMailboxBytes = 4
        let network = try await TestNetwork.make(["alpha", "bravo"], limits: limits)
        defer { Task { await network.stop() } }
        let session = try newSession()
        try await network.register(session, roster: [PartyID(1): "alpha", PartyID(2): "bravo"])
        let mailbox = try await network.node("bravo").open(session: session, party: PartyID(2))
        await network.node("alpha").send(TransportMessage(session: session, from: PartyID(1), to: PartyID(2), round: 1, bytes: [1, 2, 3, 4]))
        await network.node("alpha").send(TransportMessage(session: session, from: PartyID(1), to: PartyID(2), round: 1, bytes: [5]))
        // Nothing is read yet: the second is refused, and retried.
        #expect(await eventually { await network.node("bravo").statistics().envelopesReceived[.overloaded, default: 0] >= 1 })
        #expect(await eventually { await network.node("alpha").statistics().retries >= 1 })
        #expect(try await collect(2, from: mailbox).map(\.bytes) == [[1, 2, 3, 4], [5]])
        #expect(await eventually { await network.node("alpha").statistics().envelopesDelivered == 2 })
        let alpha = await network.node("alpha").statistics()
        #expect(alpha.envelopesRefusedByPeers.isEmpty)
        #expect(alpha.outgoingDropped == 0)
    }

    @Test("a second receive waiting on a mailbox ends the first with nil; a bounded delivery refuses past the bound")
    func queueMailbox() async throws {
        let mailbox = QueueMailbox(party: PartyID(1))
        // The deadline only bounds the test: the receive that waited first ends as soon as the
        // other starts waiting, and the message then goes to the one still waiting.
        let deadline = ContinuousClock.now.advanced(by: .seconds(120))
        let message = TransportMessage(session: try newSession(), from: PartyID(2), to: PartyID(1), round: 1, bytes: [1, 2, 3])
        try await withThrowingTaskGroup(of: TransportMessage?.self) { group in
            group.addTask { try await mailbox.receive(before: deadline) }
            group.addTask { try await mailbox.receive(before: deadline) }
            let displaced = try await group.next()
            #expect(displaced == .some(nil))
            await mailbox.deliver(message)
            let received = try await group.next()
            #expect(received??.bytes == [1, 2, 3])
        }

        #expect(await mailbox.deliver(message, maxUnreadBytes: 4))
        #expect(await mailbox.unreadPayloadBytes == 3)
        #expect(!(await mailbox.deliver(message, maxUnreadBytes: 4)))
        #expect(try await mailbox.receive(before: .now)?.bytes == [1, 2, 3])
        #expect(await mailbox.unreadPayloadBytes == 0)
        #expect(await mailbox.deliver(message, maxUnreadBytes: 4))
    }

    @Test("limits out of range are refused with the limit's name; the defaults pass")
    func limitValidation() throws {
        try NodeLimits.default.validate()
        try testLimits.validate()
        func refused(_ change: (inout NodeLimits) -> Void, naming name: String) {
            var limits = NodeLimits.default
            change(&limits)
            let error = #expect(throws: Runtime.RuntimeError.self) { try limits.validate() }
            #expect(error?.message.contains("NodeLimits.\(name)") == true, "\(String(describing: error))")
        }
        refused({ $0.maxPayloadBytes = .max }, naming: "maxPayloadBytes")
        refused({ $0.maxPayloadBytes = 0 }, naming: "maxPayloadBytes")
        refused({ $0.handshakeTimeout = .seconds(Int64.max / 2) }, naming: "handshakeTimeout")
        refused({ $0.deliveryLifetime = .zero }, naming: "deliveryLifetime")
        refused({ $0.callTimeout = .seconds(-1) }, naming: "callTimeout")
        refused({ $0.backoffMultiplier = .nan }, naming: "backoffMultiplier")
        refused({ $0.backoffMultiplier = .infinity }, naming: "backoffMultiplier")
        refused({ $0.backoffJitter = 2 }, naming: "backoffJitter")
        refused({ $0.backoffInitial = .seconds(10) }, naming: "backoffInitial")
        refused({ $0.maxEarlyEnvelopesPerMember = 0 }, naming: "maxEarlyEnvelopesPerMember")
        refused({ $0.maxPendingHandshakes = 0 }, naming: "maxPendingHandshakes")
        refused({ $0.maxMailboxBytes = -1 }, naming: "maxMailboxBytes")

        // A node and a link check their limits.
        var bad = NodeLimits.default
        bad.backoffJitter = .nan
        let key = Ed25519.PrivateKey()
        let directory = try MemberDirectory([("alpha", key.publicKey), ("bravo", Ed25519.PrivateKey().publicKey)])
        let identity = try NodeIdentity(member: "alpha", key: key)
        #expect(throws: Runtime.RuntimeError.self) {
            _ = try NodeTransport(configuration: NodeConfiguration(
                identity: identity, consortium: [UInt8](repeating: 0, count: 32), directory: directory,
                listen: NodeAddress(host: "127.0.0.1", port: 0), limits: bad))
        }
        #expect(throws: Runtime.RuntimeError.self) {
            _ = try PeerLink(to: "bravo", at: NodeAddress(host: "127.0.0.1", port: 1), identity: identity, directory: directory, limits: bad)
        }
        #expect(throws: Runtime.RuntimeError.self) {
            _ = try PeerLink(to: "bravo", at: NodeAddress(host: "127.0.0.1", port: 0), identity: identity, directory: directory)
        }
        // Back-off never overflows, even at the largest valid limits.
        var largest = NodeLimits.default
        largest.backoffInitial = NodeLimits.longestDuration
        largest.backoffMaximum = NodeLimits.longestDuration
        largest.backoffMultiplier = 1000
        largest.backoffJitter = 1
        try largest.validate()
        #expect(largest.backoff(attempt: 1000) <= NodeLimits.longestDuration * 2)
    }

    @Test("peers are dialled by IPv6 literal and by DNS name")
    func addresses() async throws {
        #expect(NodeAddress(host: "::1", port: 7000).description == "[::1]:7000")
        #expect(NodeAddress(host: "127.0.0.1", port: 7000).description == "127.0.0.1:7000")
        for (host, dialing) in [("::1", "::1"), ("127.0.0.1", "localhost")] {
            let network = try await TestNetwork.make(["alpha", "bravo"], host: host, dialing: dialing)
            let session = try newSession()
            try await network.register(session, roster: [PartyID(1): "alpha", PartyID(2): "bravo"])
            let mailbox = try await network.node("bravo").open(session: session, party: PartyID(2))
            await network.node("alpha").send(TransportMessage(session: session, from: PartyID(1), to: PartyID(2), round: 1, bytes: [9]))
            #expect(try await collect(1, from: mailbox).map(\.bytes) == [[9]], "\(host) dialled as \(dialing)")
            await network.stop()
        }
    }

    @Test("a replica that halted stays halted after a restart: the halt is recorded next to it")
    func haltSurvivesRestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("covenant-halt-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let record = directory + "/ledger.sqlite.halted"
        func replica() throws -> ReplicatedLedger {
            ReplicatedLedger(
                local: try LedgerService(path: nil), member: "beta", sequencer: "alpha", callTimeout: .seconds(1), haltRecord: record
            ) { _, _, _ in throw RuntimeError(.transportFailure, "no sequencer in this test") }
        }
        let first = try replica()
        #expect(await first.halted == nil)
        await first.halt("sequencer alpha signed a checkpoint this replica contradicts")
        #expect(FileManager.default.fileExists(atPath: record))
        let restarted = try replica()
        #expect(await restarted.halted == "sequencer alpha signed a checkpoint this replica contradicts")
        let refused = await #expect(throws: RuntimeError.self) { try await restarted.sync() }
        #expect(refused?.code == .replicationHalted)
        // The operator clears the halt by removing the record once the cause is resolved.
        try FileManager.default.removeItem(atPath: record)
        #expect(await (try replica()).halted == nil)
    }
}
