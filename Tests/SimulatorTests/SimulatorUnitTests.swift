import Foundation
import Hummingbird
import TestSupport
import Testing

@testable import Simulator

@Suite("ScoreModel", .offCooperativePool)
struct ScoreModelTests {
    @Test("numbers follow the documented distribution")
    func distribution() {
        let samples = 2000
        var matches = 0, live = 0, captured = 0
        for seed in 0..<samples {
            let idCard = ByteBuffer(bytes: Fixtures.bytes(count: 32, seed: UInt64(seed)))
            let best = ByteBuffer(bytes: Fixtures.bytes(count: 32, seed: UInt64(seed) + 100_000))
            let scores = ScoreModel.scores(imageIdCard: idCard, imageBest: best, mobileSdkData: ByteBuffer(string: "sdk"))
            #expect((20...100).contains(scores.faceConfidence))
            #expect(!(74.0001..<80).contains(scores.faceConfidence))
            #expect((0...1).contains(scores.liveness))
            #expect((0...1).contains(scores.captureLiveness))
            #expect(abs(scores.captureScore - ScoreModel.captureScore(forProbability: scores.captureLiveness)) < 1e-12)
            if scores.faceConfidence >= 80 { matches += 1 }
            if scores.liveness >= 0.8 { live += 1 }
            if scores.captureLiveness >= 0.9 { captured += 1 }
        }
        #expect((0.76...0.84).contains(Double(matches) / Double(samples)))
        #expect((0.87...0.93).contains(Double(live) / Double(samples)))
        #expect((0.87...0.93).contains(Double(captured) / Double(samples)))
    }

    @Test("capture score is the clamped logit")
    func captureScore() {
        #expect(ScoreModel.captureScore(forProbability: 0.5) == 0)
        #expect(ScoreModel.captureScore(forProbability: 1) == 16.1180957)
        #expect(ScoreModel.captureScore(forProbability: 0) == -16.1180957)
        #expect(abs(ScoreModel.captureScore(forProbability: 0.9) - log(9)) < 1e-7)
    }
}

@Suite("small parts", .offCooperativePool)
struct SimulatorPartsTests {
    @Test("image sniffing")
    func sniffing() {
        #expect(ImageSniffer.format(of: ByteBuffer(bytes: [0xFF, 0xD8, 0xFF, 0xDB])) == .jpeg)
        #expect(ImageSniffer.format(of: ByteBuffer(bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])) == .png)
        #expect(ImageSniffer.format(of: ByteBuffer(bytes: [0x89, 0x50, 0x4E, 0x47])) == nil)
        #expect(ImageSniffer.format(of: ByteBuffer(string: "GIF89a")) == nil)
    }

    @Test("JSON numbers")
    func numbers() {
        #expect(JSONText.number(100, integerWhenWhole: false) == "100.0")
        #expect(JSONText.number(100, integerWhenWhole: true) == "100")
        #expect(JSONText.number(0.92135316, integerWhenWhole: true) == "0.92135316")
        #expect(JSONText.number(.nan, integerWhenWhole: false) == "0")
        #expect(JSONText.string("a\"b\\c\u{1}") == #""a\"b\\c\u0001""#)
    }

    @Test("multipart parsing")
    func multipart() throws {
        let body = ByteBuffer(
            string: "--xyz\r\nContent-Disposition: form-data; name=\"journeyId\"\r\n\r\nj-1\r\n"
                + "--xyz\r\nContent-Disposition: form-data; name=\"imageBest\"; filename=\"b.jpg\"\r\nContent-Type: image/jpeg\r\n\r\nBYTES\r\n"
                + "--xyz--\r\n"
        )
        let form = try MultipartForm(body: body, contentType: "multipart/form-data; boundary=\"xyz\"")
        #expect(form.text("journeyId") == "j-1")
        #expect(form["imageBest"].map { String(buffer: $0) } == "BYTES")
        #expect(throws: MultipartForm.ParseError.notMultipart) { try MultipartForm(body: body, contentType: "application/json") }
        #expect(throws: MultipartForm.ParseError.unterminated) {
            try MultipartForm(body: body.getSlice(at: 0, length: 60)!, contentType: "multipart/form-data; boundary=xyz")
        }
        #expect(throws: MultipartForm.ParseError.missingBoundary) { try MultipartForm(body: body, contentType: "multipart/form-data") }
        #expect(throws: MultipartForm.ParseError.malformed) {
            try MultipartForm(body: ByteBuffer(string: "no delimiter"), contentType: "multipart/form-data; boundary=xyz")
        }
    }

    @Test("multipart edge cases: preamble, epilogue, repeated names, nameless parts, binary bodies")
    func multipartEdgeCases() throws {
        var body = ByteBuffer(string: "preamble\r\n--b\r\nContent-Disposition: form-data; name=a\r\n\r\nfirst\r\n")
        body.writeString("--b\r\ncontent-disposition: form-data; name=\"a\"\r\n\r\nsecond\r\n")
        body.writeString("--b\r\nContent-Disposition: form-data; name=\"bin\"\r\n\r\n")
        body.writeBytes([0x0D, 0x0A, 0x2D, 0x2D, 0x63, 0x0D, 0x0A, 0x2D, 0x2D])  // "\r\n--c\r\n--": near misses
        body.writeString("x\r\n--b\r\n\r\nnameless\r\n--b--\r\nepilogue\r\n--b\r\n")
        let form = try MultipartForm(body: body, contentType: "multipart/form-data; charset=utf-8; boundary=b")
        #expect(form.text("a") == "first")
        #expect(form.parts.count == 2)
        #expect(form["bin"].map { Array($0.readableBytesView) } == [0x0D, 0x0A, 0x2D, 0x2D, 0x63, 0x0D, 0x0A, 0x2D, 0x2D, 0x78])
    }

    @Test("multipart bodies MultipartKit refuses or that end early")
    func multipartRefusals() {
        let part = "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nfirst\r\n"
        func parse(_ text: String) throws(MultipartForm.ParseError) -> MultipartForm {
            try MultipartForm(body: ByteBuffer(string: text), contentType: "multipart/form-data; boundary=b")
        }
        // Transport padding after a delimiter (RFC 2046) is a syntax error to MultipartKit.
        #expect(throws: MultipartForm.ParseError.malformed) { try parse("--b \r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--b--") }
        #expect(throws: MultipartForm.ParseError.malformed) { try parse("--b\nContent-Disposition: form-data; name=a\n\nx\n--b--") }
        // Cut short at each place the parser can be left waiting: all parts are complete in the first two.
        for truncated in [part + "--b", part + "--b\r\n", part + "--b\r\nContent-Dis", part + "--b\r\nContent-Disposition: form", part + "--b\r\n\r\n", part + "--b\r\n\r\nhalf", part] {
            #expect(throws: MultipartForm.ParseError.unterminated, "\(truncated)") { try parse(truncated) }
        }
        #expect(throws: MultipartForm.ParseError.malformed) { try parse("") }
        #expect((try? parse(part + "--b--"))?.text("a") == "first")
    }
}
