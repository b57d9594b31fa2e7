import DataSources
import Foundation
import Runtime
import Testing

/// The members configuration is read strictly (protocols/runtime.md#members-configuration):
/// issue 13's hostile-input findings, each with its neighbours.
@Suite("Members configuration: strict reading")
struct StrictConfigurationTests {
    /// A valid configuration with `quorum` and `roundTimeoutSeconds` on lines of their own.
    static func text(quorum: String = "2", timeout: String = "5", extra: String = "", roles: String = #"["regulator"]"#) -> String {
        """
        {
          "consortium": "demo",
          "ledger": "ledger.sqlite",
          "quorum": \(quorum),
          "members": [
            {"name": "a", "key": "keys/a.key", "dataSources": "members/a.json"},
            {"name": "b", "key": "keys/b.key", "dataSources": "members/b.json",
             "roles": \(roles)},
            {"name": "c", "key": "keys/c.key"}
          ],
          "roundTimeoutSeconds": \(timeout)\(extra)
        }
        """
    }

    func parse(_ text: String) throws -> ConsortiumConfiguration {
        try ConsortiumConfiguration.parse(Array(text.utf8), file: "members.json", baseDirectory: "/base")
    }

    func failure(_ text: String) -> RuntimeError? {
        let error = #expect(throws: RuntimeError.self) { try parse(text) }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.cause is DataSourceError)
        return error
    }

    @Test func validConfigurationLoads() throws {
        let configuration = try parse(Self.text(timeout: "1.5"))
        #expect(configuration.quorum == 2)
        #expect(configuration.roundTimeout == .milliseconds(1500))
        #expect(configuration.members.map(\.keyPath) == ["/base/keys/a.key", "/base/keys/b.key", "/base/keys/c.key"])
        #expect(configuration.members[1].roles == ["regulator"])
        #expect(configuration.members[2].dataSourcesPath == nil)
    }

    @Test("roundTimeoutSeconds is range-checked before any conversion (1e17 used to trap)",
          arguments: [
            ("1e17", "found a number with an exponent"), ("100000000000000000", "found a number out of range"),
            ("86400.001", "found a number out of range"), ("0", "found a number out of range"), ("-1", "found a number out of range"),
            ("0.0005", "found more than 3 decimals"), ("true", "found a boolean"), ("null", "found null"), ("\"5\"", "found a string"),
            ("1E3", "found a number with an exponent"), ("9223372036854775807", "found a number out of range"),
          ])
    func roundTimeout(_ value: String, _ found: String) {
        let error = failure(Self.text(timeout: value))
        #expect(error?.message == "members.json:11:26 (roundTimeoutSeconds): must be a number of seconds from 0.001 to 86400, with at most 3 decimals and no exponent; \(found)")
    }

    @Test func localPlanTimeout() throws {
        #expect(try parse(Self.text()).localPlanTimeout == .seconds(600))
        #expect(try parse(Self.text(extra: ",\n  \"localPlanTimeoutSeconds\": 30")).localPlanTimeout == .seconds(30))
        let error = failure(Self.text(extra: ",\n  \"localPlanTimeoutSeconds\": 1e17"))
        #expect(error?.message.contains("(localPlanTimeoutSeconds): must be a number of seconds from 0.001 to 86400") == true, "\(error?.message ?? "")")
    }

    @Test func roundTimeoutBounds() throws {
        #expect(try parse(Self.text(timeout: "0.001")).roundTimeout == .milliseconds(1))
        #expect(try parse(Self.text(timeout: "86400")).roundTimeout == .seconds(86400))
        #expect(try parse(Self.text(timeout: "2.500")).roundTimeout == .milliseconds(2500))
    }

    @Test("quorum must be a JSON integer between 1 and the voting members (true used to found quorum 1)",
          arguments: [
            ("\"4\"", "a string"), ("1.5", "a number with a fraction"), ("1e30", "a number with an exponent"), ("null", "null"),
            ("true", "a boolean"), ("false", "a boolean"), ("2.0", "a number with a fraction"), ("4", "an integer out of range"),
            ("0", "an integer out of range"), ("-1", "an integer out of range"), ("[2]", "an array"), ("{}", "an object"),
          ])
    func quorum(_ value: String, _ found: String) {
        let error = failure(Self.text(quorum: value))
        #expect(error?.message == "members.json:4:13 (quorum): must be an integer from 1 to 3 (the number of voting members); found \(found)")
    }

    @Test func syntaxErrorsHaveLineAndColumn() {
        let trailing = failure(Self.text(extra: ","))
        #expect(trailing?.message == "members.json:12:1: a trailing comma is not allowed before '}'")
        let arrayComma = failure(Self.text(roles: #"["regulator",]"#))
        #expect(arrayComma?.message == "members.json:8:28: a trailing comma is not allowed before ']'")
        let duplicate = failure(Self.text(extra: #", "quorum": 3"#))
        #expect(duplicate?.message == "members.json:11:29: duplicate key 'quorum' (first at 4:3)")
        let syntax = failure(#"{"consortium": "x" "ledger": "l"}"#)
        #expect(syntax?.message == #"members.json:1:20: expected ',' or '}' after an object member, found '"'"#)
        let notObject = failure("[]")
        #expect(notObject?.message == "members.json:1:1: must be an object (the members configuration); found an array")
        let truncated = failure(String(Self.text().prefix(40)))
        #expect(truncated?.message.hasPrefix("members.json:3:") == true)
    }

    @Test func unknownKeysAreRefusedWithASuggestion() {
        let top = failure(Self.text(extra: #", "quorm": 2"#))
        #expect(top?.message == "members.json:11:29 (quorm): unknown key 'quorm' (did you mean 'quorum'? expected one of consortium, ledger, quorum, members, paillier, secagg, roundTimeoutSeconds, localPlanTimeoutSeconds, logID, insecureTestParameters)")
        let member = failure(Self.text(roles: #"["r"], "dataSource": "x""#))
        #expect(member?.message.hasPrefix("members.json:8:22 (members[1].dataSource): unknown key 'dataSource' (did you mean 'dataSources'?") == true)
        let far = failure(Self.text(roles: #"["r"], "colour": 1"#))
        #expect(far?.message == "members.json:8:22 (members[1].colour): unknown key 'colour' (expected one of name, key, dataSources, roles, ledgerRoles)")
    }

    @Test func memberFieldsAreTyped() {
        let roles = failure(Self.text(roles: #""regulator""#))
        #expect(roles?.message == "members.json:8:15 (members[1].roles): must be an array of non-empty strings; found a string")
        let roleType = failure(Self.text(roles: #"["regulator", 1]"#))
        #expect(roleType?.message.hasPrefix("members.json:8:29 (members[1].roles[1]): must be a non-empty string") == true)
        let repeated = failure(Self.text(roles: #"["r", "r"]"#))
        #expect(repeated?.message == "members.json:8:21 (members[1].roles[1]): repeats entry 0 of the array")
        let ledgerRole = failure(Self.text(roles: #"[], "ledgerRoles": ["votng"]"#))
        #expect(ledgerRole?.message == "members.json:8:35 (members[1].ledgerRoles[0]): must be a ledger role (voting, sequencer, participant); did you mean 'voting'?")
        let noVoters = failure(#"{"consortium": "x", "ledger": "l", "members": [{"name": "a", "key": "a.key", "ledgerRoles": []}]}"#)
        #expect(noVoters?.message == "members.json:1:47 (members): no member has the ledger role 'voting'; at least one must vote")
        let badName = failure(#"{"consortium": "x", "ledger": "l", "members": [{"name": "a b", "key": "a.key"}]}"#)
        #expect(badName?.message == "members.json:1:57 (members[0].name): must be 1–64 characters from A–Z a–z 0–9 . _ -")
        let twice = failure(#"{"consortium": "x", "ledger": "l", "members": [{"name": "a", "key": "a.key"}, {"name": "a", "key": "b.key"}]}"#)
        #expect(twice?.message == "members.json:1:88 (members[1].name): repeats the name of members[0]")
        let sameKey = failure(#"{"consortium": "x", "ledger": "l", "members": [{"name": "a", "key": "a.key"}, {"name": "b", "key": "./a.key"}]}"#.replacingOccurrences(of: "./a.key", with: "a.key"))
        #expect(sameKey?.message.contains("(members[1].key): names the same key file as members[0]") == true)
        let empty = failure(#"{"consortium": "", "ledger": "l", "members": [{"name": "a", "key": "a.key"}]}"#)
        #expect(empty?.message == "members.json:1:16 (consortium): must be a non-empty string without control characters; found an empty string")
        let missing = failure(#"{"consortium": "x", "members": [{"name": "a", "key": "a.key"}]}"#)
        #expect(missing?.message == "members.json:1:1 (ledger): the key 'ledger' is missing; it must be the ledger file's path")
        let nulPath = failure(#"{"consortium": "x", "ledger": "l\u0000", "members": [{"name": "a", "key": "a.key"}]}"#)
        #expect(nulPath?.message == "members.json:1:31 (ledger): must not contain control characters (found U+0000)")
        let emptyMembers = failure(#"{"consortium": "x", "ledger": "l", "members": []}"#)
        #expect(emptyMembers?.message == "members.json:1:47 (members): must list 1 to 1000 members; found 0")
    }

    @Test func protocolParametersAreRangeChecked() throws {
        func with(_ extra: String) -> String { Self.text(extra: ", " + extra) }
        // Production minimums (2 members with data): 2048 bits, thresholds a majority (2 of 2).
        let configured = try parse(with(#""paillier": {"keyBits": 2048, "threshold": 2}, "secagg": {"threshold": 2}"#))
        #expect(configured.paillierKeyBits == 2048)
        #expect(configured.paillierThreshold == 2)
        #expect(configured.secaggThreshold == 2)
        #expect(configured.parameters == .production)
        let bits = "(paillier.keyBits): must be an even number of bits from 2048 to 8192 (below 2048 only with insecureTestParameters)"
        let cases: [(String, String)] = [
            (#""paillier": {"keyBits": 2049}"#, "\(bits); found an odd integer"),
            (#""paillier": {"keyBits": 512}"#, "\(bits); found an integer out of range"),
            (#""paillier": {"keyBits": 1e17}"#, "\(bits); found a number with an exponent"),
            (#""paillier": {"keyBits": 16384}"#, "\(bits); found an integer out of range"),
            (#""paillier": {"keyBits": true}"#, "\(bits); found a boolean"),
            (#""paillier": {"threshold": 1}"#, "(paillier.threshold): must be an integer from 2 to 2 (a majority of the members with data sources, who hold the key); found an integer out of range"),
            (#""paillier": {"threshold": 3}"#, "(paillier.threshold): must be an integer from 2 to 2 (a majority of the members with data sources, who hold the key); found an integer out of range"),
            (#""paillier": {"treshold": 1}"#, "(paillier.treshold): unknown key 'treshold' (did you mean 'threshold'? expected one of keyBits, threshold)"),
            (#""paillier": 2048"#, "(paillier): must be an object with keyBits, threshold; found an integer"),
            (#""secagg": {"threshold": 1}"#, "(secagg.threshold): must be an integer from 2 to 2 (more than half of the members with data sources); found an integer out of range"),
            (#""secagg": {}"#, "(secagg.threshold): the key 'threshold' is missing; it must be an integer t ≥ 2"),
            (#""secagg": {"threshold": -1}"#, "(secagg.threshold): must be an integer from 2 to 2 (more than half of the members with data sources); found an integer out of range"),
        ]
        for (extra, message) in cases {
            let error = failure(with(extra))
            #expect(error?.message.hasPrefix("members.json:11:") == true, "\(extra)")
            #expect(error?.message.hasSuffix(message) == true, "\(extra): \(error?.message ?? "")")
        }
        // Small keys and a 1-of-2 threshold only under the explicit insecure flag.
        let insecure = try parse(with(#""insecureTestParameters": true, "paillier": {"keyBits": 512, "threshold": 1}"#))
        #expect(insecure.parameters == .insecureForTests && insecure.paillierKeyBits == 512 && insecure.paillierThreshold == 1)
    }

    @Test func fileErrorsNameTheFile() {
        let missing = #expect(throws: RuntimeError.self) { try ConsortiumConfiguration.load(contentsOf: "/nonexistent/members.json") }
        #expect(missing?.message == "/nonexistent/members.json: the configuration file does not exist")
        let directory = #expect(throws: RuntimeError.self) { try ConsortiumConfiguration.load(contentsOf: "/") }
        #expect(directory?.message == "/: the configuration file cannot be read")
    }

    @Test func demoConfigurationWritesExactSeconds() throws {
        let names = ["h1", "h2", "h3"]
        for (timeout, expected) in [(Duration.milliseconds(1500), Duration.milliseconds(1500)), (.seconds(5), .seconds(5)), (.milliseconds(1), .milliseconds(1))] {
            let text = DemoScenario.membersConfigurationText(names: names, quorum: 2, paillierKeyBits: 2048, roundTimeout: timeout)
            #expect(try parse(text).roundTimeout == expected)
        }
    }

    @Test("a missing keys/ folder is created; a folder whose parent is missing is named in the error")
    func keyFolder() async throws {
        let directory = TemporaryDirectory("config-folders")
        let path = directory.file("members.json")
        try #"{"consortium": "x", "ledger": "state/l.sqlite", "members": [{"name": "a", "key": "keys/a.key"}, {"name": "b", "key": "keys/b.key"}]}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let (_, founded) = try await ConsortiumConfiguration.load(contentsOf: path).open()
        #expect(founded)
        #expect(FileManager.default.fileExists(atPath: directory.file("keys/a.key")))
        #expect(FileManager.default.fileExists(atPath: directory.file("state/l.sqlite")))
        let mode = try FileManager.default.attributesOfItem(atPath: directory.file("keys"))[.posixPermissions] as? Int
        #expect(mode == 0o700)

        try #"{"consortium": "x", "ledger": "l.sqlite", "members": [{"name": "a", "key": "no/such/a.key"}]}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let deep = await #expect(throws: RuntimeError.self) { _ = try await ConsortiumConfiguration.load(contentsOf: path).open() }
        #expect(deep?.code == .invalidConfiguration)
        #expect(deep?.message == "member a: the key file \(directory.file("no/such/a.key")) cannot be created: its folder \(directory.file("no/such")) does not exist, nor does \(directory.file("no"))")

        try "".write(toFile: directory.file("plain"), atomically: true, encoding: .utf8)
        try #"{"consortium": "x", "ledger": "l.sqlite", "members": [{"name": "a", "key": "plain/a.key"}]}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let file = await #expect(throws: RuntimeError.self) { _ = try await ConsortiumConfiguration.load(contentsOf: path).open() }
        #expect(file?.message.hasSuffix("cannot be created: \(directory.file("plain")) is not a folder") == true)
    }
}
