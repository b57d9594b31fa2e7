import SecretSharing

/// `[x_t · y_t]` for shared vectors `x`, `y`: one layer, one triple per product [Bea91].
/// Spec: protocols/beaver.md#multiplication.
public struct MultiplicationGate: BeaverGate {
    let left: [UInt128]
    let right: [UInt128]

    /// Products of `left[t]` and `right[t]` (this party's shares).
    /// - Parameters:
    ///   - left: Shares of the left factors.
    ///   - right: Shares of the right factors (same count).
    /// - Throws: ``MPCProtocolError/inputLengthMismatch(expected:actual:)``.
    public init(left: [UInt128], right: [UInt128]) throws {
        guard left.count == right.count else {
            throw MPCProtocolError.inputLengthMismatch(expected: left.count, actual: right.count)
        }
        self.left = left
        self.right = right
    }

    /// One triple per product.
    public var preprocessingNeeded: (triples: Int, bits: Int) { (left.count, 0) }

    /// The multiplication layer.
    public mutating func start(context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        var layer = BeaverLayer()
        layer.left = left
        layer.right = right
        return .layer(layer)
    }

    /// The product shares.
    public mutating func resume(with result: BeaverLayerResult, context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        .done(result.products)
    }
}

/// Selection `[c·(x − y) + y]`: `x` where the shared bit `c` is 1, `y` where it is 0. One layer.
/// Spec: protocols/beaver.md#selection.
public struct SelectionGate: BeaverGate {
    let condition: [UInt128]
    let x: [UInt128]
    let y: [UInt128]

    /// Selects `x[t]` or `y[t]` by the shared bit `condition[t]` (which must be 0 or 1).
    /// - Parameters:
    ///   - condition: Shares of bits.
    ///   - x: Shares chosen where the bit is 1.
    ///   - y: Shares chosen where the bit is 0.
    /// - Throws: ``MPCProtocolError/inputLengthMismatch(expected:actual:)``.
    public init(condition: [UInt128], x: [UInt128], y: [UInt128]) throws {
        guard x.count == condition.count, y.count == condition.count else {
            throw MPCProtocolError.inputLengthMismatch(expected: condition.count, actual: x.count == condition.count ? y.count : x.count)
        }
        self.condition = condition
        self.x = x
        self.y = y
    }

    /// One triple per selection.
    public var preprocessingNeeded: (triples: Int, bits: Int) { (condition.count, 0) }

    /// The layer multiplying `c` by `x − y`.
    public mutating func start(context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        var layer = BeaverLayer()
        layer.left = condition
        layer.right = zip(x, y).map { context.field.subtract($0, $1) }
        return .layer(layer)
    }

    /// `c·(x − y) + y`.
    public mutating func resume(with result: BeaverLayerResult, context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        .done(zip(result.products, y).map { context.field.add($0, $1) })
    }
}

/// Shares each member's private values (one layer: a member sends each peer a uniform share and
/// keeps the remainder), then runs the gate `makeGate` builds from the shares.
/// Spec: protocols/beaver.md#inputs.
public struct InputGate<Inner: BeaverGate>: BeaverGate {
    let values: [UInt128]
    let counts: [Int]
    let makeGate: @Sendable ([[UInt128]]) throws -> Inner
    let innerNeeds: (triples: Int, bits: Int)
    var inner: Inner?

    /// Inputs then `makeGate(shares)`.
    /// - Parameters:
    ///   - values: This member's private values (canonical elements; see
    ///     ``MersenneField127/element(signed:)`` for signed integers).
    ///   - counts: The public number of values of each member (index `i − 1` for `PartyID(i)`).
    ///   - needs: The preprocessing the inner gate takes (public: it depends on counts only).
    ///   - makeGate: Builds the inner gate from every member's shares (index `i − 1`).
    /// - Throws: ``MPCProtocolError/invalidConfiguration(_:)`` for a non-canonical value.
    public init(
        values: [UInt128], counts: [Int], needs: (triples: Int, bits: Int),
        makeGate: @escaping @Sendable ([[UInt128]]) throws -> Inner
    ) throws {
        guard values.allSatisfy({ $0 < MersenneField127.modulus }) else {
            throw MPCProtocolError.invalidConfiguration("an input is not a canonical field element")
        }
        self.values = values
        self.counts = counts
        self.makeGate = makeGate
        self.innerNeeds = needs
    }

    /// The inner gate's needs.
    public var preprocessingNeeded: (triples: Int, bits: Int) { innerNeeds }

    /// The input layer.
    public mutating func start(context: inout BeaverContext) throws -> BeaverStep<Inner.Output> {
        var layer = BeaverLayer()
        layer.inputs = values
        layer.inputCounts = counts
        return .layer(layer)
    }

    /// Builds and runs the inner gate.
    public mutating func resume(with result: BeaverLayerResult, context: inout BeaverContext) throws -> BeaverStep<Inner.Output> {
        if var gate = inner {
            let next = try gate.resume(with: result, context: &context)
            inner = gate
            return next
        }
        var gate = try makeGate(result.inputs)
        let next = try gate.start(context: &context)
        inner = gate
        return next
    }
}

/// Runs a gate, then opens its output to every member (one more layer). The only gate that
/// opens a gate's output. Spec: protocols/beaver.md#reveal.
public struct RevealGate<Inner: BeaverGate>: BeaverGate where Inner.Output == [UInt128] {
    var inner: Inner
    var revealing = false

    /// Opens `inner`'s output.
    /// - Parameter inner: A gate that outputs shares.
    public init(_ inner: Inner) { self.inner = inner }

    /// The inner gate's needs.
    public var preprocessingNeeded: (triples: Int, bits: Int) { inner.preprocessingNeeded }

    /// Starts the inner gate.
    public mutating func start(context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        let step = try inner.start(context: &context)
        return try forward(step)
    }

    /// Continues the inner gate, or returns the opened values.
    public mutating func resume(with result: BeaverLayerResult, context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        if revealing { return .done(result.opened) }
        let step = try inner.resume(with: result, context: &context)
        return try forward(step)
    }

    private mutating func forward(_ step: BeaverStep<[UInt128]>) throws -> BeaverStep<[UInt128]> {
        switch step {
        case .layer: return step
        case let .done(shares):
            revealing = true
            var layer = BeaverLayer()
            layer.openings = shares
            return .layer(layer)
        }
    }
}

/// Shared uniformly random bits from triples alone, with no dealer [DFK+06] §5: each member
/// draws `[r]`, the members compute and open `a = r²` (two layers), and each sets
/// `[b] = ([r]·a^{−1/2} + 1)/2`, where `a^{1/2}` is ``MersenneField127/squareRoot(_:)``; `r/√a`
/// is ±1 with equal probability, so `b` is a uniform bit that nobody learns.
/// Spec: protocols/beaver.md#random-bits.
public struct RandomBitGate: BeaverGate {
    let count: Int
    var r: [UInt128] = []
    var squared = false

    /// `count` random bits.
    /// - Parameter count: `≥ 0`.
    /// - Throws: ``MPCProtocolError/invalidConfiguration(_:)`` for a negative count.
    public init(count: Int) throws {
        guard count >= 0 else { throw MPCProtocolError.invalidConfiguration("a negative number of random bits") }
        self.count = count
    }

    /// One triple per bit.
    public var preprocessingNeeded: (triples: Int, bits: Int) { (count, 0) }

    /// Draws `[r]` and squares it.
    public mutating func start(context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        r = (0..<count).map { _ in context.randomElement() }
        var layer = BeaverLayer()
        layer.left = r
        layer.right = r
        return .layer(layer)
    }

    /// Opens `r²`, then derives the bits.
    public mutating func resume(with result: BeaverLayerResult, context: inout BeaverContext) throws -> BeaverStep<[UInt128]> {
        let field = context.field
        if !squared {
            squared = true
            var layer = BeaverLayer()
            layer.openings = result.products
            return .layer(layer)
        }
        var bits: [UInt128] = []
        bits.reserveCapacity(count)
        for (share, a) in zip(r, result.opened) {
            // a = 0 means r = 0 (probability 2^−127 per bit): the session cannot derive a bit.
            guard let root = field.squareRoot(a), let inverse = field.inverse(root) else {
                throw MPCProtocolError.malformedMessage(from: context.party, reason: "an opened square is zero or not a square")
            }
            let signShare = field.add(field.multiply(share, inverse), context.constant(1))
            bits.append(field.multiply(signShare, MersenneField127.inverseOfTwo))
        }
        r = []
        return .done(bits)
    }
}
