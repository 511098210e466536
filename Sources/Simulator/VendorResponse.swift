import Foundation
import Hummingbird

/// The vendor's response bodies other than a successful OkayFace Plus answer, in the exact
/// forms the vendor documents (README, Decision policy), so clients meet the same shapes as in production.
enum VendorResponse {
    /// The 400-style body `{"status":"error","message":"<code>"}`.
    static func error(_ message: String, status: Int = 400) -> Response {
        json(#"{"status":"error","message":\#(JSONText.string(message))}"#, status: status)
    }

    /// The vendor's 500 body, where the text sits in `status`.
    static func internalServerError(status: Int = 500) -> Response {
        json(#"{"status":"Internal Server Error"}"#, status: status)
    }

    /// The quota answer: HTTP 429 `MAX_API_CALL_EXCEEDED`, with `Retry-After` (whole seconds)
    /// when the quota knows when it admits a call again.
    static func quotaExceeded(retryAfter: Int? = nil) -> Response {
        var response = error("MAX_API_CALL_EXCEEDED", status: 429)
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }

    /// A Spring-style framework error body, what the vendor's gateway answers for 503 and friends.
    static func frameworkError(status: Int, path: String) -> Response {
        let reason = reasonPhrases[status] ?? "Error"
        let timestamp = Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(Date())
        return json(
            #"{"timestamp":\#(JSONText.string(timestamp)),"status":\#(status),"error":\#(JSONText.string(reason)),"path":\#(JSONText.string(path))}"#,
            status: status
        )
    }

    private static let reasonPhrases = [
        500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
    ]

    /// A transient failure with the given HTTP status: 500 and 429 in the vendor's own forms,
    /// anything else (503 by default) as a framework body.
    static func transientFailure(status: Int, path: String) -> Response {
        switch status {
        case 500: internalServerError()
        case 429: quotaExceeded()
        default: frameworkError(status: status, path: path)
        }
    }

    /// A JSON body with the given status.
    static func json(_ body: String, status: Int) -> Response {
        Response(
            status: .init(code: status),
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: body))
        )
    }
}
