import MultiPrecision
import PropertyBased
import Testing
import WireFormat
import _TestSupport

/// decode(encode(x)) == x, and arbitrary input never traps.
@Suite("Wire format properties")
struct WirePropertyTests {
    @Test func integersAndBytesRoundTrip() async throws {
        await propertyCheck(count: 200, input: Gen.uint64(), Gen.uint8().array(of: 0...40)) { word, bytes throws in
            #expect(try UInt64(wireEncoded: word.wireEncoded()) == word)
            #expect(try [UInt8](wireEncoded: bytes.wireEncoded()) == bytes)
            #expect(bytes.wireEncoded().count == 4 + bytes.count)
        }
    }

    @Test func bigIntsRoundTripCanonically() async throws {
        await propertyCheck(count: 200, input: Gen.uint64().array(of: 0...6), Gen.bool) { words, negative throws in
            let magnitude = BigInt(littleEndianWords: words)
            let value = negative ? -magnitude : magnitude
            let encoded = value.wireEncoded()
            #expect(try BigInt(wireEncoded: encoded) == value)
            // One value, one encoding: the length is exactly the minimal magnitude.
            #expect(encoded.count == 5 + (magnitude.bitWidth + 7) / 8)
            #expect(encoded[0] == (value.isNegative ? 1 : 0))
        }
    }

    @Test func structsRoundTrip() async throws {
        await propertyCheck(
            count: 100, input: Gen.uint16(), Gen.uint8().array(of: 0...20), Gen.uint64().array(of: 0...20),
            Gen.int64().array(of: 0...5)
        ) { version, label, words, smalls throws in
            let sample = Sample(
                version: version, flag: version.isMultiple(of: 2), label: label,
                value: BigInt(Int(smalls.first ?? 0)) << 80, words: words,
                numbers: smalls.map { BigInt(Int($0)) })
            #expect(try Sample(wireEncoded: sample.wireEncoded()) == sample)
            let enveloped = WireEnvelope.encode(tag: 0xF3, body: sample)
            #expect(try WireEnvelope.decode(Sample.self, from: enveloped, expectedTag: 0xF3) == sample)
        }
    }

    /// A deterministic mini-fuzz (the libFuzzer harness of STYLE §6 is not wired up yet): random
    /// and mutated inputs either decode or throw, never trap, and whatever decodes re-encodes
    /// to the same bytes (canonicality).
    @Test func arbitraryInputNeverTrapsAndDecodedValuesAreCanonical() {
        var rng = DeterministicRNG(seed: 0xF022)
        let seedInput = WireEnvelope.encode(tag: 0xF3, body: BoundedDecodingTests.sample)
        for round in 0..<4000 {
            var input: [UInt8]
            if round.isMultiple(of: 2) {
                input = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                input = seedInput
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    let index = Int(rng.next() % UInt64(input.count))
                    input[index] = UInt8(truncatingIfNeeded: rng.next())
                }
                if rng.next() % 4 == 0 { input.removeLast(Int(rng.next() % UInt64(input.count))) }
            }
            if let value = try? WireEnvelope.decode(Sample.self, from: input, expectedTag: 0xF3) {
                #expect(WireEnvelope.encode(tag: 0xF3, body: value) == input)
            }
            if let value = try? BigInt(wireEncoded: input) { #expect(value.wireEncoded() == input) }
            if let value = try? [BigInt](wireEncoded: input) { #expect(value.wireEncoded() == input) }
            if let value = try? [UInt64](wireEncoded: input) { #expect(value.wireEncoded() == input) }
            if let value = try? Sample(wireEncoded: input) { #expect(value.wireEncoded() == input) }
        }
    }
}
