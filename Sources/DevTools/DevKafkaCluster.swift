import Foundation
import Kafka
import Logging

/// `okayface-dev kafka`: a librdkafka mock cluster on loopback with the worker's topics
/// created, running until SIGTERM/SIGINT.
public enum DevKafkaCluster {
    public static func run(
        brokers: Int, topics: [String], partitions: Int32, bootstrapFile: String?, logger: Logger
    ) async throws {
        let cluster = try KafkaMockCluster(brokers: brokers, logger: logger)
        defer { cluster.close() }
        for topic in topics { try cluster.createTopic(topic, partitions: partitions) }
        if let bootstrapFile {
            try Data((cluster.bootstrapServers + "\n").utf8).write(to: URL(fileURLWithPath: bootstrapFile), options: .atomic)
        }
        // Written unbuffered: scripts read this line while the command keeps running.
        FileHandle.standardOutput.write(Data("""
            bootstrap servers: \(cluster.bootstrapServers)
            topics: \(topics.joined(separator: ", ")) (\(partitions) partitions each)

            """.utf8))
        await ShutdownSignal.wait()
    }
}
