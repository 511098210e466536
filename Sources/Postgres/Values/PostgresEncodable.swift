import Foundation

/// A Swift value that can be interpolated into a ``PostgresQuery`` as a bind parameter.
public protocol PostgresEncodable: Sendable {
    var postgresValue: PostgresValue { get }
}

extension PostgresValue: PostgresEncodable {
    public var postgresValue: PostgresValue { self }
}

extension String: PostgresEncodable {
    public var postgresValue: PostgresValue { .text(self) }
}

extension Substring: PostgresEncodable {
    public var postgresValue: PostgresValue { .text(String(self)) }
}

extension Int: PostgresEncodable {
    public var postgresValue: PostgresValue { .int(Int64(self)) }
}

extension Int32: PostgresEncodable {
    public var postgresValue: PostgresValue { .int(Int64(self)) }
}

extension Int64: PostgresEncodable {
    public var postgresValue: PostgresValue { .int(self) }
}

extension Double: PostgresEncodable {
    public var postgresValue: PostgresValue { .double(self) }
}

extension Bool: PostgresEncodable {
    public var postgresValue: PostgresValue { .bool(self) }
}

extension Date: PostgresEncodable {
    public var postgresValue: PostgresValue { .timestamp(self) }
}

extension Array: PostgresEncodable where Element == String {
    public var postgresValue: PostgresValue { .textArray(self) }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresValue: PostgresValue {
        switch self {
        case .none: .null
        case .some(let wrapped): wrapped.postgresValue
        }
    }
}
