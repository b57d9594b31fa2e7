import MultiPrecision
import WireFormat

/// What the WireFormat fuzz harness does with one input, shared by the libFuzzer executable
/// (Tests/Fuzz/WireFormatFuzz) and the replay test, so both exercise the same decoders.
package enum WireFormatFuzzing {
    /// Decodes `bytes` as each Paillier wire type, bare and inside an envelope. Never traps.
    package static func exercise(_ bytes: [UInt8]) {
        let limits = WireLimits.default
        func attempt<T: WireDecodable>(_ type: T.Type, tag: UInt16) {
            var reader = WireReader(bytes, limits: limits)
            _ = try? T(from: &reader)
            _ = try? WireEnvelope.decode(T.self, from: bytes, expectedTag: tag, limits: limits)
        }
        attempt(Paillier.PublicKey.self, tag: Paillier.WireTag.publicKey)
        attempt(Paillier.ThresholdPublicKey.self, tag: Paillier.WireTag.thresholdPublicKey)
        attempt(Paillier.DecryptionShare.self, tag: Paillier.WireTag.decryptionShare)
        attempt(Paillier.BatchDecryptionShare.self, tag: Paillier.WireTag.batchDecryptionShare)
        attempt(BigInt.self, tag: 0x00F0)
        attempt([BigInt].self, tag: 0x00F1)
        attempt([UInt64].self, tag: 0x00F2)
        attempt([UInt8].self, tag: 0x00F3)
    }
}
