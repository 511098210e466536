/// A failure reported by libpq or the server.
///
/// `sqlState` is the five-character SQLSTATE when the server sent one (`23505` is a unique
/// violation). `isConnectionError` means the connection is gone or could not be made: the
/// statement may or may not have run, and trying again later on a new connection is reasonable.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var sqlState: String?
    public var isConnectionError: Bool

    public init(message: String, sqlState: String? = nil, isConnectionError: Bool = false) {
        self.message = message
        self.sqlState = sqlState
        self.isConnectionError = isConnectionError
    }

    public var description: String {
        var out = "PostgreSQL"
        if let sqlState { out += " \(sqlState)" }
        if isConnectionError { out += " (connection)" }
        return out + ": " + message
    }
}

extension PostgresError {
    /// SQLSTATE classes and codes that mean the session is over: class 08 (connection
    /// exception) and the shutdown codes 57P01–57P03 (e.g. `pg_terminate_backend`, restart).
    static func isConnectionState(_ state: String?) -> Bool {
        guard let state else { return false }
        return state.hasPrefix("08") || state == "57P01" || state == "57P02" || state == "57P03"
    }
}
