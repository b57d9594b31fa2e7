import CryptoPrimitives
import PropertyBased
import Testing
import _TestSupport

struct HKDFCase: Codable, Sendable, NamedCase {
    let tcId: Int
    let desc: String
    let result: VectorResult
    let error: String?
    let ikm: String
    let salt: String
    let info: String
    let length: Int
    let okm: String
}

@Suite struct HKDFTests {
    @Test(arguments: try loadCases(HKDFCase.self, "hkdf-rfc5869.json"))
    func knownAnswer(_ vector: HKDFCase) throws {
        let derive = {
            try HKDF.deriveKey(
                inputKeyMaterial: try bytes(vector.ikm), salt: try bytes(vector.salt),
                info: try bytes(vector.info), outputByteCount: vector.length)
        }
        switch vector.result {
        case .valid, .acceptable:
            #expect(try derive() == (try bytes(vector.okm)))
        case .invalid:
            #expect(thrownCaseName(derive) == vector.error)
        }
    }

    @Test func boundaryLengths() throws {
        let ikm = [UInt8](repeating: 0x0b, count: 22)
        #expect(try HKDF.deriveKey(inputKeyMaterial: ikm, salt: [], info: [], outputByteCount: 0).isEmpty)
        let longest = try HKDF.deriveKey(
            inputKeyMaterial: ikm, salt: [], info: [], outputByteCount: HKDF.maximumOutputByteCount)
        #expect(longest.count == 8160)
        #expect(throws: CryptoError.invalidOutputLength(maximum: 8160, requested: 8161)) {
            try HKDF.deriveKey(inputKeyMaterial: ikm, salt: [], info: [], outputByteCount: 8161)
        }
    }

    @Test func emptyInputKeyMaterial() throws {
        // RFC 5869 does not forbid an empty IKM; HMAC accepts an empty message.
        let okm = try HKDF.deriveKey(inputKeyMaterial: [], salt: [1], info: [2], outputByteCount: 32)
        #expect(okm.count == 32)
    }

    @Test func shorterOutputIsPrefix() async throws {
        await propertyCheck(
            input: Gen.uint8().array(of: 0...64), Gen.uint8().array(of: 0...32), Gen.int(in: 1...200)
        ) { ikm, info, length in
            let long = try HKDF.deriveKey(inputKeyMaterial: ikm, salt: [7], info: info, outputByteCount: 200)
            let short = try HKDF.deriveKey(inputKeyMaterial: ikm, salt: [7], info: info, outputByteCount: length)
            #expect(Array(long.prefix(length)) == short)
            let otherInfo = try HKDF.deriveKey(
                inputKeyMaterial: ikm, salt: [7], info: info + [0], outputByteCount: 200)
            #expect(otherInfo != long)
        }
    }
}
