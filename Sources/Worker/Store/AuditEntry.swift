import Foundation
import Postgres

/// One row of `audit_log`: who did what, to what, from where. The table refuses changes and
/// removals, so an entry is written in the transaction of what it records and then stays.
public struct AuditEntry: Sendable {
    /// The user, as authenticated; for a failed login, the name that was given.
    public var actor: String?
    /// `login`, `login_failed`, `logout`, `review`, `review_proposed`, `review_confirmed`,
    /// `review_declined`, `user_added`, `user_disabled`, `token_created`, `reader_granted`, `image_viewed`,
    /// `dlq_replayed`.
    public var action: String
    /// A requestId, a reviewId, a user's or a role's name.
    public var target: String?
    /// The client's address, or `cli` for a command on the database's host.
    public var address: String?
    public var detail: [String: String]

    public init(actor: String?, action: String, target: String? = nil, address: String?, detail: [String: String] = [:]) {
        self.actor = actor
        self.action = action
        self.target = target
        self.address = address
        self.detail = detail
    }

    /// The INSERT of this entry.
    public var insert: PostgresQuery {
        let json = (try? JSONSerialization.data(withJSONObject: detail, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return """
            INSERT INTO audit_log (actor, action, target, address, detail)
            VALUES (\(actor), \(action), \(target), \(address), \(PostgresValue.jsonb(json)))
            """
    }

    /// Writes it on `connection`, inside whatever transaction is open there.
    public func write(on connection: PostgresConnection) throws {
        _ = try connection.query(insert)
    }

    /// Who runs a command on this machine: `cli:` and the login name.
    public static var commandLineActor: String {
        let environment = ProcessInfo.processInfo.environment
        let name = environment["USER"] ?? environment["LOGNAME"] ?? getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) } ?? "unknown"
        return "cli:" + name
    }
}
