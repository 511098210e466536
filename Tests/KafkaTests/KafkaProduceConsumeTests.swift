import Kafka
import TestSupport
import Testing

@Suite("Producing and consuming through the mock cluster", .offCooperativePool)
struct KafkaProduceConsumeTests {
    @Test("messages come back with key, value and headers, in order per partition")
    func roundTrip() async throws {
        let cluster = try KafkaMockCluster(brokers: 3, logger: testLogger("cluster"))
        defer { cluster.close() }
        let topic = uniqueName("roundtrip")
        try cluster.createTopic(topic, partitions: 3)

        let producer = try KafkaProducer(properties: producerProperties(cluster), logger: testLogger("producer"))
        defer { producer.close() }
        let count = 40
        var sent: [(partition: Int32, offset: Int64, key: [UInt8], value: [UInt8], headers: [KafkaHeader])] = []
        for i in 0..<count {
            let key = bytes("key-\(i % 7)")
            let value = bytes("value-\(i)")
            let headers = [
                KafkaHeader(key: "seq", value: bytes("\(i)")),
                KafkaHeader(key: "null", value: nil),
                KafkaHeader(key: "empty", value: []),
            ]
            let (partition, offset) = try await producer.send(topic: topic, key: key, value: value, headers: headers)
            sent.append((partition, offset, key, value, headers))
        }
        // The key decides the partition.
        for (key, records) in Dictionary(grouping: sent, by: \.key) {
            #expect(Set(records.map(\.partition)).count == 1, "key \(text(key)) spread over partitions")
        }
        #expect(Set(sent.map(\.partition)).count > 1)

        let log = EventLog()
        let consumer = try KafkaConsumer(
            properties: consumerProperties(cluster, group: uniqueName("roundtrip-group")),
            topics: [topic], logger: testLogger("consumer")
        )
        defer { consumer.close() }
        consumer.start(handler: log.append)
        #expect(await eventually { log.messages.count >= count })

        let received = log.messages
        #expect(received.count == count)
        for partition in Set(sent.map(\.partition)) {
            let expected = sent.filter { $0.partition == partition }
            let got = received.filter { $0.partition == partition }
            #expect(got.map(\.offset) == expected.map(\.offset), "partition \(partition) out of order")
            #expect(got.map(\.value) == expected.map(\.value))
            #expect(got.map(\.key) == expected.map(\.key))
            #expect(got.map(\.headers) == expected.map(\.headers))
        }
        #expect(received.allSatisfy { $0.topic == topic && $0.timestamp != nil })
        #expect(Set(log.assigned) == Set((0..<3).map { KafkaTopicPartition(topic: topic, partition: $0) }))
    }

    @Test("an invalid property is rejected with its name and librdkafka's reason")
    func invalidProperty() throws {
        let error = #expect(throws: KafkaError.self) {
            _ = try KafkaProducer(properties: ["no.such.property": "1"], logger: testLogger("producer"))
        }
        #expect(error?.reason.contains("no.such.property") == true)
        #expect(error?.code == KafkaError.invalidArgumentCode)

        let consumerError = #expect(throws: KafkaError.self) {
            _ = try KafkaConsumer(
                properties: ["group.id": "g", "session.timeout.ms": "not-a-number"], topics: ["t"],
                logger: testLogger("consumer")
            )
        }
        #expect(consumerError?.reason.contains("session.timeout.ms") == true)
    }

    @Test("the mock cluster auto-creates a topic on first use; watermarks and committed offsets give the lag")
    func autoCreatedTopicAndLag() async throws {
        let cluster = try KafkaMockCluster(brokers: 3, logger: testLogger("cluster"))
        defer { cluster.close() }
        let topic = uniqueName("auto")
        let producer = try KafkaProducer(properties: producerProperties(cluster), logger: testLogger("producer"))
        defer { producer.close() }
        var perPartition: [Int32: Int64] = [:]
        for i in 0..<20 {
            let (partition, _) = try await producer.send(topic: topic, key: bytes("k\(i)"), value: bytes("v\(i)"))
            perPartition[partition, default: 0] += 1
        }
        #expect(perPartition.count > 1)  // the mock's default partition count is 4

        let group = uniqueName("auto-group")
        let consumer = try KafkaConsumer(
            properties: consumerProperties(cluster, group: group, extra: ["enable.auto.commit": "false"]),
            topics: [topic], logger: testLogger("consumer")
        )
        defer { consumer.close() }
        let log = EventLog()
        consumer.start { event in
            log.append(event)
            // Store only the first record of each partition, so the committed lag is known.
            if case .message(let m) = event, m.offset == 0 { try? consumer.storeOffset(m.topicPartition, next: 1) }
        }
        #expect(await eventually { log.messages.count == 20 })
        try consumer.commitStored()
        for (partition, count) in perPartition {
            let tp = KafkaTopicPartition(topic: topic, partition: partition)
            let marks = try consumer.watermarks(tp)
            #expect(marks.low == 0 && marks.high == count)
            #expect(try consumer.committedOffsets([tp]) == [tp: 1])
        }
    }
}
