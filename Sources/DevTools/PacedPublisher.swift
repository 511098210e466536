import Kafka

/// Publishes a run's requests (chaos, bench): up to `window` awaiting acknowledgement at once,
/// at `rate` per second when given, else as fast as Kafka acknowledges. A message whose delivery
/// fails (e.g. its partition's broker stayed down too long) is sent again, up to five times.
struct PacedPublisher: Sendable {
    var producer: KafkaProducer
    var topic: String
    /// Messages per second; nil or not positive: no pacing.
    var rate: Double?
    var window = 256

    /// Publishes messages `0..<count`; `message(n)` gives the n-th key and value, and
    /// `sending(n)` is called just before its first send (the bench stamps its publish time there).
    func publish(
        count: Int, message: @escaping @Sendable (Int) -> (key: [UInt8], value: [UInt8]),
        sending: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws {
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<count {
                if n >= window { try await group.next() }
                if let rate, rate > 0 {
                    let due = start + .nanoseconds(Int64(Double(n) * 1e9 / rate))
                    if due > .now { try await Task.sleep(until: due) }
                }
                let (key, value) = message(n)
                sending(n)
                group.addTask {
                    var failures = 0
                    while true {
                        do {
                            _ = try await producer.send(topic: topic, key: key, value: value)
                            return
                        } catch {
                            failures += 1
                            if failures >= 5 { throw error }
                            try await Task.sleep(for: .milliseconds(500))
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
