import Foundation
import Postgres
import Verification

/// The quality page's SQL: decisions per day, score histograms, and the what-if count.
enum QualitySQL {
    /// `day`, `decision`, `reason`, `decisions` since `since` (the view counts a decision once
    /// per reason, `none` for one without).
    static func daily(since: Date) -> PostgresQuery {
        """
        SELECT day::text AS day, decision, reason, decisions FROM daily_decision_counts
        WHERE day >= (\(since) AT TIME ZONE 'UTC')::date ORDER BY day, decision, reason
        """
    }

    /// `day`, `decision`, `n`: each decision counted once, for the chart.
    static func perDay(since: Date) -> PostgresQuery {
        """
        SELECT (date_trunc('day', processed_at AT TIME ZONE 'UTC'))::date::text AS day, decision, count(*) AS n
        FROM verification_results WHERE processed_at >= \(since) GROUP BY 1, 2 ORDER BY 1, 2
        """
    }

    /// `bucket` (1…`buckets`; 0 below `low`, `buckets + 1` at or above `high`) and `n` for one
    /// score column of the automated decisions since `since`.
    static func histogram(column: String, low: Double, high: Double, buckets: Int, since: Date) -> PostgresQuery {
        """
        SELECT width_bucket(\(unsafeSQL: column), \(low), \(high), \(buckets)::int) AS bucket, count(*) AS n
        FROM verification_results WHERE \(unsafeSQL: column) IS NOT NULL AND processed_at >= \(since)
        GROUP BY 1 ORDER BY 1
        """
    }

    /// How the automated decisions since `since` would come out under `t`: `was` (the worker's
    /// decision), `would` and `n`. Only decisions with all three scores are judged again (an
    /// `error` had none to judge); the rules are the policy's (README, Decision policy): face
    /// match passes at or above its threshold, liveness above it, a band below each gives review.
    static func whatIf(_ t: Thresholds, since: Date) -> PostgresQuery {
        """
        WITH judged AS (
            SELECT automated_decision AS was,
                CASE WHEN face_confidence >= \(t.faceConfidence) THEN 'pass'
                     WHEN \(t.faceConfidenceReviewBand) > 0 AND face_confidence >= \(t.faceConfidence) - \(t.faceConfidenceReviewBand) THEN 'review'
                     ELSE 'fail' END AS face,
                CASE WHEN liveness_probability > \(t.liveness) THEN 'pass'
                     WHEN \(t.livenessReviewBand) > 0 AND liveness_probability > \(t.liveness) - \(t.livenessReviewBand) THEN 'review'
                     ELSE 'fail' END AS live,
                CASE WHEN capture_liveness_probability > \(t.captureLiveness) THEN 'pass'
                     WHEN \(t.captureLivenessReviewBand) > 0 AND capture_liveness_probability > \(t.captureLiveness) - \(t.captureLivenessReviewBand) THEN 'review'
                     ELSE 'fail' END AS capture
            FROM verification_results
            WHERE processed_at >= \(since) AND automated_decision IN ('approved', 'rejected', 'review')
              AND face_confidence IS NOT NULL AND liveness_probability IS NOT NULL AND capture_liveness_probability IS NOT NULL
        )
        SELECT was,
               CASE WHEN 'fail' IN (face, live, capture) THEN 'rejected' WHEN 'review' IN (face, live, capture) THEN 'review'
                    ELSE 'approved' END AS would,
               count(*) AS n
        FROM judged GROUP BY 1, 2 ORDER BY 1, 2
        """
    }
}
