import ArgumentParser
import Console
import Foundation
import Logging
import Worker

/// `okayface-worker console`: the back-office console and its JSON API until SIGTERM/SIGINT.
/// Every setting is an environment variable (README, Console settings) and a flag.
struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console", abstract: "Serve the review console and its JSON API on CONSOLE_PORT until SIGTERM/SIGINT.",
        usage: "okayface-worker console [--<setting> <value> ...]",
        discussion: SettingFlags.help(ConsoleSettings.all, kafkaConfig: true))

    @Argument(parsing: .allUnrecognized, help: .hidden) var settings: [String] = []

    func run() async throws {
        let values: [String: String]
        do {
            values = try SettingFlags.apply(
                settings, to: ProcessInfo.processInfo.environment, settings: ConsoleSettings.all, command: "console")
        } catch {
            throw ValidationError(error.description)
        }
        let configuration: ConsoleConfiguration
        do {
            configuration = try ConsoleConfiguration.load(values)
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(78)
        }
        LogSetup.bootstrap(format: configuration.logFormat, level: configuration.logLevel)
        let logger = Logger(label: "okayface-worker.console")
        do {
            try await ConsoleApplication(configuration: configuration, logger: logger).run()
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(78)
        }
    }
}
