public import Circuit
public import ContractLanguage
import CryptoPrimitives

/// A compiled contract: the checked contract, its local plan, its joint circuit, the protocol
/// that will run it, and its identity (spec §8).
public struct CompiledContract: Sendable {
    /// The checked contract.
    public let contract: CheckedContract
    /// What each member computes locally.
    public let localPlan: LocalPlan
    /// What members compute jointly.
    public let circuit: Circuit
    /// The protocol chosen (`auto` resolved to the cheapest that covers the joint part, spec §7.3).
    public let protocolFamily: ProtocolFamily
    /// The circuit cut at its opening frontier (spec §8.7): what an aggregation protocol opens.
    public let opening: OpeningSplit

    /// What the members must compute on secrets (spec §7.3, §8.7): the whole circuit's
    /// capabilities, or with `disclose sums` only those of the part below the opening frontier
    /// (`linear`, plus `comparison` for a minimum or maximum of the members' own values).
    public var jointCapabilities: Set<Capability> {
        CompiledContract.jointCapabilities(circuit, opening, disclosesSums: contract.disclosesSums)
    }

    static func jointCapabilities(_ circuit: Circuit, _ opening: OpeningSplit, disclosesSums: Bool) -> Set<Capability> {
        guard disclosesSums else { return circuit.requiredCapabilities }
        return opening.comparisonGates.isEmpty ? [.linear] : [.linear, .comparison]
    }

    /// Domain separator of the contract encoding (spec §8.5).
    public static let contractDomain = "covenant-contract/v1\n"
    /// Domain separator of the plan encoding (spec §8.5).
    public static let planDomain = "covenant-plan/v1\n"

    /// The canonical source text (spec §8.5): `PrettyPrinter.format` of the syntax tree.
    public var canonicalText: String { PrettyPrinter.format(contract.syntax) }

    /// The canonical encoding: the UTF-8 bytes of `contractDomain` followed by `canonicalText`.
    public var canonicalEncoding: [UInt8] { Array((CompiledContract.contractDomain + canonicalText).utf8) }

    /// The contract version id recorded on the ledger: SHA-256 of `canonicalEncoding`.
    public var contractID: [UInt8] { SHA256.hash(canonicalEncoding) }

    /// The contract id in lower-case hexadecimal.
    public var contractIDHex: String { hex(contractID) }

    /// The plan encoding: `planDomain`, the protocol line, the local plan listing and the
    /// circuit listing, as UTF-8.
    public var planEncoding: [UInt8] {
        Array(
            (CompiledContract.planDomain + "protocol \(protocolFamily.rawValue)\n" + localPlan.listing + circuit.listing)
                .utf8)
    }

    /// SHA-256 of `planEncoding`: identifies the compiled artefacts a run executes.
    public var planHash: [UInt8] { SHA256.hash(planEncoding) }

    /// Runs the compiled plan end to end in the clear: each member's local plan, then the
    /// circuit's plaintext evaluator. Protocol engines must reproduce this on shares.
    /// - Parameter members: each member's rows.
    /// - Returns: the revealed result.
    /// - Throws: `CompilerError` on bad data, too few participants or overflow.
    public func evaluateInTheClear(members: [[[Value]]]) throws(CompilerError) -> ContractResult {
        if let minimum = contract.minimumParticipants, members.count < minimum {
            throw .insufficientParticipants(required: minimum, found: members.count)
        }
        var vectors: [[Int128]] = []
        for rows in members { vectors.append(try localPlan.execute(rows: rows)) }
        do {
            let revelations = try circuit.evaluate(memberInputs: vectors)
            return ContractResult(revelations: revelations, contract: contract)
        } catch {
            throw .overflow("circuit evaluation failed: \(error)")
        }
    }
}

/// Lower-case hexadecimal.
func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    var out = ""
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0f)])
    }
    return out
}

/// Compiles contracts: parse, type-check, plan (spec §8).
public enum ContractCompiler {
    /// Compiles contract source text.
    /// - Parameter source: the contract.
    /// - Returns: the compiled contract.
    /// - Throws: `CompilerError.invalidContract` with the diagnostics.
    public static func compile(source: String) throws(CompilerError) -> CompiledContract {
        let checked: CheckedContract
        do {
            checked = try TypeChecker.check(source: source)
        } catch {
            throw .invalidContract(error.diagnostics)
        }
        return compile(checked)
    }

    /// Plans a checked contract. Never fails: a contract that type-checks always compiles.
    /// - Parameter checked: the checked contract.
    /// - Returns: the compiled contract.
    public static func compile(_ checked: CheckedContract) -> CompiledContract {
        let output = Planner.plan(checked)
        let opening = output.circuit.openingSplit
        let family: ProtocolFamily
        switch checked.protocolChoice {
        case .auto:
            family = .cheapest(
                covering: CompiledContract.jointCapabilities(output.circuit, opening, disclosesSums: checked.disclosesSums))
        case .additive: family = .additive
        case .secagg: family = .secagg
        case .paillier: family = .paillier
        case .beaver: family = .beaver
        }
        return CompiledContract(
            contract: checked, localPlan: output.localPlan, circuit: output.circuit, protocolFamily: family,
            opening: opening)
    }
}
