import Blocking
import CLibPQ
#if canImport(Glibc)
import Glibc
#endif

/// One libpq connection; blocking; used by one thread at a time (not Sendable).
///
/// Every call blocks the calling thread until the server answers, so use it from a thread of
/// your own (``PostgresPool`` owns one per connection), never from Swift's cooperative pool.
/// Results are requested in text format and copied into ``PostgresRows``.
public final class PostgresConnection {
    private var handle: OpaquePointer?

    /// Connects with `PQconnectdbParams`. `url` is a libpq URI (`postgresql://…`) or a
    /// `key=value` string; `sslmode` and every other parameter mean what libpq says.
    /// `connect_timeout=5` applies unless the URL sets its own.
    public init(url: String) throws(PostgresError) {
        // Entries before the expanded `dbname` are defaults the URL may override.
        let keywords = ["connect_timeout", "dbname"]
        let values = [ConnectionURL.defaultConnectTimeout, url]
        handle = BlockingCall.around("PQconnectdbParams") {
            withCStringArray(keywords) { keywordPointers in
                withCStringArray(values) { valuePointers in
                    PQconnectdbParams(keywordPointers, valuePointers, 1)
                }
            }
        }
        guard let handle else {
            throw PostgresError(message: "libpq could not allocate a connection", isConnectionError: true)
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let error = PostgresError(message: Self.errorMessage(handle), isConnectionError: true)
            close()
            throw error
        }
        try prepareSession()
    }

    deinit {
        close()
    }

    /// Runs one statement with `PQexecParams`; interpolated values travel as parameters.
    @discardableResult
    public func query(_ q: PostgresQuery) throws(PostgresError) -> PostgresRows {
        let handle = try openHandle()
        var types: [UInt32] = []
        var texts: [String?] = []
        types.reserveCapacity(q.binds.count)
        texts.reserveCapacity(q.binds.count)
        for (position, bind) in q.binds.enumerated() {
            let text = bind.textRepresentation
            // A C string ends at NUL, so the server would silently get a shorter value.
            if let text, Self.containsNUL(text) {
                throw PostgresError(message: "parameter $\(position + 1) contains a NUL character, which PostgreSQL text cannot hold")
            }
            types.append(bind.typeOID)
            texts.append(text)
        }
        let result = withOptionalCStringArray(texts) { valuePointers in
            BlockingCall.around("PQexecParams") { PQexecParams(handle, q.sql, Int32(types.count), types, valuePointers, nil, nil, 0) }
        }
        return try consume(result)
    }

    /// memchr over the string's bytes where they are contiguous (native strings): the batch
    /// statements carry every result event as a parameter, and a byte-by-byte scan was a tenth
    /// of the pool threads' CPU.
    private static func containsNUL(_ text: String) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { bytes in
            guard let base = bytes.baseAddress else { return false }
            return memchr(base, 0, bytes.count) != nil
        } ?? text.utf8.contains(0)
    }

    /// Runs SQL with `PQexec`: several `;`-separated statements are allowed (migrations),
    /// no parameters; the result of the last statement is discarded.
    public func execute(_ sql: String) throws(PostgresError) {
        let handle = try openHandle()
        _ = try consume(BlockingCall.around("PQexec") { PQexec(handle, sql) })
    }

    /// `PQstatus == CONNECTION_OK`. A server that went away is noticed at the next call
    /// (or by the pool's probe), not here.
    public var isHealthy: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// Reconnects with the same parameters (`PQreset`).
    /// BEGIN … COMMIT on this connection (ROLLBACK if `body` throws). If the server turns the
    /// COMMIT into a rollback (a statement failed and `body` caught the error), this throws
    /// instead of reporting success.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN")
        let value: T
        do {
            value = try body()
        } catch {
            if isHealthy { try? execute("ROLLBACK") }
            throw error
        }
        guard try executeReturningCommandTag("COMMIT") == "COMMIT" else {
            throw PostgresError(message: "the transaction was rolled back because a statement in it failed")
        }
        return value
    }

    public func reset() throws(PostgresError) {
        let handle = try openHandle()
        BlockingCall.around("PQreset") { PQreset(handle) }
        guard PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError(message: Self.errorMessage(handle), isConnectionError: true)
        }
        try prepareSession()
    }

    /// Closes the connection; later calls throw. Safe to call twice.
    public func close() {
        if let handle {
            PQfinish(handle)
            self.handle = nil
        }
    }

    // MARK: - Used by the pool

    /// Reads whatever the server sent while the connection was idle, so that a closed socket
    /// or a termination notice turns the status bad before a job is run on it. libpq keeps
    /// its socket non-blocking, so this does not wait.
    func probe() -> Bool {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return false }
        // A terminated backend sends a FATAL message and then closes: the first read may only
        // get the message (which PQisBusy hands to the silenced notice processor), the next
        // one sees the end of the stream and marks the connection bad.
        for _ in 0..<3 {
            guard PQconsumeInput(handle) != 0 else { break }
            _ = PQisBusy(handle)
        }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// True when a statement left a transaction open (or failed inside one).
    var isInTransaction: Bool {
        guard let handle else { return false }
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// The server process id, for logs and tests.
    var backendPID: Int32 {
        guard let handle else { return 0 }
        return PQbackendPID(handle)
    }

    /// The value libpq uses for a connection parameter, e.g. `connect_timeout`.
    func option(_ keyword: String) -> String? {
        guard let handle, let options = PQconninfo(handle) else { return nil }
        defer { PQconninfoFree(options) }
        var entry = options
        while let name = entry.pointee.keyword {
            if String(cString: name) == keyword { return entry.pointee.val.map { String(cString: $0) } }
            entry += 1
        }
        return nil
    }

    /// The command tag of the last statement of `sql`, e.g. `COMMIT` or `ROLLBACK`.
    func executeReturningCommandTag(_ sql: String) throws(PostgresError) -> String {
        let handle = try openHandle()
        let result = BlockingCall.around("PQexec") { PQexec(handle, sql) }
        let tag = result.flatMap { PQcmdStatus($0) }.map { String(cString: $0) } ?? ""
        _ = try consume(result)
        return tag
    }

    // MARK: - Private

    private func openHandle() throws(PostgresError) -> OpaquePointer {
        guard let handle else {
            throw PostgresError(message: "the connection is closed", isConnectionError: true)
        }
        return handle
    }

    /// Settings the row getters depend on: UTF-8 text, ISO dates. Notices are dropped because
    /// libpq would print them to stderr, outside the service's structured log.
    private func prepareSession() throws(PostgresError) {
        let handle = try openHandle()
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        try execute("SET client_encoding TO 'UTF8'; SET DateStyle TO 'ISO, MDY'")
    }

    /// Turns a `PGresult` into rows or an error, and frees it.
    private func consume(_ result: OpaquePointer?) throws(PostgresError) -> PostgresRows {
        guard let result else {
            // libpq returns no result when it could not even send the statement.
            throw PostgresError(
                message: handle.map(Self.errorMessage) ?? "no connection",
                isConnectionError: !isHealthy)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return Self.rows(of: result)
        default:
            throw error(from: result)
        }
    }

    private func error(from result: OpaquePointer) -> PostgresError {
        let field = { (code: Character) -> String? in
            guard let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: value)
        }
        let sqlState = field("C")  // PG_DIAG_SQLSTATE
        var message = field("M")  // PG_DIAG_MESSAGE_PRIMARY
        if message == nil, let text = PQresultErrorMessage(result) {
            message = String(cString: text).trimmingTrailingWhitespace()
        }
        if message?.isEmpty ?? true, let handle {
            message = Self.errorMessage(handle)
        }
        return PostgresError(
            message: message ?? "unknown error",
            sqlState: sqlState,
            isConnectionError: !isHealthy || PostgresError.isConnectionState(sqlState))
    }

    private static func rows(of result: OpaquePointer) -> PostgresRows {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        let names = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        let layout = ColumnLayout(names: names)
        var rows: [PostgresRow] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<Int32(rowCount) {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for column in 0..<Int32(columnCount) {
                if PQgetisnull(result, row, column) != 0 {
                    values.append(nil)
                } else {
                    let length = Int(PQgetlength(result, row, column))
                    let bytes = UnsafeRawPointer(PQgetvalue(result, row, column)!)
                    let buffer = UnsafeRawBufferPointer(start: bytes, count: length)
                    values.append(String(decoding: buffer, as: UTF8.self))
                }
            }
            rows.append(PostgresRow(layout: layout, values: values))
        }
        let affected = PQcmdTuples(result).map { Int(String(cString: $0)) ?? 0 } ?? 0
        return PostgresRows(columns: names, rows: rows, affectedRows: affected)
    }

    private static func errorMessage(_ handle: OpaquePointer) -> String {
        guard let text = PQerrorMessage(handle) else { return "unknown libpq error" }
        let message = String(cString: text).trimmingTrailingWhitespace()
        return message.isEmpty ? "unknown libpq error" : message
    }
}

/// Not Sendable on purpose: a libpq connection must not be used by two threads at once.
@available(*, unavailable)
extension PostgresConnection: Sendable {}

extension String {
    fileprivate func trimmingTrailingWhitespace() -> String {
        var out = self
        while let last = out.last, last.isWhitespace { out.removeLast() }
        return out
    }
}
