import ArgumentParser
import Foundation
import CryptoPrimitives
import NodeRuntime
import Runtime

/// `covenant node run|status|peer` and `covenant operator init`: a member's long-running node and its
/// operator's access to it (spec: protocols/node.md). Parsing and printing only.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run this member's node, or ask a running node for its status.",
        subcommands: [Run.self, Status.self, Peer.self, View.self])

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the member's node until SIGTERM or SIGINT (then it finishes its runs and stops).",
            discussion: "Prints 'member-address HOST:PORT' and 'admin-address HOST:PORT' once listening; logs go to standard error.")

        @Option(help: "The node configuration file (protocols/node.md#configuration).")
        var config: String

        func run() async throws {
            try await ExitStatus.reporting {
                let signals = StopSignals([SIGTERM, SIGINT])
                let node = try await MemberNode(settings: try NodeSettings.load(path: config))
                let (member, admin) = try await node.start()
                // Unbuffered: a supervisor (or a test) reads the addresses while the node runs.
                FileHandle.standardOutput.write(Data("member-address \(member)\nadmin-address \(admin)\n".utf8))
                await signals.wait()
                await node.stop()
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ask a running node for its status over the admin channel.")

        @Option(name: .customLong("operator"), help: "The operator directory (covenant operator init).")
        var operatorDirectory: String
        @Flag(help: "Print the status as JSON.")
        var json = false

        func run() async throws {
            try await ExitStatus.reporting {
                let status = try await OperatorAccess(directory: operatorDirectory).send(["command": "status"], timeout: .seconds(30))
                if json {
                    print(Operator.text(status))
                } else {
                    let ledger = status["ledger"] as? [String: Any] ?? [:]
                    print("node \(printable(status["member"] as? String ?? "?")) of \(printable(status["consortium"] as? String ?? "?"))")
                    print("ledger: \(ledger["size"] ?? 0) entries, root \(ledger["root"] ?? ""), sequencer \(printable(status["sequencer"] as? String ?? "?"))")
                    if let halted = ledger["halted"] as? String { print("replication halted: \(printable(halted))") }
                    print("runs in progress: \(status["runsInProgress"] ?? 0); coordinated: \((status["runsCoordinated"] as? [Any])?.count ?? 0); views held: \(status["views"] ?? 0)")
                }
            }
        }
    }

    struct Peer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tell a running node where another member's node listens.",
            discussion: "For a member the ledger admitted while the nodes run, or a peer that moved: in effect at once and until the node stops; add it to 'peers' in node.json for the next start.")

        @Argument(help: "The member.")
        var member: String
        @Argument(help: "Its node's host:port.")
        var address: String
        @Option(name: .customLong("operator"), help: "The operator directory (covenant operator init).")
        var operatorDirectory: String

        func run() async throws {
            let answer = try await Operator.send(operatorDirectory, ["command": "peer", "member": member, "address": address], timeout: .seconds(30))
            print("\(printable(answer["member"] as? String ?? member)) at \(printable(answer["address"] as? String ?? address))")
        }
    }
}

extension NodeCommand {
    struct View: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print your member's view of a run (the outputs revealed to it), or list the runs your node holds a view of.",
            discussion: "A node keeps each view beside its replica, so views survive a restart (protocols/node.md#runs-across-nodes).")

        @Argument(help: "The run id (64 hex digits); none to list the runs.")
        var run: String?
        @Option(name: .customLong("operator"), help: "The operator directory (covenant operator init).")
        var operatorDirectory: String

        func run() async throws {
            guard let run else {
                let answer = try await Operator.send(operatorDirectory, ["command": "views"], timeout: .seconds(30))
                let runs = answer["runs"] as? [String] ?? []
                if runs.isEmpty { print("no view held") }
                for run in runs { print(printable(run)) }
                return
            }
            let answer = try await Operator.send(operatorDirectory, ["command": "view", "run": run], timeout: .seconds(30))
            print(Operator.text(answer["view"] ?? NSNull()))
        }
    }
}

struct OperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator",
        abstract: "An operator's key for the admin channel of its member's node.",
        subcommands: [Init.self])

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an operator key (never shown) and operator.json naming the member's node; prints the public key to list under the node configuration's 'operators'.")

        @Option(help: "The operator directory (created, mode 0700).")
        var dir: String
        @Option(help: "The member's card (card.json of its key directory).")
        var card: String
        @Option(help: "The node's admin address, host:port.")
        var admin: String

        func run() async throws {
            guard let address = NodeAddress(parsing: admin) else { throw ValidationError("--admin must be host:port") }
            try await ExitStatus.reporting {
                let key = try OperatorAccess.create(in: dir, card: try MemberCard.read(path: card), admin: address)
                print(key.rawRepresentation.map { String(format: "%02x", $0) }.joined())
            }
        }
    }
}

/// Operator requests shared by `covenant contract propose|approve|list` and `covenant run --operator`.
enum Operator {
    static func send(_ directory: String, _ request: [String: Any], timeout: Duration = .seconds(600)) async throws -> [String: Any] {
        try await ExitStatus.reporting { try await OperatorAccess(directory: directory).send(request, timeout: timeout) }
    }

    static func text(_ object: Any) -> String {
        guard JSONSerialization.isValidJSONObject(object),
            let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        else { return object is NSNull ? "null" : printable("\(object)") }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Stop signals, caught from before the node announces its addresses (a supervisor may signal as
/// soon as it reads them) until the process ends, without blocking a thread of the concurrency
/// pool. The first signal ends ``wait()``; a second one exits at once with 130.
final class StopSignals: @unchecked Sendable {
    // @unchecked: `received` and `waiter` are only read and written under `lock`; the sources are
    // set once in init.
    private let lock = NSLock()
    private var received = false
    private var waiter: CheckedContinuation<Void, Never>?
    private var sources: [DispatchSourceSignal] = []

    /// Catches `signals` from now on.
    init(_ signals: [Int32]) {
        let queue = DispatchQueue(label: "covenant.signals")
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            // Strong: the sources stay armed until the process exits, and so does this object.
            source.setEventHandler { self.deliver() }
            source.resume()
            sources.append(source)
        }
    }

    private func deliver() {
        lock.lock()
        if received {
            lock.unlock()
            // A second signal while the node stops cleanly: stop now (the replica is committed
            // entry by entry, so nothing is half-written).
            FileHandle.standardError.write(Data("second signal: exiting without waiting for the runs in progress\n".utf8))
            exit(130)
        }
        received = true
        let waiter = self.waiter
        self.waiter = nil
        lock.unlock()
        waiter?.resume()
    }

    /// Returns once a signal has arrived (at once if one already has).
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            if received {
                lock.unlock()
                continuation.resume()
            } else {
                waiter = continuation
                lock.unlock()
            }
        }
    }
}
