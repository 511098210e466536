import ArgumentParser
import Foundation
import Worker

@main
struct OkayFaceWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "okayface-worker",
        abstract: "Turns verification requests on Kafka into OkayFace Plus decisions stored in PostgreSQL.",
        version: BuildInfo.describe(revision: ProcessInfo.processInfo.environment["OKAYFACE_BUILD_REVISION"]),
        subcommands: [
            RunCommand.self, MigrateCommand.self, ResultsCommand.self, PurgeCommand.self, ConsoleCommand.self, UsersCommand.self,
            TokensCommand.self, GrantReaderCommand.self, DLQCommand.self, RedriveCommand.self,
        ],
        defaultSubcommand: RunCommand.self)
}
