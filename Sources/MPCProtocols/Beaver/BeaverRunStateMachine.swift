import CryptoPrimitives
import SecretSharing
import WireFormat

/// Any message of a member-generated `beaver` session: triple generation, then layers.
public enum BeaverRunMessage: ProtocolMessage, CustomStringConvertible {
    /// Phase 1: triple generation (base OTs, OT extension, Gilboa corrections).
    case triples(TripleGenerationMessage)
    /// Phase 2: a layer of the online phase.
    case layer(BeaverMessage)

    /// The session.
    public var sessionID: SessionID {
        switch self {
        case let .triples(m): m.sessionID
        case let .layer(m): m.sessionID
        }
    }

    /// The message's own round field.
    public var round: UInt8 {
        switch self {
        case let .triples(m): m.round
        case let .layer(m): m.round
        }
    }

    /// The sender.
    public var sender: PartyID {
        switch self {
        case let .triples(m): m.sender
        case let .layer(m): m.sender
        }
    }

    /// The inner message's encoding (the tags differ).
    public func wireEncoded() -> [UInt8] {
        switch self {
        case let .triples(m): m.wireEncoded()
        case let .layer(m): m.wireEncoded()
        }
    }

    /// Decodes by the envelope's tag.
    /// - Parameter bytes: The encoding.
    /// - Throws: ``MPCProtocolError``.
    public init(wireEncoded bytes: [UInt8]) throws(MPCProtocolError) {
        // The tag alone: the inner decoder checks the envelope and the digest (hashing a 1 MiB
        // triple-generation message once, not twice).
        let tag = try MessageCodec.tag(of: bytes)
        switch tag {
        case _ where TripleGenerationMessage.WireTag.all.contains(tag): self = .triples(try TripleGenerationMessage(wireEncoded: bytes))
        default: self = .layer(try BeaverMessage(wireEncoded: bytes))
        }
    }

    /// The inner message's description (values redacted).
    public var description: String {
        switch self {
        case let .triples(m): m.description
        case let .layer(m): m.description
        }
    }
}

/// Random bits from triples (``RandomBitGate``), appended to the store, then `inner`: what the
/// online phase runs when the preprocessing holds triples only.
public struct BitsThenGate<Inner: BeaverGate>: BeaverGate {
    var bits: RandomBitGate
    var inner: Inner
    let bitCount: Int
    var running = false

    /// `inner` preceded by the random bits it needs.
    /// - Parameter inner: The gate.
    /// - Throws: ``MPCProtocolError/invalidConfiguration(_:)``.
    public init(_ inner: Inner) throws {
        self.inner = inner
        bitCount = inner.preprocessingNeeded.bits
        bits = try RandomBitGate(count: bitCount)
    }

    /// One triple per bit plus the inner gate's triples (the bits are made, not taken).
    public var preprocessingNeeded: (triples: Int, bits: Int) { (bitCount + inner.preprocessingNeeded.triples, 0) }

    /// Squares the random values.
    public mutating func start(context: inout BeaverContext) throws -> BeaverStep<Inner.Output> {
        try forward(bits.start(context: &context), context: &context)
    }

    /// Continues the bits, then the inner gate.
    public mutating func resume(with result: BeaverLayerResult, context: inout BeaverContext) throws -> BeaverStep<Inner.Output> {
        if running { return try inner.resume(with: result, context: &context) }
        return try forward(bits.resume(with: result, context: &context), context: &context)
    }

    private mutating func forward(_ step: BeaverStep<[UInt128]>, context: inout BeaverContext) throws -> BeaverStep<Inner.Output> {
        switch step {
        case let .layer(layer): return .layer(layer)
        case let .done(made):
            context.preprocessing.append(bits: made)
            running = true
            return try inner.start(context: &context)
        }
    }
}

/// One member of a `beaver` session with member-generated preprocessing and no trusted party
/// (protocols/beaver.md#in-the-runtime): (1) triple generation from oblivious transfers
/// (``TripleGenerationStateMachine``, four rounds); (2) the online phase
/// (``BeaverStateMachine``) of ``BitsThenGate`` over `gate`, which first makes the random bits
/// from triples. A layer that arrives before the online phase starts is held until it (a peer is
/// at most one phase ahead).
public struct BeaverRunStateMachine<Gate: BeaverGate>: ProtocolStateMachine, CustomStringConvertible where Gate.Output == [UInt128] {
    /// The message type.
    public typealias Message = BeaverRunMessage
    /// The gate's output.
    public typealias Output = [UInt128]
    /// An action.
    public typealias Action = ProtocolAction<BeaverRunMessage, [UInt128]>

    enum Phase: Sendable { case idle, triples, online, done }

    /// The online session's parameters.
    public let configuration: BeaverConfiguration
    /// This member.
    public let party: PartyID
    var gate: BitsThenGate<Gate>?
    var rng: SubMachineSeed
    var phase = Phase.idle
    var generation: TripleGenerationStateMachine?
    var online: BeaverStateMachine<BitsThenGate<Gate>>?
    var held: [(BeaverRunMessage, PartyID)] = []

    /// A member's machine.
    /// - Parameters:
    ///   - configuration: The online session's parameters.
    ///   - party: This member.
    ///   - gate: The online computation over this member's inputs.
    ///   - rng: Randomness (``SecureRandomGenerator`` in production).
    /// - Throws: ``MPCProtocolError/invalidConfiguration(_:)``.
    public init(
        configuration: BeaverConfiguration, party: PartyID, gate: Gate, using rng: inout some RandomNumberGenerator
    ) throws {
        guard configuration.members.contains(party) else {
            throw MPCProtocolError.invalidConfiguration("the party is not a member of the session")
        }
        self.configuration = configuration
        self.party = party
        self.gate = try BitsThenGate(gate)
        self.rng = SubMachineSeed(rng.next(), rng.next())
    }

    private var peers: [PartyID] { configuration.members.filter { $0 != party } }

    /// 1–4 during triple generation, then 4 + the online layer (modulo 256): it changes at
    /// every step, so that the driver's deadline restarts.
    public var currentRound: UInt8 {
        switch phase {
        case .idle, .triples: generation?.currentRound ?? 1
        case .online, .done: 4 &+ (online?.currentRound ?? 1)
        }
    }

    /// Whether the machine has output or aborted.
    public var isFinished: Bool { phase == .done }

    /// The triples the whole session generates: the random bits' and the gate's.
    public var tripleCount: Int { gate?.preprocessingNeeded.triples ?? 0 }

    /// Starts triple generation.
    public mutating func start() throws -> [Action] {
        guard phase == .idle else { throw MPCProtocolError.alreadyStarted }
        let generationConfiguration = try TripleGenerationConfiguration(
            sessionID: configuration.sessionID, memberCount: configuration.memberCount, tripleCount: tripleCount)
        var seeded = rng.generator()
        var machine = try TripleGenerationStateMachine(configuration: generationConfiguration, party: party, using: &seeded)
        phase = .triples
        let actions = try machine.start()
        generation = machine
        return try finish(actions)
    }

    /// Routes a message to its phase (holding a layer that comes before the online phase).
    public mutating func receive(_ message: BeaverRunMessage, from: PartyID) throws -> [Action] {
        guard phase != .idle else { throw MPCProtocolError.notStarted }
        guard phase != .done else { throw MPCProtocolError.sessionFinished }
        switch (message, phase) {
        case let (.triples(inner), .triples):
            return try finish(generation!.receive(inner, from: from))
        case let (.layer(inner), .online):
            return try finish(online!.receive(inner, from: from))
        case (.layer, .triples):
            guard held.count < 4 * configuration.memberCount else {
                throw MPCProtocolError.unexpectedMessage(from: from, round: currentRound)
            }
            held.append((message, from))
            return []
        default:
            throw MPCProtocolError.duplicateMessage(from: from, round: currentRound)
        }
    }

    /// Any declared dropout of a peer this member still waits for aborts the session.
    public mutating func timeout(round: UInt8, dropped: Set<PartyID>) throws -> [Action] {
        guard phase != .idle else { throw MPCProtocolError.notStarted }
        guard phase != .done else { throw MPCProtocolError.sessionFinished }
        switch phase {
        case .triples:
            return try finish(generation!.timeout(round: generation!.currentRound, dropped: dropped))
        default:
            return try finish(online!.timeout(round: online!.currentRound, dropped: dropped))
        }
    }

    /// Party and phase; secrets redacted.
    public var description: String { "BeaverRunStateMachine(\(party), phase: \(phase), state: redacted)" }

    private mutating func beginOnline(triples: [BeaverTriple<UInt128>]) throws -> [Action] {
        let store = PreprocessingStore(triples: triples, origin: .memberGenerated)
        var seeded = rng.generator()
        var machine = try BeaverStateMachine(
            configuration: configuration, party: party, gate: gate!, preprocessing: store, using: &seeded)
        gate = nil
        generation = nil
        phase = .online
        let actions = try machine.start()
        online = machine
        return try finish(actions) + replayHeld()
    }

    /// A sub-machine's messages wrapped, an abort finishing this machine, and its output if any.
    private mutating func relay<M: Sendable, O: Sendable>(
        _ actions: [ProtocolAction<M, O>], _ wrap: (M) -> BeaverRunMessage
    ) -> (actions: [Action], output: O?) {
        var out: [Action] = []
        var output: O?
        for action in actions {
            switch action {
            case let .send(to, message): out.append(.send(to: to, message: wrap(message)))
            case let .broadcast(to, message): out.append(.broadcast(to: to, message: wrap(message)))
            case let .abort(reason):
                phase = .done
                out.append(.abort(reason))
            case let .output(value): output = value
            }
        }
        return (out, output)
    }

    /// Triple generation's actions; its output starts the online phase.
    private mutating func finish(_ actions: [ProtocolAction<TripleGenerationMessage, [BeaverTriple<UInt128>]>]) throws -> [Action] {
        let (out, triples) = relay(actions, BeaverRunMessage.triples)
        guard let triples else { return out }
        return try out + beginOnline(triples: triples)
    }

    /// The online phase's actions; its output is this machine's.
    private mutating func finish(_ actions: [ProtocolAction<BeaverMessage, [UInt128]>]) throws -> [Action] {
        let (out, value) = relay(actions, BeaverRunMessage.layer)
        guard let value else { return out }
        phase = .done
        return out + [.output(value)]
    }

    /// Replays the messages held for the phase that just started (a later phase's stay held).
    private mutating func replayHeld() throws -> [Action] {
        var out: [Action] = []
        let pending = held
        held = []
        for (message, from) in pending {
            guard phase != .done else { break }
            out += try receive(message, from: from)
        }
        return out
    }
}

/// 128 bits of a member's randomness, expanded (AES-CTR) into generators for its sub-machines.
struct SubMachineSeed: Sendable {
    var words: (UInt64, UInt64)
    var counter: UInt64 = 0

    init(_ a: UInt64, _ b: UInt64) { words = (a, b) }

    /// A fresh generator (a different one at each call).
    mutating func generator() -> some RandomNumberGenerator {
        counter += 1
        var seed: [UInt8] = []
        withUnsafeBytes(of: words.0.littleEndian) { seed.append(contentsOf: $0) }
        withUnsafeBytes(of: (words.1 ^ counter).littleEndian) { seed.append(contentsOf: $0) }
        return try! AESCTRGenerator(seed: seed)  // 16 bytes: always a valid key
    }
}
