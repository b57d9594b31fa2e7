import Circuit
import CryptoPrimitives
import MPCProtocols
import SecretSharing

/// One member's part in a `beaver` session: its preprocessing, then the joint circuit on shares
/// (``CircuitGate``) driven by the one ``ProtocolDriver``. Spec: protocols/beaver.md#in-the-runtime.
enum BeaverSession {
    /// Runs the member's machine to its end.
    /// - Parameters:
    ///   - configuration: The session (from the ledger).
    ///   - insecureDealer: Deal the preprocessing from the run id (INSECURE); otherwise the
    ///     members generate it (``BeaverRunStateMachine``) from oblivious transfers.
    ///   - party: This member's seat.
    ///   - circuit: The joint circuit the member compiled itself.
    ///   - input: Its committed protocol input (two words per partial aggregate).
    ///   - outputPads: Its pads on the opened elements of the restricted reveal gates
    ///     (protocols/runtime.md#output-pads), or nil.
    ///   - mailbox: Its mailbox.
    ///   - transport: The transport.
    ///   - roundTimeout: The per-layer deadline.
    /// - Returns: Its report; the output carries the opened outcomes.
    static func drive(
        _ configuration: BeaverConfiguration, insecureDealer: Bool, party: PartyID, circuit: Circuit, input: [UInt64],
        outputPads: [UInt128]? = nil, mailbox: any Mailbox, transport: any Transport, roundTimeout: Duration
    ) async -> PartyReport<AggregateOutput> {
        func failed(_ reason: String) -> PartyReport<AggregateOutput> {
            PartyReport(party: party, ending: .failed(reason), sentDigests: [], ignored: [])
        }
        var generator = SecureRandomGenerator()
        var gate: CircuitGate
        do {
            gate = try CircuitGate(
                circuit: circuit, inputs: AggregationPlan.partials(fromWords: input), memberCount: configuration.memberCount,
                bitLength: configuration.bitLength)
            gate.outputPads = outputPads
        } catch {
            return failed("the circuit cannot run on shares: \(error)")
        }
        func run<M: ProtocolStateMachine>(
            _ machine: M, decode: @escaping @Sendable ([UInt8]) throws(MPCProtocolError) -> M.Message
        ) async -> PartyReport<[UInt128]> where M.Output == [UInt128] {
            await ProtocolDriver.drive(
                machine, peers: configuration.members.filter { $0 != party }, session: configuration.sessionID, mailbox: mailbox,
                transport: transport, roundTimeout: roundTimeout, decode: decode)
        }
        let report: PartyReport<[UInt128]>
        do {
            if insecureDealer {
                let store = try dealtStore(configuration, party: party, needs: gate.preprocessingNeeded)
                report = await run(
                    try BeaverStateMachine(configuration: configuration, party: party, gate: gate, preprocessing: store, using: &generator),
                    decode: { bytes throws(MPCProtocolError) in try BeaverMessage(wireEncoded: bytes) })
            } else {
                report = await run(
                    try BeaverRunStateMachine(configuration: configuration, party: party, gate: gate, using: &generator),
                    decode: { bytes throws(MPCProtocolError) in try BeaverRunMessage(wireEncoded: bytes) })
            }
        } catch {
            return failed("the \(insecureDealer ? "INSECURE dealt" : "member-generated") preprocessing could not start: \(error)")
        }
        guard case .output(let opened) = report.ending else {
            return report.mapOutput { _ in AggregateOutput(sum: [], contributors: [], decryptors: [], faultyKeyHolders: []) }
        }
        do {
            // Checked here (a status outside 0…2 is refused), read again by the plan from the words;
            // a padded (restricted) element is checked by its recipients once unmasked.
            let clear = opened.indices.map { i in (outputPads?[i] ?? 0) == 0 ? opened[i] : (i % 2 == 0 ? 1 : 0) }
            _ = try CircuitGate.revelations(from: clear, circuit: circuit)
            return report.mapOutput { _ in
                AggregateOutput(
                    sum: AggregationPlan.words(opened), contributors: configuration.members, decryptors: [], faultyKeyHolders: [])
            }
        } catch {
            var failure = report.mapOutput { _ in AggregateOutput(sum: [], contributors: [], decryptors: [], faultyKeyHolders: []) }
            failure.ending = .failed("the opened outcomes are malformed: \(error)")
            return failure
        }
    }

    /// How much longer than the round deadline a member may wait in a round of member-generated
    /// triple generation: `T·(n − 1)/1000` seconds for `T` triples among `n` members, plus one
    /// second (a member's work and traffic in a round are proportional to `T·(n − 1)`; its
    /// computation is about 25 µs per triple and peer in a release build on one loaded core,
    /// benchmarks/results/beaver-ot-2026-12-05.json, and it sends 4 kB per triple and peer).
    /// - Parameters:
    ///   - circuit: The circuit.
    ///   - configuration: The session.
    /// - Returns: The allowance.
    static func preprocessingAllowance(_ circuit: Circuit, configuration: BeaverConfiguration) -> Duration {
        let zeros = [Int128](repeating: 0, count: circuit.inputWidth)
        guard let gate = try? CircuitGate(
            circuit: circuit, inputs: zeros, memberCount: configuration.memberCount, bitLength: configuration.bitLength)
        else { return .zero }
        let triples = gate.preprocessingNeeded.triples + gate.preprocessingNeeded.bits
        return .milliseconds(triples * (configuration.memberCount - 1) + 1000)
    }

    /// INSECURE: this party's share of the material a dealer would deal, drawn from a generator
    /// every member seeds with `SHA-256("covenant/beaver/INSECURE-dealer/v1" ‖ sid)`: any member,
    /// and anyone who knows the run id, can recompute every share, so the run hides nothing from
    /// them (protocols/beaver.md#insecure-dealer-mode). Benchmarks and tests only.
    static func dealtStore(
        _ configuration: BeaverConfiguration, party: PartyID, needs: (triples: Int, bits: Int)
    ) throws -> PreprocessingStore {
        let seed = SHA256.hash(Array("covenant/beaver/INSECURE-dealer/v1".utf8) + configuration.sessionID.bytes)
        var dealer = try AESCTRGenerator(seed: Array(seed.prefix(16)))
        let stores = try InsecureDealer.dealInsecurely(
            parties: configuration.memberCount, triples: needs.triples, bits: needs.bits, using: &dealer)
        return stores[Int(party.rawValue) - 1]
    }
}
