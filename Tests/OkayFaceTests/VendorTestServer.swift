import Foundation
import Hummingbird
import Synchronization
import TestSupport

/// What the fake vendor received, for assertions about the client's requests.
final class VendorRecorder: Sendable {
    struct PlusCall: Sendable {
        var contentType: String?
        var parts: [MultipartBody.Part]
    }

    private let state = Mutex<(journeyBodies: [[String: String]], plusCalls: [PlusCall])>(([], []))

    var journeyBodies: [[String: String]] { state.withLock { $0.journeyBodies } }
    var plusCalls: [PlusCall] { state.withLock { $0.plusCalls } }

    fileprivate func record(journeyBody: [String: String]) { state.withLock { $0.journeyBodies.append(journeyBody) } }
    fileprivate func record(_ call: PlusCall) { state.withLock { $0.plusCalls.append(call) } }
}

/// A Hummingbird server that answers like the OkayFace portal, chosen by the request:
/// credentials worker/secret succeed; journeyId "bad" → 400 INVALID_JOURNEY_ID,
/// "boom" → 500 Internal Server Error, "slow" → answers after 2 s, else the success sample.
enum VendorTestServer {
    static let journeyId = "8a4f7c36-1d55-4a8e-9a51-3f0c2b7d9e10"
    static let successBody = """
        {"status":"success","messageCode":"api.success",
         "imageBestLiveness":{"probability":0.92135316},
         "imageBestCaptureLiveness":{"probability":1,"score":0.1745683},
         "result_idcard":{"confidence":100.0},"extra":{"ignored":true}}
        """

    static func with<T: Sendable>(
        _ body: @Sendable (_ baseURL: String, _ recorder: VendorRecorder) async throws -> T
    ) async throws -> T {
        let recorder = VendorRecorder()
        let router = Router()
        router.post("/api/ekyc/journeyid") { request, _ in
            let received = try await request.body.collect(upTo: 1 << 20)
            let object = (try? JSONSerialization.jsonObject(with: Data(received.readableBytesView))) as? [String: String] ?? [:]
            recorder.record(journeyBody: object)
            guard object["username"] != nil, object["password"] != nil else {
                return json(400, #"{"status":"error","message":"MISSING_PARAM_CRENDENTIAL"}"#)
            }
            guard object["username"] == "worker", object["password"] == "secret" else {
                return json(400, #"{"status":"error","message":"INCORRECT_PASSWORD"}"#)
            }
            return json(200, #"{"status":"success","message":"api.success","journeyId":"\#(journeyId)"}"#)
        }
        router.post("/api/ekyc/okayface-plus/v1") { request, _ in
            let contentType = request.headers[.contentType]
            let received = try await request.body.collect(upTo: 16 << 20)
            let boundary = contentType.flatMap(MultipartBody.boundary(fromContentType:)) ?? ""
            let parts = MultipartBody.parse(Array(received.readableBytesView), boundary: boundary)
            recorder.record(.init(contentType: contentType, parts: parts))
            let names = Set(parts.compactMap(\.name))
            guard names.isSuperset(of: ["journeyId", "imageIdCard", "imageBest", "mobileSdkData"]) else {
                return json(400, #"{"status":"error","message":"MISSING_ARGUMENTS"}"#)
            }
            let journey = parts.first { $0.name == "journeyId" }.map { String(decoding: $0.data, as: UTF8.self) }
            switch journey {
            case "bad": return json(400, #"{"status":"error","message":"INVALID_JOURNEY_ID"}"#)
            case "boom": return json(500, #"{"status":"Internal Server Error"}"#)
            case "slow":
                await hangUnlessStopping(for: .seconds(2))
                return json(200, successBody)
            default: return json(200, successBody)
            }
        }
        return try await withLocalServer(router: router, loggerLabel: "vendor-test-server") { baseURL in
            try await body(baseURL, recorder)
        }
    }

    private static func json(_ status: Int, _ text: String) -> Response {
        Response(
            status: .init(code: status),
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }
}
