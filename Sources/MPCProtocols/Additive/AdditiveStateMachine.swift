import CryptoPrimitives
import MultiPrecision
import SecretSharing

/// The public parameters of an additive session; every member must use equal ones.
/// Spec: protocols/additive.md#parameters.
public struct AdditiveConfiguration: Sendable, Hashable {
    /// The session (run) id.
    public let sessionID: SessionID
    /// `n`: the members are `PartyID(1)…PartyID(n)`.
    public let memberCount: Int
    /// `L`: every member's vector has this many values in `Z_2^64`.
    public let vectorLength: Int
    /// The members that output the total (sorted); the first is the collector.
    public let outputParties: [PartyID]

    /// A configuration.
    /// - Parameters:
    ///   - sessionID: The run id.
    ///   - memberCount: `n ≥ 2`.
    ///   - vectorLength: `L ≥ 0`, below 2^32.
    ///   - outputParties: The members that learn the total; `nil` means all members.
    /// - Throws: ``MPCProtocolError/invalidConfiguration(_:)``.
    public init(sessionID: SessionID, memberCount: Int, vectorLength: Int, outputParties: [PartyID]? = nil) throws {
        guard memberCount >= 2, memberCount <= 1 << 16 else {
            throw MPCProtocolError.invalidConfiguration("additive sharing needs 2…65536 members")
        }
        guard vectorLength >= 0, vectorLength <= Int(UInt32.max) else {
            throw MPCProtocolError.invalidConfiguration("vector length must be in 0…2^32−1")
        }
        let members = PartyID.members(memberCount)
        let outputs = Array(Set(outputParties ?? members)).sorted()
        guard !outputs.isEmpty, outputs.allSatisfy({ (1...UInt32(memberCount)).contains($0.rawValue) }) else {
            throw MPCProtocolError.invalidConfiguration("output parties must be a non-empty set of members")
        }
        self.sessionID = sessionID
        self.memberCount = memberCount
        self.vectorLength = vectorLength
        self.outputParties = outputs
    }

    /// `PartyID(1)…PartyID(n)`.
    public var members: [PartyID] { PartyID.members(memberCount) }

    /// The collector: the first output party, which receives every partial sum and sends the
    /// total to the other output parties (protocols/additive.md#protocol).
    public var collector: PartyID { outputParties[0] }
}

/// One member of the n-of-n additive protocol over `Z_2^64`: seed-expanded shares, partial sums
/// to a collector, the total to the output parties. Semi-honest; no dropout tolerance.
///
/// Round 1: for each pair of members `u < v`, `u` draws a 16-byte seed `σ_{u,v}`, sends it to `v`
/// and subtracts `PRG(σ_{u,v})` from its input (nothing of size `L` is sent in round 1). Round 2:
/// once it holds the seeds of every lower member, `v` adds their expansions — its partial sum
/// `x_v − Σ_{w>v} PRG(σ_{v,w}) + Σ_{u<v} PRG(σ_{u,v})` — and sends it to the collector (the
/// first output party); the masks cancel in the sum. Round 3: the collector sends the sum of all `n` partial sums to the other
/// output parties. Every member sends one vector of size `L` (the collector `|O| − 1`).
///
/// Implements protocols/additive.md; [BIK+17] §4 for seed expansion.
/// - Warning: semi-honest security: a member that lies about its partial sum changes the result
///   undetectably. Any declared dropout aborts the session.
public struct AdditiveStateMachine: ProtocolStateMachine {
    /// The message type.
    public typealias Message = AdditiveMessage
    /// The total vector (at output parties).
    public typealias Output = [UInt64]
    /// An action.
    public typealias Action = ProtocolAction<AdditiveMessage, [UInt64]>

    enum Phase: Sendable { case idle, sharing, collecting, awaitingTotal, done }

    /// The session parameters.
    public let configuration: AdditiveConfiguration
    /// This member.
    public let party: PartyID
    private var input: [UInt64]
    private var randomness: MachineRandomness
    private var phase = Phase.idle
    /// Own kept share plus every received share, once round 1 completes: the partial sum.
    private var partial: [UInt64] = []
    private var sharesFrom = Set<PartyID>()
    /// Sum of the partial sums received so far (the collector).
    private var total: [UInt64]
    private var partialsFrom = Set<PartyID>()

    /// A member's machine.
    /// - Parameters:
    ///   - configuration: The session parameters.
    ///   - party: This member, in `1…n`.
    ///   - input: Its vector (`L` values; two's-complement for signed values).
    ///   - rng: Randomness for the seeds (``SecureRandomGenerator`` in production).
    /// - Throws: ``MPCProtocolError/invalidConfiguration(_:)`` or
    ///   ``MPCProtocolError/inputLengthMismatch(expected:actual:)``.
    public init(
        configuration: AdditiveConfiguration, party: PartyID, input: [UInt64],
        using rng: inout some RandomNumberGenerator
    ) throws {
        guard configuration.members.contains(party) else {
            throw MPCProtocolError.invalidConfiguration("the party is not a member of the session")
        }
        guard input.count == configuration.vectorLength else {
            throw MPCProtocolError.inputLengthMismatch(expected: configuration.vectorLength, actual: input.count)
        }
        self.configuration = configuration
        self.party = party
        self.input = input
        self.randomness = MachineRandomness(using: &rng)
        self.total = party == configuration.collector ? [UInt64](repeating: 0, count: configuration.vectorLength) : []
    }

    private var isOutputParty: Bool { configuration.outputParties.contains(party) }
    private var peers: [PartyID] { configuration.members.filter { $0 != party } }

    /// 1 while collecting shares, 2 while the collector collects partial sums, 3 while an output
    /// party waits for the total.
    public var currentRound: UInt8 {
        switch phase {
        case .idle, .sharing: 1
        case .collecting: 2
        case .awaitingTotal, .done: 3
        }
    }

    private var isCollector: Bool { party == configuration.collector }

    /// Whether the machine has output, aborted, or (not an output party) sent its partial sum.
    public var isFinished: Bool { phase == .done }

    /// Round 1: one seed to each peer with a higher id, each subtracted from the input at once.
    /// - Returns: The seeds (and, for member 1, which expects none, its partial sum).
    /// - Throws: ``MPCProtocolError/alreadyStarted``, or a sharing failure.
    public mutating func start() throws -> [Action] {
        guard phase == .idle else { throw MPCProtocolError.alreadyStarted }
        partial = input
        input = []
        phase = .sharing
        var actions: [Action] = []
        for peer in peers where peer > party {
            let seed = randomness.bytes(SeededAdditiveSharing<Ring64>.seedByteCount)
            try MaskExpansion.apply(seed: seed, subtract: true, to: &partial)
            let message = AdditiveMessage(
                sessionID: configuration.sessionID, sender: party,
                payload: .share(.seed(seed, count: configuration.vectorLength)))
            actions.append(.send(to: peer, message: message))
        }
        // Member 1 expects no seed: its partial sum is ready at once.
        return actions + (try advance())
    }

    /// Handles a share (round 1), a partial sum (round 2, at the collector) or the total (round 3,
    /// at the other output parties). Partial sums that arrive before the collector finished
    /// round 1 are accepted (summation is order-independent).
    /// - Parameters:
    ///   - message: The decoded message.
    ///   - from: The transport's sender.
    /// - Returns: The partial sum (or, at the collector, the total and the output) when the last
    ///   share arrives; at the collector, the total and the output when the last partial sum
    ///   arrives; the output when the total arrives.
    /// - Throws: `notStarted`, `sessionFinished`, `unknownParty`, `senderMismatch`,
    ///   `wrongSession`, `unexpectedMessage` (a partial sum anywhere but at the collector, a total
    ///   not from the collector, at a non-output party or before this member sent its partial
    ///   sum), `duplicateMessage`, `lengthMismatch`, `sharing` (bad seed).
    public mutating func receive(_ message: AdditiveMessage, from: PartyID) throws -> [Action] {
        guard phase != .idle else { throw MPCProtocolError.notStarted }
        guard phase != .done else { throw MPCProtocolError.sessionFinished }
        try checkEnvelope(
            sessionID: configuration.sessionID, header: (message.sessionID, message.sender), from: from,
            known: { $0 != party && configuration.members.contains($0) })
        let length = configuration.vectorLength
        switch message.payload {
        case let .share(share):
            guard from < party else { throw MPCProtocolError.unexpectedMessage(from: from, round: 1) }
            guard !sharesFrom.contains(from) else { throw MPCProtocolError.duplicateMessage(from: from, round: 1) }
            switch share {
            case let .seed(seed, count):
                guard count == length else { throw MPCProtocolError.lengthMismatch(from: from, expected: length, actual: count) }
                guard seed.count == SeededAdditiveSharing<Ring64>.seedByteCount else {
                    throw MPCProtocolError.malformedMessage(from: from, reason: "a seed is 16 bytes")
                }
                try MaskExpansion.apply(seed: seed, subtract: false, to: &partial)
            case let .explicit(values):
                guard values.count == length else {
                    throw MPCProtocolError.lengthMismatch(from: from, expected: length, actual: values.count)
                }
                MaskExpansion.add(values, to: &partial)
            }
            sharesFrom.insert(from)
            return try advance()
        case let .partialSum(values):
            guard isCollector else { throw MPCProtocolError.unexpectedMessage(from: from, round: 2) }
            guard !partialsFrom.contains(from) else { throw MPCProtocolError.duplicateMessage(from: from, round: 2) }
            guard values.count == length else {
                throw MPCProtocolError.lengthMismatch(from: from, expected: length, actual: values.count)
            }
            MaskExpansion.add(values, to: &total)
            partialsFrom.insert(from)
            return try advance()
        case let .total(values):
            guard phase == .awaitingTotal, from == configuration.collector else {
                throw MPCProtocolError.unexpectedMessage(from: from, round: 3)
            }
            guard values.count == length else {
                throw MPCProtocolError.lengthMismatch(from: from, expected: length, actual: values.count)
            }
            phase = .done
            return [.output(values)]
        }
    }

    /// Any declared dropout of a member this party still needs aborts the session
    /// (``AbortReason/memberDropped(_:round:)``).
    /// - Parameters:
    ///   - round: The round whose deadline passed (ignored unless it is ``currentRound``).
    ///   - dropped: The peers declared dropped.
    /// - Returns: `[.abort(…)]` or nothing.
    /// - Throws: `notStarted` or `sessionFinished`.
    public mutating func timeout(round: UInt8, dropped: Set<PartyID>) throws -> [Action] {
        guard phase != .idle else { throw MPCProtocolError.notStarted }
        guard phase != .done else { throw MPCProtocolError.sessionFinished }
        guard round == currentRound else { return [] }
        let missing: [PartyID] = switch phase {
        case .sharing: peers.filter { $0 < party && !sharesFrom.contains($0) }
        case .collecting: peers.filter { !partialsFrom.contains($0) }
        default: [configuration.collector]
        }
        guard let gone = missing.sorted().first(where: dropped.contains) else { return [] }
        phase = .done
        return [.abort(.memberDropped(gone, round: round))]
    }

    private mutating func advance() throws -> [Action] {
        var actions: [Action] = []
        if phase == .sharing, sharesFrom.count == Int(party.rawValue) - 1 {
            if isCollector {
                MaskExpansion.add(partial, to: &total)
                partialsFrom.insert(party)
                phase = .collecting
            } else {
                let message = AdditiveMessage(sessionID: configuration.sessionID, sender: party, payload: .partialSum(partial))
                actions.append(.send(to: configuration.collector, message: message))
                phase = isOutputParty ? .awaitingTotal : .done
            }
            partial = []
        }
        if phase == .collecting, partialsFrom.count == configuration.memberCount {
            phase = .done
            let recipients = configuration.outputParties.filter { $0 != party }
            if !recipients.isEmpty {
                let message = AdditiveMessage(sessionID: configuration.sessionID, sender: party, payload: .total(total))
                actions.append(.broadcast(to: recipients, message: message))
            }
            actions.append(.output(total))
            total = []
        }
        return actions
    }
}
