import Pipeline
import Foundation
import Testing
import Verification

struct RequestDecoderTests {
    static let valid = """
        {"schemaVersion":1,"requestId":"0b7c7d0e-3c1e-4a58-9a43-0e1f4f1f2a10",
         "journeyId":"7851b4e3-df09-4ab6-8091-2f3d5e6a7b8c",
         "images":{"idCard":"s3://kyc-images/a/idcard.jpg","best":"s3://kyc-images/a/selfie.jpg",
                   "mobileSdkData":"s3://kyc-images/a/okaycam.bin"},
         "subject":"customer-48213","requestedAt":"2026-11-26T10:15:00Z","somethingNew":{"x":1}}
        """

    func decode(_ text: String) throws(InvalidRequest) -> VerificationRequested {
        try RequestDecoder.decode(Array(text.utf8))
    }

    func rejection(_ text: String) -> InvalidRequest? {
        do {
            _ = try decode(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func decodesTheDesignExample() throws {
        let request = try decode(Self.valid)
        #expect(request.requestId == "0b7c7d0e-3c1e-4a58-9a43-0e1f4f1f2a10")
        #expect(request.journeyId == "7851b4e3-df09-4ab6-8091-2f3d5e6a7b8c")
        #expect(request.uri(.idCard) == "s3://kyc-images/a/idcard.jpg")
        #expect(request.uri(.best) == "s3://kyc-images/a/selfie.jpg")
        #expect(request.uri(.mobileSdkData) == "s3://kyc-images/a/okaycam.bin")
        #expect(request.subject == "customer-48213")
        #expect(request.requestedAt == Date(timeIntervalSince1970: 1_795_688_100))
    }

    @Test func optionalFieldsMayBeAbsentOrNull() throws {
        let request = try decode(#"{"requestId":"r1","journeyId":null,"images":{"idCard":"a","best":"b","mobileSdkData":"c"}}"#)
        #expect(request.journeyId == nil)
        #expect(request.subject == nil)
        #expect(request.requestedAt == nil)
    }

    @Test func timestampsWithOffsetsAndFractions() throws {
        let request = try decode(
            #"{"requestId":"r1","images":{"idCard":"a","best":"b","mobileSdkData":"c"},"requestedAt":"2026-11-26T18:15:00.250+08:00"}"#)
        #expect(request.requestedAt == Date(timeIntervalSince1970: 1_795_688_100.25))
    }

    @Test(arguments: [
        ("", InvalidRequest.Code.malformedJSON),
        ("not json", .malformedJSON),
        ("{\"requestId\":", .malformedJSON),
        ("[1,2]", .notAnObject),
        ("\"text\"", .notAnObject),
        (#"{"images":{"idCard":"a","best":"b","mobileSdkData":"c"}}"#, .missingField),
        (#"{"requestId":"","images":{"idCard":"a","best":"b","mobileSdkData":"c"}}"#, .invalidField),
        (#"{"requestId":42,"images":{"idCard":"a","best":"b","mobileSdkData":"c"}}"#, .invalidField),
        (#"{"requestId":"r","images":{"idCard":"a","mobileSdkData":"c"}}"#, .missingField),
        (#"{"requestId":"r","images":"a"}"#, .invalidField),
        (#"{"requestId":"r"}"#, .missingField),
        (#"{"requestId":"r","images":{"idCard":"a","best":7,"mobileSdkData":"c"}}"#, .invalidField),
        (#"{"schemaVersion":2,"requestId":"r","images":{"idCard":"a","best":"b","mobileSdkData":"c"}}"#, .unsupportedSchemaVersion),
        (#"{"schemaVersion":true,"requestId":"r","images":{"idCard":"a","best":"b","mobileSdkData":"c"}}"#, .unsupportedSchemaVersion),
        (#"{"requestId":"r","images":{"idCard":"a","best":"b","mobileSdkData":"c"},"requestedAt":"yesterday"}"#, .invalidField),
        (#"{"requestId":"r\u0000x","images":{"idCard":"a","best":"b","mobileSdkData":"c"}}"#, .invalidField),
    ])
    func rejects(_ text: String, _ code: InvalidRequest.Code) {
        #expect(rejection(text)?.code == code)
    }

    @Test func messagesNameTheField() {
        #expect(rejection(#"{"requestId":"r","images":{"idCard":"a","mobileSdkData":"c"}}"#)?.message
            == "missing required field images.best")
        #expect(rejection(#"{"images":{}}"#)?.message == "missing required field requestId")
    }

    @Test func requestIdLengthLimitIs128() throws {
        let ok = String(repeating: "x", count: 128)
        let tooLong = String(repeating: "x", count: 129)
        let template = #"{"requestId":"ID","images":{"idCard":"a","best":"b","mobileSdkData":"c"}}"#
        #expect(try decode(template.replacingOccurrences(of: "ID", with: ok)).requestId == ok)
        #expect(rejection(template.replacingOccurrences(of: "ID", with: tooLong))?.code == .invalidField)
    }

    /// requestId is the idempotency key: ids that look alike, or look like nothing, are refused.
    @Test(arguments: [
        ("   ", "requestId must not contain whitespace (U+0020)"),
        ("zw\u{200B}-001", "requestId must not contain invisible format characters (U+200B)"),
        ("a b", "requestId must not contain whitespace (U+0020)"),
        ("tab\tid", "requestId contains control characters"),
        ("nbsp\u{00A0}id", "requestId must not contain whitespace (U+00A0)"),
        ("bom\u{FEFF}", "requestId must not contain invisible format characters (U+FEFF)"),
        ("rtl\u{202E}di", "requestId must not contain invisible format characters (U+202E)"),
        ("filler\u{115F}x", "requestId must not contain invisible characters (U+115F)"),
        ("ideographic\u{3000}space", "requestId must not contain whitespace (U+3000)"),
        ("private\u{E000}", "requestId must not contain unassigned or private-use characters (U+E000)"),
    ])
    func refusesIdsThatLookLikeOthers(_ id: String, _ message: String) throws {
        let json = try JSONSerialization.data(withJSONObject: [
            "requestId": id, "images": ["idCard": "a", "best": "b", "mobileSdkData": "c"],
        ])
        #expect(rejection(String(decoding: json, as: UTF8.self)) == InvalidRequest(.invalidField, message))
    }

    @Test(arguments: ["zw-001", "0b7c7d0e-3c1e-4a58-9a43-0e1f4f1f2a10", "kunde-ü-7", "申请-42", "a.b_c:d/e"])
    func acceptsOrdinaryIds(_ id: String) throws {
        let json = try JSONSerialization.data(withJSONObject: [
            "requestId": id, "images": ["idCard": "a", "best": "b", "mobileSdkData": "c"],
        ])
        #expect(try RequestDecoder.decode(Array(json)).requestId == id)
    }

    /// The decoder reads with the project's parser and hands what it refuses to
    /// `JSONSerialization`, so each document below gets the verdict it got when
    /// `JSONSerialization` read every request.
    @Test func documentsOnlyFoundationReadsAreStillDecided() throws {
        let body = #""requestId":"r1","images":{"idCard":"a","best":"b","mobileSdkData":"c"}"#
        let withMark = [0xEF, 0xBB, 0xBF] + Array("{\(body)}".utf8)
        #expect(try RequestDecoder.decode(withMark).requestId == "r1")
        let utf16 = Array("{\(body)}".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        #expect(try RequestDecoder.decode(utf16).requestId == "r1")
        #expect(try decode("{\(body),}").requestId == "r1")
        #expect(try decode(#"{"schemaVersion":1.0,"# + body + "}").requestId == "r1")
        // A number beyond Double's precision, in a field the decoder does not read.
        #expect(try decode("{\(body),\"count\":123456789012345678901234567890}").requestId == "r1")
        // A repeated key: the last one counts, as it did.
        #expect(try decode(#"{"requestId":"first","# + body + "}").requestId == "r1")
    }

    /// What `JSONSerialization` refused is still `malformed_json`, even in a field the
    /// decoder never reads (the parser alone would keep the rest of such a document).
    @Test func valuesFoundationCannotHoldAreMalformed() {
        let body = #""requestId":"r1","images":{"idCard":"a","best":"b","mobileSdkData":"c"}"#
        let documents: [[UInt8]] = [
            Array("{\(body),\"x\":\"".utf8) + [0xFF] + Array("\"}".utf8),
            Array("{\(body),\"".utf8) + [0xFF] + Array("\":1}".utf8),
            Array("{\(body),\"x\":1e400}".utf8),
            Array("{\(body),\"x\":\"\\ud800\"}".utf8),
            Array("{\(body)} trailing".utf8),
        ]
        for document in documents {
            var code: InvalidRequest.Code?
            do { _ = try RequestDecoder.decode(document) } catch { code = error.code }
            #expect(code == .malformedJSON, "\(String(decoding: document, as: UTF8.self))")
        }
    }
}
