import Foundation
import Kafka
import Logging
import ServiceLifecycle
import Synchronization
import Verification

/// Consumes the requests topic and runs each message through the pipeline (design.md §8).
///
/// - librdkafka is polled on the Kafka module's own thread; this service only receives its
///   events and never blocks that thread.
/// - Messages of one key run one at a time in arrival order (`KeyedQueue`); different keys run
///   concurrently, up to `maxInFlight` messages, after which every assigned partition is
///   paused (the poll loop keeps running, so the group membership stays alive).
/// - An offset is stored only when it and every lower offset of its partition are durable
///   (`OffsetLedger`); librdkafka commits stored offsets.
/// - On graceful shutdown: pause, stop starting new messages, let running ones finish within
///   the grace period, cancel the rest (they were not stored, so they are redelivered),
///   commit, and close the consumer so the group rebalances at once.
public final class VerificationConsumer: Service {
    private struct Work: Sendable {
        var message: IncomingMessage
        var ticket: OffsetLedger.Ticket
    }

    private struct State {
        var paused = false
        var stopping = false
        var running = 0
    }

    private let consumer: KafkaConsumer
    private let pipeline: VerificationPipeline
    private let maxInFlight: Int
    private let shutdownGrace: Duration
    private let logger: Logger
    private let ledger = OffsetLedger()
    private let queue = KeyedQueue<Work>()
    private let state = Mutex(State())

    public init(
        consumer: KafkaConsumer, pipeline: VerificationPipeline, maxInFlight: Int, shutdownGrace: Duration, logger: Logger
    ) {
        self.consumer = consumer
        self.pipeline = pipeline
        self.maxInFlight = maxInFlight
        self.shutdownGrace = shutdownGrace
        self.logger = logger
    }

    /// Messages received and not yet durable (running or waiting behind their key).
    public var inFlight: Int { ledger.inFlight }

    public func run() async throws {
        let (ready, readyInput) = AsyncStream<Work>.makeStream()
        consumer.start { [self] event in
            // On the poll thread: bookkeeping only, no waiting.
            switch event {
            case .message(let message):
                if let work = self.accept(message), let now = self.queue.submit(key: message.key, work) {
                    readyInput.yield(now)
                }
            case .partitionsAssigned(let partitions):
                for p in partitions { self.ledger.assign(.init(topic: p.topic, partition: p.partition)) }
                self.logger.info("partitions assigned", metadata: ["partitions": "\(partitions.map(\.description))"])
                if self.state.withLock({ $0.paused || $0.stopping }) { self.consumer.pause(partitions) }
            case .partitionsRevoked(let partitions):
                self.revoke(partitions)
            case .error(let error):
                self.logger.warning("kafka client error", metadata: ["error": "\(error)"])
            }
        }

        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await work in ready {
                    group.addTask { await self.runChain(work) }
                }
                await self.drain(group: &group)
            }
        } onGracefulShutdown: {
            self.state.withLock { $0.stopping = true }
            self.consumer.pause(self.consumer.assignment())
            readyInput.finish()
        }

        do { try consumer.commitStored() } catch { logger.warning("final commit failed", metadata: ["error": "\(error)"]) }
        consumer.close()
        logger.info("consumer closed")
    }

    private func accept(_ message: KafkaMessage) -> Work? {
        if state.withLock({ $0.stopping }) { return nil }
        let partition = OffsetLedger.Partition(topic: message.topic, partition: message.partition)
        let ticket = ledger.begin(partition, offset: message.offset)
        if ledger.inFlight >= maxInFlight {
            let pauseNow = state.withLock { s in
                defer { s.paused = true }
                return !s.paused
            }
            if pauseNow {
                consumer.pause(consumer.assignment())
                logger.debug("in-flight limit reached, partitions paused", metadata: ["inFlight": "\(ledger.inFlight)"])
            }
        }
        let incoming = IncomingMessage(
            topic: message.topic, partition: message.partition, offset: message.offset, key: message.key,
            value: message.value)
        return Work(message: incoming, ticket: ticket)
    }

    private func revoke(_ partitions: [KafkaTopicPartition]) {
        // Offsets were stored as they became durable, so nothing needs storing here; forgetting
        // the partitions makes late finishes of their messages store nothing.
        let revoked = Set(partitions.map { OffsetLedger.Partition(topic: $0.topic, partition: $0.partition) })
        for p in revoked { ledger.revoke(p) }
        let dropped = queue.removeAll { revoked.contains($0.ticket.partition) }
        logger.info(
            "partitions revoked", metadata: ["partitions": "\(partitions.map(\.description))", "droppedWaiting": "\(dropped)"])
    }

    /// Runs a message, then the messages that queued behind it under the same key.
    private func runChain(_ first: Work) async {
        state.withLock { $0.running += 1 }
        defer { state.withLock { $0.running -= 1 } }
        var next: Work? = first
        while let work = next {
            // Revoked while it waited: the partition's new owner processes it, not us.
            guard ledger.isCurrent(work.ticket) else {
                next = queue.next(after: work.message.key)
                continue
            }
            let outcome = await pipeline.process(work.message)
            guard outcome.isDurable else { return }  // cancelled at shutdown: leave it for redelivery
            finish(work.ticket)
            if state.withLock({ $0.stopping }) { return }
            next = queue.next(after: work.message.key)
        }
    }

    private func finish(_ ticket: OffsetLedger.Ticket) {
        if let commitPoint = ledger.finish(ticket) {
            do {
                try consumer.storeOffset(
                    KafkaTopicPartition(topic: ticket.partition.topic, partition: ticket.partition.partition),
                    next: commitPoint)
            } catch {
                // The partition was revoked meanwhile; its new owner redelivers from the last commit.
                logger.debug("offset not stored", metadata: ["error": "\(error)"])
            }
        }
        let resumeNow = state.withLock { s in
            guard s.paused, !s.stopping, ledger.inFlight <= maxInFlight / 2 else { return false }
            s.paused = false
            return true
        }
        if resumeNow { consumer.resume(consumer.assignment()) }
    }

    /// Waits for running messages up to the grace period, then cancels what is left.
    private func drain(group: inout DiscardingTaskGroup) async {
        let deadline = ContinuousClock.now + shutdownGrace
        while state.withLock({ $0.running }) > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let left = state.withLock { $0.running }
        if left > 0 {
            logger.warning("grace period over, abandoning in-flight requests", metadata: ["running": "\(left)"])
            group.cancelAll()
        }
    }
}
