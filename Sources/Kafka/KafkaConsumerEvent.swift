/// What `KafkaConsumer` hands its handler, in order, on the poll thread.
public enum KafkaConsumerEvent: Sendable {
    case message(KafkaMessage)
    /// Delivered after the partitions are assigned, so the handler may pause them at once.
    case partitionsAssigned([KafkaTopicPartition])
    /// Delivered on the poll thread BEFORE the partitions are given up, so the handler can still
    /// call storeOffset(...) synchronously for them; after the handler returns the consumer commits
    /// stored offsets (synchronously) and then unassigns.
    case partitionsRevoked([KafkaTopicPartition])
    /// A non-fatal client error (e.g. all brokers down), for logging and health; librdkafka keeps retrying.
    case error(KafkaError)
}
