/// What one bench run does: how many requests, how big their images, how slow the vendor, how
/// much the worker may take on at once, and where the real things it uses live.
///
/// The defaults are the first target of docs/benchmarks.md: 20,000 requests, 30 KB images, an instant vendor.
public struct BenchConfiguration: Sendable {
    /// Where each request's journey comes from.
    public enum Journeys: String, Sendable, CaseIterable {
        /// A pool created through the simulator before the run; every request names one, so
        /// journey creation stays out of the measurement.
        case precreated
        /// Requests carry no journeyId: the worker creates one per request.
        case perRequest = "per-request"
    }

    /// Requests published.
    public var requests = 20_000
    /// Size of each ID-card and selfie image, in KB (1024 bytes).
    public var imageKB = 30
    /// The simulator's latency per OkayFace Plus call (ignored with `simulatorURL`).
    public var vendorLatency: Duration = .zero
    /// The worker's `WORKER_MAX_IN_FLIGHT`.
    public var maxInFlight = 64
    /// Requests per second to publish at; nil publishes as fast as Kafka acknowledges.
    public var rate: Double?
    public var journeys = Journeys.precreated
    /// Journeys created up front with `.precreated`, shared round-robin by the requests.
    public var journeyPool = 1_000
    /// PostgreSQL server URL (any database on it); the run creates `bench_<random>` beside it.
    public var databaseURL: String
    /// Bootstrap servers of a Kafka to use; nil starts a librdkafka mock cluster in-process.
    public var brokers: String?
    /// Base URL of a running vendor simulator; nil starts one in-process.
    public var simulatorURL: String?
    /// Folder holding the `okayface-worker` executable.
    public var binDirectory: String
    /// The repository root (`migrations/`).
    public var root: String
    /// Where images, the worker log, the CSV files and the chart go.
    public var outputDirectory: String
    /// Partitions of the requests topic in the mock cluster.
    public var partitions: Int32 = 12
    /// How long the run may take, from the first publish to the last result.
    public var timeout: Duration = .seconds(900)
    /// Render `bench.png` with gnuplot (skipped, with a note, when gnuplot is missing).
    public var chart = true
    /// Worker processes in the consumer group; the first is the one sampled for CPU and memory.
    public var replicas = 1
    /// The in-process simulator's quota (`--max-rps`): calls over it answer 429.
    public var quota: Double?
    /// Extra or overriding worker environment variables.
    public var workerEnvironment: [String: String] = [:]

    public init(databaseURL: String, binDirectory: String, root: String, outputDirectory: String) {
        self.databaseURL = databaseURL
        self.binDirectory = binDirectory
        self.root = root
        self.outputDirectory = outputDirectory
    }

    /// The settings as one line, for the report and the chart's title.
    public var summary: String {
        let rateText = rate.map { "\(Int($0))/s" } ?? "max"
        let journeyText = journeys == .precreated ? "precreated (pool \(min(journeyPool, requests)))" : "per request"
        return "\(requests) requests, \(imageKB) KB images, vendor latency \(Int(vendorLatency.seconds * 1000)) ms, "
            + "max in flight \(maxInFlight), rate \(rateText), journeys \(journeyText)"
            + (replicas > 1 ? ", \(replicas) replicas" : "") + (quota.map { ", vendor quota \($0)/s" } ?? "")
            + (workerEnvironment["OKAYFACE_FLEET_MAX_RPS"].map { ", fleet budget \($0)/s" } ?? "")
    }
}
