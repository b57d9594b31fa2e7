import Foundation
import CircuitCompiler
import ContractLanguage
import Testing

/// One malformed contract and the first error it must produce (spec §9).
struct MalformedCase: Sendable, CustomTestStringConvertible {
    var name: String
    var source: String
    var message: String
    var line: Int
    var column: Int
    var testDescription: String { name }

    /// Fills the standard template: line 4 holds `local`, line 8 `output`, line 11 `tail`,
    /// line 6 is the compute header.
    init(
        _ name: String, local: String = "where age >= 18", output: String = "m = mean(salary)",
        tail: String = "reveal m to all", compute: String = "compute by dept in (\"a\", \"b\") {",
        _ message: String, _ line: Int, _ column: Int
    ) {
        self.name = name
        source = """
            contract t version 1 {
              input rows(dept: text, age: int, salary: decimal(2), hired: date, active: bool, zip: text)
              local {
                \(local)
              }
              \(compute)
                n = count()
                \(output)
              }
              reveal n to all
              \(tail)
            }
            """
        self.message = message
        self.line = line
        self.column = column
    }

    init(_ name: String, source: String, _ message: String, _ line: Int, _ column: Int) {
        self.name = name
        self.source = source
        self.message = message
        self.line = line
        self.column = column
    }
}

struct DiagnosticTests {
    static let cases: [MalformedCase] = [
        // Local block: names and types.
        .init("unknown column", local: "where salry > 0", "unknown column 'salry'", 4, 11),
        .init("text vs int", local: "where dept > 5", "type mismatch: cannot compare text with int", 4, 11),
        .init("decimal vs text", local: "where salary = \"x\"", "type mismatch: cannot compare decimal(2) with text", 4, 11),
        .init("null comparison", local: "where age = null", "comparison with null is never true", 4, 11),
        .init("ordering booleans", local: "where active > true", "type mismatch: cannot compare bool with bool", 4, 11),
        .init("non-boolean condition", local: "where age", "a condition must be true or false, but 'age' is int", 4, 11),
        .init("in list type", local: "where dept in (\"a\", 3)", "type mismatch: 3 (int) in a list for a text column", 4, 11),
        .init("in list null", local: "where dept in (\"a\", null)", "'in' list contains null, which never matches", 4, 11),
        .init("between date and int", local: "where hired between 1 and 5", "type mismatch: cannot compare date with int", 4, 11),
        .init("bands on text", local: "generalize dept into bands [1, 2]", "cannot generalize 'dept' into bands: it is text, not a number", 4, 5),
        .init("bands not increasing", local: "generalize age into bands [30, 18]", "band edges must be strictly increasing: 30 is followed by 18", 4, 5),
        .init("one band edge", local: "generalize age into bands [18]", "band edges need at least two numbers, found 1", 4, 5),
        .init("truncate int", local: "generalize age to month", "cannot truncate 'age' to month: it is int, not a date", 4, 5),
        .init("prefix of date", local: "generalize hired to prefix 2", "cannot take a prefix of 'hired': it is date, not text", 4, 5),
        .init("map int", local: "generalize age map { \"a\" -> \"b\" }", "cannot map 'age': it is int, not text", 4, 5),
        .init("map twice", local: "generalize dept map { \"a\" -> \"x\", \"a\" -> \"y\" }", "\"a\" is mapped twice", 4, 39),
        .init("clip text", local: "clip dept to [0, 1]", "cannot clip 'dept': it is text, not a number", 4, 5),
        .init("clip reversed", local: "clip salary to [10, 1]", "clip bounds are reversed: 10 is greater than 1", 4, 5),
        .init("clip bound scale", local: "clip age to [0, 1.5]", "clip bound 1.5 does not fit 'age' (int)", 4, 5),
        .init("clip one bound", local: "clip salary to [0]", "clip needs exactly two bounds [LOW, HIGH], found 1", 4, 20),
        .init("use after generalize", local: "generalize age into bands [18, 65]", output: "m = mean(age)", "mean(age) needs a numeric column, but 'age' is text", 8, 14),
        // Compute block.
        .init("mean of text", output: "m = mean(dept)", "mean(dept) needs a numeric column, but 'dept' is text", 8, 14),
        .init("quantile above 1", local: "clip salary to [0, 10]", output: "m = quantile(salary, 1.5)", "quantile probability 1.5 is outside [0, 1]", 8, 26),
        .init("quantile without bounds", output: "m = median(salary)", "median(salary) needs bounds on 'salary'", 8, 9),
        .init("quantile zero-width clip", local: "clip salary to [5, 5]", output: "m = median(salary)", "median(salary) needs a clip range wider than one point", 8, 9),
        .init("quantile bucket count", local: "clip salary to [0, 10]", output: "m = quantile(salary, 0.5, 0)", "the bucket count must be a whole number between 1 and 10000, or a method (inverted_cdf, exclusive, inclusive)", 8, 31),
        .init("quantile method", local: "clip salary to [0, 10]", output: "m = median(salary, type7)", "unknown quantile method 'type7'", 8, 24),
        .init("exact quantile range", local: "clip salary to [0, 100000]", output: "m = quantile(salary, 0.9, exclusive)", "quantile(salary, …, exclusive) reads every value of 'salary' in its clip range at resolution 0.01: more than 65536 values", 8, 9),
        .init("unknown aggregate", output: "m = avg(salary)", "unknown aggregate function 'avg'", 8, 9),
        .init("mean arity", output: "m = mean(salary, age)", "mean takes 1 argument, found 2", 8, 9),
        .init("histogram edges order", output: "m = histogram(salary, [5, 1])", "histogram edges must be strictly increasing: 5 is followed by 1", 8, 27),
        .init("histogram edges missing", output: "m = histogram(salary, 3)", "histogram expects a list of bin edges as argument 2", 8, 27),
        .init("sum of date", output: "m = sum(hired)", "sum(hired) needs a numeric column, but 'hired' is date", 8, 13),
        .init("unknown output reference", output: "m = x + 1", "unknown output 'x'", 8, 9),
        .init("forward reference", output: "m = later * 2\n    later = count()", "output 'later' is used before it is defined", 8, 9),
        .init("self reference", output: "m = m + 1", "output 'm' refers to itself", 8, 9),
        .init("duplicate output", output: "n = sum(age)", tail: "", "duplicate output 'n'", 8, 5),
        .init("output named like key", output: "dept = count()", tail: "", "output 'dept' has the same name as a group-by key", 8, 5),
        .init("bare column in output", output: "m = salary", "'salary' is a column, not an output; aggregate it first", 8, 9),
        .init("histogram arithmetic", output: "h = histogram(age, [0, 50, 100])\n    m = h + 1", "arithmetic needs numbers, but this is a histogram[2] value", 9, 9),
        .init("covariance arity", output: "m = covariance(age)", "covariance takes 2 arguments, found 1", 8, 9),
        .init("max of bool", output: "m = max(active)", "max(active) needs a numeric column, but 'active' is bool", 8, 13),
        .init("count of number", output: "m = count(3)", "count expects a column or nothing", 8, 15),
        .init("missing equals", output: "m mean(salary)", "expected '=', found 'mean'", 8, 7),
        // Group-by keys.
        .init("unbounded group key", compute: "compute by zip {", "cannot group by unbounded column 'zip' (text): its domain is not declared", 6, 14),
        .init("duplicate domain value", compute: "compute by dept in (\"a\", \"a\") {", "duplicate value \"a\" in the domain of 'dept'", 6, 14),
        .init("fractional int domain", compute: "compute by age in (1, 2.5) {", "domain value 2.5 is not an integer, but 'age' is int", 6, 14),
        .init("value outside band domain", local: "generalize age into bands [18, 65]", compute: "compute by age in (\"x\") {", "\"x\" is not a possible value of 'age'", 6, 14),
        .init("unknown group key", compute: "compute by dpt {", "unknown column 'dpt'", 6, 14),
        .init("duplicate group key", compute: "compute by active, active {", "duplicate group-by key 'active'", 6, 22),
        .init("empty domain", compute: "compute by dept in () {", "the domain of 'dept' is empty", 6, 14),
        // Reveal, require, privacy, protocol.
        .init("reveal unknown", tail: "reveal avg to all", "cannot reveal 'avg': no output has that name", 11, 10),
        .init("reveal empty member", tail: "reveal m to member \"\"", "recipient name is empty", 11, 15),
        .init("reveal twice", tail: "reveal m to all, all", "'m' is revealed to all more than once", 11, 10),
        .init("reveal to bare string", tail: "reveal m to \"regulator\"", "expected all, member \"NAME\" or role \"NAME\", found string \"regulator\"", 11, 15),
        .init("require non-count", tail: "require m >= 5 per group", "'require m >= 5 per group' needs 'm' to be a count", 11, 11),
        .init("require zero participants", tail: "require participants >= 0", "require participants needs at least 1", 11, 3),
        .init("require missing per", tail: "require n >= 5", "expected 'per', found '}'", 12, 1),
        .init("epsilon zero", tail: "privacy laplace epsilon 0", "epsilon must be greater than 0, found 0", 11, 3),
        .init("gaussian without delta", tail: "privacy gaussian epsilon 1", "the gaussian mechanism needs delta", 11, 3),
        .init("laplace with delta", tail: "privacy laplace epsilon 1 delta 0.1", "the laplace mechanism takes no delta", 11, 3),
        .init("secagg with mean", tail: "reveal m to all\n  protocol secagg", "protocol secagg can only add secret values, but output 'm' needs secure division (mean)", 12, 3),
        .init("paillier with suppression", output: "m = sum(salary)", tail: "require n >= 2 per group\n  protocol paillier", "protocol paillier can only add secret values, but 'require n >= 2 per group' needs secure comparison", 12, 3),
        .init("unknown protocol", tail: "protocol fastest", "expected a protocol (additive, secagg, paillier, beaver or auto), found 'fastest'", 11, 12),
        .init("unknown clause", tail: "revael m to all", "unknown clause 'revael'; expected input, local, compute, reveal, require, disclose, privacy or protocol", 11, 3),
        .init("disclose without sums", tail: "reveal m to all\n  disclose everything", "expected 'sums', found 'everything'", 12, 12),
        .init("duplicate disclose", tail: "reveal m to all\n  disclose sums\n  disclose sums", "duplicate disclose clause", 13, 3),
        .init("secagg with max despite disclose", output: "m = max(salary)", tail: "reveal m to all\n  disclose sums\n  protocol secagg", "protocol secagg can only add secret values, and output 'm' needs secure comparison of the members' own values (min or max), which no disclosure of sums provides", 13, 3),
        // Lexical and syntactic errors.
        .init("unterminated string", local: "where dept = \"abc", "unterminated string literal", 4, 18),
        .init("stray character", local: "where age >= 18 &", "unexpected character '&'", 4, 21),
        .init("double operator", local: "where age >> 3", "expected a column name or a literal, found '>'", 4, 16),
        .init("unknown local statement", local: "frobnicate age", "unknown local statement 'frobnicate'; expected where, generalize or clip", 4, 5),
        .init("reserved word operand", local: "where and = 1", "expected a column name or a literal, found keyword 'and'", 4, 11),
        .init("number too large", local: "where age > 12345678901234567890", "number '12345678901234567890' is too large (at most 18 significant digits)", 4, 17),
        .init("invalid date", local: "where hired > date \"2024-02-30\"", "invalid date \"2024-02-30\"; write dates as \"YYYY-MM-DD\"", 4, 24),
        .init("bands without list", local: "generalize age into bands 18", "expected '[', found number '18'", 4, 31),
        .init(
            "nesting too deep", local: "where " + String(repeating: "(", count: 100) + "age > 1" + String(repeating: ")", count: 100),
            "expression is nested too deeply (more than 64 levels)", 4, 75),
        .init("empty source", source: "", "expected 'contract', found end of input", 1, 1),
        .init("numeric name", source: "contract 1 version 1 {}", "expected a contract name, found number '1'", 1, 10),
        .init("version zero", source: "contract x version 0 {}", "version must be at least 1", 1, 20),
        .init("unclosed contract", source: "contract x version 1 {", "expected '}' to close contract 'x', found end of input", 1, 23),
        .init("unknown type", source: "contract x version 1 {\n  input rows(a: integer)\n}", "unknown type 'integer'; expected int, decimal(S), text, bool or date", 2, 17),
        .init("decimal scale", source: "contract x version 1 {\n  input rows(a: decimal(30))\n}", "decimal scale must be between 0 and 18", 2, 25),
        .init("no input", source: "contract x version 1 {\n  compute { n = count() }\n}", "contract 'x' has no input declaration", 1, 10),
        .init("no compute", source: "contract x version 1 {\n  input rows(a: int)\n}", "contract 'x' has no compute block", 1, 10),
        .init("duplicate column", source: "contract x version 1 {\n  input rows(a: int, a: text)\n  compute { n = count() }\n}", "duplicate column 'a' in input 'rows'", 2, 22),
        .init("trailing garbage", source: "contract x version 1 {\n  input rows(a: int)\n  compute { n = count() }\n} extra", "unexpected 'extra' after the end of the contract", 4, 3),
    ]

    @Test(arguments: cases)
    func firstDiagnostic(_ testCase: MalformedCase) throws {
        do {
            let compiled = try ContractCompiler.compile(source: testCase.source)
            Issue.record("compiled without errors: \(compiled.contract.syntax.name.text)")
        } catch {
            guard case .invalidContract(let diagnostics) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            let first = try #require(diagnostics.first)
            #expect(first.message == testCase.message)
            #expect(first.line == testCase.line && first.column == testCase.column, "at \(first.line):\(first.column)")
            // Every diagnostic renders with a caret line pointing into the source.
            let rendered = first.rendered(source: testCase.source, fileName: "t.cov")
            #expect(rendered.contains("--> t.cov:\(testCase.line):\(testCase.column)"))
            #expect(rendered.contains("^"))
        }
    }

    @Test func atLeastFortyCases() {
        #expect(Self.cases.count >= 40)
    }

    @Test func severalErrorsReportedInOneRun() throws {
        let source = """
            contract t version 1 {
              input rows(a: int, b: text)
              local {
                where c > 1
                where b > 2
              }
              compute {
                n = count()
                m = mean(b)
              }
              reveal q to all
            }
            """
        let error = #expect(throws: ContractLanguageError.self) { try TypeChecker.check(source: source) }
        let positions = error?.diagnostics.map { "\($0.line):\($0.column)" }
        #expect(positions == ["4:11", "5:11", "9:14", "11:10"])
    }

    @Test func parserRecoversAfterSyntaxErrors() {
        let source = """
            contract t version 1 {
              input rows(a: int)
              local {
                where a >
                clip a to [0 1]
              }
              compute { n = count() m = sum(a) + }
              reveal n to
            }
            """
        let result = Parser.parse(source)
        #expect(result.diagnostics.count >= 3, "\(result.diagnostics)")
        #expect(result.diagnostics.map(\.line) == result.diagnostics.map(\.line).sorted())
    }

    @Test func renderedExcerpt() throws {
        let source = "contract t version 1 {\n  input rows(salary: int)\n  local { where salry > 0 }\n  compute { n = count() }\n}\n"
        let error = #expect(throws: ContractLanguageError.self) { try TypeChecker.check(source: source) }
        let rendered = try #require(error?.diagnostics.first).rendered(source: source, fileName: "c.cov")
        #expect(
            rendered == """
                error: unknown column 'salry'
                 --> c.cov:3:17
                  |
                3 |   local { where salry > 0 }
                  |                 ^^^^^
                  = help: did you mean 'salary'?
                """)
    }

    @Test func warningsForUnrevealedOutputs() throws {
        let checked = try TypeChecker.check(
            source: "contract t version 1 {\n input r(a: int)\n compute { n = count()\n s = sum(a) }\n reveal n to all\n}")
        #expect(checked.warnings.map(\.message) == ["output 's' is computed but never revealed or used"])
        #expect(checked.warnings.first?.severity == .warning)
    }

    @Test("an output revealed to a role or member whose every sum is opened to all anyway is warned about")
    func restrictedOutputOnPublicSums() throws {
        func warnings(_ body: String) throws -> [String] {
            try TypeChecker.check(source: "contract t version 1 {\n input r(a: int, b: int)\n \(body)\n}").warnings.map(\.message)
        }
        // Computed only from sums revealed to all: every participant can compute it.
        #expect(try warnings("compute { n = count()\n s = sum(a)\n t = s + n }\n reveal n, s to all\n reveal t to role \"regulator\"") == [
            "output 't' is revealed to role \"regulator\", but every sum it is computed from is also revealed to all, so every participant can compute it"
        ])
        // A sum of its own stays restricted: no warning.
        #expect(try warnings("compute { n = count()\n s = sum(a) }\n reveal n to all\n reveal s to member \"m\"").isEmpty)
        // 'disclose sums' opens every sum under an aggregation protocol.
        #expect(try warnings("compute { n = count()\n m = mean(a)\n s = sum(b) }\n reveal n, m to all\n reveal s to role \"r\"\n disclose sums\n protocol secagg") == [
            "output 's' is revealed to role \"r\", but 'disclose sums' opens every sum it is computed from to every participant, who can compute it"
        ])
        // Under beaver each output is opened on its own: no warning.
        #expect(try warnings("compute { n = count()\n t = n * 2 }\n reveal n to all\n reveal t to role \"r\"\n protocol beaver").allSatisfy { !$0.contains("can compute it") })
        // The same contract under an aggregation protocol is warned about.
        #expect(try warnings("compute { n = count()\n t = n * 2 }\n reveal n to all\n reveal t to role \"r\"").count == 1)
    }

    @Test("'disclose sums' lets an aggregation protocol run a mean; it warns where it has no effect")
    func disclosure() throws {
        let mean = "contract t version 1 {\n input r(a: int)\n compute { n = count()\n m = mean(a) }\n reveal n, m to all\n disclose sums\n protocol secagg\n}"
        let checked = try TypeChecker.check(source: mean)
        #expect(checked.disclosesSums && checked.warnings.isEmpty)
        // Without the clause the same contract is an error whose help names the clause.
        let error = #expect(throws: ContractLanguageError.self) {
            try TypeChecker.check(source: mean.replacingOccurrences(of: " disclose sums\n", with: ""))
        }
        #expect(error?.diagnostics.first?.help?.contains("add 'disclose sums'") == true)
        let linear = try TypeChecker.check(
            source: "contract t version 1 {\n input r(a: int)\n compute { n = count() }\n reveal n to all\n disclose sums\n}")
        #expect(linear.warnings.map(\.message) == ["'disclose sums' has no effect: every revealed output is itself a sum, opened as it is"])
        let beaver = try TypeChecker.check(source: mean.replacingOccurrences(of: "protocol secagg", with: "protocol beaver"))
        #expect(beaver.warnings.first?.message.contains("no effect under protocol beaver") == true)
    }
}
