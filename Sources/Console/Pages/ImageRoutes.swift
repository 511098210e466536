import Worker
import Blocking
import Foundation
import Hummingbird
import ImageStore
import Payload
import Pipeline
import Postgres
import Verification

/// `GET /decisions/{requestId}/images/{idCard|best}`: the request's image for a reviewer,
/// loaded when it is viewed through the worker's own image sources and allow-list, streamed,
/// never kept (`Cache-Control: no-store`), and every view written to `audit_log`. No session:
/// 401; a viewer: 403. The SDK bundle is never shown, only its size (on the decision page).
struct ImageRoutes: Sendable {
    var pool: PostgresPool
    var sources: ImageSources?
    var maxImageBytes: Int

    /// The roles a page may show as a picture.
    static let pictures: [ImageRole] = [.idCard, .best]

    func add(to router: Router<ConsoleRequestContext>) {
        router.get("decisions/{requestId}/images/{role}") { request, context in
            try await image(request, requestId: try context.parameters.require("requestId"), roleName: try context.parameters.require("role"),
                            address: context.clientAddress)
        }
    }

    private func image(_ request: Request, requestId: String, roleName: String, address: String?) async throws -> Response {
        guard let (user, _) = try await Authenticator(pool: pool).session(request) else {
            return Self.plain(.unauthorized, "log in to see images")
        }
        guard user.role.mayReview else { return Self.plain(.forbidden, "images are for reviewers and admins") }
        guard let role = ImageRole(rawValue: roleName), Self.pictures.contains(role) else {
            return Self.plain(.notFound, "only idCard and best are shown; the SDK bundle is shown as its size")
        }
        guard let sources else { return Self.plain(.notFound, "this console shows no images (IMAGE_ALLOWED_PREFIXES is not set)") }
        guard let uri = try await Self.uri(of: role, requestId: requestId, pool: pool) else {
            return Self.plain(.notFound, "no stored request \(requestId) (purged, or never received)")
        }
        let payload: ImagePayload
        do {
            payload = try await sources.load(uri, limits: ImageLimits(maxImageBytes: maxImageBytes, requestBudget: ByteBudget(bytes: .max)))
        } catch {
            return Self.plain(.badGateway, "the image could not be loaded: \(error)")
        }
        try await pool.withConnection { connection in
            try AuditEntry(actor: user.name, action: "image_viewed", target: requestId, address: address, detail: ["role": role.rawValue])
                .write(on: connection)
        }
        var headers = PageResponse.headers(contentType: ImageFormat(sniffing: payload.prefix(ImageFormat.headerLength))?.mimeType ?? "application/octet-stream")
        headers[.contentDisposition] = "inline"
        return Response(status: .ok, headers: headers, body: Self.body(payload))
    }

    /// Read a piece at a time off Swift's cooperative threads, never whole.
    static func body(_ payload: ImagePayload) -> ResponseBody {
        switch payload {
        case .bytes(let bytes):
            return ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
        case .file(let file):
            return ResponseBody(contentLength: file.byteCount) { writer in
                var offset = 0
                while offset < file.byteCount {
                    let start = offset
                    let piece = try await BlockingWork.run { try file.bytes(at: start, count: min(64 * 1024, file.byteCount - start)) }
                    guard !piece.isEmpty else { break }
                    try await writer.write(ByteBuffer(bytes: piece))
                    offset += piece.count
                }
                try await writer.finish(nil)
            }
        }
    }

    static func uri(of role: ImageRole, requestId: String, pool: PostgresPool) async throws -> String? {
        let column = role == .idCard ? "image_id_card_uri" : role == .best ? "image_best_uri" : "image_mobile_sdk_data_uri"
        return try await pool.withConnection { connection in
            try connection.query("SELECT \(unsafeSQL: column) AS uri FROM verification_requests WHERE request_id = \(requestId)").first?.string("uri")
        }
    }

    /// The SDK bundle's size, loaded like an image (nil when it cannot be).
    func bundleSize(requestId: String) async -> Int? {
        guard let sources, let uri = try? await Self.uri(of: .mobileSdkData, requestId: requestId, pool: pool) else { return nil }
        return try? await sources.load(uri, limits: ImageLimits(maxImageBytes: maxImageBytes, requestBudget: ByteBudget(bytes: .max))).byteCount
    }

    private static func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: PageResponse.headers(contentType: "text/plain; charset=utf-8"), body: .init(byteBuffer: ByteBuffer(string: text + "\n")))
    }
}
