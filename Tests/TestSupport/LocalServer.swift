import Hummingbird
import Logging
import ServiceLifecycle

/// Runs a Hummingbird server for `router` on 127.0.0.1 with an ephemeral port for the life
/// of `body`, which gets its base URL (`http://127.0.0.1:PORT`); the server stops when `body` returns.
public func withLocalServer<Builder: HTTPResponderBuilder, T: Sendable>(
    router: Builder,
    loggerLabel: String,
    _ body: (_ baseURL: String) async throws -> T
) async throws -> T where Builder.Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
    // Port 0 lets the kernel pick a free port, so parallel tests never collide;
    // the server reports the port it got once it is listening.
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    var logger = Logger(label: loggerLabel)
    logger.logLevel = .critical
    let app = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        },
        logger: logger
    )
    // Stopped by a graceful shutdown, not by cancelling its task: a connection accepted just
    // before a cancellation is never served, and NIO traps on it ("Deinited NIOAsyncWriter
    // without calling finish()", apple/swift-nio#2637). Routes that hang on purpose do it with
    // `hangUnlessStopping`, so the shutdown waits for no sleep; past the limit the group
    // cancels after all.
    var configuration = ServiceGroupConfiguration(services: [app], logger: logger)
    configuration.gracefulShutdownSignals = []
    configuration.maximumGracefulShutdownDuration = .seconds(10)
    let serviceGroup = ServiceGroup(configuration: configuration)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await serviceGroup.run() }
        let result: Result<T, any Error>
        var iterator = ports.makeAsyncIterator()
        if let port = await iterator.next(), port != 0 {
            do { result = .success(try await body("http://127.0.0.1:\(port)")) } catch { result = .failure(error) }
        } else {
            result = .failure(LocalServerError.noPort)
        }
        await serviceGroup.triggerGracefulShutdown()
        try? await tasks.waitForAll()
        return try result.get()
    }
}

/// Sleeps for `duration`, or until the server whose route calls it begins its graceful
/// shutdown: a route that hangs on purpose (a slow vendor, a client's timeout) must not hold
/// up the end of its test.
public func hangUnlessStopping(for duration: Duration) async {
    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
}

/// Why `withLocalServer` could not start.
public enum LocalServerError: Error {
    /// The server stopped before it reported a listening port.
    case noPort
}

/// Runs `body` with a loopback TCP port that a server is listening on, for tests of what
/// happens when a port is taken.
public func withOccupiedPort<T: Sendable>(_ body: (_ port: Int) async throws -> T) async throws -> T {
    try await withLocalServer(router: Router(), loggerLabel: "occupied-port") { baseURL in
        guard let port = baseURL.split(separator: ":").last.flatMap({ Int($0) }) else { throw LocalServerError.noPort }
        return try await body(port)
    }
}
