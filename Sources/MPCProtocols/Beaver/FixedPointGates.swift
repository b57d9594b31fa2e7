import SecretSharing

/// The fixed-point format of real wires under protocol `beaver` (protocols/beaver.md#real-wires):
/// a real `x` is the shared integer `X = x·2^F`, `F = 32`, with `|X| < 2^L`.
public enum FixedPoint {
    /// `F`: fraction bits of a real wire.
    public static let fractionBits = 32
    /// `P`: bits of the mantissas inside division, products of reals and square roots.
    public static let mantissaBits = 32
    /// `L`: real wires and the operands of `div`, `sqrt` and real products are below `2^L` in
    /// absolute value; `L = (k − 3)` rounded down to even (80 for `k = 83`).
    /// - Parameter bitLength: The session's `k`.
    /// - Returns: `L`.
    public static func rangeBits(_ bitLength: Int) -> Int { (bitLength - 3) & ~1 }
    /// The smallest session `k` for real wires: mantissa products of `2P + 8` bits are truncated.
    public static let minimumBitLength = 2 * mantissaBits + 9
    /// `2^F` as a field element.
    static var one: UInt128 { 1 << UInt128(fractionBits) }
    /// `round(c·2^F)` as a field element.
    static func encode(_ c: Double) -> UInt128 {
        MersenneField127().element(signedWide: Int128((c * Double(one)).rounded()))
    }
    /// The real a shared `X` opens to.
    static func decode(_ x: Int128) -> Double { Double(x) / Double(one) }
}

/// What one stage of a staged fixed-point gate runs: a vector gate over shares.
enum FixedPointStage: Sendable {
    case multiply(left: [UInt128], right: [UInt128])
    case lessThanZero(values: [UInt128], bitLength: Int)
    case truncate(values: [UInt128], shift: Int, bitLength: Int)
    case open([UInt128])
    case mostSignificantBit(values: [UInt128], bits: Int)

    func gate() throws -> any BeaverGate<[UInt128]> {
        switch self {
        case let .open(values): return OpeningGate(values: values)
        case let .mostSignificantBit(values, bits): return MostSignificantBitGate(values: values, bits: bits)
        case let .multiply(left, right): return try MultiplicationGate(left: left, right: right)
        case let .lessThanZero(values, k): return try LessThanZeroGate(values: values, bitLength: k)
        case let .truncate(values, shift, k):
            return try TruncationGate(values: values, shift: shift, bitLength: k, rounding: .probabilistic)
        }
    }

    /// The preprocessing of a stage over `count` values.
    static func needs(multiply count: Int) -> (Int, Int) { (count, 0) }
    static func needs(lessThanZero count: Int, bitLength k: Int) -> (Int, Int) {
        (count * LessThanZeroGate.prefixMultiplications(k - 1), count * (k - 1))
    }
    static func needs(truncate count: Int, shift: Int) -> (Int, Int) { (0, count * shift) }
    static func needs(mostSignificantBit count: Int, bits L: Int) -> (Int, Int) {
        (count * (3 * LessThanZeroGate.prefixMultiplications(L) + L), count * L)
    }
}

/// The steps shared by the fixed-point gates: each gate is a sequence of vector stages, the
/// next built from the previous one's output.
protocol StagedGate: BeaverGate where Output == [UInt128] {
    var current: (any BeaverGate<[UInt128]>)? { get set }
    /// The next stage from the previous stage's output (nil at the start), or the result.
    mutating func next(_ previous: [UInt128]?, context: inout BeaverContext) throws -> Either
}

enum Either: Sendable {
    case stage(FixedPointStage)
    case result([UInt128])
}

extension StagedGate {
    mutating func start(context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        try advance(nil, context: &context)
    }

    mutating func resume(with result: BeaverLayerResult, context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        var gate = current!
        let step = try gate.resume(with: result, context: &context)
        current = gate
        return try handle(step, context: &context)
    }

    private mutating func handle(_ step: BeaverStep<[UInt128]>, context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        switch step {
        case let .layer(layer): return .layer(layer)
        case let .done(output): return try advance(output, context: &context)
        }
    }

    private mutating func advance(_ output: [UInt128]?, context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        switch try next(output, context: &context) {
        case let .result(values):
            current = nil
            return .done(values)
        case let .stage(stage):
            var gate = try stage.gate()
            let step = try gate.start(context: &context)
            current = gate
            return try handle(step, context: &context)
        }
    }
}

/// `Σ_i h_i·w_i` for public weights.
func weighted(_ h: [UInt128], _ weight: (Int) -> UInt128) -> UInt128 {
    let field = MersenneField127()
    var total: UInt128 = 0
    for i in h.indices { total = field.add(total, field.multiply(h[i], weight(i))) }
    return total
}

/// Fixed-point division `a/b` or product `a·b` of shared signed integers whose scales are
/// `2^{−s_a}`, `2^{−s_b}` (0 for an integer wire, `F` for a real one), giving the real result as
/// `X = result·2^F` (protocols/beaver.md#real-wires): the signs are taken off, both magnitudes are
/// normalised by their most significant bit (`L` comparisons each, in parallel), cut to
/// `P`-bit mantissas, divided (Newton's reciprocal, four iterations) or multiplied, and the
/// mantissa is shifted by the secret exponent — left by a secret power of two, or right by a
/// probabilistic truncation of `D` bits after a secret left shift — chosen by two small
/// comparisons of the exponent. `b = 0` gives 0 (as `Circuit.evaluate`). Nothing is opened but
/// masked values.
struct ScaledArithmeticGate: StagedGate {
    enum Kind: Sendable { case divide, multiply }
    let kind: Kind
    let a: [UInt128]
    let b: [UInt128]
    /// Per value, `c` with `X = m·pw·2^c` (see `shiftConstant`).
    let exponents: [Int]
    let k: Int
    var current: (any BeaverGate<[UInt128]>)?
    var stage = 0
    var sign: [UInt128] = []
    var magnitudes: [UInt128] = []
    var hA: [[UInt128]] = [], hB: [[UInt128]] = []
    var power: [UInt128] = []
    var aP: [UInt128] = [], bP: [UInt128] = []
    var y: [UInt128] = []
    var iteration = 0
    var m: [UInt128] = []
    var gates: (left: [UInt128], window: [UInt128]) = ([], [])
    var result: [UInt128] = []

    var count: Int { a.count }
    var L: Int { FixedPoint.rangeBits(k) }
    static let P = FixedPoint.mantissaBits
    static let iterations = 4
    /// `D`: the widest right shift (`P + 2 + D ≤ k − 1`).
    var D: Int { k - 3 - Self.P }
    /// Comparisons of the small exponent `d` (`|d| < 2^9`).
    static let exponentBits = 11
    /// Truncations of mantissa products (`< 2^{2P+6}` even when `b = 0` makes Newton's `y` grow).
    static let productBits = 2 * P + 8

    /// - Parameters:
    ///   - kind: Division or product.
    ///   - a: Shares of the left operands (`|a| < 2^L`).
    ///   - b: Shares of the right operands.
    ///   - scales: Per value, `(s_a, s_b)`.
    ///   - bitLength: The session's `k`.
    init(_ kind: Kind, a: [UInt128], b: [UInt128], scales: [(Int, Int)], bitLength: Int) {
        self.kind = kind
        self.a = a
        self.b = b
        self.k = bitLength
        let F = FixedPoint.fractionBits, P = Self.P, L = FixedPoint.rangeBits(bitLength)
        self.exponents = scales.map { sa, sb in
            // divide: X = m·2^{ea − eb + F + s_b − s_a − P}, pw = 2^{ea − eb + L − 1};
            // multiply: X = m·2^{ea + eb + F − s_a − s_b − P + 2}, pw = 2^{ea + eb}.
            kind == .divide ? F + sb - sa - P - (L - 1) : F - sa - sb - P + 2
        }
    }

    static func needs(count t: Int, kind: Kind, bitLength k: Int) -> (triples: Int, bits: Int) {
        let L = FixedPoint.rangeBits(k)
        var parts: [(Int, Int)] = [
            FixedPointStage.needs(lessThanZero: 2 * t, bitLength: L + 1),  // signs
            FixedPointStage.needs(multiply: 3 * t),  // magnitudes, sign product
            FixedPointStage.needs(mostSignificantBit: 2 * t, bits: L),  // normalisation
            FixedPointStage.needs(multiply: 3 * t),  // a_n, b_n, power
            FixedPointStage.needs(truncate: 2 * t, shift: L - P),
        ]
        if kind == .divide {
            for _ in 0..<iterations {
                parts += [FixedPointStage.needs(multiply: t), FixedPointStage.needs(truncate: t, shift: P)]
                parts += [FixedPointStage.needs(multiply: t), FixedPointStage.needs(truncate: t, shift: P)]
            }
        }
        parts += [
            FixedPointStage.needs(multiply: t), FixedPointStage.needs(truncate: t, shift: P),  // mantissa
            FixedPointStage.needs(lessThanZero: 2 * t, bitLength: exponentBits),
            FixedPointStage.needs(multiply: 2 * t),  // gated powers
            FixedPointStage.needs(multiply: 2 * t),  // shifted mantissas
            FixedPointStage.needs(truncate: t, shift: k - 3 - P),
            FixedPointStage.needs(multiply: t),  // sign
        ]
        return parts.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
    }

    var preprocessingNeeded: (triples: Int, bits: Int) { Self.needs(count: count, kind: kind, bitLength: k) }

    mutating func next(_ previous: [UInt128]?, context: inout BeaverContext) throws -> Either {
        let field = context.field
        let t = count, L = self.L, P = Self.P
        let one = context.constant(1)
        defer { stage += 1 }
        switch stage {
        case 0:
            return .stage(.lessThanZero(values: a + b, bitLength: L + 1))
        case 1:
            let s = previous!
            // |x| = x·(1 − 2s); sign of the result s_a ⊕ s_b = s_a + s_b − 2·s_a·s_b.
            sign = Array(s[0..<t]) + Array(s[t..<(2 * t)])
            let flips = s.map { field.subtract(one, field.add($0, $0)) }
            return .stage(.multiply(left: a + b + Array(s[0..<t]), right: flips + Array(s[t..<(2 * t)])))
        case 2:
            let out = previous!
            magnitudes = Array(out[0..<(2 * t)])
            sign = (0..<t).map { i in
                let both = out[2 * t + i]
                return field.subtract(field.add(sign[i], sign[t + i]), field.add(both, both))
            }
            return .stage(.mostSignificantBit(values: magnitudes, bits: L))
        case 3:
            let flat = previous!
            let h = (0..<(2 * t)).map { Array(flat[($0 * L)..<(($0 + 1) * L)]) }
            hA = Array(h[0..<t])
            hB = Array(h[t..<(2 * t)])
            let f = field
            let vA = hA.map { weighted($0) { f.powerOfTwo(L - 1 - $0) } }
            let vB = hB.map { weighted($0) { f.powerOfTwo(L - 1 - $0) } }
            let uA = hA.map { weighted($0) { f.powerOfTwo($0) } }
            let uB = hB.map { weighted($0) { f.powerOfTwo($0) } }
            let right = kind == .divide ? vB : uB
            return .stage(.multiply(left: Array(magnitudes[0..<t]) + Array(magnitudes[t..<(2 * t)]) + uA, right: vA + vB + right))
        case 4:
            let out = previous!
            power = Array(out[(2 * t)...])
            return .stage(.truncate(values: Array(out[0..<(2 * t)]), shift: L - P, bitLength: L + 1))
        case 5:
            let out = previous!
            aP = Array(out[0..<t])
            bP = Array(out[t..<(2 * t)])
            guard kind == .divide else {
                stage = 21  // straight to the mantissa's truncation
                return .stage(.multiply(left: aP, right: bP))
            }
            // y0 = 2.9142 − 2x on [1/2, 1), then y ← y·(2 − x·y).
            let initial = FixedPointConstants.reciprocalStart(P)
            y = bP.map { field.subtract(context.constant(initial), field.add($0, $0)) }
            iteration = 0
            return .stage(.multiply(left: bP, right: y))
        case 6, 10, 14, 18:
            return .stage(.truncate(values: previous!, shift: P, bitLength: Self.productBits))
        case 7, 11, 15, 19:
            let two = context.constant(field.powerOfTwo(P + 1))
            return .stage(.multiply(left: y, right: previous!.map { field.subtract(two, $0) }))
        case 8, 12, 16, 20:
            return .stage(.truncate(values: previous!, shift: P, bitLength: Self.productBits))
        case 9, 13, 17:
            y = previous!
            return .stage(.multiply(left: bP, right: y))
        case 21:
            y = previous!
            return .stage(.multiply(left: aP, right: y))
        case 22:
            // The mantissa (a product reaches here from stage 5 with a_P·b_P).
            return .stage(.truncate(values: previous!, shift: P, bitLength: Self.productBits))
        case 23:
            m = previous!
            // d = log2(pw) + c: ≥ 0 shifts left; in [−D, 0) shifts right; below −D the result is 0.
            let f = field
            var values: [UInt128] = []
            for i in 0..<t {
                let ea = weighted(hA[i]) { f.element(signedWide: Int128($0)) }
                let eb = weighted(hB[i]) { f.element(signedWide: Int128($0)) }
                let base = kind == .divide ? f.subtract(ea, eb) : f.add(ea, eb)
                let offset = kind == .divide ? exponents[i] + L - 1 : exponents[i]
                let d = f.add(base, context.constant(f.element(signedWide: Int128(offset))))
                values.append(d)  // LTZ(d): d < 0
                values.append(f.add(d, context.constant(f.element(signedWide: Int128(D)))))  // LTZ(d + D)
            }
            return .stage(.lessThanZero(values: values, bitLength: Self.exponentBits))
        case 24:
            let out = previous!
            var left: [UInt128] = [], right: [UInt128] = []
            for i in 0..<t {
                let negative = out[2 * i], below = out[2 * i + 1]
                gates.left.append(field.subtract(one, negative))  // d ≥ 0
                gates.window.append(field.subtract(negative, below))  // −D ≤ d < 0
                left += [power[i], power[i]]
                right += [gates.left[i], gates.window[i]]
            }
            return .stage(.multiply(left: left, right: right))
        case 25:
            let out = previous!
            var left: [UInt128] = [], right: [UInt128] = []
            for i in 0..<t {
                // left: m·pw·2^c (exact when d ≥ 0); right: m·pw·2^{c + D} (exact when d ≥ −D).
                left += [m[i], m[i]]
                right += [
                    field.multiply(out[2 * i], Self.power(exponents[i])),
                    field.multiply(out[2 * i + 1], Self.power(exponents[i] + D)),
                ]
            }
            return .stage(.multiply(left: left, right: right))
        case 26:
            let out = previous!
            result = (0..<t).map { out[2 * $0] }
            return .stage(.truncate(values: (0..<t).map { out[2 * $0 + 1] }, shift: D, bitLength: k - 1))
        case 27:
            let shifted = zip(result, previous!).map { field.add($0, $1) }
            result = shifted
            return .stage(.multiply(left: shifted, right: sign.map { field.subtract(one, field.add($0, $0)) }))
        default:
            return .result(previous!)
        }
    }

    /// `2^e` as a field element (an inverse for `e < 0`).
    static func power(_ e: Int) -> UInt128 {
        let field = MersenneField127()
        return e >= 0 ? field.powerOfTwo(e) : field.inversePowerOfTwo(-e)
    }
}

enum FixedPointConstants {
    /// `round(2.9142·2^P)`: the start of Newton's reciprocal on `[1/2, 1)` (relative error ≤ 0.09).
    static func reciprocalStart(_ P: Int) -> UInt128 { UInt128((2.9142 * Double(UInt64(1) << UInt64(P))).rounded()) }
}

/// Fixed-point square root of a shared signed value `X` with scale `2^{−s}` (0 for an integer
/// wire, `F` for a real one), giving `√(X/2^s)·2^F`, and 0 for `X ≤ 0` (as `Circuit.evaluate`)
/// (protocols/beaver.md#real-wires): `X` is normalised by an even power of two (`L`
/// comparisons in parallel) into `[2^{L−2}, 2^L)`, cut to a `P`-bit `z`, Newton's inverse square
/// root `y ← y·(3 − z·y²)/2` from `y₀ = 2 − z` (four iterations), `√z = z·y`, and the
/// result is scaled back by half the normalising exponent.
struct SquareRootGate: StagedGate {
    let x: [UInt128]
    let scales: [Int]
    let k: Int
    var current: (any BeaverGate<[UInt128]>)?
    var stage = -2
    var clamped: [UInt128] = []
    var w: [UInt128] = []
    var z: [UInt128] = []
    var y: [UInt128] = []

    var count: Int { x.count }
    var L: Int { FixedPoint.rangeBits(k) }
    static let P = FixedPoint.mantissaBits
    static let iterations = 4
    static let productBits = 2 * P + 8
    /// `J`: the largest half-exponent of the normalisation.
    var J: Int { (L - 2) / 2 }

    init(x: [UInt128], scales: [Int], bitLength: Int) {
        self.x = x
        self.scales = scales
        self.k = bitLength
    }

    /// The final right shift `J − g` of a value (0: a left shift or none).
    func shift(_ scale: Int) -> Int { J - (L / 2 - Self.P + FixedPoint.fractionBits - scale / 2) }

    static func needs(scales: [Int], bitLength k: Int) -> (triples: Int, bits: Int) {
        let t = scales.count, L = FixedPoint.rangeBits(k)
        var parts: [(Int, Int)] = [
            FixedPointStage.needs(lessThanZero: t, bitLength: L + 1), FixedPointStage.needs(multiply: t),
            FixedPointStage.needs(mostSignificantBit: t, bits: L), FixedPointStage.needs(multiply: t),
            FixedPointStage.needs(truncate: t, shift: L - P),
        ]
        for _ in 0..<iterations {
            parts += [FixedPointStage.needs(multiply: t), FixedPointStage.needs(truncate: t, shift: P)]
            parts += [FixedPointStage.needs(multiply: t), FixedPointStage.needs(truncate: t, shift: P)]
            parts += [FixedPointStage.needs(multiply: t), FixedPointStage.needs(truncate: t, shift: P + 1)]
        }
        parts += [FixedPointStage.needs(multiply: t), FixedPointStage.needs(truncate: t, shift: P), FixedPointStage.needs(multiply: t)]
        let probe = SquareRootGate(x: [], scales: [], bitLength: k)
        let shifts = scales.map { probe.shift($0) }
        if let largest = shifts.max(), largest > 0 {
            parts.append(FixedPointStage.needs(truncate: shifts.filter { $0 == largest }.count, shift: largest))
        }
        return parts.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
    }

    var preprocessingNeeded: (triples: Int, bits: Int) { Self.needs(scales: scales, bitLength: k) }

    mutating func next(_ previous: [UInt128]?, context: inout BeaverContext) throws -> Either {
        let field = context.field
        let t = count, L = self.L, P = Self.P, J = self.J
        defer { stage += 1 }
        let last = 3 + 6 * Self.iterations
        switch stage {
        case -2:
            // X ≤ 0 has no square root here: X·(1 − [X < 0]) is 0 for a negative X.
            return .stage(.lessThanZero(values: x, bitLength: L + 1))
        case -1:
            let negative = previous!
            return .stage(.multiply(left: x, right: negative.map { field.subtract(context.constant(1), $0) }))
        case 0:
            clamped = previous!
            return .stage(.mostSignificantBit(values: clamped, bits: L))
        case 1:
            let flat = previous!
            let h = (0..<t).map { Array(flat[($0 * L)..<(($0 + 1) * L)]) }
            // Even shifts s_i = 2⌊(L−1−i)/2⌋ bring X into [2^{L−2}, 2^L); w = 2^{J − s_i/2}.
            let v = h.map { weighted($0) { field.powerOfTwo(2 * ((L - 1 - $0) / 2)) } }
            w = h.map { weighted($0) { field.powerOfTwo(J - (L - 1 - $0) / 2) } }
            return .stage(.multiply(left: clamped, right: v))
        case 2:
            return .stage(.truncate(values: previous!, shift: L - P, bitLength: L + 1))
        case 3:
            z = previous!
            y = z.map { field.subtract(context.constant(field.powerOfTwo(P + 1)), $0) }
            return .stage(.multiply(left: y, right: y))
        case let s where s < last:
            switch (s - 4) % 6 {
            case 0, 2: return .stage(.truncate(values: previous!, shift: P, bitLength: Self.productBits))
            case 1: return .stage(.multiply(left: z, right: previous!))
            case 3:
                let three = context.constant(field.multiply(3, field.powerOfTwo(P)))
                return .stage(.multiply(left: y, right: previous!.map { field.subtract(three, $0) }))
            case 4: return .stage(.truncate(values: previous!, shift: P + 1, bitLength: Self.productBits))
            default:
                y = previous!
                return .stage(.multiply(left: y, right: y))
            }
        case last:
            y = previous!
            return .stage(.multiply(left: z, right: y))
        case last + 1:
            return .stage(.truncate(values: previous!, shift: P, bitLength: Self.productBits))
        case last + 2:
            return .stage(.multiply(left: previous!, right: w))
        case last + 3:
            // s·w·2^{g − J}: a left shift (exact), or one public right shift (a real wire's scale).
            let shifts = scales.map(shift)
            y = zip(previous!, shifts).map { $1 <= 0 ? field.multiply($0, field.powerOfTwo(-$1)) : $0 }
            guard let largest = shifts.max(), largest > 0 else { return .result(y) }
            let shifted = shifts.indices.filter { shifts[$0] == largest }.map { y[$0] }
            return .stage(.truncate(values: shifted, shift: largest, bitLength: P + J + 3))
        default:
            let shifts = scales.map(shift)
            var truncated = previous![...]
            let largest = shifts.max() ?? 0
            return .result(shifts.indices.map { shifts[$0] == largest && largest > 0 ? truncated.removeFirst() : y[$0] })
        }
    }
}

/// Opens shares to every member (one layer): the masked value `c` of a bit decomposition.
struct OpeningGate: BeaverGate {
    let values: [UInt128]
    var preprocessingNeeded: (triples: Int, bits: Int) { (0, 0) }

    mutating func start(context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        var layer = BeaverLayer()
        layer.openings = values
        return .layer(layer)
    }

    mutating func resume(with result: BeaverLayerResult, context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        .done(result.opened)
    }
}

/// The one-hot of the most significant bit of each shared `x ∈ [0, 2^L)` (all zero for
/// `x = 0`), `L` shares per value, by a bit decomposition [CdH10] family: with `L` random bits
/// `r_i` and each member's `r''_j ∈ [0, 2^κ)`, open `c = x + Σ 2^i r_i + 2^L·Σ r''_j`
/// (statistically hiding); the bits of `x = (c mod 2^L) − r' mod 2^L` by a subtraction whose
/// borrows come from a parallel prefix over (generate, propagate) pairs, `g_i = ¬c_i ∧ r_i`,
/// `p_i = ¬(c_i ⊕ r_i)` (exclusive, so `g ∨ p·g' = g + p·g'`); then a prefix OR from the top bit
/// and its differences. `3·(prefix products of L) + L` triples and `L` bits per value;
/// `1 + 2⌈log2 L⌉ + 1` layers.
struct MostSignificantBitGate: StagedGate {
    let values: [UInt128]
    let L: Int
    var current: (any BeaverGate<[UInt128]>)?
    var stage = 0
    var bits: [[UInt128]] = []
    var opened: [UInt128] = []
    /// Per value, the (generate, propagate) prefixes, index `i` for bits `0…i`.
    var g: [[UInt128]] = [], p: [[UInt128]] = []
    /// Per value, the prefix ORs from the top, index `j` for bits `L−1…L−1−j`.
    var or: [[UInt128]] = []
    var level = 0
    var pairs: [(value: Int, j: Int, partner: Int)] = []

    init(values: [UInt128], bits: Int) {
        self.values = values
        self.L = bits
    }

    var preprocessingNeeded: (triples: Int, bits: Int) {
        let needs = FixedPointStage.needs(mostSignificantBit: values.count, bits: L)
        return (needs.0, needs.1)
    }

    /// Sklansky pairs at `level` over `L` positions: `j` with bit `level` set takes the end of the block below.
    func sklansky(level: Int) -> [(value: Int, j: Int, partner: Int)] {
        var out: [(Int, Int, Int)] = []
        for v in values.indices { for j in 0..<L where (j >> level) & 1 == 1 { out.append((v, j, ((j >> level) << level) - 1)) } }
        return out
    }

    mutating func next(_ previous: [UInt128]?, context: inout BeaverContext) throws -> Either {
        let field = context.field
        let one = context.constant(1)
        let levels = BeaverConfiguration.ceilLog2(L)
        switch stage {
        case 0:
            stage = 1
            let taken = try context.takeBits(values.count * L)
            bits = values.indices.map { Array(taken[($0 * L)..<(($0 + 1) * L)]) }
            var masked: [UInt128] = []
            for (v, x) in values.enumerated() {
                var r: UInt128 = 0
                for i in stride(from: L - 1, through: 0, by: -1) { r = field.add(field.add(r, r), bits[v][i]) }
                let high = field.multiply(context.randomBits(context.configuration.statisticalSecurity), field.powerOfTwo(L))
                masked.append(field.add(field.add(x, r), high))
            }
            return .stage(.open(masked))
        case 1:
            stage = 2
            opened = previous!
            for v in values.indices {
                var gv: [UInt128] = [], pv: [UInt128] = []
                for i in 0..<L {
                    let ci = (opened[v] >> UInt128(i)) & 1
                    gv.append(ci == 0 ? bits[v][i] : 0)
                    // ¬(c_i ⊕ r_i): r_i if c_i = 1, 1 − r_i if c_i = 0.
                    pv.append(ci == 1 ? bits[v][i] : field.subtract(one, bits[v][i]))
                }
                g.append(gv)
                p.append(pv)
            }
            level = 0
            return borrowLayer()
        case 2:
            // (G_j, P_j) ← (G_j + P_j·G_partner, P_j·P_partner)
            let out = previous!
            for (n, pair) in pairs.enumerated() {
                g[pair.value][pair.j] = field.add(g[pair.value][pair.j], out[2 * n])
                p[pair.value][pair.j] = out[2 * n + 1]
            }
            level += 1
            if level < levels { return borrowLayer() }
            stage = 3
            // b_i = G_{i−1} (b_0 = 0); t_i = r_i ⊕ b_i.
            var left: [UInt128] = [], right: [UInt128] = []
            for v in values.indices {
                for i in 1..<L {
                    left.append(bits[v][i])
                    right.append(g[v][i - 1])
                }
            }
            return .stage(.multiply(left: left, right: right))
        case 3:
            stage = 4
            let products = previous!
            var n = 0
            or = values.indices.map { v in
                var x = [UInt128](repeating: 0, count: L)
                for i in 0..<L {
                    var t = bits[v][i]
                    if i > 0 {
                        t = field.subtract(field.add(t, g[v][i - 1]), field.add(products[n], products[n]))
                        n += 1
                    }
                    let ci = (opened[v] >> UInt128(i)) & 1
                    x[i] = ci == 1 ? field.subtract(one, t) : t
                }
                return (0..<L).map { x[L - 1 - $0] }  // from the top
            }
            level = 0
            return orLayer()
        case 4:
            let out = previous!
            for (n, pair) in pairs.enumerated() {
                let a = or[pair.value][pair.j], b = or[pair.value][pair.partner]
                or[pair.value][pair.j] = field.subtract(field.add(a, b), out[n])
            }
            level += 1
            if level < levels { return orLayer() }
            stage = 5
            // h at bit L−1−j = Q_j − Q_{j−1}.
            var flat: [UInt128] = []
            for v in values.indices {
                var h = [UInt128](repeating: 0, count: L)
                for j in 0..<L { h[L - 1 - j] = j == 0 ? or[v][0] : field.subtract(or[v][j], or[v][j - 1]) }
                flat += h
            }
            bits = []
            return .result(flat)
        default:
            return .result(previous ?? [])
        }
    }

    private mutating func borrowLayer() -> Either {
        pairs = sklansky(level: level)
        var left: [UInt128] = [], right: [UInt128] = []
        for pair in pairs {
            left += [p[pair.value][pair.j], p[pair.value][pair.j]]
            right += [g[pair.value][pair.partner], p[pair.value][pair.partner]]
        }
        return .stage(.multiply(left: left, right: right))
    }

    private mutating func orLayer() -> Either {
        pairs = sklansky(level: level)
        return .stage(.multiply(left: pairs.map { or[$0.value][$0.j] }, right: pairs.map { or[$0.value][$0.partner] }))
    }
}
