import Hummingbird
import HTTPTypes
import Mustache

/// A rendered page with the headers every page carries: a Content-Security-Policy that lets
/// the page load nothing but the console's own stylesheet (no scripts at all, no frames, forms
/// only to the console), no caching, no sniffing, no referrer to elsewhere.
enum PageResponse {
    static let securityPolicy = "default-src 'self'; script-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

    static func render(_ template: String, _ context: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let html = PageTemplates.library.render(context, withTemplate: template) ?? "template \(template) is missing"
        return Response(status: status, headers: headers(contentType: "text/html; charset=utf-8"), body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A page that says what went wrong, in the frame of the console.
    static func problem(_ status: HTTPResponse.Status, _ message: String, page: PageContext?) -> Response {
        var context = page?.base(title: "\(status.code) \(status.reasonPhrase)") ?? ["title": "\(status.code) \(status.reasonPhrase)"]
        context["problem"] = message
        return render("problemPage", context, status: status)
    }

    static func redirect(_ location: String) -> Response {
        var headers = headers(contentType: "text/plain; charset=utf-8")
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    static func headers(contentType: String) -> HTTPFields {
        [
            .contentType: contentType, .contentSecurityPolicy: securityPolicy, .cacheControl: "no-store",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff", HTTPField.Name("Referrer-Policy")!: "same-origin",
            HTTPField.Name("X-Frame-Options")!: "DENY",
        ]
    }
}

/// Who a page is rendered for: the user of the session and the session's CSRF token, which
/// every form carries.
struct PageContext: Sendable {
    var user: ConsoleUser
    var csrf: String

    func base(title: String) -> [String: Any] {
        ["title": title, "user": ["name": user.name, "role": user.role.rawValue, "csrf": csrf], "csrf": csrf]
    }
}
