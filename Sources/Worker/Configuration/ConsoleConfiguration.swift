import ImageStore
import Logging
import Verification

/// The settings of `okayface-worker console` (`ConsoleSettings`), read like the worker's: the
/// environment with flags laid over it, each mistake one `ConfigurationError` naming its variable.
public struct ConsoleConfiguration: Sendable {
    public var databaseURL: String
    public var databasePoolSize: Int
    /// Brokers, topics and `KAFKA_CONFIG_*`, for publishing revisions (and, later, reading dead letters).
    public var kafka: WorkerConfiguration.Kafka
    public var port: Int
    public var fourEyes: FourEyes
    public var sessionLifetime: Duration
    public var outboxRecoveryInterval: Duration
    public var logLevel: Logger.Level
    public var logFormat: WorkerConfiguration.LogFormat
    /// How reviewers' images are loaded: the worker's sources, allow-list and limits; nil when
    /// `IMAGE_ALLOWED_PREFIXES` is unset (no images shown).
    public var images: Images?

    /// The image settings of the console, as the worker reads them.
    public struct Images: Sendable {
        public var allowList: ImageAllowList
        public var maxImageBytes: Int
        public var remote: RemoteImageStore.Configuration
    }

    public static func load(_ values: [String: String]) throws(ConfigurationError) -> ConsoleConfiguration {
        let s = Settings(values: values)
        let w = WorkerSettings.self
        let c = ConsoleSettings.self
        let databaseURL = try s.requiredSecret(w.databaseURL)
        guard databaseURL.hasPrefix("postgres://") || databaseURL.hasPrefix("postgresql://") || databaseURL.contains("=") else {
            throw ConfigurationError(w.databaseURL.name, "must be a libpq connection URI (postgresql://…) or key=value string")
        }
        let kafka = WorkerConfiguration.Kafka(
            brokers: try s.requiredText(w.kafkaBrokers), groupId: "okayface-console",
            requestTopic: try s.requiredText(w.kafkaRequestTopic), resultTopic: try s.requiredText(w.kafkaResultTopic),
            dlqTopic: try s.requiredText(w.kafkaDLQTopic), extraProperties: try WorkerConfiguration.kafkaProperties(s))
        var images: Images?
        if let prefixes = s.raw(c.imageAllowedPrefixes.name) {
            let allowList: ImageAllowList
            do {
                allowList = try ImageAllowList(validating: prefixes)
            } catch {
                throw ConfigurationError(c.imageAllowedPrefixes.name, "entry \"\(error.entry)\" is not usable: \(error.reason)")
            }
            images = Images(
                allowList: allowList, maxImageBytes: try s.int(w.imageMaxBytes),
                remote: try WorkerConfiguration.remoteImageConfiguration(s, allowList: allowList))
        }
        return ConsoleConfiguration(
            databaseURL: databaseURL,
            databasePoolSize: try s.int(c.consoleDatabasePoolSize),
            kafka: kafka,
            port: try s.int(c.consolePort),
            fourEyes: FourEyes(rawValue: try s.choice(c.reviewFourEyes))!,
            sessionLifetime: .seconds(3600 * (try s.int(c.consoleSessionHours))),
            outboxRecoveryInterval: .milliseconds(try s.int(w.outboxRecoveryIntervalMs)),
            logLevel: Logger.Level(rawValue: try s.choice(w.logLevel))!,
            logFormat: WorkerConfiguration.LogFormat(rawValue: try s.choice(w.logFormat))!,
            images: images)
    }

    /// librdkafka properties of the console's producer.
    public var producerProperties: [String: String] { WorkerConfiguration.producerProperties(kafka) }
}
