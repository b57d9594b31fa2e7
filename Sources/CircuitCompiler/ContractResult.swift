public import Circuit
public import ContractLanguage

/// The value of one output in one group (spec §7.1, §8.3).
public enum OutputValue: Sendable, Hashable, CustomStringConvertible {
    /// Exact integer.
    case int(Int128)
    /// Exact decimal: units of 10^-scale.
    case decimal(Int128, scale: Int)
    /// Real number.
    case real(Double)
    /// Date.
    case date(CivilDate)
    /// Histogram bin counts.
    case histogram([Int128])
    /// Not defined for this group (e.g. the mean of no rows); JSON `null`.
    case undefined

    /// JSON spelling.
    public var description: String { json }

    /// The value as a binary64, for scalar numbers.
    public var doubleValue: Double? {
        switch self {
        case .int(let v): return Double(v)
        case .decimal(let v, let s): return Double(v) / pow10Double(s)
        case .real(let v): return v
        default: return nil
        }
    }

    /// JSON text: integers and decimals written exactly, reals in shortest round-trip form,
    /// dates as strings, histograms as arrays, undefined as null.
    public var json: String {
        switch self {
        case .int(let v): return String(v)
        case .decimal(let v, let s): return formatScaled(v, scale: s)
        case .real(let v): return v.isFinite ? jsonNumber(v) : "null"
        case .date(let d): return "\"\(d)\""
        case .histogram(let bins): return "[" + bins.map { String($0) }.joined(separator: ", ") + "]"
        case .undefined: return "null"
        }
    }
}

func jsonNumber(_ v: Double) -> String {
    if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
    return "\(v)"
}

func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
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

func jsonValue(_ value: Value) -> String {
    switch value {
    case .null: return "null"
    case .int(let v): return String(v)
    case .decimal(let v, let s): return formatScaled(Int128(v), scale: s)
    case .text(let t): return jsonString(t)
    case .bool(let b): return b ? "true" : "false"
    case .date(let d): return "\"\(d)\""
    }
}

/// One group of a result.
public struct GroupResult: Sendable, Hashable {
    /// The group's key values, one per group-by key.
    public var key: [Value]
    /// True when a `require … per group` clause failed: no output of the group is released.
    public var suppressed: Bool
    /// Revealed outputs by name (empty when suppressed).
    public var outputs: [String: OutputValue]

    /// Creates a group result.
    public init(key: [Value], suppressed: Bool, outputs: [String: OutputValue]) {
        self.key = key
        self.suppressed = suppressed
        self.outputs = outputs
    }
}

/// The revealed result of a contract run (or of the oracle): one entry per group.
public struct ContractResult: Sendable, Hashable {
    /// Contract name.
    public var contract: String
    /// Contract version.
    public var version: Int64
    /// Group-by key names.
    public var keyNames: [String]
    /// Revealed output names in reveal order.
    public var outputNames: [String]
    /// Groups in row-major domain order.
    public var groups: [GroupResult]

    /// Deterministic JSON (the format of `examples/contracts/*/expected.json`, spec §7.1):
    /// `{"contract": …, "version": …, "groups": [{"key": {…}, "suppressed": false, "outputs": {…}}]}`.
    public var json: String {
        var lines = ["{", "  \"contract\": \(jsonString(contract)),", "  \"version\": \(version),", "  \"groups\": ["]
        for (index, group) in groups.enumerated() {
            let key = zip(keyNames, group.key).map { "\(jsonString($0)): \(jsonValue($1))" }.joined(separator: ", ")
            var line = "    {\"key\": {\(key)}, \"suppressed\": \(group.suppressed)"
            if !group.suppressed {
                let outputs = outputNames.compactMap { name in
                    group.outputs[name].map { "\(jsonString(name)): \($0.json)" }
                }
                line += ", \"outputs\": {\(outputs.joined(separator: ", "))}"
            }
            line += "}" + (index + 1 < groups.count ? "," : "")
            lines.append(line)
        }
        lines.append("  ]")
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Assembles a result from a circuit's revelations.
    /// - Parameters:
    ///   - revelations: what the reveal gates produced.
    ///   - contract: the checked contract the circuit was compiled from.
    /// - Returns: the result.
    public init(revelations: [Revelation], contract: CheckedContract) {
        self.contract = contract.syntax.name.text
        version = contract.syntax.version
        keyNames = contract.groupKeys.map(\.column)
        outputNames = contract.reveals.map(\.output)
        var groups = (0..<contract.groupCount).map { group in
            GroupResult(
                key: RowPipeline.keyValues(of: group, keys: contract.groupKeys), suppressed: false, outputs: [:])
        }
        for revelation in revelations {
            let info = revelation.info
            guard info.group < groups.count else { continue }
            switch revelation.outcome {
            case .suppressed:
                groups[info.group].suppressed = true
            case .undefined:
                groups[info.group].outputs[info.output] = .undefined
            case .value(let value):
                let converted: OutputValue
                switch (info.presentation, value) {
                case ("int", .integer(let v)) where info.element == nil: converted = .int(v)
                case ("decimal", .integer(let v)): converted = .decimal(v, scale: info.scale)
                case ("date", .integer(let v)): converted = .date(CivilDate(daysSinceEpoch: Int32(clamping: v)))
                case (_, let v) where info.element == nil: converted = .real(v.doubleValue / pow10Double(info.scale))
                default: converted = .undefined
                }
                if let element = info.element, case .integer(let count) = value {
                    var bins: [Int128] = []
                    if case .histogram(let existing) = groups[info.group].outputs[info.output] { bins = existing }
                    while bins.count <= element { bins.append(0) }
                    bins[element] = count
                    groups[info.group].outputs[info.output] = .histogram(bins)
                } else {
                    groups[info.group].outputs[info.output] = converted
                }
            }
        }
        for index in groups.indices where groups[index].suppressed { groups[index].outputs = [:] }
        self.groups = groups
    }

    /// Creates a result.
    public init(contract: String, version: Int64, keyNames: [String], outputNames: [String], groups: [GroupResult]) {
        self.contract = contract
        self.version = version
        self.keyNames = keyNames
        self.outputNames = outputNames
        self.groups = groups
    }

    /// Differences from another result: exact for integers, decimals, dates, histograms and
    /// suppression; reals within `relativeTolerance` (spec §8.3).
    /// - Parameters:
    ///   - other: the result to compare with.
    ///   - relativeTolerance: allowed relative error for reals.
    /// - Returns: human-readable differences; empty when they agree.
    public func differences(from other: ContractResult, relativeTolerance: Double = 1e-9) -> [String] {
        var differences: [String] = []
        guard groups.count == other.groups.count else {
            return ["\(groups.count) groups vs \(other.groups.count)"]
        }
        for (a, b) in zip(groups, other.groups) {
            let label = a.key.map(\.description).joined(separator: ",")
            if a.key != b.key { differences.append("group keys \(a.key) vs \(b.key)") }
            if a.suppressed != b.suppressed {
                differences.append("[\(label)] suppressed \(a.suppressed) vs \(b.suppressed)")
                continue
            }
            for name in Set(a.outputs.keys).union(b.outputs.keys).sorted() {
                let x = a.outputs[name] ?? .undefined, y = b.outputs[name] ?? .undefined
                if !ContractResult.agree(x, y, relativeTolerance) {
                    differences.append("[\(label)] \(name): \(x.json) vs \(y.json)")
                }
            }
        }
        return differences
    }

    static func agree(_ x: OutputValue, _ y: OutputValue, _ tolerance: Double) -> Bool {
        switch (x, y) {
        case (.real, _), (_, .real):
            guard let a = x.doubleValue, let b = y.doubleValue else { return false }
            return abs(a - b) <= tolerance * max(1, abs(a), abs(b))
        case (.decimal(let a, let sa), .decimal(let b, let sb)):
            return compareScaled(a, sa, b, sb) == 0
        case (.int(let a), .decimal(let b, let sb)), (.decimal(let b, let sb), .int(let a)):
            return compareScaled(a, 0, b, sb) == 0
        default:
            return x == y
        }
    }
}
