import Hummingbird
import Logging

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
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.run() }
        defer { group.cancelAll() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port != 0 else { throw LocalServerError.noPort }
        return try await body("http://127.0.0.1:\(port)")
    }
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
