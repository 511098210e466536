import Foundation
import Postgres
import Verification

/// One row of `verification_results` as the back office reads it: typed, so a report never
/// reaches into a row by column name.
public struct StoredDecision: Sendable, Equatable {
    public var requestId: String
    public var journeyId: String?
    public var subject: String?
    public var decision: Decision
    /// The reason words as stored (a word a newer worker wrote is kept, not dropped).
    public var reasons: [String]
    public var scores: Scores
    /// Nil only for a row whose `thresholds` does not parse.
    public var thresholds: Thresholds?
    public var vendorHTTPStatus: Int?
    public var vendorMessage: String?
    public var attempts: Int
    public var requestedAt: Date?
    public var processedAt: Date
    /// The revision in force: 1 is the worker's, each review adds one.
    public var revision: Int
    public var policy: PolicyReference?
    public var checks: [CheckOutcome]
    /// As stored; nil only for a word a newer version wrote.
    public var nextAction: NextAction?
    public var retryable: Bool
    /// What the worker decided; `decision` is what is in force.
    public var automatedDecision: Decision
    public var vendorStatus: String?
    public var vendorMessageCode: String?
    public var reviewedAt: Date?
    public var reviewedBy: String?

    /// The columns `init(row:)` reads, for a SELECT list.
    public static let columns = """
        request_id, journey_id, subject, decision, reasons, face_confidence, liveness_probability,
        capture_liveness_probability, capture_liveness_score, vendor_http_status, vendor_message, attempts,
        requested_at, processed_at, thresholds, revision, policy_id, policy_hash, checks, next_action, retryable,
        automated_decision, vendor_status, vendor_message_code, reviewed_at, reviewed_by
        """

    public init(row: PostgresRow) throws {
        guard let requestId = row.string("request_id"), let decision = row.string("decision").flatMap(Decision.init(rawValue:)),
              let attempts = row.int("attempts"), let processedAt = row.date("processed_at")
        else { throw PostgresError(message: "a verification_results row lacks request_id, decision, attempts or processed_at") }
        self.requestId = requestId
        journeyId = row.string("journey_id")
        subject = row.string("subject")
        self.decision = decision
        reasons = row.textArray("reasons") ?? []
        scores = Scores(
            faceConfidence: row.double("face_confidence"), liveness: row.double("liveness_probability"),
            captureLiveness: row.double("capture_liveness_probability"), captureLivenessScore: row.double("capture_liveness_score"))
        thresholds = row.string("thresholds").flatMap { try? JSONDecoder().decode(Thresholds.self, from: Data($0.utf8)) }
        vendorHTTPStatus = row.int("vendor_http_status")
        vendorMessage = row.string("vendor_message")
        self.attempts = attempts
        requestedAt = row.date("requested_at")
        self.processedAt = processedAt
        revision = row.int("revision") ?? 1
        if let id = row.string("policy_id"), let hash = row.string("policy_hash") { policy = PolicyReference(id: id, hash: hash) }
        checks = row.string("checks").flatMap { try? JSONDecoder().decode([CheckOutcome].self, from: Data($0.utf8)) } ?? []
        nextAction = row.string("next_action").flatMap(NextAction.init(rawValue:))
        retryable = row.bool("retryable") ?? false
        automatedDecision = row.string("automated_decision").flatMap(Decision.init(rawValue:)) ?? decision
        vendorStatus = row.string("vendor_status")
        vendorMessageCode = row.string("vendor_message_code")
        reviewedAt = row.date("reviewed_at")
        reviewedBy = row.string("reviewed_by")
    }

    /// The decision as its event carries it (what a review's new revision starts from). A
    /// reason word this version does not know is left out; the row keeps it.
    public var event: VerificationCompleted {
        VerificationCompleted(
            requestId: requestId, journeyId: journeyId, subject: subject, decision: decision,
            reasons: reasons.compactMap(Reason.init(word:)), scores: scores, thresholds: thresholds ?? .vendorRecommended,
            vendor: .init(
                status: vendorStatus, messageCode: vendorMessageCode, httpStatus: vendorHTTPStatus),
            attempts: attempts, processedAt: processedAt, revision: revision, policy: policy, checks: checks,
            nextAction: nextAction)
    }
}
