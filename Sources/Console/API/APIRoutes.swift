import Foundation
import Hummingbird
import Postgres
import Verification
import Worker

/// The JSON API under `/api/v1` (README, Human review): decisions, one decision with its
/// history, the review queue, review actions, and confirm or decline of four-eyes actions.
/// Every route authenticates first (401), then checks the role (403), then looks (404).
struct APIRoutes: Sendable {
    var pool: PostgresPool
    var authenticator: Authenticator
    var desk: ReviewDesk

    func add(to router: Router<ConsoleRequestContext>) {
        let api = router.group("api/v1")
        api.get("decisions") { request, _ in try await listDecisions(request) }
        api.get("decisions/{requestId}") { request, context in
            try await decision(request, requestId: context.parameters.require("requestId"))
        }
        api.get("review-queue") { request, _ in try await queue(request) }
        api.post("decisions/{requestId}/reviews") { request, context in
            try await review(request, context: context, requestId: context.parameters.require("requestId"))
        }
        api.post("reviews/{reviewId}/confirm") { request, context in
            try await settle(request, context: context, reviewId: context.parameters.require("reviewId"), confirming: true)
        }
        api.post("reviews/{reviewId}/decline") { request, context in
            try await settle(request, context: context, reviewId: context.parameters.require("reviewId"), confirming: false)
        }
        // A mistyped address gets a JSON answer that lists the real ones, not an empty 404.
        for method in [HTTPRequest.Method.get, .post, .put, .delete, .patch] {
            api.on("**", method: method) { request, _ -> Response in
                throw APIError.notFound("no route \(request.method) \(request.uri.path); the API has \(Self.routes)")
            }
        }
    }

    static let routes = """
        GET /api/v1/decisions, GET /api/v1/decisions/{requestId}, GET /api/v1/review-queue, \
        POST /api/v1/decisions/{requestId}/reviews, POST /api/v1/reviews/{reviewId}/confirm, POST /api/v1/reviews/{reviewId}/decline
        """

    private static let listParameters = DecisionListQuery.pageParameters

    private func listDecisions(_ request: Request) async throws -> Response {
        _ = try await authenticator.user(request)
        let parameters = try Self.parameters(request, allowed: Self.listParameters)
        let query = try DecisionListQuery(parameters)
        let sql = query.sql
        let rows = try await pool.withConnection { connection in
            try connection.query(sql).map { row in (try StoredDecision(row: row), row.string("cursor_at") ?? "") }
        }
        let page = rows.prefix(query.limit)
        let next = rows.count > query.limit ? page.last.map { DecisionListQuery.Cursor(processedAt: $0.1, requestId: $0.0.requestId) } : nil
        return JSONBody.response(.ok, JSONFact.object([
            "decisions": .array(page.map { DecisionJSON.decision($0.0) }),
            "nextCursor": .optional(next?.encoded),
        ]))
    }

    private func decision(_ request: Request, requestId: String) async throws -> Response {
        _ = try await authenticator.user(request)
        let found: JSONFact? = try await pool.withConnection { connection in
            guard let row = try connection.query(ConsoleSQL.decision(requestId: requestId)).first else { return nil }
            var o: [String: JSONFact] = ["decision": DecisionJSON.decision(try StoredDecision(row: row))]
            o["history"] = .array(try connection.query(ConsoleSQL.history(requestId: requestId)).map(DecisionJSON.history))
            o["vendorCalls"] = .array(try connection.query(ConsoleSQL.vendorCalls(requestId: requestId)).map(DecisionJSON.vendorCall))
            o["request"] = try connection.query(ConsoleSQL.request(requestId: requestId)).first.map(DecisionJSON.request) ?? .null
            o["pendingReview"] = try connection.query(ConsoleSQL.pendingReview(requestId: requestId)).first.map(DecisionJSON.pendingReview) ?? .null
            return .object(o)
        }
        guard let found else { throw APIError.notFound("no decision for requestId \(requestId)") }
        return JSONBody.response(.ok, found)
    }

    private func queue(_ request: Request) async throws -> Response {
        _ = try await authenticator.user(request)
        let parameters = try Self.parameters(request, allowed: ["limit"])
        let limit = try parameters["limit"].map { text throws(APIError) in
            guard let value = Int(text), (1...DecisionListQuery.maxLimit).contains(value) else {
                throw APIError.badRequest("limit must be a whole number in 1...\(DecisionListQuery.maxLimit) (got \"\(text)\")")
            }
            return value
        } ?? 100
        let (items, size) = try await pool.withConnection { connection in
            (try connection.query(ConsoleSQL.queue(limit: limit)).map(DecisionJSON.queueItem), try connection.query(ConsoleSQL.queueSize).first)
        }
        return JSONBody.response(.ok, JSONFact.object([
            "items": .array(items), "depth": .int(size?.int("depth") ?? 0),
            "oldestAgeSeconds": .optional(size?.double("oldest_age_seconds")),
        ]))
    }

    private func review(_ request: Request, context: ConsoleRequestContext, requestId: String) async throws -> Response {
        let reviewer = try await authenticator.reviewer(request)
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        let action = try ReviewBody(json: Data(buffer: body))
        let outcome = try await desk.review(
            requestId: requestId, action: action.action, reason: action.reason, expectedRevision: action.expectedRevision,
            reviewer: reviewer, address: context.clientAddress)
        return try Self.answer(outcome, requestId: requestId)
    }

    private func settle(_ request: Request, context: ConsoleRequestContext, reviewId: String, confirming: Bool) async throws -> Response {
        let user = try await authenticator.reviewer(request)
        let outcome = try await desk.settle(reviewId: reviewId, confirming: confirming, by: user, address: context.clientAddress)
        return try Self.answer(outcome, reviewId: reviewId)
    }

    /// 201 with the new revision's event (as published) or the declined review; 202 with the
    /// pending review; otherwise the refusal.
    static func answer(_ outcome: ReviewDesk.Outcome, requestId: String? = nil, reviewId: String? = nil) throws -> Response {
        switch outcome {
        case .revised(let revised):
            return Response(
                status: .created,
                headers: [.contentType: "application/json; charset=utf-8", .location: "/api/v1/decisions/\(Self.pathSegment(revised.requestId))"],
                body: .init(byteBuffer: ByteBuffer(bytes: revised.jsonBytes())))
        case .proposed(let id, let onRevision, let at):
            var response = JSONBody.response(.accepted, JSONFact.object([
                "reviewId": .text(id), "requestId": .optional(requestId), "onRevision": .int(onRevision), "state": .text("pending"),
                "proposedAt": .text(Timestamp.format(at)),
                "message": .text("waiting for a second reviewer to confirm (POST /api/v1/reviews/\(id)/confirm); the decision in force is unchanged"),
            ]))
            response.headers[.location] = "/api/v1/reviews/\(id)"
            return response
        case .declined(let id):
            return JSONBody.response(.created, JSONFact.object(["reviewId": .text(id), "state": .text("declined")]))
        case .notFound:
            if let requestId { throw APIError.notFound("no decision for requestId \(requestId)") }
            throw APIError.notFound("no review \(reviewId ?? "")")
        case .refused(let why):
            throw refusal(why)
        }
    }

    static func refusal(_ why: ReviewRules.Refusal) -> APIError {
        switch why {
        case .staleRevision(let current):
            return APIError(
                .conflict, "stale_revision", "the decision is at revision \(current) now; reload it and decide again",
                facts: ["currentRevision": .int(current)])
        case .pendingReview(let id):
            return APIError(
                .conflict, "review_pending", "a four-eyes action waits on this decision: confirm or decline it first",
                facts: ["reviewId": .text(id)])
        case .ownProposal:
            return .forbidden("a four-eyes action needs a second reviewer: its proposer cannot confirm or decline it")
        case .settled(let state):
            return APIError(.conflict, "review_settled", "this review was \(state.rawValue) already", facts: ["state": .text(state.rawValue)])
        case .decisionChanged(let current, let proposedOn):
            return APIError(
                .conflict, "stale_revision", "the decision moved from revision \(proposedOn) to \(current) since this action was proposed; decline it",
                facts: ["currentRevision": .int(current), "proposedOn": .int(proposedOn)])
        case .reasonMissing:
            return .invalid("reason_missing", "reason is required")
        case .reasonTooLong:
            return .invalid("reason_too_long", "reason can have at most \(ReviewRules.maxReasonLength) characters")
        }
    }

    /// The query string; a parameter the route does not know is a 400 (a typo would otherwise
    /// widen the answer without a word).
    static func parameters(_ request: Request, allowed: Set<String>) throws(APIError) -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in request.uri.queryParameters {
            let name = String(key)
            guard allowed.contains(name) else {
                throw .badRequest("unknown parameter '\(name)'; this route takes \(allowed.sorted().joined(separator: ", "))")
            }
            out[name] = String(value)
        }
        return out
    }

    static func pathSegment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? text
    }
}
