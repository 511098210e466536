import Foundation
import Hummingbird
import Postgres
import Verification
import Worker

/// The console's pages at their stable addresses (README, Console): `/` (decisions),
/// `/decisions/{requestId}`, `/review-queue`, and the forms that review, confirm and decline.
/// Every page needs a session (else it sends the browser to `/login`); every form needs the
/// session's CSRF token (else 403 and nothing changes); forms that change a decision are
/// shown to, and accepted from, reviewers and admins only; the dead-letter replay, admins only.
struct PageRoutes: Sendable {
    var pool: PostgresPool
    var desk: ReviewDesk
    var images: ImageRoutes
    var deadLetters: DeadLetterPage

    func add(to router: Router<ConsoleRequestContext>) {
        router.get("static/console.css") { _, _ in
            var headers = PageResponse.headers(contentType: "text/css; charset=utf-8")
            headers[.cacheControl] = "max-age=3600"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: PageTemplates.stylesheet)))
        }
        router.get("/") { request, _ in try await page(request) { try await decisions(request, $0) } }
        router.get("decisions/{requestId}") { request, context in
            try await page(request) { try await decision(request, $0, requestId: try context.parameters.require("requestId")) }
        }
        router.get("review-queue") { request, _ in try await page(request) { try await queue(request, $0) } }
        router.get("dead-letters") { request, _ in try await page(request) { try await deadLetters.render(request, $0) } }
        router.get("quality") { request, _ in try await page(request) { try await QualityPage(pool: pool).render(request, $0) } }
        router.post("decisions/{requestId}/review") { request, context in
            try await form(request, context) { page, fields in
                try await review(page, fields, requestId: try context.parameters.require("requestId"), address: context.clientAddress)
            }
        }
        router.post("dead-letters/replay") { request, context in
            try await form(request, context, needs: .admin) { page, fields in
                try await deadLetters.replay(page, fields: fields, address: context.clientAddress)
            }
        }
        for (verb, confirming) in [("confirm", true), ("decline", false)] {
            router.post("reviews/{reviewId}/\(verb)") { request, context in
                try await form(request, context) { page, _ in
                    try await settle(page, reviewId: try context.parameters.require("reviewId"), confirming: confirming, address: context.clientAddress)
                }
            }
        }
    }

    // MARK: Sessions, forms and failures

    private func session(_ request: Request) async throws -> PageContext? {
        try await Authenticator(pool: pool).session(request).map { PageContext(user: $0.0, csrf: $0.csrf) }
    }

    /// A page for a logged-in user; a failure is a page that says what went wrong.
    private func page(_ request: Request, _ body: (PageContext) async throws -> Response) async throws -> Response {
        let page: PageContext
        do {
            guard let found = try await session(request) else {
                let next = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
                return PageResponse.redirect("/login?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"))
            }
            page = found
        } catch {
            return Self.failure(error, page: nil)
        }
        do {
            return try await body(page)
        } catch {
            return Self.failure(error, page: page)
        }
    }

    /// A form post: a session, its CSRF token among the fields, a role that may post it
    /// (`reviewer`: reviewers and admins), then `body`.
    private func form(
        _ request: Request, _ context: ConsoleRequestContext, needs: ConsoleRole = .reviewer, _ body: (PageContext, [String: String]) async throws -> Response
    ) async throws -> Response {
        let raw = try await request.body.collect(upTo: context.maxUploadSize)
        let fields = LoginRoutes.form(String(buffer: raw))
        let page: PageContext
        do {
            guard let found = try await session(request) else { return PageResponse.redirect("/login") }
            page = found
        } catch {
            return Self.failure(error, page: nil)
        }
        guard fields["csrf"] == page.csrf else {
            return PageResponse.problem(.forbidden, "This form lacks its security token, so nothing was changed. Reload the page and try again.", page: page)
        }
        if needs == .admin, page.user.role != .admin {
            return PageResponse.problem(.forbidden, "\(page.user.name) is a \(page.user.role.rawValue): this needs the admin role. Nothing was changed.", page: page)
        }
        guard page.user.role.mayReview else {
            return PageResponse.problem(.forbidden, "\(page.user.name) is a viewer: reviewing needs the reviewer or admin role. Nothing was changed.", page: page)
        }
        do {
            return try await body(page, fields)
        } catch {
            return Self.failure(error, page: page)
        }
    }

    /// What a person sees instead of a stack trace.
    static func failure(_ error: any Error, page: PageContext?) -> Response {
        if let error = error as? APIError { return PageResponse.problem(error.status, error.message, page: page) }
        if let problem = DatabaseHealth.problem(from: error) {
            return PageResponse.problem(.serviceUnavailable, "PostgreSQL \(problem.description). Try again once it is back.", page: page)
        }
        if let error = error as? PostgresError, error.isConnectionError || error.message.contains("pool is closed") {
            return PageResponse.problem(.serviceUnavailable, "PostgreSQL cannot be reached. Try again in a moment.", page: page)
        }
        return PageResponse.problem(.internalServerError, "Something went wrong; the console's log says what.", page: page)
    }

    // MARK: Pages

    private func decisions(_ request: Request, _ page: PageContext) async throws -> Response {
        var parameters: [String: String] = [:]
        for (key, value) in request.uri.queryParameters where !value.isEmpty { parameters[String(key)] = String(value) }
        var context = page.base(title: "Decisions")
        for key in ["reason", "subject", "since", "until"] { context[key] = parameters[key] ?? "" }
        context["decisionOptions"] = Decision.allCases.map { ["value": $0.rawValue, "selected": parameters["decision"] == $0.rawValue] }
        context["nextActionOptions"] = NextAction.allCases.map { ["value": $0.rawValue, "selected": parameters["nextAction"] == $0.rawValue] }
        let query: DecisionListQuery
        do {
            var known = parameters.filter { DecisionListQuery.pageParameters.contains($0.key) }
            if known["limit"] == nil { known["limit"] = "50" }
            query = try DecisionListQuery(known)
        } catch {
            context["problem"] = error.message
            context["rows"] = [[String: Any]]()
            return PageResponse.render("decisions", context, status: .badRequest)
        }
        let sql = query.sql
        let rows = try await pool.withConnection { connection in
            try connection.query(sql).map { row in (try StoredDecision(row: row), row.string("cursor_at") ?? "") }
        }
        let shown = rows.prefix(query.limit)
        context["rows"] = shown.map { d, _ in
            [
                "processedAt": PageFormat.time(d.processedAt), "requestId": d.requestId, "path": APIRoutes.pathSegment(d.requestId),
                "subject": d.subject ?? "", "decision": d.decision.rawValue, "reasons": d.reasons.joined(separator: ", "),
                "nextAction": d.nextAction?.rawValue ?? "", "revision": d.revision,
            ] as [String: Any]
        }
        context["hasRows"] = !shown.isEmpty
        if rows.count > query.limit, let last = shown.last {
            var next = parameters
            next["cursor"] = DecisionListQuery.Cursor(processedAt: last.1, requestId: last.0.requestId).encoded
            context["older"] = "/?" + next.sorted { $0.key < $1.key }.map { "\($0.key)=\(PageFormat.queryValue($0.value))" }.joined(separator: "&")
        }
        return PageResponse.render("decisions", context)
    }

    private func decision(_ request: Request, _ page: PageContext, requestId: String) async throws -> Response {
        let found: (StoredDecision, PostgresRows, PostgresRows, PostgresRow?)? = try await pool.withConnection { connection in
            guard let row = try connection.query(ConsoleSQL.decision(requestId: requestId)).first else { return nil }
            return (
                try StoredDecision(row: row), try connection.query(ConsoleSQL.history(requestId: requestId)),
                try connection.query(ConsoleSQL.vendorCalls(requestId: requestId)),
                try connection.query(ConsoleSQL.pendingReview(requestId: requestId)).first
            )
        }
        guard let (d, history, calls, pending) = found else {
            return PageResponse.problem(.notFound, "There is no decision for request \(requestId).", page: page)
        }
        var context = page.base(title: "Request \(d.requestId)")
        if let notice = PageFormat.notice(request) { context["notice"] = notice }
        if let problem = PageFormat.refusalNotice(request) { context["problem"] = problem }
        context.merge([
            "requestId": d.requestId, "path": APIRoutes.pathSegment(d.requestId), "decision": d.decision.rawValue, "revision": d.revision,
            "nextAction": d.nextAction?.rawValue ?? "", "retryable": d.retryable, "subject": d.subject ?? "—", "journeyId": d.journeyId ?? "—",
            "processedAt": PageFormat.time(d.processedAt), "automatedDecision": d.automatedDecision.rawValue,
            "reasons": d.reasons.isEmpty ? "none" : d.reasons.joined(separator: ", "), "policyId": d.policy?.id ?? "—", "policyHash": d.policy?.hash ?? "",
            "vendor": [d.vendorStatus, d.vendorMessageCode, d.vendorHTTPStatus.map { "HTTP \($0)" }].compactMap { $0 }.joined(separator: ", "),
            "checks": d.checks.map { c in
                [
                    "check": c.check.rawValue, "field": c.check.field, "value": c.value.map(PageFormat.number) ?? "none", "rule": c.check.rule,
                    "threshold": PageFormat.number(c.threshold), "reviewBand": PageFormat.number(c.reviewBand), "outcome": c.outcome.rawValue,
                ]
            },
            "hasChecks": !d.checks.isEmpty,
            "calls": calls.map { row in
                var call: [String: Any] = [
                    "startedAt": row.date("started_at").map(PageFormat.time) ?? "", "endpoint": row.string("endpoint") ?? "",
                    "attempt": row.int("attempt") ?? 0, "outcome": row.string("outcome") ?? "",
                    "durationMs": PageFormat.milliseconds(row.double("duration_ms") ?? 0),
                ]
                // Absent keys, not nil values: mustache would print "nil".
                if let status = row.int("http_status") { call["httpStatus"] = status }
                if let code = row.string("error_code") { call["errorCode"] = code }
                return call
            },
            "hasCalls": !calls.isEmpty,
            "history": history.map { row in
                [
                    "revision": row.int("revision") ?? 0, "recordedAt": row.date("recorded_at").map(PageFormat.time) ?? "",
                    "decision": row.string("decision") ?? "", "nextAction": row.string("next_action") ?? "", "actor": row.string("actor") ?? "",
                    "confirmedBy": row.string("confirmed_by") ?? "", "reason": row.string("reason") ?? "",
                ] as [String: Any]
            },
        ]) { _, new in new }
        if let pending {
            context["pending"] = [
                "reviewId": pending.string("review_id") ?? "", "action": pending.string("action") ?? "",
                "reason": pending.string("reason") ?? "", "proposedBy": pending.string("proposed_by") ?? "",
                "proposedAt": pending.date("proposed_at").map(PageFormat.time) ?? "",
                "canSettle": page.user.role.mayReview && pending.string("proposed_by") != page.user.name,
            ] as [String: Any]
        } else if page.user.role.mayReview {
            context["reviewForm"] = true
        }
        if page.user.role.mayReview, images.sources != nil {
            let size = await images.bundleSize(requestId: d.requestId)
            context["images"] = ["bundle": size.map { "\($0) bytes" } ?? "cannot be loaded"]
        }
        return PageResponse.render("decision", context)
    }

    private func queue(_ request: Request, _ page: PageContext) async throws -> Response {
        let pageNumber = max(request.uri.queryParameters.get("page").flatMap(Int.init) ?? 1, 1)
        let perPage = 50
        let (rows, size) = try await pool.withConnection { connection in
            (try connection.query(ConsoleSQL.queue(limit: perPage, offset: (pageNumber - 1) * perPage)),
             try connection.query(ConsoleSQL.queueSize).first)
        }
        var context = page.base(title: "Review queue")
        if let notice = PageFormat.notice(request) { context["notice"] = notice }
        if let problem = PageFormat.refusalNotice(request) { context["problem"] = problem }
        context["depth"] = size?.int("depth") ?? 0
        if let oldest = size?.double("oldest_age_seconds") { context["oldest"] = PageFormat.age(oldest) }
        context["items"] = rows.map { row in
            var item: [String: Any] = [
                "requestId": row.string("request_id") ?? "", "path": APIRoutes.pathSegment(row.string("request_id") ?? ""),
                "subject": row.string("subject") ?? "", "decision": row.string("decision") ?? "",
                "reasons": (row.textArray("reasons") ?? []).joined(separator: ", "),
                "waitingSince": row.date("waiting_since").map(PageFormat.time) ?? "", "age": PageFormat.age(row.double("age_seconds") ?? 0),
            ]
            if let reviewId = row.string("review_id") {
                item["pending"] = [
                    "reviewId": reviewId, "action": row.string("proposed_action") ?? "", "reason": row.string("proposed_reason") ?? "",
                    "proposedBy": row.string("proposed_by") ?? "",
                    "canSettle": page.user.role.mayReview && row.string("proposed_by") != page.user.name,
                ] as [String: Any]
            }
            return item
        }
        context["hasItems"] = !rows.isEmpty
        if pageNumber * perPage < size?.int("depth") ?? 0 { context["next"] = "/review-queue?page=\(pageNumber + 1)" }
        if pageNumber > 1 { context["previous"] = "/review-queue?page=\(pageNumber - 1)" }
        return PageResponse.render("reviewQueue", context)
    }

    // MARK: Forms

    private func review(_ page: PageContext, _ fields: [String: String], requestId: String, address: String?) async throws -> Response {
        let back = "/decisions/" + APIRoutes.pathSegment(requestId)
        guard let action = fields["action"].flatMap(ReviewAction.init(rawValue:)) else {
            return PageResponse.redirect(back + "?refused=unknown_action")
        }
        guard case .success(let reason) = ReviewRules.normalizedReason(fields["reason"]) else {
            return PageResponse.redirect(back + "?refused=reason_missing")
        }
        guard let revision = fields["expectedRevision"].flatMap(Int.init) else { return PageResponse.redirect(back + "?refused=stale_revision") }
        let outcome = try await desk.review(
            requestId: requestId, action: action, reason: reason, expectedRevision: revision, reviewer: page.user, address: address)
        return PageResponse.redirect(back + PageFormat.outcomeQuery(outcome))
    }

    private func settle(_ page: PageContext, reviewId: String, confirming: Bool, address: String?) async throws -> Response {
        let outcome = try await desk.settle(reviewId: reviewId, confirming: confirming, by: page.user, address: address)
        if case .revised(let revised) = outcome {
            return PageResponse.redirect("/decisions/" + APIRoutes.pathSegment(revised.requestId) + PageFormat.outcomeQuery(outcome))
        }
        return PageResponse.redirect("/review-queue" + PageFormat.outcomeQuery(outcome))
    }
}
