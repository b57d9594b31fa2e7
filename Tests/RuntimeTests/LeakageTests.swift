import Circuit
import CircuitCompiler
import MPCProtocols
import ConsortiumLedger
import ContractLanguage
import Foundation
import Runtime
import Testing

/// What members receive (protocols/runtime.md#what-each-party-sees): no message delivered to a
/// member carries another member's protocol input in the clear.
@Suite("Leakage")
struct LeakageTests {
    @Test("no member receives another member's input vector", arguments: [ProtocolFamily.additive, .secagg, .paillier])
    func inputsNeverInTheClear(_ family: ProtocolFamily) async throws {
        let transport = InMemoryTransport(recording: true)
        let fixture = try await hospitalConsortium(count: 3, rows: 120, transport: transport)
        if family == .paillier { try await fixture.holdTestKeyCeremony(threshold: 2) }
        let report = try await fixture.consortium.run(fixture.compiled, options: .patient(family))
        #expect(report.isPublished, "\(report.abortReason ?? "")")
        let messages = await transport.deliveredMessages()
        #expect(!messages.isEmpty)
        var inputs: [[UInt64]] = []
        for name in fixture.names {
            let opening = await fixture.consortium.member(named: name)!.commitmentOpening(for: report.runID)
            inputs.append(try #require(opening?.input))
        }
        // The opened sum, which every member receives by design: where the others contributed
        // zeros (a small, suppressed ward), a member's input equals it and is no leak beyond it.
        let sum = inputs.dropFirst().reduce(inputs[0]) { zip($0, $1).map { $0 &+ $1 } }
        for (index, name) in fixture.names.enumerated() {
            let input = inputs[index]
            // Every 3-word window of the input, big- and little-endian.
            for start in stride(from: 0, to: max(1, input.count - 2), by: 3) {
                let window = Array(input[start..<min(input.count, start + 3)])
                // Windows of small counts ([2, 0, 0]) recur by chance in any vector of counts.
                guard window.contains(where: { Int64(bitPattern: $0).magnitude > 1024 }) else { continue }
                guard window != Array(sum[start..<min(sum.count, start + 3)]) else { continue }
                let big = window.flatMap { word in (0..<8).reversed().map { UInt8(truncatingIfNeeded: word >> (8 * UInt64($0))) } }
                let little = window.flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * UInt64($0))) } }
                for message in messages where message.to != PartyID(UInt32(index + 1)) {
                    #expect(!contains(message.bytes, big) && !contains(message.bytes, little), "\(name)'s input \(window.map { Int64(bitPattern: $0) }) at \(start) appears in a message to \(message.to)")
                }
            }
        }
    }

    func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i..<(i + needle.count)]) == needle { return true }
        }
        return false
    }

    @Test("the transcript hash does not depend on delivery order or duplicates")
    func transcriptOrderIndependent() {
        let a: [UInt8] = Array(repeating: 1, count: 32), b: [UInt8] = Array(repeating: 2, count: 32)
        #expect(Consortium.transcriptHash([a, b]) == Consortium.transcriptHash([b, a, b]))
        #expect(Consortium.transcriptHash([a]) != Consortium.transcriptHash([a, b]))
    }
}
