/// The pipeline's settings, derived from the worker configuration.
public struct PipelineConfiguration: Sendable {
    public var policy: DecisionPolicy
    /// Retries of transient vendor failures (`OKAYFACE_MAX_ATTEMPTS`).
    public var vendorRetry: RetryPolicy
    /// Backoff while PostgreSQL or Kafka are unavailable; attempts are unlimited because
    /// giving up would lose the request. Only shutdown ends the wait.
    public var infrastructureRetry: RetryPolicy
    /// The vendor refuses a request body over 5 MB; we refuse it first, without a call.
    public var maxRequestBytes: Int

    /// Room kept for the multipart framing and the journeyId field.
    public static let multipartOverheadBytes = 1024

    public init(
        policy: DecisionPolicy = DecisionPolicy(),
        vendorRetry: RetryPolicy = RetryPolicy(),
        infrastructureRetry: RetryPolicy = RetryPolicy(maxAttempts: .max, baseDelay: .milliseconds(100), maxDelay: .seconds(5)),
        maxRequestBytes: Int = 5 * 1024 * 1024
    ) {
        self.policy = policy
        self.vendorRetry = vendorRetry
        self.infrastructureRetry = infrastructureRetry
        self.maxRequestBytes = maxRequestBytes
    }
}
