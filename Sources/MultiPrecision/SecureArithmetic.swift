import CGMP

/// `a + e·b` and `(a + e·b) mod m` for secret `a`, `b` and public `e`, on fixed-width limb
/// vectors with GMP's side-channel silent functions (`mpn_sec_mul`, `mpn_add_n`'s carry chain,
/// `mpn_sec_div_r`): the running time depends on the widths only. The responses of Paillier's
/// plaintext-knowledge proof, `z₂ = y + e·α` and `z₁ = x + e·m mod n`
/// (protocols/paillier.md#plaintext-knowledge-proofs).
public enum SecureArithmetic {
    /// `a + e·b` as an integer, for `a` and `b` given as little-endian 64-bit words (their counts
    /// are public, their values secret).
    /// - Parameters:
    ///   - a: Secret words.
    ///   - e: Public, non-negative, no wider than `b`.
    ///   - b: Secret words.
    /// - Returns: The sum.
    public static func multiplyAdd(words a: [UInt64], _ e: BigInt, words b: [UInt64]) -> BigInt {
        let ke = max(1, (e.bitWidth + 63) / 64)
        precondition(b.count >= ke, "e must be no wider than b")
        let width = max(a.count, b.count + ke) + 1
        var limbs = product(b.map { UInt($0) }, e, ke, into: width)
        var addend = a.map { UInt($0) } + [UInt](repeating: 0, count: width - a.count)
        defer { wipe(&limbs); wipe(&addend) }
        limbs.withUnsafeMutableBufferPointer { r in
            addend.withUnsafeBufferPointer { x in _ = cgmp_add_n(r.baseAddress!, r.baseAddress!, x.baseAddress!, width) }
        }
        return BigInt(littleEndianWords: limbs.map { UInt64($0) })
    }

    /// `(a + e·b) mod m`.
    /// - Parameters:
    ///   - a: Secret, `0 ≤ a < m`.
    ///   - e: Public, non-negative, at most as many words as `m`.
    ///   - b: Secret, `0 ≤ b < m`.
    ///   - m: Public, positive.
    /// - Returns: The residue.
    public static func multiplyAdd(_ a: BigInt, _ e: BigInt, _ b: BigInt, modulo m: BigInt) -> BigInt {
        let km = (m.bitWidth + 63) / 64
        let ke = max(1, (e.bitWidth + 63) / 64)
        precondition(km >= ke, "e must be no wider than m")
        let width = km + ke + 1
        var limbs = product(words(b, km, km), e, ke, into: width)
        var addend = words(a, km, width)
        let modulus = words(m, km, km)
        var scratch = [UInt](repeating: 0, count: Int(cgmp_sec_div_r_itch(width, km)))
        defer { wipe(&limbs); wipe(&addend); wipe(&scratch) }
        limbs.withUnsafeMutableBufferPointer { r in
            addend.withUnsafeBufferPointer { x in _ = cgmp_add_n(r.baseAddress!, r.baseAddress!, x.baseAddress!, width) }
            modulus.withUnsafeBufferPointer { d in
                scratch.withUnsafeMutableBufferPointer { t in cgmp_sec_div_r(r.baseAddress!, width, d.baseAddress!, km, t.baseAddress!) }
            }
        }
        return BigInt(littleEndianWords: limbs.prefix(km).map { UInt64($0) })
    }

    /// `b·e` on `width` limbs (`e` on `ke` limbs, no more than `b`'s), with `mpn_sec_mul`.
    private static func product(_ b: [UInt], _ e: BigInt, _ ke: Int, into width: Int) -> [UInt] {
        var x = b
        let kb = b.count
        let y = words(e, ke, ke)
        var out = [UInt](repeating: 0, count: width)
        var scratch = [UInt](repeating: 0, count: Int(cgmp_sec_mul_itch(kb, ke)))
        defer { wipe(&x); wipe(&scratch) }
        out.withUnsafeMutableBufferPointer { r in
            x.withUnsafeBufferPointer { xb in
                y.withUnsafeBufferPointer { yb in
                    scratch.withUnsafeMutableBufferPointer { t in
                        cgmp_sec_mul(r.baseAddress!, xb.baseAddress!, kb, yb.baseAddress!, ke, t.baseAddress!)
                    }
                }
            }
        }
        return out
    }

    /// `value`'s `count` low limbs, zero-extended to `width`.
    private static func words(_ value: BigInt, _ count: Int, _ width: Int) -> [UInt] {
        precondition(!value.isNegative, "values must be non-negative")
        guard let low = value.littleEndianWords(count: count) else { preconditionFailure("a value is wider than its stated width") }
        return low.map { UInt($0) } + [UInt](repeating: 0, count: width - count)
    }

    private static func wipe(_ limbs: inout [UInt]) { for i in limbs.indices { limbs[i] = 0 } }
}
