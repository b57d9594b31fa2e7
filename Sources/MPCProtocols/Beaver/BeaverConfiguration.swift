import SecretSharing

/// The public parameters of a `beaver` session; every member must use equal ones.
/// Spec: protocols/beaver.md#parameters.
public struct BeaverConfiguration: Sendable, Hashable {
    /// The session (run) id.
    public let sessionID: SessionID
    /// `n`: the members are `PartyID(1)…PartyID(n)`; `PartyID(1)` adds public constants.
    public let memberCount: Int
    /// `k`: comparison inputs are signed integers in `[−2^{k−1}, 2^{k−1})`. The default 65 holds
    /// the difference of any two 64-bit signed values.
    public let bitLength: Int
    /// `κ`: the statistical security parameter of every masked opening (`≥ 40`).
    public let statisticalSecurity: Int

    /// The largest member count (each party sends to every other in every round).
    public static let maximumMemberCount = 64

    /// A configuration.
    /// - Parameters:
    ///   - sessionID: The run id.
    ///   - memberCount: `n` in `2…64`.
    ///   - bitLength: `k` in `2…100` (default 65).
    ///   - statisticalSecurity: `κ ≥ 40` (default 40).
    /// - Throws: ``MPCProtocolError/invalidConfiguration(_:)`` unless
    ///   `k + κ + ⌈log2 n⌉ + 2 ≤ 127`, so that no masked opening wraps modulo `p = 2^127 − 1`
    ///   (protocols/beaver.md#parameters).
    public init(sessionID: SessionID, memberCount: Int, bitLength: Int = 65, statisticalSecurity: Int = 40) throws {
        guard memberCount >= 2, memberCount <= Self.maximumMemberCount else {
            throw MPCProtocolError.invalidConfiguration("beaver needs 2…64 members")
        }
        guard bitLength >= 2, bitLength <= 100 else {
            throw MPCProtocolError.invalidConfiguration("the comparison bit length must be in 2…100")
        }
        guard statisticalSecurity >= 40 else {
            throw MPCProtocolError.invalidConfiguration("the statistical security parameter must be at least 40")
        }
        guard bitLength + statisticalSecurity + Self.ceilLog2(memberCount) + 2 <= MersenneField127.bitWidth else {
            throw MPCProtocolError.invalidConfiguration("bit length + statistical parameter + log2(members) + 2 exceeds the 127-bit field")
        }
        self.sessionID = sessionID
        self.memberCount = memberCount
        self.bitLength = bitLength
        self.statisticalSecurity = statisticalSecurity
    }

    /// The largest `k` the field allows among `n` members with parameter `κ`:
    /// `min(100, 127 − κ − ⌈log2 n⌉ − 2)` (83 for 3 or 4 members and `κ = 40`).
    /// - Parameters:
    ///   - memberCount: `n`.
    ///   - statisticalSecurity: `κ` (default 40).
    /// - Returns: `k`.
    public static func largestBitLength(memberCount: Int, statisticalSecurity: Int = 40) -> Int {
        min(100, MersenneField127.bitWidth - statisticalSecurity - ceilLog2(memberCount) - 2)
    }

    /// `PartyID(1)…PartyID(n)`.
    public var members: [PartyID] { PartyID.members(memberCount) }

    /// The member that adds public constants to its share (`PartyID(1)`).
    public var leader: PartyID { PartyID(1) }

    /// `⌈log2 x⌉` for `x ≥ 1`.
    static func ceilLog2(_ x: Int) -> Int { x <= 1 ? 0 : Int.bitWidth - (x - 1).leadingZeroBitCount }
}
