/// Every setting of `okayface-worker console`, in the order the README lists them: the
/// database, Kafka and logging settings it shares with `run` (the same entries of
/// `WorkerSettings`), and its own.
public enum ConsoleSettings {
    public static let consolePort = Setting(
        "CONSOLE_PORT", .integer(default: 8081, range: 0...65535),
        "the console's JSON API (`/api/v1/…`), `/login`, `/livez`, `/readyz` and `/metrics`, on all addresses; `0` picks a free port")
    public static let reviewFourEyes = Setting(
        "REVIEW_FOUR_EYES", .choice(default: "approvals", choices: ["off", "approvals", "all"]),
        "which review actions wait for a second reviewer: `approvals` those that turn a `rejected` or `error` decision into `approved`, `all` every one, `off` none")
    public static let consoleSessionHours = Setting(
        "CONSOLE_SESSION_HOURS", .integer(default: 8, range: 1...168), "how long a login lasts")
    public static let consoleDatabasePoolSize = Setting(
        "CONSOLE_DATABASE_POOL_SIZE", .integer(default: 4, range: 1...100), "PostgreSQL connections of the console")

    /// Optional here: a console without it shows no images.
    public static let imageAllowedPrefixes = Setting(
        "IMAGE_ALLOWED_PREFIXES", .text(default: nil),
        "the image URI prefixes reviewers may see, as for the worker (see Image sources); unset: the console shows no images")

    public static let all: [Setting] = [
        WorkerSettings.databaseURL, consoleDatabasePoolSize,
        WorkerSettings.kafkaBrokers, WorkerSettings.kafkaResultTopic, WorkerSettings.kafkaDLQTopic,
        consolePort, reviewFourEyes, consoleSessionHours,
        imageAllowedPrefixes, WorkerSettings.imageMaxBytes, WorkerSettings.imageConnectTimeoutMs, WorkerSettings.imageTimeoutMs,
        WorkerSettings.imageMaxAttempts, WorkerSettings.imageCAFile, WorkerSettings.imageSpoolDir, WorkerSettings.s3Endpoint,
        WorkerSettings.s3Region, WorkerSettings.awsAccessKeyId, WorkerSettings.awsSecretAccessKey, WorkerSettings.awsSessionToken,
        WorkerSettings.outboxRecoveryIntervalMs, WorkerSettings.logLevel, WorkerSettings.logFormat,
    ]

    /// The README's table of the console's settings, header included.
    public static var markdownTable: String {
        WorkerSettings.markdownTable(of: all, withKafkaConfig: false)
    }
}
