import MultiPrecision

/// Fixed-base exponentiation with a precomputed table (the BGMW windowed method):
/// `entries[i][d] = base^(d · 2^(w·i)) mod m`, so `base^α = ∏_i entries[i][α_i]` for the
/// base-`2^w` digits `α_i` of α: `⌈bits/w⌉` modular multiplications and no squarings.
/// Spec: protocols/paillier.md#fixed-base-encryption.
///
/// - Warning: the running time depends on how many digits of α are zero. α is a one-time
///   encryption nonce; its digits' zero-count leaks a negligible amount about it, as in
///   every published fixed-base Paillier implementation.
final class FixedBaseTable: Sendable {
    /// Window width in bits.
    let window: Int
    /// Number of base-`2^w` digits covered.
    let digitCount: Int
    /// `entries[i * 2^w + d] = base^(d · 2^(w·i)) mod modulus`.
    let entries: [BigInt]
    let modulus: BigInt

    init(base: BigInt, modulus: BigInt, exponentBits: Int, window: Int = 8) {
        precondition((1...12).contains(window), "window must be 1...12 bits")
        self.window = window
        self.modulus = modulus
        digitCount = (exponentBits + window - 1) / window
        let width = 1 << window
        var entries: [BigInt] = []
        entries.reserveCapacity(digitCount * width)
        var power = base.modulo(modulus)  // base^(2^(w·i))
        for _ in 0..<digitCount {
            var running = BigInt(1)
            entries.append(running)
            for _ in 1..<width {
                running.multiply(by: power, modulo: modulus)
                entries.append(running)
            }
            power = running
            power.multiply(by: entries[entries.count - width + 1], modulo: modulus)
        }
        self.entries = entries
    }

    /// `base^α mod modulus` for α given as little-endian 64-bit words of at most
    /// `digitCount · window` bits.
    func power(exponentWords words: [UInt64]) -> BigInt {
        let width = 1 << window
        let mask = UInt64(width - 1)
        var accumulator = BigInt(reservingBits: 2 * modulus.bitWidth + 64)
        var started = false
        var pending: BigInt? = nil
        for i in 0..<digitCount {
            let bit = i * window
            let word = bit / 64, offset = bit % 64
            guard word < words.count else { break }
            var digit = words[word] >> UInt64(offset)
            if offset + window > 64, word + 1 < words.count {
                digit |= words[word + 1] << UInt64(64 - offset)
            }
            digit &= mask
            guard digit != 0 else { continue }
            let entry = entries[i * width + Int(digit)]
            if started {
                accumulator.multiply(by: entry, modulo: modulus)
            } else if let first = pending {
                accumulator.formModularProduct(first, entry, modulus: modulus)
                started = true
            } else {
                pending = entry
            }
        }
        if !started { return pending ?? BigInt(1) }
        return accumulator
    }
}
