import ConsortiumLedger
import CryptoPrimitives
import NIOCore
import NIOSSL
import Runtime
import SwiftASN1
import X509

/// Ledger member names (the ledger's rule, reused by the registry).
enum ConsortiumLedgerNames {
    static func isValid(_ name: String) -> Bool { ConsortiumLedger.Member.isValidName(name) }
}

/// The custom TLS verification that replaces any CA: the peer's leaf certificate must be a valid
/// self-signed certificate whose subject key is a registered member's Ed25519 key (and, when
/// dialling, the key of the member expected at that address). The TLS 1.3 handshake itself proves
/// possession of that key (CertificateVerify). Spec: protocols/node.md#tls-identities-and-pinning.
enum PeerVerification {
    /// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4): the key follows.
    static let ed25519SPKIPrefix: [UInt8] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]

    /// The member whose registered key the presented leaf certificate carries.
    /// - Parameters:
    ///   - certificates: The peer's chain, leaf first (only the leaf is used).
    ///   - directory: The pinned registry.
    ///   - expected: The member expected at the dialled address (nil when accepting).
    /// - Returns: The member, or why it is refused (public facts only).
    static func member(
        presenting certificates: [NIOSSLCertificate], in directory: MemberDirectory, expected: String?
    ) -> Result<String, RuntimeError> {
        guard let leaf = certificates.first else {
            return .failure(RuntimeError(.peerRefused, "the peer presented no certificate"))
        }
        let spki: [UInt8]
        let certificate: Certificate
        do {
            spki = try leaf.extractPublicKey().toSPKIBytes()
            certificate = try Certificate(derEncoded: try leaf.toDERBytes())
        } catch {
            return .failure(RuntimeError(.peerRefused, "the peer's certificate could not be parsed"))
        }
        guard spki.count == ed25519SPKIPrefix.count + Ed25519.keyByteCount, spki.starts(with: ed25519SPKIPrefix),
            let key = try? Ed25519.PublicKey(rawRepresentation: spki.dropFirst(ed25519SPKIPrefix.count))
        else {
            return .failure(RuntimeError(.peerRefused, "the peer's certificate key is not an Ed25519 key"))
        }
        guard let member = directory.member(withKey: key) else {
            return .failure(RuntimeError(.peerRefused, "the peer's certificate key is not a registered member's key"))
        }
        if let expected, member != expected {
            return .failure(RuntimeError(.peerRefused, "the peer is member \(member), not \(expected) as expected at its address", member: expected))
        }
        guard certificate.publicKey.isValidSignature(certificate.signature, for: certificate) else {
            return .failure(RuntimeError(.peerRefused, "the certificate of member \(member) is not validly self-signed", member: member))
        }
        return .success(member)
    }

    /// A TLS 1.3-only configuration for a node: its certificate and key, Ed25519 signatures only,
    /// a peer certificate required in both directions, verified by the custom callback only.
    /// - Parameters:
    ///   - identity: The node's identity.
    ///   - server: Whether this is the accepting side.
    /// - Returns: The configuration.
    static func configuration(for identity: NodeIdentity, server: Bool) throws -> TLSConfiguration {
        let (certificate, key) = try identity.tlsMaterial()
        var configuration =
            server
            ? TLSConfiguration.makeServerConfiguration(certificateChain: [.certificate(certificate)], privateKey: .privateKey(key))
            : TLSConfiguration.makeClientConfiguration()
        if !server {
            configuration.certificateChain = [.certificate(certificate)]
            configuration.privateKey = .privateKey(key)
        }
        configuration.minimumTLSVersion = .tlsv13
        configuration.maximumTLSVersion = .tlsv13
        configuration.certificateVerification = .noHostnameVerification
        configuration.trustRoots = .certificates([])
        configuration.signingSignatureAlgorithms = [.ed25519]
        configuration.verifySignatureAlgorithms = [.ed25519]
        configuration.applicationProtocols = ["grpc-exp", "h2"]
        return configuration
    }
}
