// Redacted descriptions: a state machine holds inputs, seeds, private keys and shares, so its
// description shows only public facts (no secret in a description).

extension AdditiveStateMachine: CustomStringConvertible, CustomDebugStringConvertible {
    /// Party, round and whether finished; secrets redacted.
    public var description: String { "AdditiveStateMachine(\(party), round: \(currentRound), finished: \(isFinished), state: redacted)" }
    /// Same as ``description``.
    public var debugDescription: String { description }
}

extension SecAggMemberStateMachine: CustomStringConvertible, CustomDebugStringConvertible {
    /// Party, round and whether finished; secrets redacted.
    public var description: String { "SecAggMemberStateMachine(\(party), round: \(currentRound), finished: \(isFinished), state: redacted)" }
    /// Same as ``description``.
    public var debugDescription: String { description }
}

extension SecAggAggregatorStateMachine: CustomStringConvertible, CustomDebugStringConvertible {
    /// Round and whether finished; state redacted.
    public var description: String { "SecAggAggregatorStateMachine(round: \(currentRound), finished: \(isFinished), state: redacted)" }
    /// Same as ``description``.
    public var debugDescription: String { description }
}

extension PaillierMemberStateMachine: CustomStringConvertible, CustomDebugStringConvertible {
    /// Party, round and whether finished; secrets redacted.
    public var description: String { "PaillierMemberStateMachine(\(party), round: \(currentRound), finished: \(isFinished), state: redacted)" }
    /// Same as ``description``.
    public var debugDescription: String { description }
}

extension PaillierAggregatorStateMachine: CustomStringConvertible, CustomDebugStringConvertible {
    /// Round and whether finished; state redacted.
    public var description: String { "PaillierAggregatorStateMachine(round: \(currentRound), finished: \(isFinished), state: redacted)" }
    /// Same as ``description``.
    public var debugDescription: String { description }
}
