import CryptoPrimitives
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MPCProtocols
import MultiPrecision
import PaillierEncryption

/// One measured protocol run of `covenant bench protocols`.
public struct ProtocolBenchmarkResult: Codable, Sendable {
    /// `additive`, `secagg` or `paillier`.
    public let protocolName: String
    /// Members `n`.
    public let members: Int
    /// Vector length `L` (values in Z_2^64 per member).
    public let values: Int
    /// Threshold `t` (secagg: survivors; paillier: decryption shares), or `n` for additive.
    public let threshold: Int
    /// CPU seconds (this thread) of the whole joint phase, every party run one after another in
    /// this one process on one core (start → every output), best of `repetitions`; excludes
    /// input generation and key dealing. Immune to other processes competing for the cores.
    public let cpuSeconds: Double
    /// Wall-clock seconds of the same run (inflated when the machine is busy).
    public let wallSeconds: Double
    /// `values / cpuSeconds`: summed values per second of the joint phase, all parties on one
    /// core (a deployment runs the parties in parallel).
    public let valuesPerSecond: Double
    /// Mean bytes a member puts on the wire (every message, framing and digest included).
    public let bytesSentPerMember: Int
    /// Bytes the aggregator role sends (0 for additive, which has none).
    public let bytesSentByAggregator: Int
    /// Communication rounds: the longest causal chain of messages (hops).
    public let rounds: Int
    /// Repetitions measured.
    public let repetitions: Int
    /// Paillier modulus bits (0 otherwise).
    public let keyBits: Int
}

/// The report of `covenant bench protocols`.
public struct ProtocolBenchmarkReport: Codable, Sendable {
    /// Every run, in order.
    public let results: [ProtocolBenchmarkResult]
}

/// Runs the three aggregation protocols end to end through the in-process router (real wire
/// encodings, digests, AEAD, Paillier proofs) and measures time, bytes per member and rounds.
/// Spec: protocols/additive.md#cost, protocols/secagg.md#cost, protocols/paillier-aggregation.md#cost.
public struct ProtocolBenchmarks: Sendable {
    /// Member counts.
    public let memberCounts: [Int]
    /// Vector lengths for additive and secagg.
    public let lengths: [Int]
    /// Vector lengths for paillier (it is ~10^4 times slower per value).
    public let paillierLengths: [Int]
    /// Repetitions per configuration (the best is reported).
    public let repetitions: Int
    /// Which protocols to run.
    public let protocols: Set<String>

    /// A suite.
    /// - Parameters:
    ///   - memberCounts: Default `[3, 10]`.
    ///   - lengths: Default `[10^3, 10^5, 10^6]`.
    ///   - paillierLengths: Default `[10^3]`.
    ///   - repetitions: Default 3.
    ///   - protocols: Default all three.
    public init(
        memberCounts: [Int] = [3, 10], lengths: [Int] = [1_000, 100_000, 1_000_000], paillierLengths: [Int] = [1_000],
        repetitions: Int = 3, protocols: Set<String> = ["additive", "secagg", "paillier"]
    ) {
        self.memberCounts = memberCounts
        self.lengths = lengths
        self.paillierLengths = paillierLengths
        self.repetitions = max(1, repetitions)
        self.protocols = protocols
    }

    /// Runs every configuration.
    /// - Parameter progress: Called with a name before each configuration.
    /// - Returns: The report.
    /// - Throws: A protocol error (a benchmark run must succeed and match the plaintext sum).
    public func run(progress: (String) -> Void = { _ in }) throws -> ProtocolBenchmarkReport {
        var results: [ProtocolBenchmarkResult] = []
        var inputRNG = BenchmarkRNG(seed: 0xC0FFEE)
        let session = try SessionID(bytes: SHA256.hash(Array("covenant/bench/protocols".utf8)))
        for n in memberCounts {
            for length in lengths {
                let inputs = (0..<n).map { _ in (0..<length).map { _ in inputRNG.next() } }
                let expected = Self.plainSum(inputs, length: length)
                if protocols.contains("additive") {
                    progress("additive n=\(n) L=\(length)")
                    results.append(try measure("additive", n: n, length: length, threshold: n, keyBits: 0, expected: expected) {
                        var rng = SecureRandomGenerator()
                        let configuration = try AdditiveConfiguration(sessionID: session, memberCount: n, vectorLength: length)
                        let machines = try inputs.enumerated().map {
                            try AdditiveStateMachine(configuration: configuration, party: PartyID(UInt32($0.offset + 1)), input: $0.element, using: &rng)
                        }
                        return InProcessRouter<AdditiveMessage, [UInt64]>(machines: machines) { bytes throws(MPCProtocolError) in
                            try AdditiveMessage(wireEncoded: bytes)
                        }
                    } output: { $0.outputs[PartyID(1)] })
                }
                if protocols.contains("secagg") {
                    let t = n / 2 + 1
                    progress("secagg n=\(n) L=\(length)")
                    results.append(try measure("secagg", n: n, length: length, threshold: t, keyBits: 0, expected: expected) {
                        var rng = SecureRandomGenerator()
                        let configuration = try SecAggConfiguration(sessionID: session, memberCount: n, threshold: t, vectorLength: length)
                        var machines: [any ProtocolStateMachine<SecAggMessage, SecAggResult>] = [SecAggAggregatorStateMachine(configuration: configuration)]
                        for (index, input) in inputs.enumerated() {
                            machines.append(try SecAggMemberStateMachine(configuration: configuration, party: PartyID(UInt32(index + 1)), input: input, using: &rng))
                        }
                        return InProcessRouter<SecAggMessage, SecAggResult>(machines: machines) { bytes throws(MPCProtocolError) in
                            try SecAggMessage(wireEncoded: bytes)
                        }
                    } output: { $0.outputs[.aggregator]?.sum })
                }
            }
            if protocols.contains("paillier") {
                let t = n / 2 + 1
                var dealRNG = BenchmarkRNG(seed: UInt64(n))
                let (key, shares) = try Paillier.dealThresholdKey(
                    p: Self.benchmarkPrimeP, q: Self.benchmarkPrimeQ, threshold: t, parties: n, using: &dealRNG)
                for length in paillierLengths {
                    let inputs = (0..<n).map { _ in (0..<length).map { _ in inputRNG.next() } }
                    let expected = Self.plainSum(inputs, length: length)
                    progress("paillier n=\(n) L=\(length)")
                    // As the runtime runs it: every contribution proved and signed by its member.
                    let signing = (0..<n).map { _ in Ed25519.PrivateKey() }
                    let signatureKeys = Dictionary(uniqueKeysWithValues: signing.enumerated().map { (PartyID(UInt32($0.offset + 1)), $0.element.publicKey) })
                    results.append(try measure("paillier", n: n, length: length, threshold: t, keyBits: key.publicKey.bits, expected: expected) {
                        var rng = SecureRandomGenerator()
                        let configuration = try PaillierAggregationConfiguration(
                            sessionID: session, memberCount: n, vectorLength: length, publicKey: key, signatureKeys: signatureKeys)
                        var machines: [any ProtocolStateMachine<PaillierAggregationMessage, PaillierAggregationResult>] = [
                            PaillierAggregatorStateMachine(configuration: configuration)
                        ]
                        for (index, input) in inputs.enumerated() {
                            machines.append(try PaillierMemberStateMachine(
                                configuration: configuration, party: PartyID(UInt32(index + 1)), input: input, keyShare: shares[index],
                                signingKey: signing[index], using: &rng))
                        }
                        return InProcessRouter<PaillierAggregationMessage, PaillierAggregationResult>(machines: machines) { bytes throws(MPCProtocolError) in
                            try PaillierAggregationMessage(wireEncoded: bytes)
                        }
                    } output: { $0.outputs[.aggregator]?.sum })
                }
            }
        }
        return ProtocolBenchmarkReport(results: results)
    }

    private func measure<M: ProtocolMessage, O: Sendable>(
        _ name: String, n: Int, length: Int, threshold: Int, keyBits: Int, expected: [UInt64],
        make: () throws -> InProcessRouter<M, O>, output: (InProcessRouter<M, O>) -> [UInt64]?
    ) throws -> ProtocolBenchmarkResult {
        let clock = ContinuousClock()
        var best = Double.infinity
        var bestWall = Double.infinity
        var last: InProcessRouter<M, O>?
        let reps = name == "paillier" ? 1 : repetitions
        for _ in 0..<reps {
            var router = try make()
            let start = clock.now
            let cpuStart = Self.threadCPUSeconds()
            try router.run()
            let cpu = Self.threadCPUSeconds() - cpuStart
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            guard output(router) == expected else {
                throw MPCProtocolError.invalidConfiguration("benchmark self-check: the joint sum differs from the plaintext sum")
            }
            if cpu < best { best = cpu; bestWall = seconds }
            last = router
        }
        let router = last!
        let memberBytes = PartyID.members(n).map { router.bytesSent[$0] ?? 0 }
        return ProtocolBenchmarkResult(
            protocolName: name, members: n, values: length, threshold: threshold, cpuSeconds: best, wallSeconds: bestWall,
            valuesPerSecond: Double(length) / best, bytesSentPerMember: memberBytes.reduce(0, +) / n,
            bytesSentByAggregator: router.bytesSent[.aggregator] ?? 0, rounds: router.hops, repetitions: reps,
            keyBits: keyBits)
    }

    /// CPU time of the calling thread (`CLOCK_THREAD_CPUTIME_ID`).
    static func threadCPUSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    static func plainSum(_ vectors: [[UInt64]], length: Int) -> [UInt64] {
        var total = [UInt64](repeating: 0, count: length)
        for vector in vectors { for i in 0..<length { total[i] &+= vector[i] } }
        return total
    }

    // Benchmark-only 1024-bit safe primes (generated with `openssl prime -generate -bits 1024
    // -safe`), so that a run does not spend minutes searching for them. Never use for real keys.
    static let benchmarkPrimeP = BigInt("159821590783227923032031942424940759628205607033701099920190953224290426435801814962141003592123488767777273813677918505736678978537917633896158691114109463505558677683252290691342826013368035724185890788572549943490388841491199993013260241795306190562555319087107699678698377421597971818424887224385082838279")!
    static let benchmarkPrimeQ = BigInt("162157346115681282297547829859215347931002404609380971922129876976490902158869730808003572124760323639399143143501452886059041160539881106712331625480556053129199998492929655272856236489109707585890377473824896212513981437419937542410446202380768543306339169800478285055850596725155637371029607027377670304199")!
}
