import Foundation
import JSONReading
import WebClient
import Logging
import Payload

/// ``OkayFaceAPI`` over ``WebClient``: Create JourneyID and OkayFace Plus v1.
public final class OkayFaceClient: OkayFaceAPI {
    private let configuration: OkayFaceConfiguration
    private let http: WebClient
    private let logger: Logger
    private let journeyURL: String
    private let verifyURL: String

    public init(configuration: OkayFaceConfiguration, http: WebClient, logger: Logger) {
        self.configuration = configuration
        self.http = http
        self.logger = logger
        var base = Substring(configuration.baseURL)
        while base.hasSuffix("/") { base = base.dropLast() }
        journeyURL = "\(base)/api/ekyc/journeyid"
        verifyURL = "\(base)/api/ekyc/okayface-plus/v1"
    }

    public func createJourney() async -> OkayFaceCallOutcome<String> {
        let credentials = JourneyCredentials(username: configuration.username, password: configuration.password)
        let body: [UInt8]
        do {
            body = Array(try JSONEncoder().encode(credentials))
        } catch {
            // Two strings always encode; this only guards the API's `throws`.
            return .transportFailed(message: "could not encode credentials", timedOut: false)
        }
        let request = makeRequest(url: journeyURL, headers: [HTTPHeader(name: "Content-Type", value: "application/json")], body: .bytes(body))
        let response: WebResponse
        do {
            response = try await http.execute(request)
        } catch {
            logger.warning("Create JourneyID got no answer", metadata: ["error": "\(error)"])
            return .transportFailed(message: error.description, timedOut: error == .timedOut)
        }
        let answer = JourneyAnswer.parse(httpStatus: response.status, body: response.body)
        if let journeyId = answer.journeyId { return .success(journeyId, httpStatus: response.status) }
        if let throttled: OkayFaceCallOutcome<String> = Self.throttled(response, code: answer.errorCode) { return throttled }
        logger.warning("Create JourneyID refused", metadata: ["status": "\(response.status)", "code": "\(answer.errorCode)"])
        return .refused(code: answer.errorCode, httpStatus: response.status, answer: nil)
    }

    public func verify(_ request: OkayFacePlusRequest) async -> OkayFaceCallOutcome<OkayFacePlusResponse> {
        let parts = [
            MultipartFormPart(name: "journeyId", data: Array(request.journeyId.utf8)),
            Self.filePart("imageIdCard", request.imageIdCard) { $0.filename(stem: "idcard") },
            Self.filePart("imageBest", request.imageBest) { $0.filename(stem: "best") },
            Self.filePart("mobileSdkData", request.mobileSdkData) { _ in "okaycam.bin" },
        ]
        let started = ContinuousClock.now
        do {
            let response = try await http.execute(makeRequest(url: verifyURL, headers: [], body: .multipart(parts)))
            let parsed = OkayFacePlusResponse.parse(httpStatus: response.status, body: response.body)
            logger.debug(
                "OkayFace Plus answered",
                metadata: [
                    "journeyId": "\(request.journeyId)", "status": "\(response.status)",
                    "code": "\(parsed.errorCode ?? "-")", "elapsed": "\(ContinuousClock.now - started)",
                ]
            )
            guard let code = parsed.errorCode else { return .success(parsed, httpStatus: parsed.httpStatus) }
            if let throttled: OkayFaceCallOutcome<OkayFacePlusResponse> = Self.throttled(response, code: code) { return throttled }
            return .refused(code: code, httpStatus: parsed.httpStatus, answer: parsed)
        } catch {
            // The pipeline logs the failed call with the request's ids ("transient vendor failure").
            logger.debug("OkayFace Plus got no answer", metadata: ["journeyId": "\(request.journeyId)", "error": "\(error)"])
            return .transportFailed(message: error.description, timedOut: error == .timedOut)
        }
    }

    /// A quota answer (HTTP 429 or `MAX_API_CALL_EXCEEDED`, whatever its status) as
    /// `.throttled`, with its `Retry-After` in seconds (HTTP dates are not used by the vendor
    /// and are read as absent); nil for any other answer.
    static func throttled<Answer>(_ response: WebResponse, code: String?) -> OkayFaceCallOutcome<Answer>? {
        guard response.status == 429 || code == "MAX_API_CALL_EXCEEDED" else { return nil }
        let retryAfter = response.header("Retry-After")
            .flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            .flatMap { $0 >= 0 && $0.isFinite ? Duration.milliseconds(Int64(min($0, 86_400) * 1000)) : nil }
        return .throttled(code: code ?? "HTTP_429", httpStatus: response.status, retryAfter: retryAfter)
    }

    private func makeRequest(url: String, headers: [HTTPHeader], body: WebRequestBody) -> WebRequest {
        var request = WebRequest(
            method: "POST",
            url: url,
            headers: headers + [HTTPHeader(name: "Accept", value: "application/json")],
            body: body,
            timeout: configuration.timeout,
            connectTimeout: configuration.connectTimeout,
            maxResponseBytes: configuration.maxResponseBytes
        )
        // The vendor's answers are a few hundred bytes; libcurl's 16 KB buffer per connection
        // was 64 MB of the worker's peak at 4,096 calls in flight (docs/benchmarks.md).
        request.receiveBufferBytes = Self.receiveBufferBytes
        return request
    }

    static let receiveBufferBytes = 4096

    /// A file part typed from the payload's first bytes; `filename` may name it after that type.
    private static func filePart(
        _ name: String, _ payload: ImagePayload, filename: (ImageContentType) -> String
    ) -> MultipartFormPart {
        let type = ImageContentType(sniffing: payload)
        let body: MultipartFormPart.Body =
            switch payload {
            case .bytes(let bytes): .bytes(bytes)
            // Read by libcurl while the request is sent: the image is never copied into memory.
            case .file(let file): .file(file)
            }
        return MultipartFormPart(name: name, filename: filename(type), contentType: type.mimeType, body: body)
    }

}

/// The Create JourneyID request body.
private struct JourneyCredentials: Encodable {
    var username: String
    var password: String
}

/// A parsed Create JourneyID answer.
struct JourneyAnswer {
    var journeyId: String?
    var errorCode: String

    static func parse(httpStatus: Int, body: [UInt8]) -> JourneyAnswer {
        let json = VendorJSON.decode(body)
        let status = VendorJSON.status(json?["status"])
        if (200..<300).contains(httpStatus), status == "success", let journeyId = json?["journeyId"]?.text {
            return JourneyAnswer(journeyId: journeyId, errorCode: "")
        }
        if (200..<300).contains(httpStatus), status == "success" {
            // "Success" without a journey id: the body is not what the vendor documents.
            return JourneyAnswer(journeyId: nil, errorCode: VendorErrorCode.unparseable)
        }
        let code = VendorErrorCode.resolve(
            httpStatus: httpStatus,
            status: status,
            message: json?["message"]?.text,
            topLevelError: json?["error"]?.text
        )
        return JourneyAnswer(journeyId: nil, errorCode: code)
    }
}
