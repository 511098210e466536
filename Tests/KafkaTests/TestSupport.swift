import Foundation
import Kafka
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Log level for librdkafka's chatter in tests; `KAFKA_TEST_LOG_LEVEL=debug` when investigating.
func testLogger(_ label: String) -> Logger {
    var logger = Logger(label: "kafka-test.\(label)")
    logger.logLevel = getenv("KAFKA_TEST_LOG_LEVEL").flatMap { Logger.Level(rawValue: String(cString: $0)) } ?? .critical
    return logger
}

/// A name no other test (or earlier run against the same cluster) uses.
func uniqueName(_ prefix: String) -> String {
    "\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
}

func bytes(_ string: String) -> [UInt8] { Array(string.utf8) }

func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

/// Consumer properties for tests: short heartbeats so the mock coordinator notices joins and
/// leaves quickly.
func consumerProperties(_ cluster: KafkaMockCluster, group: String, extra: [String: String] = [:]) -> [String: String] {
    [
        "bootstrap.servers": cluster.bootstrapServers,
        "group.id": group,
        "session.timeout.ms": "6000",
        "heartbeat.interval.ms": "300",
        "topic.metadata.refresh.interval.ms": "1000",
    ]
    .merging(rdkafkaDebug) { _, new in new }
    .merging(extra) { _, new in new }
}

/// `KAFKA_TEST_RDKAFKA_DEBUG=cgrp,fetch` turns on librdkafka's own debug contexts.
private var rdkafkaDebug: [String: String] {
    getenv("KAFKA_TEST_RDKAFKA_DEBUG").map { ["debug": String(cString: $0)] } ?? [:]
}

func producerProperties(_ cluster: KafkaMockCluster, extra: [String: String] = [:]) -> [String: String] {
    ["bootstrap.servers": cluster.bootstrapServers].merging(extra) { _, new in new }
}

/// Everything a consumer's handler saw, in order, readable from the test's task.
final class EventLog: Sendable {
    private let events = Mutex<[KafkaConsumerEvent]>([])

    func append(_ event: KafkaConsumerEvent) {
        events.withLock { $0.append(event) }
    }

    var all: [KafkaConsumerEvent] { events.withLock { $0 } }

    var messages: [KafkaMessage] {
        all.compactMap { if case .message(let m) = $0 { m } else { nil } }
    }

    var assigned: [KafkaTopicPartition] {
        all.flatMap { event -> [KafkaTopicPartition] in if case .partitionsAssigned(let p) = event { p } else { [] } }
    }

    var revoked: [KafkaTopicPartition] {
        all.flatMap { event -> [KafkaTopicPartition] in if case .partitionsRevoked(let p) = event { p } else { [] } }
    }
}

/// A one-line summary of an event, without payloads, for failure messages.
func describe(_ event: KafkaConsumerEvent) -> String {
    switch event {
    case .message(let m): "message(\(m.topicPartition)@\(m.offset))"
    case .partitionsAssigned(let p): "assigned(\(p))"
    case .partitionsRevoked(let p): "revoked(\(p))"
    case .error(let e): "error(\(e))"
    }
}

/// Runs a blocking `close()` on a thread of its own, so a close that waits seconds does not
/// starve the other tests of Swift's small cooperative pool.
func closeOffPool(_ consumer: KafkaConsumer) async {
    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
        Thread.detachNewThread {
            consumer.close()
            done.resume()
        }
    }
}
