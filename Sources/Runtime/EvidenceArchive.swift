public import ConsortiumLedger
import Foundation
import Synchronization

/// Decryption evidence kept off the ledger (spec: protocols/ledger.md#decryption-evidence): the
/// ledger records only each run's evidence digest, because the evidence itself (every member's
/// ciphertexts and every key holder's decryption shares) would let any reader of the ledger
/// recompute the sums a contract withholds. The coordinator files the evidence here, and an
/// auditor given it checks it against the digest on the ledger.
///
/// Beside a ledger file `L` the archive is the folder `L.evidence/`, one file per run named by the
/// run id; an in-memory ledger keeps its evidence in memory.
public final class EvidenceArchive: Sendable {
    /// The folder, or nil for an in-memory archive.
    public let directory: String?
    private let memory = Mutex<[LedgerHash: [UInt8]]>([:])

    /// An archive in `directory` (created on the first write), or in memory.
    /// - Parameter directory: The folder, or nil.
    public init(directory: String?) { self.directory = directory }

    /// The archive folder beside a ledger file.
    /// - Parameter ledger: The ledger file.
    /// - Returns: `ledger + ".evidence"`.
    public static func folder(besideLedger ledger: String) -> String { ledger + ".evidence" }

    private func file(_ run: LedgerHash) -> String? { directory.map { "\($0)/\(run.hex).evidence" } }

    /// Files a run's evidence (atomically, before its digest goes on the ledger).
    /// - Parameters:
    ///   - evidence: The encoded evidence.
    ///   - run: The run.
    /// - Throws: ``RuntimeError`` `fileFailure`.
    public func store(_ evidence: [UInt8], run: LedgerHash) throws(RuntimeError) {
        guard let directory, let path = file(run) else {
            memory.withLock { $0[run] = evidence }
            return
        }
        do {
            // Owner only: the evidence gives every opened sum (suppressed and role-only ones included).
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try Data(evidence).write(to: URL(fileURLWithPath: path), options: .atomic)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        } catch {
            throw RuntimeError(.fileFailure, "cannot file the decryption evidence of run \(run.hex.prefix(16))… in \(directory)", cause: error)
        }
    }

    /// A run's evidence, if the archive holds it.
    /// - Parameter run: The run.
    /// - Returns: The bytes, or nil.
    public func evidence(of run: LedgerHash) -> [UInt8]? {
        guard let path = file(run) else { return memory.withLock { $0[run] } }
        // The ledger records the size; anything far larger than evidence can be is not read.
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        guard size <= Self.maximumSize else { return nil }
        return FileManager.default.contents(atPath: path).map { Array($0) }
    }

    /// The largest evidence file read (1 GiB).
    public static let maximumSize = 1 << 30
}
