import CRdKafka

/// A record read by `KafkaConsumer`, copied out of librdkafka so it can outlive the poll call.
public struct KafkaMessage: Sendable {
    public let topic: String
    public let partition: Int32
    public let offset: Int64
    public let key: [UInt8]?
    /// The payload; empty for a null payload (a tombstone) too, which `valueIsNull` tells apart.
    public let value: [UInt8]
    /// The record had no payload at all (null), not an empty one: a copy must keep the difference.
    public let valueIsNull: Bool
    public let headers: [KafkaHeader]
    /// Milliseconds since the epoch (create or log-append time), if the record carries one.
    public let timestamp: Int64?

    public init(
        topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8],
        headers: [KafkaHeader], timestamp: Int64?, valueIsNull: Bool = false
    ) {
        self.valueIsNull = valueIsNull
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }

    public var topicPartition: KafkaTopicPartition { KafkaTopicPartition(topic: topic, partition: partition) }
}

extension KafkaMessage {
    /// Copies a successfully consumed `rd_kafka_message_t`; the caller still owns and destroys `message`.
    init(copying message: UnsafeMutablePointer<rd_kafka_message_t>) {
        let m = message.pointee
        let key: [UInt8]? = m.key.map { Array(UnsafeRawBufferPointer(start: $0, count: m.key_len)) }
        let value: [UInt8] = m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: m.len)) } ?? []

        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let ts = rd_kafka_message_timestamp(message, &timestampType)

        self.init(
            topic: m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "",
            partition: m.partition,
            offset: m.offset,
            key: key,
            value: value,
            headers: Self.headers(of: message),
            timestamp: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : ts,
            valueIsNull: m.payload == nil
        )
    }

    private static func headers(of message: UnsafeMutablePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var list: OpaquePointer?
        // __NOENT just means "no headers"; the list stays owned by the message.
        guard rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        var headers: [KafkaHeader] = []
        var index = 0
        while true {
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            guard rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR,
                let name
            else { break }
            headers.append(
                KafkaHeader(
                    key: String(cString: name),
                    value: value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
                )
            )
            index += 1
        }
        return headers
    }
}
