// Test-only child process for the SIGKILL crash test (not API): appends batches of signed
// entries to a SQLite ledger forever, printing the committed size after each transaction, until
// the test kills it with SIGKILL. Usage: _LedgerCrashHelper LEDGER.sqlite BATCH
import ConsortiumLedger
import CryptoPrimitives
import Foundation

/// Writes the committed size, unbuffered, so the parent sees it before the kill.
func report(_ size: UInt64) {
    FileHandle.standardOutput.write(Data("size \(size)\n".utf8))
}

let arguments = CommandLine.arguments
guard arguments.count == 3, let batchSize = Int(arguments[2]), batchSize > 0 else {
    FileHandle.standardError.write(Data("usage: _LedgerCrashHelper LEDGER.sqlite BATCH\n".utf8))
    exit(2)
}
do {
    // Deterministic test keys; the parent knows nothing but the file.
    let key = try Ed25519.PrivateKey(rawRepresentation: [UInt8](repeating: 0x42, count: 32))
    let store = try SQLiteLedgerStore(path: arguments[1])
    let ledger: Ledger
    if try store.entryCount() == 0 {
        let founder = Member(name: "sequencer", publicKey: key.publicKey, roles: [.voting, .sequencer, .participant])
        let genesis = Genesis(consortium: "crash-test", nonce: [UInt8](repeating: 0, count: 16), members: [founder], quorum: 1)
        ledger = try Ledger.create(in: store, genesis: genesis, founder: "sequencer", key: key)
    } else {
        ledger = try Ledger(store: store)
    }
    report(ledger.size)
    var counter = ledger.size
    while true {
        var batch: [Ledger.Submission] = []
        for _ in 0..<batchSize {
            counter += 1
            let id = LedgerHash.sha256(Array("version \(counter)".utf8))
            // A large source makes each transaction write many pages.
            let source = [UInt8](repeating: UInt8(truncatingIfNeeded: counter), count: 2048)
            batch.append(Ledger.Submission(
                .contractProposed(ContractProposal(versionID: id, name: "c\(counter)", source: source)),
                author: "sequencer", key: key))
        }
        try ledger.append(batch: batch)
        report(ledger.size)
    }
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
