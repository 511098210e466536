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

    /// The decisions it matches, newest first: up to `limit + 1`, so that ``ResultsReport``
    /// can say when there are more.
    public func find(on connection: PostgresConnection) throws -> [StoredDecision] {
        try connection.query(BackOfficeSQL.results(self)).map(StoredDecision.init(row:))
    }
}
