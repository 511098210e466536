import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// `/livez`, `/readyz` and `/metrics` (Prometheus text format) on `HTTP_PORT`.
///
/// Live: the process serves HTTP. Ready: partitions are assigned, PostgreSQL is reachable and
/// a Kafka broker answers; a replica that is not ready still runs (it pauses consumption by
/// itself) but should not count as serving.
public struct HealthServer: Service {
    /// The readiness inputs, read on every probe.
    public struct Checks: Sendable {
        public var partitionsAssigned: @Sendable () -> Bool
        public var database: @Sendable () -> Bool
        public var kafka: @Sendable () -> Bool

        public init(
            partitionsAssigned: @escaping @Sendable () -> Bool, database: @escaping @Sendable () -> Bool,
            kafka: @escaping @Sendable () -> Bool
        ) {
            self.partitionsAssigned = partitionsAssigned
            self.database = database
            self.kafka = kafka
        }
    }

    public var port: Int
    public var checks: Checks
    public var onListening: @Sendable (Int) -> Void
    public var logger: Logger

    public init(port: Int, checks: Checks, onListening: @escaping @Sendable (Int) -> Void = { _ in }, logger: Logger) {
        self.port = port
        self.checks = checks
        self.onListening = onListening
        self.logger = logger
    }

    public func run() async throws {
        let router = Router()
        let checks = self.checks
        router.get("livez") { _, _ in
            Self.json(.ok, ["status": "live"])
        }
        router.get("readyz") { _, _ in
            let results = [
                "partitionsAssigned": checks.partitionsAssigned(),
                "database": checks.database(),
                "kafka": checks.kafka(),
            ]
            let ready = results.values.allSatisfy { $0 }
            return Self.json(ready ? .ok : .serviceUnavailable, ["status": ready ? "ready" : "not ready", "checks": results])
        }
        router.get("metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: PrometheusExport.exposition())))
        }
        let onListening = self.onListening
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("0.0.0.0", port: port), serverName: "okayface-worker"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        // As a plain service of the worker's group, not `runService()`, which would trap
        // SIGTERM itself and stop before the consumer has drained.
        try await app.run()
    }

    private static func json(_ status: HTTPResponse.Status, _ body: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
