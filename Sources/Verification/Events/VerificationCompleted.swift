import Foundation

/// VerificationCompleted v1, published on `okayface.verification.results` with key = requestId
/// (README, Events). Scores the vendor did not return are encoded as JSON `null`.
public struct VerificationCompleted: Sendable, Equatable, Codable {
    public static let schemaVersion = 1

    /// What the vendor answered on the last call, for the consumer's audit.
    public struct VendorSummary: Sendable, Equatable, Codable {
        public var status: String?
        public var messageCode: String?
        public var httpStatus: Int?

        public init(status: String?, messageCode: String?, httpStatus: Int?) {
            self.status = status
            self.messageCode = messageCode
            self.httpStatus = httpStatus
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(status, forKey: .status)
            try c.encode(messageCode, forKey: .messageCode)
            try c.encode(httpStatus, forKey: .httpStatus)
        }
    }

    public var requestId: String
    public var journeyId: String?
    public var subject: String?
    public var decision: Decision
    public var reasons: [Reason]
    public var scores: Scores
    public var thresholds: Thresholds
    public var vendor: VendorSummary
    /// OkayFace Plus calls made for this request (0 when it ended before the vendor).
    public var attempts: Int
    public var processedAt: Date

    public init(
        requestId: String, journeyId: String?, subject: String?, decision: Decision, reasons: [Reason],
        scores: Scores, thresholds: Thresholds, vendor: VendorSummary, attempts: Int, processedAt: Date
    ) {
        self.requestId = requestId
        self.journeyId = journeyId
        self.subject = subject
        self.decision = decision
        self.reasons = reasons
        self.scores = scores
        self.thresholds = thresholds
        self.vendor = vendor
        self.attempts = attempts
        self.processedAt = processedAt
    }

    private enum CodingKeys: String, CodingKey {
        case schemaVersion, requestId, journeyId, subject, decision, reasons, scores, thresholds, vendor, attempts,
            processedAt
    }

    private enum ScoreKeys: String, CodingKey {
        case faceConfidence, liveness, captureLiveness, captureLivenessScore
    }

    // Written by hand: the contract wants explicit nulls and RFC 3339 with milliseconds.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.schemaVersion, forKey: .schemaVersion)
        try c.encode(requestId, forKey: .requestId)
        try c.encode(journeyId, forKey: .journeyId)
        try c.encode(subject, forKey: .subject)
        try c.encode(decision, forKey: .decision)
        try c.encode(reasons.map(\.word), forKey: .reasons)
        var s = c.nestedContainer(keyedBy: ScoreKeys.self, forKey: .scores)
        try s.encode(scores.faceConfidence, forKey: .faceConfidence)
        try s.encode(scores.liveness, forKey: .liveness)
        try s.encode(scores.captureLiveness, forKey: .captureLiveness)
        try s.encode(scores.captureLivenessScore, forKey: .captureLivenessScore)
        try c.encode(thresholds, forKey: .thresholds)
        try c.encode(vendor, forKey: .vendor)
        try c.encode(attempts, forKey: .attempts)
        try c.encode(Timestamp.format(processedAt), forKey: .processedAt)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        requestId = try c.decode(String.self, forKey: .requestId)
        journeyId = try c.decodeIfPresent(String.self, forKey: .journeyId)
        subject = try c.decodeIfPresent(String.self, forKey: .subject)
        decision = try c.decode(Decision.self, forKey: .decision)
        reasons = try c.decode([String].self, forKey: .reasons).map { word in
            guard let reason = Reason(word: word) else {
                throw DecodingError.dataCorruptedError(forKey: .reasons, in: c, debugDescription: "unknown reason \(word)")
            }
            return reason
        }
        let s = try c.nestedContainer(keyedBy: ScoreKeys.self, forKey: .scores)
        scores = Scores(
            faceConfidence: try s.decodeIfPresent(Double.self, forKey: .faceConfidence),
            liveness: try s.decodeIfPresent(Double.self, forKey: .liveness),
            captureLiveness: try s.decodeIfPresent(Double.self, forKey: .captureLiveness),
            captureLivenessScore: try s.decodeIfPresent(Double.self, forKey: .captureLivenessScore))
        thresholds = try c.decode(Thresholds.self, forKey: .thresholds)
        vendor = try c.decode(VendorSummary.self, forKey: .vendor)
        attempts = try c.decode(Int.self, forKey: .attempts)
        let text = try c.decode(String.self, forKey: .processedAt)
        guard let date = Timestamp.parse(text) else {
            throw DecodingError.dataCorruptedError(forKey: .processedAt, in: c, debugDescription: "not RFC 3339")
        }
        processedAt = date
    }

    /// The event's bytes as published (sorted keys, so equal events give equal bytes).
    public func jsonBytes() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain values cannot fail; a failure here is a programming error.
        return Array(try! encoder.encode(self))
    }
}
