import Circuit
import CircuitCompiler
import ConsortiumLedger
import CryptoPrimitives
import DataSources
import Foundation
import MPCProtocols
import MultiPrecision
import NodeRuntime
import PaillierEncryption
import Runtime
import Testing
import _TestSupport

/// A temporary directory removed when the value is released.
final class TemporaryDirectory: @unchecked Sendable {
    // @unchecked: `path` is immutable after init; deinit only removes the directory.
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("covenant-node-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The safe primes of protocols/paillier/vectors/v1/threshold.json (512-bit n; tests only).
struct ThresholdPrimes: Decodable {
    struct Case: Decodable { let p: String; let q: String }
    let cases: [Case]
}

/// The existing runtime, unchanged, over three member nodes: every protocol message between
/// members crosses TLS on loopback (protocols/node.md#transport).
@Suite("Node transport: a consortium run over member nodes")
struct ConsortiumOverNodesTests {
    @Test(
        "the demo contract gives the same result over the gRPC transport as in memory",
        arguments: [ProtocolFamily.additive, .secagg, .paillier])
    func sameResult(family: ProtocolFamily) async throws {
        let directory = TemporaryDirectory()
        let names = DemoData.memberNames(3)
        var keys: [String: Ed25519.PrivateKey] = [:]
        var members: [Runtime.Member] = []
        for (index, name) in names.enumerated() {
            let path = directory.file("h\(index).sqlite")
            try DemoData.writeHospital(path: path, rows: 120, seed: 41 + UInt64(index), size: 1)
            keys[name] = Ed25519.PrivateKey()
            members.append(Runtime.Member(
                name: name, key: keys[name]!, roles: index == 0 ? ["regulator"] : [],
                ledgerRoles: index == 0 ? [.voting, .participant, .sequencer] : [.voting, .participant],
                data: .source(SQLiteSource(path: path, relation: .table(DemoData.table)))))
        }
        let consortium = Consortium(
            name: "hospitals", members: members, ledger: try LedgerService(path: directory.file("ledger.sqlite")),
            parameters: .insecureForTests)
        try await consortium.found(quorum: 2)
        let compiled = try ContractCompiler.compile(source: DemoData.contractSource)
        try await consortium.adopt(compiled)
        if family == .paillier {
            let primes = try Vectors.load(ThresholdPrimes.self, from: "protocols/paillier/vectors/v1/threshold.json").cases[0]
            var generator = SecureRandomGenerator()
            let (key, shares) = try Paillier.dealThresholdKey(
                p: try #require(BigInt(primes.p)), q: try #require(BigInt(primes.q)), threshold: 2, parties: 3, using: &generator)
            try await consortium.recordKeyCeremony(publicKey: key, shares: shares, holders: names)
        }

        let network = try await TestNetwork.make(names, keys: keys)
        defer { Task { await network.stop() } }
        let inMemory = try await consortium.run(compiled, options: RunOptions(protocolFamily: family))
        let overNodes = try await consortium.run(
            compiled, options: RunOptions(protocolFamily: family, transport: RoutedTransport(network: network, participants: names)))

        #expect(inMemory.status == .published, "\(inMemory.abortReason ?? "")")
        #expect(overNodes.status == .published, "\(overNodes.abortReason ?? "")")
        let expected = try #require(inMemory.result)
        let actual = try #require(overNodes.result)
        #expect(actual.json == expected.json)
        #expect(overNodes.publicResult?.json == inMemory.publicResult?.json)
        #expect(overNodes.contributors == names)

        var delivered = 0
        var refused = 0
        for name in names {
            let statistics = await network.node(name).statistics()
            delivered += statistics.envelopesDelivered
            refused += statistics.envelopesRefusedByPeers.values.reduce(0, +)
            #expect(statistics.handshakesRefused == 0)
        }
        #expect(delivered > 0)
        #expect(refused == 0)
        #expect(await consortium.audit().passed)
    }
}
