import MultiPrecision
import Testing
import WireFormat
import _TestSupport

/// Bounds, truncation and canonicality (spec: protocols/wire-format.md#decoding-rules-and-limits).
@Suite("Bounded decoding")
struct BoundedDecodingTests {
    static let sample = Sample(
        version: 7, flag: true, label: Array("label".utf8), value: -(BigInt(1) << 130),
        words: [1, 2, UInt64.max], numbers: [BigInt(0), BigInt(-9), BigInt(1) << 70])

    static let envelopeTag: UInt16 = 0x00F1

    /// Decodes a complete tagged envelope holding a `Sample`.
    static func decodeEnvelope(_ bytes: [UInt8]) throws(WireFormatError) -> Sample {
        try WireEnvelope.decode(Sample.self, from: bytes, expectedTag: envelopeTag)
    }

    @Test func everyProperPrefixThrowsTruncated() throws {
        let plain = Self.sample.wireEncoded()
        let enveloped = WireEnvelope.encode(tag: Self.envelopeTag, body: Self.sample)
        #expect(try Sample(wireEncoded: plain) == Self.sample)
        #expect(try Self.decodeEnvelope(enveloped) == Self.sample)
        for cut in 0..<plain.count {
            let prefix = Array(plain[..<cut])
            #expect(throws: WireFormatError.self) { try Sample(wireEncoded: prefix) }
            do {
                _ = try Sample(wireEncoded: prefix)
            } catch {
                guard case .truncated(let needed, let available) = error else {
                    Issue.record("prefix \(cut): \(error)")
                    continue
                }
                #expect(needed > available)
            }
        }
        for cut in 0..<enveloped.count {
            do {
                _ = try Self.decodeEnvelope(Array(enveloped[..<cut]))
                Issue.record("prefix \(cut) decoded")
            } catch {
                if case .truncated = error {} else { Issue.record("prefix \(cut): \(error)") }
            }
        }
    }

    /// NIO-style drip feed: bytes arrive one at a time; a decoder that retries on `truncated`
    /// succeeds exactly when the last byte arrives.
    @Test func dripFedBytesDecodeOnlyWhenComplete() throws {
        let enveloped = WireEnvelope.encode(tag: Self.envelopeTag, body: Self.sample)
        var buffer: [UInt8] = []
        var decoded: Sample?
        for byte in enveloped {
            buffer.append(byte)
            var reader = WireReader(buffer)
            do {
                decoded = try reader.decodeEnvelope(Sample.self, expectedTag: Self.envelopeTag)
                #expect(buffer.count == enveloped.count)
                #expect(reader.isAtEnd)
            } catch {
                guard case .truncated = error else { Issue.record("\(error)"); return }
            }
        }
        #expect(decoded == Self.sample)
    }

    @Test func manyEnvelopesInOneBuffer() throws {
        var writer = WireWriter()
        for i in 0..<5 { writer.encodeEnvelope(tag: Self.envelopeTag, body: BigInt(i)) }
        var reader = WireReader(writer.bytes)
        var values: [BigInt] = []
        while !reader.isAtEnd {
            var body = try reader.decodeEnvelope(expectedTag: Self.envelopeTag)
            values.append(try body.readBigInt())
            try body.finish()
        }
        #expect(values == (0..<5).map { BigInt($0) })
    }

    @Test func hugeClaimedLengthsThrowBeforeAllocating() {
        let claim: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x02, 0x03]
        #expect(throws: WireFormatError.lengthExceedsLimit(length: 0xFFFF_FFFF, limit: 1 << 26)) {
            try [UInt8](wireEncoded: claim)
        }
        #expect(throws: WireFormatError.lengthExceedsLimit(length: 0xFFFF_FFFF, limit: 1 << 24)) {
            try [UInt64](wireEncoded: claim)
        }
        #expect(throws: WireFormatError.lengthExceedsLimit(length: 0xFFFF_FFFF, limit: 1 << 13)) {
            try BigInt(wireEncoded: [0x00] + claim)
        }
        // With limits raised to the maximum, the remaining-input check still stops it.
        let open = WireLimits(
            maxByteStringCount: .max, maxElementCount: .max, maxBigIntByteCount: .max, maxEnvelopeBodyCount: .max)
        #expect(throws: WireFormatError.truncated(needed: 0xFFFF_FFFF, available: 3)) {
            try [UInt8](wireEncoded: claim, limits: open)
        }
        #expect(throws: WireFormatError.truncated(needed: 8 * 0xFFFF_FFFF, available: 3)) {
            try [UInt64](wireEncoded: claim, limits: open)
        }
        #expect(throws: WireFormatError.truncated(needed: 5 * 0xFFFF_FFFF, available: 3)) {
            try [BigInt](wireEncoded: claim, limits: open)
        }
        #expect(throws: WireFormatError.truncated(needed: 4 * 0xFFFF_FFFF, available: 3)) {
            try [[UInt64]](wireEncoded: claim, limits: open)
        }
        let envelope = WireEnvelope.magic + [0, 1, 0, 0xF1] + claim
        #expect(throws: WireFormatError.truncated(needed: 0xFFFF_FFFF, available: 3)) {
            try WireEnvelope.decode(BigInt.self, from: envelope, expectedTag: 0xF1, limits: open)
        }
    }

    @Test func configuredLimitsApply() throws {
        let tight = WireLimits(maxByteStringCount: 4, maxElementCount: 2, maxBigIntByteCount: 1, maxEnvelopeBodyCount: 3)
        #expect(throws: WireFormatError.lengthExceedsLimit(length: 5, limit: 4)) {
            try [UInt8](wireEncoded: [UInt8](repeating: 1, count: 5).wireEncoded(), limits: tight)
        }
        #expect(try [UInt8](wireEncoded: [UInt8]([1, 2, 3, 4]).wireEncoded(), limits: tight) == [1, 2, 3, 4])
        #expect(throws: WireFormatError.lengthExceedsLimit(length: 3, limit: 2)) {
            try [UInt16](wireEncoded: [UInt16(1), 2, 3].wireEncoded(), limits: tight)
        }
        #expect(throws: WireFormatError.lengthExceedsLimit(length: 2, limit: 1)) {
            try BigInt(wireEncoded: BigInt(256).wireEncoded(), limits: tight)
        }
        #expect(throws: WireFormatError.lengthExceedsLimit(length: 7, limit: 3)) {
            try WireEnvelope.decode(BigInt.self, from: WireEnvelope.encode(tag: 1, body: BigInt(300)), expectedTag: 1, limits: tight)
        }
    }

    @Test func trailingBytesAreRejected() {
        #expect(throws: WireFormatError.trailingBytes(count: 2)) { try UInt16(wireEncoded: [0, 1, 2, 3]) }
        #expect(throws: WireFormatError.trailingBytes(count: 1)) {
            try Sample(wireEncoded: Self.sample.wireEncoded() + [0])
        }
        // Inside an envelope body.
        var writer = WireWriter()
        writer.encodeEnvelope(tag: Self.envelopeTag) { body in
            Self.sample.encode(to: &body)
            body.writeUInt8(0xEE)
        }
        #expect(throws: WireFormatError.trailingBytes(count: 1)) { try Self.decodeEnvelope(writer.bytes) }
        // After an envelope.
        let valid = WireEnvelope.encode(tag: Self.envelopeTag, body: Self.sample)
        #expect(throws: WireFormatError.trailingBytes(count: 3)) { try Self.decodeEnvelope(valid + [1, 2, 3]) }
    }

    @Test func envelopeHeaderErrorsArePrecise() {
        let valid = WireEnvelope.encode(tag: Self.envelopeTag, body: Self.sample)
        var badMagic = valid
        badMagic[0] = 0x44
        #expect(throws: WireFormatError.invalidMagic) { try Self.decodeEnvelope(badMagic) }
        var version2 = valid
        version2[5] = 2
        #expect(throws: WireFormatError.unknownVersion(2)) { try Self.decodeEnvelope(version2) }
        var version0x0100 = valid
        version0x0100[4] = 1
        version0x0100[5] = 0
        #expect(throws: WireFormatError.unknownVersion(0x0100)) { try Self.decodeEnvelope(version0x0100) }
        #expect(throws: WireFormatError.unknownTag(0x00F1)) {
            try WireEnvelope.decode(Sample.self, from: valid, expectedTag: 0x00F2)
        }
    }

    @Test func nonCanonicalValuesAreRejected() {
        // bigint
        #expect(throws: WireFormatError.invalidValue("bigint magnitude has a leading zero byte")) {
            try BigInt(wireEncoded: [0x00, 0, 0, 0, 2, 0x00, 0x01])
        }
        #expect(throws: WireFormatError.invalidValue("bigint negative zero is non-canonical")) {
            try BigInt(wireEncoded: [0x01, 0, 0, 0, 0])
        }
        #expect(throws: WireFormatError.invalidValue("bigint sign byte must be 0x00 or 0x01")) {
            try BigInt(wireEncoded: [0xFF, 0, 0, 0, 1, 0x01])
        }
        // bool
        for byte in UInt8(2)...UInt8(255) {
            #expect(throws: WireFormatError.invalidValue("bool must be 0x00 or 0x01")) { try Bool(wireEncoded: [byte]) }
        }
    }

    @Test func errorDescriptionsNameNoInputBytes() {
        let error = WireFormatError.truncated(needed: 8, available: 3)
        #expect(error.description == "truncated input: needed 8 bytes, 3 available")
        #expect(WireFormatError.unknownTag(0x0201).description == "unexpected type tag 0x201")
    }
}
