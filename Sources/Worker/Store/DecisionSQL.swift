import Foundation
import Pipeline
import Postgres
import Synchronization
import Verification

/// The SQL of the decision store (`PostgresResultStore`): claims and their release, stored
/// requests and the one statement that writes a batch of decisions. Built here, apart from
/// their execution, so tests can read every statement without a server.
enum DecisionSQL {
    /// The dedupe check, and the claim only where there is no decision, in one round trip. A
    /// request left out of the answer has a decision already. Rows are claimed in request-id
    /// order so that two workers claiming overlapping batches take their row locks in the same
    /// order. One plain INSERT … SELECT rather than a WITH of three parts: at a statement per
    /// request (low load), planning was most of PostgreSQL's CPU (docs/benchmarks.md).
    ///
    /// The claim also counts the run as one that may call the vendor (`vendor_runs`): a run
    /// that ends without calling takes it back with its decision or its release, so only a run
    /// that dies keeps a count it may not have earned, never the other way round. Counting it
    /// here rather than just before the call saves each request a round trip, which under load
    /// kept its in-flight place from the vendor for a few hundred milliseconds (docs/benchmarks.md).
    /// Answers `request_id`, `runs` and `earlier_vendor_runs` (not counting this run) per
    /// claimed request. The ids must be unique.
    static func claim(requestIds ids: [String], workers: [String]) -> PostgresQuery {
        """
        INSERT INTO request_claims (request_id, last_worker, vendor_runs)
        SELECT i.request_id, i.worker, 1 FROM unnest(\(ids), \(workers)) AS i(request_id, worker)
        WHERE NOT EXISTS (SELECT 1 FROM verification_results v WHERE v.request_id = i.request_id)
        ORDER BY i.request_id
        ON CONFLICT (request_id) DO UPDATE
            SET runs = request_claims.runs + 1, vendor_runs = request_claims.vendor_runs + 1,
                last_claimed_at = now(), last_worker = EXCLUDED.last_worker
        RETURNING request_id, runs, vendor_runs - 1 AS earlier_vendor_runs
        """
    }

    /// Takes back one run per occurrence of an id in `ids`, and its count as a vendor run per
    /// occurrence in `notReachingVendor` (runs that never called the vendor), never below zero.
    static func releaseClaims(requestIds ids: [String], notReachingVendor: [String]) -> PostgresQuery {
        """
        UPDATE request_claims
        SET runs = greatest(runs - (SELECT count(*) FROM unnest(\(ids)) AS t(id) WHERE t.id = request_claims.request_id), 0),
            vendor_runs = greatest(
                vendor_runs - (SELECT count(*) FROM unnest(\(notReachingVendor)) AS t(id) WHERE t.id = request_claims.request_id), 0)
        WHERE request_id = ANY(\(ids))
        """
    }

    /// What makes a stored request the same request (``StoredRequest``).
    static func storedRequest(requestId: String) -> PostgresQuery {
        """
        SELECT image_id_card_uri, image_best_uri, image_mobile_sdk_data_uri, subject, journey_id, journey_created
        FROM verification_requests WHERE request_id = \(requestId)
        """
    }

    /// A built batch insert: the statement, and how to read its answer.
    struct Insert: Sendable {
        var query: PostgresQuery
        var records: [VerificationRecord]
        /// Indices into `records` of the first record of each request id, in write order.
        var written: [Int]
        var payloads: [String: [UInt8]]
        var topic: String

        /// One outcome per record from the rows the statement answered.
        func outcomes(_ rows: PostgresRows) throws -> [SaveOutcome] {
            var entries: [String: OutboxEntry] = [:]
            for row in rows {
                guard let id = row.int("id"), let requestId = row.string("request_id"), let payload = payloads[requestId] else {
                    throw PostgresError(message: "outbox insert returned an unexpected row")
                }
                entries[requestId] = OutboxEntry(id: Int64(id), requestId: requestId, topic: topic, payload: payload)
            }
            var outcomes = [SaveOutcome](repeating: .alreadyDecided, count: records.count)
            for index in written {
                if let entry = entries[records[index].result.requestId] { outcomes[index] = .saved(entry) }
            }
            return outcomes
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
    /// record of a request id is written; its repeats get `.alreadyDecided`. The statement
    /// answers one row (`id`, `request_id`) per outbox row it wrote.
    static func insert(_ records: [VerificationRecord], topic: String) -> Insert {
        precondition(!records.isEmpty, "an empty batch has no statement")
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
                    attempts, requested_at, processed_at, revision, policy_id, policy_hash, checks, next_action, retryable,
                    automated_decision, automated_reasons, vendor_status, vendor_message_code)
                VALUES
            """)
        for (n, index) in unique.enumerated() {
            let r = records[index]
            let result = r.result
            if n > 0 { q.append(unsafeSQL: ",") }
            let vendorMessage = Self.vendorMessage(r)
            q.appendRow([
                result.requestId, result.journeyId, result.subject, result.decision.rawValue, result.reasons.map(\.word),
                result.scores.faceConfidence, result.scores.liveness, result.scores.captureLiveness,
                result.scores.captureLivenessScore, PostgresValue.jsonb(thresholdsJSON(result.thresholds)),
                result.vendor.httpStatus, vendorMessage, result.attempts, r.request.requestedAt, result.processedAt,
                result.revision, result.policy?.id, result.policy?.hash, PostgresValue.jsonb(checksJSON(result.checks)),
                result.nextAction.rawValue, result.retryable, result.decision.rawValue, result.reasons.map(\.word),
                result.vendor.status, result.vendor.messageCode,
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
        // Every policy once; its first batch stores it, the others find it there.
        var policies: [String: DecisionPolicy] = [:]
        for index in unique { policies[records[index].policy.hash] = records[index].policy }
        q.append(unsafeSQL: """
            ,
            p AS (
                INSERT INTO decision_policies (hash, policy_id, canonical, policy)
                SELECT * FROM (VALUES
            """)
        for (n, policy) in policies.values.sorted(by: { $0.hash < $1.hash }).enumerated() {
            if n > 0 { q.append(unsafeSQL: ",") }
            q.appendRow([policy.hash, policy.id, policy.canonicalJSON, PostgresValue.jsonb(policy.canonicalJSON)],
                        types: ["text", "text", "text", "jsonb"])
        }
        q.append(unsafeSQL: """
            ) AS v (hash, policy_id, canonical, policy)
                ON CONFLICT (hash) DO NOTHING)
            """)
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

        return Insert(query: q, records: records, written: unique, payloads: payloads, topic: topic)
    }

    /// The `vendor_message` column: the vendor's message code on a success, else the last
    /// OkayFace Plus call's error code (or the vendor status when there was none).
    static func vendorMessage(_ record: VerificationRecord) -> String? {
        let result = record.result
        return result.vendor.status == "success" ? result.vendor.messageCode
            : record.vendorCalls.last(where: { $0.endpoint == .okayFacePlus })?.errorCode ?? result.vendor.status
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

    /// The `checks` column: the event's `checks`, as JSON.
    static func checksJSON(_ checks: [CheckOutcome]) -> String {
        checks.isEmpty ? "[]" : String(decoding: CheckOutcome.jsonBytes(checks), as: UTF8.self)
    }

    private static func json(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(value)) ?? Data("{}".utf8))
    }
}
