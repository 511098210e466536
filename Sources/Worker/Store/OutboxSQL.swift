import Pipeline
import Postgres

/// The SQL of the outbox relay (`OutboxRelay`): rows still unsent, marking rows sent, and the
/// backlog gauge.
enum OutboxSQL {
    /// Unsent rows after `afterId`, oldest first, at least `olderThanSeconds` old (younger ones
    /// are the fast path's); answers `id`, `request_id`, `topic`, `payload`.
    static func unsent(afterId: Int64, olderThanSeconds: Double, limit: Int = 500) -> PostgresQuery {
        """
        SELECT id, request_id, topic, payload FROM outbox
        WHERE sent_at IS NULL AND id > \(afterId)
          AND created_at < now() - make_interval(secs => \(olderThanSeconds))
        ORDER BY id LIMIT \(limit)
        """
    }

    /// The entries of an `unsent` answer; rows missing a column are skipped.
    static func entries(_ rows: PostgresRows) -> [OutboxEntry] {
        rows.compactMap { row in
            guard let id = row.int("id"), let requestId = row.string("request_id"), let topic = row.string("topic"),
                  let payload = row.string("payload")
            else { return nil }
            return OutboxEntry(id: Int64(id), requestId: requestId, topic: topic, payload: Array(payload.utf8))
        }
    }

    /// One UPDATE for every row acknowledged since the last one.
    static func markSent(ids: [Int64]) -> PostgresQuery {
        let texts = ids.map(String.init)
        return "UPDATE outbox SET sent_at = now() WHERE id = ANY(\(texts)::bigint[]) AND sent_at IS NULL"
    }

    /// Answers `n`: rows committed but not yet acknowledged by Kafka.
    static let backlog: PostgresQuery = "SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL"
}
