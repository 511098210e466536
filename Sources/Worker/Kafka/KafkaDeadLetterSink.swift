import Pipeline
import Kafka
import Verification

/// Copies an invalid request to the dead-letter topic byte for byte (key and value), with the
/// error and source coordinates as headers (README, "Events").
///
/// A letter the producer or broker cannot take whole (larger than `message.max.bytes`, 1 MB by
/// default) is written with its first ``truncatedBytes`` bytes and the headers
/// `dlq.truncated=true` and `dlq.original.size`: retrying the whole message would block its
/// partition for ever, and the first 64 KiB are what a person needs to see what was sent.
public struct KafkaDeadLetterSink: DeadLetterSink {
    public static let truncatedBytes = 64 * 1024

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
        // A null payload stays null and an empty one empty: byte for byte.
        let whole: KafkaError
        do {
            _ = try await producer.send(
                topic: topic, key: message.key, value: message.valueIsNull ? nil : message.value, headers: headers)
            return
        } catch {
            whole = error
        }
        guard whole.isMessageTooLarge, message.value.count > Self.truncatedBytes else { throw whole }
        let truncated = headers + [
            KafkaHeader(key: "dlq.truncated", value: Array("true".utf8)),
            KafkaHeader(key: "dlq.original.size", value: Array(String(message.value.count).utf8)),
        ]
        _ = try await producer.send(
            topic: topic, key: message.key, value: Array(message.value.prefix(Self.truncatedBytes)), headers: truncated)
    }
}
