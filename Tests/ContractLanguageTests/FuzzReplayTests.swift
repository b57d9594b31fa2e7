import Circuit
import CircuitCompiler
import ContractLanguage
import Foundation
import Testing
import _TestSupport

/// Replays Tests/Fuzz/FailCases/ContractParser/ and runs a small deterministic mutation fuzzer
/// in-process, so that CI checks "never traps, never hangs" without libFuzzer (spec §9.3).
struct FuzzReplayTests {
    /// What the libFuzzer harness does with one input (Tests/Fuzz/ContractParserFuzz).
    static func exercise(_ source: String) {
        let parsed = Parser.parse(source)
        #expect(parsed.diagnostics.count <= Parser.maximumDiagnostics)
        for diagnostic in parsed.diagnostics {
            #expect(diagnostic.line >= 1 && diagnostic.column >= 1)
            _ = diagnostic.rendered(source: source)
        }
        guard let contract = parsed.contract else { return }
        let printed = PrettyPrinter.format(contract)
        if parsed.succeeded {
            // Whatever parses prints to something that parses to the same tree.
            #expect(Parser.parse(printed).contract == contract, "\(printed)")
            if let checked = try? TypeChecker.check(contract), checked.groupCount <= 64 {
                let compiled = ContractCompiler.compile(checked)
                #expect((try? compiled.circuit.validate()) != nil)
            }
        }
    }

    static func failCases() throws -> [String] {
        let directory = Vectors.repositoryRoot().appendingPathComponent("Tests/Fuzz/FailCases/ContractParser")
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    @Test func replayFailCases() throws {
        let directory = Vectors.repositoryRoot().appendingPathComponent("Tests/Fuzz/FailCases/ContractParser")
        let files = try Self.failCases()
        #expect(!files.isEmpty)
        for file in files {
            let data = try Data(contentsOf: directory.appendingPathComponent(file))
            Self.exercise(String(decoding: data, as: UTF8.self))
        }
    }

    @Test func pathologicalInputsTerminate() {
        Self.exercise(String(repeating: "(", count: 200_000))
        Self.exercise(String(repeating: "§", count: 100_000))
        Self.exercise("contract x version 1 { input r(a: int) local { where " + String(repeating: "a > 1 and ", count: 5000) + "a > 1 } }")
        Self.exercise("contract x version 1 { input r(a: int) compute { n = " + String(repeating: "count() + ", count: 5000) + "1 } }")
        Self.exercise("contract x version 1 { input r(a: int) compute { n = " + String(repeating: "-", count: 5000) + "1 } }")
        Self.exercise(String(repeating: "}", count: 10_000))
        Self.exercise("contract x version 1 {" + String(repeating: " reveal", count: 10_000))
        Self.exercise("\"" + String(repeating: "\\q", count: 10_000))
    }

    /// Deterministic mutations (byte flips, deletions, duplications, splices) of the examples.
    @Test func mutatedExamplesNeverTrap() throws {
        var seeds: [[UInt8]] = []
        let root = Vectors.repositoryRoot().appendingPathComponent("examples/contracts")
        for name in try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() {
            let file = root.appendingPathComponent(name).appendingPathComponent("contract.cov")
            if let data = try? Data(contentsOf: file) { seeds.append(Array(data)) }
        }
        seeds.append(Array(GoldenTests.everyConstruct.utf8))
        var rng = DeterministicRNG(seed: 0xC0FFEE)
        let dictionary = ["(", ")", "{", "}", "[", "]", ",", "\"", "--", "-", ".", "and", "not", "by", "in", "to", "0", "1.5", "\n"]
        for _ in 0..<1500 {
            var bytes = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            for _ in 0..<Int.random(in: 1...6, using: &rng) where !bytes.isEmpty {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0...4, using: &rng) {
                case 0: bytes[at] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...20, using: &rng)))
                case 2: bytes.insert(contentsOf: Array(dictionary.randomElement(using: &rng)!.utf8), at: at)
                case 3:
                    let end = min(bytes.count, at + Int.random(in: 1...40, using: &rng))
                    bytes.insert(contentsOf: bytes[at..<end], at: Int.random(in: 0..<bytes.count, using: &rng))
                default: bytes = Array(bytes[..<at])
                }
            }
            Self.exercise(String(decoding: bytes, as: UTF8.self))
        }
    }
}
