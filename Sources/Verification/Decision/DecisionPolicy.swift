/// Turns what the vendor measured into a decision (README, Decision policy).
///
/// Face match passes when `confidence >= threshold`; face and capture liveness pass only when
/// `probability > threshold`, so exactly 0.5 fails: the vendor's interpretation page, and the
/// stricter reading against fraud.
public struct DecisionPolicy: Sendable {
    public var thresholds: Thresholds

    public init(thresholds: Thresholds = .vendorRecommended) {
        self.thresholds = thresholds
    }

    /// What a decision is: the outcome, its reasons, and the numbers it was made on.
    public struct Verdict: Sendable, Equatable {
        public var decision: Decision
        public var reasons: [Reason]
        public var scores: Scores

        public init(decision: Decision, reasons: [Reason], scores: Scores) {
            self.decision = decision
            self.reasons = reasons
            self.scores = scores
        }
    }

    public func decide(_ readings: CheckReadings) -> Verdict {
        let scores = readings.scores

        if let code = readings.refusal {
            return Verdict(decision: .error, reasons: [Self.reason(forVendorCode: code)], scores: scores)
        }

        // A success answer must carry all three numbers; a check that carries `error` (often a
        // face-quality code such as FACE_TOO_SMALL) or nothing makes a decision impossible.
        let checks = [readings.faceConfidence, readings.liveness, readings.captureLiveness]
        if checks.contains(where: { $0.number == nil }) {
            var reasons = [Reason.incompleteVendorResponse]
            for case .error(let code) in checks where !reasons.contains(.vendorError(code)) {
                reasons.append(.vendorError(code))
            }
            return Verdict(decision: .error, reasons: reasons, scores: scores)
        }

        var failed: [Reason] = []
        var inReview: [Reason] = []
        classify(
            atLeast: scores.faceConfidence!, threshold: thresholds.faceConfidence,
            band: thresholds.faceConfidenceReviewBand, fail: .faceMismatch, review: .faceReview,
            failed: &failed, inReview: &inReview)
        classify(
            above: scores.liveness!, threshold: thresholds.liveness,
            band: thresholds.livenessReviewBand, fail: .livenessFailed, review: .livenessReview,
            failed: &failed, inReview: &inReview)
        classify(
            above: scores.captureLiveness!, threshold: thresholds.captureLiveness,
            band: thresholds.captureLivenessReviewBand, fail: .captureLivenessFailed,
            review: .captureLivenessReview, failed: &failed, inReview: &inReview)

        if !failed.isEmpty { return Verdict(decision: .rejected, reasons: failed, scores: scores) }
        if !inReview.isEmpty { return Verdict(decision: .review, reasons: inReview, scores: scores) }
        return Verdict(decision: .approved, reasons: [], scores: scores)
    }

    /// The reason word for a vendor error answer. The 5 MB refusal comes back as a sentence,
    /// not a code, and has a reason word of its own.
    public static func reason(forVendorCode code: String) -> Reason {
        if code.hasPrefix("Request size exceed") { return .requestTooLarge }
        return .vendorError(code)
    }

    /// Passes when `value >= threshold`; inside [threshold - band, threshold) it is review.
    private func classify(
        atLeast value: Double, threshold: Double, band: Double, fail: Reason, review: Reason,
        failed: inout [Reason], inReview: inout [Reason]
    ) {
        if value >= threshold { return }
        if band > 0, value >= threshold - band { inReview.append(review) } else { failed.append(fail) }
    }

    /// Passes when `value > threshold`; inside (threshold - band, threshold] it is review.
    private func classify(
        above value: Double, threshold: Double, band: Double, fail: Reason, review: Reason,
        failed: inout [Reason], inReview: inout [Reason]
    ) {
        if value > threshold { return }
        if band > 0, value > threshold - band { inReview.append(review) } else { failed.append(fail) }
    }
}
