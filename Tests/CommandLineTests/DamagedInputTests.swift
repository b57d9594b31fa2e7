import Foundation
import Testing
import _TestSupport

/// Every command fed damaged files (issue: crashes, hangs and data values in errors): each ends
/// with a documented exit status (README "Exit statuses"), never by a signal, and no output
/// shows a data value.
@Suite("Damaged input to every command")
struct DamagedInputTests {
    typealias CLI = CommandLineTests

    /// The documented statuses a command may end with on bad input.
    static let documented: Set<Int32> = [1, 2, 3, 64]

    static func expectClean(_ outcome: CLI.Outcome, _ what: String) {
        #expect(!outcome.signalled, "\(what) ended by a signal: \(outcome.err.suffix(400))")
        #expect(documented.contains(outcome.status), "\(what) exited \(outcome.status): \(outcome.err.suffix(400))")
        #expect(!outcome.err.isEmpty, "\(what) gave no message")
        #expect(outcome.err.utf8.count < 20_000, "\(what) printed \(outcome.err.utf8.count) bytes of errors")
    }

    @Test("damaged ledgers, contracts, configurations and databases: a message and a documented exit, never a signal")
    func damagedFiles() throws {
        let directory = CLI.temporaryDirectory("damaged")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let demo = try CLI.covenant(["demo", "--dir", directory, "--members", "3", "--rows", "200", "--protocol", "additive"])
        #expect(demo.status == 0, "\(demo.err)")
        let ledger = directory + "/ledger.sqlite", contract = directory + "/hospital_activity.cov"
        let members = directory + "/members.json"
        let ledgerBytes = try Data(contentsOf: URL(fileURLWithPath: ledger))
        let contractBytes = try Data(contentsOf: URL(fileURLWithPath: contract))
        let membersBytes = try Data(contentsOf: URL(fileURLWithPath: members))

        // Damaged copies of the ledger: cut at several lengths, garbage, empty, a folder.
        var ledgers: [String] = []
        for (index, length) in [0, 100, 4096, ledgerBytes.count / 2, ledgerBytes.count - 2048].enumerated() {
            let path = directory + "/cut\(index).sqlite"
            try ledgerBytes.prefix(max(0, length)).write(to: URL(fileURLWithPath: path))
            ledgers.append(path)
        }
        let garbage = directory + "/garbage.sqlite"
        try Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }).write(to: URL(fileURLWithPath: garbage))
        let folder = directory + "/folder.sqlite"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        ledgers += [garbage, folder, directory + "/missing.sqlite"]
        for path in ledgers {
            for arguments in [
                ["audit", path], ["audit", path, "--json"], ["ledger", "show", path], ["ledger", "verify", path],
                ["ledger", "prove-inclusion", path, "--index", "0"], ["ledger", "prove-consistency", path, "--from", "1"],
            ] {
                Self.expectClean(try CLI.covenant(arguments), arguments.joined(separator: " "))
            }
        }

        // Damaged contracts.
        let contracts: [(String, Data)] = [
            ("half", contractBytes.prefix(contractBytes.count / 2)), ("empty", Data()),
            ("binary", Data((0..<300).map { UInt8(truncatingIfNeeded: $0 &* 37) })),
            ("invalid-utf8", contractBytes.prefix(200) + Data([0xFF, 0xFE]) + contractBytes.dropFirst(200)),
        ]
        for (name, bytes) in contracts {
            let path = directory + "/\(name).cov"
            try bytes.write(to: URL(fileURLWithPath: path))
            for arguments in [
                ["contract", "check", path], ["contract", "compile", path, "--emit", "plan", "--json"],
                ["contract", "compile", path, "--emit", "ast", "--json"], ["contract", "id", path],
                ["run", path, "--members-config", members],
            ] {
                Self.expectClean(try CLI.covenant(arguments), arguments.joined(separator: " "))
            }
        }

        // Damaged members configurations, and a member database cut short.
        let configurations: [(String, Data)] = [
            ("half", membersBytes.prefix(membersBytes.count / 2)), ("empty", Data()),
            ("quorum-bool", Data(String(decoding: membersBytes, as: UTF8.self).replacing(#/"quorum": [0-9]+/#, with: "\"quorum\": true").utf8)),
            ("timeout-huge", Data(String(decoding: membersBytes, as: UTF8.self).replacing(#/"roundTimeoutSeconds": [0-9.]+/#, with: "\"roundTimeoutSeconds\": 1e17").utf8)),
        ]
        for (name, bytes) in configurations {
            #expect(bytes != membersBytes, "\(name) must differ from the valid configuration")
            let path = directory + "/members-\(name).json"
            try bytes.write(to: URL(fileURLWithPath: path))
            let outcome = try CLI.covenant(["run", contract, "--members-config", path])
            Self.expectClean(outcome, "run with the \(name) configuration")
            #expect(outcome.status == 2, "\(name): \(outcome.err)")
        }
        let database = directory + "/data/northgate.sqlite"
        let databaseBytes = try Data(contentsOf: URL(fileURLWithPath: database))
        try databaseBytes.prefix(databaseBytes.count / 3).write(to: URL(fileURLWithPath: database))
        let run = try CLI.covenant(["run", contract, "--members-config", members, "--json"])
        Self.expectClean(run, "run over a damaged member database")
        #expect(run.status == 3, "\(run.err)")
        // The aborted run is on the ledger, and the ledger still audits.
        let audit = try CLI.covenant(["audit", ledger])
        #expect(audit.status == 0, "\(audit.err)")
        #expect(audit.out.contains("aborted"), "\(audit.out)")
    }

    @Test("usage errors: an unknown option, a negative or out-of-range number, a missing argument all exit 64")
    func usage() throws {
        let unknown = try CLI.covenant(["audit", "--bogus"])
        #expect(unknown.status == 64 && unknown.err.contains("Unknown option '--bogus'"), "\(unknown.err)")
        let negative = try CLI.covenant(["demo", "--members", "-3"])
        #expect(negative.status == 64 && negative.err.contains("--members must be 2–100, got -3"), "\(negative.err)")
        let range = try CLI.covenant(["bench", "crypto", "--seconds", "0"])
        #expect(range.status == 64, "\(range.err)")
        let missing = try CLI.covenant(["ledger", "show"])
        #expect(missing.status == 64, "\(missing.err)")
        let weak = try CLI.covenant(["demo", "--key-bits", "1024"])
        #expect(weak.status == 64 && weak.err.contains("--insecure-test-parameters"), "\(weak.err)")
        let help = try CLI.covenant(["--help"])
        #expect(help.status == 0 && help.out.contains("Exit statuses"), "\(help.out)")
    }

    @Test("errors never show data: planted values appear in no output of evaluate or run")
    func plantedValues() throws {
        let directory = CLI.temporaryDirectory("planted")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let contract = directory + "/c.cov"
        try """
            contract planted version 1 {
              input t(ward: text, stay: int, cost: decimal(2))
              compute { n = count() total = sum(cost) days = sum(stay) }
              reveal n, total, days to all
            }
            """.write(toFile: contract, atomically: true, encoding: .utf8)
        let planted = ["41594.01x", "7731.5", "SECRET-WARD-9921", "-88123.777"]
        let a = directory + "/a.csv", b = directory + "/b.csv"
        try "ward,stay,cost\nSECRET-WARD-9921,\(planted[1]),\(planted[0])\n".write(toFile: a, atomically: true, encoding: .utf8)
        try "ward,stay,cost\nicu,3,\(planted[3])\n".write(toFile: b, atomically: true, encoding: .utf8)
        for (name, path) in [("a", a), ("b", b)] {
            try #"{"member": "\#(name)", "sources": {"t": {"kind": "csv", "path": "\#(path)"}}}"#
                .write(toFile: directory + "/\(name).json", atomically: true, encoding: .utf8)
        }
        try """
            {"consortium": "planted", "ledger": "ledger.sqlite", "quorum": 1,
             "members": [{"name": "a", "key": "keys/a.key", "dataSources": "a.json"},
                         {"name": "b", "key": "keys/b.key", "dataSources": "b.json"}]}
            """.write(toFile: directory + "/members.json", atomically: true, encoding: .utf8)
        let outcomes = [
            try CLI.covenant(["contract", "evaluate", contract, a, b]),
            try CLI.covenant(["contract", "evaluate", contract, a, b, "--circuit"]),
            try CLI.covenant(["run", contract, "--members-config", directory + "/members.json", "--approve"]),
            try CLI.covenant(["run", contract, "--members-config", directory + "/members.json", "--approve", "--json"]),
        ]
        for outcome in outcomes {
            Self.expectClean(outcome, "a command over planted data")
            for value in planted {
                #expect(!outcome.out.contains(value) && !outcome.err.contains(value), "\(value) leaked: \(outcome.out)\(outcome.err)")
            }
        }
        // The error still says where: the file, the line and the column.
        #expect(outcomes[0].err.contains("line 2") && outcomes[0].err.contains("column 'stay'"), "\(outcomes[0].err)")
    }
}
