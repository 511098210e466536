import Pipeline
import OkayFace
import Testing
import Verification

/// The decision boundaries of the README's Decision policy, driven through the real response parser.
struct DecisionPolicyTests {
    let policy = DecisionPolicy()

    func answer(confidence: String = "100.0", liveness: String = "0.92", capture: String = "1.0") -> OkayFacePlusResponse {
        let body = """
            {"status":"success","messageCode":"api.success",
             "imageBestLiveness":{"probability":\(liveness)},
             "imageBestCaptureLiveness":{"probability":\(capture),"score":0.17},
             "result_idcard":{"confidence":\(confidence)}}
            """
        return OkayFacePlusResponse.parse(httpStatus: 200, body: Array(body.utf8))
    }

    @Test func vendorSampleIsApproved() {
        let verdict = policy.decide(answer())
        #expect(verdict.decision == .approved)
        #expect(verdict.reasons.isEmpty)
        #expect(verdict.scores == Scores(faceConfidence: 100, liveness: 0.92, captureLiveness: 1, captureLivenessScore: 0.17))
    }

    @Test func confidenceOfExactly75Passes() {
        #expect(policy.decide(answer(confidence: "75")).decision == .approved)
        #expect(policy.decide(answer(confidence: "75.0")).decision == .approved)
    }

    @Test func confidenceJustBelow75Fails() {
        let verdict = policy.decide(answer(confidence: "74.9999"))
        #expect(verdict.decision == .rejected)
        #expect(verdict.reasons == ["face_mismatch"])
    }

    @Test func livenessOfExactlyHalfFails() {
        let verdict = policy.decide(answer(liveness: "0.5"))
        #expect(verdict.decision == .rejected)
        #expect(verdict.reasons == ["liveness_failed"])
        #expect(policy.decide(answer(liveness: "0.5000001")).decision == .approved)
    }

    @Test func captureLivenessOfExactlyHalfFails() {
        let verdict = policy.decide(answer(capture: "0.5"))
        #expect(verdict.decision == .rejected)
        #expect(verdict.reasons == ["capture_liveness_failed"])
    }

    @Test func integersAreAccepted() {
        let verdict = policy.decide(answer(confidence: "100", liveness: "1", capture: "1"))
        #expect(verdict.decision == .approved)
        #expect(verdict.scores.faceConfidence == 100)
        #expect(verdict.scores.liveness == 1)
        #expect(policy.decide(answer(liveness: "0")).reasons == ["liveness_failed"])
    }

    @Test func everyFailingCheckIsNamed() {
        let verdict = policy.decide(answer(confidence: "20", liveness: "0.1", capture: "0.31"))
        #expect(verdict.decision == .rejected)
        #expect(verdict.reasons == ["face_mismatch", "liveness_failed", "capture_liveness_failed"])
    }

    @Test func captureScoreIsNeverDecidedOn() {
        // A very negative linear score with a passing probability still approves.
        let body = """
            {"status":"success","messageCode":"api.success","imageBestLiveness":{"probability":0.9},
             "imageBestCaptureLiveness":{"probability":0.9,"score":-16.1},"result_idcard":{"confidence":90}}
            """
        let verdict = policy.decide(OkayFacePlusResponse.parse(httpStatus: 200, body: Array(body.utf8)))
        #expect(verdict.decision == .approved)
        #expect(verdict.scores.captureLivenessScore == -16.1)
    }

    @Test func errorInsideACheckIsIncomplete() {
        let body = """
            {"status":"success","messageCode":"api.success","imageBestLiveness":{"error":"FACE_TOO_SMALL"},
             "imageBestCaptureLiveness":{"probability":1.0,"score":0.1},"result_idcard":{"confidence":100.0}}
            """
        let verdict = policy.decide(OkayFacePlusResponse.parse(httpStatus: 200, body: Array(body.utf8)))
        #expect(verdict.decision == .error)
        #expect(verdict.reasons == ["incomplete_vendor_response", "vendor_error:FACE_TOO_SMALL"])
        #expect(verdict.scores.liveness == nil)
        #expect(verdict.scores.faceConfidence == 100)
    }

    @Test func missingCheckIsIncomplete() {
        let body = """
            {"status":"success","messageCode":"api.success",
             "imageBestCaptureLiveness":{"probability":1.0,"score":0.1},"result_idcard":{"confidence":100.0}}
            """
        let verdict = policy.decide(OkayFacePlusResponse.parse(httpStatus: 200, body: Array(body.utf8)))
        #expect(verdict.decision == .error)
        #expect(verdict.reasons == ["incomplete_vendor_response"])
    }

    @Test func checkWithoutItsNumberIsIncomplete() {
        let body = """
            {"status":"success","messageCode":"api.success","imageBestLiveness":{},
             "imageBestCaptureLiveness":{"probability":1.0},"result_idcard":{"confidence":100.0}}
            """
        let verdict = policy.decide(OkayFacePlusResponse.parse(httpStatus: 200, body: Array(body.utf8)))
        #expect(verdict.decision == .error)
        #expect(verdict.reasons == ["incomplete_vendor_response"])
    }

    @Test func vendorErrorCodeBecomesReason() {
        let response = OkayFacePlusResponse.parse(
            httpStatus: 400, body: Array(#"{"status":"error","message":"INVALID_JOURNEY_ID"}"#.utf8))
        let verdict = policy.decide(response)
        #expect(verdict.decision == .error)
        #expect(verdict.reasons == ["vendor_error:INVALID_JOURNEY_ID"])
    }

    @Test func faceQualityCodeInA200IsAVendorError() {
        let response = OkayFacePlusResponse.parse(
            httpStatus: 200, body: Array(#"{"status":"error","message":"FACE_NOT_FOUND"}"#.utf8))
        #expect(policy.decide(response).reasons == ["vendor_error:FACE_NOT_FOUND"])
    }

    @Test func sizeRefusalIsRequestTooLarge() {
        let response = OkayFacePlusResponse.parse(
            httpStatus: 400, body: Array(#"{"status":"error","message":"Request size exceed 5MB."}"#.utf8))
        #expect(policy.decide(response).reasons == ["request_too_large"])
    }

    @Test func reviewBandTurnsNearMissesIntoReview() {
        let banded = DecisionPolicy(thresholds: Thresholds(
            faceConfidence: 75, liveness: 0.5, captureLiveness: 0.5,
            faceConfidenceReviewBand: 10, livenessReviewBand: 0.1))
        #expect(banded.decide(answer(confidence: "70")) == .init(
            decision: .review, reasons: ["face_review"],
            scores: Scores(faceConfidence: 70, liveness: 0.92, captureLiveness: 1, captureLivenessScore: 0.17),
            checks: [
                CheckOutcome(check: .faceMatch, value: 70, threshold: 75, reviewBand: 10, outcome: .review),
                CheckOutcome(check: .liveness, value: 0.92, threshold: 0.5, reviewBand: 0.1, outcome: .pass),
                CheckOutcome(check: .captureLiveness, value: 1, threshold: 0.5, reviewBand: 0, outcome: .pass),
            ]))
        #expect(banded.decide(answer(confidence: "65")).decision == .review)
        #expect(banded.decide(answer(confidence: "64.9")).reasons == ["face_mismatch"])
        #expect(banded.decide(answer(liveness: "0.45")).reasons == ["liveness_review"])
        // Exactly threshold - band is outside the (strict) liveness band.
        #expect(banded.decide(answer(liveness: "0.4")).reasons == ["liveness_failed"])
        // A failure anywhere beats a review elsewhere.
        #expect(banded.decide(answer(confidence: "70", capture: "0.2")).decision == .rejected)
        // Without bands the same near miss is a rejection.
        #expect(policy.decide(answer(confidence: "70")).decision == .rejected)
    }
}
