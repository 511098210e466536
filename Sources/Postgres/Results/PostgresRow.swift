import Foundation

/// One result row in text format; typed getters parse the server's text output.
///
/// A getter returns nil for SQL NULL, an unknown column, or text it cannot parse as the type.
public struct PostgresRow: Sendable {
    let layout: ColumnLayout
    let values: [String?]

    /// The column names, in result order.
    public var columns: [String] { layout.names }

    public subscript(_ column: String) -> String? {
        guard let index = layout.index[column] else { return nil }
        return values[index]
    }

    public func string(_ c: String) -> String? { self[c] }

    public func int(_ c: String) -> Int? { self[c].flatMap { Int($0) } }

    public func double(_ c: String) -> Double? {
        guard let text = self[c] else { return nil }
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default: return Double(text)
        }
    }

    public func bool(_ c: String) -> Bool? {
        switch self[c] {
        case "t", "true": true
        case "f", "false": false
        default: nil
        }
    }

    /// `timestamptz`, `timestamp` (taken as UTC) or `date` columns.
    public func date(_ c: String) -> Date? { self[c].flatMap(TimestampText.parse) }

    /// One-dimensional `text[]` (or `varchar[]`) columns; nil if an element is NULL.
    public func textArray(_ c: String) -> [String]? { self[c].flatMap(ArrayLiteral.parse) }
}

/// Column names and their positions, shared by all rows of one result.
final class ColumnLayout: Sendable {
    let names: [String]
    let index: [String: Int]

    init(names: [String]) {
        self.names = names
        // With duplicate names (`SELECT a.id, b.id`) the first one wins, as in most drivers.
        var index: [String: Int] = [:]
        for (position, name) in names.enumerated() where index[name] == nil {
            index[name] = position
        }
        self.index = index
    }
}
