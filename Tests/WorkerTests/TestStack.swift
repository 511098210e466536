import Pipeline
import Blocking
import DevTools
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import InMemoryLogging
import Kafka
import Logging
import Postgres
import Simulator
import Synchronization
import TestSupport
import Testing
import Verification
import Worker

/// The real components one integration test runs against: a fresh PostgreSQL database on the
/// server `scripts/test` started, its own librdkafka mock cluster, and its own vendor
/// simulator over HTTP. Nothing is shared between tests, so they can run in parallel.
final class TestStack: Sendable {
    static let requestTopic = WorkerConfiguration.defaultRequestTopic
    static let resultTopic = WorkerConfiguration.defaultResultTopic
    static let dlqTopic = WorkerConfiguration.defaultDLQTopic

    let logger: Logger
    let kafka: KafkaMockCluster
    let simulator: OkayFaceSimulator
    let databaseURL: String
    let db: PostgresPool
    let producer: KafkaProducer
    let samples: String
    let scratch: String

    static var root: String { TestServices.root }

    /// - Parameter databaseServer: a server URL to create the test's database on; the shared
    ///   test server (`DATABASE_URL`) by default.
    /// The vendor password the stacks use: a random one from `scripts/test`, which then looks
    /// for it in every log line of the run.
    static let vendorPassword = ProcessInfo.processInfo.environment["OKAYFACE_TEST_VENDOR_PASSWORD"] ?? "demo-password"

    /// `url` with the run's database password added. The test server trusts loopback, so the
    /// password is never checked, but the worker must still keep it out of its logs.
    static func withPassword(_ url: String) -> String {
        guard let password = ProcessInfo.processInfo.environment["OKAYFACE_TEST_DB_PASSWORD"],
              let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@"),
              !url[scheme.upperBound..<at].contains(":")
        else { return url }
        return String(url[..<at]) + ":" + password + String(url[at...])
    }

    /// - Parameter clusterLog: where the mock cluster logs what its brokers do (librdkafka's
    ///   `mock` debug context): members joining and leaving the consumer group.
    init(
        simulator given: SimulatorConfiguration = .init(), partitions: Int32 = 4, databaseServer: String? = nil,
        clusterLog: InMemoryLogHandler? = nil
    ) async throws {
        var configuration = given
        if configuration.credentials == ["demo": "demo-password"] { configuration.credentials = ["demo": Self.vendorPassword] }
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        self.logger = logger
        guard let base = databaseServer ?? TestServices.value("DATABASE_URL") else {
            Issue.record("DATABASE_URL is not set: run the tests through scripts/test, which starts PostgreSQL")
            throw TestStackError.noDatabase
        }
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        guard let slash = base.lastIndex(of: "/") else { throw TestStackError.noDatabase }
        let databaseURL = String(base[...slash]) + name
        self.databaseURL = databaseURL
        // Blocking libpq calls, off Swift's two cooperative threads (CREATE DATABASE takes
        // a while on a loaded machine, and every other test would wait meanwhile).
        try await BlockingWork.run { [logger] in
            let admin = try PostgresConnection(url: base)
            try admin.execute("CREATE DATABASE \(name)")
            admin.close()
            _ = try DatabaseMigrations.migrate(databaseURL: databaseURL, directory: Self.root + "/migrations", logger: logger)
        }
        db = PostgresPool(url: databaseURL, size: 2, logger: logger)

        if let clusterLog {
            kafka = try KafkaMockCluster(brokers: 3, debug: "mock", logger: clusterLog.logger("mock-cluster"))
        } else {
            kafka = try KafkaMockCluster(brokers: 3, logger: logger)
        }
        try kafka.createTopic(Self.requestTopic, partitions: partitions)
        try kafka.createTopic(Self.resultTopic, partitions: 4)
        try kafka.createTopic(Self.dlqTopic, partitions: 2)
        producer = try KafkaProducer(properties: ["bootstrap.servers": kafka.bootstrapServers], logger: logger)

        simulator = OkayFaceSimulator(configuration: configuration, logger: logger)
        _ = try await simulator.start()

        samples = Self.root + "/samples"
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("okf-\(name)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    enum TestStackError: Error { case noDatabase }

    /// A new, empty (unmigrated) database on the test server; returns its URL.
    static func blankDatabase() async throws -> String {
        guard let base = TestServices.value("DATABASE_URL"), let slash = base.lastIndex(of: "/") else {
            Issue.record("DATABASE_URL is not set: run the tests through scripts/test, which starts PostgreSQL")
            throw TestStackError.noDatabase
        }
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        try await BlockingWork.run {
            let admin = try PostgresConnection(url: base)
            defer { admin.close() }
            try admin.execute("CREATE DATABASE \(name)")
        }
        return String(base[...slash]) + name
    }

    /// The worker's settings for this stack; `overrides` win.
    func environment(_ overrides: [String: String] = [:]) -> [String: String] {
        var env = [
            "KAFKA_BROKERS": kafka.bootstrapServers,
            "KAFKA_GROUP_ID": "okayface-worker-test",
            "DATABASE_URL": Self.withPassword(databaseURL),
            "OKAYFACE_BASE_URL": simulator.baseURL,
            "OKAYFACE_USERNAME": "demo",
            "OKAYFACE_PASSWORD": Self.vendorPassword,
            "OKAYFACE_RETRY_BASE_MS": "20",
            "OKAYFACE_RETRY_MAX_MS": "100",
            "OKAYFACE_TIMEOUT_MS": "5000",
            "IMAGE_ALLOWED_PREFIXES": "file://\(samples)/,file://\(scratch)/",
            "WORKER_SHUTDOWN_GRACE_MS": "5000",
            "OUTBOX_RECOVERY_INTERVAL_MS": "500",
            "LOG_LEVEL": "warning",
            // Dozens of stacks share the test server: fewer connections each (default 8).
            "DATABASE_POOL_SIZE": "4",
            "HTTP_PORT": "0",
            // Commits sooner than the production default (5 s), so tests that look at the
            // group's committed offsets see them sooner.
            "KAFKA_CONFIG_AUTO_COMMIT_INTERVAL_MS": "200",
        ]
        env.merge(overrides) { _, new in new }
        return env
    }

    /// Runs the worker in this process until the returned handle is stopped.
    func startWorker(_ overrides: [String: String] = [:]) throws -> RunningWorker {
        let configuration = try WorkerConfiguration.load(environment(overrides))
        let trigger = GracefulShutdownTrigger()
        let app = WorkerApplication(configuration: configuration, logger: logger)
        let box = PortBox()
        let task = Task { try await app.run(signals: [], trigger: trigger) { bound in box.port.withLock { $0 = bound } } }
        return RunningWorker(trigger: trigger, task: task, box: box)
    }

    /// A request event for sample files (paths relative to samples/ unless absolute).
    func request(
        _ id: String, idCard: String = "images/person1-idcard.png", best: String = "images/person1-selfie.png",
        sdk: String = "sdk/approve.json", journeyId: String? = nil, subject: String? = nil,
        sha256: [String: String] = [:]
    ) -> [UInt8] {
        func path(_ p: String) -> String { p.hasPrefix("/") || p.contains("://") ? p : samples + "/" + p }
        return RequestSubmitter.event(
            requestId: id, journeyId: journeyId, idCard: path(idCard), best: path(best), mobileSdkData: path(sdk),
            subject: subject, imageSha256: sha256)
    }

    func publish(_ value: [UInt8], key: String? = nil) async throws {
        _ = try await producer.send(topic: Self.requestTopic, key: key.map { Array($0.utf8) } ?? RequestSubmitter.key(for: value), value: value)
    }

    /// Creates a journey at the simulator, as an onboarding service would before publishing.
    func createJourney() async throws -> String {
        var request = URLRequest(url: URL(string: simulator.baseURL + "/api/ekyc/journeyid")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let credentials = try JSONSerialization.data(withJSONObject: ["username": "demo", "password": Self.vendorPassword])
        request.httpBody = credentials
        let (body, _) = try await URLSession.shared.data(for: request)
        let answer = try JSONSerialization.jsonObject(with: body) as? [String: Any]
        return try #require(answer?["journeyId"] as? String)
    }

    /// Writes an `sdk` file with a simulate directive into the scratch folder; returns its path.
    func directive(_ json: String) throws -> String {
        let path = scratch + "/sdk-\(UUID().uuidString).json"
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func query(_ q: PostgresQuery) async throws -> PostgresRows {
        try await db.withConnection { try $0.query(q) }
    }

    func count(_ q: PostgresQuery) async throws -> Int {
        try await query(q).first?.int("count") ?? -1
    }

    /// ``TestSupport/waitUntil(_:timeout:sourceLocation:_:)``, with the stacks' default bound.
    func waitUntil(
        _ what: String, timeout: Duration = .seconds(60), sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: () async throws -> Bool
    ) async throws {
        try await TestSupport.waitUntil(what, timeout: timeout, sourceLocation: sourceLocation, condition)
    }

    /// Waits until `n` results rows exist and every outbox row was published.
    func waitForDecisions(_ n: Int, timeout: Duration = .seconds(60)) async throws {
        try await waitUntil("\(n) decisions published", timeout: timeout) {
            let rows = try await count("SELECT count(*) FROM verification_results")
            let unsent = try await count("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            return rows >= n && unsent == 0
        }
    }

    func results(expected: Int? = nil) async throws -> [KafkaMessage] {
        try await TopicReader.read(brokers: kafka.bootstrapServers, topic: Self.resultTopic, expected: expected, logger: logger)
    }

    /// The distinct keys (request ids) on the results topic, read until there are `expected`
    /// of them. Results are at least once, so a count of messages can be reached by repeats
    /// before every request's result is there.
    func resultKeys(expected: Int) async throws -> Set<String> {
        let messages = try await TopicReader.read(
            brokers: kafka.bootstrapServers, topic: Self.resultTopic, expectedKeys: expected, logger: logger)
        return Set(messages.compactMap { $0.key.map { String(decoding: $0, as: UTF8.self) } })
    }

    func deadLetters(expected: Int? = nil) async throws -> [KafkaMessage] {
        try await TopicReader.read(brokers: kafka.bootstrapServers, topic: Self.dlqTopic, expected: expected, logger: logger)
    }

    /// `okayface-worker ARGUMENTS` (a back-office command) on this stack's database and Kafka,
    /// run by operator `ops` (so `audit_log` says `cli:ops`).
    func backOffice(_ arguments: [String]) async throws -> CommandRun {
        try await CommandRun.run(
            CrashRecoveryTests.binary, arguments,
            environment: [
                "DATABASE_URL": Self.withPassword(databaseURL), "KAFKA_BROKERS": kafka.bootstrapServers,
                "PATH": "/usr/bin:/bin", "USER": "ops", "LOG_LEVEL": "error",
            ])
    }

    func decision(_ requestId: String) async throws -> PostgresRow? {
        try await query("SELECT * FROM verification_results WHERE request_id = \(requestId)").first
    }

    /// What explains extra vendor calls, for a failing test's message: the journeys the
    /// simulator answered more than once with the worker's rows for them (request, vendor
    /// runs, attempts), and where the worker logs were copied for a look afterwards.
    func vendorCallDiagnosis(logs: [String] = []) async -> String {
        let repeated = simulator.stats().callsPerJourney.filter { $0.value > 1 }
        var lines = ["journeys answered more than once: \(repeated.count)"]
        for (journey, calls) in repeated.sorted(by: { $0.key < $1.key }).prefix(10) {
            let rows: [PostgresRow] = (try? await query("""
                SELECT q.request_id, q.processing_runs, q.vendor_runs, r.attempts,
                       (SELECT string_agg(c.attempt || ':' || c.outcome || ':' || coalesce(c.http_status::text, '-'), ' ')
                        FROM vendor_calls c WHERE c.request_id = q.request_id AND c.endpoint = 'okayface_plus_v1') AS calls
                FROM verification_requests q JOIN verification_results r USING (request_id)
                WHERE q.journey_id = \(journey)
                """)).map { Array($0) } ?? []
            let described = rows.map { row in
                "\(row.string("request_id") ?? "?") runs \(row.int("processing_runs") ?? -1) vendorRuns \(row.int("vendor_runs") ?? -1) attempts \(row.int("attempts") ?? -1) calls [\(row.string("calls") ?? "")]"
            }
            lines.append("  \(journey): simulator \(calls) calls; worker: \(described.joined(separator: "; "))")
        }
        let keep = "/tmp/okayface-test-logs-\(ProcessInfo.processInfo.processIdentifier)-\(Int(Date().timeIntervalSince1970))"
        if !logs.isEmpty, (try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)) != nil {
            for log in logs { try? FileManager.default.copyItem(atPath: log, toPath: keep + "/" + (log as NSString).lastPathComponent) }
            lines.append("worker logs kept in \(keep)")
        }
        return lines.joined(separator: "\n")
    }

    func close() async {
        await simulator.stop()
        // Blocking closes (a producer's flush, the pool's threads, the mock cluster's brokers)
        // run on a thread of their own: on one of Swift's two cooperative threads they would
        // stall every other test meanwhile, and a librdkafka mock-cluster destroy was once seen
        // never to return (both cooperative threads inside rd_kafka_mock_cluster_destroy).
        await BlockingWork.run { [producer, db, kafka] in
            producer.close()
            db.close()
            kafka.close()
        }
        Self.keepLogs(of: scratch)
        try? FileManager.default.removeItem(atPath: scratch)
    }

    /// Copies the `.log` files of `folder` to `OKAYFACE_TEST_LOG_DIR` (set by `scripts/test`),
    /// where the run's secret check reads every log line.
    static func keepLogs(of folder: String) {
        guard let logDir = ProcessInfo.processInfo.environment["OKAYFACE_TEST_LOG_DIR"],
              let names = FileManager.default.enumerator(atPath: folder)?.allObjects as? [String]
        else { return }
        let target = logDir + "/" + (folder as NSString).lastPathComponent
        for name in names where name.hasSuffix(".log") {
            let copy = target + "/" + name.replacingOccurrences(of: "/", with: "_")
            try? FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
            try? FileManager.default.copyItem(atPath: folder + "/" + name, toPath: copy)
        }
    }
}

/// The health server's port, once known.
final class PortBox: Sendable {
    let port = Mutex<Int?>(nil)
}

/// A worker running in the test process.
final class RunningWorker: Sendable {
    let trigger: GracefulShutdownTrigger
    let task: Task<Void, any Error>
    let box: PortBox

    init(trigger: GracefulShutdownTrigger, task: Task<Void, any Error>, box: PortBox) {
        self.trigger = trigger
        self.task = task
        self.box = box
    }

    /// GET on the worker's health server: the status code and body, once it listens.
    func get(_ path: String) async throws -> (status: Int, body: String) {
        for _ in 0..<100 {
            if let port = box.port.withLock({ $0 }) {
                let url = URL(string: "http://127.0.0.1:\(port)/\(path)")!
                let (data, response) = try await URLSession.shared.data(from: url)
                return ((response as? HTTPURLResponse)?.statusCode ?? -1, String(decoding: data, as: UTF8.self))
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the health server did not start")
        return (-1, "")
    }

    /// GET on the worker's health server: the status code, once it listens.
    func health(_ path: String) async throws -> Int {
        for _ in 0..<100 {
            if let port = box.port.withLock({ $0 }) {
                let url = URL(string: "http://127.0.0.1:\(port)/\(path)")!
                let (_, response) = try await URLSession.shared.data(from: url)
                return (response as? HTTPURLResponse)?.statusCode ?? -1
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the health server did not start")
        return -1
    }

    /// Graceful shutdown, and the run's own error if it failed.
    func stop() async throws {
        trigger.shutdown()
        try await task.value
    }
}

extension KafkaHeader {
    var text: String? { value.map { String(decoding: $0, as: UTF8.self) } }
}
