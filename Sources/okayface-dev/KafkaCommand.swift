import ArgumentParser
import DevTools
import Logging
import Worker

struct KafkaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka", abstract: "Run a librdkafka mock cluster on loopback until SIGTERM/SIGINT.")

    @Option(help: "Number of brokers.") var brokers = 3
    @Option(help: "Topics to create (comma-separated).")
    var topics = [
        WorkerConfiguration.defaultRequestTopic, WorkerConfiguration.defaultResultTopic,
        WorkerConfiguration.defaultDLQTopic,
    ].joined(separator: ",")
    @Option(help: "Partitions per topic.") var partitions: Int32 = 6
    @Option(help: "Write the bootstrap servers to this file.") var bootstrapFile: String?

    func run() async throws {
        LogSetup.bootstrap(format: .text, level: .warning)
        try await DevKafkaCluster.run(
            brokers: brokers, topics: topics.split(separator: ",").map(String.init), partitions: partitions,
            bootstrapFile: bootstrapFile, logger: Logger(label: "okayface-dev.kafka"))
    }
}
