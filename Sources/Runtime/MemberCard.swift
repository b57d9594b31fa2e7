public import ConsortiumLedger
public import CryptoPrimitives
import DataSources
import Foundation

/// A member's public card, made on its own machine and handed to the founder: its name, its
/// Ed25519 signing key (its ledger identity), its X25519 encryption key (to which key shares are
/// encrypted), its roles and its node address, self-signed with the signing key. The founder
/// builds the genesis entry from the cards; members compare fingerprints out of band.
/// Spec: protocols/founding.md#member-cards.
public struct MemberCard: Sendable, Hashable {
    /// The member's name (1–64 of `[A-Za-z0-9._-]`).
    public var name: String
    /// Its ledger signing key.
    public var signingKey: Ed25519.PublicKey
    /// Its encryption key.
    public var encryptionKey: X25519.PublicKey
    /// Its ledger roles.
    public var roles: MemberRoles
    /// Where its node listens (`host:port`), if it runs one.
    public var address: String?
    /// Ed25519 over ``signedBytes``.
    public var signature: [UInt8]

    /// `"covenant/member-card/v1" ‖ 0x00 ‖ string name ‖ bytes[32] signingKey ‖ bytes[32]
    /// encryptionKey ‖ u8 roles ‖ string address` (strings `u32`-length-prefixed UTF-8).
    public var signedBytes: [UInt8] {
        func string(_ text: String) -> [UInt8] {
            let bytes = Array(text.utf8)
            let n = UInt32(bytes.count)
            return [UInt8(n >> 24), UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)] + bytes
        }
        return Array("covenant/member-card/v1".utf8) + [0] + string(name) + signingKey.rawRepresentation
            + encryptionKey.rawRepresentation + [roles.rawValue] + string(address ?? "")
    }

    /// Whether the card is signed by its own signing key and well-formed.
    public var isValid: Bool {
        ConsortiumLedger.Member.isValidName(name) && !roles.isEmpty && MemberRoles.all.isSuperset(of: roles)
            && signingKey.isValidSignature(signature, for: signedBytes)
    }

    /// The first 16 hex digits of SHA-256 of the signing key: what members read to each other
    /// to check a card.
    public var fingerprint: String { hexEncode(Array(SHA256.hash(signingKey.rawRepresentation).prefix(8))) }

    /// The ledger member this card describes.
    public var member: ConsortiumLedger.Member { .init(name: name, publicKey: signingKey, roles: roles) }

    /// The card as JSON (sorted keys, pretty-printed).
    public var json: String {
        struct File: Encodable {
            var name, signingKey, encryptionKey: String
            var roles: [String]
            var address: String?
            var signature: String
        }
        let file = File(
            name: name, signingKey: hexEncode(signingKey.rawRepresentation), encryptionKey: hexEncode(encryptionKey.rawRepresentation),
            roles: roles.names, address: address, signature: hexEncode(signature))
        return MemberCard.encodeJSON(file)
    }

    /// Pretty-printed JSON with sorted keys and a final newline.
    static func encodeJSON(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return ((try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
    }

    /// Reads a card file strictly and checks its signature.
    /// - Parameter path: The file.
    /// - Returns: The card.
    /// - Throws: ``RuntimeError`` `invalidConfiguration` naming the file and what is wrong.
    public static func read(path: String) throws -> MemberCard {
        do {
            let root = try ConfigurationNode.read(try ConfigurationNode.contents(ofFile: path), file: path)
            let object = try root.object(allowedKeys: ["name", "signingKey", "encryptionKey", "roles", "address", "signature"])
            func bytes(_ key: String, count: Int) throws -> [UInt8] {
                let node = try object.required(key, expectation: "\(count * 2) hex digits")
                guard let value = hexDecode(try node.string()), value.count == count else {
                    throw node.error("must be \(count * 2) hex digits")
                }
                return value
            }
            let name = try object.required("name", expectation: "a member name").string()
            var roles: MemberRoles = []
            let rolesNode = try object.required("roles", expectation: "an array of roles")
            for role in try rolesNode.stringArray() {
                switch role {
                case "voting": roles.insert(.voting)
                case "sequencer": roles.insert(.sequencer)
                case "participant": roles.insert(.participant)
                default: throw rolesNode.error("roles are voting, sequencer and participant")
                }
            }
            let address = try object.optional("address")?.string()
            let card = MemberCard(
                name: name, signingKey: try Ed25519.PublicKey(rawRepresentation: try bytes("signingKey", count: 32)),
                encryptionKey: try X25519.PublicKey(rawRepresentation: try bytes("encryptionKey", count: 32)),
                roles: roles, address: address, signature: try bytes("signature", count: 64))
            guard card.isValid else {
                throw RuntimeError(.invalidConfiguration, "\(path): the card's signature does not verify under its signing key, or its name or roles are invalid")
            }
            return card
        } catch let error as RuntimeError {
            throw error
        } catch let error as DataSourceError {
            throw RuntimeError(.invalidConfiguration, "\(error)", cause: error)
        } catch {
            throw RuntimeError(.invalidConfiguration, "\(path): not a member card", cause: error)
        }
    }
}

/// A member's own key directory on its own machine (mode 0700): `signing.key` and
/// `encryption.key` (hex seeds, mode 0600, never shown), `card.json` (public), and, once it
/// accepted a consortium, `consortium.json` with the pinned log id. No other process ever holds
/// these keys. Spec: protocols/founding.md#key-directory.
public struct MemberKeyDirectory: Sendable {
    /// The directory.
    public let path: String

    /// A key directory at `path` (nothing is read or written yet).
    public init(path: String) { self.path = path }

    private var signingKeyPath: String { path + "/signing.key" }
    private var encryptionKeyPath: String { path + "/encryption.key" }
    /// The public card.
    public var cardPath: String { path + "/card.json" }
    /// The pinned consortium.
    public var consortiumPath: String { path + "/consortium.json" }

    /// Creates the directory, fresh keys and the signed card; refuses an existing key directory.
    /// - Parameters:
    ///   - name: The member's name.
    ///   - roles: Its ledger roles.
    ///   - address: Its node address, if any.
    /// - Returns: The card.
    /// - Throws: ``RuntimeError`` `invalidConfiguration` (a bad name or roles, keys already there)
    ///   or `ledgerFailure` when files cannot be written.
    public func create(name: String, roles: MemberRoles, address: String?) throws -> MemberCard {
        guard ConsortiumLedger.Member.isValidName(name) else {
            throw RuntimeError(.invalidConfiguration, "a member name is 1–64 characters of A–Z, a–z, 0–9, '.', '_' and '-'")
        }
        guard !roles.isEmpty else { throw RuntimeError(.invalidConfiguration, "a member needs at least one role") }
        if let address, address.isEmpty || address.count > 255
            || !address.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || ".-:[]".unicodeScalars.contains($0)) })
        {
            throw RuntimeError(.invalidConfiguration, "the address must be host:port (letters, digits, '.', '-', ':', '[', ']')")
        }
        let manager = FileManager.default
        guard !manager.fileExists(atPath: signingKeyPath), !manager.fileExists(atPath: encryptionKeyPath) else {
            throw RuntimeError(.invalidConfiguration, "\(path) already holds a member's keys; they are never overwritten")
        }
        do {
            try manager.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
        } catch {
            throw RuntimeError(.ledgerFailure, "cannot create the key directory \(path)", cause: error)
        }
        let signing = try MemberKeyFile.loadOrCreate(at: signingKeyPath).key
        let encryption = X25519.PrivateKey()
        try write(hexEncode(encryption.rawRepresentation) + "\n", to: encryptionKeyPath, mode: 0o600)
        var card = MemberCard(
            name: name, signingKey: signing.publicKey, encryptionKey: encryption.publicKey, roles: roles, address: address, signature: [])
        card.signature = signing.signature(for: card.signedBytes)
        try write(card.json, to: cardPath, mode: 0o644)
        return card
    }

    /// The member's card and signing key, checked against each other.
    /// - Returns: The card and the key.
    /// - Throws: ``RuntimeError`` `invalidConfiguration` when the directory is incomplete or its
    ///   card is not this key's.
    public func load() throws -> (card: MemberCard, signingKey: Ed25519.PrivateKey, encryptionKey: X25519.PrivateKey) {
        let card = try MemberCard.read(path: cardPath)
        let signing: Ed25519.PrivateKey
        do { signing = try MemberKeyFile.load(from: signingKeyPath) } catch {
            throw RuntimeError(.invalidConfiguration, "\(path) holds no readable signing key", cause: error)
        }
        guard let text = FileManager.default.contents(atPath: encryptionKeyPath).map({ String(decoding: $0, as: UTF8.self) }),
            let seed = hexDecode(text.trimmingCharacters(in: .whitespacesAndNewlines)),
            let encryption = try? X25519.PrivateKey(rawRepresentation: seed)
        else {
            throw RuntimeError(.invalidConfiguration, "\(path) holds no readable encryption key")
        }
        guard signing.publicKey == card.signingKey, encryption.publicKey == card.encryptionKey else {
            throw RuntimeError(.invalidConfiguration, "\(path): the card is not this directory's keys")
        }
        return (card, signing, encryption)
    }

    /// The consortium this member accepted (its pinned log id), if any.
    public func pinnedLogID() throws -> LedgerHash? {
        guard let data = FileManager.default.contents(atPath: consortiumPath) else { return nil }
        do {
            let root = try ConfigurationNode.read(Array(data), file: consortiumPath)
            let object = try root.object(allowedKeys: ["logID", "consortium"])
            let node = try object.required("logID", expectation: "64 hex digits")
            guard let id = LedgerHash(hex: try node.string()) else { throw node.error("must be 64 hex digits") }
            return id
        } catch let error as DataSourceError {
            throw RuntimeError(.invalidConfiguration, "\(error)", cause: error)
        }
    }

    func pin(_ logID: LedgerHash, consortium: String) throws {
        struct File: Encodable { var consortium, logID: String }
        try write(MemberCard.encodeJSON(File(consortium: consortium, logID: logID.hex)), to: consortiumPath, mode: 0o644)
    }

    private func write(_ text: String, to file: String, mode: Int) throws {
        guard FileManager.default.createFile(atPath: file, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
            throw RuntimeError(.ledgerFailure, "cannot write \(file)")
        }
    }
}
