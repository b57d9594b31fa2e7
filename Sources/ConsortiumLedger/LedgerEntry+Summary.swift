extension LedgerEntry {
    /// A one-line description of the entry's content with public facts only (ids, names,
    /// counts), for `covenant ledger show`.
    public var summary: String {
        switch payload {
        case .genesis(let g):
            return "consortium \(g.consortium), \(g.members.count) members (\(g.members.map(\.name).joined(separator: ", "))), quorum \(g.quorum)"
                + Self.contractRoles(of: g.members)
        case .memberAdded(let p):
            return "add \(p.member.name) [\(p.member.roles.names.joined(separator: ","))], quorum → \(p.quorumAfter), \(p.endorsements.count) endorsements"
                + Self.contractRoles(of: [p.member])
        case .memberRemoved(let p):
            return "remove \(p.name), quorum → \(p.quorumAfter), \(p.endorsements.count) endorsements"
        case .contractRolesChanged(let p):
            return "contract roles of \(p.member) → \(p.contractRoles.isEmpty ? "none" : p.contractRoles.joined(separator: ", ")), \(p.endorsements.count) endorsements"
        case .keyCeremony(let p):
            return "\(p.scheme) key ceremony \(p.ceremonyID.hex.prefix(16))…, \(p.publicKey.count)-byte public key, \(p.verificationKeys.count) verification keys"
        case .contractProposed(let p):
            let upgrade = p.predecessor.map { ", upgrades \($0.hex.prefix(16))…" } ?? ""
            return "\(p.name) version \(p.versionID.hex.prefix(16))…, \(p.source.count)-byte source\(upgrade)"
        case .contractApproved(let id):
            return "approves version \(id.hex.prefix(16))…"
        case .contractActivated(let id):
            return "activates version \(id.hex.prefix(16))…"
        case .contractRevoked(let p):
            return "revokes version \(p.versionID.hex.prefix(16))…: \(p.reason)"
        case .runStarted(let p):
            return "run \(p.runID.hex.prefix(16))… of version \(p.versionID.hex.prefix(16))…, \(p.protocolName), participants \(p.participants.joined(separator: ", "))"
        case .inputCommitted(let p):
            return "run \(p.runID.hex.prefix(16))…: commitment \(p.commitment.hex.prefix(16))…"
        case .resultPublished(let p):
            return "run \(p.runID.hex.prefix(16))…: result \(p.resultHash.hex.prefix(16))…, \(p.revealedValues.count) revealed bytes, signed by \(p.endorsements.map(\.signer).joined(separator: ", "))"
                + p.recipients.map { "; \($0.recipient) → \($0.members.isEmpty ? "no one" : $0.members.joined(separator: ", "))" }.joined()
        case .runAborted(let p):
            return "run \(p.runID.hex.prefix(16))… aborted: \(p.reason)"
        case .decryptionEvidence(let p):
            return "run \(p.runID.hex.prefix(16))…: \(p.size)-byte decryption evidence kept off the ledger, SHA-256 \(p.digest.hex.prefix(16))…"
        }
    }

    /// `; contract roles regulator: a, b` (nothing when no member holds one).
    static func contractRoles(of members: [Member]) -> String {
        let roles = Set(members.flatMap(\.contractRoles)).sorted()
        guard !roles.isEmpty else { return "" }
        return "; contract roles " + roles.map { role in
            "\(role): " + members.filter { $0.contractRoles.contains(role) }.map(\.name).joined(separator: ", ")
        }.joined(separator: "; ")
    }
}
