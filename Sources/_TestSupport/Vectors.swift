package import Foundation

/// Known-answer vectors live once, under `protocols/<name>/vectors/v<k>/`, and tests load them
/// relative to their own source file (the swift-crypto Wycheproof loader pattern).
package enum Vectors {
    /// The repository root: the nearest ancestor of `file` that holds `Package.swift`.
    package static func repositoryRoot(file: StaticString = #filePath) -> URL {
        var url = URL(fileURLWithPath: "\(file)").deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url
            }
            url.deleteLastPathComponent()
        }
        fatalError("no Package.swift above \(file)")
    }

    /// Decodes the JSON file at `path` (relative to the repository root, e.g.
    /// `protocols/paillier/vectors/v1/encrypt.json`).
    package static func load<T: Decodable>(
        _ type: T.Type, from path: String, file: StaticString = #filePath
    ) throws -> T {
        let url = repositoryRoot(file: file).appendingPathComponent(path)
        let data = try Data(contentsOf: url)
        return try JSONDecoder().decode(T.self, from: data)
    }
}

/// The outcome a vector case expects (swift-crypto / Wycheproof convention).
package enum VectorResult: String, Codable, Sendable {
    case valid, invalid, acceptable
}

extension Array where Element == UInt8 {
    /// Bytes from a hexadecimal string (whitespace ignored); nil if malformed.
    package init?(hex: String) {
        let digits = hex.filter { !$0.isWhitespace }
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            guard let byte = UInt8(digits[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self = bytes
    }

    /// Lower-case hexadecimal.
    package var hex: String {
        let table = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(table[Int(byte >> 4)])
            out.append(table[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A deterministic generator (SplitMix64) for reproducible tests and benchmarks.
/// - Warning: not cryptographically secure; never use it for secrets outside tests.
package struct DeterministicRNG: RandomNumberGenerator, Sendable {
    private var state: UInt64

    package init(seed: UInt64) { state = seed }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Executables the test bundle depends on, built next to it.
package enum TestExecutables {
    /// The path of the executable product `name` beside the running test bundle.
    /// - Parameter name: The executable target's name.
    /// - Returns: Its URL (which may not exist if the target was not built).
    package static func url(named name: String) -> URL {
        let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let beside = bundle.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: beside.path) { return beside }
        return Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent(name)
    }
}
