import ConsortiumLedger
import Foundation
import Runtime

/// The views of this node's member (the outputs its runs revealed to it, as JSON), kept beside
/// the replica in `<ledger>.views/<run id>.json` (folder 0700, files 0600, each written whole and
/// renamed into place) so that an operator reads them after a restart; read back bounded. A view
/// is the member's own result, held on its own machine like its data.
/// Spec: protocols/node.md#runs-across-nodes.
struct ViewStore: Sendable {
    /// The largest view file read back.
    static let maximumFileBytes = 16 << 20

    /// The folder.
    let directory: String
    /// The runs whose views are kept (read from the folder once, at start).
    private(set) var kept: Set<LedgerHash>

    /// The store beside the replica at `ledgerPath`; the folder is made on the first view.
    init(besideLedger ledgerPath: String) {
        directory = ledgerPath + ".views"
        kept = Set(((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .compactMap { $0.hasSuffix(".json") ? LedgerHash(hex: String($0.dropLast(5))) : nil })
    }

    /// Keeps the view of `run` (a view received again replaces the file whole).
    /// - Throws: ``RuntimeError`` `fileFailure` when it cannot be written.
    mutating func keep(_ json: String, run: LedgerHash) throws {
        do {
            try MemberKeyDirectory.secureDirectory(directory)
        } catch {
            throw RuntimeError(.fileFailure, "the views folder \(directory) cannot be used: \(error)")
        }
        guard DurableFile.replace(file(run), with: Array(json.utf8)) else {
            throw RuntimeError(.fileFailure, "the view of run \(run.hex.prefix(16))… could not be written to \(directory)")
        }
        kept.insert(run)
    }

    /// The view of `run`, or nil when none is kept.
    func view(_ run: LedgerHash) -> String? {
        guard kept.contains(run) else { return nil }
        return DurableFile.read(file(run), limit: Self.maximumFileBytes).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The runs whose views are kept, in id order.
    var runs: [LedgerHash] { kept.sorted() }

    private func file(_ run: LedgerHash) -> String { "\(directory)/\(run.hex).json" }
}
