import Pipeline
import Foundation
import Verification

/// A duration written the way operators write retention and look-back windows: a whole
/// number and a unit, `90d`, `12h`, `30m`, `45s`, `2w`, `5y` (a year is 365 days).
public enum AgeSpec {
    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let unit = trimmed.last, let number = Int(trimmed.dropLast()), number > 0 else { return nil }
        let seconds: Int
        switch unit {
        case "s": seconds = 1
        case "m": seconds = 60
        case "h": seconds = 3_600
        case "d": seconds = 86_400
        case "w": seconds = 604_800
        case "y": seconds = 365 * 86_400
        default: return nil
        }
        let (total, overflow) = number.multipliedReportingOverflow(by: seconds)
        guard !overflow, total <= 100 * 365 * 86_400 else { return nil }
        return .seconds(total)
    }

    /// A point in time: RFC 3339, or an age (`24h`) meaning that long before `now`.
    public static func instant(_ text: String, now: Date = Date()) -> Date? {
        if let date = Timestamp.parse(text) { return date }
        guard let age = parse(text) else { return nil }
        return now.addingTimeInterval(-Double(age.components.seconds))
    }
}
