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

    /// The columns `init(row:)` reads, for a SELECT list.
    static let columns = """
        request_id, journey_id, subject, decision, reasons, face_confidence, liveness_probability,
        capture_liveness_probability, capture_liveness_score, vendor_http_status, vendor_message, attempts,
        requested_at, processed_at, thresholds
        """

    init(row: PostgresRow) throws {
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
    }
}
