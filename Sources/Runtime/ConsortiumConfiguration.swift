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
        /// Contract roles (for `reveal … to role`): recorded in the genesis entry this
        /// configuration founds, and required to equal the ledger's record when it opens an
        /// existing ledger (who receives a view is decided from the ledger only).
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
    /// Deadline of each member's local plan (validation and scan of its data).
    public var localPlanTimeout: Duration = .seconds(600)
    /// The consortium's identity, pinned: the log id (genesis leaf hash) of the ledger this
    /// member belongs to. A ledger of another genesis is refused; nil before the founding.
    public var logID: LedgerHash?
    /// The parameters the consortium accepts: ``ParameterPolicy/production`` unless the file says
    /// `"insecureTestParameters": true` (small keys and thresholds, for tests and demonstrations).
    public var parameters: ParameterPolicy = .production

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
    /// - Throws: ``RuntimeError`` `invalidConfiguration`, naming the file, the line and column,
    ///   and the key (wrapping the ``DataSourceError`` of the strict reader).
    public static func load(contentsOf path: String) throws -> ConsortiumConfiguration {
        let bytes: [UInt8]
        do {
            bytes = try ConfigurationNode.contents(ofFile: path)
        } catch let error as DataSourceError {
            throw RuntimeError(.invalidConfiguration, error.description, cause: error)
        }
        return try parse(bytes, file: path, baseDirectory: URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }

    /// Parses a members configuration strictly (protocols/runtime.md#members-configuration):
    /// RFC 8259 exactly, every key known, every value of its documented type and range.
    /// - Parameters:
    ///   - json: The file's bytes.
    ///   - file: The file's name, for messages.
    ///   - baseDirectory: The directory relative paths are resolved against.
    /// - Returns: The configuration, every path absolute.
    /// - Throws: ``RuntimeError`` `invalidConfiguration` whose message starts
    ///   `file:line:column (key path):`, e.g. `members.json:7:15 (members[1].roles): …`; it never
    ///   quotes a value from the file.
    public static func parse(_ json: [UInt8], file: String, baseDirectory: String) throws -> ConsortiumConfiguration {
        do {
            return try parse(ConfigurationNode.read(json, file: file), baseDirectory: baseDirectory)
        } catch let error as DataSourceError {
            throw RuntimeError(.invalidConfiguration, error.description, cause: error)
        }
    }

    /// The largest roster a configuration may list.
    static let maximumMembers = 1000

    private static func parse(_ root: ConfigurationNode, baseDirectory: String) throws -> ConsortiumConfiguration {
        let top = try root.object(
            allowedKeys: [
                "consortium", "ledger", "quorum", "members", "paillier", "secagg", "roundTimeoutSeconds",
                "localPlanTimeoutSeconds", "logID", "insecureTestParameters",
            ],
            expectation: "an object (the members configuration)")
        let base = URL(fileURLWithPath: baseDirectory)
        func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : base.appendingPathComponent(p).path }
        let consortium = try top.required("consortium", expectation: "the consortium's name").string(.name)
        let ledger = try top.required("ledger", expectation: "the ledger file's path").string(.path)
        let memberList = try top.required("members", expectation: "a non-empty array of member objects")
        let memberNodes = try memberList.array(expectation: "a non-empty array of member objects")
        guard (1...maximumMembers).contains(memberNodes.count) else {
            throw memberList.error("must list 1 to \(maximumMembers) members; found \(memberNodes.count)")
        }
        var members: [MemberEntry] = []
        for (index, node) in memberNodes.enumerated() {
            let object = try node.object(
                allowedKeys: ["name", "key", "dataSources", "roles", "ledgerRoles"], expectation: "a member object")
            let nameNode = try object.required("name", expectation: "the member's ledger name")
            let name = try nameNode.string(.name)
            guard ConsortiumLedger.Member.isValidName(name) else {
                throw nameNode.error("must be 1–64 characters from A–Z a–z 0–9 . _ -")
            }
            if let first = members.firstIndex(where: { $0.name == name }) {
                throw nameNode.error("repeats the name of members[\(first)]")
            }
            let keyNode = try object.required("key", expectation: "the member's key file path")
            let keyPath = resolve(try keyNode.string(.path))
            if let first = members.firstIndex(where: { $0.keyPath == keyPath }) {
                throw keyNode.error("names the same key file as members[\(first)]; each member has its own key")
            }
            let sources = try object.optional("dataSources")?.string(.path)
            let rolesNode = object.optional("roles")
            let roles = try rolesNode?.stringArray(.name) ?? []
            if let rolesNode, let problem = ConsortiumLedger.Member.contractRoleProblem(Set(roles).sorted()) {
                throw rolesNode.error(problem)
            }
            var ledgerRoles: MemberRoles = sources == nil ? [.voting] : [.voting, .participant]
            if index == 0 { ledgerRoles.insert(.sequencer) }
            if let list = object.optional("ledgerRoles") {
                let known: [String: MemberRoles] = ["voting": .voting, "sequencer": .sequencer, "participant": .participant]
                let expected = "voting, sequencer, participant"
                ledgerRoles = []
                for element in try list.array(expectation: "an array of ledger roles (\(expected))") {
                    let role = try element.string(.name)
                    guard let flag = known[role] else {
                        let hint = ConfigurationNode.suggestion(for: role, among: ["voting", "sequencer", "participant"])
                        throw element.error("must be a ledger role (\(expected))" + (hint.map { "; did you mean '\($0)'?" } ?? ""))
                    }
                    guard !ledgerRoles.contains(flag) else { throw element.error("repeats a ledger role") }
                    ledgerRoles.insert(flag)
                }
            }
            members.append(MemberEntry(
                name: name, keyPath: keyPath, dataSourcesPath: sources.map(resolve), roles: Set(roles), ledgerRoles: ledgerRoles))
        }
        let voting = members.filter { $0.ledgerRoles.contains(.voting) }.count
        guard voting >= 1 else { throw memberList.error("no member has the ledger role 'voting'; at least one must vote") }
        var quorum = voting / 2 + 1
        if let node = top.optional("quorum") {
            quorum = try node.integer(in: 1...voting, expectation: "an integer from 1 to \(voting) (the number of voting members)")
        }
        var configuration = ConsortiumConfiguration(consortium: consortium, ledgerPath: resolve(ledger), quorum: quorum, members: members)
        if let insecure = top.optional("insecureTestParameters"), try insecure.bool() {
            configuration.parameters = .insecureForTests
        }
        // Production minimums (protocols/runtime.md#parameters): 2048-bit keys, majority thresholds.
        let secure = configuration.parameters.requiresMajorityThresholds
        let minimumBits = secure ? ParameterPolicy.production.minimumPaillierBits : 512
        let withData = members.filter { $0.dataSourcesPath != nil }.count
        let majority = secure ? ParameterPolicy.majority(of: withData) : 1
        if let paillier = top.optional("paillier") {
            let object = try paillier.object(allowedKeys: ["keyBits", "threshold"], expectation: "an object with keyBits, threshold")
            if let bits = object.optional("keyBits") {
                let expectation = "an even number of bits from \(minimumBits) to 8192" + (secure ? " (below 2048 only with insecureTestParameters)" : "")
                let value = try bits.integer(in: minimumBits...8192, expectation: expectation)
                guard value % 2 == 0 else { throw bits.error("must be \(expectation); found an odd integer") }
                configuration.paillierKeyBits = value
            }
            if let threshold = object.optional("threshold") {
                guard withData >= 1 else { throw threshold.error("no member has data sources, so there is no key holder to set a threshold for") }
                guard majority <= withData else {
                    throw threshold.error("needs at least \(majority) key holders (members with data sources); there are \(withData)")
                }
                configuration.paillierThreshold = try threshold.integer(
                    in: majority...withData,
                    expectation: "an integer from \(majority) to \(withData) (a majority of the members with data sources, who hold the key)")
            }
        }
        if let secagg = top.optional("secagg") {
            let object = try secagg.object(allowedKeys: ["threshold"], expectation: "an object with threshold")
            let threshold = try object.required("threshold", expectation: "an integer t ≥ 2")
            guard withData >= 2 else { throw threshold.error("secagg needs at least 2 members with data sources") }
            let least = max(2, majority)
            configuration.secaggThreshold = try threshold.integer(
                in: least...withData,
                expectation: "an integer from \(least) to \(withData) (\(secure ? "more than half of " : "")the members with data sources)")
        }
        if let seconds = top.optional("roundTimeoutSeconds") {
            let milliseconds = try seconds.decimalUnits(
                fractionDigits: 3, in: 1...86_400_000,
                expectation: "a number of seconds from 0.001 to 86400, with at most 3 decimals and no exponent")
            configuration.roundTimeout = .milliseconds(milliseconds)
        }
        if let seconds = top.optional("localPlanTimeoutSeconds") {
            let milliseconds = try seconds.decimalUnits(
                fractionDigits: 3, in: 1...86_400_000,
                expectation: "a number of seconds from 0.001 to 86400, with at most 3 decimals and no exponent")
            configuration.localPlanTimeout = .milliseconds(milliseconds)
        }
        if let logID = top.optional("logID") {
            guard let hash = LedgerHash(hex: try logID.string()) else {
                throw logID.error("must be the consortium's log id: 64 hex digits")
            }
            configuration.logID = hash
        }
        return configuration
    }

    /// Opens the consortium: loads (or creates) each member's key and data-source configuration,
    /// opens the ledger with its writer lock (waiting up to `lockTimeout` for another writer),
    /// and founds it when it is empty (recording each member's contract roles in the genesis
    /// entry). An existing ledger must list exactly these members with these keys and contract
    /// roles; runs left open by a coordinator that is gone are then closed
    /// (``Consortium/closeAbandonedRuns()``, protocols/runtime.md#abandoned-runs).
    /// - Parameter lockTimeout: How long to wait for another writer of the ledger.
    /// - Returns: The consortium and whether it was founded now.
    /// - Throws: ``RuntimeError`` (`ledgerBusy` if another writer holds the ledger throughout).
    public func open(lockTimeout: Duration = SQLiteLedgerStore.defaultLockTimeout) async throws -> (consortium: Consortium, founded: Bool) {
        var members: [Member] = []
        for entry in self.members {
            let key: (key: CryptoPrimitives.Ed25519.PrivateKey, created: Bool)
            try Self.ensureFolder(of: entry.keyPath, for: "member \(entry.name): the key file")
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
        try Self.ensureFolder(of: ledgerPath, for: "the ledger")
        let ledger = try LedgerService(path: ledgerPath, lockTimeout: lockTimeout)
        let consortium = Consortium(name: self.consortium, members: members, ledger: ledger, parameters: parameters)
        if await ledger.isEmpty {
            if let logID {
                throw RuntimeError(
                    .invalidConfiguration,
                    "the ledger \(ledgerPath) is empty, but the configuration pins the consortium \(logID.hex): restore that ledger (a member never founds a second consortium under a pinned identity)")
            }
            try await consortium.found(quorum: quorum)
            return (consortium, true)
        }
        let state = await ledger.state
        if let logID {
            guard state.logID == logID else {
                throw RuntimeError(
                    .invalidConfiguration,
                    "the ledger \(ledgerPath) belongs to log \(state.logID?.hex ?? "-"), not to the pinned consortium \(logID.hex): refused")
            }
            await ledger.pin(logID)
        }
        for member in members {
            guard let recorded = state.members[member.name] else {
                throw RuntimeError(.invalidConfiguration, "the ledger \(ledgerPath) has no member \(member.name)")
            }
            guard recorded.publicKey == member.publicKey else {
                throw RuntimeError(.invalidConfiguration, "the key of \(member.name) does not match the ledger's record of it")
            }
            guard recorded.contractRoles == member.roles.sorted() else {
                func list(_ roles: [String]) -> String { roles.isEmpty ? "none" : roles.joined(separator: ", ") }
                throw RuntimeError(
                    .invalidConfiguration,
                    "the configuration gives \(member.name) the contract roles \(list(member.roles.sorted())), the ledger \(ledgerPath) records \(list(recorded.contractRoles)): contract roles live on the ledger (its genesis and member-added entries); make the configuration's \"roles\" match them")
            }
        }
        try await consortium.closeAbandonedRuns()
        return (consortium, false)
    }

    /// Makes sure the folder that will hold `file` exists: creates it (mode 0700) when its own
    /// parent exists, and otherwise names it in the error (a mistyped deep path is never
    /// created silently).
    /// - Parameters:
    ///   - file: The key or ledger file.
    ///   - what: What the file is, for the message.
    /// - Throws: ``RuntimeError`` `invalidConfiguration` naming the folder.
    static func ensureFolder(of file: String, for what: String) throws {
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent().path
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: folder, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw RuntimeError(.invalidConfiguration, "\(what) \(file) cannot be created: \(folder) is not a folder")
            }
            return
        }
        let parent = URL(fileURLWithPath: folder).deletingLastPathComponent().path
        guard manager.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RuntimeError(
                .invalidConfiguration, "\(what) \(file) cannot be created: its folder \(folder) does not exist, nor does \(parent)")
        }
        do {
            try manager.createDirectory(atPath: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch {
            throw RuntimeError(
                .invalidConfiguration, "\(what) \(file) cannot be created: its folder \(folder) does not exist and cannot be created",
                cause: error)
        }
    }
}
