import Postgres
import Worker

/// The console's reads: one decision with what belongs to it, and the review queue.
enum ConsoleSQL {
    static func decision(requestId: String) -> PostgresQuery {
        "SELECT \(unsafeSQL: StoredDecision.columns) FROM verification_results WHERE request_id = \(requestId)"
    }

    static func history(requestId: String) -> PostgresQuery {
        """
        SELECT revision, decision, reasons, next_action, retryable, policy_hash, action, actor, reason, confirmed_by,
               review_id, recorded_at
        FROM decision_history WHERE request_id = \(requestId) ORDER BY revision
        """
    }

    static func vendorCalls(requestId: String) -> PostgresQuery {
        """
        SELECT endpoint, attempt, started_at, duration_ms, http_status, outcome, error_code
        FROM vendor_calls WHERE request_id = \(requestId) ORDER BY started_at, id
        """
    }

    static func request(requestId: String) -> PostgresQuery {
        """
        SELECT image_id_card_uri, image_best_uri, image_mobile_sdk_data_uri, requested_at, received_at, kafka_topic,
               kafka_partition, kafka_offset, processing_runs, vendor_runs
        FROM verification_requests WHERE request_id = \(requestId)
        """
    }

    static func pendingReview(requestId: String) -> PostgresQuery {
        """
        SELECT review_id, on_revision, action, reason, proposed_by, proposed_at
        FROM review_proposals WHERE request_id = \(requestId) AND state = 'pending'
        """
    }

    static func queue(limit: Int, offset: Int = 0) -> PostgresQuery {
        """
        SELECT request_id, subject, decision, reasons, revision, processed_at, review_id, proposed_action, proposed_reason,
               proposed_by, proposed_at, waiting_since, extract(epoch FROM now() - waiting_since) AS age_seconds
        FROM review_queue ORDER BY waiting_since, request_id LIMIT \(limit) OFFSET \(offset)
        """
    }

    /// Answers `depth` and `oldest_age_seconds` (null for an empty queue).
    static let queueSize: PostgresQuery = """
        SELECT count(*) AS depth, extract(epoch FROM now() - min(waiting_since)) AS oldest_age_seconds FROM review_queue
        """
}
