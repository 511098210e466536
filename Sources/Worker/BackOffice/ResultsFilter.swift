import Pipeline
import Foundation
import Postgres
import Verification

/// What `okayface-worker results` looks for: any combination of the filters, newest first.
public struct ResultsFilter: Sendable {
    public var requestId: String?
    public var journeyId: String?
    public var subject: String?
    public var decision: Decision?
    /// Decided at or after.
    public var since: Date?
    /// Decided before.
    public var until: Date?
    public var limit: Int

    public init(
        requestId: String? = nil, journeyId: String? = nil, subject: String? = nil, decision: Decision? = nil,
        since: Date? = nil, until: Date? = nil, limit: Int = 50
    ) {
        self.requestId = requestId
        self.journeyId = journeyId
        self.subject = subject
        self.decision = decision
        self.since = since
        self.until = until
        self.limit = limit
    }

    /// Why the filter can match nothing whatever the data, or nil: an empty time window is an
    /// operator's slip (`--since 5m --until 10m`), not a question with the answer "none".
    public var contradiction: String? {
        if let since, let until, since >= until {
            return "--since \(Timestamp.format(since)) is not before --until \(Timestamp.format(until)): the window is empty"
                + " (an age counts back from now, so --since 10m --until 5m is the five minutes that ended five minutes ago)"
        }
        return nil
    }

    /// The query, every value bound as a parameter; it asks for `limit + 1` rows, so that
    /// ``ResultsReport`` can say when there are more.
    public var query: PostgresQuery {
        var q = PostgresQuery(unsafeSQL: """
            SELECT request_id, journey_id, subject, decision, reasons, face_confidence, liveness_probability,
                   capture_liveness_probability, capture_liveness_score, vendor_http_status, vendor_message, attempts,
                   requested_at, processed_at, thresholds
            FROM verification_results WHERE true
            """)
        func condition(_ sql: String, _ value: (some PostgresEncodable)?) {
            guard let value else { return }
            q.append(unsafeSQL: " AND \(sql) ")
            q.append(bind: value)
        }
        condition("request_id =", requestId)
        condition("journey_id =", journeyId)
        condition("subject =", subject)
        condition("decision =", decision?.rawValue)
        condition("processed_at >=", since)
        condition("processed_at <", until)
        // One row more than asked for tells whether more exist.
        q.append(unsafeSQL: " ORDER BY processed_at DESC, request_id LIMIT ")
        q.append(bind: max(1, limit) + 1)
        return q
    }
}
