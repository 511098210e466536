import Foundation
import Hummingbird
import ImageStore
import Kafka
import Logging
import Metrics
import Postgres
import ServiceLifecycle
import Worker

/// The console's HTTP server on `CONSOLE_PORT`: the JSON API, login, and `/livez`, `/readyz`
/// (PostgreSQL usable and migrated) and `/metrics` (with the review queue's depth and oldest
/// age, read from the database at each scrape).
public struct ConsoleServer: Service {
    public var port: Int
    public var pool: PostgresPool
    public var desk: ReviewDesk
    public var database: DatabaseHealth
    public var sessionLifetime: Duration
    /// The worker's image sources for reviewers' images, and their per-image limit; nil: none shown.
    public var images: (sources: ImageSources, maxImageBytes: Int)?
    /// Where `/dead-letters` reads from, and the producer its replay sends with.
    var deadLetters: DeadLetterPage
    public var onListening: @Sendable (Int) -> Void
    public var logger: Logger

    public init(
        port: Int, pool: PostgresPool, desk: ReviewDesk, database: DatabaseHealth, sessionLifetime: Duration,
        images: (sources: ImageSources, maxImageBytes: Int)? = nil, kafka: (brokers: String, dlqTopic: String, properties: [String: String], producer: KafkaProducer),
        onListening: @escaping @Sendable (Int) -> Void = { _ in }, logger: Logger
    ) {
        self.port = port
        self.pool = pool
        self.desk = desk
        self.database = database
        self.sessionLifetime = sessionLifetime
        self.images = images
        deadLetters = DeadLetterPage(
            brokers: kafka.brokers, topic: kafka.dlqTopic, producerProperties: kafka.properties, pool: pool, producer: kafka.producer, logger: logger)
        self.onListening = onListening
        self.logger = logger
    }

    public func run() async throws {
        let router = Router(context: ConsoleRequestContext.self)
        router.add(middleware: UnexpectedErrorMiddleware(database: database, logger: logger))
        let authenticator = Authenticator(pool: pool)
        APIRoutes(pool: pool, authenticator: authenticator, desk: desk).add(to: router)
        LoginRoutes(pool: pool, authenticator: authenticator, sessionLifetime: sessionLifetime, logger: logger).add(to: router)
        let imageRoutes = ImageRoutes(pool: pool, sources: images?.sources, maxImageBytes: images?.maxImageBytes ?? 0)
        imageRoutes.add(to: router)
        PageRoutes(pool: pool, desk: desk, images: imageRoutes, deadLetters: deadLetters).add(to: router)
        let (database, pool) = (self.database, self.pool)
        router.get("livez") { _, _ in JSONBody.response(.ok, JSONFact.object(["status": .text("live")])) }
        router.get("readyz") { _, _ in
            if let problem = database.problem {
                return JSONBody.response(.serviceUnavailable, JSONFact.object([
                    "status": .text("not ready"), "causes": .array([.text("PostgreSQL \(problem.description)")]),
                ]))
            }
            return JSONBody.response(.ok, JSONFact.object(["status": .text("ready")]))
        }
        router.get("metrics") { _, _ in
            // Read at scrape time: the queue is the database's, shared by every console replica.
            if let row = try? await pool.withConnection({ try $0.query(ConsoleSQL.queueSize).first }) {
                Gauge(label: "okayface_review_queue_depth").record(row.int("depth") ?? 0)
                Gauge(label: "okayface_review_queue_oldest_age_seconds").record(row.double("oldest_age_seconds") ?? 0)
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: PrometheusExport.exposition())))
        }
        let onListening = self.onListening
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("0.0.0.0", port: port), serverName: "okayface-console"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        try await app.run()
    }
}
