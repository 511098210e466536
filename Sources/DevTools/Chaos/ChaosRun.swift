import Foundation
import Kafka
import Logging
import Simulator
import Synchronization

/// The fault suite (docs/chaos.md): drives requests through real `okayface-worker` processes while
/// it SIGKILLs them, restarts PostgreSQL, takes a Kafka broker down and lets the vendor fail,
/// then checks from PostgreSQL and the topics that nothing was lost and nothing doubled.
///
/// In-process: a librdkafka mock cluster and the vendor simulator. Outside: the worker
/// processes and the PostgreSQL server (`configuration.postgresDirectory`), which it restarts.
/// Everything it starts is stopped before it returns, and PostgreSQL is left running.
public struct ChaosRun: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public var configuration: ChaosConfiguration
    /// Narrates the run (faults, worker starts and exits) at info level.
    public var logger: Logger
    /// For the mock cluster, the simulator and the topic readers; quiet by default.
    public var componentLogger: Logger

    public init(configuration: ChaosConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        var quiet = logger
        quiet.logLevel = .critical  // broker-down connection errors are expected here
        componentLogger = quiet
    }

    public func run() async throws -> ChaosReport {
        var c = configuration
        c.root = URL(fileURLWithPath: c.root).standardizedFileURL.path
        let executable = c.binDirectory + "/okayface-worker"
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw Failure(description: "no worker executable at \(executable): build it first (swift build), or pass the folder holding it")
        }
        let samples = c.root + "/samples"
        guard FileManager.default.fileExists(atPath: samples + "/images/person1-idcard.png") else {
            throw Failure(description: "\(samples)/images not found: is \(c.root) the repository root?")
        }
        guard c.requests > 0, c.workers > 0 else { throw Failure(description: "need at least one request and one worker") }
        let runDirectory = try c.runDirectory ?? Self.makeRunDirectory()
        try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)

        let timeline = ChaosTimeline(file: runDirectory + "/timeline.log", logger: logger)
        let random = ChaosRandom(seed: c.seed)
        let postgres = PostgresControl(root: c.root, directory: c.postgresDirectory, log: runDirectory + "/postgres-control.log")

        let database = try ScratchDatabase.create(prefix: "chaos", serverURL: c.databaseURL, migrations: c.root + "/migrations", logger: componentLogger)
        defer { database.close() }
        timeline.record("database \(database.name) created and migrated")

        let cluster = try KafkaMockCluster(brokers: c.brokers, logger: componentLogger)
        defer { cluster.close() }
        try cluster.createTopic(c.requestTopic, partitions: c.requestPartitions)
        try cluster.createTopic(c.resultTopic, partitions: c.resultPartitions)
        try cluster.createTopic(c.dlqTopic, partitions: c.dlqPartitions)
        let producer = try KafkaProducer(properties: ["bootstrap.servers": cluster.bootstrapServers], logger: componentLogger)
        defer { producer.close() }

        let simulator = OkayFaceSimulator(
            configuration: SimulatorConfiguration(
                latency: c.vendorLatency, latencyJitter: c.vendorLatencyJitter, transientErrorRate: c.vendorFailureRate,
                randomSeed: c.seed),
            logger: componentLogger)
        _ = try await simulator.start()
        timeline.record("mock Kafka \(cluster.bootstrapServers), simulator \(simulator.baseURL) (\(Int(c.vendorFailureRate * 100))% transient failures)")

        let workload = ChaosWorkload.plan(
            count: c.requests, invalidCount: c.invalidCount, samples: samples,
            prefix: "chaos-\(String(c.seed, radix: 16))-\(database.name.suffix(6))", random: random)
        let fleet = WorkerFleet(
            executable: executable,
            environment: workerEnvironment(c, database: database.url, brokers: cluster.bootstrapServers, vendor: simulator.baseURL),
            directory: runDirectory, record: { timeline.record($0) })
        let verifier = ChaosVerifier(database: database, brokers: cluster.bootstrapServers, configuration: c, logger: componentLogger)
        let tally = FaultTally()

        var report = ChaosReport(runDirectory: runDirectory, databaseURL: database.url, seed: c.seed)
        report.killsPlanned = c.kills
        do {
            try await drive(
                c, workload: workload, fleet: fleet, cluster: cluster, producer: producer, postgres: postgres,
                database: database, verifier: verifier, tally: tally, timeline: timeline, random: random, report: &report)
        } catch {
            timeline.record("run failed: \(error)")
            await restore(cluster: cluster, postgres: postgres, tally: tally, fleet: fleet)
            await simulator.stop()
            throw error
        }
        await simulator.stop()

        let stats = simulator.stats()
        timeline.record("verifying")
        try await verifier.verify(workload, simulator: stats, into: &report)
        let faults = tally.current
        report.killsDone = faults.kills
        report.postgresRestarts = faults.postgresRestarts
        report.brokerOutages = faults.brokerOutages
        report.timeline = timeline.lines
        return report
    }

    /// Publishing, faults and draining, then the graceful stop.
    private func drive(
        _ c: ChaosConfiguration, workload: ChaosWorkload, fleet: WorkerFleet, cluster: KafkaMockCluster,
        producer: KafkaProducer, postgres: PostgresControl, database: ScratchDatabase, verifier: ChaosVerifier,
        tally: FaultTally, timeline: ChaosTimeline, random: ChaosRandom, report: inout ChaosReport
    ) async throws {
        for _ in 0..<c.workers { try await fleet.start() }
        let validCount = workload.validIds.count
        let watcher = Task { await database.watch(every: .milliseconds(250)) }
        defer { watcher.cancel() }

        // Workers that die on their own are recorded and replaced, so draining can go on.
        let state = DriveState()
        let supervisor = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                let gone = await fleet.collectUnexpectedExits()
                guard !gone.isEmpty, !Task.isCancelled else { continue }
                state.unexpected.withLock { $0.append(contentsOf: gone) }
                try? await Task.sleep(for: .seconds(1))
                for _ in gone { _ = try? await fleet.start() }
            }
        }

        let start = ContinuousClock.now
        let deadline = start + c.timeout
        timeline.record("publishing \(c.requests) requests (\(c.invalidCount) invalid) to \(c.requestTopic)")
        let publishing = Task {
            do {
                try await workload.publish(producer: producer, topic: c.requestTopic, rate: c.publishRate)
                state.published.withLock { $0 = true }
                timeline.record("all requests published")
            } catch where !Task.isCancelled {
                state.failure.withLock { $0 = $0 ?? "publishing failed: \(error)" }
            }
        }
        let schedule = FaultSchedule.plan(c, random: random)
        let targets = FaultSchedule.Targets(
            fleet: fleet, cluster: cluster, postgres: postgres,
            progress: { Double(database.progress.rows) / Double(max(1, validCount)) },
            timeline: timeline, random: random, tally: tally, configuration: c)
        let faults = Task {
            do {
                try await schedule.run(on: targets)
                state.faultsDone.withLock { $0 = .now }
                timeline.record("fault schedule done")
            } catch where !Task.isCancelled {
                state.failure.withLock { $0 = $0 ?? "fault schedule failed: \(error)" }
            }
        }
        /// Ends the concurrent parts and waits for them, so no fault is half-done afterwards.
        func settle() async {
            publishing.cancel()
            faults.cancel()
            supervisor.cancel()
            _ = await (publishing.result, faults.result, supervisor.result)
        }

        // Drained: published, faults over, every valid request decided and published, every
        // invalid one in the DLQ, as seen by a poll made after the last fault.
        var lastReport = ContinuousClock.now
        while ContinuousClock.now < deadline {
            do {
                try await Task.sleep(for: .milliseconds(250))
            } catch {
                await settle()
                throw error
            }
            if let failed = state.failure.withLock({ $0 }) {
                await settle()
                throw Failure(description: failed)
            }
            let progress = database.progress
            if ContinuousClock.now - lastReport > .seconds(10) {
                lastReport = .now
                timeline.record("progress: \(progress.rows)/\(validCount) decided, \(progress.unsent) unsent")
            }
            guard state.published.withLock({ $0 }), let faultsEnded = state.faultsDone.withLock({ $0 }),
                  let polledAt = progress.polledAt, polledAt > faultsEnded,
                  progress.rows >= validCount, progress.unsent == 0
            else { continue }
            if await verifier.deadLettersComplete(workload) {
                report.drained = true
                report.timeToDrain = ContinuousClock.now - start
                timeline.record("drained")
                break
            }
        }
        if !report.drained { timeline.record("not drained within \(c.timeout)") }
        await settle()
        await restore(cluster: cluster, postgres: postgres, tally: tally, fleet: nil)

        report.unexpectedExits = state.unexpected.withLock { $0 } + (await fleet.collectUnexpectedExits())
        report.shutdownExits = await fleet.stopAll(timeout: .seconds(60))
    }

    /// After a failure or a timeout: whatever a cancelled fault left down comes back up, and
    /// (when given) every worker is killed.
    private func restore(cluster: KafkaMockCluster, postgres: PostgresControl, tally: FaultTally, fleet: WorkerFleet?) async {
        let state = tally.current
        if state.brokerDown { for broker in 1...Int32(max(1, configuration.brokers)) { cluster.setBrokerUp(broker) } }
        if state.postgresDown { _ = try? await postgres.start() }
        if let fleet { await fleet.killAll() }
    }

    private func workerEnvironment(_ c: ChaosConfiguration, database: String, brokers: String, vendor: String) -> [String: String] {
        var env = WorkerEnvironment.base(
            brokers: brokers, groupId: "okayface-chaos", databaseURL: database, vendorURL: vendor,
            imagePrefixes: ["file://\(c.root)/samples/"])
        env.merge([
            "OKAYFACE_TIMEOUT_MS": "5000",
            "OKAYFACE_RETRY_BASE_MS": "20",
            "OKAYFACE_RETRY_MAX_MS": "200",
            "OKAYFACE_MAX_ATTEMPTS": "8",
            "OUTBOX_RECOVERY_INTERVAL_MS": "1000",
            "WORKER_SHUTDOWN_GRACE_MS": "10000",
            "KAFKA_CONFIG_SESSION_TIMEOUT_MS": "6000",
            "KAFKA_CONFIG_HEARTBEAT_INTERVAL_MS": "500",
            "KAFKA_CONFIG_AUTO_COMMIT_INTERVAL_MS": "500",
        ]) { _, new in new }
        env.merge(c.workerEnvironment) { _, new in new }
        return env
    }

    private static func makeRunDirectory() throws -> String {
        let path = "/tmp/okayface-chaos-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// What the concurrent parts of a run tell the drain loop.
private final class DriveState: Sendable {
    let published = Mutex(false)
    let failure = Mutex<String?>(nil)
    let faultsDone = Mutex<ContinuousClock.Instant?>(nil)
    let unexpected = Mutex<[WorkerExit]>([])
}
