import MultiPrecision
import SecretSharing
import Testing
import _TestSupport

/// Known answers from protocols/tools/secret_sharing_vectors.py (Python integers, the
/// `cryptography` package's AES-128-CTR, SplitMix64), protocols/secret-sharing/vectors/v1/.
@Suite("Secret sharing vectors")
struct VectorTests {
    static let directory = "protocols/secret-sharing/vectors/v1/"

    // MARK: Seed expansion

    struct ExpansionCase: Codable, Sendable, CustomTestStringConvertible {
        let tcId: Int
        let desc: String
        let result: VectorResult
        let seed: String
        let ring: RingDescriptor
        let count: Int
        let words: [String]?
        let error: String?
        var testDescription: String { "tcId \(tcId): \(desc)" }
    }

    struct File<Case: Codable & Sendable>: Codable, Sendable { let cases: [Case] }

    static let expansions: [ExpansionCase] =
        (try? Vectors.load(File<ExpansionCase>.self, from: directory + "seed-expansion.json").cases) ?? []

    @Test func vectorFilesArePresent() {
        #expect(Self.expansions.count == 15)
        #expect(Self.seededSplits.count == 5)
        #expect(Self.additiveSplits.count == 5)
        #expect(Self.shamir != nil)
    }

    @Test(arguments: expansions)
    func seedExpansion(_ vector: ExpansionCase) throws {
        let seed = try #require([UInt8](hex: vector.seed))
        do {
            let words: [UInt64]
            if let field = vector.ring.primeField64 {
                words = try SeededAdditiveSharing(ring: field).expand(seed: seed, count: vector.count)
            } else {
                words = try SeededAdditiveSharing(ring: Ring64()).expand(seed: seed, count: vector.count)
            }
            #expect(vector.result == .valid)
            #expect(words == vector.words?.map { UInt64($0)! })
        } catch {
            #expect(vector.result == .invalid)
            #expect(errorName(error) == vector.error)
        }
    }

    // MARK: Seeded split

    struct SeededSplitCase: Codable, Sendable, CustomTestStringConvertible {
        let tcId: Int
        let desc: String
        let rngSeed: String
        let ring: RingDescriptor
        let parties: Int
        let secret: [String]
        let seeds: [String]
        let lastShare: [String]
        var testDescription: String { "tcId \(tcId): \(desc)" }
    }

    static let seededSplits: [SeededSplitCase] =
        (try? Vectors.load(File<SeededSplitCase>.self, from: directory + "seeded-split.json").cases) ?? []

    @Test(arguments: seededSplits)
    func seededSplit(_ vector: SeededSplitCase) throws {
        func check<Ring: SeedExpandableRing>(_ sharing: SeededAdditiveSharing<Ring>) throws {
            var rng = DeterministicRNG(seed: UInt64(vector.rngSeed)!)
            let secret = vector.secret.map { UInt64($0)! }
            let (seeds, last) = try sharing.split(secret, parties: vector.parties, using: &rng)
            #expect(seeds.map(\.hex) == vector.seeds)
            #expect(last == vector.lastShare.map { UInt64($0)! })
            #expect(try sharing.reconstruct(seeds: seeds, lastShare: last) == secret)
        }
        if let field = vector.ring.primeField64 {
            try check(SeededAdditiveSharing(ring: field))
        } else {
            try check(SeededAdditiveSharing(ring: Ring64()))
        }
    }

    // MARK: Additive split

    struct AdditiveSplitCase: Codable, Sendable, CustomTestStringConvertible {
        let tcId: Int
        let desc: String
        let rngSeed: String
        let ring: RingDescriptor
        let parties: Int
        let secret: [String]
        let shares: [[String]]
        var testDescription: String { "tcId \(tcId): \(desc)" }
    }

    static let additiveSplits: [AdditiveSplitCase] =
        (try? Vectors.load(File<AdditiveSplitCase>.self, from: directory + "additive-split.json").cases) ?? []

    @Test(arguments: additiveSplits)
    func additiveSplit(_ vector: AdditiveSplitCase) throws {
        func check<Ring: ParsableRing>(_ ring: Ring) throws where Ring.Element: Equatable {
            var rng = DeterministicRNG(seed: UInt64(vector.rngSeed)!)
            let sharing = AdditiveSharing(ring: ring)
            let secret = vector.secret.map(ring.parse)
            let shares = try sharing.split(secret, parties: vector.parties, using: &rng)
            #expect(shares == vector.shares.map { $0.map(ring.parse) })
            #expect(try sharing.reconstruct(shares) == secret)
        }
        if let field = vector.ring.primeField64 { try check(field) } else { try check(Ring64()) }
    }

    // MARK: Shamir

    struct Point: Codable, Sendable { let x: String; let y: String }

    struct ShamirSplitCase: Codable, Sendable, CustomTestStringConvertible {
        let tcId: Int
        let desc: String
        let field: RingDescriptor
        let secret: String
        let coefficients: [String]
        let parties: Int
        let shares: [Point]
        var testDescription: String { "tcId \(tcId): \(desc)" }
    }

    struct ShamirReconstructCase: Codable, Sendable, CustomTestStringConvertible {
        let tcId: Int
        let desc: String
        let result: VectorResult
        let field: RingDescriptor
        let threshold: Int
        let shares: [Point]
        let secret: String?
        let error: String?
        var testDescription: String { "tcId \(tcId): \(desc)" }
    }

    struct LagrangeCase: Codable, Sendable, CustomTestStringConvertible {
        let tcId: Int
        let desc: String
        let field: RingDescriptor
        let xs: [String]
        let coefficients: [String]
        var testDescription: String { "tcId \(tcId): \(desc)" }
    }

    struct ShamirSeededCase: Codable, Sendable, CustomTestStringConvertible {
        let tcId: Int
        let desc: String
        let rngSeed: String
        let field: RingDescriptor
        let secret: String
        let threshold: Int
        let parties: Int
        let shares: [Point]
        var testDescription: String { "tcId \(tcId): \(desc)" }
    }

    struct ShamirFile: Codable, Sendable {
        let split: [ShamirSplitCase]
        let reconstruct: [ShamirReconstructCase]
        let lagrange: [LagrangeCase]
        let seededSplit: [ShamirSeededCase]
    }

    static let shamir: ShamirFile? = try? Vectors.load(ShamirFile.self, from: directory + "shamir.json")

    /// Runs `body` with the field the descriptor names.
    static func withField(
        _ descriptor: RingDescriptor, _ body: (any SharingField & ParsableRing) throws -> Void
    ) rethrows {
        if let field = descriptor.primeField64 { try body(field) } else { try body(descriptor.primeField!) }
    }

    @Test(arguments: shamir?.split ?? [])
    func shamirSplitWithFixedCoefficients(_ vector: ShamirSplitCase) throws {
        func check<Field: SharingField & ParsableRing>(_ field: Field) throws where Field.Element: Equatable {
            let sharing = ShamirSharing(field: field)
            let shares = try sharing.split(
                field.parse(vector.secret), coefficients: vector.coefficients.map(field.parse), parties: vector.parties)
            #expect(shares.map(\.x) == vector.shares.map { UInt64($0.x)! })
            #expect(shares.map(\.y) == vector.shares.map { field.parse($0.y) })
            #expect(try sharing.reconstruct(shares, threshold: vector.coefficients.count + 1) == field.parse(vector.secret))
        }
        try Self.withField(vector.field) { try check($0) }
    }

    @Test(arguments: shamir?.reconstruct ?? [])
    func shamirReconstruct(_ vector: ShamirReconstructCase) throws {
        func check<Field: SharingField & ParsableRing>(_ field: Field) throws where Field.Element: Equatable {
            let shares = vector.shares.map { ShamirShare(x: UInt64($0.x)!, y: field.parse($0.y)) }
            do {
                let secret = try ShamirSharing(field: field).reconstruct(shares, threshold: vector.threshold)
                #expect(vector.result == .valid)
                #expect(secret == field.parse(vector.secret ?? ""))
            } catch {
                #expect(vector.result == .invalid)
                #expect(errorName(error) == vector.error)
            }
        }
        try Self.withField(vector.field) { try check($0) }
    }

    @Test(arguments: shamir?.lagrange ?? [])
    func lagrangeCoefficients(_ vector: LagrangeCase) throws {
        func check<Field: SharingField & ParsableRing>(_ field: Field) throws where Field.Element: Equatable {
            let lambdas = try ShamirSharing(field: field).lagrangeCoefficientsAtZero(for: vector.xs.map { UInt64($0)! })
            #expect(lambdas == vector.coefficients.map(field.parse))
        }
        try Self.withField(vector.field) { try check($0) }
    }

    @Test(arguments: shamir?.seededSplit ?? [])
    func shamirSplitFromDeterministicGenerator(_ vector: ShamirSeededCase) throws {
        let field = try #require(vector.field.primeField64)
        var rng = DeterministicRNG(seed: UInt64(vector.rngSeed)!)
        let shares = try ShamirSharing(field: field).split(
            UInt64(vector.secret)!, threshold: vector.threshold, parties: vector.parties, using: &rng)
        #expect(shares == vector.shares.map { ShamirShare(x: UInt64($0.x)!, y: UInt64($0.y)!) })
    }
}
