import Pipeline
import Blocking
import Foundation
import Kafka
import Logging
import ServiceLifecycle
import Synchronization
import Verification

/// Consumes the requests topic and runs each message through the pipeline (docs/architecture.md, "One request's way").
///
/// - librdkafka is polled on the Kafka module's own thread; this service only receives its
///   events and never blocks that thread, except while handing revoked partitions over.
/// - Messages of one key run one at a time in arrival order (`KeyedQueue`); different keys run
///   concurrently: up to `maxInFlight` in their vendor calls at once (`ConcurrencyGate`), and
///   up to `ahead(maxInFlight:)` more claimed with their images loaded, waiting for a turn
///   (`VendorTurn`), so a call that ends is replaced at once rather than after the next
///   request's claim and image load (docs/benchmarks.md). More wait fetched in
///   memory (up to `max(4 × maxInFlight, 2000)` unfinished), so a finished request is replaced at once
///   rather than after a fetch round trip; beyond that every assigned partition is paused until
///   the backlog is down to three quarters (the poll loop keeps running, so the group
///   membership stays alive).
///   Partitions are also paused while PostgreSQL is unreachable: nothing could be made durable.
/// - An offset is stored only when it and every lower offset of its partition are durable
///   (`OffsetLedger`); librdkafka commits stored offsets.
/// - Revocation (a rebalance): the revoked partitions start nothing new, their running
///   requests get `rebalanceGrace` to finish and store their offsets, the rest is cancelled;
///   then librdkafka commits and the partitions move on. The next owner repeats only what
///   was cancelled.
/// - Graceful shutdown: pause, stop starting new messages, let running ones finish within
///   the grace period, cancel the rest (they were not stored, so they are redelivered),
///   commit, and close the consumer so the group rebalances at once.
public final class VerificationConsumer: Service {
    private struct Work: Sendable {
        var message: IncomingMessage
        var ticket: OffsetLedger.Ticket
    }

    /// Why consumption is paused; partitions resume when no reason is left.
    private enum PauseReason: Hashable {
        case inFlightLimit
        case database
        /// Vendor calls are held back (circuit open, or the vendor refuses our account):
        /// Kafka is the parking lot until they go out again.
        case vendor
        case stopping
    }

    private struct State {
        var pauseReasons: Set<PauseReason> = []
        /// Partitions paused by us; a partition assigned while paused is added when its first
        /// message arrives.
        var pausedPartitions: Set<KafkaTopicPartition> = []
        var running: [OffsetLedger.Ticket: Task<PipelineOutcome, Never>] = [:]
        var chains = 0
    }

    private let consumer: KafkaConsumer
    private let pipeline: VerificationPipeline
    private let maxInFlight: Int
    private let shutdownGrace: Duration
    private let rebalanceGrace: Duration
    private let database: DatabaseHealth?
    private let logger: Logger
    private let ledger = OffsetLedger()
    private let queue = KeyedQueue<Work>()
    private let state = Mutex(State())
    /// Requests started (claimed, images loading or loaded, in vendor calls, deciding).
    private let gate: ConcurrencyGate
    /// Requests in their vendor calls.
    private let vendorGate: ConcurrencyGate
    /// Messages received and not yet finished above which consumption pauses.
    private let backlogLimit: Int
    /// Messages received and not yet committable above which consumption pauses.
    private let uncommittedLimit: Int

    public init(
        consumer: KafkaConsumer, pipeline: VerificationPipeline, maxInFlight: Int, shutdownGrace: Duration,
        rebalanceGrace: Duration = .seconds(10), database: DatabaseHealth? = nil, logger: Logger
    ) {
        self.consumer = consumer
        self.pipeline = pipeline
        self.maxInFlight = maxInFlight
        self.shutdownGrace = shutdownGrace
        self.rebalanceGrace = rebalanceGrace
        self.database = database
        self.logger = logger
        self.gate = ConcurrencyGate(limit: Self.startLimit(maxInFlight: maxInFlight))
        self.vendorGate = ConcurrencyGate(limit: maxInFlight)
        // Fetched messages are small (the images are opened only when a request runs), and a
        // resumed partition took up to ~0.7 s to deliver again in the benchmark (mock cluster);
        // at ~1,000 decisions/s the quarter left queued at resume must cover that gap, or every
        // place of the gate goes idle until the fetch lands (measured with 256 in flight:
        // 991/s with max(2×, 1000), 1,110/s with this).
        self.backlogLimit = max(4 * maxInFlight, 2000)
        self.uncommittedLimit = 10 * backlogLimit
    }

    /// Requests started ahead of a vendor turn: an eighth of `maxInFlight`, at least one. At
    /// 4,096 in flight and 3 s per call about 1,300 calls end per second, and a claim plus an
    /// image load took 150-840 ms (p50) there; 512 ready covers about 0.4 s of them, without
    /// holding many more images open.
    public static func ahead(maxInFlight: Int) -> Int { max(1, maxInFlight / 8) }

    /// Requests one replica may have started at once: `maxInFlight` plus `ahead`.
    public static func startLimit(maxInFlight: Int) -> Int { maxInFlight + ahead(maxInFlight: maxInFlight) }

    /// Messages received and not yet finished (running or waiting behind their key).
    public var inFlight: Int { ledger.unfinished }

    /// Partitions currently assigned to this replica.
    public var assignment: [KafkaTopicPartition] { consumer.assignment() }

    public func run() async throws {
        let (ready, readyInput) = AsyncStream<Work>.makeStream()
        consumer.start { [self] event in
            // On the poll thread: bookkeeping only, no waiting (revocation excepted).
            switch event {
            case .message(let message):
                if let work = self.accept(message), let now = self.queue.submit(key: message.key, work) {
                    readyInput.yield(now)
                }
            case .partitionsAssigned(let partitions):
                for p in partitions { self.ledger.assign(.init(topic: p.topic, partition: p.partition)) }
                // Not paused here even when consumption is paused: librdkafka 2.0.2 can lose a
                // pause issued right after an incremental assign (librdkafka#2190). `accept`
                // pauses such a partition when its first message arrives.
                self.logger.info("partitions assigned", metadata: ["partitions": "\(partitions.map(\.description))"])
            case .partitionsRevoked(let partitions):
                self.handOver(partitions)
            case .error(let error):
                self.logger.warning("kafka client error", metadata: ["error": "\(error)"])
            }
        }

        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.watchDatabase() }
                for await work in ready {
                    group.addTask { await self.runChain(work) }
                }
                await self.drain()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.setPaused(true, .stopping)
            readyInput.finish()
        }

        // The commit and LeaveGroup round trips block: off the cooperative threads.
        await BlockingWork.run { [consumer, logger] in
            do { try consumer.commitStored() } catch { logger.warning("final commit failed", metadata: ["error": "\(error)"]) }
            consumer.close()
        }
        logger.info("consumer closed")
    }

    private func accept(_ message: KafkaMessage) -> Work? {
        let stopping = state.withLock { s in
            // Under the lock, like `setPaused`, so a concurrent resume cannot be overtaken.
            if !s.pauseReasons.isEmpty, s.pausedPartitions.insert(message.topicPartition).inserted {
                consumer.pause([message.topicPartition])
            }
            return s.pauseReasons.contains(.stopping)
        }
        if stopping { return nil }
        let partition = OffsetLedger.Partition(topic: message.topic, partition: message.partition)
        let ticket = ledger.begin(partition, offset: message.offset)
        updateBacklogPause()
        let incoming = IncomingMessage(
            topic: message.topic, partition: message.partition, offset: message.offset, key: message.key,
            value: message.value, valueIsNull: message.valueIsNull,
            redriveOf: message.headers.first { $0.key == Redrive.header }?.value.flatMap { Int(String(decoding: $0, as: UTF8.self)) })
        return Work(message: incoming, ticket: ticket)
    }

    /// Pauses at `backlogLimit` messages not yet finished (running or waiting), and resumes at
    /// three quarters of it: a resumed partition takes a few hundred milliseconds to deliver
    /// again, and the quarter left queued keeps every place of the gate busy meanwhile
    /// (measured: resuming at half let all places go idle between fetches).
    ///
    /// Finished messages waiting behind a slower lower offset of their partition are not
    /// backlog, but they cannot be committed either; `uncommittedLimit` bounds them, so one
    /// hanging request cannot pin an unbounded number of offsets behind it.
    private func updateBacklogPause() {
        let (unfinished, uncommitted) = ledger.counts
        if unfinished >= backlogLimit || uncommitted >= uncommittedLimit {
            setPaused(true, .inFlightLimit)
        } else if unfinished <= backlogLimit * 3 / 4 && uncommitted <= uncommittedLimit * 3 / 4 {
            setPaused(false, .inFlightLimit)
        }
    }

    /// Adds or removes a pause reason, pausing or resuming every assigned partition when the
    /// set of reasons becomes non-empty or empty. The librdkafka calls are made under the lock
    /// (they only queue operations) so that concurrent flips cannot land out of order.
    private func setPaused(_ paused: Bool, _ reason: PauseReason) {
        state.withLock { s in
            let before = s.pauseReasons.isEmpty
            if paused { s.pauseReasons.insert(reason) } else { s.pauseReasons.remove(reason) }
            let after = s.pauseReasons.isEmpty
            guard before != after else { return }
            let assignment = consumer.assignment()
            if !after {
                s.pausedPartitions = Set(assignment)
                consumer.pause(assignment)
            } else {
                s.pausedPartitions = []
                consumer.resume(assignment)
            }
        }
    }

    /// Runs on the poll thread inside the rebalance callback: librdkafka commits and gives the
    /// partitions up only after this returns.
    private func handOver(_ partitions: [KafkaTopicPartition]) {
        let revoked = Set(partitions.map { OffsetLedger.Partition(topic: $0.topic, partition: $0.partition) })
        for p in revoked { ledger.drain(p) }
        let dropped = queue.removeAll { revoked.contains($0.ticket.partition) }

        // Let running requests of these partitions finish (their offsets are stored as they
        // do), so the next owner does not repeat their vendor calls.
        let deadline = ContinuousClock.now + rebalanceGrace
        func stillRunning() -> [Task<PipelineOutcome, Never>] {
            state.withLock { s in s.running.filter { revoked.contains($0.key.partition) }.map(\.value) }
        }
        while !stillRunning().isEmpty, ContinuousClock.now < deadline { usleep(5_000) }
        let cancelled = stillRunning()
        for task in cancelled { task.cancel() }
        for p in revoked { ledger.revoke(p) }
        // Their messages no longer count: without this a replica paused for its backlog
        // could wait forever for finishes that will not come.
        updateBacklogPause()
        logger.info(
            "partitions revoked",
            metadata: [
                "partitions": "\(partitions.map(\.description))", "droppedWaiting": "\(dropped)",
                "cancelledRunning": "\(cancelled.count)",
            ])
    }

    /// Whether `stop` has begun: nothing new may start from then on.
    private var isStopping: Bool { state.withLock { $0.pauseReasons.contains(.stopping) } }

    /// Runs a message, then the messages that queued behind it under the same key.
    private func runChain(_ first: Work) async {
        state.withLock { $0.chains += 1 }
        defer { state.withLock { $0.chains -= 1 } }
        var next: Work? = first
        while let work = next {
            guard await gate.enter() else { return }
            if isStopping {
                gate.leave()
                return
            }
            // Revoked while it waited: the partition's new owner processes it, not us.
            if ledger.mayStart(work.ticket) {
                // The place is given back as soon as the decision is made: the group commit that
                // follows needs no vendor capacity, and holding the place through it left the
                // vendor idle for the commit's duration (docs/benchmarks.md).
                let place = GatePlace(gate)
                let task = Task { await pipeline.process(work.message, turn: vendorTurn(work.ticket), decided: { place.leave() }) }
                state.withLock { $0.running[work.ticket] = task }
                let outcome = await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
                state.withLock { _ = $0.running.removeValue(forKey: work.ticket) }
                place.leave()
                // Cancelled (shutdown, hand-over): not durable, so not stored; it is redelivered.
                if outcome.isDurable { finish(work.ticket) }
            } else {
                gate.leave()
            }
            next = queue.next(after: work.message.key)
        }
    }

    /// A turn at the vendor for the request of `ticket`: withdrawn when the worker is stopping
    /// or the partition was revoked while it waited, so neither starts vendor calls it would
    /// then have to finish or abandon.
    private func vendorTurn(_ ticket: OffsetLedger.Ticket) -> VendorTurn {
        VendorTurn(
            begin: { [self] in
                guard await vendorGate.enter() else { return .cancelled }
                if isStopping || !ledger.mayStart(ticket) {
                    vendorGate.leave()
                    return .withdrawn
                }
                return .granted
            },
            end: { [vendorGate] in vendorGate.leave() })
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
        updateBacklogPause()
    }

    /// Pauses consumption while PostgreSQL is unreachable and resumes when it is back.
    /// Pauses consumption while PostgreSQL is unusable or vendor calls are held back.
    private func watchDatabase() async {
        while !Task.isCancelled {
            if let database { setPaused(!database.isHealthy, .database) }
            setPaused(pipeline.access.isRefused || pipeline.breaker.isHoldingCalls, .vendor)
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Waits for running messages up to the grace period, then cancels what is left. While
    /// vendor calls are held back (the vendor refuses our account, or the circuit is open) the
    /// running requests are waiting, not working: they are cancelled at once rather than after
    /// the whole grace period, and decided by whoever runs next.
    private func drain() async {
        let running = state.withLock { $0.running.count }
        logger.notice(
            "shutting down: waiting for running requests", metadata: ["running": "\(running)", "grace": "\(shutdownGrace)"])
        let deadline = ContinuousClock.now + shutdownGrace
        var held = false
        while state.withLock({ $0.chains }) > 0, ContinuousClock.now < deadline {
            if pipeline.access.isHeld {
                held = true
                break
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        let left = state.withLock { s in
            s.running.values.forEach { $0.cancel() }
            return s.running.count
        }
        if left > 0 {
            logger.warning(
                held ? "vendor calls are held back: leaving the waiting requests to the next run"
                    : "grace period over, abandoning in-flight requests",
                metadata: ["running": "\(left)"])
        }
        // Cancelled requests end quickly (abandoned); wait for their chains to return.
        while state.withLock({ $0.chains }) > 0 { try? await Task.sleep(for: .milliseconds(10)) }
    }
}
