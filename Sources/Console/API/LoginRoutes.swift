import Worker
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Postgres

/// `POST /login` (form fields `username`, `password`) starts a session: a cookie that is
/// `HttpOnly`, `SameSite=Strict`, and `Secure` when the console is reached over TLS (a proxy
/// says so with `X-Forwarded-Proto: https`). A failed login is written to `audit_log` and
/// answered only after a second, so guessing passwords is slow. `POST /logout` ends it.
struct LoginRoutes: Sendable {
    var pool: PostgresPool
    var authenticator: Authenticator
    var sessionLifetime: Duration
    var logger: Logger
    /// How long a failed login waits before it is answered.
    var failureDelay: Duration = .seconds(1)

    func add(to router: Router<ConsoleRequestContext>) {
        router.get("login") { request, _ in
            PageResponse.render("login", ["title": "Log in", "next": Self.safeNext(request.uri.queryParameters.get("next")), "username": ""])
        }
        router.post("login") { request, context in
            // A person logging in gets a page, also when PostgreSQL is out of reach.
            do {
                return try await login(request, context: context)
            } catch {
                return PageRoutes.failure(error, page: nil)
            }
        }
        router.post("logout") { request, context in try await logout(request, context: context) }
    }

    private func login(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        let form = Self.form(String(buffer: body))
        let name = String((form["username"] ?? "").prefix(64))
        let password = form["password"] ?? ""
        let address = context.clientAddress
        let found = name.isEmpty ? nil : try await pool.withConnection { try People.credentials(of: name, on: $0) }
        var user: ConsoleUser?
        if let (candidate, hash) = found {
            if await Passwords.verify(password, hash: hash) { user = candidate }
        } else {
            await Passwords.verifyDecoy(password)
        }
        guard let user else {
            logger.notice("login failed", metadata: ["user": "\(name)", "address": "\(address ?? "-")"])
            try await pool.withConnection { connection in
                try AuditEntry(
                    actor: name.isEmpty ? nil : name, action: "login_failed", target: name.isEmpty ? nil : name, address: address,
                    detail: ["why": found == nil ? "no such active user" : "wrong password"]
                ).write(on: connection)
            }
            try await Task.sleep(for: failureDelay)
            return PageResponse.render(
                "login", ["title": "Log in", "problem": "Wrong user name or password.", "username": name, "next": Self.safeNext(form["next"])],
                status: .unauthorized)
        }
        let lifetime = sessionLifetime
        let (session, _) = try await pool.withConnection {
            try People.startSession(for: user, address: address, lifetime: lifetime, on: $0)
        }
        var response = PageResponse.redirect(Self.safeNext(form["next"]))
        response.setCookie(Cookie(
            name: Authenticator.sessionCookie, value: session, maxAge: Int(lifetime.components.seconds), path: "/",
            secure: Self.overTLS(request), httpOnly: true, sameSite: .strict))
        return response
    }

    private func logout(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        let form = Self.form(String(buffer: body))
        _ = try await authenticator.user(request, csrfField: form["csrf"])
        if let session = request.cookies[Authenticator.sessionCookie]?.value {
            let address = context.clientAddress
            try await pool.withConnection { try People.endSession(session, address: address, on: $0) }
        }
        var response = PageResponse.redirect("/login")
        response.setCookie(Cookie(
            name: Authenticator.sessionCookie, value: "", maxAge: 0, path: "/", secure: Self.overTLS(request), httpOnly: true,
            sameSite: .strict))
        return response
    }

    /// Where to go after a login: a path of this console only (`/x`, never `//host` or a URL).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"), !next.contains("\r"), !next.contains("\n")
        else { return "/" }
        return next
    }

    static func overTLS(_ request: Request) -> Bool {
        request.uri.scheme == .https || request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
    }

    /// An `application/x-www-form-urlencoded` body (`+` is a space).
    static func form(_ body: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (s: Substring) in String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
            guard let key = parts.first.map(decode) else { continue }
            out[key] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return out
    }
}
