import Worker

/// What one chaos run does: how much load, which faults, and where the real things it drives live.
///
/// The defaults are the full suite of docs/chaos.md (10,000 requests through two workers, ten
/// SIGKILLs, one PostgreSQL restart, one broker outage, 20% transient vendor failures).
public struct ChaosConfiguration: Sendable {
    /// Requests published, invalid ones included.
    public var requests = 10_000
    /// Worker processes running at once.
    public var workers = 2
    /// Worker SIGKILLs, each followed by a replacement.
    public var kills = 10
    /// Fraction (0…1) of OkayFace Plus calls the simulator answers with a transient failure.
    public var vendorFailureRate = 0.2
    /// Fraction (0…1) of requests that are invalid events and must end in the DLQ.
    public var invalidShare = 0.01
    /// PostgreSQL server URL (any database on it); the run creates `chaos_<random>` beside it.
    public var databaseURL: String
    /// The cluster folder `scripts/lib/postgres.sh` made for that server; the run restarts it.
    public var postgresDirectory: String
    /// Folder holding the `okayface-worker` executable.
    public var binDirectory: String
    /// The repository root: `migrations/`, `samples/` and `scripts/lib/postgres.sh` are found there.
    public var root: String
    /// Where worker logs and the fault timeline go; a fresh folder under /tmp when nil.
    public var runDirectory: String?
    /// How long draining may take before the run gives up and reports what is missing.
    public var timeout: Duration = .seconds(900)
    /// Seed of every random choice (request mix, fault moments, which worker dies).
    public var seed: UInt64 = 0x0C4A_05
    /// Requests per second to publish at; nil publishes as fast as Kafka acknowledges.
    public var publishRate: Double?
    /// Simulator latency per OkayFace Plus call, and its uniform random extra.
    public var vendorLatency: Duration = .milliseconds(20)
    public var vendorLatencyJitter: Duration = .milliseconds(20)
    /// How long PostgreSQL stays down during its restart.
    public var postgresDowntime: Duration = .seconds(2)
    /// How long the broker outage lasts, in milliseconds (a random value in the range).
    public var brokerDowntimeMs: ClosedRange<Int> = 3_000...6_000
    /// Pause between a kill and the replacement's start, in milliseconds.
    public var replacementPauseMs: ClosedRange<Int> = 200...2_000
    /// Least time between two kills, in milliseconds, so a replacement gets to work before it may die.
    public var killGapMs: ClosedRange<Int> = 1_000...3_000
    /// Mock cluster brokers and topic partitions.
    public var brokers = 3
    public var requestPartitions: Int32 = 12
    public var resultPartitions: Int32 = 6
    public var dlqPartitions: Int32 = 2
    /// Extra or overriding worker environment variables.
    public var workerEnvironment: [String: String] = [:]

    public init(databaseURL: String, postgresDirectory: String, binDirectory: String, root: String) {
        self.databaseURL = databaseURL
        self.postgresDirectory = postgresDirectory
        self.binDirectory = binDirectory
        self.root = root
    }

    var requestTopic: String { WorkerConfiguration.defaultRequestTopic }
    var resultTopic: String { WorkerConfiguration.defaultResultTopic }
    var dlqTopic: String { WorkerConfiguration.defaultDLQTopic }

    /// How many of `requests` are invalid: `invalidShare` of them, at least one when the share is not zero.
    var invalidCount: Int {
        guard invalidShare > 0, requests > 0 else { return 0 }
        return min(requests, max(1, Int((Double(requests) * invalidShare).rounded())))
    }
}
