import MultiPrecision
import PropertyBased
import SecretSharing
import Testing
import WireFormat
import _TestSupport

/// Spec: protocols/secret-sharing.md#wire-encoding.
@Suite("Share encodings")
struct ShareWireTests {
    @Test func shamirShareAnnotatedHex() throws {
        let share = ShamirShare(x: 3, y: UInt64(0x0102_0304_0506_0708))
        let expected = [UInt8](hex: "0000000000000003" /* x = 3 */ + "0102030405060708" /* y */)!
        #expect(share.wireEncoded() == expected)
        #expect(try ShamirShare<UInt64>(wireEncoded: expected) == share)

        let big = ShamirShare(x: 1, y: BigInt(300))
        let bigExpected = [UInt8](hex: "0000000000000001" /* x */ + "00" /* sign */ + "00000002" /* len */ + "012c")!
        #expect(big.wireEncoded() == bigExpected)
        #expect(try ShamirShare<BigInt>(wireEncoded: bigExpected) == big)

        let enveloped = WireEnvelope.encode(tag: ShamirShare<UInt64>.wireTag, body: share)
        #expect(enveloped.hex == "43564e54" + "0001" + "0201" + "00000010" + expected.hex)
    }

    @Test func vectorShareAndTripleAnnotatedHex() throws {
        let vector = ShamirVectorShare(x: 2, ys: [UInt64(1), 2])
        let expected = [UInt8](hex: "0000000000000002" /* x */ + "00000002" /* count */
            + "0000000000000001" + "0000000000000002")!
        #expect(vector.wireEncoded() == expected)
        #expect(try ShamirVectorShare<UInt64>(wireEncoded: expected) == vector)

        let triple = BeaverTriple(a: UInt64(1), b: 2, c: 3)
        let tripleHex = "0000000000000001" + "0000000000000002" + "0000000000000003"
        #expect(triple.wireEncoded().hex == tripleHex)
        #expect(try BeaverTriple<UInt64>(wireEncoded: [UInt8](hex: tripleHex)!) == triple)

        let seed = SeededAdditiveShare.seed([UInt8](repeating: 0xAB, count: 16), count: 5)
        #expect(seed.wireEncoded().hex == "00" + String(repeating: "ab", count: 16) + "00000005")
        #expect(SeededAdditiveShare.explicit([7]).wireEncoded().hex == "01" + "00000001" + "0000000000000007")
    }

    @Test func sharesRoundTrip() async {
        await propertyCheck(count: 100, input: Gen.uint64(in: 1...UInt64.max), Gen.uint64().array(of: 0...20), Gen.bool) {
            x, ys, negative throws in
            let share = ShamirShare(x: x, y: ys.first ?? 0)
            #expect(try ShamirShare<UInt64>(wireEncoded: share.wireEncoded()) == share)
            let vector = ShamirVectorShare(x: x, ys: ys)
            #expect(try ShamirVectorShare<UInt64>(wireEncoded: vector.wireEncoded()) == vector)
            let bigY = BigInt(littleEndianWords: ys)
            let big = ShamirShare(x: x, y: negative ? -bigY : bigY)
            #expect(try ShamirShare<BigInt>(wireEncoded: big.wireEncoded()) == big)
            let triple = BeaverTriple(a: bigY, b: bigY + 1, c: -bigY)
            #expect(try BeaverTriple<BigInt>(wireEncoded: triple.wireEncoded()) == triple)
            let explicit = SeededAdditiveShare.explicit(ys)
            #expect(try SeededAdditiveShare(wireEncoded: explicit.wireEncoded()) == explicit)
        }
    }

    @Test func sharesSurviveTheWireAndReconstruct() throws {
        let field = PrimeField.smallestPrime(above: 128)
        let sharing = ShamirSharing(field: field)
        var rng = DeterministicRNG(seed: 12)
        let secret = field.element(BigInt(1) << 127)
        let shares = try sharing.split(secret, threshold: 3, parties: 5, using: &rng)
        let received = try shares.map { share in
            try WireEnvelope.decode(
                ShamirShare<BigInt>.self, from: WireEnvelope.encode(tag: ShamirShare<BigInt>.wireTag, body: share),
                expectedTag: ShamirShare<BigInt>.wireTag)
        }
        #expect(received == shares)
        #expect(try sharing.reconstruct([received[4], received[0], received[2]], threshold: 3) == secret)

        // Additive share vectors are plain arrays under tag 0x0205.
        let additive = try AdditiveSharing(ring: Ring64()).split([1, 2, 3], parties: 2, using: &rng)
        let tag = AdditiveSharing<Ring64>.shareVectorWireTag
        let decoded = try additive.map { try WireEnvelope.decode([UInt64].self, from: WireEnvelope.encode(tag: tag, body: $0), expectedTag: tag) }
        #expect(try AdditiveSharing(ring: Ring64()).reconstruct(decoded) == [1, 2, 3])
    }

    @Test func decodingRejectsZeroXAndEveryTruncation() {
        #expect(throws: WireFormatError.invalidValue("Shamir share evaluation point x = 0")) {
            try ShamirShare<UInt64>(wireEncoded: [UInt8](repeating: 0, count: 16))
        }
        #expect(throws: WireFormatError.invalidValue("Shamir share evaluation point x = 0")) {
            try ShamirVectorShare<UInt64>(wireEncoded: [UInt8](repeating: 0, count: 12))
        }
        let encodings: [[UInt8]] = [
            ShamirShare(x: 9, y: BigInt(1) << 90).wireEncoded(),
            ShamirVectorShare(x: 9, ys: [UInt64(1), 2, 3]).wireEncoded(),
            BeaverTriple(a: BigInt(5), b: BigInt(-6), c: BigInt(7)).wireEncoded(),
            SeededAdditiveShare.seed([UInt8](repeating: 1, count: 16), count: 3).wireEncoded(),
            SeededAdditiveShare.explicit([1, 2]).wireEncoded(),
        ]
        for (kind, encoding) in encodings.enumerated() {
            for cut in 0..<encoding.count {
                let prefix = Array(encoding[..<cut])
                do {
                    switch kind {
                    case 0: _ = try ShamirShare<BigInt>(wireEncoded: prefix)
                    case 1: _ = try ShamirVectorShare<UInt64>(wireEncoded: prefix)
                    case 2: _ = try BeaverTriple<BigInt>(wireEncoded: prefix)
                    default: _ = try SeededAdditiveShare(wireEncoded: prefix)
                    }
                    Issue.record("kind \(kind) prefix \(cut) decoded")
                } catch {
                    if case .truncated = error {} else { Issue.record("kind \(kind) prefix \(cut): \(error)") }
                }
            }
        }
    }

    @Test func hugeClaimedShareVectorDoesNotAllocate() {
        let claim = [UInt8](hex: "0000000000000001" + "ffffffff" + "000000")!
        let open = WireLimits(maxElementCount: .max)
        #expect(throws: WireFormatError.truncated(needed: 8 * 0xFFFF_FFFF, available: 3)) {
            try ShamirVectorShare<UInt64>(wireEncoded: claim, limits: open)
        }
        #expect(throws: WireFormatError.truncated(needed: 5 * 0xFFFF_FFFF, available: 3)) {
            try ShamirVectorShare<BigInt>(wireEncoded: claim, limits: open)
        }
        #expect(throws: WireFormatError.truncated(needed: 16 * 0xFFFF_FFFF, available: 0)) {
            try [ShamirShare<UInt64>](wireEncoded: [0xFF, 0xFF, 0xFF, 0xFF], limits: open)
        }
    }
}
