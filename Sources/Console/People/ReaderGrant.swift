import Worker
import Postgres

/// What `okayface-worker grant-reader ROLE` gives a back-office role: SELECT on the decision
/// tables and views, and nothing on the console's people (password and token hashes,
/// sessions), the audit log or the worker's own bookkeeping.
public enum ReaderGrant {
    /// The tables and views a reader may SELECT.
    public static let readable = [
        "verification_results", "verification_requests", "vendor_calls", "decision_history", "decision_policies",
        "review_proposals", "latest_decision_per_journey", "daily_decision_counts", "review_queue",
    ]
    /// Taken away explicitly, in case someone granted them before.
    public static let withheld = [
        "console_users", "console_tokens", "console_sessions", "audit_log", "outbox", "request_claims", "schema_migrations",
    ]

    /// Grants `role` (which must exist) the reader's rights; answers what it may read.
    public static func grant(role: String, by actor: String, on connection: PostgresConnection) throws -> [String] {
        try connection.transaction {
            guard try connection.query("SELECT 1 FROM pg_roles WHERE rolname = \(role)").first != nil else {
                throw People.Problem(
                    "no PostgreSQL role \(role); create it first (CREATE ROLE \(role) LOGIN PASSWORD '…'), then grant it")
            }
            guard let quoted = try connection.query("SELECT quote_ident(\(role)) AS q").first?.string("q"),
                  let schema = try connection.query("SELECT quote_ident(current_schema()) AS s").first?.string("s")
            else { throw PostgresError(message: "quote_ident answered nothing") }
            try connection.execute("GRANT USAGE ON SCHEMA \(schema) TO \(quoted)")
            try connection.execute("GRANT SELECT ON \(readable.joined(separator: ", ")) TO \(quoted)")
            try connection.execute("REVOKE ALL ON \(withheld.joined(separator: ", ")) FROM \(quoted)")
            try AuditEntry(actor: actor, action: "reader_granted", target: role, address: "cli").write(on: connection)
        }
        return readable
    }
}
