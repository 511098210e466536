import CRdKafka

/// Owns an `rd_kafka_topic_partition_list_t` for the duration of one call into librdkafka.
struct RDKafkaTopicPartitionList: ~Copyable {
    let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    init(capacity: Int = 1) {
        pointer = rd_kafka_topic_partition_list_new(Int32(clamping: capacity))
    }

    init(_ partitions: [KafkaTopicPartition]) {
        self.init(capacity: partitions.count)
        for tp in partitions { add(tp) }
    }

    deinit { rd_kafka_topic_partition_list_destroy(pointer) }

    /// Adds a partition; `offset` defaults to librdkafka's "invalid" marker, which most APIs ignore.
    func add(_ tp: KafkaTopicPartition, offset: Int64 = Int64(RD_KAFKA_OFFSET_INVALID)) {
        let entry = rd_kafka_topic_partition_list_add(pointer, tp.topic, tp.partition)
        entry?.pointee.offset = offset
    }

    /// Each element with its offset and per-partition error, as librdkafka filled them in.
    var elements: [(partition: KafkaTopicPartition, offset: Int64, error: rd_kafka_resp_err_t)] {
        Self.elements(of: pointer)
    }

    /// Reads a list owned by librdkafka (e.g. the one passed to the rebalance callback).
    static func elements(
        of list: UnsafePointer<rd_kafka_topic_partition_list_t>
    ) -> [(partition: KafkaTopicPartition, offset: Int64, error: rd_kafka_resp_err_t)] {
        let count = Int(list.pointee.cnt)
        guard count > 0, let elems = list.pointee.elems else { return [] }
        return (0..<count).map { i in
            let e = elems[i]
            return (KafkaTopicPartition(topic: String(cString: e.topic), partition: e.partition), e.offset, e.err)
        }
    }

    static func partitions(of list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [KafkaTopicPartition] {
        guard let list else { return [] }
        return elements(of: list).map(\.partition)
    }
}
