import ArgumentParser
import DevTools
import Foundation
import Logging
import Worker

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "The throughput benchmark: publish requests to one worker process and measure decisions per second, latency, the worker's CPU and memory; write CSV files and a chart.")

    @Option(help: "Requests to publish.") var requests = 20_000
    @Option(help: "Size of each ID-card and selfie image, in KB.") var imageKb = 30
    @Option(help: "The simulator's latency per OkayFace Plus call, in milliseconds.") var vendorLatencyMs = 0
    @Option(help: "The worker's WORKER_MAX_IN_FLIGHT.") var maxInFlight = 64
    @Option(help: "Requests per second to publish at (default: as fast as Kafka takes them).") var rate: Double?
    @Option(help: "precreated: requests name journeys created before the run; per-request: the worker creates one per request.")
    var journeys = "precreated"
    @Option(help: "Journeys created before the run (precreated), shared by the requests.") var journeyPool = 1_000
    @Option(help: "PostgreSQL server URL; a fresh bench_<random> database is created on it.")
    var databaseURL = ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""
    @Option(help: "Bootstrap servers of a Kafka to use (default: a librdkafka mock cluster in-process).") var brokers: String?
    @Option(help: "Base URL of a running vendor simulator (default: one in-process).") var simulatorUrl: String?
    @Option(help: "Folder holding okayface-worker (default: this executable's folder).") var bin: String?
    @Option(help: "Repository root (migrations/).") var root = FileManager.default.currentDirectoryPath
    @Option(help: "Folder for images, the worker log, requests.csv, timeline.csv and bench.png (default: a new one under /tmp).")
    var out: String?
    @Option(help: "Partitions of the requests topic (mock cluster).") var partitions: Int32 = 12
    @Option(help: "How long the run may take, in seconds.") var timeoutSeconds = 900
    @Option(name: .customLong("worker-env"), help: "An extra worker setting, KEY=VALUE (repeatable), e.g. KAFKA_CONFIG_FETCH_WAIT_MAX_MS=10.")
    var workerEnv: [String] = []
    @Option(help: "Worker processes in one consumer group (the first is sampled for CPU and memory).") var replicas = 1
    @Option(help: "The simulator's quota in calls per second (--max-rps): calls over it answer 429.") var quota: Double?
    @Flag(help: "Skip the gnuplot chart.") var noChart = false

    func validate() throws {
        guard !databaseURL.isEmpty else { throw ValidationError("give --database-url or set DATABASE_URL") }
        guard requests > 0, imageKb > 0, maxInFlight > 0, vendorLatencyMs >= 0, journeyPool > 0 else {
            throw ValidationError("--requests, --image-kb, --max-in-flight and --journey-pool must be positive, --vendor-latency-ms not negative")
        }
        guard BenchConfiguration.Journeys(rawValue: journeys) != nil else {
            throw ValidationError("--journeys is precreated or per-request")
        }
        if let rate, rate <= 0 { throw ValidationError("--rate must be positive") }
        for setting in workerEnv where !setting.contains("=") { throw ValidationError("--worker-env takes KEY=VALUE (got \(setting))") }
    }

    func run() async throws {
        LogSetup.bootstrap(format: .text, level: .info)
        let folder = out ?? "/tmp/okayface-bench-" + UUID().uuidString.prefix(8).lowercased()
        var configuration = BenchConfiguration(
            databaseURL: databaseURL,
            binDirectory: bin ?? Bundle.main.executableURL?.deletingLastPathComponent().path ?? ".", root: root,
            outputDirectory: folder)
        configuration.requests = requests
        configuration.imageKB = imageKb
        configuration.vendorLatency = .milliseconds(vendorLatencyMs)
        configuration.maxInFlight = maxInFlight
        configuration.rate = rate
        configuration.journeys = BenchConfiguration.Journeys(rawValue: journeys) ?? .precreated
        configuration.journeyPool = journeyPool
        configuration.brokers = brokers
        configuration.simulatorURL = simulatorUrl
        configuration.partitions = partitions
        configuration.timeout = .seconds(timeoutSeconds)
        configuration.chart = !noChart
        configuration.replicas = replicas
        configuration.quota = quota
        for setting in workerEnv {
            let parts = setting.split(separator: "=", maxSplits: 1)
            configuration.workerEnvironment[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        let bench = BenchRun(configuration: configuration, logger: Logger(label: "bench"))
        // SIGINT/SIGTERM cancel the run, which kills its worker.
        let report = try await ShutdownSignal.cancelling { try await bench.run() }
        print("\n" + report.rendered + "\n\n" + report.verdict)
        if !report.passed { throw ExitCode(1) }
    }
}
