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
    /// 1 for the worker's decision, N + 1 for each review after it (README, Human review).
    public var revision: Int
    /// The policy the automated decision was made by; nil only in events of earlier versions.
    public var policy: PolicyReference?
    /// How each check came out; empty when none could be judged (an image, a refusal).
    public var checks: [CheckOutcome]
    /// What the onboarding app should do next.
    public var nextAction: NextAction
    /// Who changed the decision and why; nil for revision 1.
    public var review: Review?

    /// Whether sending the request again (after the next action) can change the outcome.
    public var retryable: Bool { nextAction.retryable }

    public init(
        requestId: String, journeyId: String?, subject: String?, decision: Decision, reasons: [Reason],
        scores: Scores, thresholds: Thresholds, vendor: VendorSummary, attempts: Int, processedAt: Date,
        revision: Int = 1, policy: PolicyReference? = nil, checks: [CheckOutcome] = [], nextAction: NextAction? = nil,
        review: Review? = nil
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
        self.revision = revision
        self.policy = policy
        self.checks = checks
        self.nextAction = nextAction ?? NextAction.of(decision, reasons: reasons)
        self.review = review
    }

    /// The next revision: `review`'s action in force, everything the worker measured kept.
    /// The reasons stay the worker's (what the checks found); the review says what a person
    /// decided and why.
    public func reviewed(_ review: Review) -> VerificationCompleted {
        var next = self
        next.revision = revision + 1
        next.decision = review.action.decision
        next.nextAction = review.action.nextAction
        next.review = review
        return next
    }

    private enum CodingKeys: String, CodingKey {
        case schemaVersion, requestId, journeyId, subject, decision, reasons, scores, thresholds, vendor, attempts,
            processedAt, revision, policy, checks, nextAction, retryable, review
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
        try c.encode(revision, forKey: .revision)
        try c.encode(policy, forKey: .policy)
        try c.encode(checks, forKey: .checks)
        try c.encode(nextAction, forKey: .nextAction)
        try c.encode(retryable, forKey: .retryable)
        try c.encodeIfPresent(review, forKey: .review)
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
        // Events of earlier versions carry none of these: revision 1, the next action its table gives.
        revision = try c.decodeIfPresent(Int.self, forKey: .revision) ?? 1
        policy = try c.decodeIfPresent(PolicyReference.self, forKey: .policy)
        checks = try c.decodeIfPresent([CheckOutcome].self, forKey: .checks) ?? []
        nextAction = try c.decodeIfPresent(NextAction.self, forKey: .nextAction) ?? NextAction.of(decision, reasons: reasons)
        review = try c.decodeIfPresent(Review.self, forKey: .review)
    }

    /// The event's bytes as published (sorted keys, so equal events give equal bytes): the
    /// bytes `JSONEncoder` gives for ``encode(to:)`` with `.sortedKeys` and
    /// `.withoutEscapingSlashes`, written directly (``JSONText``; `JSONTextTests` compares).
    public func jsonBytes() -> [UInt8] {
        var j = JSONText(capacity: 1536)
        j.raw("{\"attempts\":")
        j.int(attempts)
        j.raw(",\"checks\":")
        CheckOutcome.write(checks, to: &j)
        j.raw(",\"decision\":")
        j.string(decision.rawValue)
        j.raw(",\"journeyId\":")
        j.string(journeyId)
        j.raw(",\"nextAction\":")
        j.string(nextAction.rawValue)
        j.raw(",\"policy\":")
        if let policy {
            j.raw("{\"hash\":")
            j.string(policy.hash)
            j.raw(",\"id\":")
            j.string(policy.id)
            j.raw("}")
        } else {
            j.null()
        }
        j.raw(",\"processedAt\":")
        j.string(Timestamp.format(processedAt))
        j.raw(",\"reasons\":")
        j.strings(reasons.map(\.word))
        j.raw(",\"requestId\":")
        j.string(requestId)
        j.raw(",\"retryable\":")
        j.bool(retryable)
        if let review {
            j.raw(",\"review\":{\"action\":")
            j.string(review.action.rawValue)
            j.raw(",\"confirmedBy\":")
            j.string(review.confirmedBy)
            j.raw(",\"reason\":")
            j.string(review.reason)
            j.raw(",\"reviewedAt\":")
            j.string(Timestamp.format(review.reviewedAt))
            j.raw(",\"reviewer\":")
            j.string(review.reviewer)
            j.raw("}")
        }
        j.raw(",\"revision\":")
        j.int(revision)
        j.raw(",\"schemaVersion\":")
        j.int(Self.schemaVersion)
        j.raw(",\"scores\":{\"captureLiveness\":")
        j.double(scores.captureLiveness)
        j.raw(",\"captureLivenessScore\":")
        j.double(scores.captureLivenessScore)
        j.raw(",\"faceConfidence\":")
        j.double(scores.faceConfidence)
        j.raw(",\"liveness\":")
        j.double(scores.liveness)
        j.raw("},\"subject\":")
        j.string(subject)
        j.raw(",\"thresholds\":")
        thresholds.write(to: &j)
        j.raw(",\"vendor\":{\"httpStatus\":")
        j.int(vendor.httpStatus)
        j.raw(",\"messageCode\":")
        j.string(vendor.messageCode)
        j.raw(",\"status\":")
        j.string(vendor.status)
        j.raw("}}")
        return j.bytes
    }
}
