import Foundation
import Hummingbird
import Verification

/// How pages show times, numbers and what a form came to.
enum PageFormat {
    /// UTC, to the second; the page's footer names the zone.
    static func time(_ date: Date) -> String {
        // `2026-11-26T10:15:01.482Z` → `2026-11-26 10:15:01`.
        let text = Timestamp.format(date).replacingOccurrences(of: "T", with: " ")
        return String(text.prefix { $0 != "." && $0 != "Z" })
    }

    /// Milliseconds with one decimal.
    static func milliseconds(_ value: Double) -> String {
        String(format: "%.1f", value)
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`.
    static func age(_ seconds: Double) -> String {
        let s = max(0, Int(seconds))
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min" }
        if s < 86_400 { return "\(s / 3600) h \(s % 3600 / 60) min" }
        return "\(s / 86_400) d \(s % 86_400 / 3600) h"
    }

    static func queryValue(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
    }

    /// Where a form sends the browser back to, saying what happened by a word the page knows
    /// (never text from the request, so the address cannot put words on the page).
    static func outcomeQuery(_ outcome: ReviewDesk.Outcome) -> String {
        switch outcome {
        case .revised(let revised): return revised.review?.confirmedBy == nil ? "?done=revised" : "?done=confirmed"
        case .proposed: return "?done=proposed"
        case .declined: return "?done=declined"
        case .notFound: return "?refused=not_found"
        case .refused(let why): return "?refused=" + APIRoutes.refusal(why).code
        }
    }

    static func notice(_ request: Request) -> String? {
        switch request.uri.queryParameters.get("done") {
        case "revised": "The review is in force: a new revision was written and published."
        case "confirmed": "Confirmed: the action is in force as a new revision."
        case "proposed": "Proposed: it takes effect when a second reviewer confirms it. The decision in force is unchanged."
        case "declined": "Declined: the decision is unchanged."
        default: nil
        }
    }

    static func refusalNotice(_ request: Request) -> String? {
        switch request.uri.queryParameters.get("refused") {
        case "stale_revision": "Nothing changed: the decision was revised meanwhile. Read it again and decide."
        case "review_pending": "Nothing changed: a four-eyes action waits on this decision. Confirm or decline it first."
        case "review_settled": "Nothing changed: that action was settled already."
        case "forbidden": "Nothing changed: a four-eyes action needs a second reviewer, not its proposer."
        case "reason_missing": "Nothing changed: a review needs a reason."
        case "reason_too_long": "Nothing changed: a reason has at most 2,000 characters."
        case "unknown_action": "Nothing changed: choose approve, reject or ask for new photos."
        case "not_found": "Nothing changed: there is no such decision or review."
        default: nil
        }
    }
}
