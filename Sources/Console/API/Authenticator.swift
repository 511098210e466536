import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// Who is asking: a Bearer token (`okayface-worker tokens create`) or the session cookie of a
/// login. Every route asks here first; nothing a request says about itself (a `reviewer` field,
/// a header naming a user) counts.
public struct Authenticator: Sendable {
    public static let sessionCookie = "okayface_session"
    /// The header a cookie-authenticated POST carries its session's CSRF token in (forms carry
    /// it as a field).
    public static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    public var pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    /// How a request proved who it is.
    public enum Credential: Sendable, Equatable {
        case token
        /// A session, with the CSRF token its forms and POSTs must carry.
        case session(csrf: String)
    }

    /// The authenticated user, or 401. A POST on a session must carry its CSRF token (403
    /// otherwise), so another site cannot make a reviewer's browser act.
    public func user(_ request: Request, csrfField: String? = nil) async throws -> (ConsoleUser, Credential) {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw APIError.unauthenticated }
            let token = String(parts[1]).trimmingCharacters(in: .whitespaces)
            guard let user = try await pool.withConnection({ try People.user(ofToken: token, on: $0) }) else {
                throw APIError.unauthenticated
            }
            return (user, .token)
        }
        guard let (user, csrf) = try await session(request) else { throw APIError.unauthenticated }
        if request.method == .post {
            let given = request.headers[Self.csrfHeader] ?? csrfField
            guard given == csrf else {
                throw APIError(.forbidden, "csrf", "this form or request lacks its CSRF token; reload the page and try again")
            }
        }
        return (user, .session(csrf: csrf))
    }

    /// The user of the request's live session cookie and the session's CSRF token, or nil: the
    /// one lookup of a session, for the API, the pages and the images.
    public func session(_ request: Request) async throws -> (ConsoleUser, csrf: String)? {
        guard let session = request.cookies[Self.sessionCookie]?.value, !session.isEmpty else { return nil }
        return try await pool.withConnection { try People.user(ofSession: session, on: $0) }
    }

    /// The user, who must be allowed to review (403 for a viewer).
    public func reviewer(_ request: Request, csrfField: String? = nil) async throws -> ConsoleUser {
        let (user, _) = try await user(request, csrfField: csrfField)
        guard user.role.mayReview else {
            throw APIError.forbidden("\(user.name) is a viewer; reviewing needs the reviewer or admin role")
        }
        return user
    }
}
