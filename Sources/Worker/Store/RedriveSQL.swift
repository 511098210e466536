import Pipeline
import Postgres
import Verification

/// The SQL of re-drives (`okayface-worker redrive`, README, Re-drive): which decisions a
/// redrive takes, and the worker's claim and write of a re-driven request. Re-drives are
/// rare, so these run one request per statement, apart from the batched first decisions.
enum RedriveSQL {
    /// The claim of a re-drive: counted in `request_claims` like any run (and, like any, as a
    /// run that may call the vendor: `DecisionSQL.claim`), but only while the revision it
    /// re-drives is in force and retryable. No row answered: the decision moved on.
    static func claim(requestId: String, fromRevision: Int, worker: String) -> PostgresQuery {
        """
        INSERT INTO request_claims (request_id, last_worker, vendor_runs)
        SELECT request_id, \(worker), 1 FROM verification_results
        WHERE request_id = \(requestId) AND revision = \(fromRevision) AND retryable
        ON CONFLICT (request_id) DO UPDATE
            SET runs = request_claims.runs + 1, vendor_runs = request_claims.vendor_runs + 1,
                last_claimed_at = now(), last_worker = EXCLUDED.last_worker
        RETURNING request_id, runs, vendor_runs - 1 AS earlier_vendor_runs
        """
    }

    /// The re-driven decision as the next revision of the same row, with its history row, its
    /// vendor calls, the claim ended, the request's run counts and the outbox row, in one
    /// statement. Nothing is written when the revision it re-drove is no longer in force;
    /// answers the outbox row's `id` otherwise.
    static func write(_ record: VerificationRecord, topic: String, payload: String) -> PostgresQuery {
        let result = record.result
        let from = result.revision - 1
        let vendorMessage = DecisionSQL.vendorMessage(record)
        var q: PostgresQuery = """
            WITH v AS (
                UPDATE verification_results
                SET journey_id = \(result.journeyId), decision = \(result.decision.rawValue), reasons = \(result.reasons.map(\.word)),
                    face_confidence = \(result.scores.faceConfidence), liveness_probability = \(result.scores.liveness),
                    capture_liveness_probability = \(result.scores.captureLiveness),
                    capture_liveness_score = \(result.scores.captureLivenessScore),
                    vendor_http_status = \(result.vendor.httpStatus), vendor_message = \(vendorMessage), attempts = \(result.attempts),
                    processed_at = \(result.processedAt), revision = \(result.revision), policy_id = \(result.policy?.id),
                    policy_hash = \(result.policy?.hash), checks = \(PostgresValue.jsonb(DecisionSQL.checksJSON(result.checks))),
                    next_action = \(result.nextAction.rawValue), retryable = \(result.retryable),
                    automated_decision = \(result.decision.rawValue), automated_reasons = \(result.reasons.map(\.word)),
                    vendor_status = \(result.vendor.status), vendor_message_code = \(result.vendor.messageCode)
                WHERE request_id = \(result.requestId) AND revision = \(from) AND retryable
                RETURNING request_id),
            h AS (
                INSERT INTO decision_history (
                    request_id, revision, decision, reasons, next_action, retryable, policy_hash, action, actor, recorded_at)
                SELECT request_id, \(result.revision), \(result.decision.rawValue), \(result.reasons.map(\.word)),
                       \(result.nextAction.rawValue), \(result.retryable), \(result.policy?.hash), 'redrive', 'okayface-worker',
                       \(result.processedAt)
                FROM v),
            d AS (DELETE FROM request_claims WHERE request_id IN (SELECT request_id FROM v)),
            q AS (
                UPDATE verification_requests
                SET processing_runs = processing_runs + \(record.processingRuns),
                    vendor_runs = vendor_runs + \(record.vendorRuns)
                WHERE request_id IN (SELECT request_id FROM v))
            """
        if !record.vendorCalls.isEmpty {
            q.append(unsafeSQL: """
                ,
                c AS (
                    INSERT INTO vendor_calls (request_id, endpoint, attempt, started_at, duration_ms, http_status, outcome, error_code)
                    SELECT * FROM (VALUES
                """)
            let callTypes = ["text", "text", "integer", "timestamptz", "double precision", "integer", "text", "text"]
            for (n, call) in record.vendorCalls.enumerated() {
                if n > 0 { q.append(unsafeSQL: ",") }
                q.appendRow([
                    result.requestId, call.endpoint.rawValue, call.attempt, call.startedAt, call.durationMs, call.httpStatus,
                    call.outcome.rawValue, call.errorCode,
                ], types: callTypes)
            }
            q.append(unsafeSQL: """
                ) AS x (request_id, endpoint, attempt, started_at, duration_ms, http_status, outcome, error_code)
                    WHERE x.request_id IN (SELECT request_id FROM v))
                """)
        }
        q.append(unsafeSQL: "\nINSERT INTO outbox (request_id, topic, payload) SELECT request_id, ")
        q.append(bind: topic)
        q.append(unsafeSQL: "::text, ")
        q.append(bind: payload)
        q.append(unsafeSQL: "::text FROM v RETURNING id")
        return q
    }
}
