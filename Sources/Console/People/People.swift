import Worker
import Foundation
import Postgres

/// Users, tokens and sessions in PostgreSQL. Every change writes its `audit_log` row in the
/// same transaction. Synchronous, on a connection the caller holds: the commands use one of
/// their own, the console one of its pool's threads.
public enum People {
    /// A mistake in a user or token command, for one line on the terminal.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// One row of `users list`.
    public struct Listed: Sendable, Equatable {
        public var name: String
        public var role: ConsoleRole
        public var createdAt: Date
        public var disabledAt: Date?
        public var activeTokens: Int
    }

    /// Adds a user whose password hash was made already (`Passwords.hash`).
    public static func addUser(
        name: String, role: ConsoleRole, passwordHash: String, by actor: String, address: String?, on connection: PostgresConnection
    ) throws {
        guard ConsoleUser.isValidName(name) else {
            throw Problem("a user name is 1–64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit (got \"\(name)\")")
        }
        try connection.transaction {
            guard try connection.query(PeopleSQL.addUser(name: name, role: role, passwordHash: passwordHash)).first != nil else {
                throw Problem("user \(name) exists already")
            }
            try AuditEntry(actor: actor, action: "user_added", target: name, address: address, detail: ["role": role.rawValue])
                .write(on: connection)
        }
    }

    public static func listUsers(on connection: PostgresConnection) throws -> [Listed] {
        try connection.query(PeopleSQL.listUsers).map { row in
            guard let name = row.string("name"), let role = row.string("role").flatMap(ConsoleRole.init(rawValue:)),
                  let createdAt = row.date("created_at")
            else { throw PostgresError(message: "a console_users row lacks name, role or created_at") }
            return Listed(name: name, role: role, createdAt: createdAt, disabledAt: row.date("disabled_at"), activeTokens: row.int("tokens") ?? 0)
        }
    }

    /// Disables a user: their sessions end and their tokens are revoked. Disabling a disabled
    /// user changes nothing and is not an error.
    public static func disableUser(name: String, by actor: String, address: String?, on connection: PostgresConnection) throws {
        try connection.transaction {
            guard try connection.query(PeopleSQL.disableUser(name: name)).first != nil else { throw Problem("no user \(name)") }
            try AuditEntry(actor: actor, action: "user_disabled", target: name, address: address).write(on: connection)
        }
    }

    /// A new API token for an active user; the token itself is returned once and never stored.
    public static func createToken(user: String, label: String?, by actor: String, address: String?, on connection: PostgresConnection) throws -> String {
        let token = SecretToken.make(prefix: "okf_")
        try connection.transaction {
            guard try connection.query(PeopleSQL.activeUser(name: user)).first != nil else {
                throw Problem("no active user \(user) (okayface-worker users list shows them)")
            }
            _ = try connection.query(PeopleSQL.addToken(hash: SecretToken.hash(token), user: user, label: label))
            var detail: [String: String] = [:]
            if let label { detail["label"] = label }
            try AuditEntry(actor: actor, action: "token_created", target: user, address: address, detail: detail).write(on: connection)
        }
        return token
    }

    /// The active user a token belongs to, or nil.
    public static func user(ofToken token: String, on connection: PostgresConnection) throws -> ConsoleUser? {
        try connection.query(PeopleSQL.userOfToken(hash: SecretToken.hash(token))).first.flatMap(user(in:))
    }

    /// The active user of a live session and its CSRF token, or nil.
    public static func user(ofSession session: String, on connection: PostgresConnection) throws -> (ConsoleUser, csrf: String)? {
        guard let row = try connection.query(PeopleSQL.userOfSession(hash: SecretToken.hash(session))).first,
              let user = user(in: row), let csrf = row.string("csrf_token")
        else { return nil }
        return (user, csrf)
    }

    /// An active user's role and password hash, for a login.
    public static func credentials(of name: String, on connection: PostgresConnection) throws -> (ConsoleUser, passwordHash: String)? {
        guard let row = try connection.query(PeopleSQL.activeUser(name: name)).first, let user = user(in: row),
              let hash = row.string("password_hash")
        else { return nil }
        return (user, hash)
    }

    /// A new session for a user whose password was checked; answers the session id and its CSRF token.
    public static func startSession(
        for user: ConsoleUser, address: String?, lifetime: Duration, on connection: PostgresConnection
    ) throws -> (session: String, csrf: String) {
        let session = SecretToken.make(prefix: "")
        let csrf = SecretToken.make(prefix: "")
        try connection.transaction {
            _ = try connection.query(PeopleSQL.addSession(
                hash: SecretToken.hash(session), user: user.name, csrfToken: csrf, address: address,
                lifetimeSeconds: Int(lifetime.components.seconds)))
            try AuditEntry(actor: user.name, action: "login", target: user.name, address: address).write(on: connection)
        }
        return (session, csrf)
    }

    /// Ends a session (and drops long-expired ones).
    public static func endSession(_ session: String, address: String?, on connection: PostgresConnection) throws {
        try connection.transaction {
            let ended = try connection.query(PeopleSQL.endSession(hash: SecretToken.hash(session)))
            if let name = ended.first?.string("user_name") {
                try AuditEntry(actor: name, action: "logout", target: name, address: address).write(on: connection)
            }
        }
    }

    private static func user(in row: PostgresRow) -> ConsoleUser? {
        guard let name = row.string("name"), let role = row.string("role").flatMap(ConsoleRole.init(rawValue:)) else { return nil }
        return ConsoleUser(name: name, role: role)
    }
}
