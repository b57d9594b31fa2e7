import Foundation
import Testing
import _TestSupport

/// `covenant demo --postgres URL` against the test cluster: the members' tables go into the
/// server, every member runs its local plan there, and the result equals the oracle over the
/// same rows; `covenant run` then runs over the members configuration the demo left.
@Suite("Command line: demo on PostgreSQL", .enabled(if: TestPostgreSQL.isEnabled, "PostgreSQL server binaries (initdb, pg_ctl) not found"))
struct PostgreSQLDemoTests {
    @Test func demoOnPostgreSQL() throws {
        let cluster = try TestPostgreSQL.cluster()
        let directory = CommandLineTests.temporaryDirectory("demo-postgres")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let environment = ["PGPASSWORD": cluster.password]
        let demo = try CommandLineTests.covenant(
            ["demo", "--postgres", cluster.url, "--dir", directory, "--members", "3", "--rows", "300", "--protocol", "additive", "--json"],
            environment: environment)
        #expect(demo.status == 0 && !demo.signalled, "\(demo.err)")
        #expect(demo.err.contains("copying them into \(cluster.url)"), "\(demo.err)")
        #expect(!demo.out.contains(cluster.password) && !demo.err.contains(cluster.password))
        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(demo.out.utf8)) as? [String: Any])
        let runs = try #require(outcome["runs"] as? [[String: Any]])
        #expect(runs.count == 1)
        #expect(runs.first?["matchesOracle"] as? Bool == true, "\(runs)")
        #expect((outcome["audit"] as? [String: Any])?["passed"] as? Bool == true)
        // The members read PostgreSQL (the configuration names the server and the variable, not the password).
        let member = try String(contentsOfFile: directory + "/members/st-marys.json", encoding: .utf8)
        #expect(member.contains(#""kind": "postgresql""#) && member.contains(#""passwordEnv": "PGPASSWORD""#), "\(member)")
        #expect(!member.contains(cluster.password))
        // `covenant run` over the same configuration reads the same tables.
        let run = try CommandLineTests.covenant(
            ["run", directory + "/hospital_activity.cov", "--members-config", directory + "/members.json", "--json"],
            environment: environment)
        #expect(run.status == 0, "\(run.err)")
        // Without the password the members cannot connect: a precise refusal, no crash.
        let refused = try CommandLineTests.covenant(
            ["run", directory + "/hospital_activity.cov", "--members-config", directory + "/members.json"],
            environment: ["PGPASSWORD": "not-the-password"])
        #expect(refused.status == 3 && !refused.signalled, "\(refused.status) \(refused.err)")
        #expect((refused.out + refused.err).contains("the server refused the password of user 'covenant'"), "\(refused.out) \(refused.err)")
        #expect(!refused.err.contains("not-the-password") && !refused.out.contains("not-the-password"))
    }

    @Test func passwordInTheURLIsRefused() throws {
        let directory = CommandLineTests.temporaryDirectory("demo-postgres-url")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let demo = try CommandLineTests.covenant(
            ["demo", "--postgres", "postgresql://covenant:hunter2-secret@127.0.0.1:1/postgres", "--dir", directory, "--members", "2", "--rows", "10"])
        #expect(demo.status != 0 && !demo.signalled)
        #expect(demo.err.contains("must not contain a password"), "\(demo.err)")
        #expect(!demo.err.contains("hunter2") && !demo.out.contains("hunter2"))
    }
}
