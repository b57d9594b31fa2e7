import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The PostgreSQL cluster the tests run against (`scripts/test-postgres`).
///
/// `.ci/run` starts one before `swift test`, exports its directory as `COVENANT_TEST_POSTGRES`
/// and stops it afterwards; without that variable the first test that asks starts a cluster of
/// its own in a temporary directory and stops it when the test process exits. Tests that need
/// the server are skipped, with the reason printed, only when the PostgreSQL server binaries are
/// absent and `COVENANT_REQUIRE_POSTGRES` is not `1` (CI sets it: there, a missing server fails).
package enum TestPostgreSQL {
    /// A running cluster: superuser `user` with the password in `passwordFile`, listening on a
    /// Unix socket in `directory` and on 127.0.0.1 at `port` with TLS (`certificate`, self-signed
    /// for localhost and 127.0.0.1).
    package struct Cluster: Sendable {
        /// The socket directory (libpq's `host=`).
        package var directory: String
        /// The TCP port on 127.0.0.1 (it also names the socket file).
        package var port: Int
        /// The server's certificate (PEM), its own CA.
        package var certificate: String { directory + "/server.crt" }
        /// The superuser.
        package var user: String
        /// The file holding the superuser's password.
        package var passwordFile: String
        /// The maintenance database.
        package var database: String

        /// `postgresql://covenant@/postgres?host=DIR&port=5432`.
        package var url: String { "postgresql://\(user)@/\(database)?host=\(directory)&port=\(port)" }

        /// The superuser's password (for a child process's `PGPASSWORD`).
        package var password: String {
            ((try? String(contentsOfFile: passwordFile, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// Why the cluster is not there.
    package struct Unavailable: Error, CustomStringConvertible {
        /// The reason.
        package var description: String
    }

    /// Whether tests that need the server run: the binaries are there, CI requires them, or a
    /// cluster was handed in.
    package static var isEnabled: Bool {
        let environment = ProcessInfo.processInfo.environment
        if environment["COVENANT_TEST_POSTGRES"] != nil || environment["COVENANT_REQUIRE_POSTGRES"] == "1" { return true }
        if binariesFound { return true }
        if !reportedSkip.exchange() {
            FileHandle.standardError.write(Data("note: PostgreSQL server binaries (initdb, pg_ctl) not found: tests of PostgreSQL sources are skipped; install postgresql (scripts/install-system-packages) to run them\n".utf8))
        }
        return false
    }

    /// The cluster, started on first use.
    /// - Returns: the cluster.
    /// - Throws: `Unavailable` when it cannot be started.
    package static func cluster() throws -> Cluster {
        try shared.get()
    }

    private static let shared: Result<Cluster, Unavailable> = {
        let environment = ProcessInfo.processInfo.environment
        if let directory = environment["COVENANT_TEST_POSTGRES"] {
            return cluster(in: directory)
        }
        // A short path: a Unix socket address holds at most 107 bytes.
        let directory = "/tmp/covenant-pg-\(UUID().uuidString.prefix(8).lowercased())"
        let (status, output) = script(["start", directory])
        guard status == 0 else {
            return .failure(Unavailable(description: "scripts/test-postgres start failed (status \(status)): \(output)"))
        }
        ownedDirectory.set(directory)
        atexit { TestPostgreSQL.stopOwned() }
        return cluster(in: directory)
    }()

    /// The cluster `scripts/test-postgres start` left in `directory`.
    private static func cluster(in directory: String) -> Result<Cluster, Unavailable> {
        guard let text = try? String(contentsOfFile: directory + "/port", encoding: .utf8),
            let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            return .failure(Unavailable(description: "no PostgreSQL test cluster in \(directory) (no port file)"))
        }
        return .success(Cluster(directory: directory, port: port, user: "covenant", passwordFile: directory + "/password", database: "postgres"))
    }

    private static let binariesFound: Bool = script(["bindir"]).status == 0

    private static let reportedSkip = OnceFlag()
    private static let ownedDirectory = Box()

    /// Stops the cluster this process started (called at exit).
    static func stopOwned() {
        guard let directory = ownedDirectory.get() else { return }
        _ = script(["stop", directory])
    }

    /// Runs `scripts/test-postgres` with `posix_spawn` and `waitpid`, its output in a file: no
    /// pipe for the server to inherit, and no Foundation `Process`, whose exit monitoring can
    /// starve when the concurrency pool's threads wait on this very call.
    private static func script(_ arguments: [String]) -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("covenant-test-postgres-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let path = Vectors.repositoryRoot().appendingPathComponent("scripts/test-postgres").path
        let argv = ["/bin/bash", "-c", #"log="$1"; shift; exec /bin/bash "$@" >"$log" 2>&1 </dev/null"#, "covenant-test-postgres", log, path]
            + arguments
        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        cArguments.append(nil)
        defer { for argument in cArguments { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", nil, nil, cArguments, environ)
        guard spawned == 0 else { return (127, "posix_spawn failed: \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { return (127, "waitpid failed: \(errno)") }
        }
        let exited = status & 0x7F == 0
        let code = exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return (code, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    private final class OnceFlag: @unchecked Sendable {  // guarded by `lock`
        private let lock = NSLock()
        private var done = false
        func exchange() -> Bool {
            lock.lock()
            defer { lock.unlock() }
            let was = done
            done = true
            return was
        }
    }

    private final class Box: @unchecked Sendable {  // guarded by `lock`
        private let lock = NSLock()
        private var value: String?
        func set(_ newValue: String) {
            lock.lock()
            value = newValue
            lock.unlock()
        }
        func get() -> String? {
            lock.lock()
            defer { lock.unlock() }
            return value
        }
    }
}
