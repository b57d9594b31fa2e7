/// The one error type of `WireFormat`, thrown with typed throws.
///
/// Cases carry only lengths, counts, versions, tags and fixed descriptions — never input bytes,
/// which may be secret shares or key material. Spec: protocols/wire-format.md#errors.
public enum WireFormatError: Error, Equatable, Sendable {
    /// An item needs `needed` bytes, but only `available` remain in the input (or the body).
    case truncated(needed: Int, available: Int)
    /// A declared length or element count (`length`) exceeds the reader's limit (`limit`).
    case lengthExceedsLimit(length: Int, limit: Int)
    /// `count` bytes remain after a complete value.
    case trailingBytes(count: Int)
    /// An envelope does not start with the magic bytes "CVNT".
    case invalidMagic
    /// An envelope carries format version `version`, which this decoder does not know.
    case unknownVersion(UInt16)
    /// An envelope carries type tag `tag`, which is not the one the caller expects.
    case unknownTag(UInt16)
    /// A value is non-canonical or out of range; the reason is a fixed description that never
    /// quotes the input.
    case invalidValue(String)
}

extension WireFormatError: CustomStringConvertible {
    /// A human-readable description containing lengths, versions and tags only.
    public var description: String {
        switch self {
        case let .truncated(needed, available):
            "truncated input: needed \(needed) bytes, \(available) available"
        case let .lengthExceedsLimit(length, limit):
            "declared length \(length) exceeds the limit \(limit)"
        case let .trailingBytes(count):
            "\(count) trailing bytes after a complete value"
        case .invalidMagic:
            "not a Covenant envelope (bad magic)"
        case let .unknownVersion(version):
            "unknown wire format version \(version)"
        case let .unknownTag(tag):
            "unexpected type tag 0x\(String(tag, radix: 16))"
        case let .invalidValue(reason):
            "invalid value: \(reason)"
        }
    }
}
