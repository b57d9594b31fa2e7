import ArgumentParser

/// The `covenant` command-line tool: argument parsing and printing only.
/// Each subcommand lives in its own file as `<Name>Command`.
@main
struct Covenant: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "covenant",
        abstract: "Private joint statistics for a consortium, with an auditable ledger.",
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
}
