import Circuit
import ConsortiumLedger
import CryptoPrimitives
import Foundation
import GRPCCore
import MPCProtocols
import NIOCore
import NIOPosix
@testable import NodeRuntime
import Runtime
import Testing
import WireFormat

/// What a node's port survives (protocols/node.md#limits, #deadlines-and-reconnection).
@Suite("Node transport: oversized messages, malformed call frames, random bytes and half-open connections")
struct HostileInputTests {
    @Test("an oversized message is refused by sender and receiver while the node keeps serving")
    func oversized() async throws {
        var limits = testLimits
        limits.maxPayloadBytes = 4096
        let network = try await TestNetwork.make(["alpha", "bravo"], limits: limits)
        defer { Task { await network.stop() } }
        let session = try newSession()
        try await network.register(session, roster: [PartyID(1): "alpha", PartyID(2): "bravo"])
        let mailbox = try await network.node("bravo").open(session: session, party: PartyID(2))

        // The sending node refuses to send it.
        await network.node("alpha").send(TransportMessage(
            session: session, from: PartyID(1), to: PartyID(2), round: 1, bytes: [UInt8](repeating: 1, count: 4097)))
        #expect(await network.node("alpha").statistics().outgoingDropped == 1)

        // A peer that sends it anyway: one byte over is refused by the envelope decoder; far over,
        // the gRPC layer resets the call's stream before reading the envelope.
        let link = try network.link(as: "alpha", to: "bravo")
        func oversized(_ size: Int) -> [UInt8] {
            NodeEnvelope.seal(
                TransportMessage(session: session, from: PartyID(1), to: PartyID(2), round: 1, bytes: [UInt8](repeating: 2, count: size)),
                consortium: network.consortium, sender: "alpha", receiver: "bravo", sequence: UInt64(size), signingKey: network.keys["alpha"]!
            ).wireEncoded()
        }
        #expect(try await link.deliver(oversized(4097)) == .oversized)
        await #expect(throws: Runtime.RuntimeError.self) { _ = try await link.deliver(oversized(64 << 10)) }
        // The largest allowed payload still passes, on the same connection.
        let largest = NodeEnvelope.seal(
            TransportMessage(session: session, from: PartyID(1), to: PartyID(2), round: 1, bytes: [UInt8](repeating: 3, count: 4096)),
            consortium: network.consortium, sender: "alpha", receiver: "bravo", sequence: 1_000_000, signingKey: network.keys["alpha"]!)
        #expect(try await link.deliver(largest.wireEncoded()) == .accepted)
        await link.close()

        await network.node("alpha").send(TransportMessage(session: session, from: PartyID(1), to: PartyID(2), round: 1, bytes: [4]))
        let messages = try await collect(2, from: mailbox)
        #expect(messages.map(\.bytes.count) == [4096, 1])
        let received = await network.node("bravo").statistics().envelopesReceived
        #expect(received[.oversized] == 1)
        #expect(received[.accepted] == 2)
    }

    @Test("a call frame too short for its id ends that member's call stream; its next call opens another and the node keeps serving")
    func malformedCallFrame() async throws {
        let network = try await TestNetwork.make(["alpha", "bravo"], echoCalls: true)
        defer { Task { await network.stop() } }
        let link = try network.link(as: "alpha", to: "bravo")
        let error = await #expect(throws: RPCError.self) {
            try await link.client.bidirectionalStreaming(
                request: StreamingClientRequest(metadata: NodeProtocol.metadata) { writer in
                    try await writer.write([1, 2, 3])
                    try await Task.sleep(for: .seconds(30))
                },
                descriptor: CallsService.method, serializer: RawBytesCodec(), deserializer: RawBytesCodec(), options: .defaults
            ) { response in for try await _ in response.messages {} }
        }
        #expect(error?.code == .invalidArgument)
        #expect(try await link.call([9], timeout: .seconds(10)) == [9])
        await link.close()

        let session = try newSession()
        try await network.register(session, roster: [PartyID(1): "alpha", PartyID(2): "bravo"])
        let mailbox = try await network.node("bravo").open(session: session, party: PartyID(2))
        await network.node("alpha").send(TransportMessage(session: session, from: PartyID(1), to: PartyID(2), round: 1, bytes: [8]))
        #expect(try await collect(1, from: mailbox).map(\.bytes) == [[8]])
    }

    @Test("random bytes and a half-open TCP connection leave the node up and serving; the half-open one is closed at its deadline")
    func randomBytesAndHalfOpen() async throws {
        let network = try await TestNetwork.make(["alpha", "bravo"])
        defer { Task { await network.stop() } }
        let address = network.addresses["bravo"]!
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)

        // Random bytes, then the connection stays open: the TLS layer fails and the node closes it.
        let garbage = try await bootstrap.connect(host: address.host, port: address.port).get()
        try await garbage.writeAndFlush(ByteBuffer(bytes: SecureRandom.bytes(count: 4096))).get()
        // A connection that never says anything.
        let silent = try await bootstrap.connect(host: address.host, port: address.port).get()
        // A TLS ClientHello that is cut off half-way.
        let partial = try await bootstrap.connect(host: address.host, port: address.port).get()
        try await partial.writeAndFlush(ByteBuffer(bytes: [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03])).get()

        // Meanwhile bravo serves its members.
        let session = try newSession()
        try await network.register(session, roster: [PartyID(1): "alpha", PartyID(2): "bravo"])
        let mailbox = try await network.node("bravo").open(session: session, party: PartyID(2))
        await network.node("alpha").send(TransportMessage(session: session, from: PartyID(1), to: PartyID(2), round: 1, bytes: [5]))
        #expect(try await collect(1, from: mailbox).map(\.bytes) == [[5]])

        // The node closes all three: the garbage at once, the others at the handshake deadline.
        for channel in [garbage, silent, partial] {
            let closed = await eventually { !channel.isActive }
            #expect(closed)
            try? await channel.close()
        }
        #expect(await network.node("bravo").statistics().handshakesTimedOut >= 2)

        // And still serves afterwards.
        await network.node("alpha").send(TransportMessage(session: session, from: PartyID(1), to: PartyID(2), round: 2, bytes: [6]))
        #expect(try await collect(1, from: mailbox).map(\.bytes) == [[6]])
    }
}

@Suite("Node transport: the node protocol's revision")
struct NodeRevisionTests {
    @Test("a call or a delivery stream of another revision, or of none, is refused with both revisions named; the node keeps serving")
    func otherRevisionsRefused() async throws {
        let network = try await TestNetwork.make(["alpha", "bravo"], echoCalls: true)
        defer { Task { await network.stop() } }
        let link = try network.link(as: "alpha", to: "bravo")
        defer { Task { await link.close() } }
        for metadata: Metadata in [[:], ["covenant-node-revision": "3"], ["covenant-node-revision": "4", "covenant-node-revision": "5"]] {
            for method in [CallsService.method, NodeService.deliver] {
                let stream = await #expect(throws: RPCError.self) {
                    try await link.client.bidirectionalStreaming(
                        request: StreamingClientRequest(metadata: metadata) { writer in try await writer.write(CallFrame.encode(1, [1, 2, 3])) },
                        descriptor: method, serializer: RawBytesCodec(), deserializer: RawBytesCodec(), options: .defaults
                    ) { response in for try await _ in response.messages {} }
                }
                #expect(stream?.code == .failedPrecondition)
                #expect(stream?.message.contains("this node speaks revision \(NodeProtocol.revision)") == true, "\(stream?.message ?? "")")
            }
        }
        let missing = await #expect(throws: RPCError.self) {
            try await link.client.bidirectionalStreaming(
                request: StreamingClientRequest { writer in try await writer.write(CallFrame.encode(1, [1])) },
                descriptor: CallsService.method, serializer: RawBytesCodec(), deserializer: RawBytesCodec(), options: .defaults
            ) { response in for try await _ in response.messages {} }
        }
        #expect(missing?.message.contains("no revision") == true)
        // The same call with this release's revision is served.
        #expect(try await link.call([7, 7], timeout: .seconds(5)) == [7, 7])
        #expect(try await link.deliver([]) == .malformed)
    }
}

@Suite("Node control calls: the output-pad encodings")
struct PadCallEncodingTests {
    @Test("view, padSeed and join round-trip; a truncated or extended request is refused")
    func padCallsRoundTrip() throws {
        let runID = LedgerHash.sha256(Array("a run".utf8))
        let opening = ResultOpening(runID: runID, sum: [1, .max, 0], contributors: ["a", "b"])
        let delivery = opening.delivery(opening: [0, 2])
        #expect(delivery.resultHash == opening.resultHash)
        let terms = SessionTerms(family: .secagg, secaggThreshold: 2, signKeyAdverts: true, padSeedDeadline: .milliseconds(1500))
        let requests: [ControlRequest] = [
            .view(delivery), .padSeed(runID: runID, group: ["a", "c"], seed: Array(repeating: 7, count: 32)),
            .join(runID: runID, terms: terms),
        ]
        for request in requests {
            let bytes = request.encoded()
            let decoded = try ControlRequest(decoding: bytes, limits: .default)
            #expect(decoded.encoded() == bytes)
            #expect(throws: WireFormatError.self) { try ControlRequest(decoding: Array(bytes.dropLast()), limits: .default) }
            #expect(throws: WireFormatError.self) { try ControlRequest(decoding: bytes + [0], limits: .default) }
        }
        guard case .view(let back) = try ControlRequest(decoding: requests[0].encoded(), limits: .default) else {
            Issue.record("not a view")
            return
        }
        #expect(back == delivery)
        #expect(back.resultHash == opening.resultHash)
        guard case .join(_, let joined) = try ControlRequest(decoding: requests[2].encoded(), limits: .default) else {
            Issue.record("not a join")
            return
        }
        #expect(joined == terms)
        #expect(joined.padSeedDeadline == .milliseconds(1500))
    }
}

@Suite("Node control calls: padSeed catch-ups are rate-limited per caller")
struct PadSeedCatchUpTests {
    /// Counts the catch-ups run.
    actor Counter {
        var count = 0
        func add() { count += 1 }
    }

    @Test("at most one catch-up per caller and interval; concurrent requests wait for it; another caller or a later request runs its own")
    func oneCatchUpPerCallerAndInterval() async throws {
        let limiter = CatchUpLimiter(interval: .seconds(1))
        let counter = Counter()
        let sync: @Sendable () async -> Void = {
            try? await Task.sleep(for: .milliseconds(50))
            await counter.add()
        }
        let start = ContinuousClock.now
        let ran = await withTaskGroup(of: Bool.self, returning: [Bool].self) { group in
            for _ in 0..<8 {
                group.addTask { await limiter.catchUp(for: "mallory", at: start, sync) }
            }
            var all: [Bool] = []
            for await answer in group { all.append(answer) }
            return all
        }
        #expect(ran.filter { $0 }.count == 1)
        #expect(await counter.count == 1)
        // Another caller is not held back by the first.
        #expect(await limiter.catchUp(for: "alice", at: start + .milliseconds(500), sync))
        #expect(await counter.count == 2)
        // Still inside the interval: refused; past it: a new catch-up.
        #expect(await limiter.catchUp(for: "mallory", at: start + .milliseconds(999), sync) == false)
        #expect(await limiter.catchUp(for: "mallory", at: start + .milliseconds(1000), sync))
        #expect(await counter.count == 3)
    }
}

@Suite("Node state: pad seeds kept on disk")
struct PadSeedFileTests {
    @Test("kept seeds survive a reload, the file is 0600, a run's seeds are forgotten, the count is bounded, a foreign file is refused")
    func seedsSurviveAReload() throws {
        let directory = TemporaryDirectory()
        let file = directory.file("ledger.sqlite.padseeds")
        let runs = [LedgerHash.sha256(Array("run a".utf8)), LedgerHash.sha256(Array("run b".utf8))]
        let seeds = runs.enumerated().map { index, run in
            PadSeed(runID: run, sender: "m\(index)", group: ["m0", "m2"], seed: (0..<32).map { UInt8(truncatingIfNeeded: $0 * (index + 3)) })
        }
        var store = try PadSeedFile(file: file)
        #expect(store.seeds.isEmpty)
        #expect(try store.keep(seeds))
        #expect(try store.keep([seeds[0]]))  // held already: not added twice
        let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        #expect(try PadSeedFile(file: file).seeds == seeds)
        try store.forget { $0 == runs[0] }
        #expect(try PadSeedFile(file: file).seeds == [seeds[1]])
        // Bounded: past the maximum nothing more is kept on disk.
        let many = (0..<PadSeedFile.maximumCount).map {
            PadSeed(runID: runs[1], sender: "s\($0)", group: ["m0"], seed: Array(repeating: 1, count: 32))
        }
        #expect(try store.keep(many) == false)
        #expect(try PadSeedFile(file: file).seeds == [seeds[1]])
        // A file that does not hold seeds is refused with the way out.
        try Data("not seeds".utf8).write(to: URL(fileURLWithPath: file))
        let error = #expect(throws: Runtime.RuntimeError.self) { try PadSeedFile(file: file) }
        #expect(error?.code == .invalidConfiguration)
    }
}
