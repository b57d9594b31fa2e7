import ArgumentParser
import Circuit
import CircuitCompiler
import ContractLanguage
import ConsortiumLedger
import Foundation
import Runtime

/// `covenant run CONTRACT --members-config FILE [--json]`: a one-process consortium over the
/// members' own data sources (spec: protocols/runtime.md#covenant-run). Parsing and printing only.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an approved contract jointly over the members' own data sources and print the revealed results.")

    @Argument(help: "The contract file; with --operator, the name of an active contract on the ledger.")
    var contract: String
    @Option(help: "The members configuration (consortium, ledger, members' keys and data-source configurations).")
    var membersConfig: String?
    @Option(name: .customLong("operator"), help: "Coordinate the run from your member's node (protocols/node.md#admin-channel): the operator directory.")
    var operatorDirectory: String?
    @Option(name: .customLong("protocol"), help: "additive, secagg, paillier or beaver (only for a contract that says 'protocol auto').")
    var protocolName: String?
    @Option(help: "Comma-separated participants in party order (default: every member with data).")
    var participants: String?
    @Flag(help: "If the contract version is not active, have the members propose it and the first quorum of voting members approve it.")
    var approve = false
    @Option(parsing: .unconditional, help: "Seconds each member's local plan (validation and scan of its data) may take before the run aborts, 1–86400 (default: the configuration's localPlanTimeoutSeconds, else 600).")
    var localPlanTimeout: Int?
    @Flag(help: "Print the outcome as JSON.")
    var json = false
    @Flag(help: "INSECURE, for benchmarks and tests: protocol beaver's triples and bits dealt from the run id, which every member can replay (the ledger records the run as beaver/INSECURE-dealer). Default: member-generated, no trusted party.")
    var insecureDealer = false

    func validate() throws {
        guard (membersConfig == nil) != (operatorDirectory == nil) else {
            throw ValidationError("give either --members-config (one process) or --operator (a running node)")
        }
        if let localPlanTimeout, !(1...86_400).contains(localPlanTimeout) {
            throw ValidationError("--local-plan-timeout must be 1–86400 seconds, got \(localPlanTimeout)")
        }
    }

    func run() async throws {
        var family: ProtocolFamily?
        if let protocolName {
            guard let parsed = ProtocolFamily(rawValue: protocolName) else {
                throw ValidationError("--protocol must be additive, secagg, paillier or beaver")
            }
            family = parsed
        }
        if let operatorDirectory {
            var request: [String: Any] = ["command": "run", "contract": contract]
            if let family { request["protocol"] = family.rawValue }
            if insecureDealer { request["insecureDealer"] = true }
            if let participants { request["participants"] = participants.split(separator: ",").map(String.init) }
            let answer = try await Operator.send(operatorDirectory, request, timeout: .seconds(Int64(localPlanTimeout ?? 600) + 300))
            let published = answer["status"] as? String == "published"
            if json {
                print(Operator.text(answer))
                if !published { throw ExitStatus.fail(.runNotPublished, "the run was aborted: \(printable(answer["reason"] as? String ?? ""))") }
                return
            }
            print("run \(answer["run"] ?? "") of \(printable(contract)) under \(answer["protocol"] ?? ""): \(answer["status"] ?? "")")
            if let reason = answer["reason"] as? String { print("reason: \(printable(reason))") }
            print("contributors: \(((answer["contributors"] as? [String]) ?? []).map(printable).joined(separator: ", "))")
            print("public result: \(Operator.text(answer["publicResult"] ?? [:]))")
            if let view = answer["view"], !(view is NSNull) { print("your view: \(Operator.text(view))") }
            if !published { throw ExitStatus.fail(.runNotPublished, "the run was aborted") }
            return
        }
        guard let membersConfig else { throw ValidationError("--members-config is required") }
        guard let source = try? String(contentsOfFile: contract, encoding: .utf8) else {
            throw ExitStatus.fail(.invalidInput, "cannot read the contract file \(contract)")
        }
        let compiled: CompiledContract
        do {
            compiled = try ContractCompiler.compile(source: source)
        } catch {
            if case .invalidContract(let diagnostics) = error {
                for diagnostic in diagnostics { FileHandle.standardError.write(Data((diagnostic.rendered(source: source, fileName: contract) + "\n").utf8)) }
            }
            throw ExitStatus.fail(.invalidInput, "the contract does not compile")
        }
        do {
            // Refuse what cannot run before anything is written to the ledger.
            let (resolved, _) = try Consortium.resolveProtocol(compiled, requested: family)
            _ = try AggregationPlan(compiled, family: resolved)
            let configuration = try ConsortiumConfiguration.load(contentsOf: membersConfig)
            let (consortium, founded) = try await configuration.open()
            if founded { note("founded consortium \(configuration.consortium) on a new ledger \(configuration.ledgerPath)") }
            let state = await consortium.ledger.state
            let versionID = compiled.contractIDHex
            let status = state.contracts.first { $0.key.hex == versionID }?.value.status
            if status != .active {
                guard approve else {
                    throw ExitStatus.fail(.runNotPublished, "contract \(compiled.contract.syntax.name.text) version \(compiled.contract.syntax.version) is \(status?.rawValue ?? "not proposed") on the ledger; pass --approve to have the members propose and approve it at quorum (\(state.quorum))")
                }
                let entries = try await consortium.adopt(compiled)
                note("proposed, approved at quorum \(state.quorum) and activated (ledger entries \(entries.map(String.init).joined(separator: ", ")))")
            }
            if resolved == .paillier {
                note("paillier: holding a key ceremony (\(configuration.paillierKeyBits)-bit modulus)…")
                try await consortium.holdKeyCeremony(bits: configuration.paillierKeyBits, threshold: configuration.paillierThreshold)
            }
            let report = try await consortium.run(
                compiled,
                options: RunOptions(
                    protocolFamily: family, participants: participants?.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) },
                    roundTimeout: configuration.roundTimeout, secaggThreshold: configuration.secaggThreshold,
                    localPlanTimeout: localPlanTimeout.map { .seconds($0) } ?? configuration.localPlanTimeout,
                    insecureDealer: insecureDealer, progress: { line in Self.progress(line) }))
            if json {
                print(ResultTable.text(ResultTable.object(report)))
            } else {
                printText(report, ledger: configuration.ledgerPath)
            }
            if !report.isPublished { throw ExitCode(ExitStatus.runNotPublished.rawValue) }
        } catch let error as RuntimeError {
            throw ExitStatus.fail(ExitStatus.of(error), "\(error)")
        }
    }

    func printText(_ report: RunReport, ledger: String) {
        print("contract \(report.contract) v\(report.version) (\(report.contractID.prefix(16))…), run \(report.runID.hex)")
        print("protocol \(report.protocolFamily.rawValue): \(report.protocolReason)")
        print("participants: \(report.participants.joined(separator: ", "))")
        for (member, path) in report.executionPaths.sorted(by: { $0.key < $1.key }) { print("  \(member): local plan via \(path)") }
        if let reason = report.abortReason {
            print("ABORTED: \(reason)")
            for (member, error) in report.memberErrors.sorted(by: { $0.key < $1.key }) { print("  \(member): \(error)") }
            print("recorded on the ledger \(ledger) (entries \(report.ledgerEntries.map(String.init).joined(separator: ", ")))")
            return
        }
        print("contributors: \(report.contributors.joined(separator: ", "))")
        if let result = report.result {
            for line in ResultTable.lines(result, oracle: nil, notes: ResultTable.visibilityNotes(report)) { print("  \(line)") }
        }
        if !report.withheld.isEmpty {
            print("withheld (no consortium member is a recipient): \(report.withheld.joined(separator: ", "))")
        }
        print("published on the ledger \(ledger): entries \(report.ledgerEntries.map(String.init).joined(separator: ", ")); result hash \(report.resultHash?.hex ?? "-")")
    }

    /// Progress and notes go to standard error, unbuffered: live when piped, never in `--json`.
    static func progress(_ line: String) { FileHandle.standardError.write(Data("▸ \(line)\n".utf8)) }

    func note(_ line: String) { Self.progress(line) }
}
