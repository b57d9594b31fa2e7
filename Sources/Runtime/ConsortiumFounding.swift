public import ConsortiumLedger
import CryptoPrimitives
import Foundation

/// Founding a consortium of separate machines (spec: protocols/founding.md): every member makes
/// its own keys and card (``MemberKeyDirectory/create(name:roles:address:)``); a founder builds
/// the genesis entry from the cards and signs it with its own key only; every member then checks
/// the ledger and accepts it, pinning its log id. No process ever holds another member's key.
public enum ConsortiumFounding {
    /// What a member sees of the consortium it accepts.
    public struct Accepted: Sendable {
        /// The pinned log id.
        public var logID: LedgerHash
        /// The consortium's name.
        public var consortium: String
        /// The current members with the fingerprints of their signing keys, to compare out of band.
        public var members: [(name: String, fingerprint: String, roles: [String])]
        /// The current approval quorum.
        public var quorum: Int
        /// The contract roles the ledger records, role → holders (sorted).
        public var contractRoles: [String: [String]] = [:]
    }

    /// `regulator: a, b; auditor: c`, or `none`.
    /// - Parameter roles: Role → holders.
    /// - Returns: The roles in role order.
    public static func describe(_ roles: [String: [String]]) -> String {
        roles.isEmpty ? "none" : roles.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.sorted().joined(separator: ", "))" }.joined(separator: "; ")
    }

    /// The founding members with the contract roles `contractRoles` (role → holders) recorded.
    /// - Throws: ``RuntimeError`` `invalidConfiguration` for an invalid role name, a role
    ///   without holders, or a holder that is not one of the members.
    static func members(_ members: [ConsortiumLedger.Member], holding contractRoles: [String: [String]]) throws -> [ConsortiumLedger.Member] {
        let names = Set(members.map(\.name))
        var held: [String: Set<String>] = [:]
        for (role, holders) in contractRoles.sorted(by: { $0.key < $1.key }) {
            guard ConsortiumLedger.Member.isValidName(role) else {
                throw RuntimeError(.invalidConfiguration, "a contract role name is 1–64 characters of A–Z, a–z, 0–9, '.', '_' and '-'")
            }
            guard !holders.isEmpty else { throw RuntimeError(.invalidConfiguration, "the contract role \(role) names no member") }
            for holder in holders {
                guard names.contains(holder) else {
                    throw RuntimeError(
                        .invalidConfiguration, "the contract role \(role) names \(holder), which is not a founding member (no card of that name)")
                }
                held[holder, default: []].insert(role)
            }
        }
        return members.map { member in
            var member = member
            member.contractRoles = (held[member.name] ?? []).sorted()
            return member
        }
    }

    /// Builds the genesis entry from the members' cards and writes a new ledger with it, signed
    /// by the founder (one of the cards, whose key directory this process holds).
    /// - Parameters:
    ///   - consortium: The consortium's name.
    ///   - quorum: Distinct voting members required for approvals.
    ///   - cards: Every founding member's card (the founder's included), each verified.
    ///   - contractRoles: The contract roles the members agreed on, role → holders (`reveal … to
    ///     role "x"` reaches exactly the holders the genesis records).
    ///   - founder: The founder's key directory.
    ///   - ledgerPath: The ledger file to create (it must not exist).
    /// - Returns: The log id.
    /// - Throws: ``RuntimeError`` `invalidConfiguration` (duplicate names or keys, the founder's
    ///   card missing, a role naming no founding member, a file already there) or
    ///   `ledgerFailure` (a genesis rule, e.g. the quorum).
    public static func found(
        consortium: String, quorum: Int, cards: [MemberCard], contractRoles: [String: [String]] = [:], founder: MemberKeyDirectory,
        ledgerPath: String
    ) throws -> LedgerHash {
        guard !FileManager.default.fileExists(atPath: ledgerPath) else {
            throw RuntimeError(.invalidConfiguration, "\(ledgerPath) already exists; a consortium is founded on a new ledger")
        }
        guard Set(cards.map(\.name)).count == cards.count, Set(cards.map(\.signingKey)).count == cards.count,
            Set(cards.map(\.encryptionKey)).count == cards.count
        else {
            throw RuntimeError(.invalidConfiguration, "two cards share a name or a key")
        }
        guard quorum >= 1, quorum <= Int(UInt32.max) else {
            throw RuntimeError(.invalidConfiguration, "the quorum must be at least 1")
        }
        let (own, key, _) = try founder.load()
        if let pinned = try founder.pinnedLogID() {
            throw RuntimeError(
                .invalidConfiguration,
                "\(founder.path) already belongs to consortium \(pinned.hex); a key directory serves one consortium")
        }
        guard cards.contains(own) else {
            throw RuntimeError(.invalidConfiguration, "the founder's own card (\(own.name)) is not among the cards")
        }
        let genesis = Genesis(
            consortium: consortium, nonce: SecureRandom.bytes(count: 16), members: try members(cards.map(\.member), holding: contractRoles),
            quorum: UInt32(quorum))
        let logID: LedgerHash
        do {
            logID = try Ledger.create(in: try SQLiteLedgerStore(path: ledgerPath), genesis: genesis, founder: own.name, key: key).logID
        } catch {
            try? FileManager.default.removeItem(atPath: ledgerPath)
            let reason = (error as? LedgerError).map { "\($0.code.rawValue): \($0.message)" } ?? "\(error)"
            throw RuntimeError(.ledgerFailure, "the genesis entry was refused: \(reason)", cause: error)
        }
        // The founder accepts what it founded.
        try founder.pin(logID, consortium: consortium)
        return logID
    }

    /// A member's acceptance: the ledger verifies, its genesis names this member with exactly
    /// its card's key and roles, the contract roles it records are exactly those the member
    /// agreed to, and the member has not accepted another consortium; then the log id is pinned
    /// in its key directory (`consortium.json`).
    /// - Parameters:
    ///   - ledgerPath: The ledger the founder sent.
    ///   - member: This member's key directory.
    ///   - contractRoles: The contract roles this member agreed to, role → holders.
    /// - Returns: What it accepted.
    /// - Throws: ``RuntimeError`` `ledgerFailure` (the ledger does not verify, its genesis does
    ///   not name this member as its card says, or it records other contract roles) or
    ///   `invalidConfiguration` (another consortium already pinned).
    public static func accept(ledgerPath: String, member: MemberKeyDirectory, contractRoles: [String: [String]] = [:]) throws -> Accepted {
        let (card, _, _) = try member.load()
        let audit = LedgerAuditor().audit(path: ledgerPath)
        guard audit.passed else {
            throw RuntimeError(.ledgerFailure, "the ledger \(ledgerPath) does not verify: \(audit.failure.map { "\($0.rule): \($0.message)" } ?? "")")
        }
        let (logID, genesis) = try Self.genesis(ofLedger: ledgerPath)
        // The consortium as it stands now (members added or removed since genesis included).
        let state: ConsortiumState
        do { state = try Ledger(store: try SQLiteLedgerStore(readingFrom: ledgerPath)).state } catch {
            throw RuntimeError(.ledgerFailure, "cannot read the ledger \(ledgerPath)", cause: error)
        }
        guard let me = state.members[card.name], me.publicKey == card.signingKey else {
            throw RuntimeError(.ledgerFailure, "the ledger \(ledgerPath) does not name \(card.name) with this member's key")
        }
        guard genesis.members.contains(card.member) || me.roles == card.roles else {
            throw RuntimeError(.ledgerFailure, "the ledger \(ledgerPath) gives \(card.name) other roles than its card")
        }
        let agreed = contractRoles.filter { !$0.value.isEmpty }.mapValues { Set($0).sorted() }
        guard state.contractRoles == agreed else {
            throw RuntimeError(
                .ledgerFailure,
                "the ledger \(ledgerPath) records the contract roles \(describe(state.contractRoles)); this member agreed to \(describe(agreed)): not accepted")
        }
        if let pinned = try member.pinnedLogID(), pinned != logID {
            throw RuntimeError(.invalidConfiguration, "\(member.path) already accepted consortium \(pinned.hex); this ledger is \(logID.hex)")
        }
        try member.pin(logID, consortium: genesis.consortium)
        return Accepted(
            logID: logID, consortium: genesis.consortium,
            members: state.members.values.sorted { $0.name < $1.name }.map { ($0.name, MemberCard.fingerprint(of: $0.publicKey), $0.roles.names) },
            quorum: state.quorum, contractRoles: state.contractRoles)
    }

    /// The log id and genesis of a ledger file.
    static func genesis(ofLedger path: String) throws -> (logID: LedgerHash, genesis: Genesis) {
        do {
            let store = try SQLiteLedgerStore(readingFrom: path)
            guard let first = try store.entries(from: 0, limit: 1).first else {
                throw RuntimeError(.ledgerFailure, "\(path) holds no genesis entry")
            }
            guard case .genesis(let genesis) = try SignedEntry.decode(first.bytes, at: 0).entry.payload else {
                throw RuntimeError(.ledgerFailure, "the first entry of \(path) is not a genesis entry")
            }
            return (first.leafHash, genesis)
        } catch let error as RuntimeError {
            throw error
        } catch {
            throw RuntimeError(.ledgerFailure, "cannot read the genesis of \(path): \(error)", cause: error)
        }
    }
}
