public import ConsortiumLedger
public import CryptoPrimitives
import DataSources
import Foundation
#if canImport(Glibc)
import Glibc
#endif

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

    /// The first 32 hex digits (128 bits) of SHA-256 of the signing key: what members read to
    /// each other to check a card.
    public var fingerprint: String { Self.fingerprint(of: signingKey) }

    /// The fingerprint of a signing key (128 bits of its SHA-256, in hex).
    public static func fingerprint(of key: Ed25519.PublicKey) -> String {
        hexEncode(Array(SHA256.hash(key.rawRepresentation).prefix(16)))
    }

    /// `host:port`: ASCII letters, digits, '.', '-', ':', '[' and ']', at most 255 characters.
    static func isValidAddress(_ address: String) -> Bool {
        !address.isEmpty && address.utf8.count <= 255
            && address.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || ".-:[]".unicodeScalars.contains($0)) }
    }

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
        let contents: [UInt8]
        do { contents = try ConfigurationNode.contents(ofFile: path) } catch let error as DataSourceError {
            throw RuntimeError(.invalidConfiguration, "\(error)", cause: error)
        } catch {
            throw RuntimeError(.invalidConfiguration, "\(path): not a member card", cause: error)
        }
        return try parse(contents, file: path)
    }

    /// Parses a card's JSON strictly and checks its signature (a card an operator handed to its
    /// node, protocols/node.md#admin-channel).
    /// - Parameters:
    ///   - contents: The card file's contents.
    ///   - file: The name errors give it.
    /// - Returns: The card.
    /// - Throws: ``RuntimeError`` `invalidConfiguration` naming the file and what is wrong.
    public static func parse(_ contents: [UInt8], file path: String) throws -> MemberCard {
        do {
            let root = try ConfigurationNode.read(contents, file: path)
            let object = try root.object(allowedKeys: ["name", "signingKey", "encryptionKey", "roles", "address", "signature"])
            func bytes(_ key: String, count: Int) throws -> [UInt8] {
                let node = try object.required(key, expectation: "\(count * 2) hex digits")
                guard let value = hexDecode(try node.string()), value.count == count else {
                    throw node.error("must be \(count * 2) hex digits")
                }
                return value
            }
            let name = try object.required("name", expectation: "a member name").string()
            let rolesNode = try object.required("roles", expectation: "an array of roles")
            guard let roles = MemberRoles(names: try rolesNode.stringArray()) else {
                throw rolesNode.error("roles are voting, sequencer and participant")
            }
            let addressNode = object.optional("address")
            let address = try addressNode?.string()
            if let addressNode, let address, !Self.isValidAddress(address) {
                throw addressNode.error("must be host:port (letters, digits, '.', '-', ':', '[', ']')")
            }
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
        if let address, !MemberCard.isValidAddress(address) {
            throw RuntimeError(.invalidConfiguration, "the address must be host:port (letters, digits, '.', '-', ':', '[', ']')")
        }
        try Self.secureDirectory(path)
        guard !FileManager.default.fileExists(atPath: signingKeyPath), !FileManager.default.fileExists(atPath: encryptionKeyPath) else {
            throw RuntimeError(.invalidConfiguration, "\(path) already holds a member's keys; they are never overwritten")
        }
        let signing = Ed25519.PrivateKey()
        let encryption = X25519.PrivateKey()
        try Self.writeSecret(hexEncode(signing.rawRepresentation) + "\n", to: signingKeyPath)
        try Self.writeSecret(hexEncode(encryption.rawRepresentation) + "\n", to: encryptionKeyPath)
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

    /// Creates `directory` with mode 0700, or accepts an existing one only if it is a real
    /// directory (not a link) owned by this user and closed to everyone else: keys are never
    /// written where another user could have planted or could read a file.
    package static func secureDirectory(_ directory: String) throws {
        var info = stat()
        if lstat(directory, &info) != 0 {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw RuntimeError(.ledgerFailure, "cannot create the directory \(directory)", cause: error)
            }
            guard lstat(directory, &info) == 0 else { throw RuntimeError(.ledgerFailure, "cannot create the directory \(directory)") }
        }
        guard info.st_mode & S_IFMT == S_IFDIR, info.st_uid == geteuid() else {
            throw RuntimeError(.invalidConfiguration, "\(directory) must be a directory owned by this user (not a link)")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw RuntimeError(.invalidConfiguration, "\(directory) is open to other users; keys go only into a directory of mode 0700")
        }
    }

    /// Writes a secret into a new file of mode 0600, refusing an existing file or a link
    /// (`O_CREAT | O_EXCL | O_NOFOLLOW`), so no one can have planted it or read it meanwhile.
    static func writeSecret(_ text: String, to file: String) throws {
        try writeSecret(Array(text.utf8), to: file)
    }

    /// Writes `bytes` into a new file of mode 0600 and flushes it to disk, refusing an existing
    /// file or a link (`O_CREAT | O_EXCL | O_NOFOLLOW`).
    /// - Throws: ``RuntimeError`` `ledgerFailure` when the file cannot be created or written.
    package static func writeSecret(_ bytes: [UInt8], to file: String) throws {
        let fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw RuntimeError(.ledgerFailure, "cannot create \(file) (it must not exist yet)") }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            guard n > 0 else { throw RuntimeError(.ledgerFailure, "cannot write \(file)") }
            written += n
        }
        guard fsync(fd) == 0 else { throw RuntimeError(.ledgerFailure, "cannot write \(file)") }
    }

    private func write(_ text: String, to file: String, mode: Int) throws {
        guard FileManager.default.createFile(atPath: file, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
            throw RuntimeError(.ledgerFailure, "cannot write \(file)")
        }
    }
}
