public import ConsortiumLedger
public import CryptoPrimitives
public import Runtime
public import WireFormat
import Foundation

/// A member node's replica of the consortium ledger (protocols/node.md#ledger-replication). One
/// member, the sequencer, orders entries: its replica is the log. Every other node drafts its own
/// entries on its replica, signs them with its own key and submits them to the sequencer, which
/// verifies and appends them; every node fetches the log from the sequencer and verifies each
/// entry (author signature and every lifecycle rule) before applying it. A replica that meets an
/// entry it cannot verify, or a checkpoint that contradicts it, stops following the sequencer
/// (``halted``) and keeps the evidence. No node ever signs for another member.
public actor ReplicatedLedger: LedgerAccess {
    /// This node's replica (its own SQLite file).
    public nonisolated let local: LedgerService
    /// The sequencer member.
    public nonisolated let sequencer: String
    /// This node's member.
    public nonisolated let member: String
    private let call: @Sendable (_ peer: String, _ request: [UInt8], _ timeout: Duration) async throws -> [UInt8]
    private let callTimeout: Duration
    private let wireLimits: WireLimits
    /// Why the replica stopped following the sequencer, if it did.
    public private(set) var halted: String? {
        didSet { if let halted, oldValue == nil { recordHalt(halted) } }
    }
    /// Where the halt is kept across restarts (protocols/node.md#ledger-replication).
    private let haltRecord: String?

    /// A replica.
    /// - Parameters:
    ///   - local: The replica.
    ///   - member: This node's member.
    ///   - sequencer: The sequencer member.
    ///   - callTimeout: The deadline of each call to the sequencer.
    ///   - wireLimits: Bounds on decoded answers.
    ///   - haltRecord: A file that keeps a halt across restarts: read now (a replica halted before
    ///     stays halted), written when the replica halts; nil keeps it in memory only.
    ///   - call: Calls a member's node (``NodeTransport/call(_:_:timeout:)``).
    public init(
        local: LedgerService, member: String, sequencer: String, callTimeout: Duration, wireLimits: WireLimits = .default,
        haltRecord: String? = nil,
        call: @escaping @Sendable (_ peer: String, _ request: [UInt8], _ timeout: Duration) async throws -> [UInt8]
    ) {
        self.local = local
        self.member = member
        self.sequencer = sequencer
        self.callTimeout = callTimeout
        self.wireLimits = wireLimits
        self.haltRecord = haltRecord
        self.call = call
        if let haltRecord, FileManager.default.fileExists(atPath: haltRecord) {
            // A record that cannot be read still says the replica halted.
            let data = FileManager.default.contents(atPath: haltRecord) ?? Data()
            let reason = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            halted = reason.isEmpty ? "stopped following sequencer \(sequencer) before a restart" : reason
        }
    }

    /// Writes the halt's reason next to the replica (a new file renamed into place, so a crash
    /// leaves the old state or the new one). A failure to write is not fatal: the halt holds in
    /// memory, and the node's log says the record is missing.
    private nonisolated func recordHalt(_ reason: String) {
        guard let haltRecord else { return }
        let temporary = haltRecord + ".new"
        guard FileManager.default.createFile(atPath: temporary, contents: Data((reason + "\n").utf8)),
            rename(temporary, haltRecord) == 0
        else {
            FileHandle.standardError.write(Data("covenant node: the replication halt could not be recorded in \(haltRecord)\n".utf8))
            return
        }
    }

    /// Whether this node is the sequencer.
    public nonisolated var isSequencer: Bool { member == sequencer }

    public var state: ConsortiumState { get async { await local.state } }

    public func run(_ runID: LedgerHash) async throws -> (run: ConsortiumState.Run, source: String) {
        if await local.state.runs[runID] == nil { try await sync() }
        return try await local.run(runID)
    }

    public func draft(_ payload: LedgerEntry.Payload, author: String) async -> LedgerEntry {
        await local.draft(payload, author: author)
    }

    public func fileEvidence(_ bytes: [UInt8], run: LedgerHash) async throws {
        try await local.fileEvidence(bytes, run: run)
    }

    /// Appends an entry signed by `author` (this node's member): directly on the sequencer,
    /// else drafted on this replica after catching up, submitted, and redrafted if another entry
    /// took the position first.
    public func append(_ payload: LedgerEntry.Payload, author: String, key: Ed25519.PrivateKey) async throws -> UInt64 {
        if isSequencer { return try await local.append(payload, author: author, key: key) }
        var last: RuntimeError?
        for _ in 0..<16 {
            try await sync()
            let signed = (await local.draft(payload, author: author)).signed(with: key)
            do {
                var answer = try ControlResponse.read(
                    try await call(sequencer, ControlRequest.submit(signed).encoded(), callTimeout), from: sequencer, limits: wireLimits)
                let index = try answer.readUInt64()
                // Accepted where it was drafted: this replica applies its own entry (verified like
                // any other) instead of fetching it back; otherwise it catches up. A failed
                // catch-up here is retried by the next sync.
                if index == (await local.size), (try? await local.receive([signed])) != nil { return index }
                try? await sync()
                return index
            } catch let error as RuntimeError where error.code == .staleReplica {
                last = error
            }
        }
        throw last ?? RuntimeError(.staleReplica, "the sequencer kept refusing the entry as stale", member: member)
    }

    /// Fetches the sequencer's log from this replica's size on and applies it, verifying every
    /// entry; one call when the replica is fewer than 256 entries (about 1 MiB) behind, since each
    /// answer carries the log's size.
    /// - Throws: ``RuntimeError`` `replicationHalted` once an entry failed verification (never
    ///   applied), `transportFailure` when the sequencer cannot be reached.
    public func sync() async throws {
        if let halted { throw RuntimeError(.replicationHalted, halted, member: member) }
        guard !isSequencer else { return }
        while true {
            let from = await local.size
            let (entries, size) = try Self.readFetchAnswer(
                try await call(sequencer, ControlRequest.fetch(from: from, limit: 256).encoded(), callTimeout), from: sequencer,
                limits: wireLimits)
            guard !entries.isEmpty else { return }
            guard entries.first?.entry.sequence == from else {
                throw RuntimeError(.transportFailure, "the sequencer answered entries from another position than \(from)", member: member)
            }
            do {
                try await local.receive(entries)
            } catch let error as RuntimeError {
                // Halt on an entry that fails verification, not on a local storage failure.
                if let cause = error.cause as? LedgerError, [.storageFailure, .storageCorrupt, .ledgerBusy].contains(cause.code) { throw error }
                halted = "stopped following sequencer \(sequencer): \(error.message)"
                throw RuntimeError(.replicationHalted, halted!, member: member)
            }
            let reached = await local.size
            guard reached > from else {
                throw RuntimeError(.transportFailure, "the sequencer's entries did not extend this replica", member: member)
            }
            if reached >= size { return }
        }
    }

    /// Records why the replica stops following the sequencer (an equivocation it detected).
    /// - Parameter reason: The reason.
    public func halt(_ reason: String) { if halted == nil { halted = reason } }

    /// Reads an answer of ``answerFetch(from:limit:)``: the entries and the log's size.
    /// - Throws: The callee's refusal, or a malformed answer.
    static func readFetchAnswer(_ bytes: [UInt8], from peer: String, limits: WireLimits) throws -> (entries: [SignedEntry], size: UInt64) {
        var answer = try ControlResponse.read(bytes, from: peer, limits: limits)
        let count = try answer.readLength(limit: 256, unitSize: 4)
        var entries: [SignedEntry] = []
        for _ in 0..<count { entries.append(try SignedEntry(wireEncoded: try answer.readByteString(), limits: limits)) }
        let size = try answer.readUInt64()
        try answer.finish()
        return (entries, size)
    }

    /// The sequencer's answer to a ``ControlRequest/fetch(from:limit:)`` (and the admin channel's
    /// `entries`, for a copy of the replica).
    func answerFetch(from: UInt64, limit: UInt32) async -> [UInt8] {
        do {
            // At most 256 entries and about 1 MiB (at least one entry), well inside gRPC's 4 MiB answers.
            var encoded: [[UInt8]] = []
            var bytes = 0
            for entry in try await local.entries(from: from, limit: Int(min(limit, 256))) {
                let entryBytes = entry.encoded
                if !encoded.isEmpty && bytes + entryBytes.count > 1 << 20 { break }
                encoded.append(entryBytes)
                bytes += entryBytes.count
            }
            let size = await local.size
            return ControlResponse.ok { w in
                w.writeUInt32(UInt32(encoded.count))
                for entry in encoded { w.writeByteString(entry) }
                w.writeUInt64(size)
            }
        } catch let error as RuntimeError {
            return ControlResponse.refusal(error)
        } catch {
            return ControlResponse.refusal(RuntimeError(.ledgerFailure, "the log could not be read"))
        }
    }

    /// The sequencer's answer to a ``ControlRequest/submit(_:)`` from `caller`: only the caller's
    /// own entries are accepted.
    func answerSubmit(_ entry: SignedEntry, from caller: String) async -> [UInt8] {
        guard isSequencer else {
            return ControlResponse.refusal(RuntimeError(.ledgerFailure, "\(member) is not the sequencer; submit to \(sequencer)"))
        }
        guard entry.entry.author == caller else {
            return ControlResponse.refusal(RuntimeError(
                .ledgerFailure, "\(caller) submitted an entry authored by \(entry.entry.author); a node submits only its own entries"))
        }
        do {
            let index = try await local.accept(entry)
            return ControlResponse.ok { $0.writeUInt64(index) }
        } catch let error as RuntimeError {
            return ControlResponse.refusal(error)
        } catch {
            return ControlResponse.refusal(RuntimeError(.ledgerFailure, "the entry could not be appended"))
        }
    }
}
