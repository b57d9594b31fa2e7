import Circuit
import CircuitCompiler
import ConsortiumLedger
import ContractLanguage
import CryptoPrimitives
import DataSources
import Foundation
import MPCProtocols
import MultiPrecision
import PaillierEncryption
import Runtime
import _TestSupport

/// A temporary directory removed when the value is released.
final class TemporaryDirectory: @unchecked Sendable {
    // @unchecked: `path` is immutable after init; deinit only removes the directory.
    let path: String

    init(_ label: String = "runtime") {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("covenant-\(label)-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// One example contract of `examples/contracts/` with its member CSV files.
struct Example: Sendable, CustomStringConvertible {
    let name: String
    let source: String
    let csvFiles: [String]

    var description: String { name }

    static let root = Vectors.repositoryRoot().appendingPathComponent("examples/contracts")

    static func load(_ name: String) throws -> Example {
        let directory = root.appendingPathComponent(name)
        let source = try String(contentsOf: directory.appendingPathComponent("contract.cov"), encoding: .utf8)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasPrefix("member-") && $0.hasSuffix(".csv") }.sorted()
            .map { directory.appendingPathComponent($0).path }
        return Example(name: name, source: source, csvFiles: files)
    }

    static var all: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [])
            .filter { FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/contract.cov").path) }
            .sorted()
    }
}

/// Compiles source text (test helper: traps on invalid contracts, which are test bugs).
func compile(_ source: String) -> CompiledContract {
    do { return try ContractCompiler.compile(source: source) } catch { fatalError("test contract does not compile: \(error)") }
}

/// Replaces the `protocol …` clause (or adds `protocol auto`).
func withProtocolAuto(_ source: String) -> String {
    let lines = source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("protocol ") }
    var text = lines.joined(separator: "\n")
    if let close = text.lastIndex(of: "}") { text.insert(contentsOf: "  protocol auto\n", at: close) }
    return text
}

/// A consortium of one member per CSV file, founded on a SQLite ledger, with the contract adopted.
struct TestConsortium {
    let directory: TemporaryDirectory
    let consortium: Consortium
    let compiled: CompiledContract
    let names: [String]
    let csvFiles: [String]
    /// The members' signing keys, for tests that forge validly signed ledger entries.
    var keys: [String: Ed25519.PrivateKey] = [:]
    var keepAlive: TemporaryDirectory? = nil

    static func make(
        source: String, csvFiles: [String], names: [String]? = nil, roles: [String: Set<String>] = [:],
        quorum: Int? = nil, transport: (any Transport)? = nil, ledgerInMemory: Bool = false,
        sources: [Int: any DataSource] = [:]
    ) async throws -> TestConsortium {
        let directory = TemporaryDirectory()
        let memberNames = names ?? csvFiles.indices.map { "member-\(Character(UnicodeScalar(UInt8(97 + $0))))" }
        var members: [Runtime.Member] = []
        var keys: [String: Ed25519.PrivateKey] = [:]
        for (index, (name, file)) in zip(memberNames, csvFiles).enumerated() {
            keys[name] = Ed25519.PrivateKey()
            members.append(Runtime.Member(
                name: name, key: keys[name]!, roles: roles[name] ?? [],
                ledgerRoles: index == 0 ? [.voting, .participant, .sequencer] : [.voting, .participant],
                data: .source(sources[index] ?? CSVSource(path: file))))
        }
        let ledger = try LedgerService(path: ledgerInMemory ? nil : directory.file("ledger.sqlite"))
        let consortium = Consortium(
            name: "test-consortium", members: members, ledger: ledger, transport: transport ?? InMemoryTransport(),
            parameters: .insecureForTests)
        try await consortium.found(quorum: quorum ?? (members.count / 2 + 1))
        let compiled = compile(source)
        try await consortium.adopt(compiled)
        return TestConsortium(
            directory: directory, consortium: consortium, compiled: compiled, names: memberNames, csvFiles: csvFiles, keys: keys)
    }

    /// The plaintext oracle over the rows of `members` (default: all).
    func oracle(members subset: [String]? = nil) throws -> ContractResult {
        let columns = compiled.contract.input.columns
        var rows: [[[Value]]] = []
        for (name, file) in zip(names, csvFiles) where subset?.contains(name) ?? true {
            rows.append(try CSVSource(path: file).rows(columns))
        }
        return try Oracle.evaluate(compiled.contract, members: rows)
    }

    /// Holds a Paillier key ceremony with the 512-bit test-vector primes (fast; tests only).
    @discardableResult
    func holdTestKeyCeremony(threshold: Int? = nil) async throws -> Consortium.KeyCeremonyRecord {
        let (key, shares) = try testThresholdKey(threshold: threshold ?? (names.count / 2 + 1), holders: names.count)
        return try await consortium.recordKeyCeremony(publicKey: key, shares: shares, holders: names)
    }
}

/// The safe primes of protocols/paillier/vectors/v1/threshold.json (512-bit n).
struct ThresholdPrimes: Decodable {
    struct Case: Decodable { let p: String; let q: String }
    let cases: [Case]
}

func testThresholdKey(threshold: Int, holders: Int) throws -> (Paillier.ThresholdPublicKey, [Paillier.KeyShare]) {
    let primes = try Vectors.load(ThresholdPrimes.self, from: "protocols/paillier/vectors/v1/threshold.json").cases[0]
    var rng = SecureRandomGenerator()
    return try Paillier.dealThresholdKey(p: BigInt(primes.p)!, q: BigInt(primes.q)!, threshold: threshold, parties: holders, using: &rng)
}

/// The oracle restricted to the outputs the run revealed (withheld outputs are never shown).
func compare(_ report: RunReport, with oracle: ContractResult) -> [String] {
    guard let result = report.result else { return ["no result: \(report.abortReason ?? "?")"] }
    return result.differences(from: oracle.restricted(to: result.outputNames))
}

/// A consortium of `count` hospitals with demo data in SQLite files (SQL pushdown path).
func hospitalConsortium(
    count: Int, rows: Int = 150, source: String = DemoData.contractSource, transport: (any Transport)? = nil,
    parameters: ParameterPolicy = .insecureForTests
) async throws -> TestConsortium {
    let data = TemporaryDirectory("hospitals")
    var files: [String] = []
    for index in 0..<count {
        let path = data.file("h\(index).sqlite")
        try DemoData.writeHospital(path: path, rows: rows, seed: 77 + UInt64(index), size: 1)
        files.append(path)
    }
    let names = DemoData.memberNames(count)
    let directory = TemporaryDirectory()
    var members: [Runtime.Member] = []
    var keys: [String: Ed25519.PrivateKey] = [:]
    for (index, (name, file)) in zip(names, files).enumerated() {
        keys[name] = Ed25519.PrivateKey()
        members.append(Runtime.Member(
            name: name, key: keys[name]!, roles: index == 0 ? ["regulator"] : [],
            ledgerRoles: index == 0 ? [.voting, .participant, .sequencer] : [.voting, .participant],
            data: .source(SQLiteSource(path: file, relation: .table(DemoData.table)))))
    }
    let ledger = try LedgerService(path: directory.file("ledger.sqlite"))
    let consortium = Consortium(
        name: "hospitals", members: members, ledger: ledger, transport: transport ?? InMemoryTransport(), parameters: parameters)
    try await consortium.found(quorum: count / 2 + 1)
    let compiled = compile(source)
    try await consortium.adopt(compiled)
    return TestConsortium(
        directory: directory, consortium: consortium, compiled: compiled, names: names, csvFiles: files, keys: keys,
        keepAlive: data)
}

extension TestConsortium {
    /// The oracle over the SQLite files of `members`.
    func sqliteOracle(members subset: [String]) throws -> ContractResult {
        let columns = compiled.contract.input.columns
        var rows: [[[Value]]] = []
        for (name, file) in zip(names, csvFiles) where subset.contains(name) {
            rows.append(try SQLiteSource(path: file, relation: .table(DemoData.table)).rows(columns))
        }
        return try Oracle.evaluate(compiled.contract, members: rows)
    }

    /// Asserts-friendly audit: the ledger passes the auditor, and the run has the given status.
    func auditStatus(of report: RunReport) async -> (passed: Bool, status: String?, failure: String?) {
        let audit = await consortium.audit()
        return (audit.passed, audit.runs.first { $0.runID == report.runID.hex }?.status, audit.failure.map { "\($0.rule): \($0.message)" })
    }
}

extension RunOptions {
    /// The options of a run that does not test deadlines: a round deadline no load of a shared
    /// 2-core machine reaches (several test processes and builds at once once stalled a member
    /// past the default 5 s, and the run then correctly went on without it).
    static func patient(_ family: ProtocolFamily?) -> RunOptions {
        RunOptions(protocolFamily: family, roundTimeout: .seconds(120))
    }
}
