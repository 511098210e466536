import Foundation
import Postgres
import Verification
import Worker

/// `GET /api/v1/decisions`: filters, newest first, and a cursor for the next page (keyset
/// paging on `processed_at, request_id`, so a page never repeats or skips a row while new
/// decisions arrive).
struct DecisionListQuery: Sendable {
    var decision: Decision?
    var nextAction: NextAction?
    var reason: String?
    var subject: String?
    var since: Date?
    var until: Date?
    var limit = 50
    var after: Cursor?

    static let maxLimit = 500
    /// The query parameters the list takes (the API refuses others; the page ignores them).
    static let pageParameters: Set = ["decision", "nextAction", "reason", "subject", "since", "until", "limit", "cursor"]

    /// Where the last page ended: the exact `processed_at` text PostgreSQL printed, and the id.
    struct Cursor: Sendable, Equatable {
        var processedAt: String
        var requestId: String

        var encoded: String {
            Data((processedAt + "|" + requestId).utf8).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }

        init(processedAt: String, requestId: String) {
            self.processedAt = processedAt
            self.requestId = requestId
        }

        init?(encoded: String) {
            var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while base64.count % 4 != 0 { base64 += "=" }
            guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
                  let bar = text.firstIndex(of: "|")
            else { return nil }
            processedAt = String(text[..<bar])
            requestId = String(text[text.index(after: bar)...])
            // PostgreSQL's own timestamptz text: digits and separators only.
            guard processedAt.count >= 19, processedAt.allSatisfy({ "0123456789-:. +".contains($0) }) else { return nil }
        }
    }

    /// Reads the query string; a value that is not one of its kind is a 400 naming the parameter.
    init(_ parameters: [String: String]) throws(APIError) {
        if let text = parameters["decision"], !text.isEmpty {
            guard let value = Decision(rawValue: text) else { throw .badRequest("decision must be approved, rejected, review or error (got \"\(text)\")") }
            decision = value
        }
        if let text = parameters["nextAction"], !text.isEmpty {
            guard let value = NextAction(rawValue: text) else {
                throw .badRequest("nextAction must be one of \(NextAction.allCases.map(\.rawValue).joined(separator: ", ")) (got \"\(text)\")")
            }
            nextAction = value
        }
        if let text = parameters["reason"], !text.isEmpty { reason = text }
        if let text = parameters["subject"], !text.isEmpty { subject = text }
        if let text = parameters["since"], !text.isEmpty {
            guard let date = AgeSpec.instant(text) else { throw .badRequest("since must be RFC 3339 or an age such as 24h (got \"\(text)\")") }
            since = date
        }
        if let text = parameters["until"], !text.isEmpty {
            guard let date = AgeSpec.instant(text) else { throw .badRequest("until must be RFC 3339 or an age such as 24h (got \"\(text)\")") }
            until = date
        }
        if let text = parameters["limit"], !text.isEmpty {
            guard let value = Int(text), (1...Self.maxLimit).contains(value) else {
                throw .badRequest("limit must be a whole number in 1...\(Self.maxLimit) (got \"\(text)\")")
            }
            limit = value
        }
        if let text = parameters["cursor"], !text.isEmpty {
            guard let cursor = Cursor(encoded: text) else { throw .badRequest("cursor is not one this API gave out") }
            after = cursor
        }
    }

    /// One more row than the page, to know whether another page follows.
    var sql: PostgresQuery {
        var q: PostgresQuery = """
            SELECT \(unsafeSQL: StoredDecision.columns), processed_at::text AS cursor_at
            FROM verification_results WHERE true
            """
        if let decision { q.append(unsafeSQL: " AND decision = "); q.append(bind: decision.rawValue) }
        if let nextAction { q.append(unsafeSQL: " AND next_action = "); q.append(bind: nextAction.rawValue) }
        if let reason { q.append(unsafeSQL: " AND "); q.append(bind: reason); q.append(unsafeSQL: " = ANY(reasons)") }
        if let subject { q.append(unsafeSQL: " AND subject = "); q.append(bind: subject) }
        if let since { q.append(unsafeSQL: " AND processed_at >= "); q.append(bind: since) }
        if let until { q.append(unsafeSQL: " AND processed_at < "); q.append(bind: until) }
        if let after {
            q.append(unsafeSQL: " AND (processed_at, request_id) < (")
            q.append(bind: after.processedAt)
            q.append(unsafeSQL: "::timestamptz, ")
            q.append(bind: after.requestId)
            q.append(unsafeSQL: ")")
        }
        q.append(unsafeSQL: " ORDER BY processed_at DESC, request_id DESC LIMIT ")
        q.append(bind: limit + 1)
        return q
    }
}
