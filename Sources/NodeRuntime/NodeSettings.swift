import ConsortiumLedger
public import CryptoPrimitives
import DataSources
import Foundation
public import Runtime

/// A member node's one configuration file (`covenant node run --config node.json`,
/// protocols/node.md#configuration). Relative paths are resolved against the file's directory.
///
/// ```json
/// { "keys": "alpha-keys", "ledger": "ledger.sqlite", "listen": "127.0.0.1:7401",
///   "admin": "127.0.0.1:7411", "peers": {"bravo": "bravo.example:7401"},
///   "dataSources": "sources.json", "operators": ["<64 hex digits>"] }
/// ```
/// Contract roles are not configured here: they live on the ledger (the genesis and
/// member-added entries), and a file that still names `contractRoles` is refused.
public struct NodeSettings: Sendable {
    /// The member key directory (`covenant member init`; it pinned the consortium with `consortium accept`).
    public var keyDirectory: String
    /// This node's replica of the ledger (the copy the member accepted, then kept in step with the sequencer).
    public var ledgerPath: String
    /// Where members' nodes reach this node.
    public var listen: NodeAddress
    /// Where this node's operators reach it (mutually authenticated TLS with an operator key).
    public var admin: NodeAddress
    /// Each other member's node.
    public var peers: [String: NodeAddress]
    /// The member's data-source configuration (protocols/data-sources.md); nil: no data.
    public var dataSourcesPath: String?
    /// The operators' Ed25519 public keys (the admin channel accepts only these).
    public var operators: [Ed25519.PublicKey]
    /// Parameters this node accepts.
    public var parameters: ParameterPolicy
    /// Deadlines and sizes of the transport.
    public var limits: NodeLimits
    /// Whether this member takes part in runs of only some of the members with the participant
    /// role. Off by default: results over two participant sets that differ by one member give
    /// that member's input away, so a node takes part only in runs of all of them
    /// (protocols/node.md#runs-across-nodes).
    public var participantSubsets: Bool = false
    /// How long the coordinator of an open run this member takes part in may stay unreachable
    /// before this node closes the run with `run-aborted` (protocols/node.md#runs-across-nodes).
    public var abandonedRunTimeout: Duration = .seconds(300)

    /// Reads and checks a configuration file.
    /// - Parameter path: The file.
    /// - Returns: The settings, every path absolute.
    /// - Throws: ``RuntimeError`` `invalidConfiguration` as `file:line:column (key path): …`
    ///   (values from the file are never quoted).
    public static func load(path: String) throws -> NodeSettings {
        let base = (path as NSString).deletingLastPathComponent
        func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : (base.isEmpty ? p : base + "/" + p) }
        do {
            let root = try ConfigurationNode.read(try ConfigurationNode.contents(ofFile: path), file: path)
            if let stale = try root.object(allowedKeys: nil, expectation: "an object (the node configuration)").optional("contractRoles") {
                // Before the roles moved onto the ledger a node read them here; silently ignoring
                // the key would leave an operator believing it still decides who receives a view.
                throw stale.error(Self.contractRolesMoved)
            }
            let top = try root.object(
                allowedKeys: [
                    "keys", "ledger", "listen", "admin", "peers", "dataSources", "operators", "participantSubsets",
                    "abandonedRunSeconds", "refuseDropouts", "insecureTestParameters",
                ],
                expectation: "an object (the node configuration)")
            func address(_ node: ConfigurationNode) throws -> NodeAddress {
                guard let address = NodeAddress(parsing: try node.string(.name)) else {
                    throw node.error("must be host:port with a port from 1 to 65535")
                }
                return address
            }
            var peers: [String: NodeAddress] = [:]
            if let node = top.optional("peers") {
                let object = try node.object(allowedKeys: nil, expectation: "an object of member name to host:port")
                for name in object.members.map(\.key) { peers[name] = try address(try object.required(name, expectation: "host:port")) }
            }
            var operators: [Ed25519.PublicKey] = []
            if let node = top.optional("operators") {
                for element in try node.array(expectation: "an array of operator public keys (64 hex digits)") {
                    guard let bytes = hexDecode(try element.string(.name)), bytes.count == 32,
                        let key = try? Ed25519.PublicKey(rawRepresentation: bytes)
                    else { throw element.error("must be an Ed25519 public key (64 hex digits)") }
                    operators.append(key)
                }
            }
            let insecure = try top.optional("insecureTestParameters")?.bool() ?? false
            let subsets = try top.optional("participantSubsets")?.bool() ?? false
            let abandoned = try top.optional("abandonedRunSeconds")?.integer(in: 1...604_800, expectation: "a whole number of seconds from 1 to 604800") ?? 300
            let adminNode = try top.required("admin", expectation: "host:port for the operators")
            var settings = NodeSettings(
                keyDirectory: resolve(try top.required("keys", expectation: "the member key directory").string(.path)),
                ledgerPath: resolve(try top.required("ledger", expectation: "the ledger replica's path").string(.path)),
                listen: try address(try top.required("listen", expectation: "host:port for the other members")),
                admin: try address(adminNode), peers: peers,
                dataSourcesPath: try top.optional("dataSources").map { resolve(try $0.string(.path)) },
                operators: operators, parameters: insecure ? .insecureForTests : .production, limits: .default)
            settings.participantSubsets = subsets
            settings.abandonedRunTimeout = .seconds(abandoned)
            settings.parameters.refusesDropouts = try top.optional("refuseDropouts")?.bool() ?? false
            return settings
        } catch let error as DataSourceError {
            throw RuntimeError(.invalidConfiguration, error.description, cause: error)
        }
    }
}

extension NodeSettings {
    /// Why `contractRoles` is refused in a node configuration.
    static let contractRolesMoved =
        "is no longer read from the node configuration: contract roles live on the ledger (recorded in the genesis entry by 'covenant consortium found --role ROLE=MEMBER,…' and checked by every member's 'consortium accept --role …'); remove the key"
}

extension NodeAddress {
    /// `host:port` (an IPv6 literal in brackets); nil without a valid port.
    /// - Parameter text: The address.
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            return nil
        }
        let host = String(text[..<colon])
        guard !host.isEmpty else { return nil }
        self.init(host: host, port: port)
    }
}
