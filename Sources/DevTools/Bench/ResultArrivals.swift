import Foundation
import Kafka
import Logging
import Synchronization

/// Watches the results topic during a bench run and stamps when each request's first result
/// event arrived: the moment its decision was durable and published, as a consumer sees it.
/// Re-published copies (at-least-once) are counted but keep the first arrival.
final class ResultArrivals: Sendable {
    struct Arrival: Sendable {
        var at: ContinuousClock.Instant
        var decision: String
    }

    private struct State {
        var assigned = false
        var first: [String: Arrival] = [:]
        var events = 0
    }

    private let consumer: KafkaConsumer
    private let state = Mutex(State())
    private let prefix: String

    /// Counts only results whose key (the requestId) starts with `prefix`: a reused Kafka may
    /// hold other runs' results.
    init(brokers: String, topic: String, prefix: String, logger: Logger) throws {
        // A short fetch wait: the measuring consumer should add as little delay as it can.
        consumer = try TopicReader.observer(
            brokers: brokers, topic: topic, extra: ["fetch.wait.max.ms": "10"], logger: logger)
        self.prefix = prefix
    }

    /// Starts reading on the consumer's poll thread.
    func start() {
        consumer.start { [self] event in
            switch event {
            case .message(let message):
                let now = ContinuousClock.now
                guard let key = message.key else { return }
                let id = String(decoding: key, as: UTF8.self)
                guard id.hasPrefix(prefix) else { return }
                let decision = Self.decision(in: message.value)
                state.withLock { s in
                    s.events += 1
                    if s.first[id] == nil { s.first[id] = Arrival(at: now, decision: decision) }
                }
            case .partitionsAssigned:
                state.withLock { $0.assigned = true }
            default:
                break
            }
        }
    }

    var isAssigned: Bool { state.withLock { $0.assigned } }
    var distinct: Int { state.withLock { $0.first.count } }
    var events: Int { state.withLock { $0.events } }
    var arrivals: [String: Arrival] { state.withLock { $0.first } }

    func close() { consumer.close() }

    /// The `decision` field of a VerificationCompleted event, or `?` when it has none.
    private static func decision(in value: [UInt8]) -> String {
        let object = try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any]
        return object?["decision"] as? String ?? "?"
    }
}
