import Circuit
import ConsortiumLedger
import DataSources
import MPCProtocols
import Runtime
import WireFormat

/// A member-to-member call (``CallsService``): ledger replication towards the sequencer,
/// and the steps a coordinator asks of each participant's node. The caller is the authenticated
/// member of the connection, never a field of the request. Spec: protocols/node.md#control-calls.
enum ControlRequest: Sendable {
    /// Entries from `from` on, at most `limit` (sequencer).
    case fetch(from: UInt64, limit: UInt32)
    /// An entry signed by the caller, for the sequencer to verify and append.
    case submit(SignedEntry)
    /// A checkpoint for the callee to check against its replica and cosign.
    case cosign(SignedCheckpoint)
    /// Prepare run `runID` as party `party` of `members`, within `millis`.
    case prepare(runID: LedgerHash, party: UInt32, members: UInt32, millis: UInt64)
    /// Record the input commitment of `runID`.
    case commit(runID: LedgerHash)
    /// Join the session of `runID` under the terms.
    case join(runID: LedgerHash, terms: SessionTerms)
    /// Run the party of `runID` to its end.
    case participate(runID: LedgerHash, roundMillis: UInt64)
    /// Endorse the result the caller (the coordinator) drafted.
    case endorse(ResultPublication, opening: [UInt8])
    /// The published result of a run for the callee to assemble its view from: the words of the
    /// masked output its outputs need with their nonces, the other words' commitments, and the
    /// contributors (protocols/runtime.md#output-pads).
    case view(ResultDelivery)
    /// Nothing: opens the caller's link to the callee (a TLS handshake) before a run needs it.
    case ping
    /// At most ``evidenceChunk`` bytes of a paillier run's decryption evidence from `offset` on,
    /// for a participant's replica (protocols/node.md#evidence-replication).
    case evidence(runID: LedgerHash, offset: UInt64)
    /// The newest checkpoint the callee's replica holds (protocols/node.md#checkpoint-gossip).
    case checkpoint
    /// The consortium change `id` the callee's operator drafted (protocols/node.md#consortium-changes).
    case pendingChange(id: LedgerHash)
    /// The caller's own endorsement of the callee's pending change `id`.
    case endorseChange(id: LedgerHash, endorsement: Endorsement)

    /// The most evidence bytes one answer carries (1 MiB, well inside gRPC's 4 MiB answers).
    static let evidenceChunk = 1 << 20
    /// The caller's seed of the pads on `group`'s restricted slots of run `runID`, from the caller
    /// (a participant) to a member of the group, never through the coordinator.
    case padSeed(runID: LedgerHash, group: [String], seed: [UInt8])
    /// Whether the callee's node gets an answer from `member`'s node: a participant asks before
    /// it closes the run of a coordinator it cannot reach itself (protocols/node.md#runs-across-nodes).
    case reach(member: String)

    func encoded() -> [UInt8] {
        var w = WireWriter()
        switch self {
        case .fetch(let from, let limit):
            w.writeUInt8(1); w.writeUInt64(from); w.writeUInt32(limit)
        case .submit(let entry):
            w.writeUInt8(2); w.writeByteString(entry.encoded)
        case .cosign(let checkpoint):
            w.writeUInt8(3); w.writeByteString(checkpoint.wireEncoded())
        case .prepare(let runID, let party, let members, let millis):
            w.writeUInt8(4); w.write(runID); w.writeUInt32(party); w.writeUInt32(members); w.writeUInt64(millis)
        case .commit(let runID):
            w.writeUInt8(5); w.write(runID)
        case .join(let runID, let terms):
            // The recorded name (beaver's says whether its preprocessing is the INSECURE dealer's).
            w.writeUInt8(6); w.write(runID); w.writeString(terms.recordedName)
            w.writeUInt32(UInt32(clamping: terms.secaggThreshold)); w.writeBool(terms.signKeyAdverts)
            // The coordinator's deadline for seed delivery in milliseconds (0: none).
            let millis = (terms.padSeedDeadline ?? .zero) / .milliseconds(1)
            w.writeUInt64(millis <= 0 ? 0 : UInt64(min(millis.rounded(.up), 86_400_000)))
        case .participate(let runID, let millis):
            w.writeUInt8(7); w.write(runID); w.writeUInt64(millis)
        case .endorse(let publication, let opening):
            w.writeUInt8(8); w.writeByteString(publication.wireEncoded()); w.writeByteString(opening)
        case .view(let delivery):
            // u32 L ‖ L × (u8 0 ‖ u64 word ‖ bytes nonce | u8 1 ‖ bytes commitment).
            w.writeUInt8(9); w.write(delivery.runID)
            Self.writeNames(delivery.contributors, to: &w)
            w.writeUInt32(UInt32(clamping: delivery.words.count))
            for word in delivery.words {
                switch word {
                case .opened(let value, let nonce): w.writeUInt8(0); w.writeUInt64(value); w.writeByteString(nonce)
                case .sealed(let commitment): w.writeUInt8(1); w.writeByteString(commitment)
                }
            }
        case .ping:
            w.writeUInt8(10)
        case .evidence(let runID, let offset):
            w.writeUInt8(11); w.write(runID); w.writeUInt64(offset)
        case .checkpoint:
            w.writeUInt8(12)
        case .pendingChange(let id):
            w.writeUInt8(13); w.write(id)
        case .endorseChange(let id, let endorsement):
            w.writeUInt8(14); w.write(id); w.write(endorsement)
        case .padSeed(let runID, let group, let seed):
            w.writeUInt8(15); w.write(runID); Self.writeNames(group, to: &w); w.writeByteString(seed)
        case .reach(let member):
            w.writeUInt8(16); w.writeString(member)
        }
        return w.bytes
    }

    init(decoding bytes: [UInt8], limits: WireLimits) throws(WireFormatError) {
        var r = WireReader(bytes, limits: limits)
        switch try r.readUInt8() {
        case 1: self = .fetch(from: try r.readUInt64(), limit: try r.readUInt32())
        case 2: self = .submit(try SignedEntry(wireEncoded: try r.readByteString(), limits: limits))
        case 3: self = .cosign(try SignedCheckpoint(wireEncoded: try r.readByteString(), limits: limits))
        case 4:
            self = .prepare(runID: try r.read(LedgerHash.self), party: try r.readUInt32(), members: try r.readUInt32(), millis: try r.readUInt64())
        case 5: self = .commit(runID: try r.read(LedgerHash.self))
        case 6:
            let runID = try r.read(LedgerHash.self)
            let name = try r.readString()
            guard let family = SessionTerms.family(recordedAs: name), SessionTerms(
                family: family, secaggThreshold: 0, signKeyAdverts: true, insecureDealer: name.hasSuffix("/INSECURE-dealer")
            ).recordedName == name else { throw .invalidValue("unknown protocol") }
            let threshold = Int(try r.readUInt32())
            let signed = try r.readBool()
            let millis = try r.readUInt64()
            self = .join(runID: runID, terms: SessionTerms(
                family: family, secaggThreshold: threshold, signKeyAdverts: signed, insecureDealer: name.hasSuffix("/INSECURE-dealer"),
                padSeedDeadline: millis == 0 ? nil : .milliseconds(Int64(clamping: millis))))
        case 7: self = .participate(runID: try r.read(LedgerHash.self), roundMillis: try r.readUInt64())
        case 8: self = .endorse(try ResultPublication(wireEncoded: try r.readByteString(), limits: limits), opening: try r.readByteString())
        case 9:
            let runID = try r.read(LedgerHash.self)
            let names = try Self.readNames(&r)
            let count = try r.readLength(limit: 1 << 20, unitSize: 33)
            var words: [ResultDelivery.Word] = []
            for _ in 0..<count {
                switch try r.readUInt8() {
                case 0: words.append(.opened(try r.readUInt64(), nonce: try r.readByteString()))
                case 1: words.append(.sealed(try r.readByteString()))
                default: throw .invalidValue("unknown result word")
                }
            }
            self = .view(ResultDelivery(runID: runID, words: words, contributors: names))
        case 10: self = .ping
        case 11: self = .evidence(runID: try r.read(LedgerHash.self), offset: try r.readUInt64())
        case 12: self = .checkpoint
        case 13: self = .pendingChange(id: try r.read(LedgerHash.self))
        case 14: self = .endorseChange(id: try r.read(LedgerHash.self), endorsement: try r.read(Endorsement.self))
        case 15: self = .padSeed(runID: try r.read(LedgerHash.self), group: try Self.readNames(&r), seed: try r.readByteString())
        case 16: self = .reach(member: try r.readString())
        default: throw .invalidValue("unknown control request")
        }
        try r.finish()
    }

    /// `u32 count ‖ count × string`.
    private static func writeNames(_ names: [String], to w: inout WireWriter) {
        w.writeUInt32(UInt32(names.count))
        for name in names { w.writeString(name) }
    }

    /// Reads ``writeNames(_:to:)``'s form (at most 4096 names).
    private static func readNames(_ r: inout WireReader) throws(WireFormatError) -> [String] {
        let count = try r.readLength(limit: 4096, unitSize: 1)
        var names: [String] = []
        for _ in 0..<count { names.append(try r.readString()) }
        return names
    }
}

/// The answer to a ``ControlRequest``: `u8 0 ‖ body` on success, `u8 1 ‖ string code ‖ string
/// message` for a refusal (a ``RuntimeError`` of the callee, whose message never carries a data value).
enum ControlResponse {
    static func ok(_ body: (inout WireWriter) -> Void = { _ in }) -> [UInt8] {
        var w = WireWriter()
        w.writeUInt8(0)
        body(&w)
        return w.bytes
    }

    static func refusal(_ error: RuntimeError) -> [UInt8] {
        var w = WireWriter()
        w.writeUInt8(1)
        w.writeString(error.code.rawValue)
        w.writeString(error.message)
        return w.bytes
    }

    /// Reads an answer from `peer`: the body's reader, or the callee's refusal thrown.
    static func read(_ bytes: [UInt8], from peer: String, limits: WireLimits) throws -> WireReader {
        var r = WireReader(bytes, limits: limits)
        do {
            switch try r.readUInt8() {
            case 0: return r
            case 1:
                let code = RuntimeError.Code(rawValue: try r.readString()) ?? .transportFailure
                throw RuntimeError(code, try r.readString(), member: peer)
            default: throw WireFormatError.invalidValue("unknown answer")
            }
        } catch let error as WireFormatError {
            throw RuntimeError(.transportFailure, "\(peer) answered something that is not a control answer: \(error)", member: peer)
        }
    }
}

extension PartyReport where Output == AggregateOutput {
    /// `u32 party ‖ u8 ending ‖ … ‖ digests ‖ ignored` (evidence is the aggregator's and never sent).
    func encode(to w: inout WireWriter) {
        w.writeUInt32(party.rawValue)
        switch ending {
        case .output(let output):
            w.writeUInt8(0)
            w.writeUInt64Array(output.sum)
            for list in [output.contributors, output.decryptors, output.faultyKeyHolders] {
                w.writeUInt32(UInt32(list.count))
                for party in list { w.writeUInt32(party.rawValue) }
            }
        case .finished: w.writeUInt8(1)
        case .aborted(let reason): w.writeUInt8(2); w.writeString("\(reason)")
        case .rejected(let from, let error): w.writeUInt8(3); w.writeUInt32(from.rawValue); w.writeString("\(error)")
        case .disconnected: w.writeUInt8(4)
        case .stalled(let round): w.writeUInt8(5); w.writeUInt8(round)
        case .failed(let reason): w.writeUInt8(6); w.writeString(reason)
        case .cancelled: w.writeUInt8(7)
        }
        w.writeUInt32(UInt32(sentDigests.count))
        for digest in sentDigests { w.writeByteString(digest) }
        w.writeUInt32(UInt32(ignored.count))
        for note in ignored { w.writeString(note) }
        w.writeUInt64(UInt64(clamping: bytesSent))
        w.writeUInt32(UInt32(clamping: roundsSent))
    }

    /// The report a member's node sent (an abort's reason arrives as a description).
    init(from r: inout WireReader) throws(WireFormatError) {
        let party = PartyID(try r.readUInt32())
        let ending: PartyEnding<AggregateOutput>
        switch try r.readUInt8() {
        case 0:
            let sum = try r.readUInt64Array()
            var lists: [[PartyID]] = []
            for _ in 0..<3 {
                let count = try r.readLength(limit: 1 << 16, unitSize: 4)
                var list: [PartyID] = []
                for _ in 0..<count { list.append(PartyID(try r.readUInt32())) }
                lists.append(list)
            }
            ending = .output(AggregateOutput(sum: sum, contributors: lists[0], decryptors: lists[1], faultyKeyHolders: lists[2]))
        case 1: ending = .finished
        case 2: ending = .failed(try r.readString())
        case 3:
            let from = PartyID(try r.readUInt32())
            ending = .rejected(from: from, error: .malformedMessage(from: from, reason: try r.readString()))
        case 4: ending = .disconnected
        case 5: ending = .stalled(round: try r.readUInt8())
        case 6: ending = .failed(try r.readString())
        case 7: ending = .cancelled
        default: throw .invalidValue("unknown party ending")
        }
        let digestCount = try r.readLength(limit: 1 << 20, unitSize: 32)
        var digests: [[UInt8]] = []
        for _ in 0..<digestCount { digests.append(try r.readByteString()) }
        let noteCount = try r.readLength(limit: 1 << 16, unitSize: 1)
        var notes: [String] = []
        for _ in 0..<noteCount { notes.append(try r.readString()) }
        let bytes = Int(clamping: try r.readUInt64())
        let rounds = Int(try r.readUInt32())
        self.init(party: party, ending: ending, sentDigests: digests, ignored: notes, bytesSent: bytes, roundsSent: rounds)
    }
}
