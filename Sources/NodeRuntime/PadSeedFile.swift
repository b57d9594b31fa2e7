import ConsortiumLedger
import Foundation
import Runtime
import WireFormat

/// The output pad seeds a recipient node holds (protocols/runtime.md#output-pads), kept in a small
/// file next to the replica (`<ledger>.padseeds`, mode 0600, rewritten whole, flushed to disk and
/// renamed into place) so that a node restarted between `join` and the delivery still unmasks
/// its outputs. At most ``maximumCount`` seeds and ``maximumFileBytes``; a run's seeds are
/// forgotten once its view is assembled or the run aborted, those of other closed runs when the
/// file is full, and at start those of runs no longer waiting for a view. Spec:
/// protocols/node.md#runs-across-nodes.
struct PadSeedFile: Sendable {
    /// The most seeds the file holds (each about 100 bytes); past it a seed is kept in memory only.
    static let maximumCount = 4096
    /// The largest file read back.
    static let maximumFileBytes = 2 << 20

    /// The seeds, in the order kept.
    private(set) var seeds: [PadSeed] = []
    /// The file, or nil to keep nothing on disk.
    let file: String?

    /// The seeds `file` holds (none if it does not exist).
    /// - Throws: ``RuntimeError`` `invalidConfiguration` when the file cannot be read as seeds.
    init(file: String?) throws {
        self.file = file
        guard let file, FileManager.default.fileExists(atPath: file) else { return }
        var limits = WireLimits.default
        limits.maxElementCount = Self.maximumCount
        guard let data = DurableFile.read(file, limit: Self.maximumFileBytes),
            let records = try? [PadSeedRecord](wireEncoded: data, limits: limits)
        else {
            throw RuntimeError(.invalidConfiguration, "\(file) does not hold pad seeds; move it aside to start without them")
        }
        seeds = records.map(\.seed)
    }

    /// Keeps `seeds` (those already held are not added twice) and writes the file.
    /// - Returns: False when the file is full and they are not kept on disk.
    /// - Throws: ``RuntimeError`` `fileFailure` when the file cannot be written (nothing changes then).
    mutating func keep(_ added: [PadSeed]) throws -> Bool {
        let new = added.filter { seed in !seeds.contains { $0.runID == seed.runID && $0.sender == seed.sender && $0.group == seed.group } }
        guard !new.isEmpty else { return true }
        guard seeds.count + new.count <= Self.maximumCount,
            (seeds + new).map(PadSeedRecord.init).wireEncoded().count <= Self.maximumFileBytes
        else { return false }
        try save(seeds + new)
        seeds += new
        return true
    }

    /// Forgets the seeds of the runs `forget` names and writes the file if any were held.
    /// - Throws: ``RuntimeError`` `fileFailure` when the file cannot be written.
    mutating func forget(where forget: (LedgerHash) -> Bool) throws {
        let kept = seeds.filter { !forget($0.runID) }
        guard kept.count != seeds.count else { return }
        try save(kept)
        seeds = kept
    }

    private func save(_ seeds: [PadSeed]) throws {
        guard let file else { return }
        // A seed is a secret of its run: the file is created 0600, never readable by others
        // (``DurableFile``: a crash leaves the old file or the new one).
        guard DurableFile.replace(file, with: seeds.map(PadSeedRecord.init).wireEncoded()) else {
            throw RuntimeError(.fileFailure, "the pad seeds could not be written next to the replica")
        }
    }
}

/// `bytes[32] runID ‖ string sender ‖ u32 n ‖ n × string group ‖ bytes seed`.
struct PadSeedRecord: WireCodable {
    var seed: PadSeed

    init(_ seed: PadSeed) { self.seed = seed }

    func encode(to writer: inout WireWriter) {
        writer.write(seed.runID)
        writer.writeString(seed.sender)
        writer.writeUInt32(UInt32(clamping: seed.group.count))
        for name in seed.group { writer.writeString(name) }
        writer.writeByteString(seed.seed)
    }

    init(from reader: inout WireReader) throws(WireFormatError) {
        let runID = try reader.read(LedgerHash.self)
        let sender = try reader.readString()
        let count = try reader.readLength(limit: 4096, unitSize: 4)
        var group: [String] = []
        for _ in 0..<count { group.append(try reader.readString()) }
        seed = PadSeed(runID: runID, sender: sender, group: group, seed: try reader.readByteString())
    }

    static var minimumWireByteCount: Int { 32 + 4 + 4 + 4 }
}
