import Pipeline
import Foundation
import Logging
import Postgres
import Synchronization
import Verification

/// `ResultStore` on PostgreSQL with group commit: decisions finished at about the same time
/// are written by one transaction, so the commit cost is shared (design.md §8 "Database").
///
/// A batch that fails for a reason other than a lost connection is retried one record per
/// transaction (one statement), so one bad record cannot hold back the others.
public final class PostgresResultStore: ResultStore {
    private struct Pending: Sendable {
        var record: VerificationRecord
        var continuation: CheckedContinuation<SaveOutcome, any Error>
    }

    private struct PendingClaim: Sendable {
        var requestId: String
        var worker: String
        var continuation: CheckedContinuation<ClaimOutcome, any Error>
    }

    private struct PendingVendorRun: Sendable {
        var requestId: String
        var continuation: CheckedContinuation<Void, any Error>
    }

    private let pool: PostgresPool
    private let queue: BatchQueue<Pending>
    private let claims: BatchQueue<PendingClaim>
    private let vendorRuns: BatchQueue<PendingVendorRun>
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
        self.claims = BatchQueue(maxBatch: maxBatch)
        self.vendorRuns = BatchQueue(maxBatch: maxBatch)
        self.resultTopic = resultTopic
        self.writers = max(1, writers)
        self.logger = logger
    }

    /// Runs the writer tasks (decisions, claims, vendor-run counts) until `close()`; the owner
    /// runs this in a task for the store's life.
    public func runWriters() async {
        await withDiscardingTaskGroup { group in
            for _ in 0..<writers {
                group.addTask { await self.writeLoop() }
            }
            // Claims wait on their answer before any work starts, so two loops: one batch in
            // flight while the next gathers.
            for _ in 0..<2 {
                group.addTask { await self.claimLoop() }
            }
            group.addTask { await self.vendorRunLoop() }
        }
    }

    /// Stops taking records and claims; batches already queued are still written.
    public func close() {
        queue.close()
        claims.close()
        vendorRuns.close()
    }

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

    /// Claims are gathered like decisions: whatever arrived while the previous statement ran
    /// goes out as one, so a burst of fetched messages costs a few round trips, not one each.
    public func claim(requestId: String, worker: String) async throws -> ClaimOutcome {
        try await withCheckedThrowingContinuation { continuation in
            if !claims.push(PendingClaim(requestId: requestId, worker: worker, continuation: continuation)) {
                continuation.resume(throwing: PostgresError(message: "result store is closed"))
            }
        }
    }

    /// One query, only for requests that turned out decided (redeliveries): rare enough not
    /// to need batching.
    public func storedRequest(requestId: String) async throws -> StoredRequest? {
        try await observed { connection in
            guard let row = try connection.query("""
                SELECT image_id_card_uri, image_best_uri, image_mobile_sdk_data_uri, subject, journey_id, journey_created
                FROM verification_requests WHERE request_id = \(requestId)
                """).first
            else { return nil }
            return StoredRequest(
                images: [
                    .idCard: row.string("image_id_card_uri") ?? "", .best: row.string("image_best_uri") ?? "",
                    .mobileSdkData: row.string("image_mobile_sdk_data_uri") ?? "",
                ],
                subject: row.string("subject"), journeyId: row.string("journey_id"),
                journeyCreated: row.bool("journey_created") ?? false)
        }
    }

    public func recordVendorRun(requestId: String) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            if !vendorRuns.push(PendingVendorRun(requestId: requestId, continuation: continuation)) {
                continuation.resume(throwing: PostgresError(message: "result store is closed"))
            }
        }
    }

    private func claimLoop() async {
        while true {
            var batch = await claims.take()
            if batch.isEmpty { return }
            // One statement cannot claim the same row twice (ON CONFLICT DO UPDATE refuses), and
            // a second claim of a request must see the first one's count: repeats go in a later
            // statement.
            while !batch.isEmpty {
                var seen = Set<String>()
                var now: [PendingClaim] = []
                var later: [PendingClaim] = []
                for pending in batch {
                    if seen.insert(pending.requestId).inserted { now.append(pending) } else { later.append(pending) }
                }
                await claim(now)
                batch = later
            }
        }
    }

    private func claim(_ batch: [PendingClaim]) async {
        let ids = batch.map(\.requestId)
        let workers = batch.map(\.worker)
        do {
            let claimed = try await observed { connection in
                // One round trip: the dedupe check, and the claim only where there is no
                // decision. A request left out of the answer has a decision already. Rows are
                // claimed in request-id order so that two workers claiming overlapping batches
                // take their row locks in the same order. One plain INSERT … SELECT rather than
                // a WITH of three parts: at a statement per request (low load), planning was
                // most of PostgreSQL's CPU (docs/benchmarks.md).
                let rows = try connection.query("""
                    INSERT INTO request_claims (request_id, last_worker)
                    SELECT i.request_id, i.worker FROM unnest(\(ids), \(workers)) AS i(request_id, worker)
                    WHERE NOT EXISTS (SELECT 1 FROM verification_results v WHERE v.request_id = i.request_id)
                    ORDER BY i.request_id
                    ON CONFLICT (request_id) DO UPDATE
                        SET runs = request_claims.runs + 1, last_claimed_at = now(), last_worker = EXCLUDED.last_worker
                    RETURNING request_id, runs, vendor_runs
                    """)
                var claimed: [String: ClaimOutcome] = [:]
                for row in rows {
                    guard let id = row.string("request_id"), let runs = row.int("runs"), let vendorRuns = row.int("vendor_runs")
                    else { throw PostgresError(message: "claim returned an incomplete row") }
                    claimed[id] = .claimed(runs: runs, earlierVendorRuns: vendorRuns)
                }
                return claimed
            }
            for pending in batch { pending.continuation.resume(returning: claimed[pending.requestId] ?? .alreadyDecided) }
        } catch {
            for pending in batch { pending.continuation.resume(throwing: error) }
        }
    }

    private func vendorRunLoop() async {
        while true {
            let batch = await vendorRuns.take()
            if batch.isEmpty { return }
            let ids = batch.map(\.requestId)
            do {
                // Counted per occurrence, so a request listed twice gains two runs.
                try await observed { connection in
                    try connection.query("""
                        UPDATE request_claims
                        SET vendor_runs = vendor_runs + (SELECT count(*) FROM unnest(\(ids)) AS t(id) WHERE t.id = request_claims.request_id)
                        WHERE request_id = ANY(\(ids))
                        """)
                }
                for pending in batch { pending.continuation.resume() }
            } catch {
                for pending in batch { pending.continuation.resume(throwing: error) }
            }
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
            // One statement: atomic without BEGIN/COMMIT round trips.
            let outcomes = try await pool.withConnection { connection in
                try Self.insert(records, topic: topic, on: connection)
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
                let outcomes = try await pool.withConnection { try Self.insert([record], topic: topic, on: $0) }
                pending.continuation.resume(returning: outcomes[0])
            } catch {
                pending.continuation.resume(throwing: error)
            }
        }
    }

    /// Writes a batch of decisions with one statement whatever its size: the result rows, and —
    /// for the requests whose result row it wrote — the claims deleted, the request rows, the
    /// vendor calls and the outbox rows, as data-modifying `WITH` parts. One statement is one
    /// round trip and atomic on its own; round trips, not rows, are what a decision costs
    /// PostgreSQL and the worker here (docs/benchmarks.md).
    ///
    /// A record whose result row exists already (another worker decided first) gets
    /// `.alreadyDecided` and nothing else of it is written. Within the batch only the first
    /// record of a request id is written; its repeats get `.alreadyDecided`.
    static func insert(_ records: [VerificationRecord], topic: String, on c: PostgresConnection) throws -> [SaveOutcome] {
        guard !records.isEmpty else { return [] }
        // Rows in request-id order, so that two workers writing overlapping batches take their
        // locks in the same order; the batch's own order decides between repeats of one id.
        let order = records.indices.sorted {
            (records[$0].result.requestId, $0) < (records[$1].result.requestId, $1)
        }
        var seen = Set<String>()
        let unique = order.filter { seen.insert(records[$0].result.requestId).inserted }

        var q = PostgresQuery(unsafeSQL: """
            WITH r AS (
                INSERT INTO verification_results (
                    request_id, journey_id, subject, decision, reasons, face_confidence, liveness_probability,
                    capture_liveness_probability, capture_liveness_score, thresholds, vendor_http_status, vendor_message,
                    attempts, requested_at, processed_at)
                VALUES
            """)
        for (n, index) in unique.enumerated() {
            let r = records[index]
            let result = r.result
            if n > 0 { q.append(unsafeSQL: ",") }
            let vendorMessage: String? = result.vendor.status == "success" ? result.vendor.messageCode
                : r.vendorCalls.last(where: { $0.endpoint == .okayFacePlus })?.errorCode ?? result.vendor.status
            q.appendRow([
                result.requestId, result.journeyId, result.subject, result.decision.rawValue, result.reasons.map(\.word),
                result.scores.faceConfidence, result.scores.liveness, result.scores.captureLiveness,
                result.scores.captureLivenessScore, PostgresValue.jsonb(thresholdsJSON(result.thresholds)),
                result.vendor.httpStatus, vendorMessage, result.attempts, r.request.requestedAt, result.processedAt,
            ])
        }
        // The claims have served their purpose either way; the request rows keep the counts.
        q.append(unsafeSQL: """

                ON CONFLICT (request_id) DO NOTHING
                RETURNING request_id),
            d AS (DELETE FROM request_claims WHERE request_id = ANY
            """)
        q.appendRow([records.map(\.result.requestId)])
        q.append(unsafeSQL: """
            ),
            q AS (
                INSERT INTO verification_requests (
                    request_id, journey_id, journey_created, subject, image_id_card_uri, image_best_uri,
                    image_mobile_sdk_data_uri, requested_at, kafka_topic, kafka_partition, kafka_offset, received_at,
                    processing_runs, vendor_runs)
                SELECT * FROM (VALUES
            """)
        let requestTypes = [
            "text", "text", "boolean", "text", "text", "text", "text", "timestamptz", "text", "integer", "bigint",
            "timestamptz", "integer", "integer",
        ]
        for (n, index) in unique.enumerated() {
            let r = records[index]
            if n > 0 { q.append(unsafeSQL: ",") }
            q.appendRow([
                r.request.requestId, r.request.journeyId, r.journeyCreated, r.request.subject,
                r.request.uri(.idCard), r.request.uri(.best), r.request.uri(.mobileSdkData),
                r.request.requestedAt, r.source.topic, Int(r.source.partition), r.source.offset,
                r.source.receivedAt, r.processingRuns, r.vendorRuns,
            ], types: requestTypes)
        }
        q.append(unsafeSQL: """
            ) AS v (request_id, journey_id, journey_created, subject, image_id_card_uri, image_best_uri,
                        image_mobile_sdk_data_uri, requested_at, kafka_topic, kafka_partition, kafka_offset, received_at,
                        processing_runs, vendor_runs)
                WHERE v.request_id IN (SELECT request_id FROM r)
                ON CONFLICT (request_id) DO NOTHING)
            """)
        let calls = unique.flatMap { index in records[index].vendorCalls.map { (records[index].request.requestId, $0) } }
        if !calls.isEmpty {
            q.append(unsafeSQL: """
                ,
                c AS (
                    INSERT INTO vendor_calls (request_id, endpoint, attempt, started_at, duration_ms, http_status, outcome, error_code)
                    SELECT * FROM (VALUES
                """)
            let callTypes = ["text", "text", "integer", "timestamptz", "double precision", "integer", "text", "text"]
            for (n, (requestId, call)) in calls.enumerated() {
                if n > 0 { q.append(unsafeSQL: ",") }
                q.appendRow([
                    requestId, call.endpoint.rawValue, call.attempt, call.startedAt, call.durationMs, call.httpStatus,
                    call.outcome.rawValue, call.errorCode,
                ], types: callTypes)
            }
            q.append(unsafeSQL: """
                ) AS v (request_id, endpoint, attempt, started_at, duration_ms, http_status, outcome, error_code)
                    WHERE v.request_id IN (SELECT request_id FROM r))
                """)
        }
        q.append(unsafeSQL: """
            ,
            o AS (
                INSERT INTO outbox (request_id, topic, payload)
                SELECT * FROM (VALUES
            """)
        var payloads: [String: [UInt8]] = [:]
        for (n, index) in unique.enumerated() {
            let r = records[index]
            let payload = r.result.jsonBytes()
            payloads[r.result.requestId] = payload
            if n > 0 { q.append(unsafeSQL: ",") }
            q.appendRow([r.result.requestId, topic, String(decoding: payload, as: UTF8.self)], types: ["text", "text", "text"])
        }
        q.append(unsafeSQL: """
            ) AS v (request_id, topic, payload)
                WHERE v.request_id IN (SELECT request_id FROM r)
                RETURNING id, request_id)
            SELECT id, request_id FROM o
            """)

        var entries: [String: OutboxEntry] = [:]
        for row in try c.query(q) {
            guard let id = row.int("id"), let requestId = row.string("request_id"), let payload = payloads[requestId] else {
                throw PostgresError(message: "outbox insert returned an unexpected row")
            }
            entries[requestId] = OutboxEntry(id: Int64(id), requestId: requestId, payload: payload)
        }
        var outcomes = [SaveOutcome](repeating: .alreadyDecided, count: records.count)
        for index in unique {
            if let entry = entries[records[index].result.requestId] { outcomes[index] = .saved(entry) }
        }
        return outcomes
    }

    /// The thresholds as stored in the `thresholds` column. A run's records all carry the same
    /// ones, so the last encoding is reused rather than running a JSONEncoder per decision.
    private static func thresholdsJSON(_ thresholds: Thresholds) -> String {
        if let cached = lastThresholds.withLock({ $0 }), cached.0 == thresholds { return cached.1 }
        let text = String(decoding: json(thresholds), as: UTF8.self)
        lastThresholds.withLock { $0 = (thresholds, text) }
        return text
    }

    private static let lastThresholds = Mutex<(Thresholds, String)?>(nil)

    private static func json(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(value)) ?? Data("{}".utf8))
    }
}
