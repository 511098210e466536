import ArgumentParser
import Kafka
import DevTools
import Foundation
import Logging
import Worker

struct TopicCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topic", abstract: "Print a topic's messages from the beginning (key, headers, value); commits nothing.")

    @Option(help: "Bootstrap servers.") var brokers = "localhost:9092"
    @Option(help: "Topic to read.") var topic = WorkerConfiguration.defaultResultTopic
    @Option(help: "Stop after this long without a new message, ms.") var idleMs = 3000

    func run() async throws {
        LogSetup.bootstrap(format: .text, level: .warning)
        let messages = try await TopicReader.read(
            brokers: brokers, topic: topic, idle: .milliseconds(idleMs), logger: Logger(label: "okayface-dev.topic"))
        for m in messages.sorted(by: { ($0.partition, $0.offset) < ($1.partition, $1.offset) }) {
            print(TopicReader.describe(m))
        }
        print("\(messages.count) message(s) in \(topic)")
    }
}
