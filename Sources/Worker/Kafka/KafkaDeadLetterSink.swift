import Kafka
import Verification

/// Copies an invalid request to the dead-letter topic byte for byte (key and value), with the
/// error and source coordinates as headers (design.md §3).
public struct KafkaDeadLetterSink: DeadLetterSink {
    public var producer: KafkaProducer
    public var topic: String

    public init(producer: KafkaProducer, topic: String) {
        self.producer = producer
        self.topic = topic
    }

    public func deadLetter(_ message: IncomingMessage, error: InvalidRequest) async throws {
        let headers = [
            KafkaHeader(key: "error.code", value: Array(error.code.rawValue.utf8)),
            KafkaHeader(key: "error.message", value: Array(error.message.utf8)),
            KafkaHeader(key: "source.topic", value: Array(message.topic.utf8)),
            KafkaHeader(key: "source.partition", value: Array(String(message.partition).utf8)),
            KafkaHeader(key: "source.offset", value: Array(String(message.offset).utf8)),
        ]
        _ = try await producer.send(topic: topic, key: message.key, value: message.value, headers: headers)
    }
}
