import Digest

/// Turns what the vendor measured into a decision (README, Decision policy).
///
/// Face match passes when `confidence >= threshold`; face and capture liveness pass only when
/// `probability > threshold`, so exactly 0.5 fails: the vendor's interpretation page, and the
/// stricter reading against fraud.
public struct DecisionPolicy: Sendable {
    public let thresholds: Thresholds
    /// Which policy this is, named by `POLICY_ID`.
    public let id: String
    /// The policy as it is hashed and stored (`decision_policies`): see `PolicyDocument`.
    public let canonicalJSON: String
    /// `sha256:` and the hex SHA-256 of `canonicalJSON`: two decisions with the same hash were
    /// made by the same rules, whatever the policy was called.
    public let hash: String

    public init(thresholds: Thresholds = .vendorRecommended, id: String = "default") {
        self.thresholds = thresholds
        self.id = id
        canonicalJSON = PolicyDocument(thresholds: thresholds).canonicalJSON
        hash = "sha256:" + SHA256.hex(Array(canonicalJSON.utf8))
    }

    /// What a decision names of the policy it was made by.
    public var reference: PolicyReference { PolicyReference(id: id, hash: hash) }

    /// What a decision is: the outcome, its reasons, the numbers it was made on, and how each
    /// check came out (empty when no check could be judged: the images, the vendor's refusal).
    public struct Verdict: Sendable, Equatable {
        public var decision: Decision
        public var reasons: [Reason]
        public var scores: Scores
        public var checks: [CheckOutcome]

        public init(decision: Decision, reasons: [Reason], scores: Scores, checks: [CheckOutcome] = []) {
            self.decision = decision
            self.reasons = reasons
            self.scores = scores
            self.checks = checks
        }

        /// What the onboarding app should do next.
        public var nextAction: NextAction { NextAction.of(decision, reasons: reasons) }
    }

    public func decide(_ readings: CheckReadings) -> Verdict {
        let scores = readings.scores

        if let code = readings.refusal {
            return Verdict(decision: .error, reasons: [Self.reason(forVendorCode: code)], scores: scores)
        }

        let checks = [
            CheckOutcome.judge(
                .faceMatch, scores.faceConfidence, threshold: thresholds.faceConfidence, band: thresholds.faceConfidenceReviewBand),
            CheckOutcome.judge(.liveness, scores.liveness, threshold: thresholds.liveness, band: thresholds.livenessReviewBand),
            CheckOutcome.judge(
                .captureLiveness, scores.captureLiveness, threshold: thresholds.captureLiveness,
                band: thresholds.captureLivenessReviewBand),
        ]

        // A success answer must carry all three numbers; a check that carries `error` (often a
        // face-quality code such as FACE_TOO_SMALL) or nothing makes a decision impossible.
        if checks.contains(where: { $0.outcome == .missing }) {
            var reasons = [Reason.incompleteVendorResponse]
            for case .error(let code) in [readings.faceConfidence, readings.liveness, readings.captureLiveness]
            where !reasons.contains(.vendorError(code)) {
                reasons.append(.vendorError(code))
            }
            return Verdict(decision: .error, reasons: reasons, scores: scores, checks: checks)
        }

        let failed = checks.filter { $0.outcome == .fail }.map { Self.failure[$0.check]! }
        let inReview = checks.filter { $0.outcome == .review }.map { Self.review[$0.check]! }
        if !failed.isEmpty { return Verdict(decision: .rejected, reasons: failed, scores: scores, checks: checks) }
        if !inReview.isEmpty { return Verdict(decision: .review, reasons: inReview, scores: scores, checks: checks) }
        return Verdict(decision: .approved, reasons: [], scores: scores, checks: checks)
    }

    private static let failure: [CheckOutcome.Check: Reason] = [
        .faceMatch: .faceMismatch, .liveness: .livenessFailed, .captureLiveness: .captureLivenessFailed,
    ]
    private static let review: [CheckOutcome.Check: Reason] = [
        .faceMatch: .faceReview, .liveness: .livenessReview, .captureLiveness: .captureLivenessReview,
    ]

    /// The reason word for a vendor error answer. The 5 MB refusal comes back as a sentence,
    /// not a code, and has a reason word of its own.
    public static func reason(forVendorCode code: String) -> Reason {
        if code.hasPrefix("Request size exceed") { return .requestTooLarge }
        return .vendorError(code)
    }
}
