import Postgres

/// The SQL of the back-office commands: `results` and `purge`.
enum BackOfficeSQL {
    /// The decisions `filter` matches, newest first, every value bound as a parameter; it asks
    /// for `limit + 1` rows, so that ``ResultsReport`` can say when there are more.
    static func results(_ filter: ResultsFilter) -> PostgresQuery {
        var q = PostgresQuery(unsafeSQL: "SELECT \(StoredDecision.columns) FROM verification_results WHERE true")
        func condition(_ sql: String, _ value: (some PostgresEncodable)?) {
            guard let value else { return }
            q.append(unsafeSQL: " AND \(sql) ")
            q.append(bind: value)
        }
        condition("request_id =", filter.requestId)
        condition("journey_id =", filter.journeyId)
        condition("subject =", filter.subject)
        condition("decision =", filter.decision?.rawValue)
        condition("processed_at >=", filter.since)
        condition("processed_at <", filter.until)
        // One row more than asked for tells whether more exist.
        q.append(unsafeSQL: " ORDER BY processed_at DESC, request_id LIMIT ")
        q.append(bind: max(1, filter.limit) + 1)
        return q
    }

    /// One statement, so the three removals commit together; answers `requests`, `calls`,
    /// `outbox` (rows removed, or that would be in a dry run) and `cutoff`.
    static func purge(olderThanSeconds seconds: Double, dryRun: Bool) -> PostgresQuery {
        let action = dryRun ? "SELECT 1 FROM" : "DELETE FROM"
        let returning = dryRun ? "" : "RETURNING 1"
        return PostgresQuery(unsafeSQL: """
            WITH cutoff AS (SELECT now() - make_interval(secs => $1::double precision) AS t),
            r AS (\(action) verification_requests WHERE received_at < (SELECT t FROM cutoff)
                  AND request_id IN (SELECT request_id FROM verification_results) \(returning)),
            c AS (\(action) vendor_calls WHERE started_at < (SELECT t FROM cutoff) \(returning)),
            o AS (\(action) outbox WHERE sent_at IS NOT NULL AND sent_at < (SELECT t FROM cutoff) \(returning))
            SELECT (SELECT count(*) FROM r) AS requests, (SELECT count(*) FROM c) AS calls,
                   (SELECT count(*) FROM o) AS outbox, (SELECT t FROM cutoff) AS cutoff
            """, binds: [seconds.postgresValue])
    }
}
