import Foundation
import Kafka
import Logging
import Postgres
import Simulator
import Synchronization
import Worker

/// The throughput benchmark (docs/benchmarks.md): publishes requests to one `okayface-worker run`
/// process and measures until the last decision is durable and published.
///
/// In-process (unless given): a librdkafka mock cluster and the vendor simulator. Outside: the
/// worker, whose CPU time and memory are sampled from /proc, and the PostgreSQL server, on
/// which the run creates a fresh database. Everything it starts is stopped before it returns.
public struct BenchRun: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public var configuration: BenchConfiguration
    /// Narrates the run at info level; errors only from the mock cluster, simulator and consumers.
    public var logger: Logger

    public init(configuration: BenchConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    private var componentLogger: Logger {
        var quiet = logger
        quiet.logLevel = .error
        return quiet
    }

    private static let requestTopic = WorkerConfiguration.defaultRequestTopic
    private static let resultTopic = WorkerConfiguration.defaultResultTopic

    public func run() async throws -> BenchReport {
        var c = configuration
        c.root = URL(fileURLWithPath: c.root).standardizedFileURL.path
        let executable = c.binDirectory + "/okayface-worker"
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw Failure(description: "no worker executable at \(executable): build it first, or pass the folder holding it")
        }
        guard c.requests > 0, c.imageKB > 0, c.maxInFlight > 0 else {
            throw Failure(description: "--requests, --image-kb and --max-in-flight must be positive")
        }
        try FileManager.default.createDirectory(atPath: c.outputDirectory, withIntermediateDirectories: true)
        c.outputDirectory = URL(fileURLWithPath: c.outputDirectory).resolvingSymlinksInPath().path

        let images = try BenchImages.write(into: c.outputDirectory + "/images", imageKB: c.imageKB)
        let database = try ScratchDatabase.create(
            prefix: "bench", serverURL: c.databaseURL, migrations: c.root + "/migrations", logger: componentLogger)
        defer { database.close() }
        logger.info("database \(database.name) created and migrated")

        var cluster: KafkaMockCluster?
        let brokers: String
        if let given = c.brokers {
            brokers = given
        } else {
            let mock = try KafkaMockCluster(brokers: 3, logger: componentLogger)
            try mock.createTopic(Self.requestTopic, partitions: c.partitions)
            try mock.createTopic(Self.resultTopic, partitions: 6)
            try mock.createTopic(WorkerConfiguration.defaultDLQTopic, partitions: 2)
            cluster = mock
            brokers = mock.bootstrapServers
        }
        defer { cluster?.close() }

        var simulator: OkayFaceSimulator?
        let vendorURL: String
        if let given = c.simulatorURL {
            vendorURL = given
        } else {
            var vendor = SimulatorConfiguration(latency: c.vendorLatency)
            vendor.maxRequestsPerSecond = c.quota
            let started = OkayFaceSimulator(configuration: vendor, logger: componentLogger)
            _ = try await started.start()
            simulator = started
            vendorURL = started.baseURL
        }
        logger.info("Kafka \(brokers)\(cluster == nil ? "" : " (mock)"), vendor \(vendorURL)\(simulator == nil ? "" : " (simulator)")")

        do {
            var report = try await measure(
                c, executable: executable, images: images, database: database, brokers: brokers, vendorURL: vendorURL)
            if let stats = simulator?.stats() { report.vendorCalls = BenchReport.VendorCalls(stats) }
            await simulator?.stop()
            return report
        } catch {
            await simulator?.stop()
            throw error
        }
    }

    /// From the journeys to the report: everything that runs against the started servers.
    private func measure(
        _ c: BenchConfiguration, executable: String, images: BenchImages, database: ScratchDatabase, brokers: String,
        vendorURL: String
    ) async throws -> BenchReport {
        var journeys: [String] = []
        if c.journeys == .precreated {
            let count = max(1, min(c.journeyPool, c.requests))
            logger.info("creating \(count) journeys")
            journeys = try await JourneyPool.create(count: count, vendorURL: vendorURL, logger: componentLogger)
        }
        let prefix = "bench-" + database.name.suffix(8)
        let messages = Self.messages(count: c.requests, prefix: prefix, images: images, journeys: journeys)

        // linger.ms 1: the publisher is part of the instrument and should delay requests as
        // little as it can.
        let producer = try KafkaProducer(properties: ["bootstrap.servers": brokers, "linger.ms": "1"], logger: componentLogger)
        defer { producer.close() }
        let arrivals = try ResultArrivals(brokers: brokers, topic: Self.resultTopic, prefix: prefix, logger: componentLogger)
        arrivals.start()
        defer { arrivals.close() }
        try await waitUntil("the results consumer has its partitions", timeout: .seconds(30)) { arrivals.isAssigned }

        var environment = WorkerEnvironment.base(
            brokers: brokers, groupId: "okayface-\(prefix)", databaseURL: database.url, vendorURL: vendorURL,
            imagePrefixes: ["file://\(images.folder)/"])
        environment["WORKER_MAX_IN_FLIGHT"] = "\(c.maxInFlight)"
        // A reused Kafka holds earlier runs' requests: this run's group starts at the end.
        if c.brokers != nil { environment["KAFKA_CONFIG_AUTO_OFFSET_RESET"] = "latest" }
        // The mock cluster answers a fetch only when fetch.wait.max.ms has passed, even when
        // data arrives sooner (a real broker answers at once): with librdkafka's default of
        // 500 ms, Kafka in took 258 ms p50 at 500 requests/s, with 10 ms it took 12 ms.
        if c.brokers == nil { environment["KAFKA_CONFIG_FETCH_WAIT_MAX_MS"] = "10" }
        environment.merge(c.workerEnvironment) { _, new in new }
        let fleet = WorkerFleet(
            executable: executable, environment: environment, directory: c.outputDirectory,
            record: { [logger] in logger.info("\($0)") })

        do {
            var started: [StartedWorker] = []
            for _ in 0..<max(1, c.replicas) { started.append(try await fleet.start()) }
            let worker = started[0]
            for member in started {
                try await waitUntil("the worker has its partitions (see \(member.log))", timeout: .seconds(60)) {
                    if await !fleet.collectUnexpectedExits().isEmpty { throw Failure(description: "a worker exited at start-up; see \(member.log)") }
                    return (try? String(contentsOfFile: member.log, encoding: .utf8))?.contains("partitions assigned") ?? false
                }
            }
            var report = try await drive(c, messages: messages, producer: producer, arrivals: arrivals, fleet: fleet, worker: worker, database: database)
            let exits = await fleet.stopAll(timeout: .seconds(60))
            report.workerExit = exits.first { $0.bySignal || $0.status != 0 } ?? exits.first
            if let exit = report.workerExit, exit.bySignal || exit.status != 0 {
                report.failure = [report.failure, "the worker did not stop cleanly: \(exit)"].compactMap { $0 }.joined(separator: "; ")
            }
            if c.chart {
                let png = c.outputDirectory + "/bench.png"
                do {
                    try await BenchChart.render(
                        timeline: c.outputDirectory + "/timeline.csv", seconds: Int(report.duration.rounded(.up)), png: png,
                        title: c.summary)
                    report.chart = png
                } catch {
                    report.notes.append("\(error)")
                }
            }
            return report
        } catch {
            await fleet.killAll()
            throw error
        }
    }

    /// Publishing and waiting for the results, with the worker sampled all along; then what
    /// PostgreSQL holds, and the files.
    private func drive(
        _ c: BenchConfiguration, messages: [PacedMessage], producer: KafkaProducer, arrivals: ResultArrivals,
        fleet: WorkerFleet, worker: StartedWorker, database: ScratchDatabase
    ) async throws -> BenchReport {
        let sampler = ProcessSampler(pid: worker.pid)
        let published = Mutex([ContinuousClock.Instant?](repeating: nil, count: messages.count))
        let publishFailure = Mutex<String?>(nil)
        let origin = (instant: ContinuousClock.now, wall: Date().timeIntervalSince1970)
        let firstSample = sampler.sample()
        let machineAtStart = MachineCPU.now()
        let sampling = Task { await sampler.run() }
        let pace = c.rate.map { "at \($0)/s" } ?? "as fast as Kafka takes them"
        logger.info("publishing \(messages.count) requests \(pace)")
        let publishing = Task {
            do {
                try await PacedPublisher(producer: producer, topic: Self.requestTopic, rate: c.rate).publish(
                    count: messages.count, message: { (messages[$0].key, messages[$0].value) },
                    sending: { n in published.withLock { $0[n] = .now } })
            } catch {
                publishFailure.withLock { $0 = "publishing failed: \(error)" }
            }
        }

        var failure: String?
        let deadline = origin.instant + c.timeout
        var lastProgress = ContinuousClock.now
        while arrivals.distinct < messages.count {
            if let failed = publishFailure.withLock({ $0 }) { failure = failed; break }
            if let exit = await fleet.collectUnexpectedExits().first { failure = "the worker died: \(exit)"; break }
            if ContinuousClock.now > deadline { failure = "timed out after \(c.timeout)"; break }
            if ContinuousClock.now - lastProgress > .seconds(5) {
                lastProgress = .now
                logger.info("progress: \(arrivals.distinct)/\(messages.count) results")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let lastSample = sampler.sample()
        let machineAtEnd = MachineCPU.now()
        sampling.cancel()
        publishing.cancel()
        _ = await (sampling.value, publishing.value)
        logger.info("\(arrivals.distinct)/\(messages.count) results; reading PostgreSQL")

        func seconds(_ instant: ContinuousClock.Instant) -> Double { (instant - origin.instant).seconds }
        let samples = ([firstSample] + sampler.all + [lastSample]).compactMap { $0 }
            .map { BenchReport.WorkerSample(at: seconds($0.at), cpuSeconds: $0.cpuSeconds, rssBytes: $0.rssBytes, peakRSSBytes: $0.peakRSSBytes) }
            .sorted { $0.at < $1.at }
        let publishTimes = published.withLock { $0 }
        let results = arrivals.arrivals
        var requests: [BenchRequest] = []
        requests.reserveCapacity(messages.count)
        for (n, message) in messages.enumerated() {
            guard let sent = publishTimes[n] else { continue }
            var request = BenchRequest(requestId: message.requestId, publishedAt: seconds(sent))
            if let arrival = results[message.requestId] {
                request.resultAt = seconds(arrival.at)
                request.decision = arrival.decision
            }
            requests.append(request)
        }
        var report = BenchReport(settings: c.summary, outputDirectory: c.outputDirectory, requests: requests, samples: samples)
        report.failure = failure
        report.resultEvents = arrivals.events
        if let machineAtStart, let machineAtEnd {
            report.machine = BenchReport.MachineShare(
                cores: ProcessInfo.processInfo.activeProcessorCount,
                busySeconds: machineAtEnd.busySeconds - machineAtStart.busySeconds,
                benchSeconds: machineAtEnd.benchSeconds - machineAtStart.benchSeconds,
                postgresSeconds: machineAtEnd.postgresSeconds - machineAtStart.postgresSeconds)
        }
        try await readDatabase(database, origin: origin.wall, into: &report)

        try BenchCSV.requests(report.requests).write(toFile: c.outputDirectory + "/requests.csv", atomically: true, encoding: .utf8)
        try BenchTimeline(report: report).csv.write(toFile: c.outputDirectory + "/timeline.csv", atomically: true, encoding: .utf8)
        return report
    }

    /// Vendor time and the worker's own timestamps per request; rows; unsent outbox rows, given
    /// a few seconds to reach zero (the relay marks rows sent in batches).
    private func readDatabase(_ database: ScratchDatabase, origin: Double, into report: inout BenchReport) async throws {
        let rows = try await database.query("""
            SELECT r.request_id,
                   extract(epoch FROM q.received_at)::float8 AS received,
                   extract(epoch FROM r.processed_at)::float8 AS decided,
                   o.written, v.calls, v.vendor_ms, v.first_start, v.last_end
            FROM verification_results r
            LEFT JOIN verification_requests q USING (request_id)
            LEFT JOIN (SELECT request_id, count(*) AS calls, sum(duration_ms) AS vendor_ms,
                              extract(epoch FROM min(started_at))::float8 AS first_start,
                              max(extract(epoch FROM started_at)::float8 + duration_ms / 1000) AS last_end
                       FROM vendor_calls GROUP BY request_id) v USING (request_id)
            LEFT JOIN (SELECT request_id, extract(epoch FROM min(created_at))::float8 AS written
                       FROM outbox GROUP BY request_id) o USING (request_id)
            """)
        var byId: [String: PostgresRow] = [:]
        for row in rows { if let id = row.string("request_id") { byId[id] = row } }
        report.rows = rows.count
        func relative(_ epoch: Double?) -> Double? { epoch.map { $0 - origin } }
        for i in report.requests.indices {
            guard let row = byId[report.requests[i].requestId] else { continue }
            report.requests[i].vendorCalls = row.int("calls") ?? 0
            report.requests[i].vendorMs = row.double("vendor_ms") ?? 0
            report.requests[i].receivedAt = relative(row.double("received"))
            report.requests[i].decidedAt = relative(row.double("decided"))
            report.requests[i].writeStartedAt = relative(row.double("written"))
            report.requests[i].vendorStartAt = relative(row.double("first_start"))
            report.requests[i].vendorEndAt = relative(row.double("last_end"))
        }
        let settle = ContinuousClock.now + .seconds(10)
        repeat {
            report.unsentOutbox = try await database.query("SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL").first?.int("n") ?? 0
            if report.unsentOutbox == 0 { break }
            try await Task.sleep(for: .milliseconds(200))
        } while ContinuousClock.now < settle
    }

    /// Waits until `condition` holds, checking every 50 ms; throws after `timeout`.
    private func waitUntil(_ what: String, timeout: Duration, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !(try await condition()) {
            guard ContinuousClock.now < deadline else { throw Failure(description: "timed out waiting until \(what)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// One request to publish.
    struct PacedMessage: Sendable {
        var requestId: String
        var key: [UInt8]
        var value: [UInt8]
    }

    /// The run's requests, built before the clock starts: keyed by customer (a quarter as many
    /// customers as requests, so many keys run at once), over the bench images (one selfie in
    /// eight shows someone else), each naming a journey of the pool when there is one.
    static func messages(count: Int, prefix: String, images: BenchImages, journeys: [String]) -> [PacedMessage] {
        let customers = max(1, count / 4)
        return (0..<count).map { n in
            let requestId = "\(prefix)-\(n)"
            let customer = "customer-\(n % customers)"
            let person = n % BenchImages.people
            let selfie = n % 8 == 7 ? (person + 1) % BenchImages.people : person
            let value = RequestSubmitter.event(
                requestId: requestId, journeyId: journeys.isEmpty ? nil : journeys[n % journeys.count],
                idCard: images.idCards[person], best: images.selfies[selfie], mobileSdkData: images.mobileSdkData,
                subject: customer)
            return PacedMessage(requestId: requestId, key: Array(customer.utf8), value: value)
        }
    }
}
