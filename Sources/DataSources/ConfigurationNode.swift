import ContractLanguage
import Foundation

/// Typed, checked access to a configuration read by ``StrictJSON``: each accessor checks the
/// JSON type and the range before converting, and every failure is a ``DataSourceError``
/// `invalidConfiguration` at the value's `line:column` with its JSON path, e.g.
/// `members.json:7:15 (members[1].roles): must be an array of strings; found a string`.
///
/// Messages name keys, paths and the JSON type found, never a value from the file (a
/// configuration may one day hold a secret).
///
/// Spec: protocols/data-sources.md#configuration-json.
package struct ConfigurationNode: Sendable {
    /// The value.
    package let value: StrictJSON.Value
    /// Its JSON path (`members[1].roles`); empty for the top-level value.
    package let path: String
    /// The file, for messages.
    package let file: String

    /// Reads a configuration file's bytes strictly.
    /// - Parameters:
    ///   - bytes: the file's bytes.
    ///   - file: the file's name, for messages.
    /// - Returns: the top-level node.
    /// - Throws: ``DataSourceError`` `invalidConfiguration` with line and column.
    package static func read(_ bytes: [UInt8], file: String) throws -> ConfigurationNode {
        ConfigurationNode(value: try StrictJSON.read(bytes, file: file), path: "", file: file)
    }

    /// Reads a configuration file: at most ``StrictJSON/Limits/configuration`` bytes are read, so
    /// a huge or endless file (a device, a pipe) is refused rather than loaded.
    /// - Parameter path: the file.
    /// - Returns: its bytes.
    /// - Throws: ``DataSourceError`` `fileNotFound`, `unreadableFile`, or `invalidConfiguration`
    ///   when it is too large.
    package static func contents(ofFile path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataSourceError(.fileNotFound, "the configuration file does not exist", at: .init(file: path))
        }
        guard !isDirectory.boolValue, let handle = FileHandle(forReadingAtPath: path) else {
            throw DataSourceError(.unreadableFile, "the configuration file cannot be read", at: .init(file: path))
        }
        defer { try? handle.close() }
        let limit = StrictJSON.Limits.configuration.maximumBytes
        let data: Data?
        do {
            data = try handle.read(upToCount: limit + 1)
        } catch {
            throw DataSourceError(.unreadableFile, "the configuration file cannot be read", at: .init(file: path))
        }
        let bytes = data.map { Array($0) } ?? []
        guard bytes.count <= limit else {
            throw DataSourceError(
                .invalidConfiguration, "the file is larger than \(limit) bytes, the most a configuration may have", at: .init(file: path))
        }
        return bytes
    }

    /// A node.
    /// - Parameters:
    ///   - value: the value.
    ///   - path: its JSON path.
    ///   - file: the file.
    package init(value: StrictJSON.Value, path: String, file: String) {
        self.value = value
        self.path = path
        self.file = file
    }

    /// An error at this value.
    /// - Parameter message: what is wrong (no value from the file).
    /// - Returns: the error.
    package func error(_ message: String) -> DataSourceError {
        Self.error(message, file: file, at: value.position, path: path)
    }

    static func error(_ message: String, file: String, at position: StrictJSON.Position, path: String) -> DataSourceError {
        DataSourceError(
            .invalidConfiguration, message,
            at: .init(file: file, line: position.line, character: position.column, column: path.isEmpty ? nil : path))
    }

    func mismatch(_ expectation: String) -> DataSourceError {
        error("must be \(expectation); found \(value.kindDescription)")
    }

    // MARK: Objects and arrays

    /// This value as an object whose keys are all in `allowedKeys`.
    /// - Parameters:
    ///   - allowedKeys: the keys the object may have, in documentation order; nil: any key.
    ///   - expectation: what the value should be, for the message ("an object with …").
    /// - Returns: the object.
    /// - Throws: if the value is not an object, or at the first unknown key (with a suggestion
    ///   when a known key is close to it).
    package func object(allowedKeys: [String]?, expectation: String = "an object") throws -> ConfigurationObject {
        guard case .object(let members) = value.kind else { throw mismatch(expectation) }
        if let allowedKeys {
            for member in members where !allowedKeys.contains(member.key) {
                let hint = Self.suggestion(for: member.key, among: allowedKeys).map { "did you mean '\($0)'? " } ?? ""
                throw Self.error(
                    "unknown key \(Self.quoted(member.key)) (\(hint)expected one of \(allowedKeys.joined(separator: ", ")))",
                    file: file, at: member.keyPosition, path: Self.path(path, key: member.key))
            }
        }
        return ConfigurationObject(node: self, members: members)
    }

    /// This value as an array.
    /// - Parameter expectation: what the value should be, for the message.
    /// - Returns: its elements (paths `path[i]`).
    /// - Throws: if the value is not an array.
    package func array(expectation: String = "an array") throws -> [ConfigurationNode] {
        guard case .array(let elements) = value.kind else { throw mismatch(expectation) }
        return elements.enumerated().map { ConfigurationNode(value: $1, path: "\(path)[\($0)]", file: file) }
    }

    /// This value as an array of strings, each checked like ``string(_:)``.
    /// - Parameters:
    ///   - rule: what each string may contain.
    ///   - distinct: whether a repeated entry is an error.
    /// - Returns: the strings in order.
    /// - Throws: if the value is not such an array (naming the first bad element).
    package func stringArray(_ rule: StringRule = .name, distinct: Bool = true) throws -> [String] {
        let expectation = "an array of \(rule.plural)"
        guard case .array = value.kind else { throw mismatch(expectation) }
        var strings: [String] = []
        var firstIndex: [String: Int] = [:]  // a dictionary, not a scan: a 1 MiB array stays linear
        for (index, element) in try array().enumerated() {
            guard case .string = element.value.kind else { throw element.mismatch("\(rule.singular) (in \(expectation))") }
            let string = try element.string(rule)
            if distinct {
                if let first = firstIndex[string] { throw element.error("repeats entry \(first) of the array") }
                firstIndex[string] = index
            }
            strings.append(string)
        }
        return strings
    }

    // MARK: Scalars

    /// What a string may contain.
    package enum StringRule: Sendable {
        /// A name: non-empty, at most 256 scalars, no control characters.
        case name
        /// A file path: non-empty, at most 4,096 bytes, no control characters.
        case path
        /// Text such as an SQL query: non-empty, at most 65,536 bytes, line breaks and tabs
        /// allowed, no other control characters.
        case text

        var singular: String {
            switch self {
            case .name: "a non-empty string without control characters"
            case .path: "a file path (a non-empty string without control characters)"
            case .text: "a non-empty string"
            }
        }

        var plural: String {
            switch self {
            case .name: "non-empty strings"
            case .path: "file paths"
            case .text: "non-empty strings"
            }
        }
    }

    /// This value as a string.
    /// - Parameter rule: what it may contain.
    /// - Returns: the string.
    /// - Throws: if the value is not a string, or breaks the rule (the message never quotes it).
    package func string(_ rule: StringRule = .name) throws -> String {
        guard case .string(let string) = value.kind else { throw mismatch(rule.singular) }
        guard !string.isEmpty else { throw error("must be \(rule.singular); found an empty string") }
        let limit: (count: Int, unit: String) =
            switch rule {
            case .name: (256, "characters")
            case .path: (4096, "bytes")
            case .text: (65536, "bytes")
            }
        let length = rule == .name ? string.unicodeScalars.count : string.utf8.count
        guard length <= limit.count else { throw error("must be at most \(limit.count) \(limit.unit) long") }
        for scalar in string.unicodeScalars where scalar.value < 0x20 || scalar.value == 0x7F {
            if rule == .text, scalar == "\n" || scalar == "\r" || scalar == "\t" { continue }
            throw error("must not contain control characters (found U+\(hex4(scalar.value)))")
        }
        return string
    }

    /// This value as a JSON integer (no fraction, no exponent) in `range`.
    /// - Parameters:
    ///   - range: the allowed values.
    ///   - expectation: what the value should be, for the message; default "an integer from
    ///     `lower` to `upper`".
    /// - Returns: the integer.
    /// - Throws: if the value is not a JSON integer or lies outside `range` (converted only
    ///   after its digits are known to fit).
    package func integer(in range: ClosedRange<Int>, expectation: String? = nil) throws -> Int {
        let expected = expectation ?? "an integer from \(range.lowerBound) to \(range.upperBound)"
        guard case .number(let text) = value.kind, !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else {
            throw mismatch(expected)
        }
        // `Int(_:)` returns nil on overflow (it never traps); the length bound keeps long literals cheap.
        guard text.utf8.count <= 19, let number = Int(text), range.contains(number) else {
            throw error("must be \(expected); found an integer out of range")
        }
        return number
    }

    /// This value as a JSON number written without exponent, with at most `fractionDigits`
    /// significant decimals, as an exact integer count of `10^-fractionDigits` units in `range`.
    /// - Parameters:
    ///   - fractionDigits: the decimals kept (trailing zeros beyond them are allowed).
    ///   - range: the allowed values, in units.
    ///   - expectation: what the value should be, for the message.
    /// - Returns: the value in units (`1.5` with 3 digits is 1500).
    /// - Throws: if the value is not such a number or lies outside `range`; never converts
    ///   through floating point.
    package func decimalUnits(fractionDigits: Int, in range: ClosedRange<Int>, expectation: String) throws -> Int {
        guard case .number(let text) = value.kind, !text.contains(where: { $0 == "e" || $0 == "E" }) else {
            throw mismatch(expectation)
        }
        let negative = text.hasPrefix("-")
        let unsigned = negative ? text.dropFirst() : Substring(text)
        let parts = unsigned.split(separator: ".", omittingEmptySubsequences: false)
        var fraction = parts.count > 1 ? parts[1] : ""
        while fraction.last == "0" { fraction.removeLast() }
        guard fraction.count <= fractionDigits else {
            throw error("must be \(expectation); found more than \(fractionDigits) decimals")
        }
        let whole = parts[0]
        guard whole.count <= 12, let wholeValue = Int(whole),
              let fractionValue = Int(fraction + String(repeating: "0", count: fractionDigits - fraction.count))
        else {
            throw error("must be \(expectation); found a number out of range")
        }
        var scale = 1
        for _ in 0..<fractionDigits { scale *= 10 }
        let units = (negative ? -1 : 1) * (wholeValue * scale + fractionValue)
        guard range.contains(units) else { throw error("must be \(expectation); found a number out of range") }
        return units
    }

    /// This value as a JSON boolean (`true` or `false`; a number is never a boolean).
    /// - Returns: the boolean.
    /// - Throws: if the value is not `true` or `false`.
    package func bool() throws -> Bool {
        guard case .bool(let flag) = value.kind else { throw mismatch("true or false") }
        return flag
    }

    // MARK: Helpers

    /// `parent.key`, or `parent["key"]` for a key that is not a plain identifier.
    static func path(_ parent: String, key: String) -> String {
        let plain = !key.isEmpty && key.utf8.count <= 64 && key.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x2D
        }
        if plain { return parent.isEmpty ? key : parent + "." + key }
        return parent + "[" + quoted(key, quote: "\"") + "]"
    }

    /// A key for a message: quoted, control characters escaped, at most 64 characters.
    /// - Parameters:
    ///   - key: the key.
    ///   - quote: the quotation mark.
    /// - Returns: the quoted key.
    package static func quoted(_ key: String, quote: Character = "'") -> String {
        var out = String(quote)
        for (count, scalar) in key.unicodeScalars.enumerated() {
            if count == 64 {
                out += "…"
                break
            }
            if scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value) {
                out += "\\u" + hex4(scalar.value)
            } else if Character(scalar) == quote || scalar == "\\" {
                out += "\\" + String(scalar)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out + String(quote)
    }

    /// The allowed key closest to `key` by edit distance, if it is close enough to be a
    /// likely misspelling (same letters up to case, or at most 1 edit for short keys and 2 for
    /// keys of 5 or more characters).
    /// - Parameters:
    ///   - key: the unknown key.
    ///   - candidates: the allowed keys.
    /// - Returns: the suggestion, or nil.
    package static func suggestion(for key: String, among candidates: [String]) -> String? {
        let lowered = key.lowercased()
        guard lowered.unicodeScalars.count <= 64 else { return nil }
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let target = candidate.lowercased()
            let distance = editDistance(lowered, target)
            let allowed = target.unicodeScalars.count >= 5 ? 2 : 1
            if distance <= allowed, distance < (best?.distance ?? .max) { best = (candidate, distance) }
        }
        return best?.candidate
    }
}

/// An object checked by ``ConfigurationNode/object(allowedKeys:expectation:)``: its members by key.
package struct ConfigurationObject: Sendable {
    /// The object's node.
    package let node: ConfigurationNode
    /// Its members in file order (keys distinct: ``StrictJSON`` refuses duplicates).
    package let members: [StrictJSON.Member]

    /// The member `key`, if present.
    /// - Parameter key: the key.
    /// - Returns: its node (path `parent.key`), or nil.
    package func optional(_ key: String) -> ConfigurationNode? {
        guard let member = members.first(where: { $0.key == key }) else { return nil }
        return ConfigurationNode(value: member.value, path: ConfigurationNode.path(node.path, key: key), file: node.file)
    }

    /// The member `key`.
    /// - Parameters:
    ///   - key: the key.
    ///   - expectation: what its value must be, for the message when it is missing.
    /// - Returns: its node.
    /// - Throws: at the object's opening brace when the key is missing.
    package func required(_ key: String, expectation: String) throws -> ConfigurationNode {
        guard let found = optional(key) else {
            throw ConfigurationNode.error(
                "the key '\(key)' is missing; it must be \(expectation)", file: node.file, at: node.value.position,
                path: ConfigurationNode.path(node.path, key: key))
        }
        return found
    }

    /// Every member as a node, in file order (for objects used as maps).
    package var entries: [(key: String, node: ConfigurationNode)] {
        members.map { ($0.key, ConfigurationNode(value: $0.value, path: ConfigurationNode.path(node.path, key: $0.key), file: node.file)) }
    }

    /// Where the key `key` is written, if present.
    /// - Parameter key: the key.
    /// - Returns: its position.
    package func keyPosition(_ key: String) -> StrictJSON.Position? {
        members.first(where: { $0.key == key })?.keyPosition
    }
}
