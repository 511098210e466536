/// SQL whose interpolations become `$1`, `$2`, … bind parameters, never concatenated text.
///
/// ```swift
/// let query: PostgresQuery = "SELECT * FROM verification_results WHERE request_id = \(id)"
/// // sql: "SELECT * FROM verification_results WHERE request_id = $1", binds: [.text(id)]
/// ```
public struct PostgresQuery: Sendable, ExpressibleByStringInterpolation {
    public var sql: String
    public var binds: [PostgresValue]

    /// SQL taken as written; `binds` fill the `$n` placeholders it already contains.
    public init(unsafeSQL: String, binds: [PostgresValue] = []) {
        self.sql = unsafeSQL
        self.binds = binds
    }

    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        self.init(unsafeSQL: stringInterpolation.sql, binds: stringInterpolation.binds)
    }

    /// Appends trusted SQL text. Never pass input from outside the program.
    public mutating func append(unsafeSQL text: String) {
        sql += text
    }

    /// Appends `$n` bound to `value`, for SQL assembled piece by piece (optional filters).
    public mutating func append(bind value: some PostgresEncodable) {
        binds.append(value.postgresValue)
        sql += "$\(binds.count)"
    }

    /// Appends `($n, $n+1, …)` bound to `values`: one row of a multi-row `VALUES` list, so
    /// a batch of rows is written by one statement instead of one statement per row.
    ///
    /// - Parameter types: SQL types to cast each value to (`$n::text`), for a `VALUES` list
    ///   outside `INSERT … VALUES`, where a column of NULLs would otherwise be taken as text.
    ///   Empty: no casts.
    public mutating func appendRow(_ values: [any PostgresEncodable], types: [String] = []) {
        precondition(types.isEmpty || types.count == values.count, "one type per value")
        sql += "("
        for (index, value) in values.enumerated() {
            if index > 0 { sql += ", " }
            binds.append(value.postgresValue)
            // Two appends, not an interpolation: a batch statement has thousands of these.
            sql += "$"
            sql += String(binds.count)
            if !types.isEmpty { sql += "::" + types[index] }
        }
        sql += ")"
    }

    /// Builds the SQL text and the bind list side by side.
    public struct StringInterpolation: StringInterpolationProtocol {
        var sql: String
        var binds: [PostgresValue]

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql = ""
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            binds = []
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        /// A value: becomes the next `$n`.
        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            binds.append(value.postgresValue)
            sql += "$\(binds.count)"
        }

        /// An optional value: nil becomes SQL NULL. Spelled out so that interpolating an
        /// optional column value is not flagged as an accidental debug description.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            appendInterpolation(value.postgresValue)
        }

        /// Trusted SQL text pasted as is, for what cannot be a parameter (an identifier the
        /// program itself chose). Never pass input from outside the program.
        public mutating func appendInterpolation(unsafeSQL text: String) {
            sql += text
        }
    }
}

extension PostgresQuery: CustomStringConvertible {
    /// The SQL and the bind *types* only: values may be personal data and are never printed.
    public var description: String {
        let kinds = binds.map { value -> String in
            switch value {
            case .null: "null"
            case .text: "text"
            case .int: "int8"
            case .double: "float8"
            case .bool: "bool"
            case .timestamp: "timestamptz"
            case .textArray: "text[]"
            case .jsonb: "jsonb"
            }
        }
        return kinds.isEmpty ? sql : "\(sql) [\(kinds.joined(separator: ", "))]"
    }
}
