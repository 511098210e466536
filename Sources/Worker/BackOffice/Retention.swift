import Foundation
import Postgres

/// `okayface-worker purge`: removes what is past retention. Decisions
/// (`verification_results`) are the record the business keeps and are never removed here;
/// the request rows (image URIs, Kafka coordinates), the vendor-call rows and the outbox rows
/// already published are. An unpublished outbox row is kept whatever its age: removing it
/// would lose a result event.
public enum Retention {
    /// The shortest age `purge` takes: a shorter one is an operator's slip (`1m` read as a month).
    public static let minimumAge: Duration = .seconds(86_400)

    public struct Report: Sendable, Equatable {
        public var requests: Int
        public var vendorCalls: Int
        public var outboxRows: Int
        /// Rows older than this were (or, in a dry run, would be) removed.
        public var cutoff: Date
        public var dryRun: Bool

        public var summary: String {
            let verb = dryRun ? "would purge" : "purged"
            return "\(verb) \(requests) request rows, \(vendorCalls) vendor-call rows and \(outboxRows) published outbox rows "
                + "older than \(ISO8601DateFormatter().string(from: cutoff)); decisions are kept"
        }
    }

    /// One statement, so the three removals commit together.
    public static func purge(olderThan age: Duration, dryRun: Bool, on connection: PostgresConnection) throws -> Report {
        let rows = try connection.query(BackOfficeSQL.purge(olderThanSeconds: Double(age.components.seconds), dryRun: dryRun))
        guard let row = rows.first, let requests = row.int("requests"), let calls = row.int("calls"),
              let outbox = row.int("outbox"), let cutoff = row.date("cutoff")
        else { throw PostgresError(message: "purge returned no counts") }
        return Report(requests: requests, vendorCalls: calls, outboxRows: outbox, cutoff: cutoff, dryRun: dryRun)
    }
}
