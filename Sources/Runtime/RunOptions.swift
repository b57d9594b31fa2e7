public import Circuit

/// How to run a contract. Spec: protocols/runtime.md#run-options.
public struct RunOptions: Sendable {
    /// Run under this protocol instead of the contract's choice. Allowed only when the contract
    /// says `protocol auto` (an approved contract that names its protocol fixes it).
    public var protocolFamily: ProtocolFamily?
    /// The participants by name, in party order; nil: every member with data and the participant role.
    public var participants: [String]?
    /// How long a party waits in one round before declaring missing peers dropped. Members of
    /// aggregator-based protocols wait twice as long (the aggregator closes rounds first).
    public var roundTimeout: Duration
    /// SecAgg threshold `t`; nil: `⌊n/2⌋ + 1`.
    public var secaggThreshold: Int?
    /// Whether SecAgg key adverts are signed with the members' ledger keys.
    public var signKeyAdverts: Bool
    /// Whether to sign and cosign a checkpoint after the run.
    public var checkpoint: Bool
    /// The transport for this run; nil: the consortium's.
    public var transport: (any Transport)?
    /// How long each member's local plan (validation and scan of its data) may take before the
    /// run aborts with `run-aborted` (spec: protocols/runtime.md#run-options).
    public var localPlanTimeout: Duration
    /// **INSECURE** — protocol `beaver` only: every member derives the triples and random bits
    /// from the run id, a dealer that every member (and anyone who knows the run id) can replay,
    /// so the run hides nothing from them. For benchmarks and tests; `run-started` records the
    /// protocol as `beaver/INSECURE-dealer` (protocols/beaver.md#insecure-dealer-mode).
    public var insecureDealer: Bool = false
    /// Called with one line as each phase of the run begins (for a live progress display; never
    /// carries a data value).
    public var progress: (@Sendable (String) -> Void)?
    /// The clock the protocol's round deadlines and the joint phase's overall deadline are kept
    /// on: the real clock, or a ``VirtualClock`` in tests (protocols/runtime.md#deadlines).
    public var clock: any DeadlineClock
    /// How long each participant may take, at `join`, to hand its output pad seeds to their
    /// recipients; the `join` request carries it (nil: each participant's own bound;
    /// protocols/runtime.md#output-pads).
    public var padSeedDeadline: Duration?

    /// Options.
    /// - Parameters:
    ///   - protocolFamily: A protocol for an `auto` contract.
    ///   - participants: The participants.
    ///   - roundTimeout: The per-round deadline (default 5 s).
    ///   - secaggThreshold: SecAgg's `t`.
    ///   - signKeyAdverts: Sign SecAgg key adverts (default true).
    ///   - checkpoint: Checkpoint after the run (default true).
    ///   - transport: A transport for this run (e.g. one with faults).
    ///   - localPlanTimeout: The deadline of each member's local plan (default 10 minutes).
    ///   - insecureDealer: INSECURE dealt preprocessing for `beaver` (default false).
    ///   - progress: Called as each phase begins.
    ///   - clock: The clock of the protocol's deadlines (default: the real clock).
    public init(
        protocolFamily: ProtocolFamily? = nil, participants: [String]? = nil, roundTimeout: Duration = .seconds(5),
        secaggThreshold: Int? = nil, signKeyAdverts: Bool = true, checkpoint: Bool = true, transport: (any Transport)? = nil,
        localPlanTimeout: Duration = .seconds(600), insecureDealer: Bool = false, progress: (@Sendable (String) -> Void)? = nil,
        clock: any DeadlineClock = RealClock()
    ) {
        self.insecureDealer = insecureDealer
        self.clock = clock
        self.progress = progress
        self.localPlanTimeout = localPlanTimeout
        self.protocolFamily = protocolFamily
        self.participants = participants
        self.roundTimeout = roundTimeout
        self.secaggThreshold = secaggThreshold
        self.signKeyAdverts = signKeyAdverts
        self.checkpoint = checkpoint
        self.transport = transport
    }
}
