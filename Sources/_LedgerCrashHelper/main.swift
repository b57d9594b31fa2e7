// Test-only child process for the ledger's SIGKILL tests (not API). Two modes:
//   _LedgerCrashHelper LEDGER.sqlite BATCH
//     appends batches of signed entries forever, printing the committed size after each
//     transaction, until the test kills it;
//   _LedgerCrashHelper LEDGER.sqlite --open-run KEYDIR
//     founds a consortium of two members whose keys it writes to KEYDIR (sequencer.key,
//     second.key), activates a version, starts a run, commits one input, prints
//     "run-started <run id hex>" and then waits, holding the ledger's writer lock, until the
//     test kills it: a coordinator that dies mid-run.
import ConsortiumLedger
import CryptoPrimitives
import Foundation

/// Writes the committed size, unbuffered, so the parent sees it before the kill.
func report(_ size: UInt64) {
    FileHandle.standardOutput.write(Data("size \(size)\n".utf8))
}

/// Leaves a run open on a new ledger and waits to be killed.
func openRunAndWait(ledgerPath: String, keyDirectory: String) throws -> Never {
    let sequencerKey = try MemberKeyFile.loadOrCreate(at: keyDirectory + "/sequencer.key").key
    let secondKey = try MemberKeyFile.loadOrCreate(at: keyDirectory + "/second.key").key
    let store = try SQLiteLedgerStore(path: ledgerPath)
    let genesis = Genesis(
        consortium: "crash-test", nonce: [UInt8](repeating: 0, count: 16),
        members: [
            Member(name: "sequencer", publicKey: sequencerKey.publicKey, roles: [.voting, .sequencer, .participant]),
            Member(name: "second", publicKey: secondKey.publicKey, roles: [.voting, .participant]),
        ],
        quorum: 1)
    let ledger = try Ledger.create(in: store, genesis: genesis, founder: "sequencer", key: sequencerKey)
    let version = LedgerHash.sha256(Array("crash-test contract".utf8))
    try ledger.append(.contractProposed(ContractProposal(versionID: version, name: "crash_test", source: Array("contract".utf8))), author: "sequencer", key: sequencerKey)
    try ledger.append(.contractApproved(versionID: version), author: "sequencer", key: sequencerKey)
    try ledger.append(.contractActivated(versionID: version), author: "sequencer", key: sequencerKey)
    let runID = LedgerHash.sha256(Array("crash-test run \(UUID().uuidString)".utf8))
    try ledger.append(
        .runStarted(RunStart(
            runID: runID, versionID: version, circuitHash: LedgerHash.sha256([1]), protocolName: "additive",
            participants: ["sequencer", "second"])),
        author: "sequencer", key: sequencerKey)
    try ledger.append(.inputCommitted(InputCommitment(runID: runID, commitment: LedgerHash.sha256([2]))), author: "sequencer", key: sequencerKey)
    FileHandle.standardOutput.write(Data("run-started \(runID.hex)\n".utf8))
    while true { sleep(60) }
}

let arguments = CommandLine.arguments
if arguments.count == 4, arguments[2] == "--open-run" {
    do {
        try openRunAndWait(ledgerPath: arguments[1], keyDirectory: arguments[3])
    } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        exit(1)
    }
}
guard arguments.count == 3, let batchSize = Int(arguments[2]), batchSize > 0 else {
    FileHandle.standardError.write(Data("usage: _LedgerCrashHelper LEDGER.sqlite BATCH | LEDGER.sqlite --open-run KEYDIR\n".utf8))
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
