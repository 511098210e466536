import Pipeline
import Foundation
import Testing
import Verification

struct VerificationCompletedTests {
    @Test func encodesTheContractShapeWithExplicitNulls() throws {
        let event = VerificationCompleted(
            requestId: "r1", journeyId: "j1", subject: nil, decision: .rejected, reasons: ["liveness_failed"],
            scores: Scores(faceConfidence: 100, liveness: 0.31, captureLiveness: nil, captureLivenessScore: nil),
            thresholds: .vendorRecommended,
            vendor: .init(status: "success", messageCode: "api.success", httpStatus: 200),
            attempts: 1, processedAt: Date(timeIntervalSince1970: 1_795_688_101.482))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(event.jsonBytes())) as? [String: Any])
        #expect(Set(object.keys) == [
            "schemaVersion", "requestId", "journeyId", "subject", "decision", "reasons", "scores", "thresholds", "vendor",
            "attempts", "processedAt", "revision", "policy", "checks", "nextAction", "retryable",
        ])
        // Revision 1 names no review; its next action follows from the decision.
        #expect(object["revision"] as? Int == 1)
        #expect(object["nextAction"] as? String == "stop")
        #expect(object["retryable"] as? Bool == false)
        #expect(object["policy"] is NSNull)
        #expect(object["schemaVersion"] as? Int == 1)
        #expect(object["subject"] is NSNull)
        #expect(object["decision"] as? String == "rejected")
        #expect(object["processedAt"] as? String == "2026-11-26T10:15:01.482Z")
        let scores = try #require(object["scores"] as? [String: Any])
        #expect(Set(scores.keys) == ["faceConfidence", "liveness", "captureLiveness", "captureLivenessScore"])
        #expect(scores["captureLiveness"] is NSNull)
        #expect(scores["liveness"] as? Double == 0.31)
        let thresholds = try #require(object["thresholds"] as? [String: Any])
        #expect(Set(thresholds.keys) == ["faceConfidence", "liveness", "captureLiveness"])
        let vendor = try #require(object["vendor"] as? [String: Any])
        #expect(vendor["httpStatus"] as? Int == 200)
    }

    @Test func roundTrips() throws {
        let event = VerificationCompleted(
            requestId: "r2", journeyId: nil, subject: "s", decision: .error, reasons: ["image_unavailable:best"],
            scores: .none, thresholds: Thresholds(faceConfidence: 80, liveness: 0.6, captureLiveness: 0.7, livenessReviewBand: 0.1),
            vendor: .init(status: nil, messageCode: nil, httpStatus: nil), attempts: 0,
            processedAt: Date(timeIntervalSince1970: 1_795_688_101.5))
        let decoded = try JSONDecoder().decode(VerificationCompleted.self, from: Data(event.jsonBytes()))
        #expect(decoded == event)
    }

    @Test("a reviewed revision: N + 1, the action's decision and next action, the review; the measurements kept")
    func reviewedRevision() throws {
        let policy = DecisionPolicy()
        let checks = [CheckOutcome.judge(.liveness, 0.31, threshold: 0.5, band: 0)]
        let first = VerificationCompleted(
            requestId: "r3", journeyId: "j3", subject: "s", decision: .rejected, reasons: ["liveness_failed"],
            scores: Scores(faceConfidence: 90, liveness: 0.31, captureLiveness: 0.9, captureLivenessScore: 3),
            thresholds: .vendorRecommended, vendor: .init(status: "success", messageCode: "api.success", httpStatus: 200),
            attempts: 1, processedAt: Date(timeIntervalSince1970: 1_795_688_101.5), policy: policy.reference, checks: checks)
        let at = Date(timeIntervalSince1970: 1_795_688_200.25)
        let second = first.reviewed(Review(action: .approve, reviewer: "alice", reason: "same person on a call", reviewedAt: at, confirmedBy: "bob"))
        #expect(second.revision == 2 && second.decision == .approved && second.nextAction == .proceed && !second.retryable)
        #expect(second.reasons == first.reasons && second.scores == first.scores && second.checks == checks && second.policy == policy.reference)
        let third = second.reviewed(Review(action: .requestRetake, reviewer: "carol", reason: "blurred", reviewedAt: at))
        #expect(third.revision == 3 && third.decision == .rejected && third.nextAction == .retakePhotos && third.retryable)

        let object = try #require(try JSONSerialization.jsonObject(with: Data(second.jsonBytes())) as? [String: Any])
        let review = try #require(object["review"] as? [String: Any])
        #expect(review["action"] as? String == "approve")
        #expect(review["reviewer"] as? String == "alice")
        #expect(review["confirmedBy"] as? String == "bob")
        #expect(review["reviewedAt"] as? String == "2026-11-26T10:16:40.250Z")
        let check = try #require((object["checks"] as? [[String: Any]])?.first)
        #expect(check["field"] as? String == "imageBestLiveness.probability")
        #expect(check["rule"] as? String == ">" && check["outcome"] as? String == "fail" && check["value"] as? Double == 0.31)
        #expect(try JSONDecoder().decode(VerificationCompleted.self, from: Data(second.jsonBytes())) == second)
    }

    @Test("an event of an earlier version (no revision, policy, checks) reads as revision 1 with its next action")
    func earlierVersionsEvent() throws {
        let old = """
            {"schemaVersion":1,"requestId":"r4","journeyId":null,"subject":null,"decision":"error","reasons":["vendor_error:FACE_TOO_SMALL"],
             "scores":{"faceConfidence":null,"liveness":null,"captureLiveness":null,"captureLivenessScore":null},
             "thresholds":{"faceConfidence":75,"liveness":0.5,"captureLiveness":0.5},
             "vendor":{"status":"error","messageCode":null,"httpStatus":200},"attempts":1,"processedAt":"2026-11-26T10:15:01.482Z"}
            """
        let event = try JSONDecoder().decode(VerificationCompleted.self, from: Data(old.utf8))
        #expect(event.revision == 1 && event.policy == nil && event.checks.isEmpty && event.review == nil)
        #expect(event.nextAction == .retakePhotos && event.retryable)
    }
}
