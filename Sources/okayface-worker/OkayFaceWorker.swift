import ArgumentParser

@main
struct OkayFaceWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "okayface-worker",
        abstract: "Turns verification requests on Kafka into OkayFace Plus decisions stored in PostgreSQL.",
        subcommands: [RunCommand.self, MigrateCommand.self, ResultsCommand.self, PurgeCommand.self],
        defaultSubcommand: RunCommand.self)
}
