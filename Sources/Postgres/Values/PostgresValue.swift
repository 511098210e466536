import Foundation

/// A bind parameter; rendered in text format for PQexecParams, with explicit type OIDs where it matters.
///
/// Every case carries its type (`.int` is `bigint`, `.text` is `text`), so expressions such as
/// `\(count) + 1` or `pg_typeof(\(name))` resolve without casts and mismatches fail loudly. Where
/// another type is wanted, cast in SQL: `\(id)::uuid`, `pg_terminate_backend(\(pid)::int)`.
public enum PostgresValue: Sendable, Equatable {
    case null
    case text(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    /// `timestamptz`, sent as ISO-8601 with milliseconds in UTC.
    case timestamp(Date)
    /// `text[]`; every element is quoted, so commas, quotes, backslashes and the word NULL stay data.
    case textArray([String])
    /// A JSON document, sent as `jsonb`.
    case jsonb(String)
}

extension PostgresValue {
    /// The type OID libpq passes to the server.
    var typeOID: UInt32 {
        switch self {
        case .null: 0  // NULL fits any type; the server takes it from context
        case .text: 25  // text
        case .int: 20  // int8
        case .double: 701  // float8
        case .bool: 16  // bool
        case .timestamp: 1184  // timestamptz
        case .textArray: 1009  // text[]
        case .jsonb: 3802  // jsonb
        }
    }

    /// The value in PostgreSQL's text input format, or nil for SQL NULL.
    var textRepresentation: String? {
        switch self {
        case .null: nil
        case .text(let string): string
        case .int(let int): String(int)
        case .double(let double): Self.render(double)
        case .bool(let bool): bool ? "t" : "f"
        case .timestamp(let date): TimestampText.format(date)
        case .textArray(let strings): ArrayLiteral.format(strings)
        case .jsonb(let json): json
        }
    }

    /// Swift prints `inf` and `nan`; PostgreSQL spells them its own way.
    private static func render(_ double: Double) -> String {
        if double.isNaN { return "NaN" }
        if double.isInfinite { return double < 0 ? "-Infinity" : "Infinity" }
        return "\(double)"
    }
}
