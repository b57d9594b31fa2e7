import ConsortiumLedger
import CryptoPrimitives
import Foundation
import WireFormat

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The figures of `covenant bench ledger` (issue 4's performance targets; benchmarks/README.md).
public struct LedgerBenchmarkReport: Codable, Sendable {
    /// Proof sizes and times at one tree size.
    public struct ProofFigures: Codable, Sendable {
        /// Leaves in the tree.
        public var treeSize: UInt64
        /// Mean inclusion path length (hashes) over the sampled leaves.
        public var inclusionHashes: Double
        /// Mean inclusion proof size as a wire encoding (no envelope), bytes.
        public var inclusionBytes: Double
        /// Mean time to produce one inclusion proof, microseconds.
        public var inclusionProveMicroseconds: Double
        /// Mean time to verify one, microseconds.
        public var inclusionVerifyMicroseconds: Double
        /// Mean consistency proof length (hashes) from a random earlier size.
        public var consistencyHashes: Double
        /// Mean consistency proof size, bytes.
        public var consistencyBytes: Double
        /// Mean time to produce one consistency proof, microseconds.
        public var consistencyProveMicroseconds: Double
        /// Mean time to verify one, microseconds.
        public var consistencyVerifyMicroseconds: Double
    }

    /// Entries in the benchmark ledger.
    public var entries: UInt64
    /// Entries per append transaction.
    public var batchSize: Int
    /// The entry mix: per run, `run-started`, one `input-committed` per participant, and a
    /// `result-published` carrying every participant's signature.
    public var entryMix: String
    /// Signatures in the ledger (author signatures plus result endorsements).
    public var signatures: UInt64
    /// Wall-clock seconds to append every entry (signing, rules, SQLite, one transaction per batch).
    public var appendSeconds: Double
    /// Entries appended per wall-clock second.
    public var appendEntriesPerSecond: Double
    /// Entries appended per CPU second of the process (the one-core rate).
    public var appendEntriesPerCPUSecond: Double
    /// The SQLite file's size, bytes.
    public var fileBytes: UInt64
    /// Wall-clock seconds of a full audit of the file (what `covenant ledger verify` runs).
    public var verifySeconds: Double
    /// CPU seconds of that audit (all threads).
    public var verifyCPUSeconds: Double
    /// Entries verified per wall-clock second.
    public var verifyEntriesPerSecond: Double
    /// Active processors.
    public var cores: Int
    /// Proof figures at 10^3 and 10^6 leaves (and at the ledger's size if different).
    public var proofs: [ProofFigures]
}

/// Builds a signed ledger of `entries` entries in SQLite, appends it in batches, audits it, and
/// measures Merkle proofs. Spec: benchmarks/README.md#ledger.
public struct LedgerBenchmarks: Sendable {
    /// Entries to append and verify.
    public let entries: Int
    /// Entries per append transaction.
    public let batchSize: Int
    /// Where the SQLite file goes (removed afterwards unless `keepFile`).
    public let directory: String
    /// Keep the ledger file for later `covenant ledger verify` runs.
    public let keepFile: Bool

    /// A benchmark.
    /// - Parameters:
    ///   - entries: Entries in the ledger.
    ///   - batchSize: Entries per transaction.
    ///   - directory: A scratch directory (default: the temporary directory).
    ///   - keepFile: Whether to keep the file.
    public init(entries: Int = 1_000_000, batchSize: Int = 1000, directory: String? = nil, keepFile: Bool = false) {
        self.entries = max(entries, 16)
        self.batchSize = max(batchSize, 1)
        self.directory = directory ?? NSTemporaryDirectory()
        self.keepFile = keepFile
    }

    /// The path of the benchmark ledger.
    public var path: String { (directory as NSString).appendingPathComponent("covenant-bench-ledger-\(entries).sqlite") }

    /// Runs the benchmark.
    /// - Parameter progress: Called with a description of each phase.
    /// - Returns: The figures.
    /// - Throws: A ``LedgerError`` if the ledger refuses an entry (a bug) or storage fails.
    public func run(progress: (String) -> Void = { _ in }) throws -> LedgerBenchmarkReport {
        for suffix in ["", "-wal", "-shm", ".lock"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        defer {
            if !keepFile { for suffix in ["", "-wal", "-shm", ".lock"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        }
        // Four members (deterministic benchmark keys), quorum 2; the sequencer authors run starts.
        let names = ["m0", "m1", "m2", "m3"]
        let keys = Dictionary(uniqueKeysWithValues: names.enumerated().map { i, name in
            (name, try! Ed25519.PrivateKey(rawRepresentation: [UInt8](repeating: UInt8(0xB0 + i), count: 32)))
        })
        let members = names.map { Member(name: $0, publicKey: keys[$0]!.publicKey, roles: $0 == "m0" ? [.voting, .sequencer, .participant] : [.voting, .participant]) }
        let participants = Array(names.prefix(3))

        progress("append \(entries) entries in batches of \(batchSize)")
        let cpuStart = cpuSeconds()
        let wallStart = ContinuousClock.now
        let ledger = try Ledger.create(
            in: try SQLiteLedgerStore(path: path),
            genesis: Genesis(consortium: "bench", nonce: [UInt8](repeating: 0, count: 16), members: members, quorum: 2),
            founder: "m0", key: keys["m0"]!)
        let versionID = LedgerHash.sha256(Array("bench contract".utf8))
        var setup: [Ledger.Submission] = [
            .init(.contractProposed(ContractProposal(versionID: versionID, name: "bench", source: Array(repeating: 0x20, count: 200))), author: "m0", key: keys["m0"]!),
            .init(.contractApproved(versionID: versionID), author: "m0", key: keys["m0"]!),
            .init(.contractApproved(versionID: versionID), author: "m1", key: keys["m1"]!),
            .init(.contractActivated(versionID: versionID), author: "m0", key: keys["m0"]!),
        ]
        try ledger.append(batch: setup)
        setup.removeAll()
        var signatures: UInt64 = 5
        var batch: [Ledger.Submission] = []
        batch.reserveCapacity(batchSize + 8)
        var run: UInt64 = 0
        while Int(ledger.size) + batch.count < entries {
            run += 1
            let runID = LedgerHash.sha256(withUnsafeBytes(of: run.bigEndian) { Array($0) })
            let remaining = entries - Int(ledger.size) - batch.count
            batch.append(.init(.runStarted(RunStart(runID: runID, versionID: versionID, circuitHash: versionID, protocolName: "additive", participants: participants)), author: "m0", key: keys["m0"]!))
            signatures += 1
            for name in participants.prefix(max(0, remaining - 2)) {
                batch.append(.init(.inputCommitted(InputCommitment(runID: runID, commitment: LedgerHash.sha256(Array(name.utf8) + runID.bytes))), author: name, key: keys[name]!))
                signatures += 1
            }
            if remaining >= participants.count + 2 {
                // Participants sign the result on their own machines: done before it reaches the ledger.
                var result = ResultPublication(runID: runID, resultHash: runID, revealedValues: Array(repeating: 7, count: 64), transcriptHash: runID, contributors: participants)
                let subject = LedgerEntry(sequence: 0, logID: ledger.logID, previousRoot: .zero, timestamp: 0, author: "m0", payload: .resultPublished(result))
                result.endorsements = participants.map { subject.endorsement(by: $0, key: keys[$0]!) }
                batch.append(.init(.resultPublished(result), author: "m0", key: keys["m0"]!))
                signatures += UInt64(1 + participants.count)
            }
            if batch.count >= batchSize {
                try ledger.append(batch: batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try ledger.append(batch: batch) }
        try LedgerSample.checkpoint(ledger, keys: keys)
        let appendSeconds = seconds(ContinuousClock.now - wallStart)
        let appendCPU = cpuSeconds() - cpuStart
        let size = ledger.size
        let fileBytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64) ?? 0

        progress("audit \(size) entries")
        let verifyCPUStart = cpuSeconds()
        let verifyStart = ContinuousClock.now
        let report = LedgerAuditor().audit(path: path)
        let verifySeconds = seconds(ContinuousClock.now - verifyStart)
        let verifyCPU = cpuSeconds() - verifyCPUStart
        guard report.passed else {
            throw LedgerError(.storageFailure, "benchmark ledger failed its audit: \(String(describing: report.failure))")
        }

        var proofs: [LedgerBenchmarkReport.ProofFigures] = []
        var sizes: [UInt64] = [1000, 1_000_000]
        if !sizes.contains(size) { sizes.append(size) }
        for treeSize in sizes.sorted() {
            progress("proofs at \(treeSize) leaves")
            let tree = treeSize == size ? ledger.tree : MerkleTree(leafHashes: (0..<treeSize).lazy.map { i in
                MerkleTree.leafHash(withUnsafeBytes(of: i.bigEndian) { Array($0) })
            })
            proofs.append(try proofFigures(tree))
        }
        return LedgerBenchmarkReport(
            entries: size, batchSize: batchSize,
            entryMix: "per run: run-started, 3 input-committed, result-published with 3 participant signatures",
            signatures: signatures, appendSeconds: appendSeconds,
            appendEntriesPerSecond: Double(size) / appendSeconds, appendEntriesPerCPUSecond: Double(size) / appendCPU,
            fileBytes: fileBytes, verifySeconds: verifySeconds, verifyCPUSeconds: verifyCPU,
            verifyEntriesPerSecond: Double(size) / verifySeconds, cores: ProcessInfo.processInfo.activeProcessorCount,
            proofs: proofs)
    }

    private func proofFigures(_ tree: MerkleTree) throws -> LedgerBenchmarkReport.ProofFigures {
        var rng = BenchmarkRNG(seed: tree.size)
        let samples = 2000
        let n = tree.size
        let root = tree.rootHash
        var hashes = 0, bytes = 0, consistencyHashes = 0, consistencyBytes = 0
        var prove = Duration.zero, verify = Duration.zero, cProve = Duration.zero, cVerify = Duration.zero
        for _ in 0..<samples {
            let index = UInt64.random(in: 0..<n, using: &rng)
            let leaf = try tree.leafHash(at: index)
            var t = ContinuousClock.now
            let proof = try tree.inclusionProof(index: index, size: n)
            prove += ContinuousClock.now - t
            t = ContinuousClock.now
            try proof.verify(leafHash: leaf, rootHash: root)
            verify += ContinuousClock.now - t
            hashes += proof.path.count
            bytes += proof.wireEncoded().count

            let first = UInt64.random(in: 1..<n, using: &rng)
            let firstRoot = try tree.rootHash(size: first)
            t = ContinuousClock.now
            let consistency = try tree.consistencyProof(from: first, to: n)
            cProve += ContinuousClock.now - t
            t = ContinuousClock.now
            try consistency.verify(firstRoot: firstRoot, secondRoot: root)
            cVerify += ContinuousClock.now - t
            consistencyHashes += consistency.path.count
            consistencyBytes += consistency.wireEncoded().count
        }
        let s = Double(samples)
        return .init(
            treeSize: n, inclusionHashes: Double(hashes) / s, inclusionBytes: Double(bytes) / s,
            inclusionProveMicroseconds: seconds(prove) * 1e6 / s, inclusionVerifyMicroseconds: seconds(verify) * 1e6 / s,
            consistencyHashes: Double(consistencyHashes) / s, consistencyBytes: Double(consistencyBytes) / s,
            consistencyProveMicroseconds: seconds(cProve) * 1e6 / s, consistencyVerifyMicroseconds: seconds(cVerify) * 1e6 / s)
    }
}

private func seconds(_ duration: Duration) -> Double {
    let (s, attoseconds) = duration.components
    return Double(s) + Double(attoseconds) / 1e18
}

/// User plus system CPU time of the whole process (all threads).
private func cpuSeconds() -> Double {
    var usage = rusage()
    #if canImport(Glibc)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}
