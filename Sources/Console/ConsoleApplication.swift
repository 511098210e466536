import Blocking
import Foundation
import ImageStore
import Kafka
import Logging
import Postgres
import ServiceLifecycle
import UnixSignals
import Verification
import WebClient
import Worker

/// `okayface-worker console`: the HTTP server, the outbox relay that publishes the revisions
/// reviews write, and the database probe behind `/readyz`, as one `ServiceGroup` until
/// SIGTERM/SIGINT. A separate process from the workers, over the same PostgreSQL.
public struct ConsoleApplication: Sendable {
    public var configuration: ConsoleConfiguration
    public var logger: Logger

    public init(configuration: ConsoleConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func run(
        signals: [UnixSignal] = [.sigterm, .sigint], trigger: GracefulShutdownTrigger? = nil,
        onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws {
        let c = configuration
        if let problem = PortCheck.problem(port: c.port) {
            throw ConfigurationError(ConsoleSettings.consolePort.name, "\(c.port) cannot be listened on: \(problem)")
        }
        _ = PrometheusExport.registry
        let pool = PostgresPool(url: c.databaseURL, size: c.databasePoolSize, logger: logger)
        let producer: KafkaProducer
        do {
            producer = try await BlockingWork.run { [logger] in try KafkaProducer(properties: c.producerProperties, logger: logger) }
        } catch {
            await BlockingWork.run { pool.close() }
            throw error
        }
        // Reviewers' images come the way the worker's do: its sources, allow-list and limits.
        let imageHTTP = WebClient(configuration: .init(maxConnectionsPerHost: 16, maxTotalConnections: 64), logger: logger)
        let images = c.images.map { i in
            (sources: ImageSources(
                files: FileImageStore(allowList: i.allowList, logger: logger),
                remote: RemoteImageStore(allowList: i.allowList, configuration: i.remote, client: imageHTTP, logger: logger)),
             maxImageBytes: i.maxImageBytes)
        }
        let database = DatabaseHealth(logger: logger)
        let relay = OutboxRelay(producer: producer, pool: pool, recoveryInterval: c.outboxRecoveryInterval, logger: logger)
        let desk = ReviewDesk(
            pool: pool, rules: ReviewRules(fourEyes: c.fourEyes), resultTopic: c.kafka.resultTopic, publisher: relay, logger: logger)
        let server = ConsoleServer(
            port: c.port, pool: pool, desk: desk, database: database, sessionLifetime: c.sessionLifetime, images: images,
            kafka: (c.kafka.brokers, c.kafka.dlqTopic, c.producerProperties, producer), onListening: onListening,
            logger: logger)
        logger.info(
            "okayface-worker console starting",
            metadata: [
                "port": "\(c.port)", "fourEyes": "\(c.fourEyes.rawValue)", "results": "\(c.kafka.resultTopic)",
                "brokers": "\(c.kafka.brokers)",
            ])
        await database.probe(pool: pool)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: server), .init(service: DatabaseProbe(health: database, pool: pool)), .init(service: relay)],
                gracefulShutdownSignals: signals, logger: logger))
        trigger?.attach(group)
        do {
            try await group.run()
        } catch {
            await BlockingWork.run { producer.close(); pool.close(); imageHTTP.shutdown() }
            throw error
        }
        await BlockingWork.run { producer.close(); pool.close(); imageHTTP.shutdown() }
        logger.info("okayface-worker console stopped")
    }
}
