import Circuit
import CircuitCompiler
import ConsortiumLedger
import Foundation
import Logging
import ContractLanguage
import MPCProtocols
import Runtime

/// The operator's requests on the admin channel: a JSON object `{"command": …}` in, a JSON object
/// `{"ok": true, …}` or `{"ok": false, "code": …, "message": …}` out. The caller is an operator
/// whose key the node's configuration lists (protocols/node.md#admin-channel).
extension MemberNode {
    func admin(_ bytes: [UInt8], from caller: String) async -> [UInt8] {
        let answer: [String: Any]
        do {
            guard let request = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
                let command = request["command"] as? String
            else {
                throw Runtime.RuntimeError(.invalidConfiguration, "an admin request is a JSON object with a \"command\"")
            }
            logger.info("admin request", metadata: ["command": "\(command)", "operator": "\(caller)"])
            // The operator sees the log as the sequencer holds it now, not as of the last poll.
            // Reading commands fall back on the replica when the sequencer cannot be reached.
            if ["propose", "approve", "run", "change-propose", "change-endorse"].contains(command) { try await ledger.sync() } else { try? await ledger.sync() }
            switch command {
            case "status": answer = await status()
            case "list": answer = await list()
            case "propose": answer = try await propose(try text(request, "source"))
            case "approve": answer = try await approve(try text(request, "version"))
            case "run": answer = try await coordinate(request)
            case "view": answer = try await view(try text(request, "run"))
            case "views": answer = ["runs": views.runs.map(\.hex)]
            case "peer": answer = try await setPeer(try text(request, "member"), try text(request, "address"))
            case "entries":
                // A page of the replica for a copy (`covenant ledger copy`): what call 1 answers.
                guard let from = request["from"] as? Int, from >= 0 else { throw Runtime.RuntimeError(.invalidConfiguration, "the request needs a number \"from\"") }
                answer = ["page": Data(await ledger.answerFetch(from: UInt64(from), limit: 256)).base64EncodedString()]
            case "change-propose": answer = try await proposeChange(request)
            case "change-list": answer = await listChanges()
            case "change-show": answer = try await showChange(try text(request, "id"))
            case "change-endorse": answer = try await endorseChange(try text(request, "id"))
            case "change-withdraw": answer = try await withdrawChange(try text(request, "id"))
            default:
                throw Runtime.RuntimeError(
                    .invalidConfiguration,
                    "unknown admin command; use status, list, propose, approve, run, view, views, peer, entries, change-propose, change-list, change-show, change-endorse or change-withdraw")
            }
        } catch let error as Runtime.RuntimeError {
            return Self.json(["ok": false, "code": error.code.rawValue, "message": error.message])
        } catch {
            return Self.json(["ok": false, "code": "invalid-configuration", "message": "the admin request is not valid JSON"])
        }
        var ok = answer
        ok["ok"] = true
        return Self.json(ok)
    }

    static func json(_ object: [String: Any]) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(#"{"ok":false}"#.utf8))
    }

    private func text(_ request: [String: Any], _ key: String) throws -> String {
        guard let value = request[key] as? String else {
            throw Runtime.RuntimeError(.invalidConfiguration, "the request needs a string \"\(key)\"")
        }
        return value
    }

    func status() async -> [String: Any] {
        let local = ledger.local
        let state = await local.state
        let statistics = await transport.statistics()
        let openRuns = state.runs.values.filter { $0.status == .open }.map(\.runID.hex).sorted()
        let halted: Any = (await ledger.halted).map { $0 as Any } ?? NSNull()
        let evidenceToCopy = await local.evidenceToReplicate(for: name).map(\.record.runID.hex)
        return [
            "openRuns": openRuns, "evidenceToCopy": evidenceToCopy,
            "member": name, "consortium": state.consortium, "logID": state.logID?.hex ?? "", "sequencer": ledger.sequencer,
            "ledger": ["size": await local.size, "root": await local.root.hex, "halted": halted],
            "peers": settings.peers.mapValues { "\($0)" },
            "runsInProgress": runsInProgressCount, "runsCoordinated": coordinatedSummary, "views": viewCount,
            "runsHeld": await member.heldRuns,
            "transport": [
                "envelopesDelivered": statistics.envelopesDelivered, "payloadBytesSent": statistics.payloadBytesSent,
                "payloadBytesReceived": statistics.payloadBytesReceived, "handshakesRefused": statistics.handshakesRefused,
                "retries": statistics.retries,
            ],
            "uptimeSeconds": uptimeSeconds,
        ]
    }

    /// Sets where this node reaches a member's node: a member the ledger admitted while the node
    /// runs (protocols/node.md#consortium-changes), or a peer that moved. In effect until the
    /// node stops; the operator also adds it to `peers` in node.json for the next start.
    func setPeer(_ member: String, _ text: String) async throws -> [String: Any] {
        guard let address = NodeAddress(parsing: text) else {
            throw Runtime.RuntimeError(.invalidConfiguration, "the address must be host:port with a port from 1 to 65535")
        }
        guard member != name else { throw Runtime.RuntimeError(.invalidConfiguration, "\(member) is this node's own member") }
        await followMembershipNow()
        try await transport.setPeer(member, at: address)
        return ["member": member, "address": "\(address)"]
    }

    func list() async -> [String: Any] {
        let state = await ledger.state
        let versions = state.contracts.values.sorted { $0.proposedAt < $1.proposedAt }.map { version -> [String: Any] in
            ["name": version.name, "version": version.versionID.hex, "status": version.status.rawValue, "approvals": version.approvals]
        }
        return ["contracts": versions, "quorum": state.quorum]
    }

    func propose(_ source: String) async throws -> [String: Any] {
        let compiled: CompiledContract
        do { compiled = try ContractCompiler.compile(source: source) } catch {
            throw Runtime.RuntimeError(.invalidContract, "the contract does not compile: \(error)")
        }
        let versionID = try LedgerHash(compiled.contractID)
        let state = await ledger.state
        if state.contracts[versionID] != nil { return ["version": versionID.hex, "already": true] }
        let predecessor = state.contracts.values.first { $0.name == compiled.contract.syntax.name.text && $0.status == .active }?.versionID
        let index = try await member.author(
            .contractProposed(ContractProposal(
                versionID: versionID, name: compiled.contract.syntax.name.text, source: Array(compiled.canonicalText.utf8),
                predecessor: predecessor)), on: ledger)
        return ["version": versionID.hex, "entry": index]
    }

    /// Approves a version (by id, or by contract name for its one proposed version) and activates
    /// it once a quorum approved.
    func approve(_ reference: String) async throws -> [String: Any] {
        var state = await ledger.state
        let candidates = state.contracts.values.filter { $0.versionID.hex == reference || ($0.name == reference && $0.status == .proposed) }
        guard candidates.count == 1, let version = candidates.first else {
            throw Runtime.RuntimeError(.contractNotActive, "no single proposed version matches \(reference); give the version id (covenant contract list)")
        }
        var entries: [UInt64] = []
        if !version.approvals.contains(name) {
            entries.append(try await member.author(.contractApproved(versionID: version.versionID), on: ledger))
        }
        state = await ledger.state
        if let current = state.contracts[version.versionID], current.status == .proposed, current.approvals.count >= state.quorum {
            entries.append(try await member.author(.contractActivated(versionID: version.versionID), on: ledger))
        }
        state = await ledger.state
        return ["version": version.versionID.hex, "status": state.contracts[version.versionID]?.status.rawValue ?? "", "entries": entries]
    }

    func view(_ runHex: String) async throws -> [String: Any] {
        guard let runID = LedgerHash(hex: runHex), let json = viewJSON(runID) else {
            throw Runtime.RuntimeError(.invalidParticipants, "this node holds no view of that run")
        }
        var answer: [String: Any] = ["run": runHex, "view": (try? JSONSerialization.jsonObject(with: Data(json.utf8))) ?? json]
        if let delivery = await member.view(of: runID)?.delivery {
            // How many words of the output it was handed opened, of how many (protocols/runtime.md#output-pads).
            answer["openedWords"] = delivery.openedWords.count
            answer["words"] = delivery.words.count
        }
        return answer
    }

    /// Coordinates a run of the active version of `contract` (protocols/node.md#runs-across-nodes).
    func coordinate(_ request: [String: Any]) async throws -> [String: Any] {
        let contractName = try text(request, "contract")
        let state = await ledger.state
        guard let version = state.contracts.values.first(where: { $0.name == contractName && $0.status == .active }) else {
            throw Runtime.RuntimeError(.contractNotActive, "contract \(contractName) has no active version on the ledger")
        }
        guard let source = await ledger.local.source(of: version), let compiled = try? ContractCompiler.compile(source: source) else {
            throw Runtime.RuntimeError(.contractNotActive, "the source of contract \(contractName) on the ledger does not compile")
        }
        var options = RunOptions(checkpoint: false)
        // Each participant hands its pad seeds within half of this node's call deadline, so that
        // its `join` answer comes within the whole (protocols/runtime.md#output-pads).
        options.padSeedDeadline = settings.limits.callTimeout / 2
        if let family = request["protocol"] as? String {
            guard let parsed = ProtocolFamily(rawValue: family) else {
                throw Runtime.RuntimeError(.protocolNotAllowed, "unknown protocol \(family)")
            }
            options.protocolFamily = parsed
        }
        if let seconds = request["roundTimeoutSeconds"] as? Double, seconds > 0, seconds <= 3600 { options.roundTimeout = .milliseconds(Int64(seconds * 1000)) }
        if let t = request["secaggThreshold"] as? Int { options.secaggThreshold = t }
        // INSECURE, benchmarks and tests: beaver's preprocessing dealt from the run id (recorded as such).
        if let dealer = request["insecureDealer"] as? Bool { options.insecureDealer = dealer }
        let ceremony = await ledger.local.latestKeyCeremony()
        let (family, _) = try Consortium.resolveProtocol(compiled, requested: options.protocolFamily)
        var names: [String]
        let eligible = state.participantNames
        if let given = request["participants"] as? [String] {
            // As each participant's node checks in `prepare`: refused here before anything is written.
            guard settings.participantSubsets || Set(given) == Set(eligible) else {
                throw Runtime.RuntimeError(
                    .invalidParticipants,
                    "a run takes every member with the participant role (\(eligible.count)); \(given.count) were named (participantSubsets in the node configuration allows fewer)")
            }
            names = given
        } else {
            let holders = family == .paillier ? (ceremony?.holders ?? []) : []
            names = holders + eligible.filter { !holders.contains($0) }
        }
        for participant in names where state.members[participant]?.roles.contains(.participant) != true {
            throw Runtime.RuntimeError(.invalidParticipants, "\(participant) is not a member with the participant role")
        }
        if family == .paillier, let ceremony { try await loadKeyShare(of: ceremony.id) }
        let participants: [any RunParticipant] = names.enumerated().map { index, participant in
            participant == name ? local as any RunParticipant : remote(participant, party: PartyID(UInt32(index + 1)))
        }
        let recipients: [any ResultRecipient] = state.members.keys.sorted().map { participant in
            participant == name ? local as any ResultRecipient : remote(participant, party: .aggregator)
        }
        if crashPoint == "coordinate" {
            // Test hook (protocols/node.md#testing-hooks): die by SIGKILL once the run has started.
            let logger = self.logger
            options.progress = { line in
                if line.hasPrefix("local plans done") {
                    logger.critical("COVENANT_NODE_CRASH_AT=coordinate: killing this node")
                    kill(getpid(), SIGKILL)
                }
            }
        }
        let coordinator = RunCoordinator(coordinator: member, ledger: ledger, transport: transport, parameters: settings.parameters)
        let report = try await track {
            try await coordinator.run(compiled, participants: participants, recipients: recipients, ceremony: ceremony, options: options)
        }
        return Self.summary(report, for: name)
    }

    /// A run report as the coordinating member's operator may see it: the public result and its
    /// own view, never another member's.
    static func summary(_ report: RunReport, for member: String) -> [String: Any] {
        func object(_ json: String?) -> Any { json.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } ?? NSNull() }
        return [
            "run": report.runID.hex, "contract": report.contract, "version": report.version, "protocol": report.protocolFamily.rawValue,
            "protocolReason": report.protocolReason, "participants": report.participants, "contributors": report.contributors,
            "status": report.isPublished ? "published" : "aborted", "reason": report.abortReason ?? NSNull(),
            "publicResult": object(report.publicResult?.json), "view": object(report.views[member]?.json),
            "withheld": report.withheld, "ledgerEntries": report.ledgerEntries, "memberErrors": report.memberErrors,
            "executionPaths": report.executionPaths,
            "traffic": report.traffic.mapValues(\.fields),
            "phases": report.phases.map { ["phase": $0.phase, "seconds": Double($0.duration / .microseconds(1)) / 1e6] },
        ]
    }
}
