import Foundation
import ImageStore
import Kafka
import Logging
import OkayFace
import Payload
import Verification

/// Everything `okayface-worker run` needs, read from the environment and flags
/// (design.md §5). Built only through `load`, which validates every setting.
public struct WorkerConfiguration: Sendable {
    /// Kafka topics and client properties.
    public struct Kafka: Sendable {
        public var brokers: String
        public var groupId: String
        public var requestTopic: String
        public var resultTopic: String
        public var dlqTopic: String
        /// librdkafka properties from `KAFKA_CONFIG_<PROP>` (`_` → `.`, lower-cased).
        public var extraProperties: [String: String]
    }

    public var kafka: Kafka
    public var databaseURL: String
    public var databasePoolSize: Int
    public var okayFace: OkayFaceConfiguration
    public var vendorRetry: RetryPolicy
    public var maxInFlight: Int
    public var thresholds: Thresholds
    public var imageAllowList: ImageAllowList
    /// The most one of the three files may hold (`IMAGE_MAX_BYTES`).
    public var maxImageBytes: Int
    /// How http(s) and s3 images are fetched.
    public var remoteImages: RemoteImageStore.Configuration
    public var httpPort: Int
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    public var shutdownGrace: Duration
    public var rebalanceGrace: Duration
    public var requestDeadline: Duration
    /// `WORKER_MAX_REQUEST_AGE_MS`: how long an outage may delay a request before it ends `vendor_unavailable`.
    public var maxRequestAge: Duration
    public var maxProcessingRuns: Int
    public var circuitBreaker: CircuitBreaker.Configuration
    /// Vendor calls per second (`OKAYFACE_MAX_RPS`, `OKAYFACE_BURST`); nil: no limit.
    public var vendorRateLimit: RateLimit?
    public var outboxRecoveryInterval: Duration

    /// How log lines are written.
    public enum LogFormat: String, Sendable {
        case json
        case text
    }

    public static let defaultRequestTopic = "okayface.verification.requests"
    public static let defaultResultTopic = "okayface.verification.results"
    public static let defaultDLQTopic = "okayface.verification.requests.dlq"

    /// Reads the settings; `values` is the environment with flags already laid over it.
    public static func load(_ values: [String: String]) throws(ConfigurationError) -> WorkerConfiguration {
        let s = Settings(values: values)

        let extra = try kafkaProperties(s)
        let kafka = Kafka(
            brokers: try s.string("KAFKA_BROKERS", default: "localhost:9092"),
            groupId: try s.string("KAFKA_GROUP_ID", default: "okayface-worker"),
            requestTopic: try s.string("KAFKA_REQUEST_TOPIC", default: defaultRequestTopic),
            resultTopic: try s.string("KAFKA_RESULT_TOPIC", default: defaultResultTopic),
            dlqTopic: try s.string("KAFKA_DLQ_TOPIC", default: defaultDLQTopic),
            extraProperties: extra)

        let databaseURL = try s.secret("DATABASE_URL")
        guard databaseURL.hasPrefix("postgres://") || databaseURL.hasPrefix("postgresql://") || databaseURL.contains("=")
        else {
            throw ConfigurationError("DATABASE_URL", "must be a libpq connection URI (postgresql://…) or key=value string")
        }

        let timeoutMs = try s.int("OKAYFACE_TIMEOUT_MS", default: 30_000, range: 100...600_000)
        let okayFace = OkayFaceConfiguration(
            baseURL: try s.url("OKAYFACE_BASE_URL", schemes: ["http", "https"]),
            username: try s.string("OKAYFACE_USERNAME"),
            password: try s.secret("OKAYFACE_PASSWORD"),
            timeout: .milliseconds(timeoutMs))
        let vendorRetry = RetryPolicy(
            maxAttempts: try s.int("OKAYFACE_MAX_ATTEMPTS", default: 5, range: 1...100),
            baseDelay: .milliseconds(try s.int("OKAYFACE_RETRY_BASE_MS", default: 200, range: 1...60_000)),
            maxDelay: .milliseconds(try s.int("OKAYFACE_RETRY_MAX_MS", default: 10_000, range: 1...600_000)))

        // Burst 1 by default: evenly spaced calls never exceed a quota counted per second,
        // however the vendor's seconds fall.
        let burst = try s.int("OKAYFACE_BURST", default: 1, range: 1...100_000)
        var vendorRateLimit: RateLimit?
        if let rps = try s.optionalDouble("OKAYFACE_MAX_RPS", range: 0.001...100_000) {
            vendorRateLimit = RateLimit(requestsPerSecond: rps, burst: burst)
        } else if s.optional("OKAYFACE_BURST") != nil {
            throw ConfigurationError("OKAYFACE_BURST", "needs OKAYFACE_MAX_RPS, which is not set")
        }

        let thresholds = Thresholds(
            faceConfidence: try s.double("THRESHOLD_FACE_CONFIDENCE", default: 75, range: 0...100),
            liveness: try s.double("THRESHOLD_LIVENESS", default: 0.5, range: 0...1),
            captureLiveness: try s.double("THRESHOLD_CAPTURE_LIVENESS", default: 0.5, range: 0...1),
            faceConfidenceReviewBand: try s.double("REVIEW_BAND_FACE_CONFIDENCE", default: 0, range: 0...100),
            livenessReviewBand: try s.double("REVIEW_BAND_LIVENESS", default: 0, range: 0...1),
            captureLivenessReviewBand: try s.double("REVIEW_BAND_CAPTURE_LIVENESS", default: 0, range: 0...1))

        let allowedPrefixes = try s.string("IMAGE_ALLOWED_PREFIXES")
        let allowList: ImageAllowList
        do {
            allowList = try ImageAllowList(validating: allowedPrefixes)
        } catch {
            throw ConfigurationError("IMAGE_ALLOWED_PREFIXES", "entry \"\(error.entry)\" is not usable: \(error.reason)")
        }
        guard !allowList.prefixes.isEmpty else {
            throw ConfigurationError("IMAGE_ALLOWED_PREFIXES", "must list at least one URI prefix")
        }
        let remoteImages = try remoteImageConfiguration(s, allowList: allowList)

        let levelName = try s.choice(
            "LOG_LEVEL", default: "info", from: ["trace", "debug", "info", "notice", "warning", "error", "critical"])
        return WorkerConfiguration(
            kafka: kafka,
            databaseURL: databaseURL,
            databasePoolSize: try s.int("DATABASE_POOL_SIZE", default: 8, range: 2...100),
            okayFace: okayFace,
            vendorRetry: vendorRetry,
            maxInFlight: try s.int("WORKER_MAX_IN_FLIGHT", default: 64, range: 1...100_000),
            thresholds: thresholds,
            imageAllowList: allowList,
            maxImageBytes: try s.int("IMAGE_MAX_BYTES", default: 3 * 1024 * 1024, range: 1...(5 * 1024 * 1024)),
            remoteImages: remoteImages,
            httpPort: try s.int("HTTP_PORT", default: 8080, range: 0...65535),
            logLevel: Logger.Level(rawValue: levelName)!,
            logFormat: LogFormat(rawValue: try s.choice("LOG_FORMAT", default: "json", from: ["json", "text"]))!,
            shutdownGrace: .milliseconds(try s.int("WORKER_SHUTDOWN_GRACE_MS", default: 30_000, range: 0...3_600_000)),
            rebalanceGrace: .milliseconds(try s.int("WORKER_REBALANCE_GRACE_MS", default: 10_000, range: 0...600_000)),
            requestDeadline: .milliseconds(try s.int("WORKER_REQUEST_DEADLINE_MS", default: 300_000, range: 100...86_400_000)),
            maxRequestAge: .milliseconds(try s.int("WORKER_MAX_REQUEST_AGE_MS", default: 86_400_000, range: 1_000...2_592_000_000)),
            maxProcessingRuns: try s.int("WORKER_MAX_PROCESSING_RUNS", default: 5, range: 1...1000),
            circuitBreaker: try circuitBreaker(s),
            vendorRateLimit: vendorRateLimit,
            outboxRecoveryInterval: .milliseconds(
                try s.int("OUTBOX_RECOVERY_INTERVAL_MS", default: 10_000, range: 100...3_600_000)))
    }

    /// librdkafka properties from `KAFKA_CONFIG_<PROP>` (`_` → `.`, lower-cased), each one
    /// checked with librdkafka itself. `KAFKA_CONFIG_<PROP>_FILE` reads the value from a file
    /// (no librdkafka property ends in `.file`), for secrets such as `sasl.password`.
    private static func kafkaProperties(_ s: Settings) throws(ConfigurationError) -> [String: String] {
        let prefix = "KAFKA_CONFIG_"
        var extra: [String: String] = [:]
        var variableOf: [String: String] = [:]
        for name in s.values.keys.sorted() where name.hasPrefix(prefix) {
            // Both forms of one secret are read together, by the name without `_FILE`.
            let base = name.hasSuffix("_FILE") ? String(name.dropLast("_FILE".count)) : name
            guard base.count > prefix.count else { throw ConfigurationError(name, "names no librdkafka property") }
            let property = base.dropFirst(prefix.count).lowercased().replacingOccurrences(of: "_", with: ".")
            guard extra[property] == nil else { continue }
            guard let value = try s.optionalSecret(base) else { continue }
            extra[property] = value
            variableOf[property] = s.optional(base) != nil ? base : base + "_FILE"
        }
        for (property, value) in extra.sorted(by: { $0.key < $1.key }) {
            if let problem = KafkaPropertyCheck.problem(name: property, value: value) {
                throw ConfigurationError(variableOf[property] ?? property, "is refused by librdkafka (\(property)): \(problem)")
            }
        }
        return extra
    }

    /// The http(s)/s3 fetch settings; S3 credentials are required only when the allow-list
    /// names an `s3://` prefix.
    private static func remoteImageConfiguration(
        _ s: Settings, allowList: ImageAllowList
    ) throws(ConfigurationError) -> RemoteImageStore.Configuration {
        var s3: S3Access?
        let endpoint = s.optional("S3_ENDPOINT")
        if let endpoint {
            guard let url = URL(string: endpoint), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                  url.host != nil, url.path.isEmpty || url.path == "/", url.query == nil, url.user == nil
            else {
                throw ConfigurationError("S3_ENDPOINT", "must be an http(s) URL of the store's root, such as http://127.0.0.1:5000")
            }
        }
        if allowList.remotePrefixes.contains(where: { $0.hasPrefix("s3://") }) {
            guard let keyId = try s.optionalSecret("AWS_ACCESS_KEY_ID") else {
                throw ConfigurationError("AWS_ACCESS_KEY_ID", "is required for the s3:// prefixes in IMAGE_ALLOWED_PREFIXES")
            }
            guard let secret = try s.optionalSecret("AWS_SECRET_ACCESS_KEY") else {
                throw ConfigurationError(
                    "AWS_SECRET_ACCESS_KEY", "is required for the s3:// prefixes in IMAGE_ALLOWED_PREFIXES (or set AWS_SECRET_ACCESS_KEY_FILE)")
            }
            let region = try s.string("S3_REGION", default: s.optional("AWS_REGION") ?? "us-east-1")
            guard !region.isEmpty, region.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
                throw ConfigurationError("S3_REGION", "must be a region name such as eu-west-1")
            }
            s3 = S3Access(
                endpoint: endpoint, region: region, accessKeyId: keyId, secretAccessKey: secret,
                sessionToken: try s.optionalSecret("AWS_SESSION_TOKEN"))
        }
        let spoolDirectory = try s.string("IMAGE_SPOOL_DIR", default: ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp")
        do {
            _ = try SpoolFile(directory: spoolDirectory)
        } catch {
            throw ConfigurationError("IMAGE_SPOOL_DIR", "is not a folder where temporary files can be created (\(spoolDirectory))")
        }
        return RemoteImageStore.Configuration(
            connectTimeout: .milliseconds(try s.int("IMAGE_CONNECT_TIMEOUT_MS", default: 3_000, range: 1...600_000)),
            timeout: .milliseconds(try s.int("IMAGE_TIMEOUT_MS", default: 15_000, range: 1...3_600_000)),
            maxAttempts: try s.int("IMAGE_MAX_ATTEMPTS", default: 3, range: 1...100),
            spoolDirectory: spoolDirectory,
            caFile: try s.readableFile("IMAGE_CA_FILE"),
            s3: s3)
    }

    private static func circuitBreaker(_ s: Settings) throws(ConfigurationError) -> CircuitBreaker.Configuration {
        let openMs = try s.int("OKAYFACE_CIRCUIT_OPEN_MS", default: 1_000, range: 10...3_600_000)
        let maxOpenMs = try s.int("OKAYFACE_CIRCUIT_MAX_OPEN_MS", default: 30_000, range: 10...3_600_000)
        // The breaker would quietly raise the cap to the first pause; say it instead.
        guard openMs <= maxOpenMs else {
            throw ConfigurationError(
                "OKAYFACE_CIRCUIT_OPEN_MS", "(\(openMs)) must not exceed OKAYFACE_CIRCUIT_MAX_OPEN_MS (\(maxOpenMs))")
        }
        return CircuitBreaker.Configuration(
            failureThreshold: try s.int("OKAYFACE_CIRCUIT_FAILURES", default: 10, range: 1...10_000),
            openDuration: .milliseconds(openMs), maxOpenDuration: .milliseconds(maxOpenMs))
    }

    /// `DATABASE_URL` or `DATABASE_URL_FILE` alone, for the commands that need only the
    /// database (`results`, `purge`).
    public static func databaseURL(_ values: [String: String]) throws(ConfigurationError) -> String {
        try Settings(values: values).secret("DATABASE_URL")
    }

    /// librdkafka properties for the consumer; operator properties win over ours.
    ///
    /// `session.timeout.ms` is 6000 (librdkafka's default is 45000), the smallest a broker accepts
    /// by default (`group.min.session.timeout.ms`), with heartbeats every 2 s. A coordinator
    /// waits up to the session timeout before it completes a rebalance that a member's join or
    /// leave started (librdkafka's mock cluster always waits the session timeout less 1 s), and
    /// for that long before it notices a replica that died without leaving: with 45 s, partitions
    /// sat unowned for most of a minute after every restart.
    public var consumerProperties: [String: String] {
        var p = [
            "bootstrap.servers": kafka.brokers, "group.id": kafka.groupId,
            "session.timeout.ms": "6000", "heartbeat.interval.ms": "2000",
        ]
        p.merge(kafka.extraProperties) { _, given in given }
        return p
    }

    /// librdkafka properties for the producer (results and dead letters).
    ///
    /// `linger.ms` is 1 unless set: results leave in bursts, one per group commit, so waiting
    /// longer for more messages only adds latency.
    public var producerProperties: [String: String] {
        var p = ["bootstrap.servers": kafka.brokers, "linger.ms": "1"]
        // Consumer-only properties would make the producer refuse to start.
        let consumerOnly: Set = [
            "group.id", "auto.offset.reset", "enable.auto.commit", "partition.assignment.strategy",
            "session.timeout.ms", "max.poll.interval.ms", "group.instance.id", "enable.auto.offset.store",
            "auto.commit.interval.ms", "heartbeat.interval.ms",
        ]
        for (key, value) in kafka.extraProperties where !consumerOnly.contains(key) { p[key] = value }
        return p
    }

    /// The pipeline's view of the configuration.
    public var pipeline: PipelineConfiguration {
        PipelineConfiguration(
            policy: DecisionPolicy(thresholds: thresholds), vendorRetry: vendorRetry, maxImageBytes: maxImageBytes,
            requestDeadline: requestDeadline, maxRequestAge: maxRequestAge,
            maxProcessingRuns: maxProcessingRuns, workerId: Self.workerId)
    }

    /// Host and process id: which replica claimed a request.
    public static let workerId: String = {
        let host = ProcessInfo.processInfo.hostName
        return "\(host):\(ProcessInfo.processInfo.processIdentifier)"
    }()
}
