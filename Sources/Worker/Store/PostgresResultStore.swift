import Foundation
import Logging
import Postgres
import Verification

/// `ResultStore` on PostgreSQL with group commit: decisions finished at about the same time
/// are written by one transaction, so the commit cost is shared (design.md §8 "Database").
///
/// A batch that fails for a reason other than a lost connection is retried one record per
/// transaction, so one bad record cannot hold back the others.
public final class PostgresResultStore: ResultStore {
    private struct Pending: Sendable {
        var record: VerificationRecord
        var continuation: CheckedContinuation<SaveOutcome, any Error>
    }

    private let pool: PostgresPool
    private let queue: BatchQueue<Pending>
    private let resultTopic: String
    private let logger: Logger
    private let writers: Int
    private let health: DatabaseHealth?

    /// - Parameters:
    ///   - writers: concurrent write transactions; keep it below the pool size so dedupe
    ///     lookups and the outbox relay still get connections.
    public init(
        pool: PostgresPool, resultTopic: String, writers: Int, maxBatch: Int = 128, health: DatabaseHealth? = nil,
        logger: Logger
    ) {
        self.pool = pool
        self.health = health
        self.queue = BatchQueue(maxBatch: maxBatch)
        self.resultTopic = resultTopic
        self.writers = max(1, writers)
        self.logger = logger
    }

    /// Runs the writer tasks until `close()`; the owner runs this in a task for the store's life.
    public func runWriters() async {
        await withDiscardingTaskGroup { group in
            for _ in 0..<writers {
                group.addTask { await self.writeLoop() }
            }
        }
    }

    /// Stops taking records; batches already queued are still written.
    public func close() { queue.close() }

    /// Runs a job on the pool, telling `health` how it went.
    @discardableResult
    private func observed<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        do {
            let value = try await pool.withConnection(body)
            health?.observeSuccess()
            return value
        } catch {
            health?.observe(error)
            throw error
        }
    }

    public func claim(requestId: String, worker: String) async throws -> ClaimOutcome {
        try await observed { connection in
            // One round trip: the dedupe check, and the claim only when there is no decision.
            // A data-modifying WITH runs whether or not the outer SELECT reads it.
            let row = try connection.query("""
                WITH decided AS (SELECT 1 FROM verification_results WHERE request_id = \(requestId)),
                claim AS (
                    INSERT INTO request_claims (request_id, last_worker)
                    SELECT \(requestId), \(worker) WHERE NOT EXISTS (SELECT 1 FROM decided)
                    ON CONFLICT (request_id) DO UPDATE
                        SET runs = request_claims.runs + 1, last_claimed_at = now(), last_worker = EXCLUDED.last_worker
                    RETURNING runs, vendor_runs)
                SELECT EXISTS (SELECT 1 FROM decided) AS decided,
                       (SELECT runs FROM claim) AS runs, (SELECT vendor_runs FROM claim) AS vendor_runs
                """).first
            if row?.bool("decided") == true { return .alreadyDecided }
            guard let runs = row?.int("runs"), let vendorRuns = row?.int("vendor_runs") else {
                throw PostgresError(message: "claim returned no row")
            }
            return .claimed(runs: runs, earlierVendorRuns: vendorRuns)
        }
    }

    public func recordVendorRun(requestId: String) async throws {
        try await observed { connection in
            try connection.query("UPDATE request_claims SET vendor_runs = vendor_runs + 1 WHERE request_id = \(requestId)")
        }
    }

    public func save(_ record: VerificationRecord) async throws -> SaveOutcome {
        try await withCheckedThrowingContinuation { continuation in
            if !queue.push(Pending(record: record, continuation: continuation)) {
                continuation.resume(throwing: PostgresError(message: "result store is closed"))
            }
        }
    }

    private func writeLoop() async {
        while true {
            let batch = await queue.take()
            if batch.isEmpty { return }
            await write(batch)
        }
    }

    private func write(_ batch: [Pending]) async {
        let records = batch.map(\.record)
        let topic = resultTopic
        do {
            let outcomes = try await pool.transaction { connection in
                try records.map { try Self.insert($0, topic: topic, on: connection) }
            }
            health?.observeSuccess()
            for (pending, outcome) in zip(batch, outcomes) { pending.continuation.resume(returning: outcome) }
            return
        } catch let error as PostgresError where error.isConnectionError || batch.count == 1 {
            health?.observe(error)
            for pending in batch { pending.continuation.resume(throwing: error) }
            return
        } catch {
            logger.warning("batch write failed, writing its records one by one", metadata: ["error": "\(error)", "batch": "\(batch.count)"])
        }
        for pending in batch {
            let record = pending.record
            do {
                let outcome = try await pool.transaction { try Self.insert(record, topic: topic, on: $0) }
                pending.continuation.resume(returning: outcome)
            } catch {
                pending.continuation.resume(throwing: error)
            }
        }
    }

    /// The four inserts of one decision. The result row goes first: when another worker
    /// already wrote it, nothing else is written.
    static func insert(_ r: VerificationRecord, topic: String, on c: PostgresConnection) throws -> SaveOutcome {
        let result = r.result
        let thresholds = String(decoding: Self.json(result.thresholds), as: UTF8.self)
        let vendorMessage: String? = result.vendor.status == "success" ? result.vendor.messageCode
            : r.vendorCalls.last(where: { $0.endpoint == .okayFacePlus })?.errorCode ?? result.vendor.status
        let inserted = try c.query("""
            INSERT INTO verification_results (
                request_id, journey_id, subject, decision, reasons, face_confidence, liveness_probability,
                capture_liveness_probability, capture_liveness_score, thresholds, vendor_http_status, vendor_message,
                attempts, requested_at, processed_at)
            VALUES (
                \(result.requestId), \(result.journeyId), \(result.subject), \(result.decision.rawValue), \(result.reasons),
                \(result.scores.faceConfidence), \(result.scores.liveness), \(result.scores.captureLiveness),
                \(result.scores.captureLivenessScore), \(PostgresValue.jsonb(thresholds)), \(result.vendor.httpStatus),
                \(vendorMessage), \(result.attempts), \(r.request.requestedAt), \(result.processedAt))
            ON CONFLICT (request_id) DO NOTHING
            RETURNING request_id
            """)
        // The claim has served its purpose either way; the request row keeps the counts.
        try c.query("DELETE FROM request_claims WHERE request_id = \(result.requestId)")
        guard !inserted.isEmpty else { return .alreadyDecided }

        try c.query("""
            INSERT INTO verification_requests (
                request_id, journey_id, journey_created, subject, image_id_card_uri, image_best_uri,
                image_mobile_sdk_data_uri, requested_at, kafka_topic, kafka_partition, kafka_offset, received_at,
                processing_runs, vendor_runs)
            VALUES (
                \(r.request.requestId), \(r.request.journeyId), \(r.journeyCreated), \(r.request.subject),
                \(r.request.uri(.idCard)), \(r.request.uri(.best)), \(r.request.uri(.mobileSdkData)),
                \(r.request.requestedAt), \(r.source.topic), \(Int(r.source.partition)), \(r.source.offset),
                \(r.source.receivedAt), \(r.processingRuns), \(r.vendorRuns))
            ON CONFLICT (request_id) DO NOTHING
            """)

        for call in r.vendorCalls {
            try c.query("""
                INSERT INTO vendor_calls (request_id, endpoint, attempt, started_at, duration_ms, http_status, outcome, error_code)
                VALUES (\(r.request.requestId), \(call.endpoint.rawValue), \(call.attempt), \(call.startedAt),
                        \(call.durationMs), \(call.httpStatus), \(call.outcome.rawValue), \(call.errorCode))
                """)
        }

        let payload = result.jsonBytes()
        let outbox = try c.query("""
            INSERT INTO outbox (request_id, topic, payload)
            VALUES (\(result.requestId), \(topic), \(String(decoding: payload, as: UTF8.self)))
            RETURNING id
            """)
        guard let id = outbox.first?.int("id") else {
            throw PostgresError(message: "outbox insert returned no id")
        }
        return .saved(OutboxEntry(id: Int64(id), requestId: result.requestId, payload: payload))
    }

    private static func json(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(value)) ?? Data("{}".utf8))
    }
}
