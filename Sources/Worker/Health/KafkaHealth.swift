import Foundation
import Kafka
import Metrics
import ServiceLifecycle
import Synchronization

/// Whether the Kafka brokers answer, asked every `interval` on a thread of its own (the
/// librdkafka metadata call blocks, and must not hold a thread of Swift's cooperative pool);
/// every `lagInterval` also the consumer lag of each assigned partition, for `/metrics`.
public final class KafkaHealth: Service, Sendable {
    private let reachable = Atomic<Bool>(true)
    private let stopped = Atomic<Bool>(false)
    private let consumer: KafkaConsumer
    private let interval: Duration
    private let lagInterval: Duration

    public init(consumer: KafkaConsumer, interval: Duration = .seconds(2), lagInterval: Duration = .seconds(10)) {
        self.consumer = consumer
        self.interval = interval
        self.lagInterval = lagInterval
    }

    public var isReachable: Bool { reachable.load(ordering: .relaxed) }

    public func start() {
        let thread = Thread { [self] in
            var reported: Set<KafkaTopicPartition> = []
            var sinceLag = lagInterval
            while !stopped.load(ordering: .relaxed) {
                reachable.store(consumer.brokersReachable(timeout: .seconds(1)), ordering: .relaxed)
                if sinceLag >= lagInterval {
                    reported = measureLag(previouslyReported: reported)
                    sinceLag = .zero
                }
                sinceLag += interval
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

    /// Its thread as a service of the worker's group: runs until graceful shutdown.
    public func run() async {
        start()
        try? await gracefulShutdown()
        stop()
    }

    /// `okayface_consumer_lag{topic,partition}`: the high watermark less the group's committed
    /// offset (the low watermark before any commit). Partitions no longer assigned drop to 0,
    /// so a revoked partition does not keep showing its old lag here.
    private func measureLag(previouslyReported: Set<KafkaTopicPartition>) -> Set<KafkaTopicPartition> {
        let assigned = Set(consumer.assignment())
        for tp in previouslyReported.subtracting(assigned) { Self.lagGauge(tp).record(0) }
        guard !assigned.isEmpty, let committed = try? consumer.committedOffsets(Array(assigned), timeout: .seconds(2)) else {
            return assigned
        }
        for tp in assigned {
            guard let marks = try? consumer.watermarks(tp, timeout: .seconds(2)) else { continue }
            Self.lagGauge(tp).record(max(0, marks.high - (committed[tp] ?? marks.low)))
        }
        return assigned
    }

    private static func lagGauge(_ tp: KafkaTopicPartition) -> Gauge {
        Gauge(label: "okayface_consumer_lag", dimensions: [("topic", tp.topic), ("partition", "\(tp.partition)")])
    }
}
