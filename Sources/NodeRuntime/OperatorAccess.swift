public import ConsortiumLedger
public import CryptoPrimitives
import Foundation
public import Runtime
import WireFormat

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

    /// Writes a copy of the node's replica, taken while the node runs, to `path` (a new file):
    /// page by page over the admin channel, each entry verified as a replica verifies what it
    /// receives (signatures and rules), so the copy is a consistent prefix of the log however the
    /// node's replica grows meanwhile. The copy is made in a new private folder beside `path` and
    /// linked into place only when complete, so a failed or interrupted copy leaves no file at
    /// `path` and an existing file or link there is never followed or overwritten. What a new
    /// member accepts (protocols/node.md#consortium-changes).
    /// - Parameter path: The new ledger file.
    /// - Returns: The copy's size and root.
    /// - Throws: ``RuntimeError`` `invalidConfiguration` when `path` exists, `ledgerFailure` when a
    ///   page does not decode or an entry fails verification, `fileFailure` when the copy cannot
    ///   be written, or the node's refusal (`transportFailure` when it cannot be reached).
    public func copyLedger(to path: String) async throws -> (size: UInt64, root: LedgerHash) {
        var probe = stat()
        guard lstat(path, &probe) != 0 else {
            throw RuntimeError(.invalidConfiguration, "\(path) already exists; a copy never overwrites a file")
        }
        let folder = path + ".copy-" + hexEncode(SecureRandom.bytes(count: 8))
        try MemberKeyDirectory.secureDirectory(folder)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let temporary = folder + "/ledger.sqlite"
        // The store is closed when `fill` returns (SQLite folds its write-ahead log into the file).
        let copied = try await fill(temporary)
        for suffix in ["", "-wal"] where suffix.isEmpty || FileManager.default.fileExists(atPath: temporary + suffix) {
            guard link(temporary + suffix, path + suffix) == 0 else {
                let exists = errno == EEXIST
                if !suffix.isEmpty { unlink(path) }
                throw exists
                    ? RuntimeError(.invalidConfiguration, "\(path + suffix) already exists; a copy never overwrites a file")
                    : RuntimeError(.fileFailure, "the copy could not be written to \(path + suffix)")
            }
        }
        return copied
    }

    /// Fills a new replica at `path` from the node's pages.
    private func fill(_ path: String) async throws -> (size: UInt64, root: LedgerHash) {
        let copy = try LedgerService(path: path)
        while true {
            let from = await copy.size
            guard let text = try await send(["command": "entries", "from": Int(from)])["page"] as? String,
                let page = Data(base64Encoded: text)
            else { throw RuntimeError(.ledgerFailure, "the node answered a page that is not base64", member: member) }
            let entries: [SignedEntry], size: UInt64
            do {
                (entries, size) = try ReplicatedLedger.readFetchAnswer(Array(page), from: member, limits: .default)
            } catch let error as RuntimeError {
                throw error
            } catch {
                throw RuntimeError(.ledgerFailure, "the node answered a page that does not decode: \(error)", member: member)
            }
            guard entries.first.map({ $0.entry.sequence == from }) ?? (from >= size) else {
                throw RuntimeError(.ledgerFailure, "the node answered entries from another position than \(from)", member: member)
            }
            if entries.isEmpty { break }
            try await copy.receive(entries)
            if await copy.size >= size { break }
        }
        guard await copy.size > 0 else { throw RuntimeError(.ledgerFailure, "the node's replica is empty", member: member) }
        return (await copy.size, await copy.root)
    }
}
