import Foundation
import Hummingbird
import Postgres
import Verification
import Worker

/// `/quality`: how decisions fall over a window, and what other thresholds would have done.
struct QualityPage: Sendable {
    var pool: PostgresPool

    /// The what-if inputs: the parameter, its label, its range.
    // Key paths into a value type are immutable values; Swift does not yet see them as Sendable.
    nonisolated(unsafe) private static let inputs: [(name: String, label: String, range: ClosedRange<Double>, path: WritableKeyPath<Thresholds, Double>)] = [
        ("faceConfidence", "Face match threshold", 0...100, \.faceConfidence),
        ("liveness", "Liveness threshold", 0...1, \.liveness),
        ("captureLiveness", "Capture liveness threshold", 0...1, \.captureLiveness),
        ("faceConfidenceReviewBand", "Face match review band", 0...100, \.faceConfidenceReviewBand),
        ("livenessReviewBand", "Liveness review band", 0...1, \.livenessReviewBand),
        ("captureLivenessReviewBand", "Capture liveness review band", 0...1, \.captureLivenessReviewBand),
    ]

    func render(_ request: Request, _ page: PageContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        var context = page.base(title: "Quality")
        let sinceText = parameters.get("since").flatMap { $0.isEmpty ? nil : $0 } ?? "30d"
        context["since"] = sinceText
        guard let since = AgeSpec.instant(sinceText) else {
            throw APIError.badRequest("The window must start at an RFC 3339 time or an age such as 30d (got \"\(sinceText)\").")
        }
        // The policy in force lately is where the what-if starts.
        let current = try await pool.withConnection { connection in
            try connection.query("SELECT thresholds::text AS t FROM verification_results ORDER BY processed_at DESC LIMIT 1").first?.string("t")
        }.flatMap { try? JSONDecoder().decode(Thresholds.self, from: Data($0.utf8)) } ?? .vendorRecommended
        var asked = current
        for input in Self.inputs {
            guard let text = parameters.get(input.name), !text.isEmpty else { continue }
            guard let value = Double(text), value.isFinite, input.range.contains(value) else {
                throw APIError.badRequest("\(input.label) must be a number in \(PageFormat.number(input.range.lowerBound))–\(PageFormat.number(input.range.upperBound)) (got \"\(text)\").")
            }
            asked[keyPath: input.path] = value
        }
        let wanted = asked
        context["fields"] = Self.inputs.map { ["name": $0.name, "label": $0.label, "value": PageFormat.number(asked[keyPath: $0.path])] }

        let histogramSpecs: [(String, String, Double, Double, Double)] = [
            ("face_confidence", "Face match confidence", 0, 100, current.faceConfidence),
            ("liveness_probability", "Liveness probability", 0, 1, current.liveness),
            ("capture_liveness_probability", "Capture liveness probability", 0, 1, current.captureLiveness),
        ]
        let (daily, perDay, histograms, whatIf) = try await pool.withConnection { connection in
            let daily = try connection.query(QualitySQL.daily(since: since)).map { row in
                (row.string("day") ?? "", row.string("decision") ?? "", row.string("reason") ?? "", row.int("decisions") ?? 0)
            }
            var perDay: [String: [String: Int]] = [:]
            for row in try connection.query(QualitySQL.perDay(since: since)) {
                perDay[row.string("day") ?? "", default: [:]][row.string("decision") ?? ""] = row.int("n") ?? 0
            }
            let histograms = try histogramSpecs.map { spec in
                var counts = [Int](repeating: 0, count: 20)
                for row in try connection.query(QualitySQL.histogram(column: spec.0, low: spec.2, high: spec.3, buckets: 20, since: since)) {
                    // Below the range counts in the first bar, at or above its top (100, 1) in the last.
                    let bucket = min(max((row.int("bucket") ?? 1) - 1, 0), 19)
                    counts[bucket] += row.int("n") ?? 0
                }
                return SVGChart.histogram(title: spec.1, counts: counts, low: spec.2, high: spec.3, threshold: spec.4)
            }
            let whatIf = try connection.query(QualitySQL.whatIf(wanted, since: since)).map { row in
                (row.string("was") ?? "", row.string("would") ?? "", row.int("n") ?? 0)
            }
            return (daily, perDay, histograms, whatIf)
        }
        context["daily"] = daily.map { ["day": $0.0, "decision": $0.1, "reason": $0.2, "decisions": $0.3] }
        context["dailyChart"] = SVGChart.daily(days: perDay.keys.sorted().map { ($0, perDay[$0]!) })
        context["histograms"] = histograms.map { ["svg": $0] }
        do {
            let judged = whatIf.reduce(0) { $0 + $1.2 }
            let moved = whatIf.filter { $0.0 != $0.1 }.reduce(0) { $0 + $1.2 }
            context["whatIf"] = [
                "rows": whatIf.map { ["was": $0.0, "would": $0.1, "n": $0.2, "changed": $0.0 != $0.1] as [String: Any] },
                "judged": judged, "moved": moved,
            ] as [String: Any]
        }
        return PageResponse.render("quality", context)
    }
}
