/// Transposes the `128 × m` bit matrix of an OT extension (128 columns of `m` bits) into its
/// `m` rows of 128 bits, by 64 × 64 blocks, each transposed in place with six rounds of masked
/// swaps (the recursive block-swap transpose, e.g. Warren's *Hacker's Delight* §7-3), about a
/// quarter of an instruction per bit. Spec: protocols/beaver.md#oblivious-transfer-extension.
package enum BitTranspose {
    /// The rows of `columns`: bit `l` of row `m` is bit `m` of column `l`.
    /// - Parameters:
    ///   - columns: 128 columns of `wordsPerColumn` words each, column `l` at
    ///     `l·wordsPerColumn`; bit `m` of a column is bit `m mod 64` of its word `⌊m/64⌋`.
    ///   - wordsPerColumn: `m / 64`.
    /// - Returns: `64·wordsPerColumn` rows.
    package static func rows(of columns: [UInt64], wordsPerColumn: Int) -> [UInt128] {
        precondition(columns.count == 128 * wordsPerColumn, "128 columns expected")
        var rows = [UInt128](repeating: 0, count: 64 * wordsPerColumn)
        var block = [UInt64](repeating: 0, count: 64)
        // Each row is written as two words, into the low or the high half of its `UInt128`.
        #if _endian(big)
            let halves = (1, 0)
        #else
            let halves = (0, 1)
        #endif
        columns.withUnsafeBufferPointer { columns in
            rows.withUnsafeMutableBytes { raw in
                let words = raw.bindMemory(to: UInt64.self)
                block.withUnsafeMutableBufferPointer { block in
                    for w in 0..<wordsPerColumn {
                        for half in 0..<2 {
                            for i in 0..<64 { block[i] = columns[(64 * half + i) * wordsPerColumn + w] }
                            transpose64(block.baseAddress!)
                            let slot = half == 0 ? halves.0 : halves.1
                            for j in 0..<64 { words[2 * (64 * w + j) + slot] = block[j] }
                        }
                    }
                }
            }
        }
        return rows
    }

    /// Transposes a 64 × 64 bit block in place: afterwards bit `i` of word `j` is what bit `j`
    /// of word `i` was.
    @inline(__always)
    package static func transpose64(_ a: UnsafeMutablePointer<UInt64>) {
        swapRound(a, 32, 0x0000_0000_FFFF_FFFF)
        swapRound(a, 16, 0x0000_FFFF_0000_FFFF)
        swapRound(a, 8, 0x00FF_00FF_00FF_00FF)
        swapRound(a, 4, 0x0F0F_0F0F_0F0F_0F0F)
        swapRound(a, 2, 0x3333_3333_3333_3333)
        swapRound(a, 1, 0x5555_5555_5555_5555)
    }

    /// One round: for each pair of words `k`, `k + j` with bit `j` of `k` clear, swap the high
    /// `j` bits of each `2j`-bit group of word `k` with the low `j` bits of word `k + j`.
    @inline(__always)
    private static func swapRound(_ a: UnsafeMutablePointer<UInt64>, _ j: Int, _ mask: UInt64) {
        var base = 0
        while base < 64 {
            for k in base..<(base + j) {
                let t = ((a[k] >> UInt64(j)) ^ a[k + j]) & mask
                a[k + j] ^= t
                a[k] ^= t << UInt64(j)
            }
            base += 2 * j
        }
    }
}
