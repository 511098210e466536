import Foundation
import Postgres
import Verification
import Worker

/// The SQL of reviews: locks, proposals and the writes of a new revision.
enum ReviewSQL {
    /// Takes the decision's row lock; answers nothing but whether the row exists. Read the row
    /// in a later statement: in READ COMMITTED each statement sees what committed before it
    /// began, so after waiting for this lock the read sees the other reviewer's work.
    static func lockDecision(requestId: String) -> PostgresQuery {
        "SELECT 1 AS found FROM verification_results WHERE request_id = \(requestId) FOR UPDATE"
    }

    static func decision(requestId: String) -> PostgresQuery {
        """
            SELECT \(unsafeSQL: StoredDecision.columns),
            (SELECT review_id FROM review_proposals p WHERE p.request_id = v.request_id AND p.state = 'pending') AS pending_review_id
            FROM verification_results v WHERE request_id = \(requestId)
            """
    }

    static func propose(requestId: String, onRevision: Int, action: ReviewAction, reason: String, by user: String) -> PostgresQuery {
        """
        INSERT INTO review_proposals (request_id, on_revision, action, reason, proposed_by)
        VALUES (\(requestId), \(onRevision), \(action.rawValue), \(reason), \(user))
        RETURNING review_id, proposed_at
        """
    }

    static func lockProposal(reviewId: String) -> PostgresQuery {
        """
        SELECT review_id, request_id, on_revision, action, reason, proposed_by, proposed_at, state
        FROM review_proposals WHERE review_id = \(reviewId) FOR UPDATE
        """
    }

    static func settleProposal(reviewId: String, state: ReviewRules.Proposal.State, by user: String) -> PostgresQuery {
        """
        UPDATE review_proposals SET state = \(state.rawValue), settled_by = \(user), settled_at = now()
        WHERE review_id = \(reviewId)
        """
    }

    /// The new revision in force, its history row and its outbox row, in one statement.
    static func revise(
        _ revised: VerificationCompleted, reasons: [String], reviewId: String?, topic: String, payload: String
    ) -> PostgresQuery {
        let review = revised.review!
        return """
            WITH v AS (
                UPDATE verification_results
                SET decision = \(revised.decision.rawValue), next_action = \(revised.nextAction.rawValue),
                    retryable = \(revised.retryable), revision = \(revised.revision), reviewed_at = \(review.reviewedAt),
                    reviewed_by = \(review.reviewer)
                WHERE request_id = \(revised.requestId) AND revision = \(revised.revision - 1)
                RETURNING request_id, policy_hash),
            h AS (
                INSERT INTO decision_history (
                    request_id, revision, decision, reasons, next_action, retryable, policy_hash, action, actor, reason,
                    confirmed_by, review_id, recorded_at)
                SELECT request_id, \(revised.revision), \(revised.decision.rawValue), \(reasons), \(revised.nextAction.rawValue),
                       \(revised.retryable), policy_hash, \(review.action.rawValue), \(review.reviewer), \(review.reason),
                       \(review.confirmedBy), \(reviewId), \(review.reviewedAt)
                FROM v)
            INSERT INTO outbox (request_id, topic, payload)
            SELECT request_id, \(topic), \(payload) FROM v
            RETURNING id
            """
    }
}
