public import CryptoPrimitives

/// κ random base oblivious transfers at once, by Chou and Orlandi's "simplest OT" [CO15] in
/// the group of P-256, semi-honest. Spec: protocols/beaver.md#base-oblivious-transfers.
///
/// The sender draws `y`, sends `S = y·G` and keeps `T = y·S`. For each `l < κ` the receiver,
/// with choice bit `c_l`, draws `x_l` and sends `R_l = x_l·G + c_l·S`; it gets
/// `k_l = H(l, S, R_l, x_l·S)`. The sender gets `k_l^0 = H(l, S, R_l, y·R_l)` and
/// `k_l^1 = H(l, S, R_l, y·R_l − T)`; so `k_l = k_l^{c_l}`, and the other key is `H` of
/// `x_l·S − y·S` (`c_l = 0`) or `x_l·S + y·S` (`c_l = 1`), which a receiver that follows the
/// protocol cannot compute without solving a Diffie–Hellman problem. `R_l` is uniform whatever
/// `c_l`, so the sender learns nothing about it. `H` is SHA-256 over a domain string, the
/// session, both parties and all of the above, cut to 16 bytes.
public enum SimplestOT {
    /// How many base OTs a transfer makes: `κ = 128`, the extension's security parameter.
    public static let count = 128

    /// What binds a transfer's keys to its session and parties: the bytes
    /// `sid ‖ u32 baseSender ‖ u32 baseReceiver` that every key's hash absorbs.
    /// - Parameters:
    ///   - sessionID: The session.
    ///   - sender: The base-OT sender.
    ///   - receiver: The base-OT receiver.
    /// - Returns: The binding.
    public static func binding(sessionID: SessionID, sender: PartyID, receiver: PartyID) -> [UInt8] {
        sessionID.bytes + [sender.rawValue, receiver.rawValue].flatMap { value in
            (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }
        }
    }

    /// The sender's secret `y`, its message `S = y·G` and `T = y·S`.
    public struct Sender: Sendable {
        let y: P256.Scalar
        /// `S`, sent to the receiver.
        public let setup: P256.Point
        let t: P256.Point

        /// Draws `y`.
        /// - Parameter rng: A cryptographically secure generator.
        public init(using rng: inout some RandomNumberGenerator) {
            y = P256.Scalar.random(using: &rng)
            setup = P256.Point.generatorMultiple(y)
            t = setup.multiplied(by: y)
        }

        /// The sender's two keys per transfer.
        /// - Parameters:
        ///   - points: The receiver's `R_l`, `l < κ` (validated points).
        ///   - binding: The session and parties (``SimplestOT/binding(sessionID:sender:receiver:)``).
        /// - Returns: `(k_l^0, k_l^1)` for each `l`, as 128-bit values (little-endian bytes).
        public func keys(for points: [P256.Point], binding: [UInt8]) -> [(UInt128, UInt128)] {
            points.enumerated().map { l, point in
                let (product, difference) = point.multipliedEncodings(by: y, minus: t)
                return (
                    SimplestOT.key(binding, l, setup, point.compressed, product),
                    SimplestOT.key(binding, l, setup, point.compressed, difference)
                )
            }
        }
    }

    /// The receiver's side: its points `R_l` for the sender and its keys `k_l^{c_l}`.
    /// - Parameters:
    ///   - choices: Bit `l` of `choices` is `c_l`.
    ///   - setup: The sender's `S` (a validated point).
    ///   - binding: The session and parties (``binding(sessionID:sender:receiver:)``).
    ///   - rng: A cryptographically secure generator.
    /// - Returns: The points to send (compressed) and the keys.
    public static func receive(
        choices: UInt128, from setup: P256.Point, binding: [UInt8], using rng: inout some RandomNumberGenerator
    ) -> (points: [[UInt8]], keys: [UInt128]) {
        var points: [[UInt8]] = []
        var keys: [UInt128] = []
        points.reserveCapacity(count)
        keys.reserveCapacity(count)
        for l in 0..<count {
            while true {
                let x = P256.Scalar.random(using: &rng)
                let zero = P256.Point.generatorMultiple(x)
                // x·G = −S has probability 2^−256; redraw then (the choice stays hidden).
                guard let one = zero.adding(setup) else { continue }
                // Both candidates are computed; the choice selects bytes under a mask.
                let mask = 0 &- UInt8(truncatingIfNeeded: choices >> l & 1)
                let chosen = (0..<P256.compressedPointByteCount).map { i in
                    zero.compressed[i] ^ (mask & (zero.compressed[i] ^ one.compressed[i]))
                }
                points.append(chosen)
                keys.append(key(binding, l, setup, chosen, setup.multiplied(by: x).compressed))
                break
            }
        }
        return (points, keys)
    }

    /// `H(l, S, R, P)`: SHA-256 of the domain, the binding, `l` and the encodings, first 16 bytes
    /// (read as a little-endian `UInt128`).
    static func key(_ binding: [UInt8], _ l: Int, _ setup: P256.Point, _ point: [UInt8], _ shared: [UInt8]) -> UInt128 {
        var hasher = SHA256Hasher()
        hasher.update(Array("covenant/beaver/base-ot/v1".utf8))
        hasher.update(binding)
        hasher.update([UInt8(l >> 24 & 0xFF), UInt8(l >> 16 & 0xFF), UInt8(l >> 8 & 0xFF), UInt8(l & 0xFF)])
        hasher.update(setup.compressed)
        hasher.update(point)
        hasher.update([UInt8(shared.count)])
        hasher.update(shared)
        let digest = hasher.finalize()
        var value: UInt128 = 0
        for i in (0..<16).reversed() { value = value << 8 | UInt128(digest[i]) }
        return value
    }
}
