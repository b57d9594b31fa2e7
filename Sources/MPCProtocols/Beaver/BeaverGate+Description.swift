// Redacted descriptions: gates and contexts hold a party's shares, masks and generator state, so
// they print only public facts (no secret in a description).

extension BeaverContext: CustomStringConvertible, CustomDebugStringConvertible {
    /// Party and preprocessing counts; randomness redacted.
    public var description: String { "BeaverContext(\(party), \(preprocessing), rng: redacted)" }
    /// Same as ``description``.
    public var debugDescription: String { description }
}

extension MultiplicationGate: CustomStringConvertible {
    /// Counts only.
    public var description: String { "MultiplicationGate(products: \(left.count), shares: redacted)" }
}

extension SelectionGate: CustomStringConvertible {
    /// Counts only.
    public var description: String { "SelectionGate(count: \(condition.count), shares: redacted)" }
}

extension InputGate: CustomStringConvertible {
    /// Public counts only.
    public var description: String { "InputGate(counts: \(counts), values: redacted)" }
}

extension RevealGate: CustomStringConvertible {
    /// The inner gate's description.
    public var description: String { "RevealGate(\(inner))" }
}

extension RandomBitGate: CustomStringConvertible {
    /// Counts only.
    public var description: String { "RandomBitGate(count: \(count), shares: redacted)" }
}

extension LessThanZeroGate: CustomStringConvertible {
    /// Counts and parameters only.
    public var description: String { "LessThanZeroGate(count: \(values.count), k: \(bitLength), shares: redacted)" }
}

extension EqualityZeroGate: CustomStringConvertible {
    /// Counts and parameters only.
    public var description: String { "EqualityZeroGate(count: \(values.count), k: \(bitLength), shares: redacted)" }
}

extension ExtremumGate: CustomStringConvertible {
    /// Counts and parameters only.
    public var description: String { "ExtremumGate(\(kind.rawValue), count: \(count), k: \(bitLength), shares: redacted)" }
}

extension TruncationGate: CustomStringConvertible {
    /// Counts and parameters only.
    public var description: String {
        "TruncationGate(count: \(core.values.count), k: \(core.bitLength), m: \(core.m), \(core.output == .truncation ? "exact" : "probabilistic"), shares: redacted)"
    }
}
