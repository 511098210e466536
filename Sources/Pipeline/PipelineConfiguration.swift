import Verification

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
    /// The most one of the three files may hold (`IMAGE_MAX_BYTES`): the vendor's 3 MB per
    /// image by default.
    public var maxImageBytes: Int
    /// How long a request's work (images, journey, vendor calls, waits for a turn under the
    /// rate limit) may take before it ends as `deadline_exceeded`. Time while vendor calls are
    /// held back (the circuit is open, the vendor refuses our account) and waits on
    /// PostgreSQL or Kafka are not counted: an outage must delay requests, never decide them.
    public var requestDeadline: Duration
    /// How old a request may get (from `requestedAt`, else from its receipt) while the vendor
    /// keeps failing before it ends `vendor_unavailable` (`WORKER_MAX_REQUEST_AGE_MS`); until
    /// then an outage only delays it.
    public var maxRequestAge: Duration
    /// Starts on one request without a decision after which it is treated as poison.
    public var maxProcessingRuns: Int
    /// Names this worker in claims (host and process id).
    public var workerId: String
    /// The longest one request waits on a quota answer's `Retry-After` before trying again;
    /// a longer one pauses the fleet's budget instead (its deadline still runs).
    public var maxThrottleWait: Duration = .seconds(30)

    /// Room kept for the multipart framing and the journeyId field.
    public static let multipartOverheadBytes = 1024

    public init(
        policy: DecisionPolicy = DecisionPolicy(),
        vendorRetry: RetryPolicy = RetryPolicy(),
        infrastructureRetry: RetryPolicy = RetryPolicy(maxAttempts: .max, baseDelay: .milliseconds(100), maxDelay: .seconds(5)),
        maxRequestBytes: Int = 5 * 1024 * 1024,
        maxImageBytes: Int = 3 * 1024 * 1024,
        requestDeadline: Duration = .seconds(300),
        maxRequestAge: Duration = .seconds(24 * 3600),
        maxProcessingRuns: Int = 5,
        workerId: String = "worker"
    ) {
        self.policy = policy
        self.vendorRetry = vendorRetry
        self.infrastructureRetry = infrastructureRetry
        self.maxRequestBytes = maxRequestBytes
        self.maxImageBytes = maxImageBytes
        self.requestDeadline = requestDeadline
        self.maxRequestAge = maxRequestAge
        self.maxProcessingRuns = maxProcessingRuns
        self.workerId = workerId
    }
}
