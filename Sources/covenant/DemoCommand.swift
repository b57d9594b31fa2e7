import ArgumentParser
import Circuit
import ConsortiumLedger
import Foundation
import NodeRuntime
import Runtime

/// `covenant demo`: the install-and-run showcase (spec: protocols/runtime.md#covenant-demo).
/// Argument parsing and printing only; the scenario is `Runtime.DemoScenario`.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Generate data for N hospitals, found a consortium and its ledger, approve a contract, run it under each protocol beside the plaintext oracle, and audit the ledger.")

    @Option(parsing: .unconditional, help: "Number of members (hospitals), 2–100.")
    var members = 4
    @Option(parsing: .unconditional, help: "Rows (admissions) per member.")
    var rows = 2000
    @Option(name: .customLong("protocol"), help: "additive, secagg, paillier, or all.")
    var protocolName = "all"
    @Option(parsing: .unconditional, help: "Members that drop out of the joint phase of every run (the last K); secagg tolerates up to n − t, additive aborts cleanly.")
    var drop = 0
    @Option(parsing: .unconditional, help: "Paillier modulus size in bits (2048 or more; smaller only with --insecure-test-parameters).")
    var keyBits = 2048
    @Flag(help: "Accept parameters below the production minimums (keys under 2048 bits), for quick tests: INSECURE, recorded in the members configuration and flagged by the audit.")
    var insecureTestParameters = false
    @Option(help: "Directory for the demo's files (default: a new directory under the system's temporary directory).")
    var dir: String?
    @Option(help: "Put the members' tables in this PostgreSQL server, one schema per member (covenant_demo_<member>, replaced): postgresql://USER@HOST:PORT/DB or postgresql://USER@/DB?host=/socket/dir; password from PGPASSWORD.")
    var postgres: String?
    @Flag(help: "Print the outcome as JSON (progress goes to standard error).")
    var json = false
    @Flag(help: "Run every member as a separate 'covenant node run' process on 127.0.0.1, driven by its own operator over the admin channel (protocols/node.md#covenant-demo---nodes).")
    var nodes = false

    func validate() throws {
        guard (2...100).contains(members) else { throw ValidationError("--members must be 2–100, got \(members)") }
        guard (1...10_000_000).contains(rows) else { throw ValidationError("--rows must be 1–10000000, got \(rows)") }
        guard (0..<members).contains(drop) else { throw ValidationError("--drop must be 0–\(members - 1), got \(drop)") }
        guard (1024...8192).contains(keyBits), keyBits % 64 == 0 else {
            throw ValidationError("--key-bits must be a multiple of 64 in 1024–8192, got \(keyBits)")
        }
        if nodes {
            guard members <= 20 else { throw ValidationError("--members must be 2–20 with --nodes, got \(members)") }
            guard drop == 0, postgres == nil else { throw ValidationError("--nodes does not take --drop or --postgres yet") }
        }
        guard keyBits >= 2048 || insecureTestParameters else {
            throw ValidationError("--key-bits \(keyBits) is below the 2048-bit minimum; pass --insecure-test-parameters to run with insecure test keys")
        }
    }

    func run() async throws {
        let protocols: [ProtocolFamily]
        switch protocolName {
        case "all": protocols = [.additive, .secagg, .paillier]
        case "additive": protocols = [.additive]
        case "secagg": protocols = [.secagg]
        case "paillier": protocols = [.paillier]
        default: throw ValidationError("--protocol must be additive, secagg, paillier or all")
        }
        let directory = dir ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("covenant-demo-\(UUID().uuidString.prefix(8).lowercased())").path
        if nodes { return try await runNodes(protocols: protocols, directory: directory) }
        var options = DemoScenario.Options(directory: directory)
        options.members = members
        options.rows = rows
        options.protocols = protocols
        options.drop = drop
        options.paillierKeyBits = keyBits
        options.insecureTestParameters = insecureTestParameters
        options.postgresURL = postgres
        // Progress goes to standard error, unbuffered, so it is live whether or not the output is
        // a terminal, and never mixes with the result (or the JSON document) on standard output.
        let progress: @Sendable (String) -> Void = { line in FileHandle.standardError.write(Data("▸ \(line)\n".utf8)) }
        if !json {
            progress("covenant demo: \(members) hospitals × \(rows) admissions; protocols \(protocols.map(\.rawValue).joined(separator: ", "))\(drop > 0 ? "; \(drop) member(s) drop out of every run" : "")")
        }
        let outcome: DemoScenario.Outcome
        do {
            outcome = try await DemoScenario(options: options).run(progress: progress)
        } catch let error as RuntimeError {
            throw ExitStatus.fail(ExitStatus.of(error), "\(error)")
        }
        let allMatch = outcome.runs.allSatisfy { $0.differences.isEmpty }
        if json {
            printJSON(outcome)
        } else {
            printText(outcome)
        }
        if !outcome.audit.passed || !allMatch { throw ExitCode(ExitStatus.checkFailed.rawValue) }
    }

    func printText(_ outcome: DemoScenario.Outcome) {
        for run in outcome.runs {
            let report = run.report
            print("")
            print("── \(run.protocolFamily.rawValue) ── run \(report.runID.hex.prefix(16))…  \(report.isPublished ? "published" : "ABORTED") in \(DemoScenario.seconds(run.duration))" + (run.keyCeremonyDuration.map { " (+ key ceremony \(DemoScenario.seconds($0)))" } ?? ""))
            print("   why \(run.protocolFamily.rawValue): \(report.protocolReason)")
            print("   participants: \(report.participants.joined(separator: ", ")); contributors: \(report.contributors.isEmpty ? "–" : report.contributors.joined(separator: ", "))")
            if let reason = report.abortReason {
                print("   abort reason (on the ledger): \(reason)")
                print("   no result was revealed; ledger entries \(report.ledgerEntries.map(String.init).joined(separator: ", "))")
                continue
            }
            if let result = report.result {
                for line in ResultTable.lines(result, oracle: run.oracle, notes: ResultTable.visibilityNotes(report)) { print("   \(line)") }
            }
            print("   \(run.differences.isEmpty ? "✓ identical to the plaintext oracle over the contributors' rows" : "✗ \(run.differences.count) differences from the oracle: \(run.differences.prefix(5).joined(separator: "; "))")")
            if report.protocolFamily == .paillier {
                print("   decrypted by key holders \(report.decryptors.joined(separator: ", "))" + (report.faultyKeyHolders.isEmpty ? "" : "; faulty shares from \(report.faultyKeyHolders.joined(separator: ", "))"))
            }
            print("   ledger entries \(report.ledgerEntries.map(String.init).joined(separator: ", ")); transcript \(report.transcriptHash?.hex.prefix(16) ?? "-")…")
        }
        print("")
        let audit = outcome.audit
        print("audit: \(audit.passed ? "PASSED" : "FAILED")" + (audit.failure.map { " at entry \($0.entryIndex.map(String.init) ?? "-"): \($0.rule): \($0.message)" } ?? "")
            + " — \(audit.verifiedEntries) entries; runs " + audit.runs.map(\.status).joined(separator: ", ")
            + "; latest final checkpoint \(audit.latestFinalCheckpoint.map(String.init) ?? "none")")
        for weakness in audit.weakParameters { print("       WEAK PARAMETERS: \(weakness)") }
        for check in audit.decryptions where check.passed {
            print("       paillier run \(check.runID.prefix(16))… re-checked from the ledger and its evidence (filed beside it): \(check.values) sums recomputed from \(check.contributors.count) members' ciphertexts and \(check.decryptors.count) batch decryption proofs; they give the published values")
        }
        print("")
        print("files in \(outcome.directory):")
        print("  ledger            \(outcome.ledgerPath)")
        print("  contract          \(outcome.contractPath)")
        print("  members config    \(outcome.membersConfigurationPath)")
        print("  member databases  \(outcome.directory)/data/*.sqlite (\(outcome.databases.count) files)" + (postgres == nil ? "" : ", copied into PostgreSQL schemas covenant_demo_<member> (the members read those)") + ", keys in \(outcome.directory)/keys/")
        print("next:")
        print("  covenant audit \(outcome.ledgerPath) --log-id \(outcome.audit.logID ?? "-")")
        print("  covenant run \(outcome.contractPath) --members-config \(outcome.membersConfigurationPath)")
    }

    func printJSON(_ outcome: DemoScenario.Outcome) {
        let runs: [[String: Any]] = outcome.runs.map { run in
            var object = ResultTable.object(run.report)
            object["durationSeconds"] = ResultTable.seconds(run.duration)
            if let ceremony = run.keyCeremonyDuration { object["keyCeremonySeconds"] = ResultTable.seconds(ceremony) }
            object["oracle"] = ResultTable.object(run.oracle)
            object["matchesOracle"] = run.report.isPublished ? run.differences.isEmpty : NSNull()
            object["differences"] = run.differences
            return object
        }
        let object: [String: Any] = [
            "directory": outcome.directory, "ledger": outcome.ledgerPath, "contract": outcome.contractPath,
            "membersConfig": outcome.membersConfigurationPath, "databases": outcome.databases, "contractID": outcome.contractID,
            "adoptionEntries": outcome.adoptionEntries, "runs": runs,
            "audit": [
                "passed": outcome.audit.passed, "entries": outcome.audit.verifiedEntries,
                "latestFinalCheckpoint": outcome.audit.latestFinalCheckpoint.map { $0 as Any } ?? NSNull(),
                "failure": outcome.audit.failure.map { "\($0.rule): \($0.message)" as Any } ?? NSNull(),
            ] as [String: Any],
        ]
        print(ResultTable.text(object))
    }

    /// `--nodes`: the same demo with each member a separate node process (NodeRuntime.NodeDemo).
    private func runNodes(protocols: [ProtocolFamily], directory: String) async throws {
        var options = NodeDemo.Options(
            directory: directory, executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path)
        options.members = members
        options.rows = rows
        options.protocols = protocols
        options.paillierKeyBits = keyBits
        options.insecureTestParameters = insecureTestParameters
        let progress: @Sendable (String) -> Void = { line in FileHandle.standardError.write(Data("▸ \(line)\n".utf8)) }
        if !json { progress("covenant demo --nodes: \(members) hospitals × \(rows) admissions, each a separate node process") }
        let outcome = try await ExitStatus.reporting { try await NodeDemo(options: options).run(progress: progress) }
        let audited = outcome.audits.allSatisfy { $0.report.passed || insecureTestParameters && $0.report.failure?.rule == "weak-parameters" }
        let matched = outcome.runs.allSatisfy { $0.matchesOracle != false }
        if json {
            let object: [String: Any] = [
                "directory": outcome.directory, "members": outcome.members, "replicasAgree": outcome.replicasAgree,
                "exitStatuses": outcome.exitStatuses,
                "runs": outcome.runs.map { run -> [String: Any] in
                    [
                        "protocol": run.protocolFamily.rawValue, "published": run.published, "reason": run.reason ?? NSNull(),
                        "contributors": run.contributors, "matchesOracle": run.matchesOracle ?? NSNull(), "seconds": run.seconds,
                        "payloadBytes": run.payloadBytes,
                        "summary": (try? JSONSerialization.jsonObject(with: Data(run.summary.utf8))) ?? NSNull(),
                    ]
                },
                "audits": outcome.audits.map {
                    [
                        "member": $0.member, "passed": $0.report.passed, "entries": $0.report.verifiedEntries,
                        "decryptionsChecked": $0.report.decryptions.count, "evidenceMissing": $0.report.missingEvidence.count,
                    ]
                },
            ]
            print(ResultTable.text(object))
        } else {
            print("protocol   outcome     seconds  contributors                      oracle")
            for run in outcome.runs {
                let outcomeText = run.published ? "published" : "aborted"
                let oracle = run.matchesOracle.map { $0 ? "equal" : "DIFFERS" } ?? "—"
                print(
                    run.protocolFamily.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)
                        + outcomeText.padding(toLength: 12, withPad: " ", startingAt: 0)
                        + String(format: "%7.2f  ", run.seconds)
                        + run.contributors.map(printable).joined(separator: ", ").padding(toLength: 34, withPad: " ", startingAt: 0) + oracle)
                if let reason = run.reason { print("  reason: \(printable(reason))") }
            }
            for (member, report) in outcome.audits {
                print("replica of \(member): audit \(report.passed ? "passed" : "FAILED: \(report.failure.map { "\($0.rule): \($0.message)" } ?? "")"), \(report.verifiedEntries) entries, \(report.decryptions.count) paillier decryption(s) re-checked\(report.missingEvidence.isEmpty ? "" : ", \(report.missingEvidence.count) NOT checked (evidence missing)")")
            }
            print("replicas \(outcome.replicasAgree ? "hold the same log" : "DIFFER"); nodes exited \(outcome.exitStatuses.values.allSatisfy { $0 == 0 } ? "cleanly on SIGTERM" : "with \(outcome.exitStatuses)")")
            print("files: \(outcome.directory)/nodes/<member>/ (node.json, keys/, ledger.sqlite, operator/, node.log)")
        }
        guard matched, audited, outcome.replicasAgree else { throw ExitCode(ExitStatus.checkFailed.rawValue) }
    }
}
