import ConsortiumLedger
import CryptoPrimitives
import Foundation
import MultiPrecision
import PaillierEncryption
import Runtime
import Testing
import WireFormat

/// The key ceremony across machines (protocols/founding.md#key-ceremony): a share survives in its
/// holder's key directory and decrypts with the others'; forged or foreign shares are refused
/// with a clear error, never a crash; key directories are never open to other users.
@Suite("Key ceremony")
struct KeyCeremonyTests {
    /// Three members with their own key directories, founded by alice and accepted by the others,
    /// and a dealt 2-of-3 key (1024 bits, insecure test parameters).
    static func ceremony(_ root: TemporaryDirectory) throws -> (dirs: [MemberKeyDirectory], cards: [MemberCard], ledger: String, ceremony: LedgerHash, shares: [String]) {
        let dirs = ["alice", "bob", "carol"].map { MemberKeyDirectory(path: root.file($0)) }
        let cards = try zip(dirs, ["alice", "bob", "carol"]).map { try $0.create(name: $1, roles: [.voting, .participant, .sequencer], address: nil) }
        let ledger = root.file("ledger.sqlite")
        _ = try ConsortiumFounding.found(consortium: "Hospitals", quorum: 2, cards: cards, founder: dirs[0], ledgerPath: ledger)
        for dir in dirs.dropFirst() { _ = try ConsortiumFounding.accept(ledgerPath: ledger, member: dir) }
        let (id, files) = try KeyCeremonyDealing.deal(
            ledgerPath: ledger, dealer: dirs[0], cards: cards, bits: 1024, threshold: 2, parameters: .insecureForTests,
            outDirectory: root.file("sealed"))
        return (dirs, cards, ledger, id, files)
    }

    @Test func sharesSurviveInTheirHoldersDirectoriesAndDecryptTogether() throws {
        let root = TemporaryDirectory("ceremony")
        let (dirs, _, ledger, id, files) = try Self.ceremony(root)
        for (dir, file) in zip(dirs, files) {
            let (ceremony, index) = try KeyCeremonyDealing.accept(sharePath: file, ledgerPath: ledger, member: dir)
            #expect(ceremony == id && index >= 1)
        }
        // As after a restart: the shares are read back from the key directories.
        let key = try #require(try Ledger(store: try SQLiteLedgerStore(readingFrom: ledger)).state.ceremonies[id]
            .flatMap { try Paillier.ThresholdPublicKey(wireEncoded: $0.publicKey) })
        let shares = try dirs.map { try #require(try $0.keyShare(of: id)) }
        #expect(shares.allSatisfy(key.holds))
        var rng = SecureRandomGenerator()
        let c = try key.publicKey.encrypt(BigInt(424_242), using: &rng)
        let partial = try shares.prefix(2).map { try $0.decryptionShare(for: c, key: key, using: &rng) }
        #expect(try key.combine(partial, for: c) == BigInt(424_242))
        // A second acceptance of the same ceremony is refused rather than overwriting the share.
        #expect(throws: RuntimeError.self) { try KeyCeremonyDealing.accept(sharePath: files[1], ledgerPath: ledger, member: dirs[1]) }
    }

    @Test func forgedSharesAreRefusedWithoutACrash() throws {
        let root = TemporaryDirectory("ceremony-forged")
        let (dirs, cards, ledger, id, _) = try Self.ceremony(root)
        // Anyone with bob's card can seal something to him: a zero secret, an index outside the
        // key, a wrong secret for his index.
        for (index, secret) in [(2, BigInt(0)), (9, BigInt(5)), (2, BigInt(123_456_789))] {
            let sealed = try SealedKeyShare.seal(Paillier.KeyShare(index: index, secret: secret), ceremony: id, to: cards[1])
            let file = root.file("forged-\(index)-\(secret).share")
            try sealed.json.write(toFile: file, atomically: true, encoding: .utf8)
            let error = #expect(throws: RuntimeError.self) { try KeyCeremonyDealing.accept(sharePath: file, ledgerPath: ledger, member: dirs[1]) }
            #expect(error?.code == .invalidConfiguration, "\(error?.message ?? "")")
            #expect(try dirs[1].keyShare(of: id) == nil)
        }
        // A damaged kept share is an error when read, not a crash.
        try FileManager.default.createDirectory(atPath: dirs[2].path + "/shares", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try "00000002".write(toFile: dirs[2].path + "/shares/\(id.hex).share", atomically: true, encoding: .utf8)
        #expect(throws: RuntimeError.self) { try dirs[2].keyShare(of: id) }
    }

    @Test func keyDirectoriesAreNeverOpenToOthers() throws {
        let root = TemporaryDirectory("keydirs")
        // An existing directory other users can enter is refused.
        let open = root.file("open")
        try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let loose = #expect(throws: RuntimeError.self) { try MemberKeyDirectory(path: open).create(name: "alice", roles: [.voting], address: nil) }
        #expect(loose?.message.contains("open to other users") == true, "\(loose?.message ?? "")")
        // A key planted beforehand is never adopted.
        let planted = root.file("planted")
        try FileManager.default.createDirectory(atPath: planted, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try String(repeating: "ab", count: 32).write(toFile: planted + "/signing.key", atomically: true, encoding: .utf8)
        let adopted = #expect(throws: RuntimeError.self) { try MemberKeyDirectory(path: planted).create(name: "alice", roles: [.voting], address: nil) }
        #expect(adopted?.message.contains("never overwritten") == true, "\(adopted?.message ?? "")")
        // A dealer or holder that accepted no consortium is refused.
        let fresh = MemberKeyDirectory(path: root.file("fresh"))
        let card = try fresh.create(name: "dave", roles: [.voting, .participant], address: "127.0.0.1:7004")
        #expect(card.fingerprint.count == 32)
        #expect(try fresh.pinnedLogID() == nil)
    }
}
