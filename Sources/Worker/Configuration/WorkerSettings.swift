/// Every setting of `okayface-worker run`, in the order the README lists them. The one place
/// a setting's name, default, range and meaning are written (see `Setting`).
public enum WorkerSettings {
    // Kafka
    public static let kafkaBrokers = Setting("KAFKA_BROKERS", .text(default: "localhost:9092"), "bootstrap servers")
    public static let kafkaGroupId = Setting("KAFKA_GROUP_ID", .text(default: "okayface-worker"), "consumer group")
    public static let kafkaRequestTopic = Setting(
        "KAFKA_REQUEST_TOPIC", .text(default: WorkerConfiguration.defaultRequestTopic), "requests")
    public static let kafkaResultTopic = Setting(
        "KAFKA_RESULT_TOPIC", .text(default: WorkerConfiguration.defaultResultTopic), "results")
    public static let kafkaDLQTopic = Setting(
        "KAFKA_DLQ_TOPIC", .text(default: WorkerConfiguration.defaultDLQTopic), "dead letters")

    // PostgreSQL
    public static let databaseURL = Setting(
        "DATABASE_URL", .secret(required: true, valueFlag: true),
        "libpq connection URI or key=value string (`sslmode` etc. as libpq defines); the file form keeps a password out of the environment")
    public static let databasePoolSize = Setting(
        "DATABASE_POOL_SIZE", .integer(default: 8, range: 2...100),
        "PostgreSQL connections (each on its own thread); half of them write decisions")

    // The vendor
    public static let okayFaceBaseURL = Setting(
        "OKAYFACE_BASE_URL", .url(schemes: ["http", "https"]), "vendor base URL, e.g. `https://ekycportaldemo.innov8tif.com`")
    public static let okayFaceUsername = Setting("OKAYFACE_USERNAME", .requiredText, "Create JourneyID user")
    public static let okayFacePassword = Setting(
        "OKAYFACE_PASSWORD", .secret(required: true, valueFlag: false), "its password, or a file holding it (one, not both)")
    public static let okayFaceTimeoutMs = Setting(
        "OKAYFACE_TIMEOUT_MS", .integer(default: 30_000, range: 100...600_000), "per vendor call")
    public static let okayFaceMaxAttempts = Setting(
        "OKAYFACE_MAX_ATTEMPTS", .integer(default: 5, range: 1...100), "attempts for transient failures (the first included)")
    public static let okayFaceRetryBaseMs = Setting(
        "OKAYFACE_RETRY_BASE_MS", .integer(default: 200, range: 1...60_000),
        "first backoff: attempt n waits a random time in [d/2, d], d = min(max, base·2ⁿ⁻¹)")
    public static let okayFaceRetryMaxMs = Setting(
        "OKAYFACE_RETRY_MAX_MS", .integer(default: 10_000, range: 1...600_000), "longest backoff")
    public static let okayFaceMaxRps = Setting(
        "OKAYFACE_MAX_RPS", .number(default: nil, range: 0.001...100_000), shownDefault: "unset: no limit",
        "vendor calls per second from this replica, journeys, retries and probes included; calls beyond it wait their turn instead of collecting 429s (see Delivery guarantees, 7)")
    public static let okayFaceBurst = Setting(
        "OKAYFACE_BURST", .integer(default: 1, range: 1...100_000),
        "calls that may go out at once after a quiet spell under `OKAYFACE_MAX_RPS` (only with it); `1` spaces calls evenly, 1/rps apart")
    public static let okayFaceFleetMaxRps = Setting(
        "OKAYFACE_FLEET_MAX_RPS", .number(default: nil, range: 0.1...100_000), shownDefault: "unset: no fleet budget",
        "OkayFace Plus calls per second for all replicas together (those sharing `DATABASE_URL` and `OKAYFACE_USERNAME`), leased through PostgreSQL in blocks; on a quota answer (HTTP 429, `Retry-After`, `MAX_API_CALL_EXCEEDED`) the fleet's rate drops at once and climbs back slowly (see One vendor budget)")
    public static let okayFaceCircuitFailures = Setting(
        "OKAYFACE_CIRCUIT_FAILURES", .integer(default: 10, range: 1...10_000),
        "transient vendor failures in a row that open the circuit breaker")
    public static let okayFaceCircuitOpenMs = Setting(
        "OKAYFACE_CIRCUIT_OPEN_MS", .integer(default: 1_000, range: 10...3_600_000),
        "first pause of an open circuit; at most `OKAYFACE_CIRCUIT_MAX_OPEN_MS`")
    public static let okayFaceCircuitMaxOpenMs = Setting(
        "OKAYFACE_CIRCUIT_MAX_OPEN_MS", .integer(default: 30_000, range: 10...3_600_000), "longest pause of an open circuit")

    // The worker
    public static let workerMaxInFlight = Setting(
        "WORKER_MAX_IN_FLIGHT", .integer(default: 64, range: 1...100_000),
        "requests in their vendor calls (journey, OkayFace Plus) at once per replica; up to an eighth more (at least one) are started ahead, claimed with their images loaded, waiting for a turn, so an ended call is replaced at once (a decided request waiting for its group commit no longer holds a place); up to max(4×, 2000) fetched messages wait in memory (images are opened only when a request runs), beyond that all partitions are paused until three quarters of that is left. A started request keeps its three images open until its vendor call ends: about 4 descriptors per request in flight and 3 per request ahead; the worker raises its soft `ulimit -n` up to the hard limit for that and warns when the hard limit is too low")
    public static let workerShutdownGraceMs = Setting(
        "WORKER_SHUTDOWN_GRACE_MS", .integer(default: 30_000, range: 0...3_600_000),
        "how long in-flight requests may finish after SIGTERM")
    public static let workerRebalanceGraceMs = Setting(
        "WORKER_REBALANCE_GRACE_MS", .integer(default: 10_000, range: 0...600_000),
        "how long running requests of revoked partitions may finish before the hand-over")
    public static let workerRequestDeadlineMs = Setting(
        "WORKER_REQUEST_DEADLINE_MS", .integer(default: 300_000, range: 100...86_400_000),
        "bound on one request's images, journey, vendor calls and waits for the rate limit (`deadline_exceeded`); time while vendor calls are held back (circuit open, vendor refusing our account) does not count")
    public static let workerMaxRequestAgeMs = Setting(
        "WORKER_MAX_REQUEST_AGE_MS", .integer(default: 86_400_000, range: 1_000...2_592_000_000),
        shownDefault: "`86400000` (24 h)",
        "how old a request (from `requestedAt`, else from its receipt) may get while the vendor keeps failing before it ends `vendor_unavailable`; younger ones wait out the outage")
    public static let workerMaxProcessingRuns = Setting(
        "WORKER_MAX_PROCESSING_RUNS", .integer(default: 5, range: 1...1000),
        "runs that died without a decision after which a request is poison (`processing_failed`); a run stopped on purpose (shutdown, rebalance) does not count")

    // The decision policy
    public static let thresholdFaceConfidence = Setting(
        "THRESHOLD_FACE_CONFIDENCE", .number(default: 75, range: 0...100), "face match passes when `confidence >= threshold`")
    public static let thresholdLiveness = Setting(
        "THRESHOLD_LIVENESS", .number(default: 0.5, range: 0...1), "face liveness passes when `probability > threshold`")
    public static let thresholdCaptureLiveness = Setting(
        "THRESHOLD_CAPTURE_LIVENESS", .number(default: 0.5, range: 0...1), "capture liveness passes when `probability > threshold`")
    public static let reviewBandFaceConfidence = Setting(
        "REVIEW_BAND_FACE_CONFIDENCE", .number(default: 0, range: 0...100), "review band width below the face-match threshold (0: none)")
    public static let reviewBandLiveness = Setting(
        "REVIEW_BAND_LIVENESS", .number(default: 0, range: 0...1), "review band width below the liveness threshold (0: none)")
    public static let reviewBandCaptureLiveness = Setting(
        "REVIEW_BAND_CAPTURE_LIVENESS", .number(default: 0, range: 0...1),
        "review band width below the capture-liveness threshold (0: none)")

    public static let policyId = Setting(
        "POLICY_ID", .text(default: "default"),
        "names the policy in every decision (`policy.id`); its hash covers the thresholds, bands and the next-action table; 1–64 letters, digits, `.`, `_`, `-`")

    // Images
    public static let imageAllowedPrefixes = Setting(
        "IMAGE_ALLOWED_PREFIXES", .requiredText,
        "comma-separated URI prefixes images may come from: `file:///data/kyc/`, `https://images.example.com/kyc/`, `s3://kyc-images/2026/`; an entry that does not parse stops start-up")
    public static let imageMaxBytes = Setting(
        "IMAGE_MAX_BYTES", .integer(default: 3 * 1024 * 1024, range: 1...(5 * 1024 * 1024)), shownDefault: "`3145728` (3 MiB)",
        "the most one of the three files may hold (the vendor's per-image limit); the three together may hold 5 MB less 1 KiB of form framing (`request_too_large`)")
    public static let imageConnectTimeoutMs = Setting(
        "IMAGE_CONNECT_TIMEOUT_MS", .integer(default: 3_000, range: 1...600_000),
        "per http(s)/s3 fetch attempt: until connected (TLS included)")
    public static let imageTimeoutMs = Setting(
        "IMAGE_TIMEOUT_MS", .integer(default: 15_000, range: 1...3_600_000), "per http(s)/s3 fetch attempt: the whole transfer")
    public static let imageMaxAttempts = Setting(
        "IMAGE_MAX_ATTEMPTS", .integer(default: 3, range: 1...100),
        "attempts for transient fetch failures (5xx, 429, timeouts, refused connections)")
    public static let imageCAFile = Setting(
        "IMAGE_CA_FILE", .file, shownDefault: "system CAs",
        "PEM file of the certificate authorities trusted for https images and an https `S3_ENDPOINT`, instead of the system's")
    public static let imageSpoolDir = Setting(
        "IMAGE_SPOOL_DIR", .text(default: nil), shownDefault: "`$TMPDIR` or `/tmp`",
        "where fetched images over 128 KiB wait for their upload, in unnamed files (gone when closed, even after a crash); checked at start-up")
    public static let s3Endpoint = Setting(
        "S3_ENDPOINT", .text(default: nil), shownDefault: "AWS",
        "an S3-compatible store's root, e.g. `http://minio:9000` (path-style requests); unset: AWS's regional endpoint (virtual-hosted style)")
    public static let s3Region = Setting(
        "S3_REGION", .text(default: nil), shownDefault: "`AWS_REGION`, else `us-east-1`", "the SigV4 signing region")
    public static let awsAccessKeyId = Setting(
        "AWS_ACCESS_KEY_ID", .secret(required: false, valueFlag: true), shownDefault: "required with `s3://` prefixes",
        "the key s3:// requests are signed with")
    public static let awsSecretAccessKey = Setting(
        "AWS_SECRET_ACCESS_KEY", .secret(required: false, valueFlag: false), shownDefault: "required with `s3://` prefixes",
        "its secret")
    public static let awsSessionToken = Setting(
        "AWS_SESSION_TOKEN", .secret(required: false, valueFlag: false),
        "for temporary credentials; sent as `x-amz-security-token`")

    // Operations
    public static let outboxRecoveryIntervalMs = Setting(
        "OUTBOX_RECOVERY_INTERVAL_MS", .integer(default: 10_000, range: 100...3_600_000),
        "how often unsent results (committed more than 5 s ago) are re-published")
    public static let httpPort = Setting(
        "HTTP_PORT", .integer(default: 8080, range: 0...65535),
        "`/livez`, `/readyz` and `/metrics` (see Health), on all addresses (`0.0.0.0`); `0` picks a free port")
    public static let logLevel = Setting(
        "LOG_LEVEL", .choice(default: "info", choices: ["trace", "debug", "info", "notice", "warning", "error", "critical"]),
        "the least severe lines logged")
    public static let logFormat = Setting(
        "LOG_FORMAT", .choice(default: "json", choices: ["json", "text"]), "JSON lines, or text for a terminal")

    /// `KAFKA_CONFIG_<PROP>`: not one variable but a family, read by prefix.
    public static let kafkaConfigPrefix = "KAFKA_CONFIG_"
    /// Its row in the README, after the topics.
    static let kafkaConfigRow =
        "| `KAFKA_CONFIG_<PROP>` | — | any librdkafka property | any librdkafka property, `_` → `.`, lower-cased (`KAFKA_CONFIG_SECURITY_PROTOCOL=SASL_SSL`); flag `--kafka-config security.protocol=SASL_SSL`. Each is checked by librdkafka at start-up: an unknown property or a bad value stops the worker with one line naming the variable. `KAFKA_CONFIG_<PROP>_FILE` reads the value from a file (`KAFKA_CONFIG_SASL_PASSWORD_FILE=/run/secrets/kafka_password`); setting both forms is refused |"

    public static let all: [Setting] = [
        kafkaBrokers, kafkaGroupId, kafkaRequestTopic, kafkaResultTopic, kafkaDLQTopic,
        databaseURL, databasePoolSize,
        okayFaceBaseURL, okayFaceUsername, okayFacePassword, okayFaceTimeoutMs, okayFaceMaxAttempts,
        okayFaceRetryBaseMs, okayFaceRetryMaxMs, okayFaceMaxRps, okayFaceBurst, okayFaceFleetMaxRps,
        okayFaceCircuitFailures, okayFaceCircuitOpenMs, okayFaceCircuitMaxOpenMs,
        workerMaxInFlight, workerShutdownGraceMs, workerRebalanceGraceMs, workerRequestDeadlineMs,
        workerMaxRequestAgeMs, workerMaxProcessingRuns,
        thresholdFaceConfidence, thresholdLiveness, thresholdCaptureLiveness,
        reviewBandFaceConfidence, reviewBandLiveness, reviewBandCaptureLiveness, policyId,
        imageAllowedPrefixes, imageMaxBytes, imageConnectTimeoutMs, imageTimeoutMs, imageMaxAttempts,
        imageCAFile, imageSpoolDir, s3Endpoint, s3Region, awsAccessKeyId, awsSecretAccessKey, awsSessionToken,
        outboxRecoveryIntervalMs, httpPort, logLevel, logFormat,
    ]

    /// The setting a variable (or a secret's `_FILE` form) belongs to.
    public static func setting(forVariable variable: String) -> Setting? {
        all.first { $0.flagVariables.contains(variable) || $0.name == variable }
    }

    /// The README's configuration table, header included.
    public static var markdownTable: String { markdownTable(of: all, withKafkaConfig: true) }

    /// A table of `settings`; the `KAFKA_CONFIG_<PROP>` row after the topics when asked.
    static func markdownTable(of settings: [Setting], withKafkaConfig: Bool) -> String {
        var rows = ["| variable | default | values | meaning |", "|---|---|---|---|"]
        for setting in settings {
            let names: String
            if case .secret = setting.value { names = "`\(setting.name)` or `\(setting.name)_FILE`" } else { names = "`\(setting.name)`" }
            let values: String
            if case .secret = setting.value { values = "secret" } else { values = setting.rangeText.isEmpty ? "text" : setting.rangeText }
            rows.append("| \(names) | \(setting.defaultText) | \(values) | \(setting.summary) |")
            if withKafkaConfig, setting == kafkaDLQTopic { rows.append(kafkaConfigRow) }
        }
        return rows.joined(separator: "\n") + "\n"
    }
}
