public import ConsortiumLedger
import MultiPrecision
import PaillierEncryption
import WireFormat

/// The cryptographic parameters a consortium accepts (spec: protocols/runtime.md#parameters).
///
/// Production minimums: a Paillier modulus of 2048 bits, a decryption threshold of a majority of
/// the key holders (and at least 2), a SecAgg threshold above half the members (and at least 2).
/// Below them, 512-bit keys, a 1-of-4 decryption threshold or SecAgg t = 2 of 4 would run and
/// audit clean. Tests use smaller keys only through ``insecureForTests``, named as such in the
/// members configuration (`"insecureTestParameters": true`) and on the command line.
public struct ParameterPolicy: Sendable, Hashable {
    /// The smallest Paillier modulus accepted, in bits.
    public var minimumPaillierBits: Int
    /// Whether the decryption and SecAgg thresholds must be majorities (and at least 2).
    public var requiresMajorityThresholds: Bool
    /// `production` or `INSECURE test parameters`, for messages.
    public var label: String
    /// Whether this member helps compute only results that count every participant: it joins a
    /// secagg session only with `t = n`, and as a paillier member decrypts and accepts only an
    /// aggregate of all `n` contributions. Two results of one contract whose contributors differ by
    /// one member give that member's input away, and a coordinator can choose whom it leaves out
    /// of a run (protocols/runtime.md#refusing-dropouts; within a run only); the price is that one
    /// dropout aborts the run.
    public var refusesDropouts = false

    /// The minimums every deployment uses.
    public static let production = ParameterPolicy(
        minimumPaillierBits: 2048, requiresMajorityThresholds: true, label: "production")
    /// Small keys and any threshold, for tests and demonstrations only.
    /// - Warning: Not secure: a 512-bit modulus factors in hours, and a threshold of 1 lets any
    ///   single key holder decrypt every member's input.
    public static let insecureForTests = ParameterPolicy(
        minimumPaillierBits: 256, requiresMajorityThresholds: false, label: "INSECURE test parameters")

    /// The smallest threshold that is a majority of `parties` (and at least 2).
    public static func majority(of parties: Int) -> Int { max(2, parties / 2 + 1) }

    /// Checks a Paillier key ceremony's parameters.
    /// - Parameters:
    ///   - bits: The modulus size.
    ///   - threshold: Shares needed to decrypt.
    ///   - holders: The key holders.
    /// - Throws: ``RuntimeError`` `invalidConfiguration`, naming the minimum.
    public func checkPaillier(bits: Int, threshold: Int, holders: Int) throws(RuntimeError) {
        guard bits >= minimumPaillierBits else {
            throw RuntimeError(
                .invalidConfiguration,
                "a \(bits)-bit Paillier modulus is below the \(label) minimum of \(minimumPaillierBits) bits")
        }
        if requiresMajorityThresholds && threshold < Self.majority(of: holders) {
            throw RuntimeError(
                .invalidConfiguration,
                "a \(threshold)-of-\(holders) decryption threshold is below the \(label) minimum of \(Self.majority(of: holders)) (a majority of the key holders, at least 2): fewer holders could decrypt any member's input")
        }
    }

    /// Checks a SecAgg threshold.
    /// - Parameters:
    ///   - threshold: SecAgg's `t`.
    ///   - members: The session's members.
    /// - Throws: ``RuntimeError`` `invalidConfiguration`, naming the minimum.
    public func checkSecAgg(threshold: Int, members: Int) throws(RuntimeError) {
        if requiresMajorityThresholds && threshold < Self.majority(of: members) {
            throw RuntimeError(
                .invalidConfiguration,
                "a SecAgg threshold of \(threshold) of \(members) is below the \(label) minimum of \(Self.majority(of: members)) (more than half the members, at least 2): fewer members could unmask a single member's input")
        }
    }

    /// Checks that a session leaves no participant out, when this member refuses dropouts.
    /// - Parameters:
    ///   - least: The fewest contributors the session accepts (secagg's `t`, paillier's least contributors).
    ///   - members: The session's members.
    /// - Throws: ``RuntimeError`` `invalidConfiguration`.
    public func checkDropouts(least: Int, members: Int) throws(RuntimeError) {
        guard refusesDropouts, least < members else { return }
        throw RuntimeError(
            .invalidConfiguration,
            "the session accepts a result of \(least) of its \(members) participants; this member takes part only in runs that count every participant (refuseDropouts): run with a threshold of \(members)")
    }

    /// The key ceremonies on a ledger whose parameters are below the production minimums, or
    /// whose record is inconsistent (scheme label, verification keys): what the audit flags.
    /// - Parameter store: The ledger store.
    /// - Returns: One sentence per weakness, naming the ceremony's entry.
    public static func weaknesses(in store: any LedgerStore) -> [String] {
        weaknesses(in: (try? store.signedEntries()) ?? [])
    }

    /// ``weaknesses(in:)`` over entries already read.
    static func weaknesses(in entries: [SignedEntry]) -> [String] {
        entries.flatMap { signed -> [String] in
            switch signed.entry.payload {
            case .keyCeremony(let ceremony):
                return weaknesses(of: ceremony).map { "key ceremony at entry \(signed.entry.sequence): \($0)" }
            case .runStarted(let start) where start.protocolName.hasSuffix("/INSECURE-dealer"):
                return [
                    "run at entry \(signed.entry.sequence) used INSECURE dealt preprocessing (\(start.protocolName)): every member could recompute every value it masked (benchmarks and tests only)"
                ]
            default:
                return []
            }
        }
    }

    /// The weaknesses of one ceremony record.
    static func weaknesses(of ceremony: KeyCeremony) -> [String] {
        guard let key = try? Paillier.ThresholdPublicKey(wireEncoded: ceremony.publicKey) else {
            return ["its public key is not a valid threshold Paillier key"]
        }
        var found: [String] = []
        let bits = key.publicKey.n.bitWidth
        do { try production.checkPaillier(bits: bits, threshold: key.threshold, holders: key.parties) } catch {
            found.append(error.message)
        }
        if ceremony.scheme != Self.schemeLabel(of: key) {
            found.append("its scheme label '\(ceremony.scheme)' does not describe its key (\(Self.schemeLabel(of: key)))")
        }
        if ceremony.verificationKeys != key.verificationKeys.map(\.bigEndianMagnitude) {
            found.append("its recorded verification keys are not those of its key")
        }
        return found
    }

    /// `paillier-threshold-v1 t-of-ℓ N-bit`: how a ceremony describes its key.
    static func schemeLabel(of key: Paillier.ThresholdPublicKey) -> String {
        "paillier-threshold-v1 \(key.threshold)-of-\(key.parties) \(key.publicKey.n.bitWidth)-bit"
    }
}
