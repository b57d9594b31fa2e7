import SecretSharing

/// Secure less-than-zero `[a < 0]` for shared signed `a ∈ [−2^{k−1}, 2^{k−1})`, without bit
/// decomposition of `a`: [CdH10] §3 (`LTZ = −Trunc(a, k, k−1)`, `Mod2m` by one masked opening and
/// a bitwise comparison of public `c mod 2^m` with shared random bits), with `m = k − 1`.
/// Spec: protocols/beaver.md#comparison.
///
/// Layers: one opening of `c = 2^{k−1} + a + 2^m·r'' + r'` (statistically hiding `a` with
/// `κ` bits), then `⌈log2 m⌉` layers of a parallel-prefix OR (Sklansky) that finds the most
/// significant bit where `c mod 2^m` and `r'` differ. Takes `m` random bits and
/// `Σ_s #{j < m : bit s of j is 1}` triples per value (192 for `k = 65`).
public struct LessThanZeroGate: BeaverGate {
    /// What the `Mod2m` core outputs: `LTZ`, exact `Trunc` or `TruncPr` [CdH10] §3.
    enum Mode: Sendable { case lessThanZero, truncation, probabilisticTruncation }
    let values: [UInt128]
    let bitLength: Int
    /// `m`: the number of low bits `Mod2m` takes off (`k − 1` for `LTZ`).
    let m: Int
    let output: Mode
    var bits: [[UInt128]] = []
    var rPrime: [UInt128] = []
    var opened: [UInt128] = []
    /// Prefix ORs from the most significant bit (index `j` is bit `m − 1 − j`).
    var prefix: [[UInt128]] = []
    var level = -1
    var pairs: [(value: Int, j: Int, partner: Int)] = []

    /// `[a_t < 0]` for each shared `a_t`.
    /// - Parameters:
    ///   - values: Shares of signed values in `[−2^{k−1}, 2^{k−1})` (outside that range the
    ///     output is undefined, as in [CdH10]).
    ///   - bitLength: `k`, at most the session's ``BeaverConfiguration/bitLength``.
    /// - Throws: ``MPCProtocolError/invalidConfiguration(_:)`` for `k < 2`.
    public init(values: [UInt128], bitLength: Int = 65) throws {
        try self.init(values: values, bitLength: bitLength, shift: bitLength - 1, output: .lessThanZero)
    }

    /// The `Mod2m` core with `m = shift`, `1 ≤ m ≤ k − 1`.
    init(values: [UInt128], bitLength: Int, shift: Int, output: Mode) throws {
        guard bitLength >= 2 else { throw MPCProtocolError.invalidConfiguration("a comparison needs k ≥ 2") }
        guard shift >= 1, shift <= bitLength - 1 else {
            throw MPCProtocolError.invalidConfiguration("a truncation shift must be in 1…k−1")
        }
        self.values = values
        self.bitLength = bitLength
        self.m = shift
        self.output = output
    }

    /// `[x_t < y_t]`: `LTZ(x_t − y_t)`; `x`, `y` must be `k − 1`-bit signed values so that their
    /// difference is a `k`-bit one (64-bit values and the default `k = 65`).
    /// - Parameters:
    ///   - x: Shares of the left operands.
    ///   - y: Shares of the right operands.
    ///   - bitLength: `k` (default 65).
    /// - Throws: ``MPCProtocolError/inputLengthMismatch(expected:actual:)``, or as ``init(values:bitLength:)``.
    public init(lessThan x: [UInt128], _ y: [UInt128], bitLength: Int = 65) throws {
        guard x.count == y.count else { throw MPCProtocolError.inputLengthMismatch(expected: x.count, actual: y.count) }
        let field = MersenneField127()
        try self.init(values: zip(x, y).map { field.subtract($0, $1) }, bitLength: bitLength)
    }

    /// Triples of the prefix OR over `m` bits.
    static func prefixMultiplications(_ m: Int) -> Int {
        var total = 0
        var s = 0
        while (1 << s) < m {
            total += (0..<m).filter { ($0 >> s) & 1 == 1 }.count
            s += 1
        }
        return total
    }

    /// `m` bits and the prefix OR's triples per value.
    public var preprocessingNeeded: (triples: Int, bits: Int) {
        (output == .probabilisticTruncation ? 0 : values.count * Self.prefixMultiplications(m), values.count * m)
    }

    /// The masked opening of `c`.
    public mutating func start(context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        guard bitLength <= context.configuration.bitLength else {
            throw MPCProtocolError.invalidConfiguration("a comparison's bit length exceeds the session's")
        }
        let field = context.field
        let m = self.m
        let kappa = context.configuration.statisticalSecurity
        let taken = try context.takeBits(values.count * m)
        bits = (0..<values.count).map { Array(taken[($0 * m)..<(($0 + 1) * m)]) }
        var layer = BeaverLayer()
        layer.openings.reserveCapacity(values.count)
        rPrime.reserveCapacity(values.count)
        for (v, a) in values.enumerated() {
            var r: UInt128 = 0
            for i in stride(from: m - 1, through: 0, by: -1) { r = field.add(field.add(r, r), bits[v][i]) }
            rPrime.append(r)
            // Each member's r'' has κ + k − m bits; their sum masks a with κ bits to spare.
            let rDoublePrime = context.randomBits(kappa + bitLength - m)
            var c = field.add(a, context.constant(field.powerOfTwo(bitLength - 1)))
            c = field.add(c, field.multiply(rDoublePrime, field.powerOfTwo(m)))
            layer.openings.append(field.add(c, r))
        }
        return .layer(layer)
    }

    /// After the opening: `d_i = c_i ⊕ r_i`, then prefix-OR layers, then the output.
    public mutating func resume(with result: BeaverLayerResult, context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        let field = context.field
        let m = self.m
        if level < 0, output == .probabilisticTruncation {
            // TruncPr: (a − c' + r')·2^{−m} = ⌊a/2^m⌋ + u, with u = 1 with probability (a mod 2^m)/2^m.
            let lowMask: UInt128 = (1 << UInt128(m)) - 1
            let inverseScale = field.inversePowerOfTwo(m)
            let out = values.indices.map { v in
                let low = context.constant(result.opened[v] & lowMask)
                return field.multiply(field.add(field.subtract(values[v], low), rPrime[v]), inverseScale)
            }
            bits = []
            rPrime = []
            return .done(out)
        }
        if level < 0 {
            opened = result.opened
            prefix = (0..<values.count).map { v in
                (0..<m).map { j in
                    let i = m - 1 - j
                    let ci = (opened[v] >> UInt128(i)) & 1
                    // c_i ⊕ r_i, linear as c_i is public.
                    return ci == 0 ? bits[v][i] : field.subtract(context.constant(1), bits[v][i])
                }
            }
            level = 0
        } else {
            for (t, pair) in pairs.enumerated() {
                let x = prefix[pair.value][pair.j], y = prefix[pair.value][pair.partner]
                prefix[pair.value][pair.j] = field.subtract(field.add(x, y), result.products[t])  // x ∨ y
            }
            level += 1
        }
        if (1 << level) < m {
            var layer = BeaverLayer()
            pairs = []
            for v in values.indices {
                for j in 0..<m where (j >> level) & 1 == 1 {
                    let partner = ((j >> level) << level) - 1
                    pairs.append((v, j, partner))
                    layer.left.append(prefix[v][j])
                    layer.right.append(prefix[v][partner])
                }
            }
            return .layer(layer)
        }
        // u = [c mod 2^m < r'] = Σ_j f_j·(1 − c_{m−1−j}), f_j = P_j − P_{j−1} (one-hot at the
        // first differing bit); a' = c' − r' + 2^m·u; LTZ = (a' − a)·2^{−m}.
        let lowMask: UInt128 = (1 << UInt128(m)) - 1
        let scale = field.powerOfTwo(m), inverseScale = field.inversePowerOfTwo(m)
        var out: [UInt128] = []
        out.reserveCapacity(values.count)
        for v in values.indices {
            var u: UInt128 = 0
            for j in 0..<m where (opened[v] >> UInt128(m - 1 - j)) & 1 == 0 {
                let f = j == 0 ? prefix[v][0] : field.subtract(prefix[v][j], prefix[v][j - 1])
                u = field.add(u, f)
            }
            var aPrime = field.subtract(context.constant(opened[v] & lowMask), rPrime[v])
            aPrime = field.add(aPrime, field.multiply(scale, u))
            // a' = a mod 2^m: LTZ = (a' − a)·2^{−m}; Trunc = (a − a')·2^{−m} = ⌊a/2^m⌋.
            let difference = output == .lessThanZero ? field.subtract(aPrime, values[v]) : field.subtract(values[v], aPrime)
            out.append(field.multiply(difference, inverseScale))
        }
        bits = []
        prefix = []
        rPrime = []
        return .done(out)
    }
}

/// Fixed-point truncation `[⌊a / 2^m⌋]` for shared signed `a ∈ [−2^{k−1}, 2^{k−1})` [CdH10] §3:
/// exact (`Trunc`: the `Mod2m` of ``LessThanZeroGate`` with general `m`, `1 + ⌈log2 m⌉` layers)
/// or probabilistic (`TruncPr`: one masked opening, no triples; the result is `⌊a/2^m⌋ + u` with
/// `u = 1` with probability `(a mod 2^m)/2^m`, i.e. rounded up or down, off by at most 1).
/// Spec: protocols/beaver.md#truncation.
public struct TruncationGate: BeaverGate {
    /// How the result is rounded.
    public enum Rounding: String, Sendable, Hashable {
        /// Towards −∞ (`⌊a/2^m⌋`), exactly.
        case exact
        /// Up or down at random, biased by the dropped bits (cheaper: no triples).
        case probabilistic
    }

    var core: LessThanZeroGate

    /// `[⌊a_t / 2^m⌋]` (or its probabilistic rounding) for each shared `a_t`.
    /// - Parameters:
    ///   - values: Shares of signed values in `[−2^{k−1}, 2^{k−1})`.
    ///   - shift: `m` in `1…k−1`.
    ///   - bitLength: `k`, at most the session's (default 65).
    ///   - rounding: Exact (default) or probabilistic.
    /// - Throws: ``MPCProtocolError/invalidConfiguration(_:)``.
    public init(values: [UInt128], shift: Int, bitLength: Int = 65, rounding: Rounding = .exact) throws {
        core = try LessThanZeroGate(
            values: values, bitLength: bitLength, shift: shift,
            output: rounding == .exact ? .truncation : .probabilisticTruncation)
    }

    /// `m` bits per value, and for exact rounding the prefix OR's triples.
    public var preprocessingNeeded: (triples: Int, bits: Int) { core.preprocessingNeeded }

    /// The masked opening.
    public mutating func start(context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        try core.start(context: &context)
    }

    /// The bitwise comparison's layers (exact), then the quotient.
    public mutating func resume(with result: BeaverLayerResult, context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        try core.resume(with: result, context: &context)
    }
}

/// Secure equality to zero `[a = 0]` for shared signed `a ∈ [−2^{k−1}, 2^{k−1})` [CdH10] §4
/// family: open `c = a + 2^k·(1 + r'') + r'` (statistically hiding), then `a = 0` exactly when
/// `c mod 2^k = r'`, i.e. when every `1 − (c_i ⊕ r_i)` is 1 — their product, by a tree of
/// `⌈log2 k⌉` layers. Takes `k` random bits and `k − 1` triples per value.
/// Spec: protocols/beaver.md#equality.
public struct EqualityZeroGate: BeaverGate {
    let values: [UInt128]
    let bitLength: Int
    var bits: [[UInt128]] = []
    var factors: [[UInt128]] = []
    var opened = false

    /// `[a_t = 0]` for each shared `a_t`.
    /// - Parameters:
    ///   - values: Shares of signed values in `[−2^{k−1}, 2^{k−1})`.
    ///   - bitLength: `k`, at most the session's.
    /// - Throws: ``MPCProtocolError/invalidConfiguration(_:)`` for `k < 2`.
    public init(values: [UInt128], bitLength: Int = 65) throws {
        guard bitLength >= 2 else { throw MPCProtocolError.invalidConfiguration("an equality test needs k ≥ 2") }
        self.values = values
        self.bitLength = bitLength
    }

    /// `[x_t = y_t]`: `EQZ(x_t − y_t)`.
    /// - Parameters:
    ///   - x: Shares of the left operands.
    ///   - y: Shares of the right operands.
    ///   - bitLength: `k` (default 65).
    /// - Throws: ``MPCProtocolError/inputLengthMismatch(expected:actual:)``, or as ``init(values:bitLength:)``.
    public init(equal x: [UInt128], _ y: [UInt128], bitLength: Int = 65) throws {
        guard x.count == y.count else { throw MPCProtocolError.inputLengthMismatch(expected: x.count, actual: y.count) }
        let field = MersenneField127()
        try self.init(values: zip(x, y).map { field.subtract($0, $1) }, bitLength: bitLength)
    }

    /// `k` bits and `k − 1` triples per value.
    public var preprocessingNeeded: (triples: Int, bits: Int) { (values.count * (bitLength - 1), values.count * bitLength) }

    /// The masked opening of `c`.
    public mutating func start(context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        guard bitLength <= context.configuration.bitLength else {
            throw MPCProtocolError.invalidConfiguration("an equality test's bit length exceeds the session's")
        }
        let field = context.field
        let k = bitLength
        let taken = try context.takeBits(values.count * k)
        bits = (0..<values.count).map { Array(taken[($0 * k)..<(($0 + 1) * k)]) }
        var layer = BeaverLayer()
        for (v, a) in values.enumerated() {
            var r: UInt128 = 0
            for i in stride(from: k - 1, through: 0, by: -1) { r = field.add(field.add(r, r), bits[v][i]) }
            let rDoublePrime = context.randomBits(context.configuration.statisticalSecurity)
            var c = field.add(a, context.constant(field.powerOfTwo(k)))
            c = field.add(c, field.multiply(rDoublePrime, field.powerOfTwo(k)))
            layer.openings.append(field.add(c, r))
        }
        return .layer(layer)
    }

    /// After the opening, multiply the factors pairwise until one is left per value.
    public mutating func resume(with result: BeaverLayerResult, context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        let field = context.field
        if !opened {
            opened = true
            factors = values.indices.map { v in
                (0..<bitLength).map { i in
                    let ci = (result.opened[v] >> UInt128(i)) & 1
                    // 1 − (c_i ⊕ r_i): 1 − r_i if c_i = 0, r_i if c_i = 1.
                    return ci == 0 ? field.subtract(context.constant(1), bits[v][i]) : bits[v][i]
                }
            }
            bits = []
        } else {
            var t = 0
            factors = factors.map { row in
                var next: [UInt128] = []
                for _ in 0..<(row.count / 2) {
                    next.append(result.products[t])
                    t += 1
                }
                if row.count % 2 == 1 { next.append(row[row.count - 1]) }
                return next
            }
        }
        guard let width = factors.first?.count, width > 1 else { return .done(factors.map { $0.first ?? 0 }) }
        var layer = BeaverLayer()
        for row in factors {
            for pair in 0..<(row.count / 2) {
                layer.left.append(row[2 * pair])
                layer.right.append(row[2 * pair + 1])
            }
        }
        return .layer(layer)
    }
}

/// The minimum or maximum of shared values by a tournament: each level compares pairs with
/// ``LessThanZeroGate`` and keeps one of each by ``SelectionGate``'s `c·(x − y) + y`, so `N`
/// values take `⌈log2 N⌉` levels of `⌈log2(k−1)⌉ + 2` layers. Opens nothing.
/// Spec: protocols/beaver.md#minimum-and-maximum.
public struct ExtremumGate: BeaverGate {
    /// Which extreme.
    public enum Kind: String, Sendable, Hashable {
        /// The smallest value.
        case minimum
        /// The largest value.
        case maximum
    }

    let kind: Kind
    let bitLength: Int
    let count: Int
    var current: [UInt128]
    var comparison: LessThanZeroGate?
    var selecting = false

    /// The extreme of `values` (this party's shares of signed `k − 1`-bit values).
    /// - Parameters:
    ///   - values: Shares of the values (`≥ 1`).
    ///   - kind: Minimum or maximum.
    ///   - bitLength: `k` of the comparisons (default 65, for 64-bit signed values).
    /// - Throws: ``MPCProtocolError/invalidConfiguration(_:)`` for no values.
    public init(values: [UInt128], kind: Kind, bitLength: Int = 65) throws {
        guard !values.isEmpty else { throw MPCProtocolError.invalidConfiguration("the extreme of no values") }
        guard bitLength >= 2 else { throw MPCProtocolError.invalidConfiguration("a comparison needs k ≥ 2") }
        self.kind = kind
        self.bitLength = bitLength
        self.count = values.count
        self.current = values
    }

    /// The preprocessing for `count` values.
    /// - Parameters:
    ///   - count: `N`.
    ///   - bitLength: `k`.
    /// - Returns: Triples and bits.
    public static func preprocessingNeeded(count: Int, bitLength: Int = 65) -> (triples: Int, bits: Int) {
        var remaining = count, triples = 0, bits = 0
        let perComparison = LessThanZeroGate.prefixMultiplications(bitLength - 1) + 1
        while remaining > 1 {
            let pairs = remaining / 2
            triples += pairs * perComparison
            bits += pairs * (bitLength - 1)
            remaining -= pairs
        }
        return (triples, bits)
    }

    /// Triples and bits for this gate's values.
    public var preprocessingNeeded: (triples: Int, bits: Int) { Self.preprocessingNeeded(count: count, bitLength: bitLength) }

    /// The first level's comparison.
    public mutating func start(context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        try nextLevel(context: &context)
    }

    /// Continues the comparison, or finishes a selection and starts the next level.
    public mutating func resume(with result: BeaverLayerResult, context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        if selecting {
            let field = context.field
            let pairs = current.count / 2
            var next: [UInt128] = []
            for i in 0..<pairs {
                // minimum: c·(x − y) + y; maximum: c·(y − x) + x, with c = [x < y].
                let base = kind == .minimum ? current[2 * i + 1] : current[2 * i]
                next.append(field.add(result.products[i], base))
            }
            if current.count % 2 == 1 { next.append(current[current.count - 1]) }
            current = next
            selecting = false
            return try nextLevel(context: &context)
        }
        var gate = comparison!
        let step = try gate.resume(with: result, context: &context)
        comparison = gate
        return select(after: step, context: context)
    }

    private mutating func nextLevel(context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        guard current.count > 1 else { return .done(current) }
        let pairs = current.count / 2
        var gate = try LessThanZeroGate(
            lessThan: (0..<pairs).map { current[2 * $0] }, (0..<pairs).map { current[2 * $0 + 1] }, bitLength: bitLength)
        let step = try gate.start(context: &context)
        comparison = gate
        return select(after: step, context: context)
    }

    private mutating func select(after step: BeaverStep<[UInt128]>, context: BeaverContext) -> BeaverStep<[UInt128]> {
        guard case let .done(lessThan) = step else { return step }
        let field = context.field
        comparison = nil
        selecting = true
        var layer = BeaverLayer()
        layer.left = lessThan
        layer.right = (0..<lessThan.count).map { i in
            let x = current[2 * i], y = current[2 * i + 1]
            return kind == .minimum ? field.subtract(x, y) : field.subtract(y, x)
        }
        return .layer(layer)
    }
}
