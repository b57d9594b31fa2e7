import ArgumentParser
import CircuitCompiler
import ConsortiumLedger
import ContractLanguage
import DataSources
import Foundation
import Runtime

/// The exit statuses of every `covenant` command, defined once (README "Exit statuses"). A
/// command never ends by a signal: anything unexpected is reported and exits 70.
enum ExitStatus: Int32, CaseIterable {
    /// The command did what was asked; a check passed.
    case success = 0
    /// A check found a problem: `audit` or `ledger verify` FAILED (a damaged or tampered ledger
    /// file included), `ledger show` refused a ledger that fails verification, or a demo result
    /// differs from the plaintext oracle.
    case checkFailed = 1
    /// A file given to the command cannot be read or is invalid: a contract, a configuration, a
    /// member's data, or a ledger read by `ledger show`, `ledger prove-*` or `run`.
    case invalidInput = 2
    /// A run or a consortium change was refused before anything was recorded, or a run aborted
    /// (its `run-aborted` entry says why).
    case runNotPublished = 3
    /// The command line is wrong: an unknown option, a missing or out-of-range value.
    case usage = 64
    /// An unexpected internal error (a bug to report).
    case internalError = 70

    /// One line per status, for `--help` and the README.
    static var summary: String {
        allCases.map { status in
            let text: String
            switch status {
            case .success: text = "success (a check passed)"
            case .checkFailed: text = "a check failed: audit or ledger verify FAILED, ledger show found a ledger failing verification, or a demo result differs from the oracle"
            case .invalidInput: text = "an input file cannot be read or is invalid (contract, configuration, data, ledger)"
            case .runNotPublished: text = "a run or a consortium change was refused (nothing recorded), or a run aborted (run-aborted recorded)"
            case .usage: text = "usage error: unknown option, missing or out-of-range value"
            case .internalError: text = "internal error"
            }
            return "\(status.rawValue)  \(text)"
        }.joined(separator: "\n")
    }

    /// Prints `error: message` on standard error and returns the exit code to throw.
    /// - Parameters:
    ///   - status: The status.
    ///   - message: Public facts only (never a data value or a secret).
    /// - Returns: The `ExitCode` error.
    static func fail(_ status: ExitStatus, _ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode(status.rawValue)
    }

    /// Runs `body`, turning a ``RuntimeError`` into its status and message on standard error.
    /// - Parameter body: The command's work.
    /// - Returns: What `body` returns.
    static func reporting<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as RuntimeError {
            throw fail(of(error), "\(error)")
        }
    }

    /// The status of a failed audit of a ledger the command reads (`ledger show`): 2 when the file
    /// cannot be read as a ledger (missing, not SQLite, damaged storage, a newer schema), 1 when it
    /// reads but fails verification.
    static func of(_ failure: AuditReport.Failure) -> ExitStatus {
        let unreadable: Set<LedgerError.Code> = [.storageCorrupt, .storageFailure, .unsupportedSchema, .ledgerBusy]
        return LedgerError.Code(rawValue: failure.rule).map(unreadable.contains) == true ? .invalidInput : .checkFailed
    }

    /// The status of an error a library threw at the command.
    static func of(_ error: any Error) -> ExitStatus {
        switch error {
        case let error as RuntimeError:
            switch error.code {
            case .invalidContract, .invalidConfiguration, .fileFailure, .ledgerFailure: return .invalidInput
            default: return .runNotPublished
            }
        case is LedgerError, is DataSourceError, is CompilerError, is ContractLanguageError: return .invalidInput
        case is CocoaError: return .invalidInput
        default: return .internalError
        }
    }
}
