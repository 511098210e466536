import Foundation

/// A bench run second by second: the rows of `timeline.csv` and of the chart.
struct BenchTimeline: Sendable {
    struct Second: Sendable {
        /// Start of the second, counted from the first publish.
        var second: Int
        var published = 0
        /// Results that arrived during this second (= decisions per second).
        var throughput = 0
        /// Results that arrived up to the end of this second.
        var decisions = 0
        /// Requests published and not yet decided at the end of this second.
        var backlog = 0
        /// End-to-end latency of the results that arrived during this second; nil without any.
        var p50Ms: Double?
        var p99Ms: Double?
        /// The worker's resident set size at the last sample of this second.
        var rssMB: Double?
        /// The worker's CPU time during this second, in percent of one core.
        var cpuPercent: Double?
    }

    var seconds: [Second]

    init(report: BenchReport) {
        let lastResult = report.requests.compactMap(\.resultAt).max() ?? 0
        let count = Int(lastResult.rounded(.down)) + 1
        seconds = (0..<count).map { Second(second: $0) }
        var latencies = [[Double]](repeating: [], count: count)
        for r in report.requests {
            let p = Int(r.publishedAt.rounded(.down))
            if seconds.indices.contains(p) { seconds[p].published += 1 }
            guard let at = r.resultAt, let latency = r.endToEndMs else { continue }
            let s = min(count - 1, Int(at.rounded(.down)))
            seconds[s].throughput += 1
            latencies[s].append(latency)
        }
        var total = 0
        var sent = 0
        for s in seconds.indices {
            total += seconds[s].throughput
            sent += seconds[s].published
            seconds[s].decisions = total
            seconds[s].backlog = sent - total
            let sorted = latencies[s].sorted()
            if !sorted.isEmpty {
                seconds[s].p50Ms = BenchReport.percentile(sorted, 0.5)
                seconds[s].p99Ms = BenchReport.percentile(sorted, 0.99)
            }
        }
        // CPU per second: the difference between the last samples at or before each edge.
        let samples = report.samples.sorted { $0.at < $1.at }
        func lastSample(atOrBefore t: Double) -> BenchReport.WorkerSample? { samples.last { $0.at <= t } }
        for s in seconds.indices {
            let start = Double(s), end = Double(s + 1)
            guard let a = lastSample(atOrBefore: start) ?? samples.first, let b = lastSample(atOrBefore: end), b.at > a.at else { continue }
            seconds[s].cpuPercent = (b.cpuSeconds - a.cpuSeconds) / (b.at - a.at) * 100
            seconds[s].rssMB = Double(b.rssBytes) / 1_048_576
        }
    }

    var csv: String {
        var lines = ["second,published,decisions,throughput_per_s,p50_ms,p99_ms,worker_rss_mb,worker_cpu_percent,backlog"]
        for s in seconds {
            lines.append([
                "\(s.second)", "\(s.published)", "\(s.decisions)", "\(s.throughput)",
                BenchCSV.number(s.p50Ms), BenchCSV.number(s.p99Ms), BenchCSV.number(s.rssMB), BenchCSV.number(s.cpuPercent),
                "\(s.backlog)",
            ].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The per-request file, `requests.csv`, and the number format both CSV files share.
enum BenchCSV {
    static let requestHeader = "request_id,published_s,result_s,end_to_end_ms,vendor_ms,added_ms,vendor_calls,decision,"
        + "kafka_in_ms,before_vendor_ms,after_vendor_ms,decided_to_write_ms,write_to_result_ms"

    static func requests(_ requests: [BenchRequest]) -> String {
        var text = requestHeader + "\n"
        for r in requests {
            text += [
                r.requestId, number(r.publishedAt, places: 6), number(r.resultAt, places: 6), number(r.endToEndMs),
                number(r.vendorMs), number(r.addedMs), "\(r.vendorCalls)", r.decision ?? "",
                number(r.kafkaInMs), number(r.beforeVendorMs), number(r.afterVendorMs), number(r.decidedToWriteMs),
                number(r.writeToResultMs),
            ].joined(separator: ",")
            text += "\n"
        }
        return text
    }

    /// Fixed-point with `places` decimals; empty for none.
    static func number(_ value: Double?, places: Int = 3) -> String {
        guard let value else { return "" }
        return String(format: "%.\(places)f", value)
    }
}
