import ConsortiumLedger
import Logging
import Runtime
import WireFormat

/// Decryption evidence replication (protocols/node.md#evidence-replication): a paillier run's
/// coordinator files the evidence beside its replica; each other participant's node copies it in
/// parts of at most 1 MiB, first from the coordinator, else from another participant holding it,
/// and files it only if it matches the digest and size on its own replica. A copy that fails is
/// tried again with back-off (1 s doubling to 5 minutes), so `covenant audit` on every
/// participant's replica re-checks the decryption once the holder is reachable.
extension MemberNode {
    /// Copies the evidence this replica lacks; called by the follow loop after each catch-up.
    func replicateEvidence() async {
        let now = ContinuousClock.now
        for (record, holder, participants) in await ledger.local.evidenceToReplicate(for: name) {
            let run = record.runID
            if let retry = evidenceRetries[run], retry.next > now { continue }
            let sources = [holder] + participants.filter { $0 != holder && $0 != name }.sorted()
            var copied = false
            for source in sources where source != name {
                do {
                    let bytes = try await fetchEvidence(of: record, from: source)
                    try await ledger.local.fileReplicatedEvidence(bytes, run: run)
                    logger.info("copied decryption evidence", metadata: ["run": "\(run.hex.prefix(16))", "from": "\(source)", "bytes": "\(bytes.count)"])
                    copied = true
                    break
                } catch {
                    logger.debug("evidence not copied", metadata: ["run": "\(run.hex.prefix(16))", "from": "\(source)", "error": "\(error)"])
                }
            }
            if copied {
                evidenceRetries[run] = nil
            } else {
                let failures = (evidenceRetries[run]?.failures ?? 0) + 1
                let delay = Duration.seconds(min(300, 1 << min(failures - 1, 9)))
                evidenceRetries[run] = (failures, now.advanced(by: delay))
                if failures == 1 {
                    logger.warning("decryption evidence not copied yet; retrying", metadata: ["run": "\(run.hex.prefix(16))"])
                }
            }
        }
    }

    /// A run's evidence from `peer`'s replica, part by part; each part must continue the last and
    /// the whole must be the size the ledger records (its digest is checked when it is filed).
    private func fetchEvidence(of record: DecryptionEvidence, from peer: String) async throws -> [UInt8] {
        guard record.size <= UInt64(EvidenceArchive.maximumSize) else {
            throw Runtime.RuntimeError(.messageRejected, "the ledger records evidence larger than \(EvidenceArchive.maximumSize) bytes")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(record.size))
        repeat {
            var answer = try ControlResponse.read(
                try await transport.call(
                    peer, ControlRequest.evidence(runID: record.runID, offset: UInt64(bytes.count)).encoded(),
                    timeout: settings.limits.callTimeout),
                from: peer, limits: .default)
            let size = try answer.readUInt64()
            let part = try answer.readByteString()
            try answer.finish()
            guard size == record.size, !part.isEmpty || size == 0, part.count <= ControlRequest.evidenceChunk,
                UInt64(bytes.count + part.count) <= size
            else {
                throw Runtime.RuntimeError(.messageRejected, "\(peer) answered evidence of another size than the ledger records")
            }
            bytes += part
        } while UInt64(bytes.count) < record.size
        return bytes
    }

    /// The answer to ``ControlRequest/evidence(runID:offset:)``: a part of the run's evidence for
    /// a participant of the published run, after catching up with the sequencer.
    func answerEvidence(of run: LedgerHash, from offset: UInt64, for caller: String) async throws -> [UInt8] {
        if await ledger.local.state.runs[run]?.status != .published { try? await ledger.sync() }
        let (size, part) = try await ledger.local.evidenceChunk(of: run, from: offset, limit: ControlRequest.evidenceChunk, for: caller)
        return ControlResponse.ok { w in
            w.writeUInt64(size)
            w.writeByteString(part)
        }
    }
}
