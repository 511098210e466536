import Testing
import Verification

/// Every row of the next-action table, and the order in which an `error` decision's reasons
/// choose between them.
struct NextActionTests {
    @Test(arguments: [
        (Decision.approved, [Reason](), NextAction.proceed),
        (.rejected, [.faceMismatch], .stop),
        (.rejected, [.livenessFailed, .captureLivenessFailed], .stop),
        (.review, [.faceReview], .awaitReview),
        (.review, [.livenessReview, .captureLivenessReview], .awaitReview),
    ])
    func decidedOutcomes(_ decision: Decision, _ reasons: [Reason], _ expected: NextAction) {
        #expect(NextAction.of(decision, reasons: reasons) == expected)
    }

    @Test(arguments: NextAction.retakeCodes.sorted())
    func faceQualityAndUnusableImageCodesAskForNewPhotos(_ code: String) {
        #expect(NextAction.of(.error, reasons: [.vendorError(code)]) == .retakePhotos)
    }

    @Test func everyErrorReasonHasItsRow() {
        let rows: [(Reason, NextAction)] = [
            (.imageInvalid(.idCard), .retakePhotos), (.imageInvalid(.best), .retakePhotos),
            (.vendorUnavailable, .retryLater), (.deadlineExceeded, .retryLater), (.processingFailed, .retryLater),
            (.imageUnavailable(.idCard), .fixRequest), (.imageUnavailable(.best), .fixRequest),
            (.imageUnavailable(.mobileSdkData), .fixRequest), (.imageForbidden(.idCard), .fixRequest),
            (.imageForbidden(.mobileSdkData), .fixRequest), (.imageInvalid(.mobileSdkData), .fixRequest),
            (.requestTooLarge, .fixRequest), (.vendorError("INVALID_JOURNEY_ID"), .fixRequest),
            (.vendorError("MISSING_ARGUMENTS"), .fixRequest), (.vendorError("SOMETHING_NEW"), .fixRequest),
            (.incompleteVendorResponse, .retryLater),
        ]
        for (reason, expected) in rows {
            #expect(NextAction.of(.error, reasons: [reason]) == expected, "\(reason.word)")
        }
    }

    @Test func retakePhotosWinsOverFixRequestWhichWinsOverRetryLater() {
        #expect(NextAction.of(.error, reasons: [.vendorUnavailable, .imageForbidden(.idCard), .imageInvalid(.best)]) == .retakePhotos)
        #expect(NextAction.of(.error, reasons: [.deadlineExceeded, .imageUnavailable(.best)]) == .fixRequest)
        #expect(NextAction.of(.error, reasons: [.incompleteVendorResponse, .vendorError("FACE_TOO_SMALL")]) == .retakePhotos)
        #expect(NextAction.of(.error, reasons: [.processingFailed]) == .retryLater)
        #expect(NextAction.of(.error, reasons: []) == .retryLater)
    }

    @Test func onlyActionsThatCanChangeTheOutcomeAreRetryable() {
        #expect(NextAction.allCases.filter(\.retryable) == [.retakePhotos, .retryLater, .fixRequest])
        #expect(NextAction.allCases.map(\.rawValue) == ["proceed", "stop", "await_review", "retake_photos", "retry_later", "fix_request"])
    }

    @Test func aDecisionExplainsEachCheck() {
        let policy = DecisionPolicy(thresholds: Thresholds(faceConfidence: 75, liveness: 0.5, captureLiveness: 0.5, livenessReviewBand: 0.1))
        let verdict = policy.decide(CheckReadings(faceConfidence: .value(88), liveness: .value(0.45), captureLiveness: .value(0.3)))
        #expect(verdict.decision == .rejected)
        #expect(verdict.reasons == [.captureLivenessFailed])
        #expect(verdict.nextAction == .stop)
        #expect(verdict.checks == [
            CheckOutcome(check: .faceMatch, value: 88, threshold: 75, reviewBand: 0, outcome: .pass),
            CheckOutcome(check: .liveness, value: 0.45, threshold: 0.5, reviewBand: 0.1, outcome: .review),
            CheckOutcome(check: .captureLiveness, value: 0.3, threshold: 0.5, reviewBand: 0, outcome: .fail),
        ])
        #expect(verdict.checks.map(\.check.field) == [
            "result_idcard.confidence", "imageBestLiveness.probability", "imageBestCaptureLiveness.probability",
        ])
        #expect(verdict.checks.map(\.check.rule) == [">=", ">", ">"])

        let incomplete = policy.decide(CheckReadings(faceConfidence: .value(90), liveness: .error("FACE_TOO_SMALL"), captureLiveness: .missing))
        #expect(incomplete.checks.map(\.outcome) == [.pass, .missing, .missing])
        #expect(incomplete.nextAction == .retakePhotos)
    }
}
