import ConsortiumLedger
public import CryptoPrimitives
import Foundation
public import Runtime

/// An operator's access to its member's node over the admin channel: mutually authenticated TLS
/// where the operator presents its own key (one of the node configuration's `operators`) and
/// accepts only the node member's key. The operator never holds the member's signing key.
/// Spec: protocols/node.md#admin-channel.
public struct OperatorAccess: Sendable {
    /// The operator's key.
    public let key: Ed25519.PrivateKey
    /// The node's member.
    public let member: String
    /// The member's public key (the node's TLS identity).
    public let memberKey: Ed25519.PublicKey
    /// The node's admin address.
    public let address: NodeAddress

    /// Creates an operator directory: `operator.key` (0600) and `operator.json` naming the node.
    /// - Parameters:
    ///   - directory: The directory (0700; created).
    ///   - card: The member's card (its name and key).
    ///   - admin: The node's admin address.
    /// - Returns: The operator's public key, for the node configuration's `operators`.
    /// - Throws: ``RuntimeError`` `invalidConfiguration` when the directory already holds a key.
    public static func create(in directory: String, card: MemberCard, admin: NodeAddress) throws -> Ed25519.PublicKey {
        try MemberKeyDirectory.secureDirectory(directory)
        let keyPath = directory + "/operator.key"
        guard !FileManager.default.fileExists(atPath: keyPath) else {
            throw RuntimeError(.invalidConfiguration, "\(directory) already holds an operator key; it is never overwritten")
        }
        let (key, _) = try MemberKeyFile.loadOrCreate(at: keyPath)
        let object: [String: Any] = [
            "key": "operator.key", "member": card.name, "memberKey": hexEncode(card.signingKey.rawRepresentation), "admin": "\(admin)",
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        guard FileManager.default.createFile(atPath: directory + "/operator.json", contents: data) else {
            throw RuntimeError(.fileFailure, "cannot write \(directory)/operator.json")
        }
        return key.publicKey
    }

    /// Reads an operator directory's `operator.json` and key.
    /// - Parameter directory: The directory.
    /// - Throws: ``RuntimeError`` `invalidConfiguration`.
    public init(directory: String) throws {
        guard let data = FileManager.default.contents(atPath: directory + "/operator.json"),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let keyFile = object["key"] as? String, let member = object["member"] as? String,
            let memberHex = object["memberKey"] as? String, let bytes = hexDecode(memberHex),
            let memberKey = try? Ed25519.PublicKey(rawRepresentation: bytes),
            let admin = (object["admin"] as? String).flatMap(NodeAddress.init(parsing:))
        else {
            throw RuntimeError(.invalidConfiguration, "\(directory)/operator.json is missing or malformed (covenant operator init makes it)")
        }
        let key: Ed25519.PrivateKey
        do { key = try MemberKeyFile.load(from: keyFile.hasPrefix("/") ? keyFile : directory + "/" + keyFile) } catch {
            throw RuntimeError(.invalidConfiguration, "\(directory) holds no readable operator key", cause: error)
        }
        self.init(key: key, member: member, memberKey: memberKey, address: admin)
    }

    /// Access with these facts.
    /// - Parameters:
    ///   - key: The operator's key.
    ///   - member: The node's member.
    ///   - memberKey: Its key.
    ///   - address: The node's admin address.
    public init(key: Ed25519.PrivateKey, member: String, memberKey: Ed25519.PublicKey, address: NodeAddress) {
        self.key = key
        self.member = member
        self.memberKey = memberKey
        self.address = address
    }

    /// Sends one admin request and returns the node's answer.
    /// - Parameters:
    ///   - request: The JSON request (`{"command": …}`).
    ///   - timeout: How long to wait (a run takes as long as the run).
    /// - Returns: The answer object (`ok` true).
    /// - Throws: ``RuntimeError`` `transportFailure` (unreachable, refused handshake), or the
    ///   node's refusal with its code and message.
    public func send(_ request: [String: Any], timeout: Duration = .seconds(600)) async throws -> [String: Any] {
        let link = try PeerLink(
            to: member, at: address, identity: try NodeIdentity(member: "operator", key: key),
            directory: try MemberDirectory([(name: member, publicKey: memberKey)]))
        defer { Task { await link.close() } }
        let body = try JSONSerialization.data(withJSONObject: request)
        let answer = try await link.unary(CallService.admin, Array(body), timeout: timeout)
        guard let object = try? JSONSerialization.jsonObject(with: Data(answer)) as? [String: Any] else {
            throw RuntimeError(.transportFailure, "the node answered something that is not JSON")
        }
        guard object["ok"] as? Bool == true else {
            let code = (object["code"] as? String).flatMap(RuntimeError.Code.init(rawValue:)) ?? .transportFailure
            throw RuntimeError(code, object["message"] as? String ?? "the node refused the request", member: member)
        }
        return object
    }
}
