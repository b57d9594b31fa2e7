import MultiPrecision
import Testing
import WireFormat
import _TestSupport

/// Known-answer encodings from an independent Python encoder
/// (protocols/tools/wire_format_vectors.py → protocols/wire-format/vectors/v1/encodings.json).
@Suite("Wire format vectors")
struct VectorTests {
    enum Value: Decodable {
        case text(String)
        case list([String])
        case envelope(tag: Int, body: String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .text(text)
            } else if let list = try? container.decode([String].self) {
                self = .list(list)
            } else {
                struct Envelope: Decodable { let tag: Int; let body: String }
                let envelope = try container.decode(Envelope.self)
                self = .envelope(tag: envelope.tag, body: envelope.body)
            }
        }
    }

    struct Case: Decodable {
        let tcId: Int
        let desc: String
        let result: VectorResult
        let type: String
        let hex: String
        let value: Value?
        let error: String?
    }

    struct File: Decodable { let cases: [Case] }

    static let cases: [Case] = {
        (try? Vectors.load(File.self, from: "protocols/wire-format/vectors/v1/encodings.json").cases) ?? []
    }()

    static let envelopeTag: UInt16 = 0x00F0

    /// Decodes `bytes` as `type` and re-encodes the result.
    static func decodeAndReencode(_ type: String, _ bytes: [UInt8]) throws(WireFormatError) -> [UInt8] {
        switch type {
        case "u8": return try UInt8(wireEncoded: bytes).wireEncoded()
        case "u16": return try UInt16(wireEncoded: bytes).wireEncoded()
        case "u32": return try UInt32(wireEncoded: bytes).wireEncoded()
        case "u64": return try UInt64(wireEncoded: bytes).wireEncoded()
        case "bool": return try Bool(wireEncoded: bytes).wireEncoded()
        case "bytes": return try [UInt8](wireEncoded: bytes).wireEncoded()
        case "bigint": return try BigInt(wireEncoded: bytes).wireEncoded()
        case "array<u64>": return try [UInt64](wireEncoded: bytes).wireEncoded()
        case "array<bigint>": return try [BigInt](wireEncoded: bytes).wireEncoded()
        case "envelope":
            let body = try WireEnvelope.decode(BigInt.self, from: bytes, expectedTag: envelopeTag)
            return WireEnvelope.encode(tag: envelopeTag, body: body)
        default: fatalError("unknown vector type \(type)")
        }
    }

    static func errorName(_ error: WireFormatError) -> String {
        switch error {
        case .truncated: "truncated"
        case .lengthExceedsLimit: "lengthExceedsLimit"
        case .trailingBytes: "trailingBytes"
        case .invalidMagic: "invalidMagic"
        case .unknownVersion: "unknownVersion"
        case .unknownTag: "unknownTag"
        case .invalidValue: "invalidValue"
        }
    }

    @Test func vectorFileIsPresent() {
        #expect(Self.cases.count >= 50)
        #expect(Self.cases.contains { $0.result == .invalid })
    }

    @Test(arguments: cases.filter { $0.result == .valid })
    func validCaseRoundTrips(_ vector: Case) throws {
        let bytes = try #require([UInt8](hex: vector.hex))
        #expect(try Self.decodeAndReencode(vector.type, bytes) == bytes, "tcId \(vector.tcId): \(vector.desc)")
        // The decoded value matches the stated value.
        switch (vector.type, vector.value) {
        case ("bigint", .text(let text)):
            #expect(try BigInt(wireEncoded: bytes) == BigInt(text)!)
        case ("u64", .text(let text)):
            #expect(try UInt64(wireEncoded: bytes) == UInt64(text)!)
        case ("bytes", .text(let text)):
            #expect(try [UInt8](wireEncoded: bytes) == [UInt8](hex: text)!)
        case ("array<u64>", .list(let list)):
            #expect(try [UInt64](wireEncoded: bytes) == list.map { UInt64($0)! })
        case ("array<bigint>", .list(let list)):
            #expect(try [BigInt](wireEncoded: bytes) == list.map { BigInt($0)! })
        case ("envelope", .envelope(let tag, let body)):
            #expect(tag == Int(Self.envelopeTag))
            #expect(try WireEnvelope.decode(BigInt.self, from: bytes, expectedTag: Self.envelopeTag) == BigInt(body)!)
        default:
            break
        }
    }

    @Test(arguments: cases.filter { $0.result == .invalid })
    func invalidCaseThrowsTheNamedError(_ vector: Case) throws {
        let bytes = try #require([UInt8](hex: vector.hex))
        do {
            _ = try Self.decodeAndReencode(vector.type, bytes)
            Issue.record("tcId \(vector.tcId) (\(vector.desc)) decoded")
        } catch {
            #expect(Self.errorName(error) == vector.error, "tcId \(vector.tcId): \(vector.desc)")
        }
    }
}

extension VectorTests.Case: CustomTestStringConvertible {
    var testDescription: String { "tcId \(tcId): \(desc)" }
}
