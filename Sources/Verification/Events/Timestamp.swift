import Foundation

/// RFC 3339 timestamps as the events carry them (`2026-11-26T10:15:01.482Z`).
public enum Timestamp {
    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let withoutFraction = Date.ISO8601FormatStyle()

    /// Accepts both with and without fractional seconds, any offset.
    public static func parse(_ text: String) -> Date? {
        if let date = try? withFraction.parse(text) { return date }
        return try? withoutFraction.parse(text)
    }

    /// UTC with milliseconds.
    public static func format(_ date: Date) -> String { withFraction.format(date) }
}
