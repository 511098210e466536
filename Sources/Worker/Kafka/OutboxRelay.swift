import Pipeline
import Foundation
import Kafka
import Logging
import Metrics
import Postgres
import ServiceLifecycle
import Synchronization
import Verification

/// Publishes events from the outbox table, each to the topic its row names (key = requestId),
/// and marks them sent once Kafka acknowledged them.
///
/// Fast path: rows arrive from memory right after their transaction committed. Recovery
/// path: at start-up and every `recoveryInterval` it re-reads rows still unsent (their worker
/// died, or Kafka was down), so a stored decision is always published eventually. Consumers
/// of the results topic dedupe on requestId: a row may be published twice, never zero times.
public final class OutboxRelay: ResultPublisher, Service {
    private struct State {
        /// Rows handed to the producer and not yet acknowledged; the recovery scan skips them.
        var inFlight: Set<Int64> = []
        /// Acknowledged rows waiting for their `sent_at` update; they stay here until the
        /// update has committed, so a recovery scan cannot take them for unsent meanwhile.
        var acknowledged: Set<Int64> = []
        /// Rows marked sent since the running recovery scan began: its snapshot may still show
        /// them unsent.
        var markedDuringScan: Set<Int64> = []
        var scanning = false
    }

    private let producer: KafkaProducer
    private let pool: PostgresPool
    private let recoveryInterval: Duration
    private let markInterval: Duration
    private let fastPathGrace: Duration
    private let shutdownGrace: Duration
    private let logger: Logger
    private let state = Mutex(State())
    private let work: AsyncStream<[OutboxEntry]>
    private let workInput: AsyncStream<[OutboxEntry]>.Continuation

    public init(
        producer: KafkaProducer, pool: PostgresPool, recoveryInterval: Duration,
        markInterval: Duration = .milliseconds(100), fastPathGrace: Duration = .seconds(5),
        shutdownGrace: Duration = .seconds(30), logger: Logger
    ) {
        self.producer = producer
        self.pool = pool
        self.recoveryInterval = recoveryInterval
        self.markInterval = markInterval
        self.fastPathGrace = fastPathGrace
        self.shutdownGrace = shutdownGrace
        self.logger = logger
        (work, workInput) = AsyncStream.makeStream()
    }

    public func publishCommitted(_ entries: [OutboxEntry]) {
        workInput.yield(entries)
    }

    /// Rows not yet acknowledged by Kafka.
    public var pending: Int { state.withLock { $0.inFlight.count } }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.markLoop() }
                group.addTask { await self.recoveryLoop() }
                for await entries in self.work {
                    for entry in entries where self.claim(entry.id) {
                        group.addTask { await self.publish(entry) }
                    }
                }
                // Shutdown: the stream ended. Let acknowledgements of what is in flight arrive
                // (bounded by the grace period), mark them, then stop the loops.
                let deadline = ContinuousClock.now + self.shutdownGrace
                while self.pending > 0, ContinuousClock.now < deadline {
                    try? await Task.sleep(for: .milliseconds(20))
                }
                await self.markAcknowledged()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.workInput.finish()
        }
        await markAcknowledged()
    }

    /// Ends the relay without a ServiceGroup (tests, commands).
    public func finish() { workInput.finish() }

    private func claim(_ id: Int64) -> Bool {
        state.withLock { s in
            // Acknowledged rows whose sent_at is not written yet, or written after the scan that
            // found them began, must not go out again.
            guard !s.acknowledged.contains(id), !s.markedDuringScan.contains(id) else { return false }
            return s.inFlight.insert(id).inserted
        }
    }

    private func publish(_ entry: OutboxEntry) async {
        do {
            _ = try await producer.send(topic: entry.topic, key: Array(entry.requestId.utf8), value: entry.payload)
            state.withLock { s in
                s.inFlight.remove(entry.id)
                s.acknowledged.insert(entry.id)
            }
        } catch {
            // Left unsent in the table: the recovery scan publishes it again.
            _ = state.withLock { $0.inFlight.remove(entry.id) }
            logger.warning("result publish failed; recovery will retry", metadata: ["requestId": "\(entry.requestId)", "error": "\(error)"])
        }
    }

    private func markLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: markInterval)
            await markAcknowledged()
        }
    }

    /// One UPDATE for every row acknowledged since the last one.
    private func markAcknowledged() async {
        let ids = state.withLock { Array($0.acknowledged) }
        guard !ids.isEmpty else { return }
        do {
            try await pool.withConnection { c in
                try c.query(OutboxSQL.markSent(ids: ids))
            }
            state.withLock { s in
                s.acknowledged.subtract(ids)
                if s.scanning { s.markedDuringScan.formUnion(ids) }
            }
        } catch {
            // They stay unsent and will be published again: a duplicate, never a loss.
            state.withLock { $0.acknowledged.subtract(ids) }
            logger.warning("marking outbox rows sent failed", metadata: ["rows": "\(ids.count)", "error": "\(error)"])
        }
    }

    private func recoveryLoop() async {
        while !Task.isCancelled {
            await recover()
            await measureBacklog()
            try? await Task.sleep(for: recoveryInterval)
        }
    }

    /// `okayface_outbox_backlog`: results committed but not yet acknowledged by Kafka.
    private func measureBacklog() async {
        let count = try? await pool.withConnection { c in
            try c.query(OutboxSQL.backlog).first?.int("n")
        }
        if let count = count ?? nil { Gauge(label: "okayface_outbox_backlog").record(count) }
    }

    /// Publishes rows left unsent, oldest first, in pages. Rows younger than `fastPathGrace`
    /// are left to the fast path of the worker that wrote them, which publishes them from
    /// memory right after their commit; scanning them too published most of them twice when
    /// the scan ran during a burst of decisions (seen in the test suite under load).
    func recover() async {
        state.withLock { s in
            s.scanning = true
            s.markedDuringScan = []
        }
        defer {
            state.withLock { s in
                s.scanning = false
                s.markedDuringScan = []
            }
        }
        let graceSeconds = Double(fastPathGrace.components.seconds) + Double(fastPathGrace.components.attoseconds) / 1e18
        var afterId: Int64 = 0
        while !Task.isCancelled {
            let page: [OutboxEntry]
            do {
                let after = afterId
                page = try await pool.withConnection { c in
                    OutboxSQL.entries(try c.query(OutboxSQL.unsent(afterId: after, olderThanSeconds: graceSeconds)))
                }
            } catch {
                logger.warning("outbox recovery scan failed", metadata: ["error": "\(error)"])
                return
            }
            guard let last = page.last else { return }
            afterId = last.id
            let fresh = page.filter { claim($0.id) }
            if !fresh.isEmpty {
                logger.info("re-publishing unsent results", metadata: ["rows": "\(fresh.count)"])
                await withDiscardingTaskGroup { group in
                    for entry in fresh { group.addTask { await self.publish(entry) } }
                }
            }
        }
    }
}
