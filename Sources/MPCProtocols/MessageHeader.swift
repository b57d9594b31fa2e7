import WireFormat

/// The header every protocol message body starts with:
/// `bytes[32] sessionID ‖ u8 round ‖ u32 sender` (37 bytes).
/// Spec: protocols/additive.md#encodings (shared by all three protocols).
struct MessageHeader: Sendable, Equatable {
    let sessionID: SessionID
    let round: UInt8
    let sender: PartyID

    static let byteCount = SessionID.byteCount + 1 + 4

    func encode(to writer: inout WireWriter) {
        writer.writeRawBytes(sessionID.bytes)
        writer.writeUInt8(round)
        writer.writeUInt32(sender.rawValue)
    }

    /// Decodes a header and checks that its round is the one the message tag implies.
    static func decode(from reader: inout WireReader, expectedRound: UInt8) throws(WireFormatError) -> MessageHeader {
        let session = try reader.readRawBytes(count: SessionID.byteCount)
        let round = try reader.readUInt8()
        let sender = try reader.readUInt32()
        guard round == expectedRound else { throw .invalidValue("round field does not match the message type") }
        return MessageHeader(sessionID: SessionID(unchecked: session), round: round, sender: PartyID(sender))
    }
}

extension WireReader {
    /// Reads `array<u32>` of party ids, strictly increasing (canonical: no duplicates).
    mutating func readPartyList() throws(WireFormatError) -> [PartyID] {
        let count = try readLength(limit: limits.maxElementCount, unitSize: 4)
        var out: [PartyID] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            let id = PartyID(try readUInt32())
            if let last = out.last, !(last < id) { throw .invalidValue("party list is not strictly increasing") }
            out.append(id)
        }
        return out
    }
}

extension WireWriter {
    /// Writes `array<u32>` of party ids (callers pass a sorted, duplicate-free list).
    mutating func writePartyList(_ parties: [PartyID]) {
        writeUInt32(UInt32(parties.count))
        for party in parties { writeUInt32(party.rawValue) }
    }
}

/// Checks the parts of a received message every machine checks first, in this order: the
/// transport's sender is known, the header's sender matches it, the session matches.
func checkEnvelope(
    sessionID: SessionID, header: (SessionID, PartyID), from: PartyID, known: (PartyID) -> Bool
) throws {
    guard known(from) else { throw MPCProtocolError.unknownParty(from) }
    guard header.1 == from else { throw MPCProtocolError.senderMismatch(claimed: header.1, actual: from) }
    guard header.0 == sessionID else { throw MPCProtocolError.wrongSession(from: from) }
}

/// The checks an aggregator makes before reading a member's message: it has started and not
/// finished, the envelope is sound, the message belongs to the round being collected (an
/// earlier round is a duplicate), and the sender is still expected in it.
func admitToRound(
    started: Bool, finished: Bool, sessionID: SessionID, header: (SessionID, PartyID), from: PartyID,
    known: (PartyID) -> Bool, messageRound: UInt8, round: UInt8, expected: [PartyID], dropped: Set<PartyID>
) throws {
    guard started else { throw MPCProtocolError.notStarted }
    guard !finished else { throw MPCProtocolError.sessionFinished }
    try checkEnvelope(sessionID: sessionID, header: header, from: from, known: known)
    guard messageRound == round else {
        throw messageRound < round
            ? MPCProtocolError.duplicateMessage(from: from, round: messageRound)
            : MPCProtocolError.unexpectedMessage(from: from, round: messageRound)
    }
    guard expected.contains(from), !dropped.contains(from) else {
        throw MPCProtocolError.unexpectedMessage(from: from, round: messageRound)
    }
}

/// Runs a wire decoder, wrapping its typed error.
func decodingMessage<T>(_ body: () throws(WireFormatError) -> T) throws -> T {
    do { return try body() } catch { throw MPCProtocolError.wire(error) }
}
