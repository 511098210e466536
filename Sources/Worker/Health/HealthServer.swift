import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// `/livez`, `/readyz` and `/metrics` (Prometheus text format) on `HTTP_PORT`.
///
/// Live: the process serves HTTP. Ready: the worker can make progress: PostgreSQL is usable
/// (reachable, our role accepted, migrated), a Kafka broker answers, and the vendor has not
/// refused our account, nor failed to give any HTTP answer since start-up (a wrong host or
/// port in OKAYFACE_BASE_URL: a new replica with it must not pass as ready, which stops a
/// rolling update). Holding no partition is ready (a standby replica of a larger group), and
/// so is an open circuit once the vendor answered (an outage is the vendor's, and every replica
/// would otherwise turn NotReady together); the body names each component's state either way.
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
        /// Why the vendor gave no HTTP answer at all since start-up, or nil.
        public var vendorUnanswered: @Sendable () -> String? = { nil }
        /// `KAFKA_BROKERS`, named when no broker answers.
        public var kafkaBrokers: String = ""
        /// `OKAYFACE_BASE_URL` without credentials, named when the vendor gives no answer or a 404.
        public var vendorBaseURL: String = ""
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
                causes.append("the vendor refuses our account or configuration: \(why)\(Self.hint(why, checks.vendorBaseURL))")
            }
            if case .unknown = vendor, let why = checks.vendorUnanswered() {
                vendorRefused = true
                vendorBody["detail"] = why
                causes.append("the vendor has not answered since start-up: \(why) (is OKAYFACE_BASE_URL \(checks.vendorBaseURL) right?)")
            }
            if let databaseProblem { causes.append("PostgreSQL \(databaseProblem)") }
            if !kafka { causes.append("no Kafka broker answers (KAFKA_BROKERS \(checks.kafkaBrokers))") }
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

    /// Which setting a refusal points at.
    static func hint(_ why: String, _ baseURL: String) -> String {
        let code = why.split(separator: " ").first.map(String.init) ?? why
        switch code {
        case "HTTP_404": return " (is OKAYFACE_BASE_URL \(baseURL) right?)"
        case "HTTP_401", "HTTP_403", "INCORRECT_PASSWORD", "USERNAME_NOT_EXIST", "MISSING_PARAM_CRENDENTIAL":
            return " (check OKAYFACE_USERNAME and OKAYFACE_PASSWORD)"
        case "MAX_JOURNEY_EXCEEDED": return " (the account's journey quota is used up)"
        default: return ""
        }
    }

    private static func json(_ status: HTTPResponse.Status, _ body: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
