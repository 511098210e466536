import Verification

/// How the pipeline ended one message. Every outcome except `.abandoned` is durable, so the
/// message's offset may be committed.
public enum PipelineOutcome: Sendable, Equatable {
    /// Invalid; copied to the dead-letter topic.
    case deadLettered(InvalidRequest)
    /// The request already had a decision; nothing was called or written.
    case duplicate(requestId: String)
    /// A decision was written (or another worker's identical write won the race).
    case decided(requestId: String, Decision)
    /// Shutdown came first: nothing durable happened and the message will be redelivered.
    case abandoned

    public var isDurable: Bool { self != .abandoned }
}
