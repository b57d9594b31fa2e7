import ContractLanguage
import _TestSupport

/// Generates random well-typed contracts over a fixed schema, random member data, and random
/// reformattings, for the property tests.
struct RandomContracts {
    var rng: DeterministicRNG

    init(seed: UInt64) { rng = DeterministicRNG(seed: seed) }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    static let schema = "input r(g: text, k: int, x: decimal(2), y: int, d: date, b: bool)"

    mutating func condition(_ depth: Int = 0) -> String {
        if depth < 2 && chance(0.3) {
            let op = pick(["and", "or"])
            return "(\(condition(depth + 1)) \(op) \(condition(depth + 1)))"
        }
        if depth < 2 && chance(0.1) { return "not \(condition(depth + 1))" }
        switch int(0...7) {
        case 0: return "x \(pick([">", ">=", "<", "<=", "=", "!="])) \(pick(["0", "1.5", "-2", "10.25"]))"
        case 1: return "y \(pick([">", "<", "<>", "=="])) \(int(-3...8))"
        case 2: return "g \(pick(["in", "not in"])) (\"a\", \"c\")"
        case 3: return "d \(pick(["between", "not between"])) date \"2024-01-15\" and date \"2024-06-30\""
        case 4: return pick(["b", "not b", "b = true", "b != false"])
        case 5: return "x is \(pick(["", "not "]))null"
        case 6: return "y between \(int(-2...2)) and \(int(3...9))"
        default: return "x < y"
        }
    }

    /// A random contract source using most constructs.
    mutating func contract() -> String {
        var local: [String] = []
        for _ in 0..<int(0...2) { local.append("where \(condition())") }
        let banded = chance(0.4)
        if banded { local.append("generalize k into bands [\(int(-1...1)), \(int(2...4)), \(int(5...7))]") }
        let mapped = chance(0.3)
        if mapped { local.append("generalize g map { \"a\" -> \"A\", \"b\" -> \"B\"\(chance(0.5) ? ", else -> \"Z\"" : "") }") }
        if chance(0.2) { local.append("generalize d to \(pick(["year", "quarter", "month"]))") }
        local.append("clip x to [\(pick(["-5", "0", "-1.5"])), \(pick(["10", "20.75", "50"]))]")
        local.append("clip y to [\(int(-3...0)), \(int(5...12))]")
        var keys: [String] = []
        if chance(0.5) { keys.append(mapped ? "g" : "g in (\"a\", \"b\", \"c\")") }
        if chance(0.3) { keys.append("b") }
        if banded && chance(0.5) { keys.append("k") }
        if !mapped && keys.isEmpty && chance(0.3) { keys.append("y in (1, 2, 3)") }
        var outputs = ["n = count()"]
        var numeric = ["n"]
        var names = ["n"]
        let candidates = [
            "count(x)", "sum(x)", "sum(y)", "mean(x)", "mean(y)", "variance(x)", "stddev(y)", "min(x)", "max(y)",
            "min(d)", "max(d)", "quantile(x, \(pick(["0", "0.1", "0.5", "0.75", "1"])), \(int(1...20)))",
            "median(y)", "histogram(x, [-1, 0, 2.5, 10])", "covariance(x, y)", "correlation(x, y)", "slope(y, x)",
            "intercept(y, x)",
        ]
        for index in 0..<int(1...6) {
            let call = pick(candidates)
            let name = "o\(index)"
            outputs.append("\(name) = \(call)")
            names.append(name)
            if !call.hasPrefix("histogram") && !call.hasSuffix("(d)") { numeric.append(name) }
        }
        for index in 0..<int(0...3) {
            let a = pick(numeric), c = pick(numeric)
            let expression: String
            switch int(0...8) {
            case 0: expression = "\(a) + \(c)"
            case 1: expression = "\(a) - \(c) * 2"
            case 2: expression = "\(a) / n"
            case 3: expression = "-(\(a) + 1.5)"
            // Edges (issue: a zero divisor is undefined, never 0): literal and computed zeros.
            case 4: expression = "\(a) / \(pick(["0", "0.0", "(1 - 1)"]))"
            case 5: expression = "\(a) / (\(c) - \(c))"
            case 6: expression = "\(a) / \(c)"
            default: expression = "(\(a) - \(c)) * \(a)"
            }
            let name = "e\(index)"
            outputs.append("\(name) = \(expression)")
            names.append(name)
            numeric.append(name)
        }
        var tail: [String] = []
        tail.append("reveal \(names.joined(separator: ", ")) to all")
        if chance(0.3) { tail.append("reveal n to member \"m1\", role \"auditor\"") }
        if chance(0.3) { tail.append("require n >= \(int(1...4)) per group") }
        if chance(0.3) { tail.append("require participants >= 1") }
        if chance(0.3) { tail.append("disclose sums") }
        if chance(0.2) { tail.append("privacy laplace epsilon 0.5") }
        tail.append("protocol \(pick(["auto", "beaver"]))")
        return """
            contract random_\(int(0...999)) version \(int(1...9)) {
              \(Self.schema)
              local {
                \(local.joined(separator: "\n    "))
              }
              compute\(keys.isEmpty ? "" : " by " + keys.joined(separator: ", ")) {
                \(outputs.joined(separator: "\n    "))
              }
              \(tail.joined(separator: "\n  "))
            }
            """
    }

    /// Random rows for the schema, with nulls.
    mutating func rows() -> [[Value]] {
        (0..<int(0...12)).map { _ in
            [
                chance(0.1) ? .null : .text(pick(["a", "b", "c", "d"])),
                chance(0.1) ? .null : .int(Int64(int(-3...9))),
                chance(0.15) ? .null : .decimal(Int64(int(-800...6000)), scale: 2),
                chance(0.1) ? .null : .int(Int64(int(-5...14))),
                chance(0.1) ? .null : .date(CivilDate(year: 2024, month: int(1...12), day: int(1...28))!),
                chance(0.1) ? .null : .bool(chance(0.5)),
            ]
        }
    }

    /// The same tokens with different whitespace and comments between them.
    mutating func reformat(_ source: String) -> String {
        var lexer = Lexer(source)
        let tokens = lexer.tokenize()
        let bytes = Array(source.utf8)
        var out = pick(["", "-- header comment\n", "\n\n"])
        for token in tokens where token.kind != .end {
            out += String(decoding: bytes[token.range.start.offset..<token.range.end.offset], as: UTF8.self)
            out += pick([" ", "  ", "\n", "\t", " -- a comment\n", "\n\n      ", " \r\n"])
        }
        return out
    }
}
