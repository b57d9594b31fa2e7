public import ConsortiumLedger
import CryptoPrimitives
import DataSources
import Foundation
public import PaillierEncryption
import WireFormat

/// The Paillier key ceremony of a consortium of separate machines (spec:
/// protocols/founding.md#key-ceremony): a dealer generates the threshold key, records it on the
/// ledger, and seals each share to its holder's encryption key (from the holder's card, checked
/// against the ledger); each holder opens its share, checks it against the ceremony's
/// verification key and keeps it in its key directory, where it survives restarts. The dealer
/// learns the whole key and must erase it: it is trusted, and named as the ceremony entry's author.
public enum KeyCeremonyDealing {
    /// Deals a `threshold`-of-`holders` key of `bits` bits to the holders of `cards` (share `i` to
    /// `cards[i − 1]`), appends the `key-ceremony` entry to the dealer's copy of the ledger, and
    /// writes one sealed share per holder into `outDirectory` (`NAME.share`).
    /// - Parameters:
    ///   - ledgerPath: The ledger (the dealer appends to it).
    ///   - dealer: The dealer's key directory (a member of the consortium).
    ///   - cards: The key holders' cards, in share order; each must be a current member's with
    ///     the participant role, with the key the ledger records.
    ///   - bits: The modulus size.
    ///   - threshold: Shares needed to decrypt (default: a majority).
    ///   - parameters: The parameter policy (production unless explicitly insecure).
    ///   - outDirectory: Where the sealed shares go.
    /// - Returns: The ceremony id and the sealed share files.
    /// - Throws: ``RuntimeError``.
    public static func deal(
        ledgerPath: String, dealer: MemberKeyDirectory, cards: [MemberCard], bits: Int, threshold: Int?,
        parameters: ParameterPolicy, outDirectory: String
    ) throws -> (ceremony: LedgerHash, files: [String]) {
        let (own, key, _) = try dealer.load()
        let t = threshold ?? ParameterPolicy.majority(of: cards.count)
        try parameters.checkPaillier(bits: bits, threshold: t, holders: cards.count)
        guard Set(cards.map(\.name)).count == cards.count, cards.count >= 2 else {
            throw RuntimeError(.invalidConfiguration, "a key ceremony needs at least two distinct key holders")
        }
        let ledger: Ledger
        do { ledger = try Ledger(store: try SQLiteLedgerStore(path: ledgerPath)) } catch {
            throw RuntimeError(.ledgerFailure, "cannot open the ledger \(ledgerPath): \(error)", cause: error)
        }
        guard let pinned = try dealer.pinnedLogID() else {
            throw RuntimeError(.invalidConfiguration, "\(dealer.path) has accepted no consortium yet ('covenant consortium accept')")
        }
        guard pinned == ledger.logID else {
            throw RuntimeError(.ledgerFailure, "\(ledgerPath) is not the consortium \(dealer.path) accepted (log id \(pinned.hex))")
        }
        let members = ledger.state.members
        for card in cards {
            guard let member = members[card.name], member.publicKey == card.signingKey, member.roles.contains(.participant) else {
                throw RuntimeError(
                    .invalidConfiguration,
                    "the card of \(card.name) is not a current participant's on this ledger (name, signing key or role differ)")
            }
        }
        var generator = SecureRandomGenerator()
        let dealt: (publicKey: Paillier.ThresholdPublicKey, shares: [Paillier.KeyShare])
        do {
            dealt = try Paillier.dealThresholdKey(bits: bits, threshold: t, parties: cards.count, using: &generator)
        } catch {
            throw RuntimeError(.missingKeyCeremony, "the key ceremony failed: \(error)", cause: error)
        }
        let record = KeyCeremony(
            scheme: ParameterPolicy.schemeLabel(of: dealt.publicKey), publicKey: dealt.publicKey.wireEncoded(),
            verificationKeys: dealt.publicKey.verificationKeys.map(\.bigEndianMagnitude), holders: cards.map(\.name))
        // Sealed before anything is recorded: a failure leaves no ceremony without its shares.
        var sealed: [(String, String)] = []
        for (card, share) in zip(cards, dealt.shares) {
            sealed.append((card.name, try SealedKeyShare.seal(share, ceremony: record.ceremonyID, to: card).json))
        }
        do {
            try FileManager.default.createDirectory(atPath: outDirectory, withIntermediateDirectories: true)
        } catch {
            throw RuntimeError(.ledgerFailure, "cannot create \(outDirectory)", cause: error)
        }
        var files: [String] = []
        for (name, text) in sealed {
            let file = outDirectory + "/\(name).share"
            guard FileManager.default.createFile(atPath: file, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw RuntimeError(.ledgerFailure, "cannot write \(file)")
            }
            files.append(file)
        }
        do {
            try ledger.append(.keyCeremony(record), author: own.name, key: key)
        } catch {
            for file in files { try? FileManager.default.removeItem(atPath: file) }
            throw RuntimeError(.ledgerFailure, "the ledger refused the key ceremony: \(error)", cause: error)
        }
        return (record.ceremonyID, files)
    }

    /// A holder's acceptance: opens its sealed share with its encryption key, checks it is the
    /// share of its index of the ceremony recorded on the ledger, and keeps it in its key
    /// directory (`shares/CEREMONY.share`, mode 0600).
    /// - Parameters:
    ///   - sharePath: The sealed share the dealer sent.
    ///   - ledgerPath: The ledger holding the ceremony.
    ///   - member: The holder's key directory.
    /// - Returns: The ceremony id and the share's index.
    /// - Throws: ``RuntimeError`` `invalidConfiguration` (not this member's share, a damaged or
    ///   tampered file, a share that does not match the ceremony) or `ledgerFailure`.
    public static func accept(sharePath: String, ledgerPath: String, member: MemberKeyDirectory) throws -> (ceremony: LedgerHash, index: Int) {
        let (card, _, encryption) = try member.load()
        let sealed = try SealedKeyShare.read(path: sharePath)
        guard sealed.holder == card.name else {
            throw RuntimeError(.invalidConfiguration, "\(sharePath) is sealed to \(sealed.holder), not to \(card.name)")
        }
        guard let pinned = try member.pinnedLogID() else {
            throw RuntimeError(.invalidConfiguration, "\(member.path) has accepted no consortium yet ('covenant consortium accept')")
        }
        let audit = LedgerAuditor(pin: pinned).audit(path: ledgerPath)
        guard audit.passed else {
            throw RuntimeError(.ledgerFailure, "the ledger \(ledgerPath) does not verify: \(audit.failure.map { "\($0.rule): \($0.message)" } ?? "")")
        }
        let state: ConsortiumState
        do { state = try Ledger(store: try SQLiteLedgerStore(readingFrom: ledgerPath)).state } catch {
            throw RuntimeError(.ledgerFailure, "cannot read the ledger \(ledgerPath)", cause: error)
        }
        guard let ceremony = state.ceremonies[sealed.ceremony],
            let key = try? Paillier.ThresholdPublicKey(wireEncoded: ceremony.publicKey)
        else {
            throw RuntimeError(.ledgerFailure, "the ledger records no Paillier key ceremony \(sealed.ceremony.hex)")
        }
        let share = try sealed.open(with: encryption, card: card)
        guard ceremony.holders.indices.contains(share.index - 1), ceremony.holders[share.index - 1] == card.name else {
            throw RuntimeError(.invalidConfiguration, "\(sharePath) is not the share the ceremony assigns to \(card.name)")
        }
        guard key.holds(share) else {
            throw RuntimeError(.invalidConfiguration, "\(sharePath) is not a share of the key the ceremony recorded")
        }
        try member.store(share, ceremony: sealed.ceremony)
        return (sealed.ceremony, share.index)
    }
}

/// A key share sealed to its holder: X25519 with a fresh ephemeral key, HKDF-SHA256, AES-256-GCM,
/// the ceremony id and holder name authenticated (protocols/founding.md#sealed-shares).
package struct SealedKeyShare {
    var ceremony: LedgerHash
    var holder: String
    var ephemeralKey: X25519.PublicKey
    var box: [UInt8]

    static let domain = Array("covenant/key-share/v1".utf8)

    static func keyAndAAD(shared: [UInt8], ceremony: LedgerHash, holder: String, ephemeral: X25519.PublicKey, recipient: X25519.PublicKey) throws -> ([UInt8], [UInt8]) {
        let aad = domain + [0] + ceremony.bytes + Array(holder.utf8)
        let key = try HKDF.deriveKey(
            inputKeyMaterial: shared, salt: ceremony.bytes, info: aad + ephemeral.rawRepresentation + recipient.rawRepresentation,
            outputByteCount: AESGCM.keyByteCount)
        return (key, aad)
    }

    package static func seal(_ share: Paillier.KeyShare, ceremony: LedgerHash, to card: MemberCard) throws -> SealedKeyShare {
        let ephemeral = X25519.PrivateKey()
        do {
            let shared = try ephemeral.sharedSecret(with: card.encryptionKey)
            let (key, aad) = try keyAndAAD(shared: shared, ceremony: ceremony, holder: card.name, ephemeral: ephemeral.publicKey, recipient: card.encryptionKey)
            let box = try AESGCM.seal(share.serialized, key: key, authenticating: aad)
            return SealedKeyShare(ceremony: ceremony, holder: card.name, ephemeralKey: ephemeral.publicKey, box: box.combined)
        } catch {
            throw RuntimeError(.missingKeyCeremony, "sealing the share of \(card.name) failed", cause: error)
        }
    }

    func open(with key: X25519.PrivateKey, card: MemberCard) throws -> Paillier.KeyShare {
        do {
            let shared = try key.sharedSecret(with: ephemeralKey)
            let (aeadKey, aad) = try Self.keyAndAAD(shared: shared, ceremony: ceremony, holder: holder, ephemeral: ephemeralKey, recipient: card.encryptionKey)
            let plaintext = try AESGCM.open(try AESGCM.SealedBox(combined: box), key: aeadKey, authenticating: aad)
            guard let share = Paillier.KeyShare(serialized: plaintext) else { throw RuntimeError(.invalidConfiguration, "malformed share") }
            return share
        } catch {
            throw RuntimeError(.invalidConfiguration, "the sealed share does not open with this member's encryption key (damaged, tampered or sealed to another key)", cause: error)
        }
    }

    package var json: String {
        struct File: Encodable { var ceremony, holder, ephemeralKey, box: String }
        return MemberCard.encodeJSON(File(
            ceremony: ceremony.hex, holder: holder, ephemeralKey: hexEncode(ephemeralKey.rawRepresentation), box: hexEncode(box)))
    }

    static func read(path: String) throws -> SealedKeyShare {
        do {
            let object = try ConfigurationNode.read(try ConfigurationNode.contents(ofFile: path), file: path)
                .object(allowedKeys: ["ceremony", "holder", "ephemeralKey", "box"])
            func hex(_ key: String) throws -> [UInt8] {
                let node = try object.required(key, expectation: "hex digits")
                guard let bytes = hexDecode(try node.string(.text)) else { throw node.error("must be hex digits") }
                return bytes
            }
            let ceremonyNode = try object.required("ceremony", expectation: "64 hex digits")
            guard let ceremony = LedgerHash(hex: try ceremonyNode.string()) else { throw ceremonyNode.error("must be 64 hex digits") }
            let ephemeral: X25519.PublicKey
            do { ephemeral = try X25519.PublicKey(rawRepresentation: try hex("ephemeralKey")) } catch {
                throw RuntimeError(.invalidConfiguration, "\(path): the ephemeral key is not 64 hex digits")
            }
            return SealedKeyShare(
                ceremony: ceremony, holder: try object.required("holder", expectation: "a member name").string(),
                ephemeralKey: ephemeral, box: try hex("box"))
        } catch let error as RuntimeError {
            throw error
        } catch {
            throw RuntimeError(.invalidConfiguration, "\(error)", cause: error)
        }
    }
}

extension MemberKeyDirectory {
    private func sharePath(_ ceremony: LedgerHash) -> String { path + "/shares/\(ceremony.hex).share" }

    func store(_ share: Paillier.KeyShare, ceremony: LedgerHash) throws {
        try Self.secureDirectory(path)
        try Self.secureDirectory(path + "/shares")
        guard !FileManager.default.fileExists(atPath: sharePath(ceremony)) else {
            throw RuntimeError(.invalidConfiguration, "\(path) already holds its share of ceremony \(ceremony.hex.prefix(16))…")
        }
        try Self.writeSecret(hexEncode(share.serialized) + "\n", to: sharePath(ceremony))
    }

    /// The member's share of `ceremony`, kept by ``KeyCeremonyDealing/accept(sharePath:ledgerPath:member:)``
    /// (it survives restarts); nil when the member holds none.
    /// - Throws: ``RuntimeError`` `invalidConfiguration` when the file is damaged.
    public func keyShare(of ceremony: LedgerHash) throws -> Paillier.KeyShare? {
        guard let data = FileManager.default.contents(atPath: sharePath(ceremony)) else { return nil }
        guard let bytes = hexDecode(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
            let share = Paillier.KeyShare(serialized: bytes)
        else {
            throw RuntimeError(.invalidConfiguration, "the share of ceremony \(ceremony.hex.prefix(16))… in \(path) is damaged")
        }
        return share
    }
}
