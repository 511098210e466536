import Pipeline
import Blocking
import Foundation
import WebClient
import ImageStore
import Kafka
import Logging
import Metrics
import OkayFace
import Postgres
import ServiceLifecycle
import Synchronization
import UnixSignals
import Verification

/// Builds the worker from its configuration and runs it until SIGTERM/SIGINT: every
/// long-running piece (health server, store writers, probes, outbox relay, consumer) a service
/// of one `ServiceGroup`, stopped in the reverse of that order.
public struct WorkerApplication: Sendable {
    public var configuration: WorkerConfiguration
    public var logger: Logger

    public init(configuration: WorkerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs until a shutdown signal (or `trigger`, for embedding in tests) and returns after
    /// a graceful shutdown.
    /// - Parameter onHTTPListening: told the health server's port once it listens (`HTTP_PORT=0`
    ///   picks a free one).
    public func run(
        signals: [UnixSignal] = [.sigterm, .sigint], trigger: GracefulShutdownTrigger? = nil,
        onHTTPListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws {
        let c = configuration
        if let problem = PortCheck.problem(port: c.httpPort) {
            throw ConfigurationError(WorkerSettings.httpPort.name, "\(c.httpPort) cannot be listened on: \(problem)")
        }
        // Installs the Prometheus backend before the first metric is made.
        _ = PrometheusExport.registry
        Gauge(label: "okayface_circuit_state").record(0)
        let version = BuildInfo.describe(revision: ProcessInfo.processInfo.environment["OKAYFACE_BUILD_REVISION"])
        Gauge(label: "okayface_build_info", dimensions: [("version", version)]).record(1)
        MallocArenas.limit(logger: logger)
        OpenFileLimit.ensure(OpenFileLimit.needed(maxInFlight: c.maxInFlight, databasePoolSize: c.databasePoolSize), logger: logger)
        // One connection per request in flight: with fewer, requests queue for a connection
        // and the wait is counted as vendor time (measured in docs/benchmarks.md).
        let http = WebClient(
            configuration: .init(maxConnectionsPerHost: max(64, c.maxInFlight), maxTotalConnections: max(256, c.maxInFlight + 16)),
            logger: logger)
        // The image fetches' own client: its connections were all opened through the address
        // check, and an image server cannot hold the vendor's connections.
        let imageHTTP = WebClient(
            configuration: .init(maxConnectionsPerHost: max(16, c.maxInFlight), maxTotalConnections: max(64, 3 * c.maxInFlight)),
            logger: logger)
        let pool = PostgresPool(url: c.databaseURL, size: c.databasePoolSize, logger: logger)
        // Creating and closing clients blocks (librdkafka's threads, a flush, joining the curl
        // threads): done off Swift's cooperative threads, and closed on every way out.
        let clients: (KafkaProducer, KafkaConsumer)
        do {
            clients = try await BlockingWork.run { [logger] in
                let producer = try KafkaProducer(properties: c.producerProperties, logger: logger)
                do {
                    return (producer, try KafkaConsumer(properties: c.consumerProperties, topics: [c.kafka.requestTopic], logger: logger))
                } catch {
                    producer.close()
                    throw error
                }
            }
        } catch {
            await BlockingWork.run { pool.close(); http.shutdown(); imageHTTP.shutdown() }
            throw error
        }
        let (producer, consumer) = clients
        do {
            try await run(
                producer: producer, consumer: consumer, pool: pool, http: http, imageHTTP: imageHTTP, signals: signals,
                trigger: trigger, onHTTPListening: onHTTPListening)
        } catch {
            await BlockingWork.run { producer.close(); pool.close(); http.shutdown(); imageHTTP.shutdown() }
            throw error
        }
        await BlockingWork.run { producer.close(); pool.close(); http.shutdown(); imageHTTP.shutdown() }
    }

    private func run(
        producer: KafkaProducer, consumer: KafkaConsumer, pool: PostgresPool, http: WebClient, imageHTTP: WebClient,
        signals: [UnixSignal], trigger: GracefulShutdownTrigger?, onHTTPListening: @escaping @Sendable (Int) -> Void
    ) async throws {
        let c = configuration
        let version = BuildInfo.describe(revision: ProcessInfo.processInfo.environment["OKAYFACE_BUILD_REVISION"])

        let database = DatabaseHealth(logger: logger)
        let store = PostgresResultStore(
            pool: pool, resultTopic: c.kafka.resultTopic, writers: max(1, c.databasePoolSize / 2), health: database,
            logger: logger)
        let relay = OutboxRelay(
            producer: producer, pool: pool, recoveryInterval: c.outboxRecoveryInterval,
            shutdownGrace: c.shutdownGrace, logger: logger)
        let vendor = OkayFaceClient(configuration: c.okayFace, http: http, logger: logger)
        let access = VendorAccess { [logger] state in
            switch state {
            case .refused(let why):
                logger.error("the vendor refuses our account or configuration; holding requests", metadata: ["code": "\(why)"])
                Gauge(label: "okayface_vendor_refused").record(1)
            case .accepted:
                logger.notice("the vendor accepts our account")
                Gauge(label: "okayface_vendor_refused").record(0)
            case .unknown:
                break
            }
        }
        // Its own connection: a lease never waits behind the decision writers.
        let budgetPool = c.fleetMaxRPS.map { _ in PostgresPool(url: c.databaseURL, size: 1, logger: logger) }
        let budget = c.fleetMaxRPS.flatMap { ceiling in
            budgetPool.map { FleetBudget(ceiling: ceiling, account: c.okayFace.username, pool: $0, logger: logger) }
        }
        let pipeline = VerificationPipeline(
            vendor: vendor,
            images: ImageSources(
                files: FileImageStore(allowList: c.imageAllowList, logger: logger),
                remote: RemoteImageStore(
                    allowList: c.imageAllowList, configuration: c.remoteImages, client: imageHTTP, logger: logger)),
            store: store,
            deadLetters: KafkaDeadLetterSink(producer: producer, topic: c.kafka.dlqTopic),
            publisher: relay,
            breaker: CircuitBreaker(configuration: c.circuitBreaker) { [logger] phase in
                logger.warning("vendor circuit breaker", metadata: ["state": "\(phase.rawValue)"])
                Gauge(label: "okayface_circuit_state").record(Self.circuitGaugeValue(phase))
                access.circuitChanged(open: phase != .closed)
            },
            access: access,
            rateLimiter: c.vendorRateLimit.map { RateLimiter($0) },
            budget: budget,
            configuration: c.pipeline,
            logger: logger)
        let verificationConsumer = VerificationConsumer(
            consumer: consumer, pipeline: pipeline, maxInFlight: c.maxInFlight, shutdownGrace: c.shutdownGrace,
            rebalanceGrace: c.rebalanceGrace, database: database, logger: logger)

        logger.info(
            "okayface-worker starting",
            metadata: [
                "version": "\(version)",
                "brokers": "\(c.kafka.brokers)", "group": "\(c.kafka.groupId)", "requests": "\(c.kafka.requestTopic)",
                "results": "\(c.kafka.resultTopic)", "dlq": "\(c.kafka.dlqTopic)", "maxInFlight": "\(c.maxInFlight)",
                "vendorRateLimit": "\(c.vendorRateLimit.map { "\($0.requestsPerSecond)/s, burst \($0.burst)" } ?? "none")",
                "fleetBudget": "\(c.fleetMaxRPS.map { "\($0)/s" } ?? "none")",
            ])
        let kafkaHealth = KafkaHealth(consumer: consumer)
        let breaker = pipeline.breaker
        var checks = HealthServer.Checks(
            assignedPartitions: { verificationConsumer.assignment.count },
            database: { database.problem?.description },
            kafka: { kafkaHealth.isReachable },
            vendor: {
                switch access.current {
                case .accepted: .accepted
                case .unknown: .unknown
                case .refused(let why): .refused(why)
                }
            },
            circuit: { breaker.phase.rawValue })
        checks.vendorUnanswered = { access.unanswered }
        checks.kafkaBrokers = c.kafka.brokers
        checks.vendorBaseURL = Self.withoutCredentials(c.okayFace.baseURL)
        let health = HealthServer(port: c.httpPort, checks: checks, onListening: onHTTPListening, logger: logger)
        // Both probes once before consuming, so a wrong password or an unmigrated database
        // holds the first request instead of meeting it; waited for 2 s at most, so a vendor
        // or database that hangs delays start-up (and /livez) by no more than that.
        let vendorProbe = VendorProbe(vendor: vendor, access: access, breaker: breaker, logger: logger)
        let firstProbes = Task {
            async let databaseProbed: Void = database.probe(pool: pool)
            async let vendorProbed: Void = vendorProbe.probeOnce()
            _ = await (databaseProbed, vendorProbed)
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await firstProbes.value }
            group.addTask { try? await Task.sleep(for: .seconds(2)) }
            await group.next()
            group.cancelAll()
        }
        // The group shuts services down one at a time in reverse order: the consumer stops (its
        // last decisions written) before the relay drains the outbox, the store's writers stop
        // after both, and health answers to the end.
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: health),
                    .init(service: store),
                ] + (budget.map { [ServiceGroupConfiguration.ServiceConfiguration(service: $0)] } ?? []) + [
                    .init(service: DatabaseProbe(health: database, pool: pool)),
                    .init(service: kafkaHealth),
                    .init(service: vendorProbe),
                    .init(service: relay),
                    .init(service: pipeline.deadlines),
                    .init(service: verificationConsumer),
                ],
                gracefulShutdownSignals: signals,
                logger: logger))
        trigger?.attach(group)
        do {
            try await group.run()
        } catch {
            if let budgetPool { await BlockingWork.run { budgetPool.close() } }
            throw error
        }
        if let budgetPool { await BlockingWork.run { budgetPool.close() } }
        logger.info("okayface-worker stopped")
    }
}

/// Lets a test or an embedding program ask for a graceful shutdown without a signal: the
/// group's own `triggerGracefulShutdown()`, also when asked before the group exists.
public final class GracefulShutdownTrigger: Sendable {
    private let state = Mutex<(group: ServiceGroup?, requested: Bool)>((nil, false))

    public init() {}

    public func shutdown() {
        let group = state.withLock { s in
            s.requested = true
            return s.group
        }
        if let group { Task { await group.triggerGracefulShutdown() } }
    }

    /// Hands the trigger the group it stops (the worker's, the console's).
    public func attach(_ group: ServiceGroup) {
        let requested = state.withLock { s in
            s.group = group
            return s.requested
        }
        if requested { Task { await group.triggerGracefulShutdown() } }
    }
}

extension WorkerApplication {
    /// A URL as it may be shown: user and password removed.
    static func withoutCredentials(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.user != nil || components.password != nil else { return url }
        components.user = nil
        components.password = nil
        return components.string ?? url
    }

    /// `okayface_circuit_state`: 0 closed, 1 half-open (probing), 2 open.
    static func circuitGaugeValue(_ phase: CircuitBreaker.Phase) -> Int {
        switch phase {
        case .closed: 0
        case .halfOpen: 1
        case .open: 2
        }
    }
}
