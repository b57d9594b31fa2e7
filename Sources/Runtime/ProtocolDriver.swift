import CryptoPrimitives
public import MPCProtocols

/// How one party's participation in a session ended.
public enum PartyEnding<Output: Sendable>: Sendable {
    /// The machine output a result.
    case output(Output)
    /// The machine finished without an output of its own (an additive member that is not an
    /// output party).
    case finished
    /// The machine aborted.
    case aborted(AbortReason)
    /// The party refused a message from `from` (corrupted, malformed, wrong session or sender).
    case rejected(from: PartyID, error: MPCProtocolError)
    /// The transport cut the party off (a crash fault).
    case disconnected
    /// Deadlines passed repeatedly in `round` without progress.
    case stalled(round: UInt8)
    /// A local failure (a fixed description).
    case failed(String)
    /// The task was cancelled (e.g. the run's overall deadline).
    case cancelled
}

/// What a party's driver reports: its ending and the digests of every message it sent (for the
/// run's transcript hash).
public struct PartyReport<Output: Sendable>: Sendable {
    /// The party.
    public var party: PartyID
    /// How it ended.
    public var ending: PartyEnding<Output>
    /// SHA-256 of each encoded message the party sent, in sending order.
    public var sentDigests: [[UInt8]]
    /// Messages the party ignored under the documented rules (duplicates, late messages).
    public var ignored: [String]
    /// Encoded bytes it sent (a broadcast counts once per recipient).
    public var bytesSent: Int
    /// The distinct protocol rounds in which it sent.
    public var roundsSent: Int

    /// A report (e.g. one a member's node sent back).
    /// - Parameters:
    ///   - party: The party.
    ///   - ending: How it ended.
    ///   - sentDigests: The digests of its messages.
    ///   - ignored: What it ignored.
    ///   - bytesSent: Bytes it sent.
    ///   - roundsSent: Rounds in which it sent.
    public init(
        party: PartyID, ending: PartyEnding<Output>, sentDigests: [[UInt8]], ignored: [String], bytesSent: Int = 0, roundsSent: Int = 0
    ) {
        self.party = party
        self.ending = ending
        self.sentDigests = sentDigests
        self.ignored = ignored
        self.bytesSent = bytesSent
        self.roundsSent = roundsSent
    }
}

/// Drives one sans-I/O state machine over a ``Transport``: `start()`, then each
/// delivered message into `receive(_:from:)`, and `timeout(round:dropped:)` at every round
/// deadline, performing the actions it returns. Every wait has a deadline; cancellation is checked
/// between messages. Spec: protocols/runtime.md#driving-a-party.
///
/// Policy (protocols/runtime.md#fault-handling): duplicates and late messages are ignored (the
/// machines reject them without changing state); any other rejected message ends the party with
/// ``PartyEnding/rejected(from:error:)``, which aborts the run — a message that fails its
/// integrity digest is never retried into a result.
enum ProtocolDriver {
    /// Runs `machine` to its end.
    /// - Parameters:
    ///   - machine: The party's state machine (not started).
    ///   - peers: Every other party of the session (declared dropped at a deadline; the machine
    ///     only drops those it is still waiting for).
    ///   - session: The session.
    ///   - mailbox: The party's mailbox.
    ///   - transport: The transport.
    ///   - roundTimeout: How long to wait in one round before declaring the missing peers dropped.
    ///   - maxIdleDeadlines: Consecutive deadlines without progress before giving up.
    ///   - decode: The protocol's message decoder.
    /// - Returns: The report.
    static func drive<M: ProtocolStateMachine>(
        _ machine: M, peers: [PartyID], session: SessionID, mailbox: any Mailbox, transport: any Transport,
        roundTimeout: Duration, maxIdleDeadlines: Int = 3,
        decode: @Sendable ([UInt8]) throws(MPCProtocolError) -> M.Message
    ) async -> PartyReport<M.Output> {
        var machine = machine
        return await drive(
            &machine, peers: peers, session: session, mailbox: mailbox, transport: transport, roundTimeout: roundTimeout,
            maxIdleDeadlines: maxIdleDeadlines, decode: decode)
    }

    /// ``drive(_:peers:session:mailbox:transport:roundTimeout:maxIdleDeadlines:decode:)`` that
    /// leaves the machine's final state in `machine` (e.g. the paillier aggregator's evidence).
    static func drive<M: ProtocolStateMachine>(
        _ machine: inout M, peers: [PartyID], session: SessionID, mailbox: any Mailbox, transport: any Transport,
        roundTimeout: Duration, maxIdleDeadlines: Int = 3,
        decode: @Sendable ([UInt8]) throws(MPCProtocolError) -> M.Message
    ) async -> PartyReport<M.Output> {
        var report = PartyReport<M.Output>(party: machine.party, ending: .finished, sentDigests: [], ignored: [])
        var roundsSent: Set<UInt8> = []
        var output: M.Output?
        var abort: AbortReason?

        func perform(_ actions: [ProtocolAction<M.Message, M.Output>]) async {
            for action in actions {
                switch action {
                case .send(let to, let message):
                    await send(message, to: [to])
                case .broadcast(let recipients, let message):
                    await send(message, to: recipients)
                case .output(let value):
                    output = value
                case .abort(let reason):
                    abort = reason
                }
            }
        }
        func send(_ message: M.Message, to recipients: [PartyID]) async {
            let bytes = message.wireEncoded()
            report.sentDigests.append(SHA256.hash(bytes))
            report.bytesSent += bytes.count * recipients.count
            if roundsSent.insert(message.round).inserted { report.roundsSent = roundsSent.count }
            for recipient in recipients {
                await transport.send(TransportMessage(
                    session: session, from: machine.party, to: recipient, round: message.round, bytes: bytes))
            }
        }
        func ending() -> PartyEnding<M.Output> {
            if let output { return .output(output) }
            if let abort { return .aborted(abort) }
            return .finished
        }

        do {
            await perform(try machine.start())
        } catch {
            report.ending = .failed("the protocol could not start: \(error)")
            return report
        }
        // Round deadlines are kept on the run's clock (protocols/runtime.md#deadlines).
        let clock = Deadlines.clock
        var round = machine.currentRound
        var deadline = clock.now.advanced(by: roundTimeout)
        var idle = 0
        let dropped = Set(peers)
        while !machine.isFinished {
            if Task.isCancelled {
                report.ending = .cancelled
                return report
            }
            if machine.currentRound != round {
                round = machine.currentRound
                deadline = clock.now.advanced(by: roundTimeout)
                idle = 0
            }
            let next: TransportMessage?
            do {
                next = try await mailbox.receive(before: deadline)
            } catch is CancellationError {
                report.ending = .cancelled
                return report
            } catch {
                report.ending = .disconnected
                return report
            }
            guard let delivered = next else {
                do {
                    let actions = try machine.timeout(round: machine.currentRound, dropped: dropped)
                    if actions.isEmpty && !machine.isFinished {
                        idle += 1
                        if idle >= maxIdleDeadlines {
                            report.ending = .stalled(round: machine.currentRound)
                            return report
                        }
                    }
                    await perform(actions)
                } catch {
                    report.ending = .failed("timeout handling failed: \(error)")
                    return report
                }
                deadline = clock.now.advanced(by: roundTimeout)
                continue
            }
            do {
                let message = try decode(delivered.bytes)
                await perform(try machine.receive(message, from: delivered.from))
            } catch let error as MPCProtocolError {
                switch error {
                case .duplicateMessage, .unexpectedMessage:
                    report.ignored.append(error.description)
                default:
                    report.ending = .rejected(from: delivered.from, error: error)
                    return report
                }
            } catch {
                report.ending = .failed("message handling failed")
                return report
            }
        }
        report.ending = ending()
        return report
    }
}
