import Digest
import Foundation
import Payload
@testable import Pipeline
import Verification
import Testing

@Suite("ImageInspection and imageSha256")
struct ImageInspectionTests {
    let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 7, count: 100)

    @Test func photosMustBeImagesTheBundleNeedNot() {
        let text = ImagePayload.bytes(Array("not a photo".utf8))
        #expect(ImageInspection.problem(text, role: .idCard, expectedSHA256: nil) == "not a JPEG, PNG or WebP image")
        #expect(ImageInspection.problem(text, role: .best, expectedSHA256: nil) == "not a JPEG, PNG or WebP image")
        #expect(ImageInspection.problem(text, role: .mobileSdkData, expectedSHA256: nil) == nil)
        #expect(ImageInspection.problem(.bytes(jpeg), role: .best, expectedSHA256: nil) == nil)
        #expect(ImageInspection.problem(.bytes([]), role: .mobileSdkData, expectedSHA256: nil) == "empty")
    }

    @Test func digestsAreCheckedForBytesAndFiles() throws {
        let digest = SHA256.hex(jpeg)
        #expect(ImageInspection.problem(.bytes(jpeg), role: .idCard, expectedSHA256: digest) == nil)
        #expect(ImageInspection.problem(.bytes(jpeg), role: .idCard, expectedSHA256: String(repeating: "0", count: 64))
            == "SHA-256 differs from the event's imageSha256")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("okf-inspect-\(UUID().uuidString)").path
        let large = jpeg + Array(repeating: 3, count: 200_000)  // several read buffers
        try Data(large).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = ImagePayload.file(try ReadOnlyFile(path: path))
        #expect(ImageInspection.sha256Hex(file) == SHA256.hex(large))
        #expect(ImageInspection.problem(file, role: .best, expectedSHA256: SHA256.hex(large)) == nil)
    }

    func decode(_ digests: String) -> Result<VerificationRequested, InvalidRequest> {
        let text = """
            {"requestId":"r","images":{"idCard":"s3://b/a.jpg","best":"s3://b/b.jpg","mobileSdkData":"s3://b/c.bin"},
             "imageSha256":\(digests)}
            """
        return Result { () throws(InvalidRequest) in try RequestDecoder.decode(Array(text.utf8)) }
    }

    @Test func theEventsDigestsAreValidatedAndLowerCased() throws {
        let hex = String(repeating: "Ab", count: 32)
        let decoded = try decode(#"{"idCard":"\#(hex)","best":null}"#).get()
        #expect(decoded.imageSHA256 == [.idCard: hex.lowercased()])
        #expect(try decode("null").get().imageSHA256 == [:])
        for (digests, message) in [
            (#"{"idcard":"\#(hex)"}"#, "imageSha256 has an unknown key (expected idCard, best, mobileSdkData)"),
            (#"{"best":"abc"}"#, "imageSha256.best must be 64 hexadecimal digits"),
            (#"{"best":"\#(String(repeating: "g", count: 64))"}"#, "imageSha256.best must be 64 hexadecimal digits"),
            (#""abc""#, "imageSha256 must be an object"),
            (#"{"best":5}"#, "imageSha256.best must be a string"),
        ] {
            guard case .failure(let error) = decode(digests) else {
                Issue.record("accepted \(digests)")
                continue
            }
            #expect(error.message == message)
        }
    }
}
