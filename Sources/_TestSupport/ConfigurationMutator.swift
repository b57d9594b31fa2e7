/// Deterministic mutations of a valid JSON configuration, for the hostile-input suites of the
/// configuration readers: structural ones (delete, duplicate or misspell a key, swap a value's
/// type, replace a number with `1e17`, `-1`, `1.5`, `true` or `null`, nest a value deeply) on a
/// small tree, and textual ones (trailing commas, truncation, byte flips, comments) on the
/// serialised bytes. Not API.
package struct ConfigurationMutator {
    /// A JSON tree for valid seed documents (members keep their order; duplicates are allowed so
    /// that a mutation can create them).
    package indirect enum Tree: Sendable {
        case object([(String, Tree)])
        case array([Tree])
        case string(String)
        case number(String)
        case bool(Bool)
        case null

        /// JSON text (strings escaped per RFC 8259): objects one member per line, so that
        /// positions in mutants span many lines; arrays on one line.
        package var text: String { text(indent: "") }

        func text(indent: String) -> String {
            switch self {
            case .object(let members) where members.isEmpty: "{}"
            case .object(let members):
                "{\n" + members.map { indent + "  " + Tree.quote($0.0) + ": " + $0.1.text(indent: indent + "  ") }.joined(separator: ",\n")
                    + "\n" + indent + "}"
            case .array(let elements): "[" + elements.map { $0.text(indent: indent) }.joined(separator: ", ") + "]"
            case .string(let string): Tree.quote(string)
            case .number(let text): text
            case .bool(let flag): flag ? "true" : "false"
            case .null: "null"
            }
        }

        static func quote(_ string: String) -> String {
            var out = "\""
            for scalar in string.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                case "\r": out += "\\r"
                default:
                    if scalar.value < 0x20 {
                        let hex = String(scalar.value, radix: 16)
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    } else {
                        out.unicodeScalars.append(scalar)
                    }
                }
            }
            return out + "\""
        }
    }

    /// The seed documents.
    package let seeds: [Tree]
    private var rng: DeterministicRNG

    /// A mutator over valid seed documents.
    /// - Parameters:
    ///   - seeds: valid JSON texts (a seed that does not parse stops the test).
    ///   - seed: the RNG seed.
    package init(seeds: [String], seed: UInt64) {
        self.seeds = seeds.map { text in
            var parser = SeedParser(bytes: Array(text.utf8))
            guard let tree = parser.parse() else { fatalError("a seed configuration is not valid JSON") }
            return tree
        }
        rng = DeterministicRNG(seed: seed)
    }

    /// The next mutant: one to three mutations of a random seed, and a short name of what was done.
    /// - Returns: the mutant's bytes and a description for failure messages.
    package mutating func next() -> (bytes: [UInt8], description: String) {
        var tree = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
        var steps: [String] = []
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            if let step = mutateTree(&tree) { steps.append(step) }
        }
        var bytes = Array(tree.text.utf8)
        if Int.random(in: 0..<3, using: &rng) == 0 { steps.append(mutateText(&bytes)) }
        return (bytes, steps.joined(separator: ", "))
    }

    // MARK: Tree mutations

    /// Paths to every value, as index lists (object member or array element indices).
    private func paths(_ tree: Tree, _ prefix: [Int] = []) -> [[Int]] {
        var out = [prefix]
        switch tree {
        case .object(let members): for (i, member) in members.enumerated() { out += paths(member.1, prefix + [i]) }
        case .array(let elements): for (i, element) in elements.enumerated() { out += paths(element, prefix + [i]) }
        default: break
        }
        return out
    }

    private func value(_ tree: Tree, at path: [Int]) -> Tree {
        guard let first = path.first else { return tree }
        switch tree {
        case .object(let members): return value(members[first].1, at: Array(path.dropFirst()))
        case .array(let elements): return value(elements[first], at: Array(path.dropFirst()))
        default: return tree
        }
    }

    private func replacing(_ tree: Tree, at path: [Int], with transform: (Tree) -> Tree) -> Tree {
        guard let first = path.first else { return transform(tree) }
        switch tree {
        case .object(var members):
            members[first].1 = replacing(members[first].1, at: Array(path.dropFirst()), with: transform)
            return .object(members)
        case .array(var elements):
            elements[first] = replacing(elements[first], at: Array(path.dropFirst()), with: transform)
            return .array(elements)
        default: return tree
        }
    }

    private mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &rng)] }

    private mutating func mutateTree(_ tree: inout Tree) -> String? {
        let all = paths(tree)
        let path = pick(all)
        let objects = all.filter { if case .object(let m) = value(tree, at: $0), !m.isEmpty { true } else { false } }
        let replacements: [Tree] = [
            .number("1e17"), .number("-1"), .number("1.5"), .number("0"), .number("4"), .number("1e30"), .number("-0"),
            .number("99999999999999999999"), .number("2.000"), .bool(true), .bool(false), .null, .string(""),
            .string("4"), .string("\u{0}x"), .string("a\nb"), .array([]), .object([]), .array([.number("1")]),
            .string(String(repeating: "x", count: 300)),
        ]
        switch Int.random(in: 0..<8, using: &rng) {
        case 0 where !objects.isEmpty:  // delete a key
            let objectPath = pick(objects)
            guard case .object(var members) = value(tree, at: objectPath) else { return nil }
            let removed = members.remove(at: Int.random(in: 0..<members.count, using: &rng))
            tree = replacing(tree, at: objectPath) { _ in .object(members) }
            return "delete '\(removed.0)'"
        case 1 where !objects.isEmpty:  // duplicate a key
            let objectPath = pick(objects)
            guard case .object(var members) = value(tree, at: objectPath) else { return nil }
            let member = pick(members)
            members.insert(member, at: Int.random(in: 0...members.count, using: &rng))
            tree = replacing(tree, at: objectPath) { _ in .object(members) }
            return "duplicate '\(member.0)'"
        case 2 where !objects.isEmpty:  // misspell a key
            let objectPath = pick(objects)
            guard case .object(var members) = value(tree, at: objectPath) else { return nil }
            let index = Int.random(in: 0..<members.count, using: &rng)
            var key = Array(members[index].0.unicodeScalars)
            if key.count > 1 { key.remove(at: Int.random(in: 0..<key.count, using: &rng)) } else { key.append("x") }
            members[index].0 = String(String.UnicodeScalarView(key))
            tree = replacing(tree, at: objectPath) { _ in .object(members) }
            return "misspell key \(index)"
        case 3 where !objects.isEmpty:  // reorder an object's members (still valid)
            let objectPath = pick(objects)
            guard case .object(let members) = value(tree, at: objectPath) else { return nil }
            tree = replacing(tree, at: objectPath) { _ in .object(members.reversed()) }
            return "reorder"
        case 4:  // deep nesting
            let depth = pick([5, 31, 40, 200])
            tree = replacing(tree, at: path) { inner in
                var nested = inner
                for level in 0..<depth { nested = level % 2 == 0 ? .array([nested]) : .object([("k", nested)]) }
                return nested
            }
            return "nest \(depth) deep"
        default:  // swap the type or the number of a value
            let replacement = pick(replacements)
            tree = replacing(tree, at: path) { _ in replacement }
            return "replace with \(replacement.text.prefix(12))"
        }
    }

    // MARK: Text mutations

    private mutating func mutateText(_ bytes: inout [UInt8]) -> String {
        switch Int.random(in: 0..<7, using: &rng) {
        case 0:  // trailing comma
            let closers = bytes.indices.filter { bytes[$0] == UInt8(ascii: "}") || bytes[$0] == UInt8(ascii: "]") }
            guard let at = closers.isEmpty ? nil : pick(closers) else { return "no closer" }
            bytes.insert(UInt8(ascii: ","), at: at)
            return "trailing comma at \(at)"
        case 1:  // truncate
            let at = Int.random(in: 0..<max(1, bytes.count), using: &rng)
            bytes.removeSubrange(at...)
            return "truncate at \(at)"
        case 2, 3:  // byte flips
            let flips = Int.random(in: 1...4, using: &rng)
            for _ in 0..<flips where !bytes.isEmpty {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[at] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
            }
            return "\(flips) byte flips"
        case 4:  // random bytes
            let at = Int.random(in: 0...bytes.count, using: &rng)
            bytes.insert(contentsOf: (0..<Int.random(in: 1...4, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: at)
            return "insert random bytes at \(at)"
        case 5:  // a comment, NaN, a single-quoted string or a BOM
            let insert = pick(["// note\n", "/* c */", "NaN", "'x'", "\u{FEFF}", "\u{0}", "\"\\ud800\""])
            let at = Int.random(in: 0...bytes.count, using: &rng)
            bytes.insert(contentsOf: Array(insert.utf8), at: at)
            return "insert \(insert.debugDescription) at \(at)"
        default:  // delete a byte
            guard !bytes.isEmpty else { return "nothing to delete" }
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            bytes.remove(at: at)
            return "delete byte \(at)"
        }
    }
}

/// A lenient reader for the (valid) seed documents only.
private struct SeedParser {
    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func parse() -> ConfigurationMutator.Tree? {
        guard let value = parseValue() else { return nil }
        skip()
        return index == bytes.count ? value : nil
    }

    mutating func skip() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    mutating func parseValue() -> ConfigurationMutator.Tree? {
        skip()
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var members: [(String, ConfigurationMutator.Tree)] = []
            skip()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            while true {
                skip()
                guard let key = parseString() else { return nil }
                skip()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                guard let value = parseValue() else { return nil }
                members.append((key, value))
                skip()
                guard index < bytes.count else { return nil }
                index += 1
                if bytes[index - 1] == UInt8(ascii: "}") { return .object(members) }
                guard bytes[index - 1] == UInt8(ascii: ",") else { return nil }
            }
        case UInt8(ascii: "["):
            index += 1
            var elements: [ConfigurationMutator.Tree] = []
            skip()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
            while true {
                guard let value = parseValue() else { return nil }
                elements.append(value)
                skip()
                guard index < bytes.count else { return nil }
                index += 1
                if bytes[index - 1] == UInt8(ascii: "]") { return .array(elements) }
                guard bytes[index - 1] == UInt8(ascii: ",") else { return nil }
            }
        case UInt8(ascii: "\""):
            return parseString().map { .string($0) }
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            for (word, tree) in [("true", ConfigurationMutator.Tree.bool(true)), ("false", .bool(false)), ("null", .null)]
            where bytes[index...].starts(with: Array(word.utf8)) {
                index += word.utf8.count
                return tree
            }
            return nil
        default:
            let start = index
            while index < bytes.count, "-+.eE0123456789".utf8.contains(bytes[index]) { index += 1 }
            return index > start ? .number(String(decoding: bytes[start..<index], as: UTF8.self)) : nil
        }
    }

    /// Strings of the seeds: `\"`, `\\` and `\n` escapes only.
    mutating func parseString() -> String? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        index += 1
        var out: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
            if byte == UInt8(ascii: "\\"), index < bytes.count {
                let escaped = bytes[index]
                index += 1
                out.append(escaped == UInt8(ascii: "n") ? 0x0A : escaped)
            } else {
                out.append(byte)
            }
        }
        return nil
    }
}
