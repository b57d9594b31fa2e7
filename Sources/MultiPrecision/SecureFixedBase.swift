import CGMP

/// Fixed-base exponentiation `base^α mod m` whose running time and memory accesses do not
/// depend on the secret exponent α (the BGMW windowed method with side-channel silent
/// arithmetic): `entries[i][d] = base^(d · 2^(w·i)) mod m`, and `base^α = ∏_i entries[i][α_i]`
/// for the base-`2^w` digits `α_i`. Every digit, zero or not, costs one product; each entry is
/// read with `mpn_sec_tabselect` (which reads the whole row), multiplied with `mpn_sec_mul` and
/// reduced with `mpn_sec_div_r`, on fixed-width limb vectors. Spec: protocols/paillier.md#fixed-base-encryption.
public final class SecureFixedBase: Sendable {
    /// Window width in bits.
    public let window: Int
    /// Number of base-`2^w` digits covered.
    public let digitCount: Int
    /// Limbs of the modulus (every entry and product is stored on this many limbs).
    private let limbCount: Int
    /// `entries[(i · 2^w + d) · limbCount ..< +limbCount]`: the limbs of `base^(d · 2^(w·i)) mod m`.
    private let entries: [UInt]
    /// The modulus's limbs.
    private let modulusLimbs: [UInt]

    /// Precomputes the table.
    /// - Parameters:
    ///   - base: The public base.
    ///   - modulus: The public modulus, odd and greater than 1.
    ///   - exponentBits: The largest exponent size used.
    ///   - window: Digit width in bits, 1…10.
    public init(base: BigInt, modulus: BigInt, exponentBits: Int, window: Int = 5) {
        precondition((1...10).contains(window), "window must be 1...10 bits")
        precondition(modulus > BigInt(1), "modulus must exceed 1")
        self.window = window
        digitCount = (exponentBits + window - 1) / window
        let limbs = (modulus.littleEndianWords(count: (modulus.bitWidth + 63) / 64) ?? []).map { UInt($0) }
        limbCount = limbs.count
        modulusLimbs = limbs
        let width = 1 << window
        var table: [UInt] = []
        table.reserveCapacity(digitCount * width * limbs.count)
        var power = base.modulo(modulus)  // base^(2^(w·i))
        for _ in 0..<digitCount {
            var running = BigInt(1)
            var row: [BigInt] = [running]
            for _ in 1..<width {
                running.multiply(by: power, modulo: modulus)
                row.append(running)
            }
            for value in row { table += (value.littleEndianWords(count: limbs.count) ?? []).map { UInt($0) } }
            power = running
            power.multiply(by: row[1], modulo: modulus)
        }
        entries = table
    }

    /// `base^α mod modulus` for α given as little-endian 64-bit words of at most
    /// `digitCount · window` bits (higher bits are ignored).
    /// - Parameter words: The secret exponent.
    /// - Returns: The power.
    public func power(exponentWords words: [UInt64]) -> BigInt {
        power(exponentWords: words, cofactor: nil)
    }

    /// `base^α · (1 + a·b) mod modulus`, the secret `a` included in constant time: `a·b` with
    /// `mpn_sec_mul` on `b`'s width, `+ 1` with `mpn_sec_add_1`, the product with the power like
    /// every digit. Paillier's `h_s^α · g^m` with `g = 1 + n` is `a = m`, `b = n`
    /// (protocols/paillier.md#fixed-base-encryption).
    /// - Parameters:
    ///   - words: The secret exponent α.
    ///   - a: The secret factor, `0 ≤ a < b`.
    ///   - b: The public factor, with `a·b + 1 < modulus`.
    /// - Returns: The product.
    public func power(exponentWords words: [UInt64], timesOnePlus a: BigInt, times b: BigInt) -> BigInt {
        let kb = (b.bitWidth + 63) / 64
        precondition(!a.isNegative && a < b && 2 * kb >= limbCount, "a must lie in [0, b) and b² must fill the modulus")
        var aLimbs = (a.littleEndianWords(count: kb) ?? []).map { UInt($0) }
        let bLimbs = (b.littleEndianWords(count: kb) ?? []).map { UInt($0) }
        var product = [UInt](repeating: 0, count: 2 * kb)
        var scratch = [UInt](repeating: 0, count: max(Int(cgmp_sec_mul_itch(kb, kb)), Int(cgmp_sec_add_1_itch(limbCount))))
        defer {
            for i in aLimbs.indices { aLimbs[i] = 0 }
            for i in product.indices { product[i] = 0 }
            for i in scratch.indices { scratch[i] = 0 }
        }
        product.withUnsafeMutableBufferPointer { p in
            scratch.withUnsafeMutableBufferPointer { t in
                aLimbs.withUnsafeBufferPointer { x in
                    bLimbs.withUnsafeBufferPointer { y in cgmp_sec_mul(p.baseAddress!, x.baseAddress!, kb, y.baseAddress!, kb, t.baseAddress!) }
                }
                // a·b < modulus: its limbs above the modulus's are zero.
                _ = cgmp_sec_add_1(p.baseAddress!, p.baseAddress!, limbCount, 1, t.baseAddress!)
            }
        }
        return power(exponentWords: words, cofactor: Array(product.prefix(limbCount)))
    }

    private func power(exponentWords words: [UInt64], cofactor: [UInt]?) -> BigInt {
        let k = limbCount
        let width = 1 << window
        let mask = UInt64(width - 1)
        var accumulator = [UInt](repeating: 0, count: k)
        accumulator[0] = 1
        var selected = [UInt](repeating: 0, count: k)
        var product = [UInt](repeating: 0, count: 2 * k)
        let scratchCount = max(Int(cgmp_sec_mul_itch(k, k)), Int(cgmp_sec_div_r_itch(2 * k, k)))
        var scratch = [UInt](repeating: 0, count: scratchCount)
        defer {
            // The digits' products are secret-dependent intermediate values.
            for i in accumulator.indices { accumulator[i] = 0 }
            for i in selected.indices { selected[i] = 0 }
            for i in product.indices { product[i] = 0 }
            for i in scratch.indices { scratch[i] = 0 }
        }
        entries.withUnsafeBufferPointer { table in
            modulusLimbs.withUnsafeBufferPointer { m in
                /// accumulator ← accumulator · selected mod modulus, side-channel silent.
                func multiplyBySelected() {
                    product.withUnsafeMutableBufferPointer { p in
                        scratch.withUnsafeMutableBufferPointer { t in
                            accumulator.withUnsafeBufferPointer { a in
                                selected.withUnsafeBufferPointer { b in
                                    cgmp_sec_mul(p.baseAddress!, a.baseAddress!, k, b.baseAddress!, k, t.baseAddress!)
                                }
                            }
                            cgmp_sec_div_r(p.baseAddress!, 2 * k, m.baseAddress!, k, t.baseAddress!)
                        }
                    }
                    for j in 0..<k { accumulator[j] = product[j] }
                }
                for i in 0..<digitCount {
                    // The digit's position is public; its value only selects limbs.
                    let bit = i * window
                    let word = bit / 64, offset = bit % 64
                    var digit: UInt64 = 0
                    if word < words.count {
                        digit = words[word] >> UInt64(offset)
                        if offset + window > 64, word + 1 < words.count { digit |= words[word + 1] << UInt64(64 - offset) }
                        digit &= mask
                    }
                    let row = table.baseAddress! + i * width * k
                    selected.withUnsafeMutableBufferPointer { out in
                        cgmp_sec_tabselect(out.baseAddress!, row, k, width, Int(digit))
                    }
                    multiplyBySelected()
                }
                if let cofactor {
                    for j in 0..<k { selected[j] = cofactor[j] }
                    multiplyBySelected()
                }
            }
        }
        var words = accumulator.map { UInt64($0) }
        defer { for i in words.indices { words[i] = 0 } }
        return BigInt(littleEndianWords: words)
    }
}
