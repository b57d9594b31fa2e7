import ArgumentParser
import Foundation

/// `covenant consortium change roles|add-member|remove-member|revoke-contract|list|show|endorse|withdraw`: consortium changes
/// drafted on one voting member's node and endorsed by the other voting members' operators on
/// their own nodes (spec: protocols/node.md#consortium-changes). Parsing and printing only.
struct ChangeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "change",
        abstract: "Change a member's contract roles, add or remove a member, revoke a contract version, with the voting members' endorsements gathered across their nodes.",
        discussion: """
            A voting member's operator drafts a change on its node ('roles', 'add-member', 'remove-member' or 'revoke-contract'); the node endorses it as its \
            member and prints the change's id. Every other voting member's operator reviews it ('show ID') and endorses it \
            ('endorse ID') on its own node, which fetches the change from the proposer's node, checks it against its own \
            ledger replica and signs with its own key. At a quorum of endorsements the proposer's node records the entry.
            """,
        subcommands: [Roles.self, AddMember.self, RemoveMember.self, RevokeContract.self, List.self, Show.self, Endorse.self, Withdraw.self])

    struct Access: ParsableArguments {
        @Option(name: .customLong("operator"), help: "The operator directory (covenant operator init).")
        var operatorDirectory: String
        @Flag(help: "Print JSON.")
        var json = false
    }

    /// A change held by this node or another voting member's, and the operator's access.
    struct Reference: ParsableArguments {
        @Argument(help: "The change id (64 hex digits; covenant consortium change list on the proposer's node).")
        var id: String
        @OptionGroup var access: Access

        func send(_ command: String) async throws -> [String: Any] {
            try await Operator.send(access.operatorDirectory, ["command": command, "id": id])
        }
    }

    struct Roles: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draft a change of one member's contract roles: the --role options are its whole list afterwards (none: it holds no role).")
        @Argument(help: "The member whose contract roles change.")
        var member: String
        @Option(name: .customLong("role"), help: "A contract role the member holds afterwards (repeated).")
        var roles: [String] = []
        @OptionGroup var access: Access

        func run() async throws {
            let answer = try await Operator.send(
                access.operatorDirectory, ["command": "change-propose", "change": "roles", "member": member, "contractRoles": roles])
            ChangeCommand.report(answer, json: access.json)
        }
    }

    /// The quorum after a membership change, and drafting the change with it.
    struct QuorumAfter: ParsableArguments {
        @Option(name: .customLong("quorum-after"), help: "The quorum after the change (default: the current quorum, at most the voting members after it).")
        var quorumAfter: Int?

        func propose(_ change: [String: Any], _ access: Access) async throws {
            var request = change
            request["command"] = "change-propose"
            if let quorumAfter {
                guard quorumAfter >= 1 else { throw ValidationError("--quorum-after must be at least 1") }
                request["quorumAfter"] = quorumAfter
            }
            ChangeCommand.report(try await Operator.send(access.operatorDirectory, request), json: access.json)
        }
    }

    struct AddMember: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-member",
            abstract: "Draft the addition of a member from its card (covenant member init), with its contract roles and the quorum afterwards.",
            discussion: "Once the addition is recorded, every running node accepts the new member (its registry follows the ledger); each operator gives its node the new member's address ('covenant node peer') and adds it under 'peers' in node.json, and the new member accepts a copy of a stopped node's replica with 'covenant consortium accept' (README, 'Adding a member').")
        @Argument(help: "The new member's card file.")
        var card: String
        @Option(name: .customLong("role"), help: "A contract role the new member holds (repeated).")
        var roles: [String] = []
        @OptionGroup var quorum: QuorumAfter
        @OptionGroup var access: Access

        func run() async throws {
            guard let text = try? String(contentsOfFile: card, encoding: .utf8) else {
                throw ExitStatus.fail(.invalidInput, "cannot read the card file \(card)")
            }
            try await quorum.propose(["change": "add-member", "card": text, "contractRoles": roles], access)
        }
    }

    struct RemoveMember: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-member",
            abstract: "Draft the removal of a member, with the quorum afterwards.",
            discussion: "Once the removal is recorded, every node refuses the member at once: its handshakes, its messages and its calls (its registry follows the ledger). The sequencer cannot be removed.")
        @Argument(help: "The member to remove.")
        var member: String
        @OptionGroup var quorum: QuorumAfter
        @OptionGroup var access: Access

        func run() async throws {
            try await quorum.propose(["change": "remove-member", "member": member], access)
        }
    }

    struct RevokeContract: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke-contract",
            abstract: "Draft the revocation of a contract version (active or proposed), with its reason.",
            discussion: "Once the revocation is recorded, no run of the version starts and no result of a run of it is published, even of a run already started (rules L9, L10, L12). The reason is public on the ledger: never put a data value in it.")
        @Argument(help: "The version id (covenant contract list), or the contract's name for its one active or proposed version.")
        var version: String
        @Option(help: "Why the version is revoked (recorded on the ledger; 1–1024 bytes).")
        var reason: String
        @OptionGroup var access: Access

        func run() async throws {
            guard !reason.isEmpty else { throw ValidationError("--reason must not be empty") }
            let answer = try await Operator.send(
                access.operatorDirectory, ["command": "change-propose", "change": "revoke-contract", "version": version, "reason": reason])
            ChangeCommand.report(answer, json: access.json)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the changes your member's node holds pending, with their endorsements.")
        @OptionGroup var access: Access

        func run() async throws {
            let answer = try await Operator.send(access.operatorDirectory, ["command": "change-list"])
            if access.json { return print(Operator.text(answer)) }
            let changes = answer["changes"] as? [[String: Any]] ?? []
            if changes.isEmpty { print("no pending change") }
            for change in changes { print(ChangeCommand.line(change)) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a pending change (held by your node or another voting member's) and whether it verifies against your node's replica.")
        @OptionGroup var change: Reference

        func run() async throws {
            let answer = try await change.send("change-show")
            if change.access.json { return print(Operator.text(answer)) }
            print(ChangeCommand.line(answer))
            if let fingerprint = answer["fingerprint"] as? String {
                print("new member's key fingerprint: \(printable(fingerprint)) (compare it with the member itself)")
            }
            let verified = (answer["verifiedEndorsements"] as? [String] ?? []).map(printable)
            print("endorsements whose signatures verify against this node's replica: \(verified.isEmpty ? "none" : verified.joined(separator: ", "))")
            if answer["verifies"] as? Bool == true {
                print("verifies against this node's replica")
            } else {
                print("does NOT verify against this node's replica: \(printable(answer["problem"] as? String ?? "?"))")
            }
        }
    }

    struct Endorse: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Endorse a pending change as your member: your node checks it against its own replica and signs with its own key.")
        @OptionGroup var change: Reference

        func run() async throws {
            ChangeCommand.report(try await change.send("change-endorse"), json: change.access.json)
        }
    }

    struct Withdraw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Forget a change your node holds pending (nothing was recorded).")
        @OptionGroup var change: Reference

        func run() async throws {
            let answer = try await change.send("change-withdraw")
            if change.access.json { return print(Operator.text(answer)) }
            print("withdrew change \(answer["id"] ?? "")")
        }
    }

    /// `change ID: KIND MEMBER …, endorsed by A, B (2 of quorum 2)`.
    static func line(_ change: [String: Any]) -> String {
        let roles = (change["contractRoles"] as? [String] ?? []).map(printable).joined(separator: ",")
        let endorsers = (change["endorsements"] as? [String] ?? []).map(printable)
        var what = "\(change["kind"] ?? "?") \(printable(change["member"] as? String ?? "?")) contract roles [\(roles)]"
        if let quorum = change["quorumAfter"] { what += ", ledger roles [\((change["roles"] as? [String] ?? []).joined(separator: ","))], quorum after \(quorum)" }
        if let version = change["version"] as? String {
            let contract = (change["contract"] as? String).map { " of contract \(printable($0)) (\(printable(change["versionStatus"] as? String ?? "?")) on this node's replica)" } ?? ""
            what = "\(change["kind"] ?? "?") version \(printable(version))\(contract): \(printable(change["reason"] as? String ?? "?"))"
        }
        return "change \(change["id"] ?? "?") by \(printable(change["proposer"] as? String ?? "?")): \(what); endorsed by \(endorsers.joined(separator: ", ")) (\(endorsers.count) of quorum \(change["quorum"] ?? "?"))"
    }

    static func report(_ answer: [String: Any], json: Bool) {
        if json { return print(Operator.text(answer)) }
        print(line(answer))
        if answer["status"] as? String == "recorded" {
            print("recorded on the ledger as entry \(answer["entry"] ?? "?")")
        } else {
            print("pending: each other voting member's operator runs 'covenant consortium change endorse \(answer["id"] ?? "ID")' on its own node")
        }
    }
}
