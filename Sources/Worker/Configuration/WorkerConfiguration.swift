import Pipeline
import Foundation
import ImageStore
import Kafka
import Logging
import OkayFace
import Payload
import Verification

/// Everything `okayface-worker run` needs, read from the environment and flags
/// (README, Configuration). Built only through `load`, which validates every setting.
public struct WorkerConfiguration: Sendable {
    private typealias W = WorkerSettings

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
    /// `POLICY_ID`.
    public var policyId: String = "default"
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
    /// `OKAYFACE_FLEET_MAX_RPS`: the fleet's shared budget of OkayFace Plus calls; nil: none.
    public var fleetMaxRPS: Double?
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
            brokers: try s.requiredText(W.kafkaBrokers),
            groupId: try s.requiredText(W.kafkaGroupId),
            requestTopic: try s.requiredText(W.kafkaRequestTopic),
            resultTopic: try s.requiredText(W.kafkaResultTopic),
            dlqTopic: try s.requiredText(W.kafkaDLQTopic),
            extraProperties: extra)

        let databaseURL = try s.requiredSecret(W.databaseURL)
        guard databaseURL.hasPrefix("postgres://") || databaseURL.hasPrefix("postgresql://") || databaseURL.contains("=")
        else {
            throw ConfigurationError(W.databaseURL.name, "must be a libpq connection URI (postgresql://…) or key=value string")
        }

        let timeoutMs = try s.int(W.okayFaceTimeoutMs)
        let okayFace = OkayFaceConfiguration(
            baseURL: try s.url(W.okayFaceBaseURL),
            username: try s.requiredText(W.okayFaceUsername),
            password: try s.requiredSecret(W.okayFacePassword),
            timeout: .milliseconds(timeoutMs))
        let vendorRetry = RetryPolicy(
            maxAttempts: try s.int(W.okayFaceMaxAttempts),
            baseDelay: .milliseconds(try s.int(W.okayFaceRetryBaseMs)),
            maxDelay: .milliseconds(try s.int(W.okayFaceRetryMaxMs)))

        // Burst 1 by default: evenly spaced calls never exceed a quota counted per second,
        // however the vendor's seconds fall.
        let burst = try s.int(W.okayFaceBurst)
        var vendorRateLimit: RateLimit?
        if let rps = try s.number(W.okayFaceMaxRps) {
            vendorRateLimit = RateLimit(requestsPerSecond: rps, burst: burst)
        } else if s.isSet(W.okayFaceBurst) {
            throw ConfigurationError(W.okayFaceBurst.name, "needs OKAYFACE_MAX_RPS, which is not set")
        }

        let thresholds = Thresholds(
            faceConfidence: try s.requiredNumber(W.thresholdFaceConfidence),
            liveness: try s.requiredNumber(W.thresholdLiveness),
            captureLiveness: try s.requiredNumber(W.thresholdCaptureLiveness),
            faceConfidenceReviewBand: try s.requiredNumber(W.reviewBandFaceConfidence),
            livenessReviewBand: try s.requiredNumber(W.reviewBandLiveness),
            captureLivenessReviewBand: try s.requiredNumber(W.reviewBandCaptureLiveness))

        let policyId = try s.requiredText(W.policyId)
        guard policyId.count <= 64, policyId.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            throw ConfigurationError(W.policyId.name, "must be 1–64 letters, digits, '.', '_' or '-' (got \"\(policyId)\")")
        }

        let allowedPrefixes = try s.requiredText(W.imageAllowedPrefixes)
        let allowList: ImageAllowList
        do {
            allowList = try ImageAllowList(validating: allowedPrefixes)
        } catch {
            throw ConfigurationError(W.imageAllowedPrefixes.name, "entry \"\(error.entry)\" is not usable: \(error.reason)")
        }
        guard !allowList.prefixes.isEmpty else {
            throw ConfigurationError(W.imageAllowedPrefixes.name, "must list at least one URI prefix")
        }
        let remoteImages = try remoteImageConfiguration(s, allowList: allowList)

        let levelName = try s.choice(W.logLevel)
        return WorkerConfiguration(
            kafka: kafka,
            databaseURL: databaseURL,
            databasePoolSize: try s.int(W.databasePoolSize),
            okayFace: okayFace,
            vendorRetry: vendorRetry,
            maxInFlight: try s.int(W.workerMaxInFlight),
            thresholds: thresholds,
            policyId: policyId,
            imageAllowList: allowList,
            maxImageBytes: try s.int(W.imageMaxBytes),
            remoteImages: remoteImages,
            httpPort: try s.int(W.httpPort),
            logLevel: Logger.Level(rawValue: levelName)!,
            logFormat: LogFormat(rawValue: try s.choice(W.logFormat))!,
            shutdownGrace: .milliseconds(try s.int(W.workerShutdownGraceMs)),
            rebalanceGrace: .milliseconds(try s.int(W.workerRebalanceGraceMs)),
            requestDeadline: .milliseconds(try s.int(W.workerRequestDeadlineMs)),
            maxRequestAge: .milliseconds(try s.int(W.workerMaxRequestAgeMs)),
            maxProcessingRuns: try s.int(W.workerMaxProcessingRuns),
            circuitBreaker: try circuitBreaker(s),
            vendorRateLimit: vendorRateLimit, fleetMaxRPS: try s.number(W.okayFaceFleetMaxRps),
            outboxRecoveryInterval: .milliseconds(
                try s.int(W.outboxRecoveryIntervalMs)))
    }

    /// librdkafka properties from `KAFKA_CONFIG_<PROP>` (`_` → `.`, lower-cased), each one
    /// checked with librdkafka itself. `KAFKA_CONFIG_<PROP>_FILE` reads the value from a file
    /// (no librdkafka property ends in `.file`), for secrets such as `sasl.password`.
    static func kafkaProperties(_ s: Settings) throws(ConfigurationError) -> [String: String] {
        let prefix = W.kafkaConfigPrefix
        var extra: [String: String] = [:]
        var variableOf: [String: String] = [:]
        for name in s.values.keys.sorted() where name.hasPrefix(prefix) {
            // Both forms of one secret are read together, by the name without `_FILE`.
            let base = name.hasSuffix("_FILE") ? String(name.dropLast("_FILE".count)) : name
            guard base.count > prefix.count else { throw ConfigurationError(name, "names no librdkafka property") }
            let property = base.dropFirst(prefix.count).lowercased().replacingOccurrences(of: "_", with: ".")
            guard extra[property] == nil else { continue }
            guard let value = try s.secret(named: base) else { continue }
            extra[property] = value
            variableOf[property] = s.raw(base) != nil ? base : base + "_FILE"
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
    static func remoteImageConfiguration(
        _ s: Settings, allowList: ImageAllowList
    ) throws(ConfigurationError) -> RemoteImageStore.Configuration {
        var s3: S3Access?
        let endpoint = try s.text(W.s3Endpoint)
        if let endpoint {
            guard let url = URL(string: endpoint), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                  url.host != nil, url.path.isEmpty || url.path == "/", url.query == nil, url.user == nil
            else {
                throw ConfigurationError("S3_ENDPOINT", "must be an http(s) URL of the store's root, such as http://127.0.0.1:5000")
            }
        }
        if allowList.remotePrefixes.contains(where: { $0.hasPrefix("s3://") }) {
            guard let keyId = try s.secret(W.awsAccessKeyId) else {
                throw ConfigurationError(W.awsAccessKeyId.name, "is required for the s3:// prefixes in IMAGE_ALLOWED_PREFIXES")
            }
            guard let secret = try s.secret(W.awsSecretAccessKey) else {
                throw ConfigurationError(
                    W.awsSecretAccessKey.name, "is required for the s3:// prefixes in IMAGE_ALLOWED_PREFIXES (or set AWS_SECRET_ACCESS_KEY_FILE)")
            }
            let region = try s.text(W.s3Region) ?? s.raw("AWS_REGION") ?? "us-east-1"
            guard !region.isEmpty, region.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
                throw ConfigurationError("S3_REGION", "must be a region name such as eu-west-1")
            }
            s3 = S3Access(
                endpoint: endpoint, region: region, accessKeyId: keyId, secretAccessKey: secret,
                sessionToken: try s.secret(W.awsSessionToken))
        }
        let spoolDirectory = try s.text(W.imageSpoolDir) ?? ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        do {
            _ = try SpoolFile(directory: spoolDirectory)
        } catch {
            throw ConfigurationError(W.imageSpoolDir.name, "is not a folder where temporary files can be created (\(spoolDirectory))")
        }
        return RemoteImageStore.Configuration(
            connectTimeout: .milliseconds(try s.int(W.imageConnectTimeoutMs)),
            timeout: .milliseconds(try s.int(W.imageTimeoutMs)),
            maxAttempts: try s.int(W.imageMaxAttempts),
            spoolDirectory: spoolDirectory,
            caFile: try s.readableFile(W.imageCAFile),
            s3: s3)
    }

    private static func circuitBreaker(_ s: Settings) throws(ConfigurationError) -> CircuitBreaker.Configuration {
        let openMs = try s.int(W.okayFaceCircuitOpenMs)
        let maxOpenMs = try s.int(W.okayFaceCircuitMaxOpenMs)
        // The breaker would quietly raise the cap to the first pause; say it instead.
        guard openMs <= maxOpenMs else {
            throw ConfigurationError(
                W.okayFaceCircuitOpenMs.name, "(\(openMs)) must not exceed OKAYFACE_CIRCUIT_MAX_OPEN_MS (\(maxOpenMs))")
        }
        return CircuitBreaker.Configuration(
            failureThreshold: try s.int(W.okayFaceCircuitFailures),
            openDuration: .milliseconds(openMs), maxOpenDuration: .milliseconds(maxOpenMs))
    }

    /// `DATABASE_URL` or `DATABASE_URL_FILE` alone, for the commands that need only the
    /// database (`results`, `purge`).
    public static func databaseURL(_ values: [String: String]) throws(ConfigurationError) -> String {
        try Settings(values: values).requiredSecret(W.databaseURL)
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
    public var producerProperties: [String: String] { Self.producerProperties(kafka) }

    /// The producer's properties for `kafka`'s brokers and `KAFKA_CONFIG_*` (the console's too).
    static func producerProperties(_ kafka: Kafka) -> [String: String] {
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
            policy: DecisionPolicy(thresholds: thresholds, id: policyId), vendorRetry: vendorRetry, maxImageBytes: maxImageBytes,
            requestDeadline: requestDeadline, maxRequestAge: maxRequestAge,
            maxProcessingRuns: maxProcessingRuns, workerId: Self.workerId)
    }

    /// Host and process id: which replica claimed a request.
    public static let workerId: String = {
        let host = ProcessInfo.processInfo.hostName
        return "\(host):\(ProcessInfo.processInfo.processIdentifier)"
    }()
}
