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
        ]
    )

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
        } catch {
            let status = ExitStatus.of(error)
            FileHandle.standardError.write(Data("error: \(status == .internalError ? "internal error: " : "")\(error)\n".utf8))
            Foundation.exit(status.rawValue)
        }
    }
}
