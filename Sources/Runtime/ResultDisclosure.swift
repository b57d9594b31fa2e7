import Circuit
public import ConsortiumLedger

/// Who receives which outputs of a run, decided from the ledger alone: an output revealed to
/// `all` goes to the run's participants (and its values onto the ledger), one revealed to
/// `member "x"` to that current member, and one revealed to `role "y"` to the members whose
/// ledger record holds the contract role `y` (their genesis or member-added entry). No node
/// configuration and no coordinator's word enters it: the coordinator hands out views with it,
/// records its recipients in `result-published`, every endorser recomputes that record, and a
/// member accepts a view only for outputs it grants that member. Spec:
/// protocols/runtime.md#reveal-and-views.
public struct ResultDisclosure: Sendable {
    /// Each revealed output and its recipients, in the contract's spelling.
    public let recipientsByOutput: [String: [String]]
    /// The run's participants.
    public let participants: [String]
    /// The ledger state whose contract roles decide (the coordinator's replica at the result).
    public let state: ConsortiumState

    /// The disclosure of a run of a planned contract.
    /// - Parameters:
    ///   - plan: The contract's aggregation plan (its reveal gates name the recipients).
    ///   - participants: The run's participants.
    ///   - state: The ledger state that decides role holders.
    public init(plan: AggregationPlan, participants: [String], state: ConsortiumState) {
        var recipients: [String: [String]] = [:]
        for reveal in plan.reveals where recipients[reveal.output] == nil { recipients[reveal.output] = reveal.recipients }
        self.recipientsByOutput = recipients
        self.participants = participants
        self.state = state
    }

    /// Whether `member` receives `output`.
    /// - Parameters:
    ///   - output: A contract output.
    ///   - member: A member's name.
    /// - Returns: True if the contract reveals it to `all` and `member` is a participant, or to a
    ///   recipient the ledger says designates `member`.
    public func reveals(_ output: String, to member: String) -> Bool {
        (recipientsByOutput[output] ?? []).contains { recipient in
            recipient == "all" ? participants.contains(member) : state.designates(recipient, member: member)
        }
    }

    /// The outputs among `outputs` that `member` receives, in their order.
    /// - Parameters:
    ///   - outputs: Output names.
    ///   - member: A member's name.
    /// - Returns: Those revealed to it.
    public func outputs(_ outputs: [String], for member: String) -> [String] {
        outputs.filter { reveals($0, to: member) }
    }

    /// What `result-published` records of the views (rule L15): each recipient other than `all`
    /// that the contract names, with the members the ledger designates, in recipient order (a
    /// recipient whose name no member or role can have designates no one and is not recorded).
    public var recordedRecipients: [ViewRecipients] {
        Set(recipientsByOutput.values.joined()).filter(ViewRecipients.isRecordable).sorted().map {
            ViewRecipients(recipient: $0, members: state.designatedMembers($0))
        }
    }

    /// Checks a view offered to `member` against this disclosure: every output in it must be one
    /// the ledger grants that member.
    /// - Parameters:
    ///   - outputs: The outputs the view holds.
    ///   - member: The receiving member.
    ///   - runID: The run, for the message.
    /// - Throws: ``RuntimeError`` `invalidParticipants` naming the outputs it is not a recipient of.
    public func checkView(outputs: [String], for member: String, runID: LedgerHash) throws {
        let foreign = outputs.filter { !reveals($0, to: member) }
        guard foreign.isEmpty else {
            throw RuntimeError(
                .invalidParticipants,
                "refuses its view of run \(runID.hex.prefix(16))…: it is not a recipient of \(foreign.joined(separator: ", ")) on its ledger (contract roles live on the ledger)",
                member: member)
        }
    }
}
