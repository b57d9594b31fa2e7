import CircuitCompiler
import ConsortiumLedger
import DataSources
import Foundation
import Logging
import MPCProtocols
import Runtime
import WireFormat

/// Another member's node as a run participant and result recipient: each step is a
/// ``ControlRequest`` the coordinator's node sends it, and the member's node does the step itself
/// with its own key, data and ledger replica (protocols/node.md#runs-across-nodes).
struct RemoteParticipant: RunParticipant, ResultRecipient {
    let name: String
    /// Its seat in the run (for a report when the node cannot be reached).
    let party: PartyID
    let callTimeout: Duration
    let wireLimits: WireLimits
    let call: @Sendable (_ peer: String, _ request: [UInt8], _ timeout: Duration) async throws -> [UInt8]

    private func ask(_ request: ControlRequest, within timeout: Duration? = nil) async throws -> WireReader {
        try ControlResponse.read(try await call(name, request.encoded(), timeout ?? callTimeout), from: name, limits: wireLimits)
    }

    func prepare(runID: LedgerHash, party: PartyID, members: Int, deadline: ContinuousClock.Instant) async throws -> PreparedInput {
        let remaining = max(.zero, deadline - .now)
        var answer = try await ask(
            .prepare(runID: runID, party: party.rawValue, members: UInt32(members), millis: UInt64(remaining / .milliseconds(1))),
            within: remaining + callTimeout)
        let commitment = try answer.read(LedgerHash.self)
        let path = try answer.readString()
        return PreparedInput(commitment: commitment, execution: path == "pushdown" ? .pushdown : .rowPipeline(reason: path.isEmpty ? nil : path))
    }

    func commit(runID: LedgerHash) async throws -> UInt64 {
        var answer = try await ask(.commit(runID: runID))
        return try answer.readUInt64()
    }

    func join(runID: LedgerHash, terms: SessionTerms) async throws {
        _ = try await ask(.join(runID: runID, terms: terms))
    }

    func participate(runID: LedgerHash, roundTimeout: Duration) async -> PartyReport<AggregateOutput> {
        do {
            // The member's own round deadlines end its party; this bound only covers a vanished node.
            var answer = try await ask(.participate(runID: runID, roundMillis: UInt64(roundTimeout / .milliseconds(1))), within: roundTimeout * 16 + callTimeout)
            let report = try PartyReport<AggregateOutput>(from: &answer)
            // A node reports for its own seat only; another seat's report would overwrite that member's.
            guard report.party == party else {
                return PartyReport(party: party, ending: .failed("\(name) reported for another seat"), sentDigests: [], ignored: [])
            }
            return report
        } catch {
            return PartyReport(party: party, ending: .disconnected, sentDigests: [], ignored: [])
        }
    }

    func endorse(_ entry: LedgerEntry, opening: [UInt8]) async throws -> Endorsement? {
        guard case .resultPublished(let publication) = entry.payload else { return nil }
        var answer = try await ask(.endorse(publication, opening: opening))
        guard try answer.readBool() else { return nil }
        return try answer.read(Endorsement.self)
    }

    func receive(_ delivery: ResultDelivery) async throws -> ContractResult? {
        // The member's node assembles its view and keeps it: it never comes back here.
        _ = try await ask(.view(delivery))
        return nil
    }
}

/// Pad seeds across nodes: a member control call from the participant's node to the recipient's
/// node over their mutually authenticated link; the callee takes the caller for the sender
/// (protocols/node.md#control-calls).
struct NodeCourier: PadSeedCourier {
    let callTimeout: Duration
    let wireLimits: WireLimits
    let call: @Sendable (_ peer: String, _ request: [UInt8], _ timeout: Duration) async throws -> [UInt8]
    /// Where an undelivered seed is reported to this member's operator (that recipient loses its view).
    let logger: Logger

    func deliver(_ seed: PadSeed, to recipient: String) async throws {
        let request = ControlRequest.padSeed(runID: seed.runID, group: seed.group, seed: seed.seed)
        let deadline = ContinuousClock.now.advanced(by: callTimeout)
        do {
            do {
                _ = try ControlResponse.read(try await call(recipient, request.encoded(), callTimeout), from: recipient, limits: wireLimits)
            } catch let error as Runtime.RuntimeError where error.code == .rateLimited && deadline - .now > .seconds(1) {
                // The recipient's node was catching up for this run already: once more, after its interval.
                try await Task.sleep(for: .seconds(1))
                _ = try ControlResponse.read(try await call(recipient, request.encoded(), deadline - .now), from: recipient, limits: wireLimits)
            }
        } catch {
            logger.warning(
                "a pad seed did not reach its recipient, which cannot unmask its outputs of the run",
                metadata: ["run": "\(seed.runID.hex.prefix(16))", "recipient": "\(recipient)", "error": "\((error as? Runtime.RuntimeError)?.code.rawValue ?? "transport")"])
            throw error
        }
    }
}
