import Foundation
import Logging
import Metrics
import Pipeline
import Postgres
import Verification
import Worker

/// Where reviews are made: each action is one transaction that locks the decision, asks
/// `ReviewRules` what to do, and does it: a new revision with its history row, its outbox row
/// and its audit row; or a pending four-eyes proposal; or nothing and why. A new revision is
/// handed to `publisher` once committed; the outbox keeps it until Kafka has it.
public struct ReviewDesk: Sendable {
    /// What an action came to.
    public enum Outcome: Sendable {
        /// A new revision is in force.
        case revised(VerificationCompleted)
        /// Waiting for a second reviewer.
        case proposed(reviewId: String, onRevision: Int, proposedAt: Date)
        /// A four-eyes action declined; the decision is unchanged.
        case declined(reviewId: String)
        case refused(ReviewRules.Refusal)
        case notFound
    }

    public var pool: PostgresPool
    public var rules: ReviewRules
    public var resultTopic: String
    public var publisher: (any ResultPublisher)?
    public var logger: Logger

    public init(pool: PostgresPool, rules: ReviewRules, resultTopic: String, publisher: (any ResultPublisher)?, logger: Logger) {
        self.pool = pool
        self.rules = rules
        self.resultTopic = resultTopic
        self.publisher = publisher
        self.logger = logger
    }

    /// `reviewer`'s `action` on the decision of `requestId`, made on `expectedRevision`.
    public func review(
        requestId: String, action: ReviewAction, reason: String, expectedRevision: Int, reviewer: ConsoleUser, address: String?
    ) async throws -> Outcome {
        let (rules, topic) = (self.rules, resultTopic)
        let (outcome, entry): (Outcome, OutboxEntry?) = try await pool.transaction { connection in
            guard try connection.query(ReviewSQL.lockDecision(requestId: requestId)).first != nil,
                  let row = try connection.query(ReviewSQL.decision(requestId: requestId)).first
            else { return (.notFound, nil) }
            let stored = try StoredDecision(row: row)
            let current = ReviewRules.Current(
                decision: stored.decision, revision: stored.revision, pendingReviewId: row.string("pending_review_id"))
            switch rules.review(action, expectedRevision: expectedRevision, on: current) {
            case .refuse(let why):
                return (.refused(why), nil)
            case .awaitSecondReviewer:
                // The row lock orders proposals; the unique index on pending ones is the last guard.
                let proposed = try connection.query(ReviewSQL.propose(
                    requestId: requestId, onRevision: stored.revision, action: action, reason: reason, by: reviewer.name))
                guard let reviewId = proposed.first?.string("review_id"), let at = proposed.first?.date("proposed_at") else {
                    throw PostgresError(message: "the proposal insert returned no review_id")
                }
                try AuditEntry(
                    actor: reviewer.name, action: "review_proposed", target: requestId, address: address,
                    detail: ["reviewId": reviewId, "action": action.rawValue, "onRevision": "\(stored.revision)", "reason": reason]
                ).write(on: connection)
                return (.proposed(reviewId: reviewId, onRevision: stored.revision, proposedAt: at), nil)
            case .apply:
                let review = Review(action: action, reviewer: reviewer.name, reason: reason, reviewedAt: Date())
                let (revised, entry) = try Self.revise(stored, with: review, reviewId: nil, topic: topic, on: connection)
                try AuditEntry(
                    actor: reviewer.name, action: "review", target: requestId, address: address,
                    detail: ["action": action.rawValue, "revision": "\(revised.revision)", "reason": reason]
                ).write(on: connection)
                return (.revised(revised), entry)
            }
        }
        finish(outcome, entry: entry, action: action)
        return outcome
    }

    /// `user` confirms (`confirming`) or declines the pending action `reviewId`.
    public func settle(reviewId: String, confirming: Bool, by user: ConsoleUser, address: String?) async throws -> Outcome {
        let (rules, topic) = (self.rules, resultTopic)
        let (outcome, entry, action): (Outcome, OutboxEntry?, ReviewAction?) = try await pool.transaction { connection in
            guard UUID(uuidString: reviewId) != nil, let p = try connection.query(ReviewSQL.lockProposal(reviewId: reviewId)).first,
                  let requestId = p.string("request_id"), let onRevision = p.int("on_revision"),
                  let action = p.string("action").flatMap(ReviewAction.init(rawValue:)), let reason = p.string("reason"),
                  let proposedBy = p.string("proposed_by"),
                  let state = p.string("state").flatMap(ReviewRules.Proposal.State.init(rawValue:))
            else { return (.notFound, nil, nil) }
            guard try connection.query(ReviewSQL.lockDecision(requestId: requestId)).first != nil,
                  let row = try connection.query(ReviewSQL.decision(requestId: requestId)).first
            else { return (.notFound, nil, nil) }
            let stored = try StoredDecision(row: row)
            let proposal = ReviewRules.Proposal(proposedBy: proposedBy, onRevision: onRevision, state: state)
            switch rules.settle(proposal, by: user.name, currentRevision: stored.revision, confirming: confirming) {
            case .refuse(let why):
                return (.refused(why), nil, action)
            case .awaitSecondReviewer:
                preconditionFailure("settling never waits for another reviewer")
            case .apply:
                _ = try connection.query(ReviewSQL.settleProposal(reviewId: reviewId, state: confirming ? .confirmed : .declined, by: user.name))
                guard confirming else {
                    try AuditEntry(
                        actor: user.name, action: "review_declined", target: requestId, address: address,
                        detail: ["reviewId": reviewId, "action": action.rawValue, "proposedBy": proposedBy]
                    ).write(on: connection)
                    return (.declined(reviewId: reviewId), nil, action)
                }
                let review = Review(action: action, reviewer: proposedBy, reason: reason, reviewedAt: Date(), confirmedBy: user.name)
                let (revised, entry) = try Self.revise(stored, with: review, reviewId: reviewId, topic: topic, on: connection)
                try AuditEntry(
                    actor: user.name, action: "review_confirmed", target: requestId, address: address,
                    detail: ["reviewId": reviewId, "action": action.rawValue, "proposedBy": proposedBy, "revision": "\(revised.revision)"]
                ).write(on: connection)
                return (.revised(revised), entry, action)
            }
        }
        if let action { finish(outcome, entry: entry, action: action) }
        return outcome
    }

    /// Writes the next revision of `stored` and its history and outbox rows.
    private static func revise(
        _ stored: StoredDecision, with review: Review, reviewId: String?, topic: String, on connection: PostgresConnection
    ) throws -> (VerificationCompleted, OutboxEntry) {
        let revised = stored.event.reviewed(review)
        let payload = revised.jsonBytes()
        let rows = try connection.query(ReviewSQL.revise(
            revised, reasons: stored.reasons, reviewId: reviewId, topic: topic, payload: String(decoding: payload, as: UTF8.self)))
        guard let id = rows.first?.int("id") else {
            // The revision moved under the lock: impossible unless the row lock was not held.
            throw PostgresError(message: "the decision of \(stored.requestId) changed during its review")
        }
        return (revised, OutboxEntry(id: Int64(id), requestId: stored.requestId, topic: topic, payload: payload))
    }

    private func finish(_ outcome: Outcome, entry: OutboxEntry?, action: ReviewAction) {
        let step: String
        switch outcome {
        case .revised(let revised):
            step = revised.review?.confirmedBy == nil ? "applied" : "confirmed"
            logger.notice(
                "decision revised",
                metadata: [
                    "requestId": "\(revised.requestId)", "revision": "\(revised.revision)", "decision": "\(revised.decision.rawValue)",
                    "reviewer": "\(revised.review?.reviewer ?? "")", "confirmedBy": "\(revised.review?.confirmedBy ?? "")",
                ])
        case .proposed: step = "proposed"
        case .declined: step = "declined"
        case .refused, .notFound: return
        }
        Counter(label: "okayface_reviews_total", dimensions: [("action", action.rawValue), ("step", step)]).increment()
        if let entry { publisher?.publishCommitted([entry]) }
    }
}
