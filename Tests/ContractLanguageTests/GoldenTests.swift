import Circuit
import CircuitCompiler
import ContractLanguage
import CryptoPrimitives
import Foundation
import Testing

/// Golden tests for every construct of protocols/contract-language.md: canonical printing,
/// row semantics (§5), aggregates (§6.3), reveal/require (§7), planning (§8) and identity (§8.5).
struct GoldenTests {
    // MARK: Canonical form (§8.5)

    static let everyConstruct = """
        -- every construct at once
        contract everything version 7 {
          input t(g: text, k: int, x: decimal(2), y: int, d: date, b: bool, zip: text)
          local {
            where (x > 0 and y >= -3) or not b
            where g in ("a", "b") and zip is not null and d not between date "2020-01-01" and date "2020-12-31"
            where k not in (1, 2) and x is null or y between 1 and 9
            generalize k into bands [18, 30.5, 60]
            generalize d to quarter
            generalize zip to prefix 2
            generalize g map { "a" -> "A", "b" -> "B", else -> "other" }
            clip x to [-1.50, 100]
            clip y to [0, 10]
          }
          compute by g, k, zip in ("AB", "CD"), b {
            n = count()
            nx = count(x)
            s = sum(x)
            m = mean(x)
            v = variance(y)
            sd = stddev(y)
            lo = min(x)
            hi = max(d)
            q = quantile(x, 0.25, 50)
            med = median(y)
            h = histogram(y, [0, 5, 10])
            c = covariance(x, y)
            r = correlation(x, y)
            b1 = slope(y, x)
            b0 = intercept(y, x)
            z = -(s - n * 2) / (1.5 + m)
          }
          reveal n, s, m to all
          reveal v, sd, lo, hi, q, med, h, c, r, b1, b0, z, nx to member "bank_a", role "regulator"
          require participants >= 3
          require n >= 5 per group
          privacy gaussian epsilon 0.50 delta 0.000001
          protocol beaver
        }
        """

    static let everyConstructCanonical = """
        contract everything version 7 {
          input t(g: text, k: int, x: decimal(2), y: int, d: date, b: bool, zip: text)
          local {
            where x > 0 and y >= -3 or not b
            where g in ("a", "b") and zip is not null and d not between date "2020-01-01" and date "2020-12-31"
            where k not in (1, 2) and x is null or y between 1 and 9
            generalize k into bands [18, 30.5, 60]
            generalize d to quarter
            generalize zip to prefix 2
            generalize g map { "a" -> "A", "b" -> "B", else -> "other" }
            clip x to [-1.5, 100]
            clip y to [0, 10]
          }
          compute by g, k, zip in ("AB", "CD"), b {
            n = count()
            nx = count(x)
            s = sum(x)
            m = mean(x)
            v = variance(y)
            sd = stddev(y)
            lo = min(x)
            hi = max(d)
            q = quantile(x, 0.25, 50)
            med = median(y)
            h = histogram(y, [0, 5, 10])
            c = covariance(x, y)
            r = correlation(x, y)
            b1 = slope(y, x)
            b0 = intercept(y, x)
            z = -(s - n * 2) / (1.5 + m)
          }
          reveal n, s, m to all
          reveal v, sd, lo, hi, q, med, h, c, r, b1, b0, z, nx to member "bank_a", role "regulator"
          require participants >= 3
          require n >= 5 per group
          privacy gaussian epsilon 0.5 delta 0.000001
          protocol beaver
        }
        """ + "\n"

    @Test func canonicalFormOfEveryConstruct() throws {
        let compiled = try ContractCompiler.compile(source: Self.everyConstruct)
        #expect(compiled.canonicalText == Self.everyConstructCanonical)
        #expect(compiled.contract.groupCount == 3 * 4 * 2 * 2)
        #expect(compiled.contract.warnings.isEmpty)
        let types = Dictionary(uniqueKeysWithValues: compiled.contract.outputs.map { ($0.name, $0.type) })
        #expect(types["n"] == .int && types["nx"] == .int)
        #expect(types["s"] == .decimal(scale: 2) && types["lo"] == .decimal(scale: 2))
        #expect(types["hi"] == .date && types["h"] == .histogram(bins: 2))
        for name in ["m", "v", "sd", "q", "med", "c", "r", "b1", "b0", "z"] { #expect(types[name] == .real, "\(name)") }
        // The group keys' domains come from the generalisations.
        #expect(compiled.contract.groupKeys.map(\.domain.count) == [3, 4, 2, 2])
        #expect(compiled.contract.groupKeys[1].domain.map(\.description) == ["(-inf,18)", "[18,30.5)", "[30.5,60)", "[60,+inf)"])
        #expect(compiled.contract.privacy?.delta == Numeral(significand: 1, scale: 6))
    }

    @Test func contractIDKnownAnswer() throws {
        // printf 'covenant-contract/v1\n…canonical text…' | sha256sum
        let source = "contract kat version 1 {\n input r(a: int)\n compute { n = count()  total = sum(a) } -- c\n reveal n, total to all\n}"
        let compiled = try ContractCompiler.compile(source: source)
        #expect(
            compiled.canonicalText
                == "contract kat version 1 {\n  input r(a: int)\n  compute {\n    n = count()\n    total = sum(a)\n  }\n  reveal n, total to all\n  protocol auto\n}\n")
        #expect(compiled.contractIDHex == "1cfbcf1ff29c559d8a79db1ba499662f639280d2f545e9134825d27430e473b2")
        #expect(compiled.contractID == SHA256.hash(Array("covenant-contract/v1\n".utf8) + Array(compiled.canonicalText.utf8)))
    }

    @Test(arguments: [
        ("version 1", "version 2"), ("sum(a)", "mean(a)"), ("to all", "to role \"x\""), ("count()", "count(a)"),
        ("input r(a: int)", "input r(a: decimal(1))"), ("reveal n, total", "reveal total, n"),
    ])
    func semanticChangesChangeTheID(_ change: (String, String)) throws {
        let source = "contract kat version 1 {\n input r(a: int)\n compute { n = count()  total = sum(a) }\n reveal n, total to all\n}"
        let a = try ContractCompiler.compile(source: source)
        let b = try ContractCompiler.compile(source: source.replacingOccurrences(of: change.0, with: change.1))
        #expect(a.contractID != b.contractID)
    }

    @Test func layoutDoesNotChangeTheID() throws {
        let a = try ContractCompiler.compile(source: Self.everyConstruct)
        let b = try ContractCompiler.compile(source: Self.everyConstructCanonical)
        let squeezed = Self.everyConstruct.split(separator: "\n").filter { !$0.hasPrefix("--") }
            .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "\n")
        let c = try ContractCompiler.compile(source: squeezed.replacingOccurrences(of: "-1.50", with: "-1.5000"))
        #expect(a.contractID == b.contractID)
        #expect(a.contractID == c.contractID)
        #expect(a.planHash == c.planHash)
    }

    // MARK: Lexer (§2)

    @Test func lexerTokensAndComments() {
        var lexer = Lexer("where x>=1.50 -- trailing\n and \"a\\\"b\" <> y")
        let tokens = lexer.tokenize()
        #expect(tokens.map(\.text) == ["where", "x", ">=", "1.50", "and", "a\"b", "<>", "y", ""])
        #expect(tokens.map(\.kind) == [.identifier, .identifier, .symbol, .number, .reserved, .string, .symbol, .identifier, .end])
        #expect(tokens[4].startsLine && !tokens[5].startsLine)
        #expect(tokens[4].range.start.line == 2 && tokens[4].range.start.column == 2)
        #expect(lexer.diagnostics.isEmpty)
    }

    // MARK: Row semantics (§5)

    static let rowSchema = "input t(g: text, x: int, d: date, p: decimal(2))"

    static func pipeline(_ local: String) throws -> (RowPipeline, CheckedContract) {
        let checked = try TypeChecker.check(
            source: "contract p version 1 {\n \(rowSchema)\n local {\n \(local)\n }\n compute { n = count() }\n reveal n to all\n}")
        return (RowPipeline(checked), checked)
    }

    @Test(arguments: [
        // (filter, x value, g value, kept?) — SQL three-valued logic: unknown drops the row.
        ("where not (x > 1)", Value.null, Value.text("a"), false),
        ("where not (x > 1)", .int(0), .text("a"), true),
        ("where not (x > 1)", .int(2), .text("a"), false),
        ("where x > 1 or g = \"a\"", .null, .text("a"), true),
        ("where x > 1 or g = \"a\"", .null, .text("b"), false),
        ("where x > 1 and g = \"a\"", .null, .text("b"), false),
        ("where x not in (1, 2)", .null, .text("a"), false),
        ("where x not in (1, 2)", .int(3), .text("a"), true),
        ("where x in (1, 2)", .int(1), .text("a"), true),
        ("where x not between 1 and 3", .int(0), .text("a"), true),
        ("where x not between 1 and 3", .int(3), .text("a"), false),
        ("where x between 1 and 3", .null, .text("a"), false),
        ("where x is null", .null, .text("a"), true),
        ("where x is not null", .null, .text("a"), false),
        ("where not not x = 2", .int(2), .text("a"), true),
        ("where x >= 1.5", .int(2), .text("a"), true),
        ("where x < 1.5", .int(2), .text("a"), false),
    ])
    func threeValuedFilters(_ filter: String, _ x: Value, _ g: Value, _ kept: Bool) throws {
        let (pipeline, _) = try Self.pipeline(filter)
        #expect((pipeline.apply([g, x, .null, .null]) != nil) == kept)
    }

    @Test func generalisationAndClipping() throws {
        let (pipeline, checked) = try Self.pipeline(
            "generalize x into bands [18, 30, 45, 60]\n generalize d to quarter\n generalize g to prefix 2\n clip p to [0, 99.5]")
        func run(_ row: [Value]) -> [Value] { pipeline.apply(row)! }
        #expect(run([.text("AB1 2CD"), .int(17), .date(CivilDate(iso: "2024-05-17")!), .decimal(-5, scale: 2)])
            == [.text("AB"), .text("(-inf,18)"), .date(CivilDate(iso: "2024-04-01")!), .decimal(0, scale: 2)])
        #expect(run([.text("é"), .int(18), .date(CivilDate(iso: "2024-12-31")!), .decimal(10000, scale: 2)])
            == [.text("é"), .text("[18,30)"), .date(CivilDate(iso: "2024-10-01")!), .decimal(9950, scale: 2)])
        #expect(run([.null, .int(60), .null, .null]) == [.null, .text("[60,+inf)"), .null, .null])
        #expect(run([.text("x"), .int(59), .null, .decimal(1, scale: 2)])[1] == .text("[45,60)"))
        #expect(checked.columns["x"]?.type == .text && checked.columns["x"]?.domain?.count == 5)
        #expect(checked.columns["p"]?.bounds == Numeral(significand: 0)...Numeral(significand: 995, scale: 1))
        #expect(RowPipeline.generalize(.date(CivilDate(iso: "2024-05-17")!), .truncate(.year)) == .date(CivilDate(iso: "2024-01-01")!))
        #expect(RowPipeline.generalize(.date(CivilDate(iso: "2024-05-17")!), .truncate(.month)) == .date(CivilDate(iso: "2024-05-01")!))
        let map = Generalization.Rule.map([TextMapping(from: "a", to: "A", range: .synthesized)], otherwise: nil)
        #expect(RowPipeline.generalize(.text("a"), map) == .text("A"))
        #expect(RowPipeline.generalize(.text("b"), map) == .null)
        #expect(RowPipeline.generalize(.decimal(2999, scale: 2), .bands([Numeral(significand: 18), Numeral(significand: 30)])) == .text("[18,30)"))
    }

    @Test func valuesAndDates() throws {
        #expect(CivilDate(iso: "1970-01-01")?.daysSinceEpoch == 0)
        #expect(CivilDate(iso: "2000-03-01")?.daysSinceEpoch == 11017)
        #expect(CivilDate(iso: "1900-01-01")?.daysSinceEpoch == -25567)
        #expect(CivilDate(iso: "2024-02-29") != nil && CivilDate(iso: "2023-02-29") == nil)
        #expect(CivilDate(daysSinceEpoch: 11017).description == "2000-03-01")
        #expect(try Value.parse("12.5", as: .decimal(scale: 2), column: "p") == .decimal(1250, scale: 2))
        #expect(try Value.parse("-3", as: .int, column: "x") == .int(-3))
        #expect(try Value.parse("", as: .int, column: "x") == .null)
        #expect(throws: ContractLanguageError.self) { try Value.parse("1.234", as: .decimal(scale: 2), column: "p") }
        #expect(throws: ContractLanguageError.self) { try Value.parse("maybe", as: .bool, column: "b") }
        #expect(Numeral(parsing: "1.50") == Numeral(significand: 15, scale: 1))
        #expect(Numeral(parsing: "1234567890123456789") == nil)
        #expect(formatScaled(-5, scale: 2) == "-0.05" && formatScaled(12, scale: -2) == "1200")
        let rows = CSVTable.parse("a,b\n\"x,\"\"y\"\"\",2\r\n\n")
        #expect(rows == [["a", "b"], ["x,\"y\"", "2"], [""]])
    }

    // MARK: Aggregates (§6.3) against hand-computed values

    static let aggregates = """
        contract agg version 1 {
          input r(g: text, x: int, y: decimal(1), d: date)
          local { clip x to [0, 10] }
          compute by g in ("a", "b") {
            n = count()
            cx = count(x)
            sx = sum(x)
            sy = sum(y)
            mx = mean(x)
            vx = variance(x)
            sdx = stddev(x)
            lo = min(y)
            hi = max(d)
            cov = covariance(x, y)
            r = correlation(x, y)
            b1 = slope(y, x)
            b0 = intercept(y, x)
            h = histogram(x, [0, 2, 4])
            q = quantile(x, 0.5, 10)
            med = median(x, 5)
            ratio = sx / n
            combo = (sx - n) * 2
          }
          reveal n, cx, sx, sy, mx, vx, sdx, lo, hi, cov, r, b1, b0, h, q, med, ratio, combo to all
        }
        """

    static func day(_ iso: String) -> Value { .date(CivilDate(iso: iso)!) }

    static let memberA: [[Value]] = [
        [.text("a"), .int(1), .decimal(20, scale: 1), day("2024-01-10")],
        [.text("a"), .int(2), .decimal(45, scale: 1), day("2024-02-20")],
        [.text("a"), .int(3), .null, day("2024-03-05")],
        [.text("b"), .int(10), .decimal(10, scale: 1), .null],
    ]
    static let memberB: [[Value]] = [
        [.text("a"), .int(4), .decimal(75, scale: 1), day("2024-05-01")],
        [.text("b"), .null, .decimal(30, scale: 1), day("2024-12-31")],
        [.null, .int(5), .decimal(50, scale: 1), day("2024-01-01")],
    ]

    @Test func aggregatesMatchHandComputedValues() throws {
        let compiled = try ContractCompiler.compile(source: Self.aggregates)
        let result = try Oracle.evaluate(compiled.contract, members: [Self.memberA, Self.memberB])
        let a = result.groups[0].outputs, b = result.groups[1].outputs
        let expectedA: [String: OutputValue] = [
            "n": .int(4), "cx": .int(4), "sx": .int(10), "sy": .decimal(140, scale: 1), "mx": .real(2.5),
            "vx": .real(5.0 / 3), "sdx": .real(1.2909944487358056), "lo": .decimal(20, scale: 1),
            "hi": .date(CivilDate(iso: "2024-05-01")!), "cov": .real(25.0 / 6), "r": .real(0.9905360646879091),
            "b1": .real(25.0 / 14), "b0": .real(0.5), "h": .histogram([1, 3]), "q": .real(2.5), "med": .real(3),
            "ratio": .real(2.5), "combo": .int(12),
        ]
        let expectedB: [String: OutputValue] = [
            "n": .int(2), "cx": .int(1), "sx": .int(10), "sy": .decimal(40, scale: 1), "mx": .real(10),
            "vx": .undefined, "sdx": .undefined, "lo": .decimal(10, scale: 1),
            "hi": .date(CivilDate(iso: "2024-12-31")!), "cov": .undefined, "r": .undefined, "b1": .undefined,
            "b0": .undefined, "h": .histogram([0, 0]), "q": .real(9.5), "med": .real(9), "ratio": .real(5),
            "combo": .int(16),
        ]
        let want = ContractResult(
            contract: "agg", version: 1, keyNames: ["g"], outputNames: result.outputNames,
            groups: [
                GroupResult(key: [.text("a")], suppressed: false, outputs: expectedA),
                GroupResult(key: [.text("b")], suppressed: false, outputs: expectedB),
            ])
        #expect(result.differences(from: want, relativeTolerance: 1e-12) == [])
        #expect(a.count == expectedA.count && b.count == expectedB.count)
        // The split plan agrees.
        let joint = try compiled.evaluateInTheClear(members: [Self.memberA, Self.memberB])
        #expect(joint.differences(from: want) == [])
    }

    // MARK: Reveal and require (§7)

    static let suppression = """
        contract s version 1 {
          input r(g: text, x: int)
          compute by g in ("a", "b", "c") {
            n = count()
            m = mean(x)
          }
          reveal n, m to all
          require participants >= 2
          require n >= 2 per group
        }
        """

    @Test func suppressedGroupsAreReportedAsSuppressedNeverAsZero() throws {
        let compiled = try ContractCompiler.compile(source: Self.suppression)
        let members: [[[Value]]] = [
            [[.text("a"), .int(1)], [.text("a"), .int(3)], [.text("b"), .int(7)]],
            [[.text("c"), .null], [.text("c"), .null]],
        ]
        for result in [
            try Oracle.evaluate(compiled.contract, members: members), try compiled.evaluateInTheClear(members: members),
        ] {
            #expect(result.groups.map(\.suppressed) == [false, true, false])
            #expect(result.groups[1].outputs.isEmpty)
            #expect(result.groups[0].outputs == ["n": .int(2), "m": .real(2)])
            #expect(result.groups[2].outputs == ["n": .int(2), "m": .undefined])
            #expect(result.json.contains("{\"key\": {\"g\": \"b\"}, \"suppressed\": true}"))
            #expect(result.json.contains("\"m\": null"))
        }
        #expect(throws: CompilerError.insufficientParticipants(required: 2, found: 1)) {
            try Oracle.evaluate(compiled.contract, members: [members[0]])
        }
        #expect(throws: CompilerError.insufficientParticipants(required: 2, found: 1)) {
            try compiled.evaluateInTheClear(members: [members[0]])
        }
        // Suppression is represented in the circuit: every reveal is guarded by the group's bit.
        let reveals = compiled.circuit.gates.filter { $0.opcode == .reveal }
        #expect(reveals.count == 6 && reveals.allSatisfy { $0.reveal?.suppression != nil })
    }

    // MARK: Planning (§8)

    @Test(arguments: [
        ("n = count()\n s = sum(x)\n h = histogram(x, [0, 1, 2])", "auto", ProtocolFamily.additive, [Capability.linear]),
        ("n = count()\n s = sum(x)", "secagg", .secagg, [.linear]),
        ("n = count()\n s = sum(x) * 3 - n", "paillier", .paillier, [.linear]),
        ("n = count()\n m = mean(x)", "auto", .beaver, [.linear, .comparison, .division]),
        ("n = count()\n t = max(x)", "auto", .beaver, [.linear, .comparison]),
        ("n = count()\n t = sum(x) * n", "auto", .beaver, [.linear, .multiplication]),
    ])
    func protocolSelection(_ outputs: String, _ choice: String, _ family: ProtocolFamily, _ capabilities: [Capability]) throws {
        let names = outputs.split(separator: "\n").map { $0.split(separator: "=")[0].trimmingCharacters(in: .whitespaces) }
        let source = "contract p version 1 {\n input r(x: int)\n compute {\n \(outputs)\n }\n reveal \(names.joined(separator: ", ")) to all\n protocol \(choice)\n}"
        let compiled = try ContractCompiler.compile(source: source)
        #expect(compiled.protocolFamily == family)
        #expect(compiled.circuit.requiredCapabilities == Set(capabilities))
    }

    @Test func localPlanHoldsDecomposablePartials() throws {
        let source = """
            contract p version 1 {
              input r(g: bool, x: int, y: decimal(2))
              local { clip x to [0, 4] }
              compute by g {
                n = count()
                c = covariance(x, y)
                t = min(y)
                q = quantile(x, 0.5, 2)
              }
              reveal n, c, t, q to all
            }
            """
        let compiled = try ContractCompiler.compile(source: source)
        #expect(
            compiled.localPlan.partials.map(\.description) == [
                "count()", "count(x, y)", "sum(x | y)", "sum(y | x)", "sum(x*y)", "count(y)", "min(y)", "count(x)",
                "grid(x, [0, 4], 2)[0]", "grid(x, [0, 4], 2)[1]",
            ])
        #expect(compiled.localPlan.groupCount == 2 && compiled.localPlan.width == 20)
        // Member vectors: group false has rows (1, 2.00) and (3, null); group true is empty.
        let vector = try compiled.localPlan.execute(rows: [
            [.bool(false), .int(1), .decimal(200, scale: 2)], [.bool(false), .int(3), .null], [.null, .int(1), .null],
        ])
        #expect(Array(vector[0..<10]) == [2, 1, 1, 200, 200, 1, 200, 2, 1, 1])
        #expect(vector[16] == Int128(Int64.max))  // min over no rows: the neutral element
        #expect(compiled.circuit.listing.hasPrefix("circuit v1 inputs 20 gates "))
        #expect(compiled.circuit.gates.contains { $0.opcode == .minInputs })
    }

    @Test func circuitListingGolden() throws {
        let source = """
            contract kat2 version 1 {
              input r(g: bool, x: decimal(1))
              compute by g { n = count()  m = mean(x) }
              reveal m to role "auditor"
              require n >= 3 per group
            }
            """
        let compiled = try ContractCompiler.compile(source: source)
        #expect(
            compiled.circuit.listing == """
                circuit v1 inputs 6 gates 16
                w0 = sum_inputs slot 0 : integer
                w1 = sum_inputs slot 1 : integer
                w2 = sum_inputs slot 2 : integer
                w3 = div w2, w1 : real  -- division
                w4 = const 1 : integer
                w5 = ge w1, w4 : integer  -- comparison
                w6 = const 3 : integer
                w7 = ge w0, w6 : integer  -- comparison
                w8 = reveal w3 valid w5 suppress w7 output "m" group 0 to role "auditor" scale 1 as real
                w9 = sum_inputs slot 3 : integer
                w10 = sum_inputs slot 4 : integer
                w11 = sum_inputs slot 5 : integer
                w12 = div w11, w10 : real  -- division
                w13 = ge w10, w4 : integer  -- comparison
                w14 = ge w9, w6 : integer  -- comparison
                w15 = reveal w12 valid w13 suppress w14 output "m" group 1 to role "auditor" scale 1 as real

                """)
        #expect(compiled.protocolFamily == .beaver)
        // The JSON form round-trips.
        let data = try JSONEncoder().encode(compiled.circuit)
        #expect(try JSONDecoder().decode(Circuit.self, from: data) == compiled.circuit)
    }

    // MARK: Circuit IR and evaluator (§8.2)

    @Test func circuitEvaluatorSemantics() throws {
        let circuit = Circuit(
            inputWidth: 2,
            gates: [
                Gate(.sumInputs, slot: 0),  // w0 = Σ slot 0
                Gate(.maxInputs, slot: 1),  // w1
                Gate(.constant, constant: .integer(3)),  // w2
                Gate(.greaterOrEqual, [0, 2]),  // w3 = w0 ≥ 3
                Gate(.divide, [1, 0], kind: .real),  // w4
                Gate(.select, [3, 1, 2]),  // w5
                Gate(.multiplyConstant, [0], constant: .integer(-2)),  // w6
                Gate(.squareRoot, [1], kind: .real),  // w7
                Gate(
                    .reveal, [4, 3],
                    reveal: RevealInfo(
                        output: "ratio", group: 0, element: nil, recipients: ["all"], scale: 0, presentation: "real",
                        validity: 3, suppression: nil)),
            ])
        try circuit.validate()
        let revealed = try circuit.evaluate(memberInputs: [[1, 9], [2, 4]])
        #expect(revealed.map(\.outcome) == [.value(.real(3))])
        let small = try circuit.evaluate(memberInputs: [[1, 9]])
        #expect(small.map(\.outcome) == [.undefined])
        #expect(circuit.requiredCapabilities == [.linear, .comparison, .division, .multiplication])
        #expect(throws: CircuitError.inputLengthMismatch(expected: 2, found: 1)) { try circuit.evaluate(memberInputs: [[1]]) }
        #expect(throws: CircuitError.noMembers) { try circuit.evaluate(memberInputs: []) }
        let overflow = Circuit(inputWidth: 1, gates: [Gate(.sumInputs, slot: 0), Gate(.multiply, [0, 0])])
        #expect(throws: CircuitError.overflow(gate: 1)) { try overflow.evaluate(memberInputs: [[Int128.max / 2]]) }
        let malformed = Circuit(inputWidth: 1, gates: [Gate(.add, [0, 1])])
        #expect(throws: CircuitError.self) { try malformed.validate() }
        #expect(Opcode.allCases.allSatisfy { !$0.rawValue.isEmpty })
        #expect(ProtocolFamily.cheapest(covering: [.linear]) == .additive)
        #expect(ProtocolFamily.cheapest(covering: [.linear, .comparison]) == .beaver)
    }
}
