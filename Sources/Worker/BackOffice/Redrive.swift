import Foundation
import Kafka
import Logging
import Postgres
import Verification

/// `okayface-worker redrive` (README, Re-drive): decisions that ended retryable
/// (`retry_later`: the vendor was down, a deadline passed, a run kept failing) sent through
/// the workers again, from their stored request rows. Each is published to the requests
/// topic, key its requestId, with the header `redrive.of=<revision>`; the worker that takes it
/// runs it while that revision is still in force and retryable, and writes its decision as the
/// next revision of the same row (history in `decision_history`, action `redrive`). One
/// `redrives` row per re-driven revision, so a second redrive publishes nothing; each is
/// written to `audit_log`. Published before its row is written: a crash between the two
/// re-drives a request twice (the second finds its revision gone), never loses one.
public enum Redrive {
    /// The header that marks a re-drive, and the revision it re-drives.
    public static let header = "redrive.of"

    /// Which decisions a redrive takes.
    public struct Filter: Sendable {
        public var nextAction: NextAction
        /// Only decisions with this reason (`deadline_exceeded`, `vendor_unavailable`, …).
        public var reason: String?
        /// Only decisions made at or after.
        public var since: Date?

        public init(nextAction: NextAction = .retryLater, reason: String? = nil, since: Date? = nil) {
            self.nextAction = nextAction
            self.reason = reason
            self.since = since
        }
    }

    /// Why a redrive takes only `retry_later`: the others need something new first.
    public static func refusal(of nextAction: NextAction) -> String? {
        switch nextAction {
        case .retryLater: nil
        case .retakePhotos, .fixRequest:
            "\(nextAction.rawValue) needs new photos or a fixed request, which running the stored request again cannot give: only retry_later is re-driven"
        case .proceed, .stop, .awaitReview:
            "\(nextAction.rawValue) is not retryable: only retry_later is re-driven"
        }
    }

    /// A decision the filter took, and its stored request (nil when purged).
    public struct Candidate: Sendable {
        public var requestId: String
        public var revision: Int
        public var reasons: [String]
        public var processedAt: Date?
        /// The request event rebuilt from `verification_requests`; nil when the row is gone.
        public var event: [UInt8]?
        /// A `redrives` row exists for this revision.
        public var redrivenBefore: Bool
    }

    /// What became of one decision.
    public enum Step: String, Sendable, Equatable {
        case redriven = "re-driven"
        /// `--dry-run`: it would have been re-driven.
        case wouldRedrive = "would re-drive"
        case redrivenBefore = "skipped: re-driven before"
        case requestPurged = "skipped: its request row was purged"
    }

    public static func candidates(_ filter: Filter, on connection: PostgresConnection) throws -> [Candidate] {
        try connection.query(query(filter)).map { row in
            let requestId = row.string("request_id") ?? ""
            var event: [UInt8]?
            if row.string("stored") != nil {
                event = requestEvent(
                    requestId: requestId, journeyId: row.string("journey_id"), subject: row.string("subject"),
                    images: [
                        "idCard": row.string("image_id_card_uri") ?? "", "best": row.string("image_best_uri") ?? "",
                        "mobileSdkData": row.string("image_mobile_sdk_data_uri") ?? "",
                    ])
            }
            return Candidate(
                requestId: requestId, revision: row.int("revision") ?? 1, reasons: row.textArray("reasons") ?? [],
                processedAt: row.date("processed_at"), event: event, redrivenBefore: row.bool("redriven") ?? false)
        }
    }

    static func query(_ filter: Filter) -> PostgresQuery {
        """
        SELECT r.request_id, r.revision, r.reasons, r.processed_at, q.request_id AS stored, q.journey_id, q.subject,
               q.image_id_card_uri, q.image_best_uri, q.image_mobile_sdk_data_uri, (d.request_id IS NOT NULL) AS redriven
        FROM verification_results r
        LEFT JOIN verification_requests q ON q.request_id = r.request_id
        LEFT JOIN redrives d ON d.request_id = r.request_id AND d.from_revision = r.revision
        WHERE r.next_action = \(filter.nextAction.rawValue) AND r.retryable
          AND (\(filter.reason)::text IS NULL OR \(filter.reason)::text = ANY(r.reasons))
          AND (\(filter.since)::timestamptz IS NULL OR r.processed_at >= \(filter.since)::timestamptz)
        ORDER BY r.processed_at, r.request_id
        """
    }

    /// A VerificationRequested v1 event from the stored row. The journey the first run used is
    /// used again; `requestedAt` is left out, so `WORKER_MAX_REQUEST_AGE` counts from the
    /// re-drive rather than from a request that may be days old.
    public static func requestEvent(requestId: String, journeyId: String?, subject: String?, images: [String: String]) -> [UInt8] {
        var object: [String: Any] = ["schemaVersion": 1, "requestId": requestId, "images": images]
        if let journeyId { object["journeyId"] = journeyId }
        if let subject { object["subject"] = subject }
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }

    /// Re-drives `candidates` in order; each outcome beside its candidate.
    public static func run(
        _ candidates: [Candidate], producer: KafkaProducer, pool: PostgresPool, requestTopic: String, dryRun: Bool, actor: String
    ) async throws -> [(Candidate, Step)] {
        var outcomes: [(Candidate, Step)] = []
        for candidate in candidates {
            guard let event = candidate.event else { outcomes.append((candidate, .requestPurged)); continue }
            if candidate.redrivenBefore { outcomes.append((candidate, .redrivenBefore)); continue }
            if dryRun { outcomes.append((candidate, .wouldRedrive)); continue }
            _ = try await producer.send(
                topic: requestTopic, key: Array(candidate.requestId.utf8), value: event,
                headers: [KafkaHeader(key: header, value: Array(String(candidate.revision).utf8))])
            try await pool.transaction { connection in
                _ = try connection.query("""
                    INSERT INTO redrives (request_id, from_revision, reasons, requested_by)
                    VALUES (\(candidate.requestId), \(candidate.revision), \(candidate.reasons), \(actor))
                    ON CONFLICT DO NOTHING
                    """)
                try AuditEntry(
                    actor: actor, action: "redrive_requested", target: candidate.requestId, address: "cli",
                    detail: ["revision": String(candidate.revision), "reasons": candidate.reasons.joined(separator: ",")]
                ).write(on: connection)
            }
            outcomes.append((candidate, .redriven))
        }
        return outcomes
    }
}
