import ConsortiumLedger
import DataSources
import Foundation
import Runtime
import Testing
import _TestSupport

/// Hostile-input suite for members configurations (and the demo's data-source configurations):
/// a few hundred deterministic mutations of valid configurations must each load cleanly or fail
/// with `invalid-configuration` at `members.json:line:column`; never crash, hang or quote a value.
@Suite("Members configuration mutations")
struct ConfigurationMutationTests {
    static let seeds = [
        DemoScenario.membersConfigurationText(
            names: ["st-marys", "northgate", "riverside", "hillcrest"], quorum: 3, paillierKeyBits: 2048, roundTimeout: .milliseconds(1500)),
        DemoScenario.membersConfigurationText(names: ["a", "b"], quorum: 2, paillierKeyBits: 512, roundTimeout: .seconds(5)),
        // protocols/runtime.md#members-configuration
        """
        {
          "consortium": "demo-hospitals",
          "ledger": "ledger.sqlite",
          "quorum": 2,
          "members": [
            {"name": "st-marys", "key": "keys/st-marys.key", "dataSources": "members/st-marys.json",
             "roles": ["regulator"], "ledgerRoles": ["voting", "participant", "sequencer"]},
            {"name": "northgate", "key": "keys/northgate.key", "dataSources": "members/northgate.json"}
          ],
          "paillier": {"keyBits": 2048, "threshold": 2},
          "secagg": {"threshold": 2},
          "roundTimeoutSeconds": 5
        }
        """,
        // the fixtures of ConfigurationTests
        #"{"consortium": "x", "ledger": "l.sqlite", "members": [{"name": "a", "key": "a.key"}, {"name": "b", "key": "b.key"}]}"#,
        #"{"consortium": "canary-consortium", "ledger": "canary.sqlite", "members": [{"name": "a", "key": "a.key", "roles": ["canary-role"]}]}"#,
    ]

    @Test(.timeLimit(.minutes(2)))
    func mutantsLoadOrFailAtAPosition() throws {
        var mutator = ConfigurationMutator(seeds: Self.seeds, seed: 13)
        var loaded = 0
        var rejected = 0
        for round in 0..<500 {
            let (bytes, what) = mutator.next()
            let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).count
            let start = ContinuousClock.now
            do {
                let configuration = try ConsortiumConfiguration.parse(bytes, file: "members.json", baseDirectory: "/base")
                let voting = configuration.members.filter { $0.ledgerRoles.contains(.voting) }.count
                #expect((1...voting).contains(configuration.quorum), "mutant \(round) (\(what))")
                #expect(configuration.roundTimeout > .zero && configuration.roundTimeout <= .seconds(86400))
                #expect((512...8192).contains(configuration.paillierKeyBits) && configuration.paillierKeyBits % 2 == 0)
                #expect(Set(configuration.members.map(\.name)).count == configuration.members.count)
                loaded += 1
            } catch let error as RuntimeError {
                rejected += 1
                #expect(error.code == .invalidConfiguration, "mutant \(round) (\(what)): \(error)")
                let match = error.message.prefixMatch(of: /members\.json:(\d+):(\d+)[: ]/)
                let position = try #require(match, "mutant \(round) (\(what)): \(error)")
                #expect(Int(position.1).map { (1...lines).contains($0) } == true, "mutant \(round) (\(what)): \(error)")
                #expect(Int(position.2).map { $0 >= 1 } == true, "mutant \(round) (\(what)): \(error)")
                #expect(!error.message.contains("canary"), "mutant \(round) (\(what)): \(error)")
            }
            #expect(ContinuousClock.now - start < .seconds(2), "mutant \(round) (\(what)) took too long")
        }
        #expect(loaded >= 5)
        #expect(rejected > 200)
    }

    @Test(.timeLimit(.minutes(2)))
    func demoDataSourceConfigurationMutants() throws {
        var mutator = ConfigurationMutator(
            seeds: ["st-marys", "northgate"].map { DemoScenario.dataSourceConfigurationText(member: $0) }, seed: 1313)
        for round in 0..<200 {
            let (bytes, what) = mutator.next()
            do {
                _ = try DataSourceConfiguration.parse(bytes, file: "members/st-marys.json", baseDirectory: "/base/members")
            } catch let error as DataSourceError {
                #expect(error.code == .invalidConfiguration, "mutant \(round) (\(what)): \(error)")
                #expect(error.location?.line != nil && error.location?.character != nil, "mutant \(round) (\(what)): \(error)")
                #expect(error.description.hasPrefix("members/st-marys.json:"), "mutant \(round) (\(what)): \(error)")
            }
        }
    }
}
