/// One party's Shamir share of a single secret: the point `(x, f(x))` of the sharing polynomial.
///
/// `x` is the party's public index (1…n); `y` is secret. The description is redacted and `==` is
/// constant-time in `y`. Spec: protocols/secret-sharing.md#shamir-sharing; [Sha79].
public struct ShamirShare<Element: Sendable>: Sendable {
    /// The public evaluation point (the party index, 1…n).
    public let x: UInt64
    /// The secret value `f(x)`.
    public let y: Element

    /// A share.
    /// - Parameters:
    ///   - x: The evaluation point.
    ///   - y: The value of the polynomial at `x`.
    public init(x: UInt64, y: Element) {
        self.x = x
        self.y = y
    }

    /// The wire tag, protocols/wire-format.md#type-tag-registry.
    public static var wireTag: UInt16 { 0x0201 }
}

extension ShamirShare: CustomStringConvertible {
    /// `ShamirShare(x: 3, y: redacted)`.
    public var description: String { "ShamirShare(x: \(x), y: redacted)" }
}

extension ShamirShare: Equatable where Element: ConstantTimeEquatable {
    /// Equal evaluation points and equal values, compared in constant time.
    /// - Parameters:
    ///   - a: A share.
    ///   - b: Another share.
    /// - Returns: `true` if equal.
    public static func == (a: ShamirShare, b: ShamirShare) -> Bool {
        let sameY = a.y.isEqualInConstantTime(to: b.y)
        return (a.x == b.x) && sameY
    }
}

/// One party's Shamir shares of a vector of secrets, all at one evaluation point.
/// Spec: protocols/secret-sharing.md#shamir-sharing (vector form).
public struct ShamirVectorShare<Element: Sendable>: Sendable {
    /// The public evaluation point (the party index, 1…n).
    public let x: UInt64
    /// The secret values `f_k(x)`, one per shared position.
    public let ys: [Element]

    /// A vector share.
    /// - Parameters:
    ///   - x: The evaluation point.
    ///   - ys: The values of the polynomials at `x`.
    public init(x: UInt64, ys: [Element]) {
        self.x = x
        self.ys = ys
    }

    /// The share of position `index` as a scalar share.
    /// - Parameter index: A position in `ys`.
    /// - Returns: `(x, ys[index])`.
    public subscript(index: Int) -> ShamirShare<Element> { ShamirShare(x: x, y: ys[index]) }

    /// The wire tag, protocols/wire-format.md#type-tag-registry.
    public static var wireTag: UInt16 { 0x0202 }
}

extension ShamirVectorShare: CustomStringConvertible {
    /// `ShamirVectorShare(x: 3, count: 10, ys: redacted)`.
    public var description: String { "ShamirVectorShare(x: \(x), count: \(ys.count), ys: redacted)" }
}

extension ShamirVectorShare: Equatable where Element: ConstantTimeEquatable {
    /// Equal evaluation points and equal values, compared in constant time.
    /// - Parameters:
    ///   - a: A share.
    ///   - b: Another share.
    /// - Returns: `true` if equal.
    public static func == (a: ShamirVectorShare, b: ShamirVectorShare) -> Bool {
        let sameYs = a.ys.isEqualInConstantTime(to: b.ys)
        return (a.x == b.x) && sameYs
    }
}
