import CryptoPrimitives

/// Ishai–Kilian–Nissim–Petrank oblivious-transfer extension [IKNP03] with `κ = 128` base
/// OTs, semi-honest, computed one chunk of transfers at a time. Spec:
/// protocols/beaver.md#oblivious-transfer-extension.
///
/// The extension's receiver holds both base-OT keys `(k_l^0, k_l^1)` of each column `l < κ`
/// and its choice bits `r ∈ {0,1}^m`; it sets `t^l = G(k_l^0)`, sends
/// `u^l = t^l ⊕ G(k_l^1) ⊕ r` and keeps the rows `t_j` of the `m × κ` matrix `T`. The sender
/// holds `s ∈ {0,1}^κ` and `k_l^{s_l}`; it sets `q^l = G(k_l^{s_l}) ⊕ s_l·u^l`, so each row of
/// `Q` is `q_j = t_j ⊕ r_j·s`. `G(k)` is the AES-128-CTR stream under `k`, chunk `c` starting
/// at the counter block `c ‖ 0^64` (big-endian), so chunks are independent.
package enum OTExtension {
    /// `κ`: base OTs, columns, and bits in a row.
    package static let kappa = SimplestOT.count

    /// `G(seed)` for `chunk`, `count` words.
    package static func expand(seed: UInt128, chunk: Int, into words: UnsafeMutableBufferPointer<UInt64>) {
        var key = [UInt8](repeating: 0, count: 16)
        for i in 0..<16 { key[i] = UInt8(truncatingIfNeeded: seed >> (8 * i)) }
        var nonce = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 { nonce[i] = UInt8(truncatingIfNeeded: UInt64(chunk) >> (56 - 8 * i)) }
        var generator = try! AESCTRGenerator(seed: key, nonce: nonce)  // 16 bytes each: always valid
        generator.fill(UnsafeMutableRawBufferPointer(words))
        for i in key.indices { key[i] = 0 }
    }

    /// The receiver's side of one chunk.
    /// - Parameters:
    ///   - seeds: `(k_l^0, k_l^1)` for `l < κ`.
    ///   - choices: `r`, `m / 64` words (`m` a multiple of 128).
    ///   - chunk: The chunk index.
    /// - Returns: `u` (`κ` columns of `m / 64` words, column-major) and the rows `t_j`.
    package static func receiverMatrices(seeds: [(UInt128, UInt128)], choices: [UInt64], chunk: Int) -> (u: [UInt64], t: [UInt128]) {
        let words = choices.count
        var t = uninitializedWords(kappa * words)
        var u = uninitializedWords(kappa * words)
        t.withUnsafeMutableBufferPointer { t in
            u.withUnsafeMutableBufferPointer { u in
                for l in 0..<kappa {
                    let tColumn = UnsafeMutableBufferPointer(rebasing: t[(l * words)..<((l + 1) * words)])
                    let uColumn = UnsafeMutableBufferPointer(rebasing: u[(l * words)..<((l + 1) * words)])
                    expand(seed: seeds[l].0, chunk: chunk, into: tColumn)
                    expand(seed: seeds[l].1, chunk: chunk, into: uColumn)
                    for w in 0..<words { uColumn[w] ^= tColumn[w] ^ choices[w] }
                }
            }
        }
        let rows = BitTranspose.rows(of: t, wordsPerColumn: words)
        t.withUnsafeMutableBufferPointer { for i in $0.indices { $0[i] = 0 } }
        return (u, rows)
    }

    /// Words that the caller overwrites in full (every column is filled by `expand`).
    private static func uninitializedWords(_ count: Int) -> [UInt64] {
        [UInt64](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    /// The sender's rows `q_j = t_j ⊕ r_j·s` of one chunk.
    /// - Parameters:
    ///   - seeds: `k_l^{s_l}` for `l < κ`.
    ///   - secret: `s` (bit `l` is `s_l`).
    ///   - u: The receiver's columns (`κ·m/64` words).
    ///   - chunk: The chunk index.
    /// - Returns: The rows.
    package static func senderRows(seeds: [UInt128], secret: UInt128, u: [UInt64], chunk: Int) -> [UInt128] {
        let words = u.count / kappa
        var q = uninitializedWords(kappa * words)
        q.withUnsafeMutableBufferPointer { q in
            for l in 0..<kappa {
                let column = UnsafeMutableBufferPointer(rebasing: q[(l * words)..<((l + 1) * words)])
                expand(seed: seeds[l], chunk: chunk, into: column)
                let mask = 0 &- UInt64(truncatingIfNeeded: secret >> l & 1)  // s_l, in constant time
                for w in 0..<words { column[w] ^= u[l * words + w] & mask }
            }
        }
        let rows = BitTranspose.rows(of: q, wordsPerColumn: words)
        q.withUnsafeMutableBufferPointer { for i in $0.indices { $0[i] = 0 } }
        return rows
    }
}

/// The tweakable correlation-robust hash `H(i, x) = π(π(x) ⊕ i) ⊕ π(x)` of [GKWY20] on
/// 128-bit blocks, with `π` fixed-key AES-128 (``FixedKeyAES``) under the public key
/// `SHA-256("covenant/beaver/ot-hash/v1")[0..16)`, the tweak `i` an OT's index. Spec:
/// protocols/beaver.md#oblivious-transfer-extension.
package enum CorrelationRobustHash {
    static let permutation: FixedKeyAES = {
        let key = SHA256.hash(Array("covenant/beaver/ot-hash/v1".utf8))
        return try! FixedKeyAES(key: Array(key.prefix(FixedKeyAES.keyByteCount)))  // 16 bytes: always valid
    }()

    /// Replaces `blocks[j]` by `H(firstTweak + j, blocks[j])`.
    /// - Parameters:
    ///   - blocks: The inputs, then the outputs.
    ///   - firstTweak: The tweak of the first block.
    package static func hash(_ blocks: inout [UInt128], firstTweak: UInt64) {
        // In slices of 4,096 blocks, so that the second buffer stays in the cache.
        let slice = 4096
        var outer = [UInt128](repeating: 0, count: min(slice, blocks.count))
        var start = 0
        while start < blocks.count {
            let count = min(slice, blocks.count - start)
            blocks.withUnsafeMutableBufferPointer { all in
                let x = UnsafeMutableBufferPointer(rebasing: all[start..<(start + count)])
                // Blocks are the little-endian bytes of the values (no-ops on little-endian hosts).
                for j in 0..<count { x[j] = x[j].littleEndian }
                permutation.permute(UnsafeMutableRawBufferPointer(x))  // π(x)
                for j in 0..<count { x[j] = UInt128(littleEndian: x[j]) }
                outer.withUnsafeMutableBufferPointer { outer in
                    for j in 0..<count { outer[j] = (x[j] ^ UInt128(firstTweak &+ UInt64(start + j))).littleEndian }
                    permutation.permute(UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(outer)[0..<(16 * count)]))
                    for j in 0..<count { x[j] ^= UInt128(littleEndian: outer[j]) }  // π(π(x) ⊕ i) ⊕ π(x)
                }
            }
            start += count
        }
        for j in outer.indices { outer[j] = 0 }
    }
}
