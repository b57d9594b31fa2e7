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
    /// Runs whose filed evidence was checked against a ledger record in this process, with the
    /// file's identity then (size, inode, modification time; the size alone in memory): not read
    /// and hashed again at every look (``holds(_:matching:)``).
    private let checked = Mutex<[LedgerHash: FileIdentity]>([:])

    /// What tells a checked file from one replaced or rewritten since.
    private struct FileIdentity: Equatable {
        var size: UInt64
        var inode: UInt64 = 0
        var modified: Int64 = 0
    }

    /// The identity of `run`'s evidence as filed now, or nil when it is not there.
    private func identity(_ run: LedgerHash) -> FileIdentity? {
        guard let path = file(run) else { return memory.withLock { $0[run] }.map { FileIdentity(size: UInt64($0.count)) } }
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileIdentity(
            size: UInt64(info.st_size), inode: UInt64(info.st_ino),
            modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }

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

    /// Whether the archive holds exactly the evidence `record` commits to: read and hashed once
    /// per process, then only its size is looked at.
    /// - Parameters:
    ///   - run: The run.
    ///   - record: The ledger's record of it.
    /// - Returns: True when the filed evidence matches.
    public func holds(_ run: LedgerHash, matching record: DecryptionEvidence) -> Bool {
        if checked.withLock({ $0[run]?.size == record.size }), holdsChecked(run) { return true }
        let before = identity(run)
        guard let bytes = evidence(of: run), record.matches(bytes), let before, identity(run) == before else { return false }
        checked.withLock { $0[run] = before }
        return true
    }

    /// Whether the archive still holds evidence of `run` that ``holds(_:matching:)`` checked in
    /// this process (the same file, neither replaced nor rewritten since), without the ledger's
    /// record: what lets a node's evidence pass skip a run it completed without reading its entry
    /// again.
    /// - Parameter run: The run.
    /// - Returns: True when checked and unchanged; false otherwise (then forgotten, so the next
    ///   ``holds(_:matching:)`` reads and hashes it again).
    public func holdsChecked(_ run: LedgerHash) -> Bool {
        guard let known = checked.withLock({ $0[run] }) else { return false }
        guard identity(run) == known else {
            checked.withLock { _ = $0.removeValue(forKey: run) }
            return false
        }
        return true
    }

    /// At most `limit` bytes of a run's evidence from `offset` on, read from the file without
    /// reading the rest.
    /// - Returns: The bytes, or nil when the archive does not hold the run's evidence.
    public func part(of run: LedgerHash, from offset: UInt64, limit: Int) -> [UInt8]? {
        guard let path = file(run) else {
            return memory.withLock { held in
                held[run].map { bytes in
                    let start = Int(min(offset, UInt64(bytes.count)))
                    return Array(bytes[start..<min(bytes.count, start + max(0, limit))])
                }
            }
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        do {
            try handle.seek(toOffset: offset)
            return Array(try handle.read(upToCount: max(0, limit)) ?? Data())
        } catch {
            return nil
        }
    }

    /// The largest evidence file read (1 GiB).
    public static let maximumSize = 1 << 30
}
