import ArgumentParser
import Foundation
import Logging
import Worker

/// `okayface-worker run`: every setting is an environment variable (design.md §5) and a flag;
/// a flag wins over the environment.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the worker until SIGTERM/SIGINT.")

    @Option(help: "KAFKA_BROKERS: bootstrap servers (default localhost:9092)") var kafkaBrokers: String?
    @Option(help: "KAFKA_GROUP_ID: consumer group (default okayface-worker)") var kafkaGroupId: String?
    @Option(help: "KAFKA_REQUEST_TOPIC") var kafkaRequestTopic: String?
    @Option(help: "KAFKA_RESULT_TOPIC") var kafkaResultTopic: String?
    @Option(help: "KAFKA_DLQ_TOPIC") var kafkaDlqTopic: String?
    @Option(help: "KAFKA_CONFIG_<PROP>: a librdkafka property as prop=value (repeatable)") var kafkaConfig: [String] = []
    @Option(help: "DATABASE_URL: libpq connection URI") var databaseUrl: String?
    @Option(help: "DATABASE_POOL_SIZE (default 8)") var databasePoolSize: String?
    @Option(help: "OKAYFACE_BASE_URL: vendor base URL") var okayfaceBaseUrl: String?
    @Option(help: "OKAYFACE_USERNAME: Create JourneyID user") var okayfaceUsername: String?
    @Option(help: "OKAYFACE_PASSWORD_FILE: file holding the Create JourneyID password") var okayfacePasswordFile: String?
    @Option(help: "OKAYFACE_TIMEOUT_MS: per vendor call (default 30000)") var okayfaceTimeoutMs: String?
    @Option(help: "OKAYFACE_MAX_ATTEMPTS: attempts for transient failures (default 5)") var okayfaceMaxAttempts: String?
    @Option(help: "OKAYFACE_RETRY_BASE_MS: first backoff (default 200)") var okayfaceRetryBaseMs: String?
    @Option(help: "OKAYFACE_RETRY_MAX_MS: backoff cap (default 10000)") var okayfaceRetryMaxMs: String?
    @Option(help: "OKAYFACE_MAX_RPS: vendor calls per second, retries and journeys included (default: no limit)") var okayfaceMaxRps: String?
    @Option(help: "OKAYFACE_BURST: calls that may go out at once under OKAYFACE_MAX_RPS (default 1)") var okayfaceBurst: String?
    @Option(help: "WORKER_MAX_IN_FLIGHT: requests processed at once (default 64)") var workerMaxInFlight: String?
    @Option(help: "WORKER_SHUTDOWN_GRACE_MS: time in-flight work gets at shutdown (default 30000)") var workerShutdownGraceMs: String?
    @Option(help: "WORKER_REBALANCE_GRACE_MS: time running requests of revoked partitions get (default 10000)") var workerRebalanceGraceMs: String?
    @Option(help: "WORKER_REQUEST_DEADLINE_MS: bound on one request's work, holds not counted (default 300000)") var workerRequestDeadlineMs: String?
    @Option(help: "WORKER_MAX_REQUEST_AGE_MS: how long an outage may delay a request (default 86400000)") var workerMaxRequestAgeMs: String?
    @Option(help: "WORKER_MAX_PROCESSING_RUNS: starts without a decision before a request is poison (default 5)") var workerMaxProcessingRuns: String?
    @Option(help: "OKAYFACE_CIRCUIT_FAILURES: transient failures in a row that open the circuit (default 10)") var okayfaceCircuitFailures: String?
    @Option(help: "OKAYFACE_CIRCUIT_OPEN_MS: first pause of an open circuit (default 1000)") var okayfaceCircuitOpenMs: String?
    @Option(help: "OKAYFACE_CIRCUIT_MAX_OPEN_MS: longest pause of an open circuit (default 30000)") var okayfaceCircuitMaxOpenMs: String?
    @Option(help: "THRESHOLD_FACE_CONFIDENCE (default 75)") var thresholdFaceConfidence: String?
    @Option(help: "THRESHOLD_LIVENESS (default 0.5)") var thresholdLiveness: String?
    @Option(help: "THRESHOLD_CAPTURE_LIVENESS (default 0.5)") var thresholdCaptureLiveness: String?
    @Option(help: "REVIEW_BAND_FACE_CONFIDENCE: review band below the threshold (default 0: none)") var reviewBandFaceConfidence: String?
    @Option(help: "REVIEW_BAND_LIVENESS (default 0: none)") var reviewBandLiveness: String?
    @Option(help: "REVIEW_BAND_CAPTURE_LIVENESS (default 0: none)") var reviewBandCaptureLiveness: String?
    @Option(help: "IMAGE_ALLOWED_PREFIXES: comma-separated URI prefixes") var imageAllowedPrefixes: String?
    @Option(help: "IMAGE_MAX_BYTES: the most one image may hold (default 3145728)") var imageMaxBytes: String?
    @Option(help: "IMAGE_CONNECT_TIMEOUT_MS: per http(s)/s3 fetch attempt (default 3000)") var imageConnectTimeoutMs: String?
    @Option(help: "IMAGE_TIMEOUT_MS: per http(s)/s3 fetch attempt, whole transfer (default 15000)") var imageTimeoutMs: String?
    @Option(help: "IMAGE_MAX_ATTEMPTS: attempts for transient fetch failures (default 3)") var imageMaxAttempts: String?
    @Option(help: "IMAGE_CA_FILE: PEM CAs trusted for https images and S3 (default: the system's)") var imageCaFile: String?
    @Option(help: "IMAGE_SPOOL_DIR: where fetched images wait for their upload (default TMPDIR or /tmp)") var imageSpoolDir: String?
    @Option(help: "S3_ENDPOINT: an S3-compatible store's root (default: AWS)") var s3Endpoint: String?
    @Option(help: "S3_REGION: SigV4 signing region (default AWS_REGION or us-east-1)") var s3Region: String?
    @Option(help: "AWS_ACCESS_KEY_ID: the key s3:// requests are signed with") var awsAccessKeyId: String?
    @Option(help: "AWS_SECRET_ACCESS_KEY_FILE: file holding its secret") var awsSecretAccessKeyFile: String?
    @Option(help: "AWS_SESSION_TOKEN_FILE: file holding a session token") var awsSessionTokenFile: String?
    @Option(help: "DATABASE_URL_FILE: file holding DATABASE_URL") var databaseUrlFile: String?
    @Option(help: "OUTBOX_RECOVERY_INTERVAL_MS (default 10000)") var outboxRecoveryIntervalMs: String?
    @Option(help: "HTTP_PORT: health and metrics (default 8080)") var httpPort: String?
    @Option(help: "LOG_LEVEL (default info)") var logLevel: String?
    @Option(help: "LOG_FORMAT: json or text (default json)") var logFormat: String?

    func run() async throws {
        var values = ProcessInfo.processInfo.environment
        let flags: [(String, String?)] = [
            ("KAFKA_BROKERS", kafkaBrokers), ("KAFKA_GROUP_ID", kafkaGroupId),
            ("KAFKA_REQUEST_TOPIC", kafkaRequestTopic), ("KAFKA_RESULT_TOPIC", kafkaResultTopic),
            ("KAFKA_DLQ_TOPIC", kafkaDlqTopic), ("DATABASE_URL", databaseUrl), ("DATABASE_POOL_SIZE", databasePoolSize),
            ("OKAYFACE_BASE_URL", okayfaceBaseUrl), ("OKAYFACE_USERNAME", okayfaceUsername),
            ("OKAYFACE_PASSWORD_FILE", okayfacePasswordFile), ("OKAYFACE_TIMEOUT_MS", okayfaceTimeoutMs),
            ("OKAYFACE_MAX_ATTEMPTS", okayfaceMaxAttempts), ("OKAYFACE_RETRY_BASE_MS", okayfaceRetryBaseMs),
            ("OKAYFACE_RETRY_MAX_MS", okayfaceRetryMaxMs), ("OKAYFACE_MAX_RPS", okayfaceMaxRps),
            ("OKAYFACE_BURST", okayfaceBurst), ("WORKER_MAX_IN_FLIGHT", workerMaxInFlight),
            ("WORKER_SHUTDOWN_GRACE_MS", workerShutdownGraceMs), ("WORKER_REBALANCE_GRACE_MS", workerRebalanceGraceMs),
            ("WORKER_REQUEST_DEADLINE_MS", workerRequestDeadlineMs), ("WORKER_MAX_REQUEST_AGE_MS", workerMaxRequestAgeMs),
            ("WORKER_MAX_PROCESSING_RUNS", workerMaxProcessingRuns), ("OKAYFACE_CIRCUIT_FAILURES", okayfaceCircuitFailures),
            ("OKAYFACE_CIRCUIT_OPEN_MS", okayfaceCircuitOpenMs), ("OKAYFACE_CIRCUIT_MAX_OPEN_MS", okayfaceCircuitMaxOpenMs),
            ("THRESHOLD_FACE_CONFIDENCE", thresholdFaceConfidence), ("THRESHOLD_LIVENESS", thresholdLiveness),
            ("THRESHOLD_CAPTURE_LIVENESS", thresholdCaptureLiveness),
            ("REVIEW_BAND_FACE_CONFIDENCE", reviewBandFaceConfidence), ("REVIEW_BAND_LIVENESS", reviewBandLiveness),
            ("REVIEW_BAND_CAPTURE_LIVENESS", reviewBandCaptureLiveness),
            ("IMAGE_ALLOWED_PREFIXES", imageAllowedPrefixes), ("IMAGE_MAX_BYTES", imageMaxBytes),
            ("IMAGE_CONNECT_TIMEOUT_MS", imageConnectTimeoutMs), ("IMAGE_TIMEOUT_MS", imageTimeoutMs),
            ("IMAGE_MAX_ATTEMPTS", imageMaxAttempts), ("IMAGE_CA_FILE", imageCaFile), ("IMAGE_SPOOL_DIR", imageSpoolDir),
            ("S3_ENDPOINT", s3Endpoint), ("S3_REGION", s3Region), ("AWS_ACCESS_KEY_ID", awsAccessKeyId),
            ("AWS_SECRET_ACCESS_KEY_FILE", awsSecretAccessKeyFile), ("AWS_SESSION_TOKEN_FILE", awsSessionTokenFile),
            ("DATABASE_URL_FILE", databaseUrlFile), ("OUTBOX_RECOVERY_INTERVAL_MS", outboxRecoveryIntervalMs),
            ("HTTP_PORT", httpPort), ("LOG_LEVEL", logLevel), ("LOG_FORMAT", logFormat),
        ]
        for case let (name, value?) in flags { values[name] = value }
        // A password file given as a flag replaces a password from the environment.
        if okayfacePasswordFile != nil { values["OKAYFACE_PASSWORD"] = nil }
        for entry in kafkaConfig {
            guard let eq = entry.firstIndex(of: "="), eq != entry.startIndex else {
                throw ValidationError("--kafka-config expects prop=value (got \"\(entry)\")")
            }
            let property = entry[..<eq].uppercased().replacingOccurrences(of: ".", with: "_")
            values["KAFKA_CONFIG_" + property] = String(entry[entry.index(after: eq)...])
        }

        let configuration: WorkerConfiguration
        do {
            configuration = try WorkerConfiguration.load(values)
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(78)  // EX_CONFIG
        }
        LogSetup.bootstrap(format: configuration.logFormat, level: configuration.logLevel)
        let logger = Logger(label: "okayface-worker")
        do {
            try await WorkerApplication(configuration: configuration, logger: logger).run()
        } catch let error as ConfigurationError {
            // Found only once running (a port in use): the same one line as the settings' errors.
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(78)
        }
    }
}
