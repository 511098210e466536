/// Outcome of ONE call attempt (the caller owns retries, so it can record every attempt).
public enum OkayFaceCallOutcome: Sendable, Equatable {
    /// The vendor answered with some HTTP status; see ``OkayFacePlusResponse/isSuccess``.
    case answered(OkayFacePlusResponse)
    /// No HTTP answer: connect failure, timeout, oversized or broken response, cancellation.
    case transportFailed(message: String, timedOut: Bool)
}
