/// The outcome of one verification request, as published and stored.
public enum Decision: String, Sendable, Codable, CaseIterable {
    /// All three checks passed.
    case approved
    /// At least one check failed; each failing check is named in the reasons.
    case rejected
    /// No check failed outright but a score fell inside an operator-configured review band.
    case review
    /// The vendor or the inputs made a decision impossible.
    case error
}
