import MultiPrecision
import Testing
import WireFormat
import _TestSupport

/// Round trips against hand-annotated hex (spec: protocols/wire-format.md#primitive-encodings).
@Suite("Annotated encodings")
struct AnnotatedEncodingTests {
    /// Removes the annotation (everything after `#` on a line) and whitespace.
    static func bytes(_ annotated: String) -> [UInt8] {
        let hex = annotated.split(separator: "\n").map { line in
            line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        }.joined()
        return [UInt8](hex: hex)!
    }

    func roundTrip<T: WireCodable & Equatable>(_ value: T, _ annotated: String) throws {
        let expected = Self.bytes(annotated)
        #expect(value.wireEncoded().hex == expected.hex)
        #expect(try T(wireEncoded: expected) == value)
    }

    @Test func fixedWidthIntegersAreBigEndian() throws {
        try roundTrip(UInt8(0xAB), "ab")
        try roundTrip(UInt16(0x0102), "01 02")
        try roundTrip(UInt32(0x0102_0304), "01 02 03 04")
        try roundTrip(UInt64(0x0102_0304_0506_0708), "01 02 03 04 05 06 07 08")
        try roundTrip(UInt64.max, "ff ff ff ff ff ff ff ff")
        try roundTrip(true, "01")
        try roundTrip(false, "00")
    }

    @Test func byteStringsCarryAU32Length() throws {
        try roundTrip([UInt8](), "00 00 00 00   # length 0")
        try roundTrip(Array("CVNT".utf8), """
            00 00 00 04   # length 4
            43 56 4e 54   # "CVNT"
            """)
    }

    @Test func bigIntsAreSignLengthMinimalMagnitude() throws {
        try roundTrip(BigInt(0), "00 # sign + \n 00 00 00 00 # length 0 (no magnitude)")
        try roundTrip(BigInt(255), "00 # sign + \n 00 00 00 01 # length 1 \n ff")
        try roundTrip(BigInt(256), "00 # sign + \n 00 00 00 02 # length 2 \n 01 00")
        try roundTrip(BigInt(-1), "01 # sign − \n 00 00 00 01 # length 1 \n 01")
        try roundTrip(BigInt(1) << 64, """
            00                          # sign +
            00 00 00 09                 # length 9
            01 00 00 00 00 00 00 00 00  # 2^64
            """)
    }

    @Test func arraysCarryAU32Count() throws {
        try roundTrip([UInt64](), "00 00 00 00 # count 0")
        try roundTrip([UInt64(1), UInt64.max], """
            00 00 00 02               # count 2
            00 00 00 00 00 00 00 01   # 1
            ff ff ff ff ff ff ff ff   # 2^64 − 1
            """)
        try roundTrip([BigInt(-5), BigInt(0)], """
            00 00 00 02         # count 2
            01 00 00 00 01 05   # −5
            00 00 00 00 00      # 0
            """)
        try roundTrip([[UInt16(7)], []], """
            00 00 00 02   # outer count 2
            00 00 00 01   # inner count 1
            00 07         # 7
            00 00 00 00   # inner count 0
            """)
    }

    @Test func envelopeLayout() throws {
        let encoded = WireEnvelope.encode(tag: 0x00F0, body: BigInt(300))
        let expected = Self.bytes("""
            43 56 4e 54         # magic "CVNT"
            00 01               # version 1
            00 f0               # tag 0x00f0
            00 00 00 07         # body length 7
            00 00 00 00 02 01 2c  # bigint 300
            """)
        #expect(encoded.hex == expected.hex)
        #expect(try WireEnvelope.decode(BigInt.self, from: expected, expectedTag: 0x00F0) == 300)

        var reader = WireReader(expected)
        let (tag, body) = try reader.decodeEnvelope()
        #expect(tag == 0x00F0 && body.remainingCount == 7 && reader.isAtEnd)
    }

    @Test func structFieldsConcatenateInOrder() throws {
        let sample = Sample(
            version: 2, flag: true, label: [0xAA], value: BigInt(-2), words: [3], numbers: [BigInt(1)])
        try roundTrip(sample, """
            00 02                     # version
            01                        # flag
            00 00 00 01 aa            # label
            01 00 00 00 01 02         # value −2
            00 00 00 01               # words: count 1
            00 00 00 00 00 00 00 03   #   3
            00 00 00 01               # numbers: count 1
            00 00 00 00 01 01         #   1
            """)
    }
}

/// A struct exercising every encoding, for round trips and drip-feeding.
struct Sample: WireCodable, Equatable {
    var version: UInt16
    var flag: Bool
    var label: [UInt8]
    var value: BigInt
    var words: [UInt64]
    var numbers: [BigInt]

    init(version: UInt16, flag: Bool, label: [UInt8], value: BigInt, words: [UInt64], numbers: [BigInt]) {
        self.version = version
        self.flag = flag
        self.label = label
        self.value = value
        self.words = words
        self.numbers = numbers
    }

    func encode(to writer: inout WireWriter) {
        writer.writeUInt16(version)
        writer.writeBool(flag)
        writer.writeByteString(label)
        writer.writeBigInt(value)
        writer.write(words)
        writer.write(numbers)
    }

    init(from reader: inout WireReader) throws(WireFormatError) {
        version = try reader.readUInt16()
        flag = try reader.readBool()
        label = try reader.readByteString()
        value = try reader.readBigInt()
        words = try reader.read([UInt64].self)
        numbers = try reader.readArray(of: BigInt.self)
    }

    static var minimumWireByteCount: Int { 2 + 1 + 4 + 5 + 4 + 4 }
}
