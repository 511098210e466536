import Foundation
import TestSupport
import Testing

@testable import Simulator

@Suite("OkayFace Plus v1", .offCooperativePool)
struct OkayFacePlusRouteTests {
    @Test("success has exactly the vendor's shape and real-looking numbers")
    func successShape() async throws {
        try await withSimulator { server in
            let journeyId = try await server.createJourney()
            let reply = try await server.verify(journeyId: journeyId)
            #expect(reply.status == 200)
            let json = reply.json
            #expect(Set(json.keys) == ["status", "messageCode", "imageBestLiveness", "imageBestCaptureLiveness", "result_idcard"])
            #expect(json["status"] as? String == "success")
            #expect(json["messageCode"] as? String == "api.success")
            let liveness = try #require(json["imageBestLiveness"] as? [String: Any])
            let capture = try #require(json["imageBestCaptureLiveness"] as? [String: Any])
            let match = try #require(json["result_idcard"] as? [String: Any])
            #expect(Set(liveness.keys) == ["probability"])
            #expect(Set(capture.keys) == ["probability", "score"])
            #expect(Set(match.keys) == ["confidence"])
            let p = try #require(liveness["probability"] as? Double)
            let q = try #require(capture["probability"] as? Double)
            let s = try #require(capture["score"] as? Double)
            let c = try #require(match["confidence"] as? Double)
            #expect((0...1).contains(p) && (0...1).contains(q) && (0...100).contains(c))
            #expect(abs(s) <= ScoreModel.scoreLimit)
            #expect(reply.body.hasPrefix(#"{"status":"success","messageCode":"api.success","imageBestLiveness":{"probability":"#))
        }
    }

    @Test("same bytes give the same body, across journeys and simulators")
    func deterministic() async throws {
        let idCard = Fixtures.jpeg(seed: 7)
        let best = Fixtures.png(seed: 8)
        let first = try await withSimulator { server in
            let a = try await server.verify(journeyId: try await server.createJourney(), idCard: idCard, best: best)
            let b = try await server.verify(journeyId: try await server.createJourney(), idCard: idCard, best: best)
            #expect(a.status == 200)
            #expect(a.body == b.body)
            let other = try await server.verify(journeyId: try await server.createJourney(), idCard: idCard, best: Fixtures.jpeg(seed: 9))
            #expect(other.body != a.body)
            return a.body
        }
        let second = try await withSimulator { server in
            try await server.verify(journeyId: try await server.createJourney(), idCard: idCard, best: best).body
        }
        #expect(first == second)
    }

    @Test("a missing or empty file part answers MISSING_ARGUMENTS", arguments: ["imageIdCard", "imageBest", "mobileSdkData", "empty"])
    func missingField(field: String) async throws {
        try await withSimulator { server in
            let journeyId = try await server.createJourney()
            let empty = Fixtures.file([])
            let reply: Curl.Reply
            switch field {
            case "imageIdCard": reply = try await server.verify(journeyId: journeyId, idCard: nil)
            case "imageBest": reply = try await server.verify(journeyId: journeyId, best: nil)
            case "mobileSdkData": reply = try await server.verify(journeyId: journeyId, sdk: nil)
            default: reply = try await server.verify(journeyId: journeyId, best: empty)
            }
            #expect(reply.status == 400)
            #expect(reply.body == #"{"status":"error","message":"MISSING_ARGUMENTS"}"#)
        }
    }

    @Test("a body that is not multipart answers MISSING_ARGUMENTS")
    func notMultipart() async throws {
        try await withSimulator { server in
            let reply = try await Curl.postJSON(server.okayFaceURL, #"{"journeyId":"x"}"#)
            #expect(reply.status == 400)
            #expect(reply.message == "MISSING_ARGUMENTS")
            let truncated = try await Curl.run([
                "-X", "POST", "-H", "Content-Type: multipart/form-data; boundary=abc",
                "--data-binary", "--abc\r\nContent-Disposition: form-data; name=\"journeyId\"\r\n\r\nx", server.okayFaceURL,
            ])
            #expect(truncated.message == "MISSING_ARGUMENTS")
        }
    }

    @Test("missing, unknown or expired journeys answer INVALID_JOURNEY_ID")
    func invalidJourney() async throws {
        try await withSimulator { server in
            let missing = try await server.verify(journeyId: nil)
            #expect(missing.status == 400)
            #expect(missing.body == #"{"status":"error","message":"INVALID_JOURNEY_ID"}"#)
            let unknown = try await server.verify(journeyId: UUID().uuidString.lowercased())
            #expect(unknown.message == "INVALID_JOURNEY_ID")

            let journeyId = try await server.createJourney()
            #expect(try await server.verify(journeyId: journeyId).status == 200)
            server.simulator.update { $0.journeyLifetime = .milliseconds(1) }
            try await Task.sleep(for: .milliseconds(5))
            let expired = try await server.verify(journeyId: journeyId)
            #expect(expired.message == "INVALID_JOURNEY_ID")
        }
    }

    @Test("images must be JPEG or PNG")
    func imageSniffing() async throws {
        try await withSimulator { server in
            let journeyId = try await server.createJourney()
            let gif = Fixtures.file(Array("GIF89a".utf8) + Fixtures.bytes(count: 100, seed: 3))
            let idCard = try await server.verify(journeyId: journeyId, idCard: gif)
            #expect(idCard.status == 400)
            #expect(idCard.body == #"{"status":"error","message":"UNRECOGNIZED_IMAGE"}"#)
            #expect(try await server.verify(journeyId: journeyId, best: gif).message == "UNRECOGNIZED_IMAGE")
            let png = try await server.verify(journeyId: journeyId, idCard: Fixtures.png(seed: 4), best: Fixtures.png(seed: 5))
            #expect(png.status == 200)
        }
    }

    @Test("checks run in order: sizes, fields, journey, image format")
    func checkOrder() async throws {
        try await withSimulator { server in
            let gif = Fixtures.file(Array("GIF89a".utf8))
            // A missing field wins over an unknown journey…
            let missing = try await server.verify(journeyId: "nope", best: nil)
            #expect(missing.message == "MISSING_ARGUMENTS")
            // …an unknown journey over an unrecognised image…
            let unknown = try await server.verify(journeyId: "nope", idCard: gif)
            #expect(unknown.message == "INVALID_JOURNEY_ID")
            // …and an oversized image over a missing field.
            let big = try await server.verify(journeyId: "nope", idCard: Fixtures.jpeg(seed: 6, size: 3 * 1024 * 1024 + 1), sdk: nil)
            #expect(big.message == "PAYLOAD_TOO_LARGE")
        }
    }

    @Test("an image over 3 MB answers PAYLOAD_TOO_LARGE; exactly 3 MB passes")
    func imageTooLarge() async throws {
        try await withSimulator { server in
            let journeyId = try await server.createJourney()
            let big = try await server.verify(journeyId: journeyId, best: Fixtures.jpeg(seed: 10, size: 3 * 1024 * 1024 + 1))
            #expect(big.status == 400)
            #expect(big.body == #"{"status":"error","message":"PAYLOAD_TOO_LARGE"}"#)
            let limit = try await server.verify(journeyId: journeyId, best: Fixtures.jpeg(seed: 10, size: 3 * 1024 * 1024))
            #expect(limit.status == 200)
        }
    }

    @Test("a request over 5 MB is refused, with or without Content-Length")
    func requestTooLarge() async throws {
        try await withSimulator { server in
            let journeyId = try await server.createJourney()
            let idCard = Fixtures.jpeg(seed: 11, size: 2_800_000)
            let best = Fixtures.jpeg(seed: 12, size: 2_800_000)
            let declared = try await server.verify(journeyId: journeyId, idCard: idCard, best: best)
            #expect(declared.status == 400)
            #expect(declared.body == #"{"status":"error","message":"Request size exceed 5MB."}"#)
            let chunked = try await server.verify(
                journeyId: journeyId, idCard: idCard, best: best, extraArguments: ["-H", "Transfer-Encoding: chunked"]
            )
            #expect(chunked.status == 400)
            #expect(chunked.message == "Request size exceed 5MB.")
            // The server is still healthy afterwards.
            #expect(try await server.verify(journeyId: journeyId).status == 200)
        }
    }
}
