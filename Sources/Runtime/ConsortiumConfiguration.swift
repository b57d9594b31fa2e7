public import ConsortiumLedger
import CryptoPrimitives
import DataSources
import Foundation

/// The members configuration of `covenant run`: the consortium's name, its ledger file, the
/// quorum, and for each member its key file, its data-source configuration and its roles.
/// Spec: protocols/runtime.md#members-configuration.
///
/// ```json
/// {"consortium": "demo-hospitals", "ledger": "ledger.sqlite", "quorum": 2,
///  "members": [
///    {"name": "st-marys", "key": "keys/st-marys.key", "dataSources": "members/st-marys.json",
///     "roles": ["regulator"], "ledgerRoles": ["voting", "participant", "sequencer"]},
///    {"name": "northgate", "key": "keys/northgate.key", "dataSources": "members/northgate.json"}],
///  "paillier": {"keyBits": 2048, "threshold": 2},
///  "secagg": {"threshold": 2},
///  "roundTimeoutSeconds": 5}
/// ```
/// Relative paths are resolved against the configuration file's directory.
public struct ConsortiumConfiguration: Sendable {
    /// One member.
    public struct MemberEntry: Sendable {
        /// The ledger name.
        public var name: String
        /// The Ed25519 key file (hex seed, mode 0600; created if missing).
        public var keyPath: String
        /// The data-source configuration file, or nil for a member without data.
        public var dataSourcesPath: String?
        /// Contract roles (for `reveal … to role`).
        public var roles: Set<String>
        /// Ledger roles.
        public var ledgerRoles: MemberRoles
    }

    /// The consortium's name.
    public var consortium: String
    /// The ledger file.
    public var ledgerPath: String
    /// The approval quorum (used when the ledger is founded).
    public var quorum: Int
    /// The members in roster order.
    public var members: [MemberEntry]
    /// Paillier modulus size for key ceremonies.
    public var paillierKeyBits: Int
    /// Paillier decryption threshold; nil: majority.
    public var paillierThreshold: Int?
    /// SecAgg threshold; nil: majority.
    public var secaggThreshold: Int?
    /// Per-round deadline.
    public var roundTimeout: Duration

    /// Creates a configuration.
    public init(
        consortium: String, ledgerPath: String, quorum: Int, members: [MemberEntry], paillierKeyBits: Int = 2048,
        paillierThreshold: Int? = nil, secaggThreshold: Int? = nil, roundTimeout: Duration = .seconds(5)
    ) {
        self.consortium = consortium
        self.ledgerPath = ledgerPath
        self.quorum = quorum
        self.members = members
        self.paillierKeyBits = paillierKeyBits
        self.paillierThreshold = paillierThreshold
        self.secaggThreshold = secaggThreshold
        self.roundTimeout = roundTimeout
    }

    /// Reads and checks a configuration file.
    /// - Parameter path: The JSON file.
    /// - Returns: The configuration, every path absolute.
    /// - Throws: ``RuntimeError`` `invalidConfiguration`, naming the file and the key.
    public static func load(contentsOf path: String) throws -> ConsortiumConfiguration {
        func fail(_ key: String?, _ message: String) -> RuntimeError {
            RuntimeError(.invalidConfiguration, "\(path)\(key.map { " (\($0))" } ?? ""): \(message)")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw fail(nil, "the file cannot be read") }
        guard let top = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw fail(nil, "the configuration must be a JSON object")
        }
        let allowed = ["consortium", "ledger", "quorum", "members", "paillier", "secagg", "roundTimeoutSeconds"]
        if let unknown = top.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw fail(unknown, "unknown key (expected \(allowed.joined(separator: ", ")))")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : base.appendingPathComponent(p).path }
        guard let consortium = top["consortium"] as? String, !consortium.isEmpty else { throw fail("consortium", "must be a non-empty string") }
        guard let ledger = top["ledger"] as? String, !ledger.isEmpty else { throw fail("ledger", "must be a file path") }
        guard let memberObjects = top["members"] as? [[String: Any]], memberObjects.count >= 1 else {
            throw fail("members", "must be a non-empty array of member objects")
        }
        var members: [MemberEntry] = []
        for (index, object) in memberObjects.enumerated() {
            let at = "members[\(index)]"
            let memberKeys = ["name", "key", "dataSources", "roles", "ledgerRoles"]
            if let unknown = object.keys.sorted().first(where: { !memberKeys.contains($0) }) {
                throw fail("\(at).\(unknown)", "unknown key (expected \(memberKeys.joined(separator: ", ")))")
            }
            guard let name = object["name"] as? String, ConsortiumLedger.Member.isValidName(name) else {
                throw fail("\(at).name", "must be 1–64 characters from A–Z a–z 0–9 . _ -")
            }
            guard !members.contains(where: { $0.name == name }) else { throw fail("\(at).name", "member \(name) appears twice") }
            guard let key = object["key"] as? String, !key.isEmpty else { throw fail("\(at).key", "must be a key file path") }
            let sources = object["dataSources"] as? String
            if object["dataSources"] != nil && sources == nil { throw fail("\(at).dataSources", "must be a file path") }
            guard let roles = (object["roles"] ?? [String]()) as? [String] else { throw fail("\(at).roles", "must be an array of strings") }
            var ledgerRoles: MemberRoles = sources == nil ? [.voting] : [.voting, .participant]
            if index == 0 { ledgerRoles.insert(.sequencer) }
            if let raw = object["ledgerRoles"] {
                guard let names = raw as? [String] else { throw fail("\(at).ledgerRoles", "must be an array of voting, sequencer, participant") }
                ledgerRoles = []
                for role in names {
                    switch role {
                    case "voting": ledgerRoles.insert(.voting)
                    case "sequencer": ledgerRoles.insert(.sequencer)
                    case "participant": ledgerRoles.insert(.participant)
                    default: throw fail("\(at).ledgerRoles", "unknown ledger role '\(role)' (voting, sequencer, participant)")
                    }
                }
            }
            members.append(MemberEntry(
                name: name, keyPath: resolve(key), dataSourcesPath: sources.map(resolve), roles: Set(roles), ledgerRoles: ledgerRoles))
        }
        let voting = members.filter { $0.ledgerRoles.contains(.voting) }.count
        let quorum = (top["quorum"] as? Int) ?? (voting / 2 + 1)
        guard quorum >= 1, quorum <= voting else { throw fail("quorum", "must be between 1 and the \(voting) voting members") }
        var configuration = ConsortiumConfiguration(consortium: consortium, ledgerPath: resolve(ledger), quorum: quorum, members: members)
        if let paillier = top["paillier"] {
            guard let object = paillier as? [String: Any] else { throw fail("paillier", "must be an object with keyBits, threshold") }
            if let bits = object["keyBits"] {
                guard let bits = bits as? Int, bits >= 512, bits % 2 == 0 else { throw fail("paillier.keyBits", "must be an even number of bits ≥ 512") }
                configuration.paillierKeyBits = bits
            }
            if let threshold = object["threshold"] {
                guard let threshold = threshold as? Int, threshold >= 1 else { throw fail("paillier.threshold", "must be a positive integer") }
                configuration.paillierThreshold = threshold
            }
        }
        if let secagg = top["secagg"] {
            guard let object = secagg as? [String: Any], let threshold = object["threshold"] as? Int, threshold >= 2 else {
                throw fail("secagg", "must be {\"threshold\": t} with t ≥ 2")
            }
            configuration.secaggThreshold = threshold
        }
        if let seconds = top["roundTimeoutSeconds"] {
            guard let seconds = seconds as? Double, seconds > 0 else { throw fail("roundTimeoutSeconds", "must be a positive number") }
            configuration.roundTimeout = .milliseconds(Int64(seconds * 1000))
        }
        return configuration
    }

    /// Opens the consortium: loads (or creates) each member's key and data-source configuration,
    /// opens the ledger with its writer lock (waiting up to `lockTimeout` for another writer),
    /// and founds it when it is empty. An existing ledger must list exactly these members with
    /// these keys; runs left open by a coordinator that is gone are then closed
    /// (``Consortium/closeAbandonedRuns()``, protocols/runtime.md#abandoned-runs).
    /// - Parameter lockTimeout: How long to wait for another writer of the ledger.
    /// - Returns: The consortium and whether it was founded now.
    /// - Throws: ``RuntimeError`` (`ledgerBusy` if another writer holds the ledger throughout).
    public func open(lockTimeout: Duration = SQLiteLedgerStore.defaultLockTimeout) async throws -> (consortium: Consortium, founded: Bool) {
        var members: [Member] = []
        for entry in self.members {
            let key: (key: CryptoPrimitives.Ed25519.PrivateKey, created: Bool)
            do {
                key = try MemberKeyFile.loadOrCreate(at: entry.keyPath)
            } catch {
                throw RuntimeError(.invalidConfiguration, "member \(entry.name): \(error)", cause: error)
            }
            var data = MemberData.none
            if let sourcesPath = entry.dataSourcesPath {
                do {
                    let sources = try DataSourceConfiguration.load(contentsOf: sourcesPath)
                    guard sources.member == entry.name else {
                        throw RuntimeError(.invalidConfiguration, "\(sourcesPath) configures member '\(sources.member)', not '\(entry.name)'")
                    }
                    data = .configuration(sources)
                } catch let error as RuntimeError {
                    throw error
                } catch {
                    throw RuntimeError(.invalidConfiguration, "member \(entry.name): \(error)", cause: error)
                }
            }
            members.append(Member(name: entry.name, key: key.key, roles: entry.roles, ledgerRoles: entry.ledgerRoles, data: data))
        }
        let ledger = try LedgerService(path: ledgerPath, lockTimeout: lockTimeout)
        let consortium = Consortium(name: self.consortium, members: members, ledger: ledger)
        if await ledger.isEmpty {
            try await consortium.found(quorum: quorum)
            return (consortium, true)
        }
        let state = await ledger.state
        for member in members {
            guard let recorded = state.members[member.name] else {
                throw RuntimeError(.invalidConfiguration, "the ledger \(ledgerPath) has no member \(member.name)")
            }
            guard recorded.publicKey == member.publicKey else {
                throw RuntimeError(.invalidConfiguration, "the key of \(member.name) does not match the ledger's record of it")
            }
        }
        try await consortium.closeAbandonedRuns()
        return (consortium, false)
    }
}
