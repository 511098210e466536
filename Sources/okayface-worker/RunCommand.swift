import ArgumentParser
import Foundation
import Logging
import Worker

/// `okayface-worker run`: every setting is an environment variable (README, Configuration) and a flag;
/// a flag wins over the environment.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the worker until SIGTERM/SIGINT.",
        usage: "okayface-worker run [--<setting> <value> ...] [--kafka-config <prop=value> ...]",
        discussion: SettingFlags.help)

    @Option(help: "KAFKA_CONFIG_<PROP>: a librdkafka property as prop=value (repeatable)") var kafkaConfig: [String] = []
    /// Every other flag is a setting's (SettingFlags): parsed from the table, not declared here.
    @Argument(parsing: .allUnrecognized, help: .hidden) var settings: [String] = []

    func run() async throws {
        var values: [String: String]
        do {
            values = try SettingFlags.apply(settings, to: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError(error.description)
        }
        for entry in kafkaConfig {
            guard let eq = entry.firstIndex(of: "="), eq != entry.startIndex else {
                throw ValidationError("--kafka-config expects prop=value (got \"\(entry)\")")
            }
            let property = entry[..<eq].uppercased().replacingOccurrences(of: ".", with: "_")
            values[WorkerSettings.kafkaConfigPrefix + property] = String(entry[entry.index(after: eq)...])
        }

        let configuration: WorkerConfiguration
        do {
            configuration = try WorkerConfiguration.load(values)
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(78)  // EX_CONFIG
        }
        LogSetup.bootstrap(format: configuration.logFormat, level: configuration.logLevel)
        let logger = Logger(label: "okayface-worker")
        do {
            try await WorkerApplication(configuration: configuration, logger: logger).run()
        } catch let error as ConfigurationError {
            // Found only once running (a port in use): the same one line as the settings' errors.
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(78)
        }
    }
}
