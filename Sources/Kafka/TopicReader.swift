import Foundation
import Logging
import Synchronization

/// Reads a topic from the beginning in a throw-away consumer group, without committing:
/// `okayface-dev topic`, the demo's DLQ listing, and the integration tests' view of the
/// results and dead-letter topics.
public enum TopicReader {
    /// Returns the messages from the beginning to the end of the topic (its high watermarks
    /// when the read started), or until `expected` arrived, or until messages with
    /// `expectedKeys` distinct keys arrived (repeats of a key do not count: results are at
    /// least once), or — should the watermarks not be available — until nothing new came for
    /// `idle`; within `timeout` at most.
    public static func read(
        brokers: String, topic: String, expected: Int? = nil, expectedKeys: Int? = nil, idle: Duration = .seconds(2),
        timeout: Duration = .seconds(60), logger: Logger
    ) async throws -> [KafkaMessage] {
        let consumer = try observer(brokers: brokers, topic: topic, logger: logger)
        defer { consumer.close() }

        struct Seen {
            var messages: [KafkaMessage] = []
            var keys = Set<[UInt8]>()
            var assigned = false
            var lastActivity = ContinuousClock.now
        }
        let seen = Mutex(Seen())
        consumer.start { event in
            switch event {
            case .message(let m):
                seen.withLock { s in
                    s.messages.append(m)
                    if let key = m.key { s.keys.insert(key) }
                    s.lastActivity = .now
                }
            case .partitionsAssigned:
                seen.withLock { $0.assigned = true; $0.lastActivity = .now }
            default:
                break
            }
        }
        let deadline = ContinuousClock.now + timeout
        var ends: [Int32: Int64]?
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            if ends == nil, seen.withLock({ $0.assigned }) {
                ends = try? Dictionary(uniqueKeysWithValues: consumer.assignment().map { tp in
                    (tp.partition, try consumer.watermarks(tp).high)
                })
            }
            let done = seen.withLock { s in
                if let expectedKeys { return s.keys.count >= expectedKeys }
                if let expected { return s.messages.count >= expected }
                if let ends {
                    var last: [Int32: Int64] = [:]
                    for m in s.messages { last[m.partition] = max(last[m.partition] ?? -1, m.offset) }
                    return ends.allSatisfy { partition, high in high == 0 || (last[partition] ?? -1) >= high - 1 }
                }
                return s.assigned && ContinuousClock.now - s.lastActivity > idle
            }
            if done { break }
        }
        return seen.withLock { $0.messages }
    }

    /// A consumer of `topic` from its beginning in a group of its own that commits nothing, so
    /// it disturbs no one (the readers here, the bench's watch on the results topic).
    /// `extra` librdkafka properties win over these.
    public static func observer(brokers: String, topic: String, extra: [String: String] = [:], logger: Logger) throws -> KafkaConsumer {
        try KafkaConsumer(
            properties: [
                "bootstrap.servers": brokers,
                "group.id": "okayface-dev-reader-\(UUID().uuidString)",
                "auto.offset.reset": "earliest",
                "enable.auto.commit": "false",
                "enable.partition.eof": "false",
            ].merging(extra) { _, new in new },
            topics: [topic], logger: logger)
    }

    /// One message as a line: coordinates, key, headers, value.
    public static func describe(_ m: KafkaMessage) -> String {
        let key = m.key.map { String(decoding: $0, as: UTF8.self) } ?? "∅"
        let headers = m.headers.map { "\($0.key)=\($0.value.map { String(decoding: $0, as: UTF8.self) } ?? "∅")" }
        return "[\(m.partition)@\(m.offset)] key=\(key) headers={\(headers.joined(separator: ", "))}\n  \(String(decoding: m.value, as: UTF8.self))"
    }
}
