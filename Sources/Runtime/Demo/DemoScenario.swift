public import Circuit
public import CircuitCompiler
public import ConsortiumLedger
import ContractLanguage
import DataSources
import Foundation
import MPCProtocols

/// What `covenant demo` does, as a library (the CLI only parses arguments and prints): generate
/// data for N hospitals into SQLite files, found a consortium and its ledger, have the members
/// propose and approve the demo contract at quorum, run it under each requested protocol beside
/// the plaintext oracle, audit the ledger, and leave a members configuration for `covenant run`.
/// Spec: protocols/runtime.md#covenant-demo.
public struct DemoScenario: Sendable {
    /// Options.
    public struct Options: Sendable {
        /// Members (hospitals), at least 2.
        public var members: Int = 4
        /// Rows per member.
        public var rows: Int = 2000
        /// Protocols to run, in order.
        public var protocols: [ProtocolFamily] = [.additive, .secagg, .paillier]
        /// Members that drop out of the joint phase of every run (the last `drop` participants).
        public var drop: Int = 0
        /// The directory for every file the demo writes (created; must not hold a demo already).
        public var directory: String
        /// Paillier modulus size.
        public var paillierKeyBits: Int = 2048
        /// Accept parameters below the production minimums (keys under 2048 bits): written into
        /// the members configuration as `insecureTestParameters`, and flagged by the audit.
        public var insecureTestParameters = false
        /// Per-round deadline (dropouts are detected when it passes).
        public var roundTimeout: Duration = .seconds(2)
        /// Data seed.
        public var seed: UInt64 = 20_241_125
        /// A PostgreSQL server (`postgresql://USER@HOST:PORT/DB` or `…?host=/socket/dir`) to hold
        /// the members' tables, one schema per member (`covenant_demo_<member>`, replaced); nil:
        /// SQLite files only. The password, if any, comes from `PGPASSWORD`.
        public var postgresURL: String?

        /// Options writing into `directory`.
        /// - Parameter directory: The demo directory.
        public init(directory: String) { self.directory = directory }
    }

    /// One protocol's run beside the oracle.
    public struct ProtocolRun: Sendable {
        /// The protocol.
        public var protocolFamily: ProtocolFamily
        /// The runtime's report.
        public var report: RunReport
        /// The oracle over the contributors' rows (what the result must equal).
        public var oracle: ContractResult?
        /// Differences between the result and the oracle (empty: identical).
        public var differences: [String]
        /// Wall-clock time of the run (key ceremony excluded).
        public var duration: Duration
        /// Key ceremony time (paillier).
        public var keyCeremonyDuration: Duration?
    }

    /// What the demo produced.
    public struct Outcome: Sendable {
        /// The demo directory.
        public var directory: String
        /// The ledger file.
        public var ledgerPath: String
        /// The members configuration file for `covenant run`.
        public var membersConfigurationPath: String
        /// The contract file.
        public var contractPath: String
        /// The members' database files.
        public var databases: [String: String]
        /// The contract id.
        public var contractID: String
        /// Ledger indices of the proposal, approvals and activation.
        public var adoptionEntries: [UInt64]
        /// The runs.
        public var runs: [ProtocolRun]
        /// The audit of the ledger after every run.
        public var audit: AuditReport
    }

    /// The options.
    public var options: Options

    /// A demo.
    /// - Parameter options: The options.
    public init(options: Options) { self.options = options }

    /// Runs the demo, reporting progress lines through `progress`.
    /// - Parameter progress: Called with one line per step.
    /// - Returns: The outcome.
    /// - Throws: ``RuntimeError`` for unusable options or files (runs that abort are reported, not thrown).
    public func run(progress: @Sendable (String) -> Void) async throws -> Outcome {
        let n = options.members
        guard n >= 2, n <= 100 else { throw RuntimeError(.invalidConfiguration, "--members must be between 2 and 100") }
        guard options.rows >= 1, options.rows <= 10_000_000 else { throw RuntimeError(.invalidConfiguration, "--rows must be between 1 and 10000000") }
        guard options.drop >= 0, options.drop < n else { throw RuntimeError(.invalidConfiguration, "--drop must be between 0 and \(n - 1)") }
        guard options.roundTimeout >= .milliseconds(1), options.roundTimeout <= .seconds(86_400) else {
            throw RuntimeError(.invalidConfiguration, "the round timeout must be between 1 ms and 86400 s")
        }
        let fm = FileManager.default
        let dir = URL(fileURLWithPath: options.directory).standardizedFileURL.path
        if fm.fileExists(atPath: (dir as NSString).appendingPathComponent("ledger.sqlite")) {
            throw RuntimeError(.fileFailure, "\(dir) already holds a demo (ledger.sqlite); choose another --dir or remove it")
        }
        func path(_ name: String) -> String { (dir as NSString).appendingPathComponent(name) }
        do {
            for sub in ["", "data", "keys", "members"] {
                try fm.createDirectory(atPath: path(sub), withIntermediateDirectories: true)
            }
            try DemoData.contractSource.write(toFile: path("hospital_activity.cov"), atomically: true, encoding: .utf8)
        } catch {
            throw RuntimeError(.fileFailure, "cannot create the demo directory \(dir)", cause: error)
        }

        // 1. Data.
        var server: PostgreSQLSource.Connection?
        if let url = options.postgresURL {
            do {
                server = try PostgreSQLSource.Connection(
                    url: url, passwordEnvironment: ProcessInfo.processInfo.environment["PGPASSWORD"] == nil ? nil : "PGPASSWORD")
            } catch {
                throw RuntimeError(.invalidConfiguration, "--postgres: \(error)")
            }
        }
        let names = DemoData.memberNames(n)
        progress("generating \(options.rows) admissions for each of \(n) hospitals (SQLite files in \(path("data")))"
            + (server.map { "; copying them into \($0.description), schemas covenant_demo_<hospital>" } ?? ""))
        var databases: [String: String] = [:]
        for (index, name) in names.enumerated() {
            let database = path("data/\(name).sqlite")
            try DemoData.writeHospital(path: database, rows: options.rows, seed: options.seed, index: index)
            databases[name] = database
            var sources = Self.dataSourceConfigurationText(member: name)
            if let server {
                let schema = DemoData.postgreSQLSchema(name)
                try await DemoData.copyToPostgreSQL(sqlite: database, server: server, schema: schema)
                sources = Self.dataSourceConfigurationText(member: name, server: server, schema: schema)
                databases[name] = database
            }
            do { try sources.write(toFile: path("members/\(name).json"), atomically: true, encoding: .utf8) } catch {
                throw RuntimeError(.fileFailure, "cannot write \(path("members/\(name).json"))", cause: error)
            }
        }

        // 2. Consortium, keys, ledger (through the same members configuration `covenant run` reads).
        let quorum = n / 2 + 1
        let configurationText = Self.membersConfigurationText(
            names: names, quorum: quorum, paillierKeyBits: options.paillierKeyBits, roundTimeout: options.roundTimeout,
            insecureTestParameters: options.insecureTestParameters)
        let configurationPath = path("members.json")
        do { try configurationText.write(toFile: configurationPath, atomically: true, encoding: .utf8) } catch {
            throw RuntimeError(.fileFailure, "cannot write \(configurationPath)", cause: error)
        }
        let configuration = try ConsortiumConfiguration.load(contentsOf: configurationPath)
        let (consortium, _) = try await configuration.open()
        // Every member records the consortium's identity (its log id) and from then on refuses a
        // ledger of another genesis; the audit checks the ledger against it.
        let logID = await consortium.ledger.state.logID ?? .zero
        let pinnedText = Self.membersConfigurationText(
            names: names, quorum: quorum, paillierKeyBits: options.paillierKeyBits, roundTimeout: options.roundTimeout,
            insecureTestParameters: options.insecureTestParameters, logID: logID)
        do { try pinnedText.write(toFile: configurationPath, atomically: true, encoding: .utf8) } catch {
            throw RuntimeError(.fileFailure, "cannot write \(configurationPath)", cause: error)
        }
        progress("founded consortium demo-hospitals: \(n) members (\(names.joined(separator: ", "))), quorum \(quorum); ledger \(configuration.ledgerPath); log id \(logID.hex) (pinned in members.json)")

        // 3. Contract lifecycle.
        let compiled: CompiledContract
        do { compiled = try ContractCompiler.compile(source: DemoData.contractSource) } catch {
            throw RuntimeError(.invalidContract, "the demo contract does not compile: \(error)")
        }
        let adoption = try await consortium.adopt(compiled)
        progress("\(names[0]) proposed contract hospital_activity v1 (id \(compiled.contractIDHex.prefix(16))…); \(quorum) members approved; activated (ledger entries \(adoption.map(String.init).joined(separator: ", ")))")
        let disclosed = compiled.disclosedSumNames
        if !disclosed.isEmpty {
            let kinds = Set(disclosed.map { name in
                let sum = name.components(separatedBy: " group ")[0]
                return sum.hasSuffix("]") ? String(sum[..<(sum.lastIndex(of: "[") ?? sum.endIndex)]) : sum
            }).sorted()
            progress("the contract says 'disclose sums': the members open \(disclosed.count) per-ward sums (\(kinds.joined(separator: ", "))) to every participant; means, spread, rate and suppression are computed from them in the clear")
        }

        // 4. Runs.
        var runs: [ProtocolRun] = []
        let clock = ContinuousClock()
        for family in options.protocols {
            var ceremonyDuration: Duration?
            if family == .paillier {
                progress("paillier: key ceremony — \(names[0]) deals a \(n / 2 + 1)-of-\(n) threshold key (\(options.paillierKeyBits)-bit modulus, safe primes)…")
                let start = clock.now
                try await consortium.holdKeyCeremony(bits: options.paillierKeyBits, dealer: names[0])
                ceremonyDuration = clock.now - start
                progress("paillier: key ceremony recorded on the ledger in \(Self.seconds(ceremonyDuration!)); each member holds its key share")
            }
            var faults = FaultPlan.none
            if options.drop > 0 {
                let crashRound: UInt8 = 2
                for index in (n - options.drop)..<n { faults.crashes[PartyID(UInt32(index + 1))] = crashRound }
                progress("\(family.rawValue): \(names.suffix(options.drop).joined(separator: ", ")) will drop out in round \(crashRound) of the joint phase")
            }
            progress("\(family.rawValue): running — each hospital validates its table and runs the local plan inside its own \(server == nil ? "SQLite file" : "PostgreSQL schema"), commits, then the joint phase…")
            let start = clock.now
            let report = try await consortium.run(
                compiled,
                options: RunOptions(
                    protocolFamily: family, roundTimeout: options.roundTimeout, secaggThreshold: nil,
                    transport: InMemoryTransport(faults: faults)))
            let duration = clock.now - start
            var oracle: ContractResult?
            var differences: [String] = []
            if report.isPublished {
                oracle = try Self.oracle(compiled, databases: report.contributors.compactMap { databases[$0] })
                if let result = report.result, let oracle {
                    differences = result.differences(from: oracle.restricted(to: result.outputNames))
                }
                progress("\(family.rawValue): published in \(Self.seconds(duration)) — \(report.contributors.count) contributors, \(differences.isEmpty ? "equal to the plaintext oracle" : "\(differences.count) differences from the oracle")")
            } else {
                progress("\(family.rawValue): aborted cleanly in \(Self.seconds(duration)) — \(report.abortReason ?? "")")
            }
            runs.append(ProtocolRun(
                protocolFamily: family, report: report, oracle: oracle, differences: differences, duration: duration,
                keyCeremonyDuration: ceremonyDuration))
        }

        // 5. Audit.
        let audit = await consortium.audit()
        progress("audited the ledger: \(audit.passed ? "passed" : "FAILED") — \(audit.verifiedEntries) entries, \(audit.runs.count) runs, latest final checkpoint \(audit.latestFinalCheckpoint.map(String.init) ?? "none")")
        return Outcome(
            directory: dir, ledgerPath: configuration.ledgerPath, membersConfigurationPath: configurationPath,
            contractPath: path("hospital_activity.cov"), databases: databases, contractID: compiled.contractIDHex,
            adoptionEntries: adoption, runs: runs, audit: audit)
    }

    /// The plaintext oracle over the rows of the given SQLite files.
    /// - Parameters:
    ///   - compiled: The contract.
    ///   - databases: The members' files.
    /// - Returns: The oracle's result.
    /// - Throws: ``RuntimeError`` `inputRejected`.
    public static func oracle(_ compiled: CompiledContract, databases: [String]) throws -> ContractResult {
        let columns = compiled.contract.input.columns
        do {
            let rows = try databases.map { try SQLiteSource(path: $0, relation: .table(DemoData.table)).rows(columns) }
            return try Oracle.evaluate(compiled.contract, members: rows)
        } catch {
            throw RuntimeError(.inputRejected, "the oracle could not read the demo data: \(error)")
        }
    }

    /// `1.23 s`.
    /// - Parameter duration: A duration.
    /// - Returns: Seconds with two decimals.
    public static func seconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return String(format: "%.2f s", value)
    }

    /// The demo's `members/<name>.json` (protocols/data-sources.md): one SQLite table.
    /// - Parameter member: The hospital.
    /// - Returns: The JSON text.
    package static func dataSourceConfigurationText(member name: String) -> String {
        """
        {"member": "\(name)", "sources": {"\(DemoData.table)": {"kind": "sqlite", "path": "../data/\(name).sqlite", "table": "\(DemoData.table)"}}}

        """
    }

    /// The demo's `members/<name>.json` for a member whose table is in a PostgreSQL schema.
    /// - Parameters:
    ///   - name: The hospital.
    ///   - server: The server's connection settings.
    ///   - schema: The member's schema.
    /// - Returns: The JSON text.
    static func dataSourceConfigurationText(member name: String, server: PostgreSQLSource.Connection, schema: String) -> String {
        """
        {"member": "\(name)", "sources": {"\(DemoData.table)": {"kind": "postgresql", \(server.configurationJSON), "schema": "\(schema)", "table": "\(DemoData.table)"}}}

        """
    }

    /// The demo's `members.json` (protocols/runtime.md#members-configuration).
    /// - Parameters:
    ///   - names: The hospitals in roster order; the first is the regulator and sequencer.
    ///   - quorum: The approval quorum.
    ///   - paillierKeyBits: The Paillier modulus size.
    ///   - roundTimeout: The per-round deadline (1 ms to 86400 s).
    /// - Returns: The JSON text.
    ///   - insecureTestParameters: Whether to accept parameters below the production minimums.
    ///   - logID: The consortium's log id once founded (pinned in the configuration).
    package static func membersConfigurationText(
        names: [String], quorum: Int, paillierKeyBits: Int, roundTimeout: Duration, insecureTestParameters: Bool = false,
        logID: LedgerHash? = nil
    ) -> String {
        let memberEntries = names.enumerated().map { index, name in
            "    {\"name\": \"\(name)\", \"key\": \"keys/\(name).key\", \"dataSources\": \"members/\(name).json\""
                + (index == 0 ? ", \"roles\": [\"regulator\"], \"ledgerRoles\": [\"voting\", \"participant\", \"sequencer\"]" : "") + "}"
        }
        return """
            {
              "consortium": "demo-hospitals",
              "ledger": "ledger.sqlite",
              "quorum": \(quorum),
              "members": [
            \(memberEntries.joined(separator: ",\n"))
              ],
              "paillier": {"keyBits": \(paillierKeyBits)},
              "roundTimeoutSeconds": \(secondsText(roundTimeout))\(insecureTestParameters ? ",\n  \"insecureTestParameters\": true" : "")\(logID.map { ",\n  \"logID\": \"\($0.hex)\"" } ?? "")
            }

            """
    }

    /// A duration of 1 ms to 86400 s as the members configuration writes it: exact seconds with
    /// at most three decimals (`1.5`, `5`), never an exponent.
    static func secondsText(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        let fraction = String(milliseconds % 1000)
        return milliseconds % 1000 == 0
            ? "\(milliseconds / 1000)"
            : "\(milliseconds / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
