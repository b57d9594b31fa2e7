import CryptoPrimitives
import MPCProtocols
import NodeRuntime
import Runtime
import Testing

/// Limits for tests: short back-off and handshake deadline, and delivery deadlines that no load of
/// the whole suite on two cores reaches (a delivery once waited past 30 s for its verdict while
/// every suite ran at once); nothing here bounds how long a test may take.
let testLimits = NodeLimits(
    maxPayloadBytes: 1 << 20, handshakeTimeout: .seconds(10), deliveryTimeout: .seconds(90), deliveryLifetime: .seconds(180),
    backoffInitial: .milliseconds(20), backoffMaximum: .milliseconds(500))

/// Member nodes on 127.0.0.1 or `host` (ephemeral ports), each knowing the others' addresses
/// (with `dialing` as their host, when given).
struct TestNetwork {
    let names: [String]
    let keys: [String: Ed25519.PrivateKey]
    let directory: MemberDirectory
    let consortium: [UInt8]
    let nodes: [String: NodeTransport]
    let addresses: [String: NodeAddress]

    static func make(
        _ names: [String], limits: NodeLimits = testLimits, recording: Bool = false, keys given: [String: Ed25519.PrivateKey] = [:],
        host: String = "127.0.0.1", dialing: String? = nil, echoCalls: Bool = false,
        serving handler: (@Sendable (_ request: [UInt8], _ caller: String) async -> [UInt8])? = nil
    ) async throws -> TestNetwork {
        var keys: [String: Ed25519.PrivateKey] = [:]
        for name in names { keys[name] = given[name] ?? Ed25519.PrivateKey() }
        let directory = try MemberDirectory(names.map { ($0, keys[$0]!.publicKey) })
        let consortium = SecureRandom.bytes(count: 32)
        var nodes: [String: NodeTransport] = [:]
        var addresses: [String: NodeAddress] = [:]
        for name in names {
            let node = try NodeTransport(configuration: NodeConfiguration(
                identity: try NodeIdentity(member: name, key: keys[name]!), consortium: consortium, directory: directory,
                listen: NodeAddress(host: host, port: 0), limits: limits, recording: recording))
            if let handler {
                await node.serveCalls(handler)
            } else if echoCalls {
                await node.serveCalls { request, _ in request }
            }
            var address = try await node.start()
            if let dialing { address.host = dialing }
            addresses[name] = address
            nodes[name] = node
        }
        for (name, node) in nodes {
            for (peer, address) in addresses where peer != name { try await node.setPeer(peer, at: address) }
        }
        return TestNetwork(names: names, keys: keys, directory: directory, consortium: consortium, nodes: nodes, addresses: addresses)
    }

    func node(_ name: String) -> NodeTransport { nodes[name]! }

    func identity(_ name: String) throws -> NodeIdentity { try NodeIdentity(member: name, key: keys[name]!) }

    /// A raw link that authenticates as `member` and dials `peer`.
    func link(as member: String, to peer: String) throws -> PeerLink {
        try PeerLink(to: peer, at: addresses[peer]!, identity: identity(member), directory: directory, limits: testLimits)
    }

    /// Registers `roster` for `session` on every node.
    func register(_ session: SessionID, roster: [PartyID: String]) async throws {
        for node in nodes.values { try await node.register(session: session, roster: roster) }
    }

    func stop() async {
        for node in nodes.values { await node.stop() }
    }
}

/// A fresh random session id.
func newSession() throws -> SessionID { try SessionID(bytes: SecureRandom.bytes(count: 32)) }

/// Receives until `count` messages arrived or the deadline passed.
func collect(_ count: Int, from mailbox: any Mailbox, within limit: Duration = .seconds(30)) async throws -> [TransportMessage] {
    let deadline = ContinuousClock.now.advanced(by: limit)
    var messages: [TransportMessage] = []
    while messages.count < count, let message = try await mailbox.receive(before: deadline) {
        messages.append(message)
    }
    return messages
}

/// Polls `condition` every 20 ms until it holds or `limit` passes (a bound, not a timing assertion).
func eventually(within limit: Duration = .seconds(30), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now.advanced(by: limit)
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}

/// The ``Transport`` of a whole consortium whose members are separate ``NodeTransport``s: each
/// party's mailbox is opened on the node of the member hosting it and each message is sent by the
/// node of its sender, so every message between members crosses TLS on loopback. The roster is
/// the runtime's: party i is participant i, the aggregator is hosted by participant 1.
struct RoutedTransport: Transport {
    let network: TestNetwork
    let participants: [String]

    var roster: [PartyID: String] {
        var roster: [PartyID: String] = [.aggregator: participants[0]]
        for (index, name) in participants.enumerated() { roster[PartyID(UInt32(index + 1))] = name }
        return roster
    }

    func register(session: SessionID, roster: [PartyID: String]) async throws {
        try await network.register(session, roster: roster)
    }

    func open(session: SessionID, party: PartyID) async throws -> any Mailbox {
        try await network.register(session, roster: roster)
        guard let host = roster[party] else { throw RuntimeError(.invalidParticipants, "no host for \(party)") }
        return try await network.node(host).open(session: session, party: party)
    }

    func send(_ message: TransportMessage) async {
        guard let host = roster[message.from] else { return }
        await network.node(host).send(message)
    }

    func close(session: SessionID) async {
        for node in network.nodes.values { await node.close(session: session) }
    }
}
