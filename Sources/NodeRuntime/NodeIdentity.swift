public import ConsortiumLedger
import Crypto
public import CryptoPrimitives
import Foundation
import NIOSSL
import Runtime
import SwiftASN1
import Synchronization
import X509

/// A member node's TLS identity: a self-signed X.509 certificate over the member's registered
/// Ed25519 ledger key, presented in both directions of every connection. There is no CA: peers
/// accept it only because its key is pinned from the member registry.
/// Spec: protocols/node.md#tls-identities-and-pinning.
///
/// The description never shows the private key.
public struct NodeIdentity: Sendable, CustomStringConvertible {
    /// The member.
    public let member: String
    /// Its registered key (the certificate's subject public key).
    public let publicKey: Ed25519.PublicKey
    /// The certificate's DER encoding (public).
    public let certificateDER: [UInt8]
    /// The member's signing key (envelopes are signed with it).
    let signingKey: Ed25519.PrivateKey

    /// A fresh certificate over `key`, valid from an hour ago for ten years (the validity period is
    /// not what peers rely on: a key is acceptable while the registry holds it).
    /// - Parameters:
    ///   - member: The member's name on the ledger.
    ///   - key: The member's Ed25519 signing key.
    /// - Throws: ``RuntimeError`` `invalidConfiguration` if the certificate cannot be built.
    public init(member: String, key: Ed25519.PrivateKey) throws {
        self.member = member
        self.publicKey = key.publicKey
        self.signingKey = key
        do {
            let certificateKey = Certificate.PrivateKey(try Curve25519.Signing.PrivateKey(rawRepresentation: key.rawRepresentation))
            let name = try DistinguishedName {
                OrganizationName("Covenant member node")
                CommonName(member)
            }
            // RFC 5280 §4.1.2.2: a positive serial of at most 20 bytes, here 16 from the CSPRNG.
            var serial = SecureRandom.bytes(count: 16)
            serial[0] = (serial[0] & 0x7f) | 0x01
            let now = Date()
            let certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(bytes: serial), publicKey: certificateKey.publicKey,
                notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
                issuer: name, subject: name, signatureAlgorithm: .ed25519,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([.serverAuth, .clientAuth])
                },
                issuerPrivateKey: certificateKey)
            var serializer = DER.Serializer()
            try serializer.serialize(certificate)
            certificateDER = serializer.serializedBytes
        } catch {
            throw RuntimeError(.invalidConfiguration, "the node certificate for \(member) could not be built")
        }
    }

    /// `NodeIdentity(member, key …)` without key material.
    public var description: String {
        "NodeIdentity(\(member), \(publicKey))"
    }

    /// The certificate and key as swift-nio-ssl values.
    func tlsMaterial() throws -> (certificate: NIOSSLCertificate, key: NIOSSLPrivateKey) {
        // RFC 8410 §7: PKCS#8 OneAsymmetricKey for Ed25519 is this fixed prefix and the 32-byte seed.
        let pkcs8: [UInt8] = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
            + signingKey.rawRepresentation
        do {
            return (try NIOSSLCertificate(bytes: certificateDER, format: .der), try NIOSSLPrivateKey(bytes: pkcs8, format: .der))
        } catch {
            throw RuntimeError(.invalidConfiguration, "the TLS stack refused the node certificate of \(member)")
        }
    }
}

/// The pinned member registry: each registered member's name and Ed25519 key, as the ledger
/// records them. The only acceptable TLS peers and envelope signers.
///
/// Copies share one registry: a node hands the same registry to its listener, its links and its
/// envelope checks, and ``replace(with:)`` changes it for all of them at once when the ledger
/// admits or removes a member (protocols/node.md#tls-identities-and-pinning).
public struct MemberDirectory: Sendable {
    /// Each member's key, and each key's member.
    private struct Entries: Sendable {
        var keys: [String: Ed25519.PublicKey] = [:]
        var names: [Ed25519.PublicKey: String] = [:]

        init(_ members: [(name: String, publicKey: Ed25519.PublicKey)]) throws(RuntimeError) {
            for (name, key) in members {
                guard ConsortiumLedgerNames.isValid(name) else {
                    throw RuntimeError(.invalidConfiguration, "member name '\(name.prefix(64))' is not a valid ledger name")
                }
                guard keys[name] == nil, names[key] == nil else {
                    throw RuntimeError(.invalidConfiguration, "member \(name) or its key appears twice in the registry")
                }
                keys[name] = key
                names[key] = name
            }
        }
    }

    /// The registry, shared by every copy.
    private final class Storage: Sendable {
        let entries: Mutex<Entries>
        init(_ entries: Entries) { self.entries = Mutex(entries) }
    }

    private let storage: Storage

    /// A registry.
    /// - Parameter members: Each member's name and key.
    /// - Throws: ``RuntimeError`` `invalidConfiguration` for an invalid or repeated name, or a key
    ///   registered twice.
    public init(_ members: [(name: String, publicKey: Ed25519.PublicKey)]) throws {
        storage = Storage(try Entries(members))
    }

    /// The registry of the members a ledger records (its genesis and membership entries).
    /// - Parameter registered: The ledger's members.
    /// - Throws: ``RuntimeError`` `invalidConfiguration` as ``init(_:)``.
    public init(registered: [ConsortiumLedger.Member]) throws {
        try self.init(registered.map { (name: $0.name, publicKey: $0.publicKey) })
    }

    /// Replaces the registry, for every copy, with the members a ledger now records.
    /// - Parameter registered: The ledger's members.
    /// - Returns: The members no longer registered.
    /// - Throws: ``RuntimeError`` `invalidConfiguration` as ``init(_:)`` (the registry is then unchanged).
    @discardableResult
    public func replace(with registered: [ConsortiumLedger.Member]) throws -> [String] {
        let entries = try Entries(registered.map { (name: $0.name, publicKey: $0.publicKey) })
        return storage.entries.withLock { current in
            let removed = current.keys.keys.filter { entries.keys[$0] == nil }.sorted()
            current = entries
            return removed
        }
    }

    /// Whether the registry holds exactly these members with these keys.
    /// - Parameter registered: The ledger's members.
    /// - Returns: True when nothing would change.
    public func matches(_ registered: [ConsortiumLedger.Member]) -> Bool {
        storage.entries.withLock { current in
            current.keys.count == registered.count && registered.allSatisfy { current.keys[$0.name] == $0.publicKey }
        }
    }

    /// The registered key of `member`.
    /// - Parameter member: The name.
    /// - Returns: The key, if registered.
    public func key(of member: String) -> Ed25519.PublicKey? { storage.entries.withLock { $0.keys[member] } }

    /// The member registered with `key`.
    /// - Parameter key: A key.
    /// - Returns: The name, if registered.
    public func member(withKey key: Ed25519.PublicKey) -> String? { storage.entries.withLock { $0.names[key] } }

    /// The registered names, sorted.
    public var members: [String] { storage.entries.withLock { $0.keys.keys.sorted() } }
}

/// The `host:port` a member node listens on.
public struct NodeAddress: Sendable, Hashable, CustomStringConvertible {
    /// An IPv4 address, an IPv6 address (bare or in brackets) or a DNS host name; a link dials a
    /// literal directly and resolves a name (protocols/node.md#transport).
    public var host: String
    /// The TCP port (0 when listening: an ephemeral port).
    public var port: Int

    /// An address.
    /// - Parameters:
    ///   - host: The host.
    ///   - port: The port.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port` (`[host]:port` for an IPv6 address).
    public var description: String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
