import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// An in-process stand-in for the vendor: OkayFace Plus v1 and Create JourneyID over real HTTP,
/// with deterministic scores, `simulate` overrides and configurable faults.
///
/// ```swift
/// let simulator = OkayFaceSimulator(logger: logger)
/// let port = try await simulator.start()
/// // … point the client at simulator.baseURL …
/// await simulator.stop()
/// ```
public final class OkayFaceSimulator: Sendable {
    /// Thrown by ``start()`` when the server ended before it was listening.
    public struct StartError: Error, CustomStringConvertible {
        public var description: String { "the simulator's server stopped before it was listening" }
    }

    private enum ServerState {
        case idle
        case running(Server)
    }

    /// A running server: the service group that owns it and the task running that group.
    private struct Server: Sendable {
        var group: ServiceGroup
        var task: Task<Void, Never>
        var port: Int

        /// Graceful shutdown lets in-flight calls finish (cancelling would abort them and make
        /// Hummingbird log errors); the group escalates to cancellation after a grace period.
        func shutdown() async {
            await group.triggerGracefulShutdown()
            await task.value
        }
    }

    /// How long in-flight calls may take to finish once a stop is asked.
    private static let gracePeriod: Duration = .seconds(5)

    private let store: SimulatorStore
    private let logger: Logger
    private let server = Mutex<ServerState>(.idle)

    /// A simulator with the given settings; nothing listens until ``start()`` or ``run()``.
    public init(configuration: SimulatorConfiguration = .init(), logger: Logger) {
        store = SimulatorStore(configuration: configuration)
        self.logger = logger
    }

    /// Binds and starts serving in the background; returns the bound port.
    /// Calling it again while running returns the same port.
    public func start() async throws -> Int {
        try await startServer(handlingSignals: false)
    }

    /// `http://<host>:<port>` once started; a wildcard bind address reads as 127.0.0.1, which
    /// is where local clients reach it. Port 0 before ``start()``.
    public var baseURL: String {
        let host = store.configuration.host
        let reachableHost = ["0.0.0.0", "::", ""].contains(host) ? "127.0.0.1" : host
        let port = server.withLock { state -> Int in
            if case .running(let server) = state { return server.port }
            return 0
        }
        return "http://\(reachableHost.contains(":") ? "[\(reachableHost)]" : reachableHost):\(port)"
    }

    /// Counters since start or the last ``resetStats()``.
    public func stats() -> SimulatorStats {
        store.withState { $0.stats }
    }

    /// Zeroes the counters; journeys and `failFirst` progress are kept.
    public func resetStats() {
        store.withState { $0.stats = SimulatorStats() }
    }

    /// Change fault settings while running (for fault tests). Host and port take effect only
    /// at the next start.
    public func update(_ change: @Sendable (inout SimulatorConfiguration) -> Void) {
        store.withState { $0.update(change) }
    }

    /// Stops serving and waits for the server to close; the simulator can be started again.
    public func stop() async {
        let running = server.withLock { state -> Server? in
            defer { state = .idle }
            if case .running(let server) = state { return server }
            return nil
        }
        await running?.shutdown()
    }

    /// Runs until cancelled/SIGTERM (for the `okayface-dev simulator` command): start, then wait.
    /// SIGTERM and SIGINT shut the server down gracefully, as does cancelling the calling task.
    public func run() async throws {
        _ = try await startServer(handlingSignals: true)
        guard let running = server.withLock({ state -> Server? in
            if case .running(let server) = state { return server }
            return nil
        }) else { return }
        await withTaskCancellationHandler {
            await running.task.value
        } onCancel: {
            Task { await running.group.triggerGracefulShutdown() }
        }
        server.withLock { $0 = .idle }
    }

    private func startServer(handlingSignals: Bool) async throws -> Int {
        if let port = server.withLock({ state -> Int? in
            if case .running(let server) = state { return server.port }
            return nil
        }) {
            return port
        }

        let configuration = store.configuration
        let router = Router(context: SimulatorRequestContext.self)
        JourneyRoutes(store: store, logger: logger).addRoutes(to: router)
        OkayFacePlusRoute(store: store, logger: logger).addRoutes(to: router)

        // The bound port is only known once the server runs; the stream carries it (or the bind
        // error) from the background task back to this call.
        let (ports, portContinuation) = AsyncThrowingStream<Int, any Error>.makeStream()
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? configuration.port)
            },
            logger: logger
        )
        var groupConfiguration = ServiceGroupConfiguration(services: [application], logger: logger)
        groupConfiguration.gracefulShutdownSignals = handlingSignals ? [.sigterm, .sigint] : []
        groupConfiguration.maximumGracefulShutdownDuration = Self.gracePeriod
        let group = ServiceGroup(configuration: groupConfiguration)
        let logger = self.logger
        let task = Task {
            do {
                try await group.run()
                portContinuation.finish()
            } catch {
                logger.error("simulator server failed", metadata: ["error": "\(error)"])
                portContinuation.finish(throwing: error)
            }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = try await iterator.next() else {
            throw StartError()
        }
        server.withLock { $0 = .running(Server(group: group, task: task, port: port)) }
        logger.info("OkayFace simulator listening", metadata: ["baseURL": "\(baseURL)"])
        return port
    }
}
