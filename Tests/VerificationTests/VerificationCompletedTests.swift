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
            "attempts", "processedAt",
        ])
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
}
