import Foundation
import Postgres
import Verification
import Worker

/// The API's JSON for decisions and what belongs to them. Field names follow the events
/// (README, Events), so a client reads a decision the same way from Kafka and from here.
enum DecisionJSON {
    static func decision(_ d: StoredDecision) -> JSONFact {
        var o: [String: JSONFact] = [
            "requestId": .text(d.requestId), "journeyId": .optional(d.journeyId), "subject": .optional(d.subject),
            "decision": .text(d.decision.rawValue), "reasons": .array(d.reasons.map(JSONFact.text)),
            "scores": .object([
                "faceConfidence": .optional(d.scores.faceConfidence), "liveness": .optional(d.scores.liveness),
                "captureLiveness": .optional(d.scores.captureLiveness), "captureLivenessScore": .optional(d.scores.captureLivenessScore),
            ]),
            "vendor": .object([
                "status": .optional(d.vendorStatus), "messageCode": .optional(d.vendorMessageCode),
                "httpStatus": .optional(d.vendorHTTPStatus),
            ]),
            "attempts": .int(d.attempts), "processedAt": .text(Timestamp.format(d.processedAt)),
            "requestedAt": .optional(d.requestedAt.map(Timestamp.format)),
            "revision": .int(d.revision), "nextAction": .optional(d.nextAction?.rawValue), "retryable": .bool(d.retryable),
            "automatedDecision": .text(d.automatedDecision.rawValue),
            "reviewedAt": .optional(d.reviewedAt.map(Timestamp.format)), "reviewedBy": .optional(d.reviewedBy),
            "checks": .array(d.checks.map(check)),
        ]
        o["policy"] = d.policy.map { .object(["id": .text($0.id), "hash": .text($0.hash)]) } ?? .null
        if let t = d.thresholds {
            o["thresholds"] = .object([
                "faceConfidence": .number(t.faceConfidence), "liveness": .number(t.liveness),
                "captureLiveness": .number(t.captureLiveness), "faceConfidenceReviewBand": .number(t.faceConfidenceReviewBand),
                "livenessReviewBand": .number(t.livenessReviewBand), "captureLivenessReviewBand": .number(t.captureLivenessReviewBand),
            ])
        } else {
            o["thresholds"] = .null
        }
        return .object(o)
    }

    static func check(_ c: CheckOutcome) -> JSONFact {
        .object([
            "check": .text(c.check.rawValue), "field": .text(c.check.field), "value": .optional(c.value), "rule": .text(c.check.rule),
            "threshold": .number(c.threshold), "reviewBand": .number(c.reviewBand), "outcome": .text(c.outcome.rawValue),
        ])
    }

    static func history(_ row: PostgresRow) -> JSONFact {
        .object([
            "revision": .optional(row.int("revision")), "decision": .optional(row.string("decision")),
            "reasons": .array((row.textArray("reasons") ?? []).map(JSONFact.text)), "nextAction": .optional(row.string("next_action")),
            "retryable": .bool(row.bool("retryable") ?? false), "policyHash": .optional(row.string("policy_hash")),
            "action": .optional(row.string("action")), "actor": .optional(row.string("actor")), "reason": .optional(row.string("reason")),
            "confirmedBy": .optional(row.string("confirmed_by")), "reviewId": .optional(row.string("review_id")),
            "recordedAt": .optional(row.date("recorded_at").map(Timestamp.format)),
        ])
    }

    static func vendorCall(_ row: PostgresRow) -> JSONFact {
        .object([
            "endpoint": .optional(row.string("endpoint")), "attempt": .optional(row.int("attempt")),
            "startedAt": .optional(row.date("started_at").map(Timestamp.format)), "durationMs": .optional(row.double("duration_ms")),
            "httpStatus": .optional(row.int("http_status")), "outcome": .optional(row.string("outcome")),
            "errorCode": .optional(row.string("error_code")),
        ])
    }

    static func request(_ row: PostgresRow) -> JSONFact {
        .object([
            "images": .object([
                "idCard": .optional(row.string("image_id_card_uri")), "best": .optional(row.string("image_best_uri")),
                "mobileSdkData": .optional(row.string("image_mobile_sdk_data_uri")),
            ]),
            "requestedAt": .optional(row.date("requested_at").map(Timestamp.format)),
            "receivedAt": .optional(row.date("received_at").map(Timestamp.format)),
            "source": .object([
                "topic": .optional(row.string("kafka_topic")), "partition": .optional(row.int("kafka_partition")),
                "offset": .optional(row.int("kafka_offset")),
            ]),
            "processingRuns": .optional(row.int("processing_runs")), "vendorRuns": .optional(row.int("vendor_runs")),
        ])
    }

    static func pendingReview(_ row: PostgresRow) -> JSONFact {
        .object([
            "reviewId": .optional(row.string("review_id")), "onRevision": .optional(row.int("on_revision")),
            "action": .optional(row.string("action")), "reason": .optional(row.string("reason")),
            "proposedBy": .optional(row.string("proposed_by")), "proposedAt": .optional(row.date("proposed_at").map(Timestamp.format)),
        ])
    }

    static func queueItem(_ row: PostgresRow) -> JSONFact {
        var o: [String: JSONFact] = [
            "requestId": .optional(row.string("request_id")), "subject": .optional(row.string("subject")),
            "decision": .optional(row.string("decision")), "reasons": .array((row.textArray("reasons") ?? []).map(JSONFact.text)),
            "revision": .optional(row.int("revision")), "processedAt": .optional(row.date("processed_at").map(Timestamp.format)),
            "waitingSince": .optional(row.date("waiting_since").map(Timestamp.format)),
            "ageSeconds": .optional(row.double("age_seconds")),
        ]
        if let reviewId = row.string("review_id") {
            o["pendingReview"] = .object([
                "reviewId": .text(reviewId), "action": .optional(row.string("proposed_action")),
                "reason": .optional(row.string("proposed_reason")), "proposedBy": .optional(row.string("proposed_by")),
                "proposedAt": .optional(row.date("proposed_at").map(Timestamp.format)),
            ])
        } else {
            o["pendingReview"] = .null
        }
        return .object(o)
    }
}
