import Circuit
import CircuitCompiler
import ConsortiumLedger
import Foundation
import Runtime

/// Printing of contract results for `covenant demo` and `covenant run` (printing only).
enum ResultTable {
    /// One line per (group, output): the joint value, and beside it the oracle's when given.
    static func lines(_ result: ContractResult, oracle: ContractResult?, notes: [String: String] = [:]) -> [String] {
        var rows: [[String]] = []
        for (index, group) in result.groups.enumerated() {
            let key = group.key.isEmpty ? "(all rows)" : group.key.map { "\($0)" }.joined(separator: " · ")
            if group.suppressed {
                rows.append([key, "(suppressed)", "", "", ""])
                continue
            }
            for (position, name) in result.outputNames.enumerated() {
                let value = group.outputs[name]?.json ?? "–"
                var row = [position == 0 ? key : "", name + (notes[name].map { " (\($0))" } ?? ""), value]
                if let oracle, index < oracle.groups.count {
                    let expected = oracle.groups[index].outputs[name]?.json ?? "–"
                    row += ["oracle " + expected, value == expected ? "✓" : "≠"]
                }
                rows.append(row)
            }
        }
        guard let columns = rows.map(\.count).max() else { return [] }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
    }

    /// A result as a JSON object (parsed from its canonical JSON text).
    static func object(_ result: ContractResult?) -> Any {
        guard let result, let data = result.json.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data) else {
            return NSNull()
        }
        return object
    }

    /// Pretty JSON text of an object.
    static func text(_ object: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Seconds with two decimals.
    static func seconds(_ duration: Duration) -> Double {
        (Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 * 1).rounded(toPlaces: 3)
    }

    /// The run report as a JSON object.
    static func object(_ report: RunReport) -> [String: Any] {
        var object: [String: Any] = [
            "runID": report.runID.hex, "contract": report.contract, "version": report.version, "contractID": report.contractID,
            "protocol": report.protocolFamily.rawValue, "protocolReason": report.protocolReason,
            "participants": report.participants, "contributors": report.contributors,
            "status": report.isPublished ? "published" : "aborted", "ledgerEntries": report.ledgerEntries,
            "withheldOutputs": report.withheld,
            "phases": Dictionary(report.phases.map { ($0.phase, seconds($0.duration)) }, uniquingKeysWith: { a, _ in a }),
            "localPlan": report.executionPaths,
            "traffic": report.traffic.mapValues(\.fields),
        ]
        if let reason = report.abortReason { object["abortReason"] = reason }
        if !report.memberErrors.isEmpty { object["memberErrors"] = report.memberErrors }
        if report.isPublished {
            object["result"] = self.object(report.result)
            object["publicResult"] = self.object(report.publicResult)
            object["views"] = report.views.mapValues { self.object($0) }
            object["resultHash"] = report.resultHash?.hex
            object["revealedHash"] = report.revealedHash?.hex
            object["transcriptHash"] = report.transcriptHash?.hex
        }
        if report.protocolFamily == .paillier && report.isPublished {
            object["decryptors"] = report.decryptors
            object["faultyKeyHolders"] = report.faultyKeyHolders
        }
        return object
    }

    /// Which outputs are not revealed to all, and to whom they are (`→ role "regulator"`).
    static func visibilityNotes(_ report: RunReport) -> [String: String] {
        guard let result = report.result, let publicResult = report.publicResult else { return [:] }
        var notes: [String: String] = [:]
        for name in result.outputNames where !publicResult.outputNames.contains(name) {
            let viewers = report.views.filter { $0.value.outputNames.contains(name) }.keys.sorted()
            notes[name] = "only " + viewers.joined(separator: ", ")
        }
        return notes
    }
}

extension Double {
    func rounded(toPlaces places: Int) -> Double {
        var factor = 1.0
        for _ in 0..<places { factor *= 10 }
        return (self * factor).rounded() / factor
    }
}
