import ConsortiumLedger
import CryptoPrimitives
import Testing
import WireFormat

@Suite("Entry encoding")
struct EntryEncodingTests {
    let c = Consortium()

    func everyEntry() throws -> [SignedEntry] {
        let store = InMemoryLedgerStore()
        let ledger = try c.populate(store)
        var revocation = ContractRevocation(versionID: c.versionID, reason: "superseded by policy")
        let next = ledger.nextEntry(.contractRevoked(revocation), author: "alice")
        revocation.endorsements = ["alice", "bob"].map { next.endorsement(by: $0, key: c.key($0)) }
        let extra: [LedgerEntry.Payload] = [
            .memberAdded(MemberAddition(member: Member(name: "erin", publicKey: Ed25519.PrivateKey().publicKey, roles: .participant, contractRoles: ["auditor"]), quorumAfter: 2, basis: .sha256([1]), endorsements: [Endorsement(signer: "alice", signature: [UInt8](repeating: 9, count: 64))])),
            .memberRemoved(MemberRemoval(name: "dave", quorumAfter: 2, basis: .sha256([2]))),
            .contractRolesChanged(ContractRoleChange(member: "bob", contractRoles: ["regulator"], basis: .sha256([3]), endorsements: [Endorsement(signer: "carol", signature: [UInt8](repeating: 3, count: 64))])),
            .keyCeremony(KeyCeremony(scheme: "paillier-threshold", publicKey: [1, 2, 3], verificationKeys: [[4], [5, 6]], holders: ["alice", "bob"])),
            .contractRevoked(revocation),
            .runAborted(RunAbort(runID: c.runID, reason: "dropout")),
            .decryptionEvidence(DecryptionEvidence(runID: c.runID, evidence: [7, 8, 9])),
            .contractProposed(ContractProposal(versionID: .zero, name: "n", source: [], predecessor: c.versionID)),
        ]
        var entries = try (0..<ledger.size).map { try ledger.entry(at: $0) }
        for payload in extra { entries.append(ledger.nextEntry(payload, author: "alice").signed(with: c.key("alice"))) }
        return entries
    }

    @Test func everyKindRoundTrips() throws {
        let entries = try everyEntry()
        #expect(Set(entries.map(\.entry.kind)) == Set(LedgerEntry.Kind.allCases))
        for signed in entries {
            let bytes = signed.encoded
            #expect(try SignedEntry(wireEncoded: bytes) == signed)
            let envelope = WireEnvelope.encode(tag: SignedEntry.wireTag, body: signed)
            #expect(try WireEnvelope.decode(SignedEntry.self, from: envelope, expectedTag: SignedEntry.wireTag) == signed)
        }
    }

    @Test func everyTruncationAndTrailingByteIsRejected() throws {
        for signed in try everyEntry() {
            let bytes = signed.encoded
            for cut in 0..<bytes.count {
                #expect(throws: WireFormatError.self) { try SignedEntry(wireEncoded: Array(bytes[..<cut])) }
            }
            #expect(throws: WireFormatError.trailingBytes(count: 1)) { try SignedEntry(wireEncoded: bytes + [0]) }
        }
    }

    @Test func nonCanonicalEncodingsAreRejected() throws {
        let genesis = try everyEntry()[0]
        var bytes = genesis.encoded
        bytes[1] = 0x7F  // unknown kind
        #expect(throws: WireFormatError.self) { try SignedEntry(wireEncoded: bytes) }
        // An optional flag other than 0/1 in a proposal's predecessor.
        let proposal = try everyEntry().last!
        var p = proposal.encoded
        let flagOffset = p.count - 64 - 33
        #expect(p[flagOffset] == 1)
        p[flagOffset] = 2
        #expect(throws: WireFormatError.self) { try SignedEntry(wireEncoded: p) }
        // Garbage never traps.
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let junk = (0..<Int.random(in: 0..<300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = try? SignedEntry(wireEncoded: junk)
            _ = try? SignedCheckpoint(wireEncoded: junk)
            _ = try? InclusionProof(wireEncoded: junk)
        }
    }

    /// The header layout of protocols/ledger.md#entry-encoding, byte for byte.
    @Test func headerLayoutMatchesTheSpec() throws {
        let entry = LedgerEntry(sequence: 0x0102, logID: .zero, previousRoot: MerkleTree.emptyRoot, timestamp: 0x0A0B, author: "ab", payload: .contractApproved(versionID: .zero))
        let body = entry.body
        #expect(Array(body[0..<2]) == [0x00, 0x21])
        #expect(Array(body[2..<10]) == [0, 0, 0, 0, 0, 0, 0x01, 0x02])
        #expect(Array(body[42..<74]) == MerkleTree.emptyRoot.bytes)
        #expect(Array(body[74..<82]) == [0, 0, 0, 0, 0, 0, 0x0A, 0x0B])
        #expect(Array(body[82..<88]) == [0, 0, 0, 2, 0x61, 0x62])
        #expect(body.count == 88 + 32)
        #expect(entry.signedMessage == Array("covenant.ledger.entry.v1".utf8) + [0] + body)
    }
}
