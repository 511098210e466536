import Pipeline
import Foundation
import Postgres
import Verification

/// The rows `okayface-worker results` found, as a table for people, or as JSON or CSV for tools.
public struct ResultsReport: Sendable {
    /// How the rows are written.
    public enum Format: String, Sendable, CaseIterable {
        case table
        case json
        case csv
    }

    /// At most `limit` rows, newest first.
    public let rows: [StoredDecision]
    /// The query found more than `limit`: the report is cut.
    public let more: Bool
    public let limit: Int

    /// `found` is what ``ResultsFilter/find(on:)`` returned: up to `limit + 1` rows.
    public init(found: [StoredDecision], limit: Int) {
        self.limit = max(1, limit)
        rows = Array(found.prefix(self.limit))
        more = found.count > self.limit
    }

    /// The line that says the report is cut, or nil. The table ends with it; JSON and CSV
    /// stay machine-readable and the command writes it to standard error.
    public var truncationNote: String? {
        more ? "more decisions match: only the newest \(limit == 1 ? "one is" : "\(limit) are") shown (raise --limit or narrow the filters)" : nil
    }

    public func render(_ format: Format) throws -> [UInt8] {
        switch format {
        case .table: Array(table().utf8)
        case .json: try json()
        case .csv: Array(csv().utf8)
        }
    }

    private static let columns = [
        "request_id", "journey_id", "subject", "decision", "reasons", "confidence", "liveness", "capture", "attempts", "processed_at",
        "next_action", "revision",
    ]

    private func cells(_ row: StoredDecision) -> [String] {
        [
            row.requestId, row.journeyId ?? "", row.subject ?? "", row.decision.rawValue, row.reasons.joined(separator: ","),
            Self.number(row.scores.faceConfidence), Self.number(row.scores.liveness), Self.number(row.scores.captureLiveness),
            String(row.attempts), Timestamp.format(row.processedAt), row.nextAction?.rawValue ?? "", String(row.revision),
        ]
    }

    /// One line per decision under a header; empty scores are blank.
    public func table() -> String {
        let header = Self.columns
        let lines = rows.map(cells)
        let widths = header.indices.map { column in ([header] + lines).map { $0[column].count }.max() ?? 0 }
        func render(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        var footer = "(\(rows.count) \(rows.count == 1 ? "decision" : "decisions"))"
        if let truncationNote { footer = "(\(rows.count) decisions shown; \(truncationNote))" }
        return ([render(header), rule] + lines.map(render) + [footer]).joined(separator: "\n") + "\n"
    }

    /// RFC 4180: a header line, then one line per decision, CRLF line ends. A cell that a
    /// spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) gets a leading `'`: a
    /// subject comes from upstream and is shown to people who open the file.
    public func csv() -> String {
        func escape(_ cell: String) -> String {
            var text = cell
            if let first = text.first, "=+-@\t\r".contains(first) { text = "'" + text }
            guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return ([Self.columns] + rows.map(cells)).map { $0.map(escape).joined(separator: ",") + "\r\n" }.joined()
    }

    /// A JSON array of objects named like the result events' fields (design of
    /// VerificationCompleted): `scores`, `thresholds`, `vendor.httpStatus` and
    /// `vendor.messageCode` (the vendor's message code, or its error code for a failed call).
    public func json() throws -> [UInt8] {
        let objects: [[String: Any]] = try rows.map { row in
            func value(_ v: Any?) -> Any { v ?? NSNull() }
            let thresholds = try row.thresholds.map { try JSONSerialization.jsonObject(with: JSONEncoder().encode($0)) }
            return [
                "requestId": row.requestId,
                "journeyId": value(row.journeyId),
                "subject": value(row.subject),
                "decision": row.decision.rawValue,
                "reasons": row.reasons,
                "scores": [
                    "faceConfidence": value(row.scores.faceConfidence),
                    "liveness": value(row.scores.liveness),
                    "captureLiveness": value(row.scores.captureLiveness),
                    "captureLivenessScore": value(row.scores.captureLivenessScore),
                ],
                "thresholds": value(thresholds),
                "vendor": ["httpStatus": value(row.vendorHTTPStatus), "messageCode": value(row.vendorMessage)],
                "attempts": row.attempts,
                "requestedAt": value(row.requestedAt.map(Timestamp.format)),
                "processedAt": Timestamp.format(row.processedAt),
                "revision": row.revision,
                "nextAction": value(row.nextAction?.rawValue),
                "retryable": row.retryable,
                "automatedDecision": row.automatedDecision.rawValue,
                "policy": value(row.policy.map { ["id": $0.id, "hash": $0.hash] }),
                "checks": try row.checks.map { try JSONSerialization.jsonObject(with: JSONEncoder().encode($0)) },
                "reviewedBy": value(row.reviewedBy),
            ]
        }
        return Array(try JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) + [10]
    }

    private static func number(_ value: Double?) -> String {
        guard let value else { return "" }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
