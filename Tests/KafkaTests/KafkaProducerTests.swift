import Kafka
import Synchronization
import TestSupport
import Testing

@Suite("KafkaProducer fault handling on the mock cluster", .offCooperativePool)
struct KafkaProducerTests {
    @Test("a send to a partition whose leader goes down completes once the leader is back, without duplicates")
    func brokerDownAndUp() async throws {
        let cluster = try KafkaMockCluster(brokers: 3, logger: testLogger("cluster"))
        defer { cluster.close() }
        let topic = uniqueName("brokerdown")
        try cluster.createTopic(topic, partitions: 1, replicationFactor: 3)
        cluster.setPartitionLeader(topic: topic, partition: 0, brokerId: 2)

        let producer = try KafkaProducer(properties: producerProperties(cluster), logger: testLogger("producer"))
        defer { producer.close() }
        let first = try await producer.send(topic: topic, key: bytes("k"), value: bytes("before"))
        #expect(first.partition == 0 && first.offset == 0)

        cluster.setBrokerDown(2)
        let completed = Atomic<Bool>(false)
        let pending = Task {
            defer { completed.store(true, ordering: .releasing) }
            return try await producer.send(topic: topic, key: bytes("k"), value: bytes("during"))
        }
        try await Task.sleep(for: .seconds(2))
        // The leader really is unreachable: the send is still waiting.
        let completedWhileDown = completed.load(ordering: .acquiring)
        #expect(!completedWhileDown)
        cluster.setBrokerUp(2)
        let second = try await pending.value
        #expect(second.partition == 0 && second.offset == 1)

        let third = try await producer.send(topic: topic, key: bytes("k"), value: bytes("after"))
        #expect(third.offset == 2)
    }

    @Test("retriable errors injected on Produce requests are retried and the record is delivered once")
    func retriableProduceErrors() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: testLogger("cluster"))
        defer { cluster.close() }
        let topic = uniqueName("produce-errors")
        try cluster.createTopic(topic, partitions: 1)

        // The injection works: a non-idempotent producer gets a non-retriable error back as is.
        // (Each producer warms up first so the errors hit Produce requests, not start-up.)
        let topicAuthorizationFailed: Int32 = 29
        let plain = try KafkaProducer(
            properties: producerProperties(cluster, extra: ["enable.idempotence": "false", "acks": "1"]),
            logger: testLogger("plain-producer")
        )
        defer { plain.close() }
        #expect(try await plain.send(topic: topic, key: nil, value: bytes("plain warm-up")).offset == 0)
        cluster.pushRequestErrors(apiKey: 0, errors: [topicAuthorizationFailed])
        let refused = await #expect(throws: KafkaError.self) {
            try await plain.send(topic: topic, key: nil, value: bytes("refused"))
        }
        #expect(refused?.code == topicAuthorizationFailed)

        let producer = try KafkaProducer(properties: producerProperties(cluster), logger: testLogger("producer"))
        defer { producer.close() }
        #expect(try await producer.send(topic: topic, key: nil, value: bytes("warm-up")).offset == 1)

        let notEnoughReplicas: Int32 = 19
        let requestTimedOut: Int32 = 7
        cluster.pushRequestErrors(apiKey: 0, errors: [notEnoughReplicas, notEnoughReplicas, requestTimedOut])
        let result = try await producer.send(topic: topic, key: nil, value: bytes("despite errors"))
        #expect(result.offset == 2)

        // The record is stored exactly once.
        let log = EventLog()
        let consumer = try KafkaConsumer(
            properties: consumerProperties(cluster, group: uniqueName("produce-errors-group")), topics: [topic],
            logger: testLogger("consumer")
        )
        defer { consumer.close() }
        consumer.start(handler: log.append)
        #expect(await eventually { log.messages.count >= 3 })
        try await Task.sleep(for: .milliseconds(300))
        #expect(log.messages.map { text($0.value) } == ["plain warm-up", "warm-up", "despite errors"])
    }

    @Test("close() fails a send that cannot be delivered instead of leaving it hanging")
    func closeFailsPendingSends() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: testLogger("cluster"))
        defer { cluster.close() }
        let topic = uniqueName("close-pending")
        try cluster.createTopic(topic, partitions: 1)

        let producer = try KafkaProducer(properties: producerProperties(cluster), logger: testLogger("producer"))
        _ = try await producer.send(topic: topic, key: nil, value: bytes("ok"))
        cluster.setBrokerDown(1)
        let pending = Task { try await producer.send(topic: topic, key: nil, value: bytes("stuck")) }
        try await Task.sleep(for: .milliseconds(500))
        producer.close(flushTimeout: .milliseconds(500))
        await #expect(throws: KafkaError.self) { try await pending.value }
        // Sends after close fail at once.
        await #expect(throws: KafkaError.self) { try await producer.send(topic: topic, key: nil, value: bytes("late")) }
        #expect(producer.flush(timeout: .milliseconds(10)))
    }
}
