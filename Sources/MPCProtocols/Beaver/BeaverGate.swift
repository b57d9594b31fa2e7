import CryptoPrimitives
public import SecretSharing

/// What a gate asks of one communication round: multiplications (by Beaver triples), masked
/// openings, and (in an input layer) the sharing of each member's private values. Everything in
/// one layer travels in one message per pair of parties. Spec: protocols/beaver.md#layers.
public struct BeaverLayer: Sendable {
    /// This party's shares of the left factors.
    public var left: [UInt128] = []
    /// This party's shares of the right factors (as many as ``left``).
    public var right: [UInt128] = []
    /// This party's shares of values to open to every party.
    public var openings: [UInt128] = []
    /// This party's private values to share (an input layer), or nil.
    public var inputs: [UInt128]?
    /// The public number of values each member shares in this layer (index `i − 1` for
    /// `PartyID(i)`); empty unless ``inputs`` is set.
    public var inputCounts: [Int] = []

    /// An empty layer.
    public init() {}
}

/// What a finished layer gives back to its gate. Spec: protocols/beaver.md#layers.
public struct BeaverLayerResult: Sendable {
    /// This party's shares of `left[t] · right[t]`.
    public var products: [UInt128]
    /// The opened values, in the order of ``BeaverLayer/openings``.
    public var opened: [UInt128]
    /// This party's shares of every member's inputs (index `i − 1` for `PartyID(i)`).
    public var inputs: [[UInt128]]
}

/// The next thing a gate needs: another layer, or its output.
public enum BeaverStep<Output: Sendable>: Sendable {
    /// Run this layer, then call ``BeaverGate/resume(with:context:)``.
    case layer(BeaverLayer)
    /// The gate's output at this party.
    case done(Output)
}

/// A gate's view of its party: the field, its role, the preprocessing store and its randomness.
public struct BeaverContext: Sendable {
    /// The session parameters.
    public let configuration: BeaverConfiguration
    /// This party.
    public let party: PartyID
    /// The field.
    public let field = MersenneField127()
    /// This party's preprocessing material (each triple and bit taken once).
    public let preprocessing: PreprocessingStore
    var rng: AESCTRGenerator

    init(configuration: BeaverConfiguration, party: PartyID, preprocessing: PreprocessingStore, rng: inout some RandomNumberGenerator) {
        self.configuration = configuration
        self.party = party
        self.preprocessing = preprocessing
        var seed: [UInt8] = []
        withUnsafeBytes(of: rng.next().littleEndian) { seed.append(contentsOf: $0) }
        withUnsafeBytes(of: rng.next().littleEndian) { seed.append(contentsOf: $0) }
        self.rng = try! AESCTRGenerator(seed: seed)  // 16 bytes: always a valid key
    }

    /// Whether this party adds public constants (`PartyID(1)`).
    public var isLeader: Bool { party == configuration.leader }

    /// This party's share of the public constant `value`: `value` at the leader, 0 elsewhere.
    /// - Parameter value: A public element.
    /// - Returns: The share.
    public func constant(_ value: UInt128) -> UInt128 { isLeader ? value : 0 }

    /// Takes `count` random-bit shares from the store.
    func takeBits(_ count: Int) throws -> [UInt128] {
        do { return try preprocessing.takeBits(count) } catch { throw MPCProtocolError.sharing(error) }
    }

    /// A uniform integer in `[0, 2^bits)` from this party's randomness.
    mutating func randomBits(_ bits: Int) -> UInt128 { field.random(bits: bits, using: &rng) }
    /// A uniform field element from this party's randomness.
    mutating func randomElement() -> UInt128 { field.random(using: &rng) }
}

/// A computation on additively shared values over ``MersenneField127``, as a sequence of layers.
/// ``BeaverStateMachine`` runs one at each party; gates compose by holding one another.
/// Spec: protocols/beaver.md#gates.
public protocol BeaverGate<Output>: Sendable {
    /// What the gate outputs at each party (shares, unless the gate opens its output).
    associatedtype Output: Sendable
    /// The triples and random bits the whole gate takes (checked before the first layer).
    var preprocessingNeeded: (triples: Int, bits: Int) { get }
    /// The first layer (or the output, for an empty gate).
    /// - Parameter context: This party's context.
    /// - Returns: The next step.
    /// - Throws: ``MPCProtocolError``.
    mutating func start(context: inout BeaverContext) throws -> BeaverStep<Output>
    /// Continues after a layer.
    /// - Parameters:
    ///   - result: The finished layer.
    ///   - context: This party's context.
    /// - Returns: The next step.
    /// - Throws: ``MPCProtocolError``.
    mutating func resume(with result: BeaverLayerResult, context: inout BeaverContext) throws -> BeaverStep<Output>
}
