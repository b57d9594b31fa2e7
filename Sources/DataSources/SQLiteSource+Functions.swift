import ContractLanguage
import GRDB
import GRDBSQLite

/// The SQL functions the SQLite source registers on its own read-only connection, written as
/// plain C functions so that the per-row work of validation and decimal conversion is one call
/// per row (or per decimal cell) instead of a dozen `typeof`, `abs` and `CAST` evaluations
/// (spec: protocols/data-sources.md §3, §5).
extension SQLiteSource {
    /// `covenant_check(spec, v0, v1, …)`: NULL when the row's stored values are valid for their
    /// contract types, else the first problem's code (column × 3 + kind: 0 wrong storage class,
    /// 1 does not parse, 2 null in a `notNull` column). `spec` is a constant that `checkSpec`
    /// writes; it is parsed once per statement (SQLite keeps it as auxiliary data).
    static let checkName = "covenant_check"

    /// `covenant_decimal(v, S)`: the exact units (v·10^S) of a valid `decimal(S)` cell stored as
    /// INTEGER, REAL or TEXT, by the §3 rules; NULL for NULL and for anything invalid (the row's
    /// check flags those).
    static let decimalName = "covenant_decimal"

    /// The storage rules of one column, as `covenant_check` applies them.
    struct ColumnCheck {
        enum Kind {
            case int, text, bool, date
            case decimal(scale: Int)
        }

        var kind: Kind
        var notNull: Bool
    }

    /// The constant first argument of `covenant_check`: the first column's index, then one
    /// token per column (`i`, `t`, `b`, `D`, `d<scale>`, with `!` for `notNull`).
    static func checkSpec(first: Int, _ columns: [ColumnCheck]) -> String {
        let tokens = columns.map { column -> String in
            let kind: String
            switch column.kind {
            case .int: kind = "i"
            case .text: kind = "t"
            case .bool: kind = "b"
            case .date: kind = "D"
            case .decimal(let scale): kind = "d\(scale)"
            }
            return kind + (column.notNull ? "!" : "")
        }
        return ([String(first)] + tokens).joined(separator: " ")
    }

    /// Parses `checkSpec`'s output; nil when it is not one.
    static func parseCheckSpec(_ spec: String) -> CheckProgram? {
        let tokens = spec.split(separator: " ")
        guard let firstToken = tokens.first, let first = Int(firstToken), first >= 0 else { return nil }
        var columns: [ColumnCheck] = []
        for token in tokens.dropFirst() {
            var body = Substring(token)
            let notNull = body.hasSuffix("!")
            if notNull { body = body.dropLast() }
            let kind: ColumnCheck.Kind
            switch body.first {
            case "i" where body.count == 1: kind = .int
            case "t" where body.count == 1: kind = .text
            case "b" where body.count == 1: kind = .bool
            case "D" where body.count == 1: kind = .date
            case "d":
                guard let scale = Int(body.dropFirst()), (0...18).contains(scale) else { return nil }
                kind = .decimal(scale: scale)
            default: return nil
            }
            columns.append(ColumnCheck(kind: kind, notNull: notNull))
        }
        return CheckProgram(first: first, columns: columns)
    }

    /// The argument `covenant_check` receives for a column: the stored value itself, except for
    /// a date, whose calendar check stays in SQL (it is SQLite's own date parser that defines
    /// it): NULL for NULL, 1 for a valid `YYYY-MM-DD`, 0 for other text, −1 for another class.
    static func checkArgument(_ c: String, _ type: ColumnType) -> String {
        guard type == .date else { return c }
        return "CASE typeof(\(c)) WHEN 'null' THEN NULL WHEN 'text' THEN (date(julianday(\(c))) IS \(c) AND \(c) >= '0001-01-01') ELSE -1 END"
    }

    /// Registers `covenant_check` and `covenant_decimal` on a connection.
    static func registerFunctions(_ db: Database) throws {
        let flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC
        for (name, arity, function) in [(checkName, Int32(-1), checkFunction), (decimalName, Int32(2), decimalFunction)] {
            let code = sqlite3_create_function_v2(db.sqliteConnection, name, arity, flags, nil, function, nil, nil, nil)
            guard code == SQLITE_OK else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot register \(name)")
            }
        }
    }
}

/// A parsed `covenant_check` spec (a class: SQLite holds it as auxiliary data between rows).
final class CheckProgram {
    let first: Int
    let columns: [SQLiteSource.ColumnCheck]

    init(first: Int, columns: [SQLiteSource.ColumnCheck]) {
        self.first = first
        self.columns = columns
    }

    /// The first problem's code among `arguments` (one per column), or nil.
    func problem(_ arguments: UnsafeMutablePointer<OpaquePointer?>) -> Int? {
        for (offset, column) in columns.enumerated() {
            let code = (first + offset) * 3
            guard let value = arguments[offset] else { return code }
            let type = sqlite3_value_type(value)
            if type == SQLITE_NULL {
                if column.notNull { return code + 2 }
                continue
            }
            switch column.kind {
            case .int:
                if type != SQLITE_INTEGER { return code }
            case .text:
                if type != SQLITE_TEXT { return code }
            case .bool:
                if type != SQLITE_INTEGER { return code }
                let v = sqlite3_value_int64(value)
                if v != 0 && v != 1 { return code + 1 }
            case .date:
                // The SQL argument: 1 valid, 0 not a calendar date, −1 another storage class.
                let v = sqlite3_value_int64(value)
                if v == -1 { return code }
                if v != 1 { return code + 1 }
            case .decimal(let scale):
                switch type {
                case SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT:
                    if decimalUnits(value, scale: scale) == nil { return code + 1 }
                default:
                    return code
                }
            }
        }
        return nil
    }
}

/// The units of a `decimal(scale)` cell by the spec's §3 rules, or nil when it is NULL, of
/// another class or invalid: an INTEGER v with |v| ≤ ⌊(2^63−1)/10^S⌋ is v·10^S; a REAL x with
/// |x·10^S| < 2^53 is N = x·10^S rounded half away from zero when N/10^S gives back x (the same
/// IEEE operations, in the same order, as `SQLiteSource.value(_:as:)`); TEXT is parsed exactly
/// (`Value.units`) up to its first NUL, as GRDB reads text. Text is not composed to NFC first:
/// NFC never turns text with a non-ASCII character into the ASCII digits, point and sign that
/// `Value.units` accepts, so the result is the same.
func decimalUnits(_ value: OpaquePointer, scale: Int) -> Int64? {
    let factor = pow10(scale)
    switch sqlite3_value_type(value) {
    case SQLITE_INTEGER:
        let v = sqlite3_value_int64(value)
        let limit = Int64.max / factor
        guard v >= -limit, v <= limit else { return nil }
        return v * factor
    case SQLITE_FLOAT:
        let x = sqlite3_value_double(value)
        let f = Double(factor)
        guard (x * f).magnitude < 9_007_199_254_740_991 else { return nil }
        let units = (x * f + (x < 0 ? -0.5 : 0.5)).rounded(.towardZero)
        guard units / f == x else { return nil }
        return Int64(units)
    case SQLITE_TEXT:
        guard let text = sqlite3_value_text(value) else { return nil }
        let bytes = UnsafeBufferPointer(start: text, count: Int(sqlite3_value_bytes(value)))
        let prefix = bytes.prefix { $0 != 0 }
        return Value.units(Substring(decoding: prefix, as: UTF8.self), scale: scale)
    default:
        return nil
    }
}

private let checkFunction: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = {
    context, count, arguments in
    guard let arguments, count >= 1, let specValue = arguments[0] else {
        return sqlite3_result_error(context, "\(SQLiteSource.checkName): no spec", -1)
    }
    let program: CheckProgram
    var fresh = false
    if let cached = sqlite3_get_auxdata(context, 0) {
        program = Unmanaged<CheckProgram>.fromOpaque(cached).takeUnretainedValue()
    } else {
        guard sqlite3_value_type(specValue) == SQLITE_TEXT, let text = sqlite3_value_text(specValue),
            let parsed = SQLiteSource.parseCheckSpec(String(cString: text))
        else { return sqlite3_result_error(context, "\(SQLiteSource.checkName): invalid spec", -1) }
        program = parsed
        fresh = true
    }
    guard program.columns.count == Int(count) - 1 else {
        return sqlite3_result_error(context, "\(SQLiteSource.checkName): wrong number of arguments", -1)
    }
    if let code = program.problem(arguments + 1) {
        sqlite3_result_int64(context, Int64(code))
    } else {
        sqlite3_result_null(context)
    }
    // Last: SQLite may discard the data (and call the destructor) before this returns.
    if fresh {
        sqlite3_set_auxdata(context, 0, Unmanaged.passRetained(program).toOpaque(), releaseCheckProgram)
    }
}

private let releaseCheckProgram: @convention(c) (UnsafeMutableRawPointer?) -> Void = { pointer in
    guard let pointer else { return }
    Unmanaged<CheckProgram>.fromOpaque(pointer).release()
}

private let decimalFunction: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = {
    context, count, arguments in
    guard let arguments, count == 2, let value = arguments[0], let scaleValue = arguments[1] else {
        return sqlite3_result_null(context)
    }
    let scale = sqlite3_value_int64(scaleValue)
    guard (0...18).contains(scale), let units = decimalUnits(value, scale: Int(scale)) else {
        return sqlite3_result_null(context)
    }
    sqlite3_result_int64(context, units)
}
