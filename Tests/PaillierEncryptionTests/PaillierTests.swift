import MultiPrecision
import PaillierEncryption
import PropertyBased
import Testing
import _TestSupport

/// One 1024-bit key shared by the property tests (generation is the slow part).
let testKey: Paillier.PrivateKey = {
    var rng = DeterministicRNG(seed: 1024)
    return try! Paillier.generatePrivateKey(bits: 1024, using: &rng)
}()

/// A 3-of-5 threshold key on 512-bit safe primes (n of 1024 bits).
let thresholdKey: (publicKey: Paillier.ThresholdPublicKey, shares: [Paillier.KeyShare]) = {
    var rng = DeterministicRNG(seed: 55)
    return try! Paillier.dealThresholdKey(bits: 1024, threshold: 3, parties: 5, using: &rng)
}()

@Suite("Paillier")
struct PaillierTests {
    @Test func keyGenerationGivesExactSize() throws {
        var rng = DeterministicRNG(seed: 9)
        let key = try Paillier.generatePrivateKey(bits: 512, using: &rng)
        #expect(key.publicKey.bits == 512)
        #expect(!key.description.contains(key.publicKey.n.description))
        #expect(throws: PaillierError.unsupportedKeySize(bits: 100)) {
            try Paillier.generatePrivateKey(bits: 100, using: &rng)
        }
    }

    @Test func homomorphicPropertiesHold() async throws {
        let pk = testKey.publicKey
        await propertyCheck(count: 40, input: Gen.uint64(), Gen.uint64(), Gen.int64(in: -1000...1000)) { a, b, k in
            var rng = DeterministicRNG(seed: a ^ b)
            let (x, y) = (BigInt(a), BigInt(b))
            let ca = try! pk.encrypt(x, using: &rng), cb = try! pk.encrypt(y, using: &rng)
            #expect(try! testKey.decrypt(pk.add(ca, cb)) == (x + y).modulo(pk.n))
            #expect(try! testKey.decrypt(pk.multiply(ca, by: BigInt(Int(k)))) == (x * BigInt(Int(k))).modulo(pk.n))
            #expect(try! testKey.decrypt(pk.add(ca, plaintext: y)) == (x + y).modulo(pk.n))
            #expect(try! testKey.decrypt(pk.negate(ca)) == (-x).modulo(pk.n))
            let fresh = pk.rerandomize(ca, using: &rng)
            #expect(fresh != ca)
            #expect(try! testKey.decrypt(fresh) == x)
            let owner = try! testKey.encrypt(x, using: &rng)
            #expect(try! testKey.decrypt(owner) == x)
            #expect(pk.sum([ca, cb, owner]) == pk.add(pk.add(ca, cb), owner))
        }
    }

    @Test func plaintextsOutsideTheSpaceAreRefused() {
        let pk = testKey.publicKey
        var rng = DeterministicRNG(seed: 2)
        #expect(throws: PaillierError.plaintextOutOfRange) { try pk.encrypt(pk.n, using: &rng) }
        #expect(throws: PaillierError.plaintextOutOfRange) { try pk.encrypt(-1, using: &rng) }
        #expect(throws: PaillierError.invalidCiphertext) { try testKey.decrypt(pk.ciphertext(0)) }
    }

    @Test func decryptingUnderTheWrongKeyGivesGarbageNotTheMessage() throws {
        var rng = DeterministicRNG(seed: 77)
        let other = try Paillier.generatePrivateKey(bits: 1024, using: &rng)
        let c = try testKey.publicKey.encrypt(42, using: &rng)
        // Under another key the ciphertext is either rejected or decrypts to something else.
        if let foreign = try? other.publicKey.ciphertext(c.value) {
            #expect(try other.decrypt(foreign) != 42)
        }
    }

    @Test func signedAndFixedPointEncodingsRoundTrip() async throws {
        let pk = testKey.publicKey
        let signed = Paillier.SignedEncoding(publicKey: pk)
        await propertyCheck(count: 50, input: Gen.int64(in: Int64.min / 4...Int64.max / 4), Gen.int64(in: -1_000_000...1_000_000)) { a, b in
            var rng = DeterministicRNG(seed: UInt64(bitPattern: a))
            let ca = try! pk.encrypt(signed.encode(BigInt(Int(a))), using: &rng)
            let cb = try! pk.encrypt(signed.encode(BigInt(Int(b))), using: &rng)
            #expect(try! signed.decode(testKey.decrypt(pk.add(ca, cb))) == BigInt(Int(a)) + BigInt(Int(b)))
        }
        #expect(throws: PaillierError.plaintextOutOfRange) { try signed.encode(signed.maxMagnitude + 1) }
        #expect(throws: PaillierError.encodingOverflow) { try signed.decode(signed.maxMagnitude + 1) }
        let fixed = Paillier.FixedPointEncoding(publicKey: pk, scale: 2)
        #expect(try fixed.encode(12.345) == 1235)
        #expect(try fixed.encode(-0.125) == signed.encode(-13))
        #expect(try fixed.decode(fixed.encode(-1234.56)) == -1234.56)
        #expect(throws: PaillierError.unrepresentableValue) { try fixed.encode(.infinity) }
        #expect(throws: PaillierError.unrepresentableValue) { try fixed.encode(.nan) }
        let justTooLarge = signed.maxMagnitude.doubleValue / 100 * 1.2
        #expect(throws: PaillierError.plaintextOutOfRange) { try fixed.encode(justTooLarge) }
        #expect(throws: PaillierError.unrepresentableValue) { try fixed.encode(1e307) }
    }

    @Test func packingRoundTripsAndRefusesOverflow() async throws {
        let pk = testKey.publicKey
        let layout = try Paillier.PackingLayout(publicKey: pk, maxAddends: 4)
        #expect(layout.slotBits == 66)
        #expect(layout.slotCount == (1024 - 2) / 66)
        await propertyCheck(count: 20, input: Gen.uint64().array(of: 1...40)) { values in
            var rng = DeterministicRNG(seed: UInt64(values.count))
            let a = try! pk.encryptPacked(values, layout: layout, using: &rng)
            #expect(try! testKey.decryptPacked(a).map(\.low64) == values)
            let b = try! pk.encryptPacked(values.map { ~$0 }, layout: layout, using: &rng)
            // v + ~v = 2^64 − 1 exactly (no carry between slots).
            let sum = try! pk.add(a, b)
            #expect(try! testKey.decryptPacked(sum) == Array(repeating: BigInt(UInt64.max), count: values.count))
            let four = try! pk.add(sum, sum)
            #expect(try! testKey.decryptPacked(four) == Array(repeating: BigInt(UInt64.max) * 2, count: values.count))
            #expect(throws: PaillierError.addendLimitExceeded(addends: 5, limit: 4)) { try pk.add(four, a) }
        }
        #expect(throws: PaillierError.tooManyValues(count: layout.slotCount + 1, capacity: layout.slotCount)) {
            try layout.pack(Array(repeating: 1, count: layout.slotCount + 1))
        }
        var rng = DeterministicRNG(seed: 8)
        let short = try pk.encryptPacked([1, 2], layout: layout, using: &rng)
        let long = try pk.encryptPacked([1, 2, 3], layout: layout, using: &rng)
        #expect(throws: PaillierError.layoutMismatch) { try pk.add(short, long) }
        // Signed values in two's complement sum in Z_2^64.
        let neg = try pk.encryptPacked([UInt64(bitPattern: -5), 7], layout: layout, using: &rng)
        let pos = try pk.encryptPacked([3, UInt64(bitPattern: -9)], layout: layout, using: &rng)
        #expect(try testKey.decryptPackedWrapping(pk.add(neg, pos)).map { Int64(bitPattern: $0) } == [-2, -2])
    }

    @Test(arguments: [PlaintextSchemeCase.plaintext, .paillier])
    func schemeConformance(_ scheme: PlaintextSchemeCase) throws {
        switch scheme {
        case .plaintext: try checkScheme(PlaintextScheme.self, key: PlaintextScheme.generateSecretKey(bits: 512, using: &globalRNG))
        case .paillier: try checkScheme(Paillier.self, key: testKey)
        }
    }

    func checkScheme<S: AdditiveHomomorphicScheme>(_: S.Type, key: S.SecretKey) throws {
        var rng = DeterministicRNG(seed: 12)
        let pk = S.publicKey(of: key)
        let n = S.plaintextModulus(of: pk)
        for _ in 0..<10 {
            let a = BigInt.random(below: n, using: &rng), b = BigInt.random(below: n, using: &rng)
            let ca = try S.encrypt(a, with: pk, using: &rng), cb = try S.encrypt(b, with: pk, using: &rng)
            #expect(try S.decrypt(S.add(ca, cb, with: pk), with: key) == (a + b).modulo(n))
            #expect(try S.decrypt(S.multiply(ca, by: 3, with: pk), with: key) == (a * 3).modulo(n))
            #expect(try S.decrypt(S.add(ca, plaintext: 5, with: pk), with: key) == (a + 5).modulo(n))
        }
    }
}

enum PlaintextSchemeCase: CaseIterable, Sendable { case plaintext, paillier }
nonisolated(unsafe) var globalRNG = DeterministicRNG(seed: 4)

@Suite("Threshold Paillier")
struct ThresholdPaillierTests {
    @Test func anyThresholdSubsetDecrypts() throws {
        let (tpk, shares) = thresholdKey
        var rng = DeterministicRNG(seed: 21)
        let m = BigInt.random(below: tpk.publicKey.n, using: &rng)
        let c = try tpk.publicKey.encrypt(m, using: &rng)
        let all = try shares.map { try $0.decryptionShare(for: c, key: tpk, using: &rng) }
        for share in all { #expect(tpk.isValid(share, for: c)) }
        for subset in [[0, 1, 2], [4, 2, 0], [1, 3, 4], [0, 1, 2, 3, 4]] {
            #expect(try tpk.combine(subset.map { all[$0] }, for: c) == m)
        }
        #expect(throws: PaillierError.insufficientShares(valid: 2, needed: 3)) {
            try tpk.combine([all[0], all[1]], for: c)
        }
        #expect(throws: PaillierError.duplicateShare(party: 1)) {
            try tpk.combine([all[0], all[0], all[1]], for: c)
        }
    }

    @Test func forgedOrMisdirectedSharesAreCaught() throws {
        let (tpk, shares) = thresholdKey
        var rng = DeterministicRNG(seed: 22)
        let c = try tpk.publicKey.encrypt(1234, using: &rng)
        let other = try tpk.publicKey.encrypt(99, using: &rng)
        let good = try shares.map { try $0.decryptionShare(for: c, key: tpk, using: &rng) }
        // Tampered share value.
        let tamperedValue = Paillier.DecryptionShare(
            index: 2, value: (good[1].value * 2).modulo(tpk.publicKey.nSquared), proof: good[1].proof)
        #expect(!tpk.isValid(tamperedValue, for: c))
        #expect(throws: PaillierError.invalidDecryptionShare(party: 2)) {
            try tpk.combine([good[0], tamperedValue, good[2]], for: c)
        }
        // Tampered proof response and challenge.
        let tamperedZ = Paillier.DecryptionShare(index: 1, value: good[0].value, proof: .init(
            challenge: good[0].proof.challenge, response: good[0].proof.response + 1))
        #expect(!tpk.isValid(tamperedZ, for: c))
        let tamperedE = Paillier.DecryptionShare(index: 1, value: good[0].value, proof: .init(
            challenge: good[0].proof.challenge ^^ 1, response: good[0].proof.response))
        #expect(!tpk.isValid(tamperedE, for: c))
        // A share claimed by another party, or for another ciphertext.
        let stolen = Paillier.DecryptionShare(index: 3, value: good[0].value, proof: good[0].proof)
        #expect(!tpk.isValid(stolen, for: c))
        #expect(!tpk.isValid(good[0], for: other))
        #expect(throws: PaillierError.unknownParty(party: 9)) {
            try tpk.combine([Paillier.DecryptionShare(index: 9, value: good[0].value, proof: good[0].proof)], for: c)
        }
        // A share from a key share with the wrong secret proves nothing.
        let liar = Paillier.KeyShare(index: 4, secret: shares[3].secret + 1)
        let lie = try liar.decryptionShare(for: c, key: tpk, using: &rng)
        #expect(!tpk.isValid(lie, for: c))
        #expect(!shares[0].description.contains(shares[0].secret.description))
    }

    @Test func invalidParametersAreRefused() {
        var rng = DeterministicRNG(seed: 1)
        #expect(throws: PaillierError.invalidThreshold(threshold: 4, parties: 3)) {
            try Paillier.dealThresholdKey(bits: 512, threshold: 4, parties: 3, using: &rng)
        }
        #expect(throws: PaillierError.invalidThreshold(threshold: 0, parties: 3)) {
            try Paillier.dealThresholdKey(bits: 512, threshold: 0, parties: 3, using: &rng)
        }
    }
}

infix operator ^^
/// Flips the low bit (a one-bit tamper).
func ^^ (a: BigInt, bit: Int) -> BigInt { a.isOdd ? a - 1 : a + 1 }
