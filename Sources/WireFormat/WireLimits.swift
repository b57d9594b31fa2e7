/// The bounds a ``WireReader`` enforces on lengths and counts declared by its input.
///
/// Every declared length is checked against these limits, and against the bytes actually
/// remaining, before anything is allocated. Spec: protocols/wire-format.md#decoding-rules-and-limits.
public struct WireLimits: Hashable, Sendable {
    /// The largest accepted byte string (`bytes`, `array<u8>`), in bytes.
    public var maxByteStringCount: Int
    /// The largest accepted element count of any other array.
    public var maxElementCount: Int
    /// The largest accepted big-integer magnitude, in bytes.
    public var maxBigIntByteCount: Int
    /// The largest accepted envelope body, in bytes.
    public var maxEnvelopeBodyCount: Int

    /// Limits with the given values.
    /// - Parameters:
    ///   - maxByteStringCount: The largest byte string, in bytes.
    ///   - maxElementCount: The largest array element count.
    ///   - maxBigIntByteCount: The largest big-integer magnitude, in bytes.
    ///   - maxEnvelopeBodyCount: The largest envelope body, in bytes.
    public init(
        maxByteStringCount: Int = 1 << 26,
        maxElementCount: Int = 1 << 24,
        maxBigIntByteCount: Int = 1 << 13,
        maxEnvelopeBodyCount: Int = 1 << 28
    ) {
        precondition(
            maxByteStringCount >= 0 && maxElementCount >= 0 && maxBigIntByteCount >= 0
                && maxEnvelopeBodyCount >= 0,
            "limits must be non-negative")
        self.maxByteStringCount = maxByteStringCount
        self.maxElementCount = maxElementCount
        self.maxBigIntByteCount = maxBigIntByteCount
        self.maxEnvelopeBodyCount = maxEnvelopeBodyCount
    }

    /// The defaults of protocols/wire-format.md#decoding-rules-and-limits: 64 MiB byte strings,
    /// 2^24 elements, 8 KiB big integers, 256 MiB envelope bodies.
    public static let `default` = WireLimits()
}
