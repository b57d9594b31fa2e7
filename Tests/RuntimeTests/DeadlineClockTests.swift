import MPCProtocols
import Runtime
import Testing

/// The virtual clock of tests of deadlines (protocols/runtime.md#deadlines).
@Suite("Deadline clocks")
struct DeadlineClockTests {
    static let session = try! SessionID(bytes: [UInt8](repeating: 7, count: 32))

    @Test("a held party waiting past its deadline gets nil at once, and the clock moved by exactly the deadline")
    func deadlinePassesWithoutWaiting() async throws {
        let clock = VirtualClock()
        let mailbox = QueueMailbox(party: PartyID(1))
        clock.hold(1)
        let message = try await Deadlines.$clock.withValue(clock) {
            try await mailbox.receive(before: clock.now.advanced(by: .seconds(3600)))
        }
        clock.release()
        #expect(message == nil)
        #expect(clock.elapsed == .seconds(3600))
    }

    @Test("time stands still while a held party is not waiting: a message delivered meanwhile is received, no deadline passes")
    func timeStandsStillWhileWorking() async throws {
        let clock = VirtualClock()
        let mailbox = QueueMailbox(party: PartyID(2))
        // Two held parties, one of which never waits: the other's deadline cannot pass.
        clock.hold(2)
        let receiving = Task {
            try await Deadlines.$clock.withValue(clock) { try await mailbox.receive(before: clock.now.advanced(by: .seconds(60))) }
        }
        try await Task.sleep(for: .milliseconds(50))
        await mailbox.deliver(TransportMessage(session: Self.session, from: PartyID(1), to: PartyID(2), round: 0, bytes: [1, 2, 3]))
        let received = try await receiving.value
        #expect(received?.bytes == [1, 2, 3])
        #expect(clock.elapsed == .zero)
        clock.release()
        clock.release()
    }

    @Test("the earliest deadline fires first; a sleep (an overall deadline) moves with the parties' deadlines and can be cancelled")
    func ordering() async throws {
        let clock = VirtualClock()
        let first = QueueMailbox(party: PartyID(1))
        let second = QueueMailbox(party: PartyID(2))
        clock.hold(2)
        let overall = Task { try await clock.sleep(until: clock.now.advanced(by: .seconds(30))) }
        async let early = Deadlines.$clock.withValue(clock) { try await first.receive(before: clock.now.advanced(by: .seconds(10))) }
        async let late = Deadlines.$clock.withValue(clock) { try await second.receive(before: clock.now.advanced(by: .seconds(20))) }
        #expect(try await early == nil)
        // The first party ended: only the second is held now, and its deadline passes.
        clock.release()
        #expect(try await late == nil)
        #expect(clock.elapsed == .seconds(20))
        overall.cancel()
        await #expect(throws: CancellationError.self) { try await overall.value }
        clock.release()
    }
}
