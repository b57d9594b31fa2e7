#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one-writer lock of a ledger file: an exclusive advisory `flock` on a lock file beside it
/// (`LEDGER.lock`), held by a writable ``SQLiteLedgerStore`` for its whole life. A second writer
/// (another process, or another store in this process) waits up to a timeout, then fails with
/// `ledgerBusy` having opened nothing. The kernel releases the lock when its holder exits,
/// however it exits (SIGKILL included), so a lock is never left behind by a dead writer.
///
/// The lock file is separate from the SQLite file on purpose: SQLite's own POSIX locks on the
/// database file would be released by closing any other descriptor of that file. The lock file
/// is never deleted (deleting it would let two writers lock two different files).
/// Spec: protocols/ledger.md#one-writer.
final class LedgerWriterLock: Sendable {
    /// The lock file.
    let path: String
    private let descriptor: Int32

    /// Takes the lock, polling until `timeout` has passed.
    /// - Parameters:
    ///   - ledgerPath: The ledger file; the lock file is `ledgerPath + ".lock"`.
    ///   - timeout: How long to wait for another holder.
    /// - Throws: `ledgerBusy` after the timeout; `storageFailure` if the lock file cannot be opened.
    init(ledgerPath: String, timeout: Duration) throws {
        path = ledgerPath + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            throw LedgerError(.storageFailure, "cannot open the ledger's writer lock file \(path) (errno \(errno))")
        }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let failure = errno
            guard failure == EWOULDBLOCK || failure == EINTR else {
                close(fd)
                throw LedgerError(.storageFailure, "cannot lock the ledger's writer lock file \(path) (errno \(failure))")
            }
            guard clock.now < deadline else {
                close(fd)
                throw LedgerError(
                    .ledgerBusy,
                    "another writer holds the ledger \(ledgerPath) (lock file \(path)); gave up after \(timeout), nothing was written")
            }
            usleep(20_000)
        }
        descriptor = fd
    }

    deinit {
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
