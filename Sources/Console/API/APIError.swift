import Foundation
import Hummingbird

/// An answer of the JSON API that is not a success: the status, a `code` a client can branch
/// on, a message for a person, and facts that help (the revision in force, the pending review).
/// The body is `{"error": {"code", "message", …}}`.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var facts: [String: JSONFact]
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, facts: [String: JSONFact] = [:], headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.facts = facts
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var error: [String: JSONFact] = facts
        error["code"] = .text(code)
        error["message"] = .text(message)
        var response = JSONBody.response(status, ["error": JSONFact.object(error)])
        response.headers.append(contentsOf: headers)
        return response
    }

    static let unauthenticated = APIError(
        .unauthorized, "unauthenticated", "log in, or send Authorization: Bearer <token> (okayface-worker tokens create)",
        headers: [.wwwAuthenticate: "Bearer realm=\"okayface-console\""])

    static func forbidden(_ message: String) -> APIError { APIError(.forbidden, "forbidden", message) }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, "not_found", message) }
    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, "bad_request", message) }
    static func invalid(_ code: String, _ message: String) -> APIError { APIError(.unprocessableContent, code, message) }
}

/// A JSON value built by hand, for answers whose shape is not one Swift type.
public enum JSONFact: Sendable, Encodable {
    case text(String)
    case int(Int)
    case number(Double)
    case bool(Bool)
    case null
    case array([JSONFact])
    case object([String: JSONFact])

    public static func optional(_ text: String?) -> JSONFact { text.map(JSONFact.text) ?? .null }
    public static func optional(_ number: Double?) -> JSONFact { number.map(JSONFact.number) ?? .null }
    public static func optional(_ number: Int?) -> JSONFact { number.map(JSONFact.int) ?? .null }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .text(let v): try c.encode(v)
        case .int(let v): try c.encode(v)
        case .number(let v): try c.encode(v)
        case .bool(let v): try c.encode(v)
        case .null: try c.encodeNil()
        case .array(let v): try c.encode(v)
        case .object(let v): try c.encode(v)
        }
    }
}

/// JSON answers: sorted keys, so equal answers are equal bytes.
public enum JSONBody {
    public static func response(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
