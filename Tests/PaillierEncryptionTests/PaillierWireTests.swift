import MultiPrecision
import PaillierEncryption
import Testing
import WireFormat
import _TestSupport

@Suite("Paillier wire encodings")
struct PaillierWireTests {
    @Test func publicKeyRoundTripsAndValidates() throws {
        let pk = testKey.publicKey
        let bytes = WireEnvelope.encode(tag: Paillier.WireTag.publicKey, body: pk)
        #expect(Array(bytes.prefix(8)) == [0x43, 0x56, 0x4E, 0x54, 0x00, 0x01, 0x01, 0x01])
        let decoded = try WireEnvelope.decode(Paillier.PublicKey.self, from: bytes, expectedTag: Paillier.WireTag.publicKey)
        #expect(decoded == pk)
        // Every truncation is a precise error, never a trap.
        for cut in stride(from: 0, to: bytes.count, by: 7) {
            #expect(throws: WireFormatError.self) {
                try WireEnvelope.decode(Paillier.PublicKey.self, from: Array(bytes.prefix(cut)), expectedTag: Paillier.WireTag.publicKey)
            }
        }
        // An even modulus is refused.
        var writer = WireWriter()
        writer.writeBigInt(pk.n + 1)
        writer.writeBigInt(pk.hs)
        var reader = WireReader(writer.bytes)
        #expect(throws: WireFormatError.invalidValue("not a valid Paillier public key")) {
            try Paillier.PublicKey(from: &reader)
        }
        // So is a negative one (odd, of the right size): with it, encrypting 0 in
        // rerandomize would find 0 out of range and trap.
        var negative = WireWriter()
        negative.writeBigInt(-pk.n)
        negative.writeBigInt(pk.hs)
        var negativeReader = WireReader(negative.bytes)
        #expect(throws: WireFormatError.invalidValue("not a valid Paillier public key")) {
            try Paillier.PublicKey(from: &negativeReader)
        }
        #expect(throws: PaillierError.invalidKey) { try Paillier.PublicKey(n: -pk.n, hs: pk.hs) }
    }

    /// Degenerate keys that passed the old decoder (issue 9): a DJN base of order 2 makes every
    /// encryption `g^m · (±1)`, readable by anyone; a square or a multiple of a small prime is no
    /// RSA modulus.
    @Test func degenerateKeysAreRefused() throws {
        let pk = testKey.publicKey
        let nSquared = pk.n * pk.n
        let squareRootOfOne = pk.n * pk.n - BigInt(1)
        for (n, hs, what) in [
            (pk.n, squareRootOfOne, "h_s = n² − 1 (order 2)"), (pk.n, BigInt(1), "h_s = 1"),
            (pk.n * BigInt(3), pk.hs, "n divisible by 3"), (pk.n * BigInt(997), pk.hs, "n divisible by 997"),
            (BigInt(1_000_003).power(20), BigInt(5), "n a perfect square"),
            (BigInt(1_000_003).power(21), BigInt(5), "n a perfect cube"),
            ((BigInt(1) << 521) - BigInt(1), BigInt(5), "n a prime (2^521 − 1)"),
        ] {
            #expect(throws: PaillierError.invalidKey, "\(what)") { try Paillier.PublicKey(n: n, hs: hs) }
            var writer = WireWriter()
            writer.writeBigInt(n)
            writer.writeBigInt(hs)
            var reader = WireReader(writer.bytes)
            #expect(throws: WireFormatError.self, "\(what)") { try Paillier.PublicKey(from: &reader) }
        }
        #expect(nSquared > squareRootOfOne)
        // The honest key still decodes, and a threshold key with a verification base of order 2 is refused.
        _ = try Paillier.PublicKey(n: pk.n, hs: pk.hs)
        let threshold = thresholdKey.publicKey
        #expect(throws: PaillierError.invalidKey) {
            try Paillier.ThresholdPublicKey(
                publicKey: threshold.publicKey, threshold: 3, parties: 5, v: threshold.publicKey.nSquared - BigInt(1),
                verificationKeys: threshold.verificationKeys)
        }
        // Likewise a verification key v_i of order 2.
        var degenerate = threshold.verificationKeys
        degenerate[2] = threshold.publicKey.nSquared - BigInt(1)
        #expect(throws: PaillierError.invalidKey) {
            try Paillier.ThresholdPublicKey(
                publicKey: threshold.publicKey, threshold: 3, parties: 5, v: threshold.v, verificationKeys: degenerate)
        }
    }

    @Test func thresholdKeyAndSharesRoundTrip() throws {
        let (tpk, shares) = thresholdKey
        let bytes = WireEnvelope.encode(tag: Paillier.WireTag.thresholdPublicKey, body: tpk)
        let decoded = try WireEnvelope.decode(
            Paillier.ThresholdPublicKey.self, from: bytes, expectedTag: Paillier.WireTag.thresholdPublicKey)
        #expect(decoded == tpk)
        var rng = DeterministicRNG(seed: 5)
        let c = try tpk.publicKey.encrypt(77, using: &rng)
        let share = try shares[2].decryptionShare(for: c, key: tpk, using: &rng)
        let shareBytes = WireEnvelope.encode(tag: Paillier.WireTag.decryptionShare, body: share)
        let back = try WireEnvelope.decode(
            Paillier.DecryptionShare.self, from: shareBytes, expectedTag: Paillier.WireTag.decryptionShare)
        #expect(back == share && decoded.isValid(back, for: c))
        // A flipped byte in the share value or proof is caught by the proof check.
        for position in [20, shareBytes.count - 3] {
            var tampered = shareBytes
            tampered[position] ^= 0x01
            if let bad = try? WireEnvelope.decode(
                Paillier.DecryptionShare.self, from: tampered, expectedTag: Paillier.WireTag.decryptionShare) {
                #expect(!decoded.isValid(bad, for: c))
            }
        }
        // Wrong tag.
        #expect(throws: WireFormatError.unknownTag(Paillier.WireTag.decryptionShare)) {
            try WireEnvelope.decode(Paillier.PublicKey.self, from: shareBytes, expectedTag: Paillier.WireTag.publicKey)
        }
    }

    @Test func ciphertextsAreValidatedOnDecode() throws {
        let pk = testKey.publicKey
        var rng = DeterministicRNG(seed: 6)
        let c = try pk.encrypt(5, using: &rng)
        var reader = WireReader(c.wireEncoded())
        #expect(try pk.decodeCiphertext(from: &reader) == c)
        var writer = WireWriter()
        writer.writeBigInt(pk.nSquared + 1)
        var bad = WireReader(writer.bytes)
        #expect(throws: PaillierError.invalidCiphertext) { try pk.decodeCiphertext(from: &bad) }
    }
}
