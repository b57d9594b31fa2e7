import ArgumentParser
import Circuit
import CircuitCompiler
import ContractLanguage
import Foundation
import Runtime

/// `covenant contract …`: check, compile, identify and evaluate contracts
/// (spec: protocols/contract-language.md §11). Argument parsing and printing only.
struct ContractCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contract",
        abstract: "Check, compile and identify contracts.",
        subcommands: [Check.self, Compile.self, Identify.self, Evaluate.self, Propose.self, Approve.self, List.self])

    /// Reads a contract file, or prints why not.
    static func read(_ path: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ExitStatus.fail(.invalidInput, "cannot read \(path): \(error.localizedDescription)")
        }
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Compiles, or prints the rendered diagnostics and exits 2 (an invalid input).
    static func compile(_ path: String) throws -> CompiledContract {
        let source = try read(path)
        do {
            let compiled = try ContractCompiler.compile(source: source)
            for warning in compiled.contract.warnings {
                printError(warning.rendered(source: source, fileName: path) + "\n")
            }
            return compiled
        } catch {
            if case .invalidContract(let diagnostics) = error {
                for diagnostic in diagnostics { printError(diagnostic.rendered(source: source, fileName: path) + "\n") }
                printError("\(diagnostics.count) error\(diagnostics.count == 1 ? "" : "s") in \(path)")
            } else {
                printError("error: \(error)")
            }
            throw ExitCode(ExitStatus.invalidInput.rawValue)
        }
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Parse and type-check a contract and say which protocols can run it: exit 0, or print diagnostics and exit 2.")

        @Argument(help: "The contract file (.cov).")
        var file: String

        func run() async throws {
            let compiled = try ContractCommand.compile(file)
            let (protocols, reasons) = Consortium.runnableProtocols(compiled)
            print("ok: \(compiled.contract.syntax.name.text) version \(compiled.contract.syntax.version)")
            if protocols.isEmpty {
                printError("warning: no implemented protocol can run this contract: \(reasons.joined(separator: "; "))")
                print("runs under: none of the implemented protocols (additive, secagg, paillier)")
            } else {
                print("runs under: \(protocols.map(\.rawValue).joined(separator: ", "))")
            }
        }
    }

    enum Emit: String, ExpressibleByArgument, CaseIterable {
        case ast, plan, circuit, canonical
    }

    struct Compile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compile a contract and print its syntax tree, local plan or joint circuit.")

        @Argument(help: "The contract file (.cov).")
        var file: String

        @Option(help: "What to print: ast, plan, circuit or canonical (the hashed text).")
        var emit: Emit = .plan

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() async throws {
            let compiled = try ContractCommand.compile(file)
            switch (emit, json) {
            case (.ast, false), (.canonical, false):
                print(compiled.canonicalText, terminator: "")
            case (.canonical, true):
                print(try ContractCommand.json(["id": compiled.contractIDHex, "canonical": compiled.canonicalText]))
            case (.ast, true):
                print(try ContractCommand.json(compiled.contract.syntax))
            case (.plan, false):
                print("contract \(compiled.contract.syntax.name.text) version \(compiled.contract.syntax.version)")
                print("id \(compiled.contractIDHex)")
                print("protocol \(compiled.protocolFamily.rawValue) (contract says \(compiled.contract.protocolChoice.rawValue); circuit needs \(compiled.circuit.requiredCapabilities.sorted().map(\.rawValue).joined(separator: ", ")); on secrets: \(compiled.jointCapabilities.sorted().map(\.rawValue).joined(separator: ", ")))")
                if let k = compiled.contract.minimumParticipants { print("require participants >= \(k)") }
                for s in compiled.contract.suppression { print("suppress groups where \(s.output) < \(s.minimum)") }
                if let privacy = compiled.contract.privacy {
                    print("privacy \(privacy.mechanism.rawValue) epsilon \(privacy.epsilon) (reserved: not applied)")
                }
                for (output, recipients) in compiled.contract.reveals {
                    print("reveal \(output) to \(recipients.map(\.description).joined(separator: ", "))")
                }
                for name in compiled.disclosedSumNames { print("disclose to all: \(name)") }
                print(compiled.localPlan.listing, terminator: "")
            case (.plan, true):
                print(try ContractCommand.json(PlanSummary(compiled)))
            case (.circuit, false):
                print(compiled.circuit.listing, terminator: "")
            case (.circuit, true):
                print(try ContractCommand.json(compiled.circuit))
            }
        }
    }

    /// The JSON form of `--emit plan`.
    struct PlanSummary: Encodable {
        var contract: String
        var version: Int64
        var id: String
        var planHash: String
        var protocolChoice: String
        var protocolFamily: String
        var capabilities: [String]
        var jointCapabilities: [String]
        var disclosedSums: [String]
        var minimumParticipants: Int64?
        var suppression: [String: Int64]
        var reveals: [String: [String]]
        var inputColumns: [String: String]
        var localStatements: [String]
        var groupKeys: [String: [String]]
        var groupCount: Int
        var partials: [String]
        var vectorWidth: Int

        init(_ c: CompiledContract) {
            contract = c.contract.syntax.name.text
            version = c.contract.syntax.version
            id = c.contractIDHex
            planHash = c.planHash.map { String(format: "%02x", $0) }.joined()
            protocolChoice = c.contract.protocolChoice.rawValue
            protocolFamily = c.protocolFamily.rawValue
            capabilities = c.circuit.requiredCapabilities.sorted().map(\.rawValue)
            jointCapabilities = c.jointCapabilities.sorted().map(\.rawValue)
            disclosedSums = c.disclosedSumNames
            minimumParticipants = c.contract.minimumParticipants
            suppression = Dictionary(c.contract.suppression.map { ($0.output, $0.minimum) }, uniquingKeysWith: max)
            reveals = Dictionary(
                c.contract.reveals.map { ($0.output, $0.recipients.map(\.description)) }, uniquingKeysWith: +)
            inputColumns = Dictionary(
                c.contract.input.columns.map { ($0.name.text, $0.type.description) }, uniquingKeysWith: { a, _ in a })
            localStatements = c.contract.syntax.local.map(PrettyPrinter.format)
            groupKeys = Dictionary(
                c.contract.groupKeys.map { ($0.column, $0.domain.map(\.description)) }, uniquingKeysWith: +)
            groupCount = c.localPlan.groupCount
            partials = c.localPlan.partials.map(\.description)
            vectorWidth = c.localPlan.width
        }
    }

    struct Identify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "id",
            abstract: "Print the contract version id: SHA-256 of the canonical encoding (hex).")

        @Argument(help: "The contract file (.cov).")
        var file: String

        func run() async throws {
            print(try ContractCommand.compile(file).contractIDHex)
        }
    }

    struct Evaluate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the plaintext oracle over members' CSV files and print the result as JSON.")

        @Argument(help: "The contract file (.cov).")
        var file: String

        @Argument(help: "One CSV file per member.")
        var members: [String] = []

        @Flag(help: "Evaluate through the local plan and the circuit instead of the oracle.")
        var circuit = false

        func run() async throws {
            let compiled = try ContractCommand.compile(file)
            var data: [[[Value]]] = []
            for path in members {
                do {
                    data.append(try CSVTable.rows(ContractCommand.read(path), input: compiled.contract.input))
                } catch let error as CompilerError {
                    throw ExitStatus.fail(.invalidInput, "\(path): \(error)")
                }
            }
            do {
                let result =
                    circuit
                    ? try compiled.evaluateInTheClear(members: data)
                    : try Oracle.evaluate(compiled.contract, members: data)
                print(result.json, terminator: "")
            } catch {
                throw ExitStatus.fail(ExitStatus.of(error), "\(error)")
            }
        }
    }
}

extension ContractCommand {
    /// `covenant contract propose FILE --operator DIR`: the node's member proposes a version (protocols/node.md#admin-channel).
    struct Propose: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Have your member's node propose a contract version on the ledger.")
        @Argument(help: "The contract file.")
        var contract: String
        @Option(name: .customLong("operator"), help: "The operator directory (covenant operator init).")
        var operatorDirectory: String

        func run() async throws {
            guard let source = try? String(contentsOfFile: contract, encoding: .utf8) else {
                throw ExitStatus.fail(.invalidInput, "cannot read the contract file \(contract)")
            }
            let answer = try await Operator.send(operatorDirectory, ["command": "propose", "source": source])
            print("proposed version \(answer["version"] ?? "")" + (answer["already"] as? Bool == true ? " (already on the ledger)" : ""))
        }
    }

    /// `covenant contract approve VERSION --operator DIR`.
    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Have your member's node approve a proposed version (it activates at quorum).")
        @Argument(help: "The version id (covenant contract list), or the contract's name when it has one proposed version.")
        var version: String
        @Option(name: .customLong("operator"), help: "The operator directory (covenant operator init).")
        var operatorDirectory: String

        func run() async throws {
            let answer = try await Operator.send(operatorDirectory, ["command": "approve", "version": version])
            print("version \(answer["version"] ?? ""): \(answer["status"] ?? "")")
        }
    }

    /// `covenant contract list --operator DIR [--json]`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the contract versions on your member's ledger replica.")
        @Option(name: .customLong("operator"), help: "The operator directory (covenant operator init).")
        var operatorDirectory: String
        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let answer = try await Operator.send(operatorDirectory, ["command": "list"])
            if json { return print(Operator.text(answer)) }
            for version in answer["contracts"] as? [[String: Any]] ?? [] {
                let approvals = (version["approvals"] as? [String] ?? []).map(printable).joined(separator: ", ")
                print("\(printable(version["name"] as? String ?? "?")) \(version["version"] ?? "") \(version["status"] ?? "") (approved by \(approvals.isEmpty ? "nobody" : approvals))")
            }
        }
    }
}
