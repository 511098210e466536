import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// `/livez`, `/readyz` and `/metrics` (Prometheus text format) on `HTTP_PORT`.
///
/// Live: the process serves HTTP. Ready: the worker can make progress: PostgreSQL is usable
/// (reachable, our role accepted, migrated), a Kafka broker answers, and the vendor has not
/// refused our account. Holding no partition is ready (a standby replica of a larger group),
/// and so is an open circuit (a vendor outage is the vendor's, and every replica would
/// otherwise turn NotReady together); the body names each component's state either way.
public struct HealthServer: Service {
    /// The readiness inputs, read on every probe.
    public struct Checks: Sendable {
        /// Partitions held now (reported, not required).
        public var assignedPartitions: @Sendable () -> Int
        /// nil when usable, else why not.
        public var database: @Sendable () -> String?
        public var kafka: @Sendable () -> Bool
        /// Whether the vendor accepts our account, as far as the worker knows.
        public var vendor: @Sendable () -> VendorState
        /// `closed`, `open` or `half_open`.
        public var circuit: @Sendable () -> String

        public init(
            assignedPartitions: @escaping @Sendable () -> Int, database: @escaping @Sendable () -> String?,
            kafka: @escaping @Sendable () -> Bool, vendor: @escaping @Sendable () -> VendorState,
            circuit: @escaping @Sendable () -> String
        ) {
            self.assignedPartitions = assignedPartitions
            self.database = database
            self.kafka = kafka
            self.vendor = vendor
            self.circuit = circuit
        }
    }

    /// The vendor's side of readiness.
    public enum VendorState: Sendable {
        case accepted
        case unknown
        case refused(String)
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
            let databaseProblem = checks.database()
            let kafka = checks.kafka()
            let vendor = checks.vendor()
            var vendorBody: [String: Any] = ["circuit": checks.circuit()]
            var causes: [String] = []
            var vendorRefused = false
            switch vendor {
            case .accepted: vendorBody["state"] = "accepted"
            case .unknown: vendorBody["state"] = "unknown"
            case .refused(let why):
                vendorRefused = true
                vendorBody["state"] = "refused"
                vendorBody["detail"] = why
                causes.append("the vendor refuses our account or configuration: \(why)")
            }
            if let databaseProblem { causes.append("PostgreSQL \(databaseProblem)") }
            if !kafka { causes.append("no Kafka broker answers") }
            let ready = causes.isEmpty
            var database: [String: Any] = ["state": databaseProblem == nil ? "usable" : "not usable"]
            if let databaseProblem { database["detail"] = databaseProblem }
            var body: [String: Any] = [
                "status": ready ? "ready" : "not ready",
                "checks": ["database": databaseProblem == nil, "kafka": kafka, "vendor": !vendorRefused],
                "components": [
                    "database": database,
                    "kafka": ["state": kafka ? "reachable" : "unreachable"],
                    "vendor": vendorBody,
                    "partitions": ["assigned": checks.assignedPartitions()],
                ],
            ]
            if !ready { body["causes"] = causes }
            return Self.json(ready ? .ok : .serviceUnavailable, body)
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
