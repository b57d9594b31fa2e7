import MPCProtocols
import _TestSupport

/// A fixed session id for tests.
func testSession(_ tag: UInt8 = 1) -> SessionID {
    try! SessionID(bytes: [UInt8](repeating: tag, count: 32))
}

/// `L` pseudorandom words per member, from a fixed seed.
func randomInputs(members: Int, length: Int, seed: UInt64) -> [[UInt64]] {
    var rng = DeterministicRNG(seed: seed)
    return (0..<members).map { _ in (0..<length).map { _ in rng.next() } }
}

/// The element-wise sum in Z_2^64 (the plaintext oracle).
func plainSum(_ vectors: [[UInt64]], length: Int) -> [UInt64] {
    var total = [UInt64](repeating: 0, count: length)
    for vector in vectors { for i in 0..<length { total[i] &+= vector[i] } }
    return total
}
