import Foundation
import Hummingbird
import MultipartKit
import TestSupport
import Testing

@testable import Simulator

/// The simulator reads multipart bodies with its own scan of MultipartKit's rules; MultipartKit's
/// `MultipartParser`, driven as the simulator drove it before, is the yardstick.
@Suite(.offCooperativePool)
struct MultipartFormTests {
    /// What the scan must match: the parts, or the same refusal.
    enum Reading: Equatable {
        case parts([[String]], [[UInt8]])
        case refused(MultipartForm.ParseError)
    }

    static func reading(_ body: [UInt8], boundary: String) -> Reading {
        do {
            let parts = try MultipartForm.parts(of: ByteBuffer(bytes: body), boundary: boundary)
            return .parts(parts.map(Self.headerLines), parts.map { Array($0.body.readableBytesView) })
        } catch {
            return .refused(error)
        }
    }

    /// MultipartKit's parser over the whole body, then a probe of two CRs that tells a body cut
    /// short (the parser reports a callback or throws) from one that reached its closing
    /// delimiter (the epilogue ignores them).
    static func reference(_ body: [UInt8], boundary: String) -> Reading {
        let parser = MultipartParser(boundary: boundary)
        var parts: [MultipartPart] = []
        var headers = HTTPHeaders()
        var partBody = ByteBuffer()
        var callbacks = 0
        parser.onHeader = { name, value in
            headers.add(name: name, value: value)
            callbacks += 1
        }
        parser.onBody = { chunk in
            partBody.writeBuffer(&chunk)
            callbacks += 1
        }
        parser.onPartComplete = {
            parts.append(MultipartPart(headers: headers, body: partBody))
            (headers, partBody) = ([:], ByteBuffer())
            callbacks += 1
        }
        do { try parser.execute(body) } catch { return .refused(.malformed) }
        let before = callbacks
        do { try parser.execute([0x0D, 0x0D]) } catch { return .refused(.unterminated) }
        guard callbacks == before else { return .refused(.unterminated) }
        guard !parts.isEmpty else { return .refused(.malformed) }
        return .parts(parts.map(Self.headerLines), parts.map { Array($0.body.readableBytesView) })
    }

    private static func headerLines(_ part: MultipartPart) -> [String] {
        part.headers.map { "\($0.name): \($0.value)" }
    }

    static let samples: [String] = [
        "--b\r\nContent-Disposition: form-data; name=\"journeyId\"\r\n\r\nj-1\r\n"
            + "--b\r\nContent-Disposition: form-data; name=\"imageBest\"; filename=\"b.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
            + "x\r\n-\r\n--c\r\r\n--\r\n-b--\r\n"
            + "--b--\r\n",
        "pre-amble\r\n--b\r\nA:  v \r\nB:\r\n\r\n\r\n--b\r\n\r\nz\r\n--b-- epilogue\r\n--b\r\n",
    ]

    @Test("hand-picked bodies: what MultipartKit reads")
    func casesMatchTheReference() {
        let cases = Self.samples + [
            "", "--b", "--b\r\n", "--b\r\n\r\n", "--b\r\n\r\nx", "--b\r\n\r\nx\r\n--b", "--b\r\n\r\nx\r\n--b\r\n",
            "--b\r\n\r\nx\r\n--b-", "--b\r\n\r\nx\r\n--bX", "--b--", "x--b\r\n\r\ny\r\n--b--", "---b\r\n\r\ny\r\n--b--",
            "--b \r\n\r\nx\r\n--b--", "--b\r\nName\r\n\r\nx\r\n--b--", "--b\r\nA:v\n\r\n\r\nx\r\n--b--", "--b\r\n:v\r\n\r\nx\r\n--b--",
            "--b\r\nA b:v\r\n\r\nx\r\n--b--", "--b\r\nA:\tv\tw\r\n\r\n\r\n--b--", "\r\n--b\r\n\r\nx\r\n--b--",
            "--b\r\n\r\n\r\n--b\r\n\r\n\r\n--b--",
        ]
        for text in cases {
            let body = Array(text.utf8)
            #expect(Self.reading(body, boundary: "b") == Self.reference(body, boundary: "b"), "\(text.debugDescription)")
        }
    }

    @Test("10,000 mutated bodies: what MultipartKit reads")
    func mutatedBodiesMatchTheReference() {
        // ASCII only: MultipartKit traps on a header name byte above 0x7F (its table has 128
        // entries), which `nonASCIIHeaderNamesAreRefused` checks the scan for instead.
        let alphabet = Array("\r\n\r\n--b-:; \tAa\"=x".utf8)
        var random = SplitMix64(seed: 11)
        var readable = 0
        for n in 0..<10_000 {
            let body = mutated(Array(Self.samples[n % Self.samples.count].utf8), alphabet: alphabet, random: &random)
            let expected = Self.reference(body, boundary: "b")
            if case .parts = expected { readable += 1 }
            #expect(Self.reading(body, boundary: "b") == expected, "\(String(decoding: body, as: UTF8.self).debugDescription)")
        }
        // Both kinds are exercised: bodies that still parse and bodies that no longer do.
        #expect(readable > 1000 && readable < 9000, "\(readable)")
    }

    @Test("binary part bodies of every byte, and parts that are ranges of the request body")
    func binaryBodiesMatchTheReference() {
        var random = SplitMix64(seed: 3)
        for size in [0, 1, 255, 256, 4096, 65_536] {
            var image = (0..<size).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if size > 8 { image.replaceSubrange(2..<8, with: Array("\r\n--b".utf8.dropLast()) + [0x0D]) }
            let body = Array("--b\r\nContent-Type: image/jpeg\r\n\r\n".utf8) + image + Array("\r\n--b--".utf8)
            let reading = Self.reading(body, boundary: "b")
            #expect(reading == Self.reference(body, boundary: "b"))
            #expect(reading == .parts([["Content-Type: image/jpeg"]], [image]))
        }
    }

    @Test("a header name byte above 0x7F is refused, where MultipartKit would trap")
    func nonASCIIHeaderNamesAreRefused() {
        let body = Array("--b\r\n".utf8) + [0xC3, 0xA9] + Array(": v\r\n\r\nx\r\n--b--".utf8)
        #expect(Self.reading(body, boundary: "b") == .refused(.malformed))
        #expect(Self.reading(Array("--b\r\n\r\nx\r\n--b--".utf8), boundary: "b\r") == .refused(.malformed))
    }
}
