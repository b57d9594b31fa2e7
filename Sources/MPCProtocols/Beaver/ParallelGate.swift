import SecretSharing

/// Runs several gates side by side: each round merges the sub-gates' layers into one (their
/// products, then their openings, in sub-gate order), so `g` gates of depth `d_i` take
/// `max d_i` layers instead of `Σ d_i`. A sub-gate that finishes early sends nothing more.
/// Spec: protocols/beaver.md#evaluating-a-circuit.
public struct ParallelGate: BeaverGate {
    var gates: [any BeaverGate<[UInt128]>]
    var outputs: [[UInt128]?]
    /// For each sub-gate in the current layer: its index, its products and its openings.
    var spans: [(gate: Int, products: Range<Int>, openings: Range<Int>)] = []
    let needs: (triples: Int, bits: Int)

    /// Sub-gates to run together (none may share inputs: that is what ``InputGate`` is for).
    /// - Parameter gates: The gates, each over this party's shares.
    public init(_ gates: [any BeaverGate<[UInt128]>]) {
        self.gates = gates
        outputs = Array(repeating: nil, count: gates.count)
        var triples = 0, bits = 0
        for gate in gates {
            triples += gate.preprocessingNeeded.triples
            bits += gate.preprocessingNeeded.bits
        }
        needs = (triples, bits)
    }

    /// The sum of the sub-gates' needs.
    public var preprocessingNeeded: (triples: Int, bits: Int) { needs }

    /// Starts every sub-gate and merges their first layers.
    public mutating func start(context: inout BeaverContext) throws -> BeaverStep<[[UInt128]]> {
        var layers: [(Int, BeaverLayer)] = []
        for i in gates.indices {
            switch try gates[i].start(context: &context) {
            case let .done(output): outputs[i] = output
            case let .layer(layer): layers.append((i, layer))
            }
        }
        return try merge(layers)
    }

    /// Hands each sub-gate its part of the layer's result and merges their next layers.
    public mutating func resume(with result: BeaverLayerResult, context: inout BeaverContext) throws -> BeaverStep<[[UInt128]]> {
        var layers: [(Int, BeaverLayer)] = []
        for span in spans {
            let part = BeaverLayerResult(
                products: Array(result.products[span.products]), opened: Array(result.opened[span.openings]), inputs: [])
            switch try gates[span.gate].resume(with: part, context: &context) {
            case let .done(output): outputs[span.gate] = output
            case let .layer(layer): layers.append((span.gate, layer))
            }
        }
        return try merge(layers)
    }

    private mutating func merge(_ layers: [(Int, BeaverLayer)]) throws -> BeaverStep<[[UInt128]]> {
        spans = []
        guard !layers.isEmpty else { return .done(outputs.map { $0 ?? [] }) }
        var merged = BeaverLayer()
        for (gate, layer) in layers {
            guard layer.inputs == nil else {
                throw MPCProtocolError.invalidConfiguration("a gate run in parallel may not share inputs")
            }
            let products = merged.left.count..<(merged.left.count + layer.left.count)
            let openings = merged.openings.count..<(merged.openings.count + layer.openings.count)
            merged.left += layer.left
            merged.right += layer.right
            merged.openings += layer.openings
            spans.append((gate, products, openings))
        }
        return .layer(merged)
    }
}
