import ArgumentParser

/// `covenant contract …` (owned by the contract-language work; being written).
struct ContractCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contract",
        abstract: "Check, compile and identify contracts.")
}
