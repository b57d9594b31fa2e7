import ConsortiumLedger
import Foundation
import Logging
import Runtime
import WireFormat

/// Checkpoint gossip (protocols/node.md#checkpoint-gossip): once a second a node asks one other
/// member's node, in turn, for the newest checkpoint its replica holds and compares it with its own
/// replica. A sequencer that signed different logs for different members is caught by any member
/// that hears of both, not only by a cosigner asked to sign both: the replica stops following the
/// sequencer, keeps the equivocation evidence when it holds both signed checkpoints, and its
/// operator sees the halt in `node status`.
extension MemberNode {
    /// The interval between two gossip calls of one node.
    static let gossipInterval = Duration.seconds(1)

    /// Asks the next peer for its newest checkpoint and compares it with this replica.
    func gossipCheckpoint() async {
        let now = ContinuousClock.now
        guard !ledger.isSequencer, now >= gossip.next, await ledger.halted == nil else { return }
        gossip.next = now.advanced(by: Self.gossipInterval)
        let peers = await ledger.state.members.keys.filter { $0 != name }.sorted()
        guard !peers.isEmpty else { return }
        let peer = peers[gossip.peer % peers.count]
        gossip.peer &+= 1
        let checkpoint: SignedCheckpoint
        do {
            var answer = try ControlResponse.read(
                try await transport.call(peer, ControlRequest.checkpoint.encoded(), timeout: settings.limits.callTimeout),
                from: peer, limits: .default)
            guard try answer.readBool() else { return }
            checkpoint = try SignedCheckpoint(wireEncoded: try answer.readByteString(), limits: .default)
            try answer.finish()
        } catch {
            logger.debug("checkpoint gossip: no answer", metadata: ["peer": "\(peer)", "error": "\(error)"])
            return
        }
        do {
            if try await ledger.local.compare(checkpoint) == false {
                // Ahead of this replica: catch up, then compare.
                try? await ledger.sync()
                try await ledger.local.compare(checkpoint)
            }
        } catch let error as Runtime.RuntimeError {
            guard let cause = error.cause as? LedgerError, [.equivocation, .checkpointRootMismatch].contains(cause.code) else {
                // A checkpoint that does not verify says nothing of the sequencer: the peer's problem.
                logger.warning("checkpoint gossip: a peer's checkpoint does not verify", metadata: ["peer": "\(peer)", "error": "\(error.message)"])
                return
            }
            await ledger.halt("sequencer \(checkpoint.sequencer) showed \(peer) another log: \(cause.message)")
            logger.critical("equivocating sequencer", metadata: ["sequencer": "\(checkpoint.sequencer)", "peer": "\(peer)", "size": "\(checkpoint.checkpoint.size)"])
        } catch {
            logger.warning("checkpoint gossip failed", metadata: ["peer": "\(peer)", "error": "\(error)"])
        }
    }
}
