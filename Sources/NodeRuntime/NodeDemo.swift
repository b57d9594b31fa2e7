public import Circuit
import CircuitCompiler
public import ConsortiumLedger
import CryptoPrimitives
import Foundation
import Runtime

/// `covenant demo --nodes`: the demo of protocols/runtime.md#covenant-demo with every member a
/// separate `covenant node run` process on 127.0.0.1. Each member makes its own keys, the founder
/// writes the genesis from their cards and deals the Paillier key, each member accepts the ledger
/// and its share; then each member's operator drives its own node over the admin channel: one
/// proposes the contract, a quorum approves it, the first member's node coordinates a run under
/// each protocol, and every member's replica is audited after the nodes stop.
/// Spec: protocols/node.md#covenant-demo---nodes.
public struct NodeDemo: Sendable {
    /// What to run.
    public struct Options: Sendable {
        /// Members (2–20).
        public var members = 3
        /// Rows per member.
        public var rows = 2000
        /// Protocols, in order.
        public var protocols: [ProtocolFamily] = [.additive, .secagg, .paillier]
        /// Paillier modulus size.
        public var paillierKeyBits = 2048
        /// Accept parameters below the production minimums (flagged by the audit).
        public var insecureTestParameters = false
        /// The demo directory (must not hold a demo yet).
        public var directory: String
        /// The `covenant` executable that runs each node.
        public var executable: String
        /// Data seed.
        public var seed: UInt64 = 20_241_125

        /// Options.
        /// - Parameters:
        ///   - directory: The demo directory.
        ///   - executable: The `covenant` executable.
        public init(directory: String, executable: String) {
            self.directory = directory
            self.executable = executable
        }
    }

    /// One run across the nodes.
    public struct Run: Sendable {
        /// The protocol.
        public var protocolFamily: ProtocolFamily
        /// The run summary the coordinating node returned (JSON object text).
        public var summary: String
        /// Whether it was published.
        public var published: Bool
        /// The abort reason, if any.
        public var reason: String?
        /// The contributors.
        public var contributors: [String]
        /// Whether the public result equals the oracle over the contributors' rows (nil: aborted).
        public var matchesOracle: Bool?
        /// Wall time seen by the operator, seconds.
        public var seconds: Double
        /// Protocol payload bytes all nodes sent during the run (envelope payloads, from each
        /// node's counters; TLS and gRPC framing not included).
        public var payloadBytes: Int
    }

    /// What the demo produced.
    public struct Outcome: Sendable {
        /// The demo directory.
        public var directory: String
        /// The members in order (the first is the sequencer and coordinates the runs).
        public var members: [String]
        /// The runs.
        public var runs: [Run]
        /// Each member's replica audit after its node stopped.
        public var audits: [(member: String, report: AuditReport)]
        /// Each node's exit status after SIGTERM.
        public var exitStatuses: [String: Int32]
        /// Whether every replica holds the same log.
        public var replicasAgree: Bool
    }

    /// The options.
    public var options: Options

    /// A demo.
    /// - Parameter options: The options.
    public init(options: Options) { self.options = options }

    /// Runs the demo.
    /// - Parameter progress: Called with one line per step.
    /// - Returns: The outcome.
    /// - Throws: ``RuntimeError`` for unusable options, files or a node that does not start.
    public func run(progress: @Sendable (String) -> Void) async throws -> Outcome {
        let n = options.members
        guard (2...20).contains(n) else { throw RuntimeError(.invalidConfiguration, "--members must be 2–20 with --nodes") }
        let fm = FileManager.default
        let dir = URL(fileURLWithPath: options.directory).standardizedFileURL.path
        guard !fm.fileExists(atPath: dir + "/nodes") else {
            throw RuntimeError(.fileFailure, "\(dir) already holds a node demo; choose another --dir or remove it")
        }
        let names = DemoData.memberNames(n)
        func home(_ name: String) -> String { "\(dir)/nodes/\(name)" }
        let parameters: ParameterPolicy = options.insecureTestParameters ? .insecureForTests : .production

        // 1. Each member's own keys and data, on "its own machine" (its own directory).
        progress("\(n) members make their own keys and data (\(options.rows) admissions each)…")
        var cards: [MemberCard] = []
        var databases: [String] = []
        for (index, name) in names.enumerated() {
            try fm.createDirectory(atPath: home(name), withIntermediateDirectories: true)
            let roles: MemberRoles = index == 0 ? [.voting, .participant, .sequencer] : [.voting, .participant]
            cards.append(try MemberKeyDirectory(path: home(name) + "/keys").create(name: name, roles: roles, address: nil))
            let database = home(name) + "/admissions.sqlite"
            try DemoData.writeHospital(path: database, rows: options.rows, seed: options.seed, index: index)
            databases.append(database)
            try #"{"member": "\#(name)", "sources": {"admissions": {"kind": "sqlite", "path": "admissions.sqlite", "table": "admissions"}}}"#
                .write(toFile: home(name) + "/sources.json", atomically: true, encoding: .utf8)
        }

        // 2. Founding and the key ceremony (protocols/founding.md), then each member accepts.
        let founder = MemberKeyDirectory(path: home(names[0]) + "/keys")
        // The contract roles the members agreed on, recorded in the genesis and checked by each.
        let roles = ["regulator": [names[0]]]
        let ledger0 = home(names[0]) + "/ledger.sqlite"
        let logID = try ConsortiumFounding.found(
            consortium: "demo-hospitals", quorum: n / 2 + 1, cards: cards, contractRoles: roles, founder: founder, ledgerPath: ledger0)
        progress("\(names[0]) founded the consortium (log id \(logID.hex.prefix(16))…, quorum \(n / 2 + 1))")
        if options.protocols.contains(.paillier) {
            progress("\(names[0]) deals the Paillier key (\(options.paillierKeyBits) bits), each share sealed to its holder…")
            _ = try KeyCeremonyDealing.deal(
                ledgerPath: ledger0, dealer: founder, cards: cards, bits: options.paillierKeyBits, threshold: nil,
                parameters: parameters, outDirectory: dir + "/nodes/shares")
        }
        for name in names {
            let keys = MemberKeyDirectory(path: home(name) + "/keys")
            if name != names[0] {
                try fm.copyItem(atPath: ledger0, toPath: home(name) + "/ledger.sqlite")
                _ = try ConsortiumFounding.accept(ledgerPath: home(name) + "/ledger.sqlite", member: keys, contractRoles: roles)
            }
            if options.protocols.contains(.paillier) {
                _ = try KeyCeremonyDealing.accept(
                    sharePath: "\(dir)/nodes/shares/\(name).share", ledgerPath: home(name) + "/ledger.sqlite", member: keys)
            }
        }

        // 3. Node configurations and operators.
        let ports = Self.freeLoopbackPorts(2 * n)
        var operators: [OperatorAccess] = []
        for (index, name) in names.enumerated() {
            let admin = NodeAddress(host: "127.0.0.1", port: ports[n + index])
            let operatorKey = try OperatorAccess.create(in: home(name) + "/operator", card: cards[index], admin: admin)
            operators.append(try OperatorAccess(directory: home(name) + "/operator"))
            let peers = names.enumerated().map { "\"\($0.element)\": \"127.0.0.1:\(ports[$0.offset])\"" }.joined(separator: ", ")
            try """
                {"keys": "keys", "ledger": "ledger.sqlite", "listen": "127.0.0.1:\(ports[index])", "admin": "\(admin)",
                 "peers": {\(peers)}, "dataSources": "sources.json",
                 "operators": ["\(hexEncode(operatorKey.rawRepresentation))"], "insecureTestParameters": \(options.insecureTestParameters)}
                """.write(toFile: home(name) + "/node.json", atomically: true, encoding: .utf8)
        }

        // 4. The nodes, as separate processes.
        var processes: [String: Process] = [:]
        defer { for process in processes.values where process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        for name in names {
            processes[name] = try Self.startNode(executable: options.executable, config: home(name) + "/node.json", log: home(name) + "/node.log")
        }
        progress("\(n) nodes running on 127.0.0.1 (each with only its own key, replica and data; logs in nodes/<member>/node.log)")

        // 5. Contract approval by the operators, then one run per protocol.
        let proposed = try await operators[min(1, n - 1)].send(["command": "propose", "source": DemoData.contractSource])
        var approvers = 0
        for access in operators where approvers < n / 2 + 1 {
            _ = try await access.send(["command": "approve", "version": proposed["version"] as? String ?? ""])
            approvers += 1
        }
        progress("\(names[min(1, n - 1)]) proposed hospital_activity; \(approvers) operators approved it on their own nodes; it is active")
        let compiled = try ContractCompiler.compile(source: DemoData.contractSource)
        let plan = try AggregationPlan(compiled)
        var runs: [Run] = []
        func bytesSent() async throws -> Int {
            var total = 0
            for access in operators {
                let status = try await access.send(["command": "status"], timeout: .seconds(30))
                total += (status["transport"] as? [String: Any])?["payloadBytesSent"] as? Int ?? 0
            }
            return total
        }
        for family in options.protocols {
            progress("\(family.rawValue): \(names[0])'s node coordinates the run across the \(n) nodes…")
            let bytesBefore = try await bytesSent()
            let start = ContinuousClock.now
            let answer = try await operators[0].send(["command": "run", "contract": "hospital_activity", "protocol": family.rawValue])
            let seconds = Double((ContinuousClock.now - start) / .microseconds(1)) / 1e6
            let published = answer["status"] as? String == "published"
            let contributors = answer["contributors"] as? [String] ?? []
            var matches: Bool?
            if published {
                let oracle = try DemoScenario.oracle(compiled, databases: contributors.compactMap { names.firstIndex(of: $0).map { databases[$0] } })
                let expected = try JSONSerialization.jsonObject(with: Data(oracle.restricted(to: plan.publicOutputs(among: oracle.outputNames)).json.utf8))
                matches = Self.sameResult(answer["publicResult"] ?? NSNull(), expected)
            }
            let summary = String(decoding: try JSONSerialization.data(withJSONObject: answer, options: [.sortedKeys]), as: UTF8.self)
            let bytes = try await bytesSent() - bytesBefore
            runs.append(Run(
                protocolFamily: family, summary: summary, published: published, reason: answer["reason"] as? String,
                contributors: contributors, matchesOracle: matches, seconds: seconds, payloadBytes: bytes))
            progress("\(family.rawValue): \(published ? "published" : "aborted") in \(String(format: "%.2f", seconds)) s — \(matches == true ? "equal to the plaintext oracle" : matches == false ? "DIFFERS from the oracle" : answer["reason"] as? String ?? "")")
        }

        // 6. Replicas in step (the paillier evidence copied to every participant), SIGTERM, audits.
        var sizes: Set<Int> = []
        for _ in 0..<100 {
            sizes = []
            var evidenceCopied = true
            for access in operators {
                let status = try await access.send(["command": "status"], timeout: .seconds(30))
                sizes.insert((status["ledger"] as? [String: Any])?["size"] as? Int ?? -1)
                evidenceCopied = evidenceCopied && (status["evidenceToCopy"] as? [String])?.isEmpty == true
            }
            if sizes.count == 1 && evidenceCopied { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        var exits: [String: Int32] = [:]
        for name in names {
            guard let process = processes[name] else { continue }
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
            exits[name] = process.terminationStatus
        }
        var audits: [(String, AuditReport)] = []
        for name in names {
            let replica = try LedgerService(path: home(name) + "/ledger.sqlite")
            await replica.pin(logID)
            audits.append((name, await replica.fullAudit()))
        }
        progress("nodes stopped by SIGTERM; every member's replica audited")
        return Outcome(directory: dir, members: names, runs: runs, audits: audits, exitStatuses: exits, replicasAgree: sizes.count == 1)
    }

    /// Starts `covenant node run` and waits until it prints its admin address.
    static func startNode(executable: String, config: String, log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["node", "run", "--config", config]
        let out = Pipe()
        process.standardOutput = out
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: log)
        try process.run()
        var text = ""
        while !text.contains("admin-address") {
            let chunk = out.fileHandleForReading.availableData
            guard !chunk.isEmpty else {
                throw RuntimeError(.transportFailure, "the node of \(config) did not start; see \(log)")
            }
            text += String(decoding: chunk, as: UTF8.self)
        }
        return process
    }

    /// `count` distinct TCP ports free on 127.0.0.1 (each bound, then released).
    public static func freeLoopbackPorts(_ count: Int) -> [Int] {
        var ports: [Int] = []
        while ports.count < count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
            close(fd)
            let port = Int(UInt16(bigEndian: address.sin_port))
            if port > 0, !ports.contains(port) { ports.append(port) }
        }
        return ports
    }

    /// Equal JSON results, numbers within a relative `tolerance` (1e-9 by default: the oracle and
    /// the reveal compute means and deviations in different orders, protocols/runtime.md#reveal;
    /// beaver's fixed point is within 1e-6, protocols/contract-language.md §8.3).
    /// - Parameters:
    ///   - a: A JSON value.
    ///   - b: Another.
    ///   - tolerance: The relative tolerance of numbers.
    /// - Returns: Whether they are the same result.
    public static func sameResult(_ a: Any, _ b: Any, tolerance: Double = 1e-9) -> Bool {
        switch (a, b) {
        case let (x as [String: Any], y as [String: Any]):
            return Set(x.keys) == Set(y.keys) && x.keys.allSatisfy { sameResult(x[$0]!, y[$0]!, tolerance: tolerance) }
        case let (x as [Any], y as [Any]):
            return x.count == y.count && zip(x, y).allSatisfy { sameResult($0, $1, tolerance: tolerance) }
        case let (x as String, y as String):
            return x == y
        case let (x as NSNumber, y as NSNumber):
            return abs(x.doubleValue - y.doubleValue) <= tolerance * max(1, abs(x.doubleValue))
        case (is NSNull, is NSNull):
            return true
        default:
            return false
        }
    }
}
