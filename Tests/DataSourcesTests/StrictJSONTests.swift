import DataSources
import Testing

/// The strict configuration reader (RFC 8259 exactly) and its typed accessors
/// (protocols/data-sources.md#configuration-json).
@Suite("Strict JSON reader and configuration accessors")
struct StrictJSONTests {
    func read(_ text: String) throws -> StrictJSON.Value {
        try StrictJSON.read(Array(text.utf8), file: "c.json")
    }

    func failure(_ text: String) -> DataSourceError? {
        #expect(throws: DataSourceError.self) { try read(text) }
    }

    @Test func readsEveryKindWithPositions() throws {
        let value = try read("{\n  \"a\": [1, -2.50, 3e+7, true, false, null],\n  \"é\": \"x\\u00e9\\ud83d\\ude00\\n\"\n}")
        guard case .object(let members) = value.kind else { Issue.record("not an object"); return }
        #expect(value.position == .init(line: 1, column: 1))
        #expect(members.map(\.key) == ["a", "é"])
        #expect(members[0].keyPosition == .init(line: 2, column: 3))
        #expect(members[1].keyPosition == .init(line: 3, column: 3))
        #expect(members[1].value.position == .init(line: 3, column: 8))  // columns count scalars, not bytes
        guard case .array(let elements) = members[0].value.kind else { Issue.record("not an array"); return }
        #expect(elements.map(\.kindDescription) == [
            "an integer", "a number with a fraction", "a number with an exponent", "a boolean", "a boolean", "null",
        ])
        if case .number(let text) = elements[1].kind { #expect(text == "-2.50") } else { Issue.record("number") }
        #expect(elements[2].position == .init(line: 2, column: 19))
        if case .string(let text) = members[1].value.kind { #expect(text == "xé😀\n") } else { Issue.record("string") }
        // A leading byte order mark is skipped; positions stay those of the text.
        let bom = try StrictJSON.read([0xEF, 0xBB, 0xBF] + Array("{}".utf8), file: "c.json")
        #expect(bom.position == .init(line: 1, column: 1))
    }

    struct SyntaxCase: Sendable, CustomStringConvertible {
        let desc: String
        let text: String
        let line: Int
        let column: Int
        let message: String
        var description: String { desc }
    }

    static let syntaxCases: [SyntaxCase] = [
        .init(desc: "trailing-comma-object", text: "{\"a\": 1,}", line: 1, column: 9, message: "a trailing comma is not allowed before '}'"),
        .init(desc: "trailing-comma-array", text: "[1, 2, ]", line: 1, column: 8, message: "a trailing comma is not allowed before ']'"),
        .init(desc: "missing-comma", text: "{\"a\": 1\n \"b\": 2}", line: 2, column: 2,
              message: "expected ',' or '}' after an object member, found '\"'"),
        .init(desc: "duplicate-key", text: "{\"quorum\": 1,\n \"quorum\": 2}", line: 2, column: 2, message: "duplicate key 'quorum' (first at 1:2)"),
        .init(desc: "line-comment", text: "{\n// note\n}", line: 2, column: 1, message: "comments are not allowed in JSON"),
        .init(desc: "block-comment-value", text: "[/* x */ 1]", line: 1, column: 2, message: "comments are not allowed in JSON"),
        .init(desc: "nan", text: "[NaN]", line: 1, column: 2,
              message: "expected a value, found 'N' (JSON numbers have no NaN, Infinity, leading '+' or leading '.')"),
        .init(desc: "leading-zero", text: "[01]", line: 1, column: 2, message: "a number may not have a leading zero"),
        .init(desc: "bare-fraction", text: "[1.]", line: 1, column: 4, message: "expected a digit after '.' in the number, found ']'"),
        .init(desc: "bad-exponent", text: "[1e]", line: 1, column: 4, message: "expected a digit in the number's exponent, found ']'"),
        .init(desc: "hex-number", text: "[0x10]", line: 1, column: 3, message: "expected ',', '}' or ']' after the number, found 'x'"),
        .init(desc: "single-quotes", text: "{'a': 1}", line: 1, column: 2, message: "expected a key in double quotes, found '''"),
        .init(desc: "unclosed-string", text: "{\"a\": \"b", line: 1, column: 9,
              message: "the string that starts at 1:7 is not closed (expected '\"')"),
        .init(desc: "raw-newline-in-string", text: "[\"a\nb\"]", line: 1, column: 4,
              message: "a string may not contain a line break or tab unescaped (write it as an escape, e.g. \\n)"),
        .init(desc: "bad-escape", text: "[\"\\x\"]", line: 1, column: 3, message: "unknown escape (JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)"),
        .init(desc: "lone-high-surrogate", text: "[\"\\ud800\"]", line: 1, column: 3,
              message: "a high surrogate escape must be followed by a low surrogate escape (\\uDC00–\\uDFFF)"),
        .init(desc: "lone-low-surrogate", text: "[\"\\udc00\"]", line: 1, column: 3, message: "a low surrogate escape without a high surrogate before it"),
        .init(desc: "misspelt-literal", text: "[tru]", line: 1, column: 2, message: "expected 'true'"),
        .init(desc: "capitalised-literal", text: "[True]", line: 1, column: 2,
              message: "expected a value (object, array, string, number, true, false or null), found 'T'"),
        .init(desc: "trailing-garbage", text: "{}\n}", line: 2, column: 1, message: "expected the end of the file after the JSON value, found '}'"),
        .init(desc: "two-documents", text: "{} {}", line: 1, column: 4, message: "expected the end of the file after the JSON value, found '{'"),
        .init(desc: "empty", text: "  \n", line: 2, column: 1, message: "the file is empty; expected a JSON value"),
        .init(desc: "truncated", text: "{\"a\": [1, ", line: 1, column: 11, message: "expected a value, found the end of the file"),
        .init(desc: "missing-colon", text: "{\"a\" 1}", line: 1, column: 6, message: "expected ':' after the key, found '1'"),
        .init(desc: "nul-byte", text: "[\u{0}]", line: 1, column: 2,
              message: "expected a value (object, array, string, number, true, false or null), found the control character U+0000"),
    ]

    @Test(arguments: syntaxCases)
    func syntaxErrorsGiveLineColumnAndWhatWasExpected(_ case: SyntaxCase) {
        let error = failure(`case`.text)
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message == `case`.message)
        #expect(error?.location == .init(file: "c.json", line: `case`.line, character: `case`.column))
        #expect(error?.description == "c.json:\(`case`.line):\(`case`.column): \(`case`.message)")
    }

    @Test func invalidUTF8IsRefusedAtItsPosition() {
        for bytes: [UInt8] in [[0xC3], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xE2, 0x82]] {
            let text = Array("[\"ab".utf8) + bytes + Array("\"]".utf8)
            let error = #expect(throws: DataSourceError.self) { try StrictJSON.read(text, file: "c.json") }
            #expect(error?.message == "the file is not valid UTF-8 here")
            #expect(error?.location?.character == 5)
        }
    }

    @Test func depthAndSizeAreBounded() throws {
        let limit = StrictJSON.Limits.configuration.maximumDepth
        _ = try read(String(repeating: "[", count: limit) + String(repeating: "]", count: limit))
        let deep = failure(String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1))
        #expect(deep?.message == "arrays and objects are nested more than \(limit) deep")
        #expect(deep?.location?.character == limit + 1)
        // A hundred thousand open brackets stop at the bound, without recursing further.
        let hostile = failure(String(repeating: "[{\"k\":", count: 100_000))
        #expect(hostile?.message.contains("nested more than") == true)
        let big = [UInt8](repeating: 0x20, count: StrictJSON.Limits.configuration.maximumBytes + 1)
        let size = #expect(throws: DataSourceError.self) { try StrictJSON.read(big, file: "c.json") }
        #expect(size?.message.contains("at most") == true)
    }

    @Test("the largest inputs within the bounds are read in linear time")
    func largeInputsStayFast() throws {
        let count = 60_000  // about 0.9 MiB of object members
        let strings = "[" + (0..<count).map { "\"s\($0)\"" }.joined(separator: ",") + "]"
        let keys = "{" + (0..<count).map { "\"k\($0)\": \($0)" }.joined(separator: ",") + "}"
        let start = ContinuousClock.now
        let array = try ConfigurationNode.read(Array(strings.utf8), file: "c.json").stringArray()
        #expect(array.count == count)
        let object = try ConfigurationNode.read(Array(keys.utf8), file: "c.json").object(allowedKeys: nil)
        #expect(object.entries.count == count)
        let duplicate = #expect(throws: DataSourceError.self) {
            try ConfigurationNode.read(Array((String(keys.dropLast()) + ",\"k0\": 1}").utf8), file: "c.json")
        }
        #expect(duplicate?.message == "duplicate key 'k0' (first at 1:2)")
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    // MARK: Accessors

    func node(_ text: String) throws -> ConfigurationObject {
        try ConfigurationNode.read(Array(text.utf8), file: "m.json").object(allowedKeys: nil)
    }

    @Test func integersAreJSONIntegersInRange() throws {
        let object = try node(#"{"ok": 7, "neg": -3, "frac": 1.5, "exp": 1e17, "zero-frac": 4.0, "big": 99999999999999999999, "str": "4", "yes": true, "nil": null, "huge": 1e30}"#)
        #expect(try object.required("ok", expectation: "").integer(in: 1...10) == 7)
        #expect(try object.required("neg", expectation: "").integer(in: -5...0) == -3)
        let cases: [(String, String)] = [
            ("frac", "a number with a fraction"), ("exp", "a number with an exponent"), ("zero-frac", "a number with a fraction"),
            ("big", "an integer out of range"), ("str", "a string"), ("yes", "a boolean"), ("nil", "null"),
            ("huge", "a number with an exponent"), ("neg", "an integer out of range"),
        ]
        for (key, found) in cases {
            let error = #expect(throws: DataSourceError.self) { try object.required(key, expectation: "").integer(in: 1...10) }
            #expect(error?.message == "must be an integer from 1 to 10; found \(found)", "\(key)")
            #expect(error?.location?.column == key)
            #expect(error?.location?.line == 1)
        }
    }

    @Test func decimalsAreExactAndBounded() throws {
        let object = try node(#"{"a": 1.5, "b": 5, "c": 0.0005, "d": 1e3, "e": 86401, "f": 2.1000, "g": -1, "h": true, "i": 123456789012345678901234567890}"#)
        func units(_ key: String) throws -> Int {
            try object.required(key, expectation: "").decimalUnits(fractionDigits: 3, in: 1...86_400_000, expectation: "seconds")
        }
        #expect(try units("a") == 1500)
        #expect(try units("b") == 5000)
        #expect(try units("f") == 2100)
        for (key, found) in [("c", "more than 3 decimals"), ("d", "a number with an exponent"), ("e", "a number out of range"),
                             ("g", "a number out of range"), ("h", "a boolean"), ("i", "a number out of range")] {
            let error = #expect(throws: DataSourceError.self) { try units(key) }
            #expect(error?.message == "must be seconds; found \(found)", "\(key)")
        }
    }

    @Test func stringsBooleansAndArrays() throws {
        let object = try node(#"{"s": "x", "empty": "", "nul": "a\u0000b", "q": "SELECT 1\nFROM t", "t": true, "one": 1, "roles": ["a", "b"], "dup": ["a", "a"], "mixed": ["a", 2], "long": "\#(String(repeating: "n", count: 300))"}"#)
        #expect(try object.required("s", expectation: "").string() == "x")
        #expect(try object.required("q", expectation: "").string(.text) == "SELECT 1\nFROM t")
        #expect(try object.required("t", expectation: "").bool() == true)
        #expect(try object.required("roles", expectation: "").stringArray() == ["a", "b"])
        let bool = #expect(throws: DataSourceError.self) { try object.required("one", expectation: "").bool() }
        #expect(bool?.message == "must be true or false; found an integer")
        let empty = #expect(throws: DataSourceError.self) { try object.required("empty", expectation: "").string() }
        #expect(empty?.message == "must be a non-empty string without control characters; found an empty string")
        let nul = #expect(throws: DataSourceError.self) { try object.required("nul", expectation: "").string(.path) }
        #expect(nul?.message == "must not contain control characters (found U+0000)")
        let query = #expect(throws: DataSourceError.self) { try object.required("q", expectation: "").string(.name) }
        #expect(query?.message == "must not contain control characters (found U+000A)")
        let long = #expect(throws: DataSourceError.self) { try object.required("long", expectation: "").string(.name) }
        #expect(long?.message == "must be at most 256 characters long")
        let dup = #expect(throws: DataSourceError.self) { try object.required("dup", expectation: "").stringArray() }
        #expect(dup?.message == "repeats entry 0 of the array")
        #expect(dup?.location?.column == "dup[1]")
        let mixed = #expect(throws: DataSourceError.self) { try object.required("mixed", expectation: "").stringArray() }
        #expect(mixed?.message == "must be a non-empty string without control characters (in an array of non-empty strings); found an integer")
        #expect(mixed?.location?.column == "mixed[1]")
        let notArray = #expect(throws: DataSourceError.self) { try object.required("s", expectation: "").stringArray() }
        #expect(notArray?.description == "m.json:1:7 (s): must be an array of non-empty strings; found a string")
        let missing = #expect(throws: DataSourceError.self) { try object.required("absent", expectation: "a name") }
        #expect(missing?.description == "m.json:1:1 (absent): the key 'absent' is missing; it must be a name")
    }

    @Test func unknownKeysAreRefusedWithASuggestion() throws {
        let root = try ConfigurationNode.read(Array(#"{"quorm": 2}"#.utf8), file: "m.json")
        let error = #expect(throws: DataSourceError.self) { try root.object(allowedKeys: ["consortium", "quorum", "members"]) }
        #expect(error?.description == "m.json:1:2 (quorm): unknown key 'quorm' (did you mean 'quorum'? expected one of consortium, quorum, members)")
        #expect(ConfigurationNode.suggestion(for: "Members", among: ["members", "ledger"]) == "members")
        #expect(ConfigurationNode.suggestion(for: "dataSource", among: ["dataSources", "roles"]) == "dataSources")
        #expect(ConfigurationNode.suggestion(for: "colour", among: ["name", "key", "roles"]) == nil)
        #expect(ConfigurationNode.suggestion(for: "ky", among: ["key"]) == "key")
        let weird = try ConfigurationNode.read(Array(#"{"a\u0001b.c": 1}"#.utf8), file: "m.json")
        let escaped = #expect(throws: DataSourceError.self) { try weird.object(allowedKeys: ["x"]) }
        #expect(escaped?.message == #"unknown key 'a\u0001b.c' (expected one of x)"#)
        #expect(escaped?.location?.column == #"["a\u0001b.c"]"#)
    }
}
