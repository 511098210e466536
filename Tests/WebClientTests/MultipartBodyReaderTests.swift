import CCurl
import Payload
import TestSupport
import Testing
@testable import WebClient

/// The multipart body without libcurl: its exact bytes, reads of any buffer size across
/// parts, rewinding, and names that could break out of their quotes.
struct MultipartBodyReaderTests {
    /// Everything the reader gives, `chunk` bytes at most per read; nil when a read aborts.
    private func readAll(_ reader: MultipartBodyReader, chunk: Int) -> [UInt8]? {
        var body: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: chunk)
        while true {
            let count = buffer.withUnsafeMutableBytes { reader.read(into: $0) }
            if count == Int(CURL_READFUNC_ABORT) { return nil }
            if count == 0 { return body }
            body += buffer[..<count]
        }
    }

    @Test func bodyIsTheFormLibcurlWroteWithFilePartsInPlace() async throws {
        try await withScratchFolder { folder in
            let content = patternedBytes(count: 5_000, seed: 4)
            try writeFile(folder + "/best.png", content)
            let empty = folder + "/empty.bin"
            try writeFile(empty, [])
            let parts = [
                MultipartFormPart(name: "journeyId", data: Array("j-1".utf8)),
                MultipartFormPart(name: "imageBest", filename: "best.png", contentType: "image/png", body: .file(try ReadOnlyFile(path: folder + "/best.png"))),
                MultipartFormPart(name: "nothing", filename: "empty.bin", body: .file(try ReadOnlyFile(path: empty))),
            ]
            let reader = MultipartBodyReader(parts: parts, boundary: "XyZ")
            var expected = Array("--XyZ\r\nContent-Disposition: form-data; name=\"journeyId\"\r\n\r\nj-1\r\n".utf8)
            expected += Array("--XyZ\r\nContent-Disposition: form-data; name=\"imageBest\"; filename=\"best.png\"\r\nContent-Type: image/png\r\n\r\n".utf8)
            expected += content
            expected += Array("\r\n--XyZ\r\nContent-Disposition: form-data; name=\"nothing\"; filename=\"empty.bin\"\r\n\r\n\r\n--XyZ--\r\n".utf8)
            #expect(reader.contentType == "multipart/form-data; boundary=XyZ")
            #expect(reader.byteCount == expected.count)
            for chunk in [1, 7, 100, 4_096, 16_384, 100_000] {
                #expect(readAll(reader, chunk: chunk) == expected, "reads of \(chunk) bytes")
                #expect(reader.seek(to: 0, origin: SEEK_SET) == CURL_SEEKFUNC_OK)
            }
            // A rewind into the middle of the file part goes on from there.
            #expect(reader.seek(to: curl_off_t(expected.count - 10), origin: SEEK_SET) == CURL_SEEKFUNC_OK)
            #expect(readAll(reader, chunk: 3) == Array(expected.suffix(10)))
            #expect(reader.seek(to: 1, origin: SEEK_END) == CURL_SEEKFUNC_FAIL)
            #expect(reader.seek(to: -1, origin: SEEK_SET) == CURL_SEEKFUNC_FAIL)
        }
    }

    @Test func quotesAndLineBreaksInNamesArePercentEncoded() {
        let part = MultipartFormPart(name: "a\"b", filename: "x\r\nContent-Type: text/html\".png", data: [])
        let header = String(decoding: MultipartBodyReader.header(of: part, boundary: "B"), as: UTF8.self)
        #expect(header == "--B\r\nContent-Disposition: form-data; name=\"a%22b\"; filename=\"x%0D%0AContent-Type: text/html%22.png\"\r\n\r\n")
    }

    @Test func boundariesAreRandomAndShortEnoughForRFC2046() {
        let boundaries = Set((0..<100).map { _ in MultipartBodyReader.randomBoundary() })
        #expect(boundaries.count == 100)
        #expect(boundaries.allSatisfy { $0.utf8.count <= 70 && $0.utf8.allSatisfy { $0 == 0x2D || ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) } })
    }

    @Test func aFileThatShrankAbortsTheReadNamingThePart() async throws {
        try await withScratchFolder { folder in
            let file = try openedThenShrunk(folder + "/idcard.jpg", size: 1_000)
            let reader = MultipartBodyReader(parts: [MultipartFormPart(name: "imageIdCard", filename: "idcard.jpg", body: .file(file))])
            #expect(readAll(reader, chunk: 512) == nil)
            #expect(reader.failure?.contains("imageIdCard") == true)
        }
    }
}
