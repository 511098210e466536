import Foundation
import TestSupport
import Testing

@testable import Simulator

@Suite("simulate directives", .offCooperativePool)
struct SimulateDirectiveTests {
    @Test("given numbers are answered exactly")
    func exactNumbers() async throws {
        try await withSimulator { server in
            let reply = try await server.verify(simulate: #"{"faceConfidence":75,"liveness":0.5,"captureLiveness":0.9,"captureScore":0.1}"#)
            #expect(reply.status == 200)
            #expect(
                reply.body
                    == #"{"status":"success","messageCode":"api.success","imageBestLiveness":{"probability":0.5},"imageBestCaptureLiveness":{"probability":0.9,"score":0.1},"result_idcard":{"confidence":75.0}}"#
            )
        }
    }

    @Test("omitted numbers keep the deterministic default; a given probability implies its logit")
    func partialNumbers() async throws {
        try await withSimulator { server in
            let reply = try await server.verify(simulate: #"{"captureLiveness":0.5}"#)
            let capture = try #require(reply.json["imageBestCaptureLiveness"] as? [String: Any])
            #expect(capture["probability"] as? Double == 0.5)
            #expect(capture["score"] as? Double == 0)
            #expect(reply.json["result_idcard"] != nil)
        }
    }

    @Test("error directives answer the given error and status")
    func errors() async throws {
        try await withSimulator { server in
            let invalid = try await server.verify(simulate: #"{"error":"INVALID_JOURNEY_ID","httpStatus":400}"#)
            #expect(invalid.status == 400)
            #expect(invalid.body == #"{"status":"error","message":"INVALID_JOURNEY_ID"}"#)
            let defaulted = try await server.verify(simulate: #"{"error":"UNEXPECTED_ERROR"}"#)
            #expect(defaulted.status == 400)
            #expect(defaulted.message == "UNEXPECTED_ERROR")
            let quota = try await server.verify(simulate: #"{"error":"MAX_API_CALL_EXCEEDED","httpStatus":429}"#)
            #expect(quota.status == 429)
            let serverError = try await server.verify(simulate: #"{"error":"Internal Server Error"}"#)
            #expect(serverError.status == 500)
            #expect(serverError.body == #"{"status":"Internal Server Error"}"#)
        }
    }

    @Test("delayMs delays the answer")
    func delay() async throws {
        try await withSimulator { server in
            let journeyId = try await server.createJourney()
            let clock = ContinuousClock()
            let started = clock.now
            let reply = try await server.verify(simulate: #"{"delayMs":300}"#, journeyId: journeyId)
            #expect(reply.status == 200)
            #expect(clock.now - started >= .milliseconds(300))
        }
    }

    @Test("per-object errors replace the numbers inside a 200")
    func objectErrors() async throws {
        try await withSimulator { server in
            let reply = try await server.verify(
                simulate: #"{"livenessError":"FACE_TOO_SMALL","captureLivenessError":"EYES_CLOSED","faceConfidenceError":"FACE_NOT_FOUND"}"#
            )
            #expect(reply.status == 200)
            #expect(
                reply.body
                    == #"{"status":"success","messageCode":"api.success","imageBestLiveness":{"error":"FACE_TOO_SMALL"},"imageBestCaptureLiveness":{"error":"EYES_CLOSED"},"result_idcard":{"error":"FACE_NOT_FOUND"}}"#
            )
        }
    }

    @Test("omit leaves objects out")
    func omit() async throws {
        try await withSimulator { server in
            let reply = try await server.verify(simulate: #"{"omit":["liveness","faceConfidence"]}"#)
            #expect(reply.status == 200)
            #expect(Set(reply.json.keys) == ["status", "messageCode", "imageBestCaptureLiveness"])
        }
    }

    @Test("intScores writes whole numbers as integers")
    func intScores() async throws {
        try await withSimulator { server in
            let reply = try await server.verify(
                simulate: #"{"intScores":true,"faceConfidence":100,"liveness":1,"captureLiveness":0.75,"captureScore":2}"#
            )
            #expect(reply.body.contains(#""result_idcard":{"confidence":100}"#))
            #expect(reply.body.contains(#""imageBestLiveness":{"probability":1}"#))
            #expect(reply.body.contains(#""imageBestCaptureLiveness":{"probability":0.75,"score":2}"#))
        }
    }

    @Test("failFirst answers transient failures, then normally", arguments: [503, 500, 429])
    func failFirst(status: Int) async throws {
        try await withSimulator { server in
            let journeyId = try await server.createJourney()
            let directive = #"{"failFirst":2,"failStatus":\#(status),"faceConfidence":90}"#
            var replies: [Curl.Reply] = []
            for _ in 0..<3 {
                replies.append(try await server.verify(simulate: directive, journeyId: journeyId))
            }
            #expect(replies.map(\.status) == [status, status, 200])
            switch status {
            case 503:
                let body = replies[0].json
                #expect(body["status"] as? Int == 503)
                #expect(body["error"] as? String == "Service Unavailable")
                #expect(body["path"] as? String == "/api/ekyc/okayface-plus/v1")
                #expect(body["timestamp"] is String)
            case 500: #expect(replies[0].body == #"{"status":"Internal Server Error"}"#)
            default: #expect(replies[0].body == #"{"status":"error","message":"MAX_API_CALL_EXCEEDED"}"#)
            }
            #expect(server.simulator.stats().callsPerJourney[journeyId] == 3)
        }
    }

    @Test("failFirst counts per key, which defaults to the journeyId")
    func failFirstKey() async throws {
        try await withSimulator { server in
            // Same explicit key on two journeys: one failure in total.
            let keyed = #"{"failFirst":1,"key":"k1"}"#
            let keyedStatuses = [try await server.verify(simulate: keyed).status, try await server.verify(simulate: keyed).status]
            #expect(keyedStatuses == [503, 200])
            // No key: each journey fails once.
            let perJourney = #"{"failFirst":1}"#
            let perJourneyStatuses = [try await server.verify(simulate: perJourney).status, try await server.verify(simulate: perJourney).status]
            #expect(perJourneyStatuses == [503, 503])
        }
    }

    @Test("request checks still apply before a directive")
    func checksBeforeDirective() async throws {
        try await withSimulator { server in
            let reply = try await server.verify(journeyId: "unknown", sdk: Fixtures.sdkData(#"{"simulate":{"faceConfidence":99}}"#))
            #expect(reply.message == "INVALID_JOURNEY_ID")
        }
    }

    @Test("directive parsing")
    func parsing() throws {
        #expect(try SimulateDirective.parse(mobileSdkData: .init(string: #" {"simulate":{"delayMs":5,"omit":["liveness"]}}"#))
            == SimulateDirective(delayMs: 5, omit: ["liveness"]))
        #expect(try SimulateDirective.parse(mobileSdkData: .init(string: #"{"sdkVersion":"3.1"}"#)) == nil)
        #expect(try SimulateDirective.parse(mobileSdkData: .init(string: "opaque bundle")) == nil)
        #expect(throws: (any Error).self) {
            try SimulateDirective.parse(mobileSdkData: .init(string: #"{"simulate":{"faceConfidence":"high"}}"#))
        }
    }
}
