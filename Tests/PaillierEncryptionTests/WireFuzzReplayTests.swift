import Foundation
import MultiPrecision
import PaillierEncryption
import Testing
import WireFormat
import _TestSupport

/// Replays Tests/Fuzz/FailCases/WireFormat/ and runs a deterministic mutation fuzzer over valid
/// encodings in-process, so CI checks "never traps, never over-allocates" without libFuzzer.
struct WireFuzzReplayTests {
    @Test func failCasesReplay() throws {
        let directory = Vectors.repositoryRoot().appendingPathComponent("Tests/Fuzz/FailCases/WireFormat")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(!names.isEmpty)
        for name in names {
            let bytes = try Data(contentsOf: directory.appendingPathComponent(name))
            WireFormatFuzzing.exercise(Array(bytes))
        }
    }

    @Test func mutatedEncodingsNeverTrap() throws {
        let (tpk, shares) = thresholdKey
        var rng = DeterministicRNG(seed: 99)
        let c = try tpk.publicKey.encrypt(3, using: &rng)
        let seeds: [[UInt8]] = [
            WireEnvelope.encode(tag: Paillier.WireTag.publicKey, body: tpk.publicKey),
            WireEnvelope.encode(tag: Paillier.WireTag.thresholdPublicKey, body: tpk),
            WireEnvelope.encode(
                tag: Paillier.WireTag.decryptionShare,
                body: try shares[0].decryptionShare(for: c, key: tpk, using: &rng)),
        ]
        for seed in seeds {
            for _ in 0..<300 {
                var bytes = seed
                switch rng.next() % 4 {
                case 0: bytes[Int(rng.next() % UInt64(bytes.count))] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
                case 1: bytes.removeLast(Int(rng.next() % UInt64(bytes.count)))
                case 2: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: Int(rng.next() % UInt64(bytes.count)))
                default:
                    let at = Int(rng.next() % UInt64(max(bytes.count - 4, 1)))
                    for k in 0..<min(4, bytes.count - at) { bytes[at + k] = 0xFF }
                }
                WireFormatFuzzing.exercise(bytes)
            }
        }
    }
}
