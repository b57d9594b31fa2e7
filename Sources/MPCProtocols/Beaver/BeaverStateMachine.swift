public import SecretSharing

/// One member of protocol `beaver`'s online phase: runs a ``BeaverGate`` over additive shares in
/// ``MersenneField127`` with every other member, one message per pair of parties per layer.
/// Spec: protocols/beaver.md#protocol; [Bea91] for multiplication.
///
/// For each layer the machine takes one triple `([a], [b], [c])` per multiplication from its
/// ``PreprocessingStore`` (never to be handed out again), sends `[d] = [x] − [a]`,
/// `[e] = [y] − [b]` and the layer's masked openings to every peer, and, once it holds every
/// peer's contribution, sets `[xy] = [c] + d·[b] + e·[a]` (plus `d·e` at `PartyID(1)`).
///
/// - Warning: semi-honest security with a dishonest majority (any `n − 1` members may collude):
///   a member that sends wrong values changes the output undetectably. Any declared dropout
///   aborts the session (protocols/beaver.md#threat-model).
public struct BeaverStateMachine<Gate: BeaverGate>: ProtocolStateMachine, CustomStringConvertible {
    /// The message type.
    public typealias Message = BeaverMessage
    /// The gate's output.
    public typealias Output = Gate.Output
    /// An action.
    public typealias Action = ProtocolAction<BeaverMessage, Gate.Output>

    /// The session parameters.
    public let configuration: BeaverConfiguration
    /// This member.
    public let party: PartyID
    private var gate: Gate
    private var context: BeaverContext
    private var phase = BeaverPhase.idle
    private var step: UInt32 = 0
    private var pending: BeaverPendingLayer?
    /// Contributions to the next layer that arrived before this party finished the current one.
    private var early: [PartyID: [UInt128]] = [:]

    /// A member's machine.
    /// - Parameters:
    ///   - configuration: The session parameters.
    ///   - party: This member, in `1…n`.
    ///   - gate: The computation, built over this party's shares.
    ///   - preprocessing: This party's triples and bits.
    ///   - rng: Randomness for masks and input shares (``SecureRandomGenerator`` in production).
    /// - Throws: ``MPCProtocolError/invalidConfiguration(_:)``.
    public init(
        configuration: BeaverConfiguration, party: PartyID, gate: Gate, preprocessing: PreprocessingStore,
        using rng: inout some RandomNumberGenerator
    ) throws {
        guard configuration.members.contains(party) else {
            throw MPCProtocolError.invalidConfiguration("the party is not a member of the session")
        }
        self.configuration = configuration
        self.party = party
        self.gate = gate
        self.context = BeaverContext(configuration: configuration, party: party, preprocessing: preprocessing, rng: &rng)
    }

    private var peers: [PartyID] { configuration.members.filter { $0 != party } }

    /// The current layer plus one, modulo 256: it changes at every layer, so that a driver's
    /// per-round deadline restarts at each layer (the messages' header round is always 1 and
    /// their `step` numbers the layers in full).
    public var currentRound: UInt8 { UInt8(truncatingIfNeeded: step &+ 1) }
    /// Whether the machine has output or aborted.
    public var isFinished: Bool { phase == .done }
    /// Layers completed so far (communication rounds).
    public var layersCompleted: Int { Int(step) }

    /// Checks the store holds what the gate needs, then sends the first layer.
    /// - Returns: The first layer's messages (or the output of an empty gate).
    /// - Throws: `alreadyStarted`; `sharing(.triplesExhausted)` or `sharing(.randomBitsExhausted)`
    ///   if the store is short (nothing is sent then); a gate's configuration error.
    public mutating func start() throws -> [Action] {
        guard phase == .idle else { throw MPCProtocolError.alreadyStarted }
        let needed = gate.preprocessingNeeded
        let store = context.preprocessing
        guard store.remainingTriples >= needed.triples else {
            throw MPCProtocolError.sharing(.triplesExhausted(needed: needed.triples, available: store.remainingTriples))
        }
        guard store.remainingBits >= needed.bits else {
            throw MPCProtocolError.sharing(.randomBitsExhausted(needed: needed.bits, available: store.remainingBits))
        }
        phase = .running
        let next: BeaverStep<Output>
        do { next = try gate.start(context: &context) } catch { phase = .done; throw error }
        return try perform(next)
    }

    /// Handles one peer's contribution to the current layer (or buffers one to the next).
    /// - Parameters:
    ///   - message: The decoded message.
    ///   - from: The transport's sender.
    /// - Returns: The next layer's messages, or the output, when the last contribution arrives.
    /// - Throws: `notStarted`, `sessionFinished`, `unknownParty`, `senderMismatch`,
    ///   `wrongSession`, `duplicateMessage` (a layer already heard from this peer),
    ///   `unexpectedMessage` (more than one layer ahead), `lengthMismatch`. A contribution
    ///   buffered for the next layer with the wrong length is found when that layer starts: the
    ///   machine then throws `lengthMismatch` for that peer and finishes (the session is lost).
    public mutating func receive(_ message: BeaverMessage, from: PartyID) throws -> [Action] {
        guard phase != .idle else { throw MPCProtocolError.notStarted }
        guard phase != .done else { throw MPCProtocolError.sessionFinished }
        try checkEnvelope(
            sessionID: configuration.sessionID, header: (message.sessionID, message.sender), from: from,
            known: { $0 != party && configuration.members.contains($0) })
        if message.step == step + 1 {
            guard early[from] == nil else { throw MPCProtocolError.duplicateMessage(from: from, round: 1) }
            early[from] = message.values
            return []
        }
        guard message.step == step, pending != nil else {
            throw message.step < step
                ? MPCProtocolError.duplicateMessage(from: from, round: 1)
                : MPCProtocolError.unexpectedMessage(from: from, round: 1)
        }
        guard !pending!.heard.contains(from) else { throw MPCProtocolError.duplicateMessage(from: from, round: 1) }
        // In place (a copy of the layer would copy its sums on every message); `absorb` checks
        // the length before it changes anything.
        try pending!.absorb(message.values, from: from)
        return try completeIfReady()
    }

    /// Any declared dropout of a peer this party still waits for aborts the session.
    /// - Parameters:
    ///   - round: The round whose deadline passed (ignored unless 1).
    ///   - dropped: The peers declared dropped.
    /// - Returns: `[.abort(.memberDropped)]` or nothing.
    /// - Throws: `notStarted` or `sessionFinished`.
    public mutating func timeout(round: UInt8, dropped: Set<PartyID>) throws -> [Action] {
        guard phase != .idle else { throw MPCProtocolError.notStarted }
        guard phase != .done else { throw MPCProtocolError.sessionFinished }
        guard round == currentRound, let current = pending else { return [] }
        guard let gone = peers.first(where: { !current.heard.contains($0) && dropped.contains($0) }) else { return [] }
        phase = .done
        pending = nil
        return [.abort(.memberDropped(gone, round: currentRound))]
    }

    /// Party, layer and whether finished; shares redacted.
    public var description: String {
        "BeaverStateMachine(\(party), layer: \(step), finished: \(isFinished), state: redacted)"
    }

    // MARK: Layers

    private func absorb(_ values: [UInt128], from: PartyID, into current: inout BeaverPendingLayer) throws {
        try current.absorb(values, from: from)
    }

    private mutating func perform(_ next: BeaverStep<Output>) throws -> [Action] {
        switch next {
        case let .done(output):
            phase = .done
            pending = nil
            return [.output(output)]
        case let .layer(layer):
            return try begin(layer)
        }
    }

    private mutating func begin(_ layer: BeaverLayer) throws -> [Action] {
        let field = context.field
        let n = configuration.memberCount
        guard layer.left.count == layer.right.count else {
            phase = .done
            throw MPCProtocolError.invalidConfiguration("a layer has unequal factor counts")
        }
        if let inputs = layer.inputs {
            guard layer.inputCounts.count == n, layer.inputCounts.allSatisfy({ $0 >= 0 }),
                  layer.inputCounts[Int(party.rawValue) - 1] == inputs.count
            else {
                phase = .done
                throw MPCProtocolError.inputLengthMismatch(
                    expected: layer.inputCounts.count == n ? layer.inputCounts[Int(party.rawValue) - 1] : -1,
                    actual: inputs.count)
            }
        }
        let triples: [BeaverTriple<UInt128>]
        do { triples = try context.preprocessing.takeTriples(layer.left.count) } catch {
            phase = .done
            throw MPCProtocolError.sharing(error)
        }
        var own: [UInt128] = []
        own.reserveCapacity(2 * triples.count + layer.openings.count)
        for t in triples.indices { own.append(field.subtract(layer.left[t], triples[t].a)) }
        for t in triples.indices { own.append(field.subtract(layer.right[t], triples[t].b)) }
        own += layer.openings
        // Input shares: n − 1 uniform shares to the peers, the remainder kept.
        var inputShares: [PartyID: [UInt128]] = [:]
        var kept: [UInt128] = []
        if let inputs = layer.inputs {
            kept = inputs
            for peer in peers {
                var shares: [UInt128] = []
                shares.reserveCapacity(inputs.count)
                for i in inputs.indices {
                    let r = context.randomElement()
                    shares.append(r)
                    kept[i] = field.subtract(kept[i], r)
                }
                inputShares[peer] = shares
            }
        }
        var current = BeaverPendingLayer(
            triples: triples, openingCount: layer.openings.count,
            inputCounts: layer.inputs == nil ? [] : layer.inputCounts, sums: own,
            inputs: layer.inputs == nil ? [] : [[UInt128]](repeating: [], count: n))
        if layer.inputs != nil { current.inputs[Int(party.rawValue) - 1] = kept }
        var actions: [Action] = []
        if layer.inputs == nil {
            actions.append(.broadcast(to: peers, message: BeaverMessage(sessionID: configuration.sessionID, sender: party, step: step, values: own)))
        } else {
            for peer in peers {
                let message = BeaverMessage(sessionID: configuration.sessionID, sender: party, step: step, values: own + inputShares[peer]!)
                actions.append(.send(to: peer, message: message))
            }
        }
        // Contributions that arrived early.
        let buffered = early
        early = [:]
        for (peer, values) in buffered.sorted(by: { $0.key < $1.key }) {
            do { try absorb(values, from: peer, into: &current) } catch {
                phase = .done
                pending = nil
                throw error
            }
        }
        pending = current
        return actions + (try completeIfReady())
    }

    private mutating func completeIfReady() throws -> [Action] {
        guard let current = pending, current.heard.count == configuration.memberCount - 1 else { return [] }
        let m = current.triples.count
        let products = current.products(isLeader: context.isLeader)
        let result = BeaverLayerResult(products: products, opened: Array(current.sums[(2 * m)...]), inputs: current.inputs)
        pending = nil
        step += 1
        let next: BeaverStep<Output>
        do { next = try gate.resume(with: result, context: &context) } catch { phase = .done; throw error }
        return try perform(next)
    }
}

enum BeaverPhase: Sendable { case idle, running, done }

/// One layer in progress at one party (not generic, so that its loops compile to concrete code).
struct BeaverPendingLayer: Sendable {
    var triples: [BeaverTriple<UInt128>]
    var openingCount: Int
    var inputCounts: [Int]
    /// Running sums of every party's `d ‖ e ‖ openings`.
    var sums: [UInt128]
    /// Shares of each member's inputs (own shares at this party's index).
    var inputs: [[UInt128]]
    var heard = Set<PartyID>()

    func expectedCount(from peer: PartyID) -> Int {
        let inputs = inputCounts.isEmpty ? 0 : inputCounts[Int(peer.rawValue) - 1]
        return 2 * triples.count + openingCount + inputs
    }

    mutating func absorb(_ values: [UInt128], from: PartyID) throws {
        let expected = expectedCount(from: from)
        guard values.count == expected else {
            throw MPCProtocolError.lengthMismatch(from: from, expected: expected, actual: values.count)
        }
        let field = MersenneField127()
        let shared = sums.count
        sums.withUnsafeMutableBufferPointer { total in
            values.withUnsafeBufferPointer { v in
                for i in 0..<shared { total[i] = field.add(total[i], v[i]) }
            }
        }
        if !inputCounts.isEmpty { inputs[Int(from.rawValue) - 1] = Array(values[shared...]) }
        heard.insert(from)
    }

    /// `[x_t y_t] = [c_t] + d_t·[b_t] + e_t·[a_t]` (+ `d_t·e_t` at the leader) [Bea91].
    func products(isLeader: Bool) -> [UInt128] {
        let field = MersenneField127()
        let m = triples.count
        return [UInt128](unsafeUninitializedCapacity: m) { out, initialized in
            sums.withUnsafeBufferPointer { s in
                triples.withUnsafeBufferPointer { t in
                    for i in 0..<m {
                        let d = s[i], e = s[m + i]
                        var z = field.add(t[i].c, field.add(field.multiply(d, t[i].b), field.multiply(e, t[i].a)))
                        if isLeader { z = field.add(z, field.multiply(d, e)) }
                        out[i] = z
                    }
                }
            }
            initialized = m
        }
    }
}
