import Foundation
import Postgres
import Verification

/// The rows `okayface-worker results` found, as a table for people or as JSON for tools.
public enum ResultsReport {
    /// One line per decision under a header; empty scores are blank.
    public static func table(_ rows: [PostgresRow]) -> String {
        let header = ["request_id", "journey_id", "subject", "decision", "reasons", "confidence", "liveness", "capture", "attempts", "processed_at"]
        let lines = rows.map { row -> [String] in
            [
                row.string("request_id") ?? "", row.string("journey_id") ?? "", row.string("subject") ?? "",
                row.string("decision") ?? "", (row.textArray("reasons") ?? []).joined(separator: ","),
                number(row.double("face_confidence")), number(row.double("liveness_probability")),
                number(row.double("capture_liveness_probability")), row.string("attempts") ?? "",
                row.date("processed_at").map(Timestamp.format) ?? "",
            ]
        }
        let widths = header.indices.map { column in ([header] + lines).map { $0[column].count }.max() ?? 0 }
        func render(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([render(header), rule] + lines.map(render) + ["(\(rows.count) \(rows.count == 1 ? "decision" : "decisions"))"])
            .joined(separator: "\n") + "\n"
    }

    /// A JSON array of objects named like the result events' fields.
    public static func json(_ rows: [PostgresRow]) throws -> [UInt8] {
        let objects: [[String: Any]] = rows.map { row in
            func value(_ v: Any?) -> Any { v ?? NSNull() }
            return [
                "requestId": value(row.string("request_id")),
                "journeyId": value(row.string("journey_id")),
                "subject": value(row.string("subject")),
                "decision": value(row.string("decision")),
                "reasons": row.textArray("reasons") ?? [],
                "scores": [
                    "faceConfidence": value(row.double("face_confidence")),
                    "liveness": value(row.double("liveness_probability")),
                    "captureLiveness": value(row.double("capture_liveness_probability")),
                    "captureLivenessScore": value(row.double("capture_liveness_score")),
                ],
                "vendor": ["httpStatus": value(row.int("vendor_http_status")), "message": value(row.string("vendor_message"))],
                "attempts": value(row.int("attempts")),
                "requestedAt": value(row.date("requested_at").map(Timestamp.format)),
                "processedAt": value(row.date("processed_at").map(Timestamp.format)),
            ]
        }
        return Array(try JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) + [10]
    }

    private static func number(_ value: Double?) -> String {
        guard let value else { return "" }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
