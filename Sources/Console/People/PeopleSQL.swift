import Postgres

/// The SQL of users, tokens and sessions.
enum PeopleSQL {
    static func addUser(name: String, role: ConsoleRole, passwordHash: String) -> PostgresQuery {
        """
        INSERT INTO console_users (name, role, password_hash) VALUES (\(name), \(role.rawValue), \(passwordHash))
        ON CONFLICT (name) DO NOTHING RETURNING name
        """
    }

    static let listUsers: PostgresQuery = """
        SELECT u.name, u.role, u.created_at, u.disabled_at,
               (SELECT count(*) FROM console_tokens t WHERE t.user_name = u.name AND t.revoked_at IS NULL) AS tokens
        FROM console_users u ORDER BY u.name
        """

    /// Disables the user and ends their sessions and tokens at once.
    static func disableUser(name: String) -> PostgresQuery {
        """
        WITH u AS (UPDATE console_users SET disabled_at = coalesce(disabled_at, now()) WHERE name = \(name) RETURNING name),
             t AS (UPDATE console_tokens SET revoked_at = now() WHERE user_name IN (SELECT name FROM u) AND revoked_at IS NULL),
             s AS (DELETE FROM console_sessions WHERE user_name IN (SELECT name FROM u))
        SELECT name FROM u
        """
    }

    static func activeUser(name: String) -> PostgresQuery {
        "SELECT name, role, password_hash FROM console_users WHERE name = \(name) AND disabled_at IS NULL"
    }

    static func addToken(hash: String, user: String, label: String?) -> PostgresQuery {
        "INSERT INTO console_tokens (token_hash, user_name, label) VALUES (\(hash), \(user), \(label))"
    }

    static func userOfToken(hash: String) -> PostgresQuery {
        """
        SELECT u.name, u.role FROM console_tokens t JOIN console_users u ON u.name = t.user_name
        WHERE t.token_hash = \(hash) AND t.revoked_at IS NULL AND u.disabled_at IS NULL
        """
    }

    static func addSession(hash: String, user: String, csrfToken: String, address: String?, lifetimeSeconds: Int) -> PostgresQuery {
        """
        INSERT INTO console_sessions (session_hash, user_name, csrf_token, address, expires_at)
        VALUES (\(hash), \(user), \(csrfToken), \(address), now() + make_interval(secs => \(Double(lifetimeSeconds))))
        """
    }

    static func userOfSession(hash: String) -> PostgresQuery {
        """
        SELECT u.name, u.role, s.csrf_token FROM console_sessions s JOIN console_users u ON u.name = s.user_name
        WHERE s.session_hash = \(hash) AND s.expires_at > now() AND u.disabled_at IS NULL
        """
    }

    static func endSession(hash: String) -> PostgresQuery {
        "DELETE FROM console_sessions WHERE session_hash = \(hash) OR expires_at < now() - interval '1 day' RETURNING user_name"
    }
}
