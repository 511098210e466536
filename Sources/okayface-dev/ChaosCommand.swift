import ArgumentParser
import DevTools
import Foundation
import Logging
import Worker

struct ChaosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract: "The fault suite: drive requests through worker processes while killing them, restarting PostgreSQL, taking a broker down and failing vendor calls; then check nothing was lost or doubled.")

    @Option(help: "Requests to publish (invalid ones included).") var requests = 10_000
    @Option(help: "Worker processes running at once.") var workers = 2
    @Option(help: "Worker SIGKILLs (each followed by a replacement).") var kills = 10
    @Option(help: "Fraction of vendor calls failing transiently.") var vendorFailureRate = 0.2
    @Option(help: "Fraction of requests that are invalid events (must end in the DLQ).") var invalidShare = 0.01
    @Option(help: "PostgreSQL server URL; a fresh chaos_<random> database is created on it.")
    var databaseURL = ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""
    @Option(help: "The private cluster folder made by scripts/lib/postgres.sh, restarted once during the run.")
    var pgDir: String
    @Option(help: "Folder holding okayface-worker (default: this executable's folder).") var bin: String?
    @Option(help: "Repository root (migrations/, samples/, scripts/).") var root = FileManager.default.currentDirectoryPath
    @Option(help: "How long draining may take, in seconds.") var timeoutSeconds = 900
    @Option(help: "Seed of every random choice.") var seed: UInt64 = 0x0C4A_05
    @Option(help: "Folder for worker logs and the timeline (default: a new one under /tmp).") var runDir: String?

    func validate() throws {
        guard !databaseURL.isEmpty else { throw ValidationError("give --database-url or set DATABASE_URL") }
        guard requests > 0, workers > 0, kills >= 0 else { throw ValidationError("--requests and --workers must be positive, --kills not negative") }
        guard (0...1).contains(vendorFailureRate), (0...1).contains(invalidShare) else {
            throw ValidationError("--vendor-failure-rate and --invalid-share are fractions in 0...1")
        }
    }

    func run() async throws {
        LogSetup.bootstrap(format: .text, level: .info)
        var configuration = ChaosConfiguration(
            databaseURL: databaseURL, postgresDirectory: pgDir,
            binDirectory: bin ?? Bundle.main.executableURL?.deletingLastPathComponent().path ?? ".", root: root)
        configuration.requests = requests
        configuration.workers = workers
        configuration.kills = kills
        configuration.vendorFailureRate = vendorFailureRate
        configuration.invalidShare = invalidShare
        configuration.timeout = .seconds(timeoutSeconds)
        configuration.seed = seed
        configuration.runDirectory = runDir
        let chaos = ChaosRun(configuration: configuration, logger: Logger(label: "chaos"))
        // SIGINT/SIGTERM cancel the run, which kills its workers and brings PostgreSQL back up.
        let report = try await ShutdownSignal.cancelling { try await chaos.run() }
        print()
        print(report.rendered)
        print()
        print(report.passLine)
        if !report.passed { throw ExitCode(1) }
    }
}
