/// The environment of an `okayface-worker run` process started by a dev tool (chaos, bench):
/// what every such worker needs to reach the run's Kafka, database and simulator. Callers merge
/// their own settings over it.
enum WorkerEnvironment {
    static func base(
        brokers: String, groupId: String, databaseURL: String, vendorURL: String, imagePrefixes: [String]
    ) -> [String: String] {
        [
            "PATH": "/usr/bin:/bin",
            "KAFKA_BROKERS": brokers,
            "KAFKA_GROUP_ID": groupId,
            "DATABASE_URL": databaseURL,
            "OKAYFACE_BASE_URL": vendorURL,
            "OKAYFACE_USERNAME": "demo",
            "OKAYFACE_PASSWORD": "demo-password",
            "IMAGE_ALLOWED_PREFIXES": imagePrefixes.joined(separator: ","),
            "HTTP_PORT": "0",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "info",
        ]
    }
}
