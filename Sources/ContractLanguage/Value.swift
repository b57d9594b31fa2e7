import Foundation
/// An exact decimal number `significand / 10^scale`, as written in a contract.
///
/// Canonical form: no trailing zeros in the fraction (`1.50` is `1.5`, `2.0` is `2`), so two
/// spellings of one number encode identically (spec §8).
public struct Numeral: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// The digits as an integer.
    public var significand: Int64
    /// The number of fraction digits (0...18).
    public var scale: Int

    /// Creates a numeral and normalises it.
    /// - Parameters:
    ///   - significand: digits.
    ///   - scale: fraction digits.
    public init(significand: Int64, scale: Int = 0) {
        var significand = significand, scale = scale
        while scale > 0 && significand % 10 == 0 {
            significand /= 10
            scale -= 1
        }
        self.significand = significand
        self.scale = scale
    }

    /// Parses an unsigned numeral such as `18` or `0.25`; nil when it does not fit in 18 digits.
    /// - Parameter text: the numeral's spelling.
    public init?(parsing text: some StringProtocol) {
        var significand: Int64 = 0
        var scale = 0
        var seenPoint = false
        var digits = 0
        for character in text.utf8 {
            if character == UInt8(ascii: ".") {
                if seenPoint { return nil }
                seenPoint = true
                continue
            }
            guard character >= 0x30 && character <= 0x39 else { return nil }
            digits += 1
            if significand == 0 && character == 0x30 && !seenPoint { digits -= 1 }  // leading zeros are free
            guard digits <= 18 else { return nil }
            significand = significand * 10 + Int64(character - 0x30)
            if seenPoint { scale += 1 }
        }
        guard !text.isEmpty, Array(text.utf8).last != UInt8(ascii: "."), Array(text.utf8).first != UInt8(ascii: ".") else { return nil }
        self.init(significand: significand, scale: scale)
    }

    /// The numeral negated.
    public var negated: Numeral { Numeral(significand: -significand, scale: scale) }

    /// True when the numeral has no fraction.
    public var isInteger: Bool { scale == 0 }

    /// The value as a binary64 (correctly rounded for up to 15 significant digits).
    public var doubleValue: Double { Double(significand) / pow10Double(scale) }

    /// The value in units of `10^-scale`, exactly, or nil if it has more fraction digits than
    /// `scale` or overflows.
    /// - Parameter scale: the target scale.
    /// - Returns: the scaled integer.
    public func scaled(to scale: Int) -> Int64? {
        guard scale >= self.scale else { return nil }
        let (value, overflow) = significand.multipliedReportingOverflow(by: pow10(scale - self.scale))
        return overflow ? nil : value
    }

    /// Canonical spelling: `-12.5`, `0.25`, `18`.
    public var description: String { formatScaled(Int128(significand), scale: scale) }

    /// Numeric order.
    public static func < (lhs: Numeral, rhs: Numeral) -> Bool {
        compareScaled(Int128(lhs.significand), lhs.scale, Int128(rhs.significand), rhs.scale) < 0
    }
}

/// 10^n for 0 ≤ n ≤ 18.
func pow10(_ n: Int) -> Int64 {
    var result: Int64 = 1
    for _ in 0..<max(0, min(n, 18)) { result *= 10 }
    return result
}

/// 10^n as a binary64, exact for the small n used here.
public func pow10Double(_ n: Int) -> Double {
    var result = 1.0
    if n >= 0 { for _ in 0..<n { result *= 10 } } else { for _ in 0..<(-n) { result /= 10 } }
    return result
}

/// Compares `a / 10^sa` with `b / 10^sb` exactly. Returns -1, 0 or 1.
public func compareScaled(_ a: Int128, _ sa: Int, _ b: Int128, _ sb: Int) -> Int {
    var a = a, b = b
    // Scales are at most 36 apart in practice; widen the smaller-scale side step by step and
    // fall back to sign comparison on overflow (the wider side then dominates).
    var ka = max(0, sb - sa), kb = max(0, sa - sb)
    while ka > 0 {
        let (next, overflow) = a.multipliedReportingOverflow(by: 10)
        if overflow { return a > 0 ? 1 : -1 }
        a = next
        ka -= 1
    }
    while kb > 0 {
        let (next, overflow) = b.multipliedReportingOverflow(by: 10)
        if overflow { return b > 0 ? -1 : 1 }
        b = next
        kb -= 1
    }
    return a < b ? -1 : (a == b ? 0 : 1)
}

/// Formats `value / 10^scale` exactly: `formatScaled(1250, scale: 2) == "12.50"`. A negative
/// scale multiplies.
public func formatScaled(_ value: Int128, scale: Int) -> String {
    let negative = value < 0
    let magnitude = value.magnitude
    var digits = String(magnitude)
    if scale <= 0 {
        if magnitude != 0 { digits += String(repeating: "0", count: -scale) }
        return (negative ? "-" : "") + digits
    }
    if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
    let split = digits.index(digits.endIndex, offsetBy: -scale)
    return (negative ? "-" : "") + digits[..<split] + "." + digits[split...]
}

/// Calendar granularity for date truncation (spec §5.2).
public enum DateUnit: String, Sendable, Hashable, Codable, CaseIterable {
    /// First day of the year.
    case year
    /// First day of the quarter.
    case quarter
    /// First day of the month.
    case month
}

/// A proleptic-Gregorian calendar date, stored as days since 1970-01-01.
public struct CivilDate: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// Days since 1970-01-01 (negative before).
    public var daysSinceEpoch: Int32

    /// Creates a date from its day number.
    /// - Parameter daysSinceEpoch: days since 1970-01-01.
    public init(daysSinceEpoch: Int32) { self.daysSinceEpoch = daysSinceEpoch }

    /// Creates a date from year, month and day; nil if the date does not exist or the year is
    /// outside 1...9999.
    /// - Parameters:
    ///   - year: 1...9999.
    ///   - month: 1...12.
    ///   - day: 1...days in month.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
            day <= CivilDate.daysInMonth(year: year, month: month)
        else { return nil }
        // Days from civil, counting eras of 400 years that start on March 1st.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthFromMarch = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        daysSinceEpoch = Int32(era * 146_097 + dayOfEra - 719_468)
    }

    /// Parses `YYYY-MM-DD`; nil when malformed or nonexistent.
    /// - Parameter text: the ISO 8601 calendar date.
    public init?(iso text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Year, month and day.
    public var components: (year: Int, month: Int, day: Int) {
        let z = Int(daysSinceEpoch) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The first day of the year, quarter or month containing this date.
    /// - Parameter unit: the granularity.
    /// - Returns: the truncated date.
    public func truncated(to unit: DateUnit) -> CivilDate {
        let (y, m, _) = components
        switch unit {
        case .year: return CivilDate(year: y, month: 1, day: 1) ?? self
        case .quarter: return CivilDate(year: y, month: (m - 1) / 3 * 3 + 1, day: 1) ?? self
        case .month: return CivilDate(year: y, month: m, day: 1) ?? self
        }
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        let (y, m, d) = components
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    /// Chronological order.
    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }
}

/// A column type of an input table (spec §4).
public enum ColumnType: Sendable, Hashable, Codable, CustomStringConvertible {
    /// 64-bit signed integer.
    case int
    /// Exact decimal with `scale` fraction digits, stored as a 64-bit integer of `10^-scale` units.
    case decimal(scale: Int)
    /// UTF-8 text.
    case text
    /// true / false.
    case bool
    /// Calendar date.
    case date

    /// True for `int` and `decimal`.
    public var isNumeric: Bool {
        switch self {
        case .int, .decimal: return true
        default: return false
        }
    }

    /// The decimal scale (0 for int).
    public var scale: Int {
        if case .decimal(let scale) = self { return scale }
        return 0
    }

    /// The type's spelling in a contract: `int`, `decimal(2)`, `text`, `bool`, `date`.
    public var description: String {
        switch self {
        case .int: return "int"
        case .decimal(let scale): return "decimal(\(scale))"
        case .text: return "text"
        case .bool: return "bool"
        case .date: return "date"
        }
    }
}

/// One cell of a row: what a member's data source hands to the local plan (spec §4).
public enum Value: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Missing.
    case null
    /// An `int`.
    case int(Int64)
    /// A `decimal(scale)` in units of `10^-scale`.
    case decimal(Int64, scale: Int)
    /// A `text`.
    case text(String)
    /// A `bool`.
    case bool(Bool)
    /// A `date`.
    case date(CivilDate)

    /// True for `.null`.
    public var isNull: Bool { self == .null }

    /// The value as `(units, scale)` if numeric.
    public var scaledNumber: (Int64, Int)? {
        switch self {
        case .int(let v): return (v, 0)
        case .decimal(let v, let s): return (v, s)
        default: return nil
        }
    }

    /// Human-readable: `42`, `12.50`, `eng`, `true`, `2024-01-31`, `null`.
    public var description: String {
        switch self {
        case .null: return "null"
        case .int(let v): return String(v)
        case .decimal(let v, let s): return formatScaled(Int128(v), scale: s)
        case .text(let t): return t
        case .bool(let b): return b ? "true" : "false"
        case .date(let d): return d.description
        }
    }

    /// Total order used for sorting and comparisons of non-null values of comparable types:
    /// numbers numerically (int and decimal mix exactly), text by Unicode scalar values, false <
    /// true, dates chronologically. Returns nil when either side is null or the types differ.
    /// - Parameters:
    ///   - lhs: left value.
    ///   - rhs: right value.
    /// - Returns: -1, 0, 1 or nil.
    public static func compare(_ lhs: Value, _ rhs: Value) -> Int? {
        switch (lhs, rhs) {
        case (.text(let a), .text(let b)):
            let x = Array(a.unicodeScalars.map(\.value)), y = Array(b.unicodeScalars.map(\.value))
            return x == y ? 0 : (x.lexicographicallyPrecedes(y) ? -1 : 1)
        case (.bool(let a), .bool(let b)): return a == b ? 0 : (!a ? -1 : 1)
        case (.date(let a), .date(let b)): return a == b ? 0 : (a < b ? -1 : 1)
        default:
            guard let (a, sa) = lhs.scaledNumber, let (b, sb) = rhs.scaledNumber else { return nil }
            return compareScaled(Int128(a), sa, Int128(b), sb)
        }
    }

    /// Parses a data-file field as a value of `type`. The empty string is `null`.
    /// Decimals accept at most `scale` fraction digits; booleans accept `true`/`false`/`1`/`0`;
    /// dates are `YYYY-MM-DD`.
    /// - Parameters:
    ///   - field: the raw text.
    ///   - type: the column type.
    ///   - column: the column name, for the error.
    /// - Returns: the value.
    /// - Throws: `ContractLanguageError.invalidValue` when the text does not fit the type.
    public static func parse(_ field: String, as type: ColumnType, column: String) throws -> Value {
        let text = field.trimmingSpaces()
        if text.isEmpty { return .null }
        let failure = ContractLanguageError.invalidValue(column: column, expected: type.description)
        switch type {
        case .text:
            // Unicode NFC, as SQL sources read text and as the contract's literals compare: a
            // ward written decomposed is the same ward. ASCII (most data) is already NFC.
            return .text(field.utf8.allSatisfy { $0 < 0x80 } ? field : field.precomposedStringWithCanonicalMapping)
        case .bool:
            switch text.lowercased() {
            case "true", "1": return .bool(true)
            case "false", "0": return .bool(false)
            default: throw failure
            }
        case .date:
            guard let date = CivilDate(iso: text) else { throw failure }
            return .date(date)
        case .int, .decimal:
            guard let units = Self.units(Substring(text), scale: type.scale) else { throw failure }
            return type == .int ? .int(units) : .decimal(units, scale: type.scale)
        }
    }

    /// Exact units of `[-]digits[.digits]` at `scale` (at most `scale` fraction digits), over the
    /// whole 64-bit range (`-9223372036854775808` included), or nil.
    /// - Parameters:
    ///   - text: the numeral.
    ///   - scale: the column's scale.
    /// - Returns: the value × 10^scale, or nil when malformed or out of range.
    public static func units(_ text: Substring, scale: Int) -> Int64? {
        var bytes = text.utf8[...]
        let negative = bytes.first == UInt8(ascii: "-")
        if negative { bytes = bytes.dropFirst() }
        var magnitude: UInt64 = 0
        var fractionDigits = 0
        var seenPoint = false
        var digits = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard !seenPoint, digits > 0 else { return nil }
                seenPoint = true
                continue
            }
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            digits += 1
            if seenPoint {
                fractionDigits += 1
                guard fractionDigits <= scale else { return nil }
            }
            let (shifted, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (next, o2) = shifted.addingReportingOverflow(UInt64(byte - 0x30))
            guard !o1, !o2 else { return nil }
            magnitude = next
        }
        guard digits > 0, bytes.last != UInt8(ascii: ".") else { return nil }
        for _ in fractionDigits..<scale {
            let (next, overflow) = magnitude.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            magnitude = next
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }
}

extension String {
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" || first == "\r" { scalars = scalars.dropFirst() }
        while let last = scalars.last, last == " " || last == "\t" || last == "\r" { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
