// Records the figures of protocol beaver (not API; `covenant bench` can call this code later):
// swift build -c release --scratch-path .build-beaver-release --product _BeaverBenchmark
// .build-beaver-release/release/_BeaverBenchmark [OUTPUT.json]
// (`--profile`: only the online comparisons among 3 members; `--profile-triples`: only the
// member-generated triples; both for perf.)
// Spec: protocols/beaver.md#rounds-and-cost. Every party runs in this one process on one core,
// one after another, through the in-process router (real wire encodings and digests); times are
// CPU seconds of this thread, so other processes on the machine do not inflate them.
import CryptoPrimitives
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MPCProtocols
import SecretSharing

func threadCPUSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

func note(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

/// SplitMix64: fixed seeds for inputs and dealing, so that runs are comparable.
struct FixedRNG: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct Figure: Codable {
    var name: String
    var members: Int
    var count: Int
    var cpuSeconds: Double
    var perSecond: Double
    var rounds: Int?
    var bytesSentPerMember: Int?
    var ratioToReference: Double?
    var note: String
}

let field = MersenneField127()
let session = try SessionID(bytes: [UInt8](repeating: 0xBE, count: 32))
var figures: [Figure] = []

/// Best of `repetitions` CPU times of `body` (which builds its own inputs outside `measured`).
func best(_ repetitions: Int, _ body: (_ measured: (() throws -> Void) throws -> Void) throws -> Void) throws -> Double {
    var bestTime = Double.infinity
    for _ in 0..<repetitions {
        try body { work in
            let start = threadCPUSeconds()
            try work()
            bestTime = min(bestTime, threadCPUSeconds() - start)
        }
    }
    return bestTime
}

/// One member-generated triple session among `members` (every member in this process).
@MainActor
func generateTriples(members: Int, count: Int, seed: UInt64) throws -> InProcessRouter<TripleGenerationMessage, [BeaverTriple<UInt128>]> {
    var rng = FixedRNG(state: seed)
    let configuration = try TripleGenerationConfiguration(sessionID: session, memberCount: members, tripleCount: count)
    let machines: [any ProtocolStateMachine<TripleGenerationMessage, [BeaverTriple<UInt128>]>] = try (0..<members).map { i in
        try TripleGenerationStateMachine(configuration: configuration, party: PartyID(UInt32(i + 1)), using: &rng)
    }
    var router = InProcessRouter(machines: machines, decode: { bytes throws(MPCProtocolError) in try TripleGenerationMessage(wireEncoded: bytes) })
    try router.run()
    guard router.rejections.isEmpty, router.outputs.count == members else { fatalError("triple generation failed") }
    let shares = PartyID.members(members).map { router.outputs[$0]! }
    for t in 0..<count where !(try BeaverTriple.open(shares.map { $0[t] }, in: field)).isValid(in: field) { fatalError("invalid triple") }
    return router
}

@MainActor
func runGate<G: BeaverGate>(
    members: Int, stores: [PreprocessingStore], seed: UInt64, makeGate: (Int) throws -> G
) throws -> InProcessRouter<BeaverMessage, G.Output> {
    var rng = FixedRNG(state: seed)
    let configuration = try BeaverConfiguration(sessionID: session, memberCount: members)
    let machines: [any ProtocolStateMachine<BeaverMessage, G.Output>] = try (0..<members).map { i in
        try BeaverStateMachine(configuration: configuration, party: PartyID(UInt32(i + 1)), gate: makeGate(i), preprocessing: stores[i], using: &rng)
    }
    var router = InProcessRouter(machines: machines, decode: { bytes throws(MPCProtocolError) in try BeaverMessage(wireEncoded: bytes) })
    try router.run()
    guard router.rejections.isEmpty, router.outputs.count == members else { fatalError("a benchmark run failed") }
    return router
}

let comparisons = 1_000
// `_BeaverBenchmark --profile`: only the online comparisons among 3 members, repeated (for perf).
if CommandLine.arguments.contains("--profile") {
    var rng = FixedRNG(state: 1)
    let values = (0..<2 * comparisons).map { _ in field.element(signed: Int64(bitPattern: rng.next())) }
    let shares = try AdditiveSharing(ring: field).split(values, parties: 3, using: &rng)
    for _ in 0..<5 {
        let stores = try InsecureDealer.dealInsecurely(parties: 3, triples: comparisons * 192, bits: comparisons * 64, using: &rng)
        let start = threadCPUSeconds()
        _ = try runGate(members: 3, stores: stores, seed: 5) { i in
            try LessThanZeroGate(lessThan: Array(shares[i][0..<comparisons]), Array(shares[i][comparisons...]))
        }
        note("online: \(threadCPUSeconds() - start) s")
    }
    exit(0)
}
// `_BeaverBenchmark --profile-triples`: only member-generated triples among 3 members (for perf).
if CommandLine.arguments.contains("--profile-triples") {
    for _ in 0..<3 {
        let start = threadCPUSeconds()
        _ = try generateTriples(members: 3, count: 8192, seed: 10)
        note("8192 triples: \(threadCPUSeconds() - start) s")
    }
    exit(0)
}
for members in [3, 10] {
    // Reference 1: the plaintext comparison of 64-bit signed values (same inputs).
    var inputRNG = FixedRNG(state: 1)
    let xs = (0..<comparisons).map { _ in Int64(bitPattern: inputRNG.next()) }
    let ys = (0..<comparisons).map { _ in Int64(bitPattern: inputRNG.next()) }
    // Reference 2: the existing additive protocol, a joint sum of 10^4 values per member.
    let additiveLength = 10_000
    var additiveTime = Double.infinity
    do {
        let values = (0..<members).map { m in (0..<additiveLength).map { UInt64($0 &* (m + 1)) } }
        additiveTime = try best(3) { measured in
            var rng = FixedRNG(state: 2)
            let configuration = try AdditiveConfiguration(sessionID: session, memberCount: members, vectorLength: additiveLength)
            let machines: [any ProtocolStateMachine<AdditiveMessage, [UInt64]>] = try (0..<members).map { i in
                try AdditiveStateMachine(configuration: configuration, party: PartyID(UInt32(i + 1)), input: values[i], using: &rng)
            }
            var router = InProcessRouter(machines: machines, decode: { bytes throws(MPCProtocolError) in try AdditiveMessage(wireEncoded: bytes) })
            try measured { try router.run() }
        }
        figures.append(Figure(
            name: "reference.additive.sum", members: members, count: additiveLength, cpuSeconds: additiveTime,
            perSecond: Double(additiveLength) / additiveTime, rounds: nil, bytesSentPerMember: nil, ratioToReference: nil,
            note: "the existing additive protocol (protocols/additive.md): values summed per second, all members on one core"))
    }
    var plainTime = Double.infinity
    var sink = 0
    plainTime = try best(5) { measured in
        try measured {
            for _ in 0..<1000 { for i in 0..<comparisons { sink &+= xs[i] < ys[i] ? 1 : 0 } }
        }
    }
    plainTime /= 1000
    if sink == 42 { note("") }
    figures.append(Figure(
        name: "reference.plaintext.lessThan", members: members, count: comparisons, cpuSeconds: plainTime,
        perSecond: Double(comparisons) / plainTime, rounds: 0, bytesSentPerMember: 0, ratioToReference: nil,
        note: "Int64 < Int64 in a loop (1000 passes averaged): the cost floor"))
    let xShares = try AdditiveSharing(ring: field).split(xs.map { field.element(signed: $0) }, parties: members, using: &inputRNG)
    let yShares = try AdditiveSharing(ring: field).split(ys.map { field.element(signed: $0) }, parties: members, using: &inputRNG)

    // Dealer triples (insecure; benchmarks only).
    let dealtCount = 100_000
    let dealTime = try best(3) { measured in
        var rng = FixedRNG(state: 3)
        try measured { _ = try InsecureDealer.dealInsecurely(parties: members, triples: dealtCount, bits: 0, using: &rng) }
    }
    figures.append(Figure(
        name: "beaver.triples.insecureDealer", members: members, count: dealtCount, cpuSeconds: dealTime,
        perSecond: Double(dealtCount) / dealTime, rounds: 0, bytesSentPerMember: nil, ratioToReference: nil,
        note: "INSECURE trusted dealer (benchmarks and tests only): triples dealt per second to all members"))

    // Online comparisons with dealt preprocessing (the dealing is outside the measurement).
    var lastRounds = 0, lastBytes = 0
    let compareTime = try best(3) { measured in
        var rng = FixedRNG(state: 4)
        let stores = try InsecureDealer.dealInsecurely(parties: members, triples: comparisons * 192, bits: comparisons * 64, using: &rng)
        try measured {
            let router = try runGate(members: members, stores: stores, seed: 5) { i in try LessThanZeroGate(lessThan: xShares[i], yShares[i]) }
            lastRounds = router.hops
            lastBytes = router.bytesSent.values.reduce(0, +) / members
            // Check the answer (outside nothing: opening is cheap next to the gate).
            let bits = try AdditiveSharing(ring: field).reconstruct(PartyID.members(members).map { router.outputs[$0]! })
            for i in 0..<comparisons where bits[i] != (xs[i] < ys[i] ? 1 : 0) { fatalError("wrong comparison") }
        }
    }
    figures.append(Figure(
        name: "beaver.lessThan.online", members: members, count: comparisons, cpuSeconds: compareTime,
        perSecond: Double(comparisons) / compareTime, rounds: lastRounds, bytesSentPerMember: lastBytes,
        ratioToReference: (Double(comparisons) / compareTime) / (Double(comparisons) / plainTime),
        note: "online phase of 1000 batched 64-bit comparisons (k = 65, κ = 40), dealt preprocessing; ratio: comparisons/s over plaintext comparisons/s"))
    figures.append(Figure(
        name: "beaver.lessThan.online.vsAdditive", members: members, count: comparisons, cpuSeconds: compareTime,
        perSecond: Double(comparisons) / compareTime, rounds: lastRounds, bytesSentPerMember: lastBytes,
        ratioToReference: (Double(comparisons) / compareTime) / (Double(additiveLength) / additiveTime),
        note: "the same run, ratio: comparisons/s over values/s of the additive joint sum"))

    // Random bits from triples (no dealer for the bits themselves).
    let bitCount = 10_000
    let bitTime = try best(3) { measured in
        var rng = FixedRNG(state: 6)
        let stores = try InsecureDealer.dealInsecurely(parties: members, triples: bitCount, bits: 0, using: &rng)
        try measured { _ = try runGate(members: members, stores: stores, seed: 7) { _ in try RandomBitGate(count: bitCount) } }
    }
    figures.append(Figure(
        name: "beaver.randomBits.fromTriples", members: members, count: bitCount, cpuSeconds: bitTime,
        perSecond: Double(bitCount) / bitTime, rounds: 2, bytesSentPerMember: nil, ratioToReference: nil,
        note: "random shared bits from triples [DFK+06]: r², open, square root"))

    // Minimum over the members' local extrema (n values, one per member).
    let minTime = try best(3) { measured in
        var rng = FixedRNG(state: 8)
        let needs = ExtremumGate.preprocessingNeeded(count: members)
        let stores = try InsecureDealer.dealInsecurely(parties: members, triples: needs.triples, bits: needs.bits, using: &rng)
        let counts = [Int](repeating: 1, count: members)
        try measured {
            let router = try runGate(members: members, stores: stores, seed: 9) { i in
                try InputGate(values: [xShares[0][i]], counts: counts, needs: needs) { shares in
                    RevealGate(try ExtremumGate(values: shares.flatMap { $0 }, kind: .minimum))
                }
            }
            lastRounds = router.hops
        }
    }
    figures.append(Figure(
        name: "beaver.minimum.ofMemberExtrema", members: members, count: members, cpuSeconds: minTime,
        perSecond: 1 / minTime, rounds: lastRounds, bytesSentPerMember: nil, ratioToReference: nil,
        note: "min of one value per member: input, tournament, reveal (dealt preprocessing); perSecond = runs per second"))

    // Member-generated triples: Gilboa products from IKNP-extended correlated OTs (no trusted party).
    let generatedCount = members == 3 ? 8192 : 4096
    var generatedBytes = 0
    let generatedTime = try best(3) { measured in
        try measured {
            let router = try generateTriples(members: members, count: generatedCount, seed: 10)
            generatedBytes = router.bytesSent.values.reduce(0, +) / members
        }
    }
    let triplesPerSecond = Double(generatedCount) / generatedTime
    figures.append(Figure(
        name: "beaver.triples.memberGenerated.otExtension", members: members, count: generatedCount, cpuSeconds: generatedTime,
        perSecond: triplesPerSecond, rounds: 4, bytesSentPerMember: generatedBytes / generatedCount, ratioToReference: nil,
        note: "Gilboa products from correlated OTs (IKNP extension of 128 Chou-Orlandi base OTs over P-256, fixed-key AES hash), no trusted party, base OTs included; all members on one core (a deployment runs them in parallel: divide cpuSeconds by n for the wall time per member); bytesSentPerMember is per triple"))

    // The fixed cost of a session: base OTs alone (no triples), per ordered pair of members.
    let pairs = members * (members - 1)
    let baseTime = try best(3) { measured in try measured { _ = try generateTriples(members: members, count: 0, seed: 12) } }
    figures.append(Figure(
        name: "beaver.triples.memberGenerated.baseOTsOnly", members: members, count: pairs, cpuSeconds: baseTime,
        perSecond: Double(pairs) / baseTime, rounds: 2, bytesSentPerMember: nil, ratioToReference: nil,
        note: "a session of zero triples: 128 Chou-Orlandi base OTs over P-256 for each ordered pair, once per run; perSecond = ordered pairs per second, all members on one core"))

    // Comparisons with member-generated preprocessing, measured whole: triple generation, random
    // bits from triples, the comparisons, and the reveal, in one member-generated session each.
    let wholeCount = members == 3 ? 1000 : 100
    var wholeRounds = 0
    let wholeTime = try best(1) { measured in
        var rng = FixedRNG(state: 11)
        let configuration = try BeaverConfiguration(sessionID: session, memberCount: members)
        let machines: [any ProtocolStateMachine<BeaverRunMessage, [UInt128]>] = try (0..<members).map { i in
            let gate = RevealGate(try LessThanZeroGate(lessThan: Array(xShares[i].prefix(wholeCount)), Array(yShares[i].prefix(wholeCount))))
            return try BeaverRunStateMachine(configuration: configuration, party: PartyID(UInt32(i + 1)), gate: gate, using: &rng)
        }
        var router = InProcessRouter(machines: machines, decode: { bytes throws(MPCProtocolError) in try BeaverRunMessage(wireEncoded: bytes) })
        try measured { try router.run() }
        guard router.rejections.isEmpty, router.outputs.count == members else { fatalError("a member-generated session failed") }
        for i in 0..<wholeCount where router.outputs[PartyID(1)]![i] != (xs[i] < ys[i] ? 1 : 0) { fatalError("wrong comparison") }
        wholeRounds = router.hops
    }
    figures.append(Figure(
        name: "beaver.lessThan.withMemberGeneratedPreprocessing", members: members, count: wholeCount, cpuSeconds: wholeTime,
        perSecond: Double(wholeCount) / wholeTime, rounds: wholeRounds, bytesSentPerMember: nil, ratioToReference: nil,
        note: "whole member-generated sessions (BeaverRunStateMachine): 256 triples per comparison made from OTs (192 for it, 64 for its random bits), the bits, the batched comparisons and their reveal; all members on one core"))
    note("members \(members): done")
}

struct Report: Codable {
    var date: String
    var command: String
    var machine: String
    var figures: [Figure]
}
let formatter = ISO8601DateFormatter()
formatter.formatOptions = [.withFullDate]
let report = Report(
    date: formatter.string(from: Date()),
    command: "swift build -c release --scratch-path .build-beaver-release --product _BeaverBenchmark && "
        + ".build-beaver-release/release/_BeaverBenchmark benchmarks/results/beaver-ot-DATE.json",
    machine: "shared 2-core Linux VM, other builds running; CPU seconds of one thread (every member in one process, one after another)",
    figures: figures)
let encoder = JSONEncoder()
encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
let data = try encoder.encode(report)
if CommandLine.arguments.count > 1 {
    try data.write(to: URL(fileURLWithPath: CommandLine.arguments[1]))
} else {
    print(String(decoding: data, as: UTF8.self))
}
