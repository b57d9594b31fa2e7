import ArgumentParser
import Foundation

/// The `covenant` command-line tool: argument parsing and printing only.
/// Each subcommand lives in its own file as `<Name>Command`; exit statuses are ``ExitStatus``.
@main
struct Covenant: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "covenant",
        abstract: "Private joint statistics for a consortium, with an auditable ledger.",
        discussion: "Exit statuses (every command):\n" + ExitStatus.summary,
        version: "0.1.0",
        subcommands: [
            BenchCommand.self,
            ContractCommand.self,
            LedgerCommand.self,
            AuditCommand.self,
            DemoCommand.self,
            RunCommand.self,
            MemberCommand.self,
            ConsortiumCommand.self,
            CeremonyCommand.self,
            NodeCommand.self,
            OperatorCommand.self,
        ]
    )

    /// The first `--option` that the addressed subcommand does not define, if any.
    static func unknownOption(in arguments: ArraySlice<String>) -> (option: String, command: String)? {
        var command: any ParsableCommand.Type = Covenant.self
        var path: [String] = []
        var remaining = arguments
        while let next = remaining.first,
            let sub = command.configuration.subcommands.first(where: { $0._commandName == next })
        {
            command = sub
            path.append(next)
            remaining = remaining.dropFirst()
        }
        let help = command.helpMessage(columns: 1000)
        for argument in remaining where argument.hasPrefix("--") && argument.count > 2 {
            let option = String(argument.split(separator: "=", maxSplits: 1)[0])
            let known = help.contains(option + " ") || help.contains(option + "\n") || help.contains(option + ",")
            if !known { return (option, path.joined(separator: " ")) }
        }
        return nil
    }

    /// Parses, runs, and maps every error to one ``ExitStatus``: usage errors exit 64, a
    /// library's error its status, anything else 70 — never an uncaught error.
    static func main() async {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            // Help and version exit 0; every parse or validation error is a usage error.
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            if let unknown = unknownOption(in: CommandLine.arguments.dropFirst()) {
                // Named first: "missing argument" would hide the real mistake.
                FileHandle.standardError.write(Data("Error: Unknown option '\(unknown.option)' for 'covenant \(unknown.command)'\n".utf8))
                FileHandle.standardError.write(Data("(see 'covenant \(unknown.command) --help')\n".utf8))
                Foundation.exit(ExitStatus.usage.rawValue)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            FileHandle.standardError.write(Data("(see 'covenant help' for usage)\n".utf8))
            Foundation.exit(ExitStatus.usage.rawValue)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ExitCode {
            Foundation.exit(error.rawValue)
        } catch let error as CleanExit {
            exit(withError: error)
        } catch let error as ValidationError {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            Foundation.exit(ExitStatus.usage.rawValue)
        } catch where exitCode(for: error) == .success {
            exit(withError: error)  // help requested of a command without its own run
        } catch {
            let status = ExitStatus.of(error)
            FileHandle.standardError.write(Data("error: \(status == .internalError ? "internal error: " : "")\(error)\n".utf8))
            Foundation.exit(status.rawValue)
        }
    }
}
