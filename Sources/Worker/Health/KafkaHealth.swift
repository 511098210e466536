import Foundation
import Kafka
import Synchronization

/// Whether the Kafka brokers answer, asked every `interval` on a thread of its own (the
/// librdkafka metadata call blocks, and must not hold a thread of Swift's cooperative pool).
public final class KafkaHealth: Sendable {
    private let reachable = Atomic<Bool>(true)
    private let stopped = Atomic<Bool>(false)
    private let consumer: KafkaConsumer
    private let interval: Duration

    public init(consumer: KafkaConsumer, interval: Duration = .seconds(2)) {
        self.consumer = consumer
        self.interval = interval
    }

    public var isReachable: Bool { reachable.load(ordering: .relaxed) }

    public func start() {
        let thread = Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                reachable.store(consumer.brokersReachable(timeout: .seconds(1)), ordering: .relaxed)
                var slept = Duration.zero
                while slept < interval, !stopped.load(ordering: .relaxed) {
                    usleep(50_000)
                    slept += .milliseconds(50)
                }
            }
        }
        thread.name = "okf-kafka-health"
        thread.start()
    }

    public func stop() { stopped.store(true, ordering: .relaxed) }
}
