import ConsortiumLedger
import CryptoPrimitives
import GRPCCore
@testable import NodeRuntime
import Runtime
import Synchronization
import Testing
import WireFormat

/// Member control calls multiplexed on one `Calls` stream per peer (protocols/node.md#control-calls).
@Suite("Node transport: control calls on one stream per peer")
struct CallStreamTests {
    /// Answers `[i]` with `[i, i]` after `wait(i)`; counts the requests handled at once.
    final class SlowEcho: Sendable {
        let current = Mutex(0)
        let most = Mutex(0)
        let wait: @Sendable (UInt8) -> Duration

        init(wait: @escaping @Sendable (UInt8) -> Duration) { self.wait = wait }

        func handle(_ request: [UInt8]) async -> [UInt8] {
            let now = current.withLock { value in
                value += 1
                return value
            }
            most.withLock { $0 = max($0, now) }
            defer { current.withLock { $0 -= 1 } }
            guard let first = request.first else { return request }
            try? await Task.sleep(for: wait(first))
            return [first, first] + request.dropFirst()
        }
    }

    @Test("many concurrent calls on one stream are answered out of order, each with its own answer; past the bound one is refused")
    func concurrentCalls() async throws {
        var limits = testLimits
        limits.maxConcurrentCalls = 24
        // The first request waits longest: answers come back in the reverse order.
        let echo = SlowEcho { .milliseconds(30 * (20 - Int($0))) }
        let network = try await TestNetwork.make(["alpha", "bravo"], limits: limits) { request, _ in await echo.handle(request) }
        defer { Task { await network.stop() } }
        let alpha = network.node("alpha")
        // In the order the calls ended.
        let answered = try await withThrowingTaskGroup(of: (UInt8, [UInt8]).self) { group in
            for index in UInt8(0)..<20 {
                group.addTask { (index, try await alpha.call("bravo", [index, 0xAB], timeout: .seconds(120))) }
            }
            var answered: [(UInt8, [UInt8])] = []
            for try await call in group { answered.append(call) }
            return answered
        }
        let answers = Dictionary(answered, uniquingKeysWith: { first, _ in first })
        let order = answered.map(\.0)
        #expect(answers.count == 20)
        for (index, answer) in answers { #expect(answer == [index, index, 0xAB]) }
        // The callee handled them at once, so the quick ones were answered before the slow first ones.
        #expect(echo.most.withLock { $0 } > 1)
        #expect(order != order.sorted())

        // Past the bound of calls in flight to one peer, the caller refuses one more.
        let slow = SlowEcho { _ in .seconds(5) }
        let bounded = try await TestNetwork.make(["alpha", "bravo"], limits: { var l = testLimits; l.maxConcurrentCalls = 2; return l }()) {
            request, _ in await slow.handle(request)
        }
        defer { Task { await bounded.stop() } }
        let caller = bounded.node("alpha")
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in UInt8(0)..<3 {
                group.addTask {
                    if index == 2 { try? await Task.sleep(for: .milliseconds(300)) }
                    return (try? await caller.call("bravo", [index], timeout: .seconds(60))) != nil
                }
            }
            var outcomes: [Bool] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        #expect(outcomes.count(where: { $0 }) == 2)
        #expect(outcomes.count == 3)
        // Once they are answered, a call is made again.
        #expect(try await caller.call("bravo", [5], timeout: .seconds(60)) == [5, 5])
    }

    @Test("a call whose answer comes after its deadline fails as a deadline, while others on the same stream are answered; the late answer is dropped")
    func deadlineOnOneCall() async throws {
        let echo = SlowEcho { $0 == 0 ? .seconds(2) : .zero }
        let network = try await TestNetwork.make(["alpha", "bravo"]) { request, _ in await echo.handle(request) }
        defer { Task { await network.stop() } }
        let alpha = network.node("alpha")
        #expect(try await alpha.call("bravo", [1], timeout: .seconds(60)) == [1, 1])
        let late = Task { try await alpha.call("bravo", [0], timeout: .milliseconds(500)) }
        var quick: [[UInt8]] = []
        for index in UInt8(2)..<6 { quick.append(try await alpha.call("bravo", [index], timeout: .seconds(60))) }
        #expect(quick == [[2, 2], [3, 3], [4, 4], [5, 5]])
        let error = await #expect(throws: Runtime.RuntimeError.self) { _ = try await late.value }
        #expect(error?.code == .transportFailure)
        #expect(error?.message.contains("deadlineExceeded") == true, "\(error?.message ?? "")")
        // The late answer arrives on the stream and is dropped; the stream keeps serving.
        try await Task.sleep(for: .seconds(2))
        #expect(try await alpha.call("bravo", [7], timeout: .seconds(60)) == [7, 7])
    }

    @Test("a stream that dies mid-call fails its pending calls at once, and the next call opens another")
    func streamDies() async throws {
        let echo = SlowEcho { $0 == 0 ? .seconds(60) : .zero }
        let network = try await TestNetwork.make(["alpha", "bravo"]) { request, _ in await echo.handle(request) }
        defer { Task { await network.stop() } }
        let alpha = network.node("alpha")
        #expect(try await alpha.call("bravo", [1], timeout: .seconds(60)) == [1, 1])
        let pending = Task { try await alpha.call("bravo", [0], timeout: .seconds(120)) }
        #expect(await eventually { echo.current.withLock { $0 } == 1 })
        // Bravo stops listening: its streams end at once.
        await network.node("bravo").stop()
        let error = await #expect(throws: Runtime.RuntimeError.self) { _ = try await pending.value }
        #expect(error?.code == .transportFailure)
        // Failed by the stream's end: neither the callee's answer (after 60 s) nor the deadline.
        #expect(error?.message.contains("deadlineExceeded") == false, "\(error?.message ?? "")")
        // Listening again on the same port: the next call opens a new stream.
        _ = try await network.node("bravo").start()
        #expect(try await alpha.call("bravo", [3], timeout: .seconds(60)) == [3, 3])
    }

    @Test("an oversized request is not sent and an oversized answer is refused; a frame over the callee's limit ends only its stream")
    func oversized() async throws {
        var limits = testLimits
        limits.maxPayloadBytes = 4096
        let largest = limits.maxRequestBytes - CallFrame.overhead
        let network = try await TestNetwork.make(["alpha", "bravo"], limits: limits) { request, _ in
            request == [0xFF] ? [UInt8](repeating: 1, count: largest + 1) : request
        }
        defer { Task { await network.stop() } }
        let alpha = network.node("alpha")
        // A request one byte over the limit is refused by its caller before anything is written.
        let request = await #expect(throws: Runtime.RuntimeError.self) {
            _ = try await alpha.call("bravo", [UInt8](repeating: 2, count: largest + 1), timeout: .seconds(60))
        }
        #expect(request?.code == .transportFailure)
        // The largest one passes.
        #expect(try await alpha.call("bravo", [UInt8](repeating: 2, count: largest), timeout: .seconds(60)).count == largest)
        // An answer over the limit is replaced by the callee's refusal.
        let answer = try await alpha.call("bravo", [0xFF], timeout: .seconds(60))
        let refusal = #expect(throws: Runtime.RuntimeError.self) { _ = try ControlResponse.read(answer, from: "bravo", limits: .default) }
        #expect(refusal?.message.contains("over") == true)
        // A member that writes a frame over the callee's gRPC limit anyway has that stream reset.
        let link = try network.link(as: "alpha", to: "bravo")
        defer { Task { await link.close() } }
        let reset = await #expect(throws: RPCError.self) {
            try await link.client.bidirectionalStreaming(
                request: StreamingClientRequest(metadata: NodeProtocol.metadata) { writer in
                    try await writer.write(CallFrame.encode(1, [UInt8](repeating: 3, count: 64 << 10)))
                    try await Task.sleep(for: .seconds(30))
                },
                descriptor: CallsService.method, serializer: RawBytesCodec(), deserializer: RawBytesCodec(), options: .defaults
            ) { response in for try await _ in response.messages {} }
        }
        #expect(reset != nil)
        // The same connection and the other stream keep serving.
        #expect(try await link.call([4], timeout: .seconds(60)) == [4])
        #expect(try await alpha.call("bravo", [5], timeout: .seconds(60)) == [5])
    }

    @Test("a removed member's connection is closed at once and its calls fail (a call that raced the closing is refused); an unregistered key never gets a stream")
    func removedAndUnregisteredCallers() async throws {
        let network = try await TestNetwork.make(["alpha", "bravo", "charlie"], echoCalls: true)
        defer { Task { await network.stop() } }
        let charlie = network.node("charlie")
        #expect(try await charlie.call("bravo", [1], timeout: .seconds(60)) == [1])
        func member(_ name: String) -> ConsortiumLedger.Member {
            ConsortiumLedger.Member(name: name, publicKey: network.keys[name]!.publicKey, roles: [.voting, .participant])
        }
        #expect(try await network.node("bravo").refreshDirectory([member("alpha"), member("bravo")]) == ["charlie"])
        // Bravo closes the connection charlie opened before its removal: charlie's next call fails
        // (its reconnection is refused during the handshake), or, had it raced the closing, is
        // answered with a refusal; it is never served.
        do {
            let answer = try await charlie.call("bravo", [2], timeout: .seconds(10))
            let refused = #expect(throws: Runtime.RuntimeError.self) { _ = try ControlResponse.read(answer, from: "bravo", limits: .default) }
            #expect(refused?.code == .peerRefused)
        } catch let error as Runtime.RuntimeError {
            #expect(error.code == .transportFailure, "\(error)")
        }
        // Alpha is still served.
        #expect(try await network.node("alpha").call("bravo", [3], timeout: .seconds(60)) == [3])
        // A key the registry never held fails its handshake: no stream, no call.
        let stranger = try PeerLink(
            to: "bravo", at: network.addresses["bravo"]!, identity: try NodeIdentity(member: "mallory", key: Ed25519.PrivateKey()),
            directory: network.directory, limits: testLimits)
        defer { Task { await stranger.close() } }
        let error = await #expect(throws: Runtime.RuntimeError.self) { _ = try await stranger.call([4], timeout: .seconds(5)) }
        #expect(error?.code == .transportFailure)
    }
}
