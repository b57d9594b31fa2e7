import CGMP

// Random integers and primes. Randomness always comes from the caller's generator; the
// default, `SystemRandomNumberGenerator`, reads the kernel CSPRNG (getrandom(2) on Linux).
// GMP's own generators are never used for anything secret.
// Spec: protocols/primitives.md#big-integers.

extension BigInt {
    /// A uniformly random integer in `[0, 2^bits)`.
    public static func random(bits: Int, using rng: inout some RandomNumberGenerator) -> BigInt {
        precondition(bits >= 0, "bit count must be non-negative")
        guard bits > 0 else { return BigInt() }
        let wordCount = (bits + 63) / 64
        var words = [UInt64](repeating: 0, count: wordCount)
        for i in 0..<wordCount { words[i] = rng.next() }
        let excess = wordCount * 64 - bits
        if excess > 0 { words[wordCount - 1] &= UInt64.max >> UInt64(excess) }
        let value = BigInt(littleEndianWords: words)
        for i in 0..<wordCount { words[i] = 0 }  // wipe the secret words
        return value
    }

    /// A uniformly random integer in `[0, 2^bits)` from the system CSPRNG.
    public static func random(bits: Int) -> BigInt {
        var rng = SystemRandomNumberGenerator()
        return random(bits: bits, using: &rng)
    }

    /// A uniformly random integer in `[0, bound)`, by rejection sampling (no modulo bias).
    /// - Precondition: `bound > 0`.
    public static func random(below bound: BigInt, using rng: inout some RandomNumberGenerator) -> BigInt {
        precondition(bound.signum > 0, "bound must be positive")
        let bits = bound.bitWidth
        while true {
            let candidate = random(bits: bits, using: &rng)
            if candidate < bound { return candidate }
        }
    }

    /// A uniformly random integer in `[0, bound)` from the system CSPRNG.
    public static func random(below bound: BigInt) -> BigInt {
        var rng = SystemRandomNumberGenerator()
        return random(below: bound, using: &rng)
    }

    /// A uniformly random unit of `Z_m^*` (a value in `[1, m)` coprime to `m`).
    public static func randomUnit(modulo m: BigInt, using rng: inout some RandomNumberGenerator) -> BigInt {
        precondition(m > 1, "modulus must exceed 1")
        while true {
            let candidate = random(below: m, using: &rng)
            if !candidate.isZero && gcd(candidate, m) == 1 { return candidate }
        }
    }
}

// MARK: - Primes

/// Odd primes below 2^14, for sieving candidates before the probabilistic tests.
let smallOddPrimes: [UInt] = {
    let limit = 1 << 14
    var composite = [Bool](repeating: false, count: limit)
    var primes: [UInt] = []
    for i in 2..<limit where !composite[i] {
        if i > 2 { primes.append(UInt(i)) }
        var j = i * i
        while j < limit {
            composite[j] = true
            j += i
        }
    }
    return primes
}()

extension BigInt {
    /// A random probable prime of exactly `bits` bits whose two top bits are set (so that
    /// the product of two such primes has exactly `2·bits` bits).
    ///
    /// Candidates are sieved incrementally by the odd primes below 2^14, then tested with
    /// Baillie–PSW plus Miller–Rabin (``isProbablePrime(rounds:)``).
    public static func randomPrime(bits: Int, using rng: inout some RandomNumberGenerator) -> BigInt {
        precondition(bits >= 16, "prime size must be at least 16 bits")
        while true {
            if let p = searchPrime(bits: bits, using: &rng, safe: false) { return p }
        }
    }

    /// A random safe prime `p = 2q + 1` (`q` prime) of exactly `bits` bits, top two bits set.
    ///
    /// Sieves `q` and `2q + 1` together, runs a base-2 Fermat test on both, and only then the
    /// full tests.
    public static func randomSafePrime(bits: Int, using rng: inout some RandomNumberGenerator) -> BigInt {
        precondition(bits >= 16, "prime size must be at least 16 bits")
        while true {
            if let p = searchPrime(bits: bits, using: &rng, safe: true) { return p }
        }
    }

    /// One sieve window starting at a random odd candidate; nil if the window held no
    /// (safe) prime, in which case the caller draws a fresh start.
    private static func searchPrime(
        bits: Int, using rng: inout some RandomNumberGenerator, safe: Bool
    ) -> BigInt? {
        // For a safe prime we search q with bits − 1 bits and top two bits set, then p = 2q + 1.
        let searchBits = safe ? bits - 1 : bits
        var start = random(bits: searchBits, using: &rng)
        start = start.lowBits(searchBits - 2) + (BigInt(3) << (searchBits - 2))
        if !start.isOdd { start += 1 }
        let residues = smallOddPrimes.map { start.remainder(dividingBy: $0) }
        let two = BigInt(2)
        let window: UInt = 1 << 18
        var delta: UInt = 0
        while delta < window {
            var survives = true
            for (i, r) in smallOddPrimes.enumerated() {
                let residue = (residues[i] + delta) % r
                if residue == 0 { survives = false; break }
                // p = 2q + 1 ≡ 0 (mod r)  ⇔  q ≡ (r − 1)/2 (mod r).
                if safe && residue == (r - 1) / 2 { survives = false; break }
            }
            if survives {
                let q = start + BigInt(UInt64(delta))
                if q.bitWidth != searchBits { return nil }
                if !safe {
                    if q.isProbablePrime() { return q }
                } else {
                    let p = (q << 1) + 1
                    // Cheap base-2 Fermat filters on both before the full tests.
                    if two.modPow(q - 1, modulus: q) == 1, two.modPow(p - 1, modulus: p) == 1,
                       q.isProbablePrime(), p.isProbablePrime() {
                        return p
                    }
                }
            }
            delta += 2
        }
        return nil
    }
}
