import ArgumentParser

@main
struct OkayFaceDev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "okayface-dev",
        abstract: "Development and operations tools for okayface-worker.",
        subcommands: [SimulatorCommand.self, KafkaCommand.self, SubmitCommand.self, TopicCommand.self, ChaosCommand.self, BenchCommand.self,
            SettingsTableCommand.self,
        ])
}
