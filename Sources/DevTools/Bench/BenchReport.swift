import Foundation
import Simulator

/// What a bench run measured, the figures derived from it, and the verdict.
public struct BenchReport: Sendable {
    /// The worker's CPU time and memory at one moment, seconds since the first publish.
    public struct WorkerSample: Sendable {
        public var at: Double
        public var cpuSeconds: Double
        public var rssBytes: Int
        public var peakRSSBytes: Int
    }

    /// Percentiles of one series, in milliseconds.
    public struct Spread: Sendable {
        public var p50: Double
        public var p95: Double
        public var p99: Double
        public var max: Double

        init(_ values: [Double]) {
            let sorted = values.sorted()
            p50 = BenchReport.percentile(sorted, 0.50)
            p95 = BenchReport.percentile(sorted, 0.95)
            p99 = BenchReport.percentile(sorted, 0.99)
            max = sorted.last ?? 0
        }

        var text: String { String(format: "p50 %.1f ms  p95 %.1f ms  p99 %.1f ms  max %.1f ms", p50, p95, p99, max) }
    }

    public var settings: String
    public var outputDirectory: String
    public var requests: [BenchRequest]
    /// Every 100 ms from before the first publish to after the last result.
    public var samples: [WorkerSample]
    /// Result events seen for this run's requests, re-published copies included.
    public var resultEvents = 0
    /// `verification_results` rows, and outbox rows still unsent when the run ended.
    public var rows = 0
    public var unsentOutbox = 0
    public var workerExit: WorkerExit?
    /// Why the run failed, when it did (besides undecided requests).
    public var failure: String?
    /// The chart, when it was rendered.
    public var chart: String?
    public var notes: [String] = []

    // Derived figures.
    public var published: Int { requests.count }
    public var decided: Int { requests.filter { $0.resultAt != nil }.count }
    /// From the first publish to the last result.
    public var duration: Double { requests.compactMap(\.resultAt).max() ?? 0 }
    public var overallThroughput: Double { duration > 0 ? Double(decided) / duration : 0 }
    /// Decisions per second between the 10% and the 90% result, leaving out warm-up and tail.
    public var steadyThroughput: Double {
        let times = requests.compactMap(\.resultAt).sorted()
        guard times.count >= 10 else { return overallThroughput }
        let low = times.count / 10, high = times.count * 9 / 10
        let span = times[high] - times[low]
        return span > 0 ? Double(high - low) / span : overallThroughput
    }
    public var endToEnd: Spread { Spread(requests.compactMap(\.endToEndMs)) }
    /// The requests published between 10% and 90% of the publishing span: latency without the
    /// start-up (the first fetches and connections) and the tail of the run.
    /// Meaningful for paced runs (`--rate`); unpaced runs publish everything in a second or two.
    public var steadyRequests: [BenchRequest] {
        let times = requests.map(\.publishedAt).sorted()
        guard times.count >= 10 else { return requests }
        let low = times[times.count / 10], high = times[times.count * 9 / 10]
        return requests.filter { $0.publishedAt >= low && $0.publishedAt <= high }
    }
    public var steadyEndToEnd: Spread { Spread(steadyRequests.compactMap(\.endToEndMs)) }
    public var steadyAdded: Spread { Spread(steadyRequests.compactMap(\.addedMs)) }
    public var vendor: Spread { Spread(requests.compactMap(\.vendorMs)) }
    public var added: Spread { Spread(requests.compactMap(\.addedMs)) }
    /// The worker's CPU time over the measured window (first publish to last result).
    public var workerCPUSeconds: Double {
        guard let first = samples.first, let last = samples.last else { return 0 }
        return last.cpuSeconds - first.cpuSeconds
    }
    public var workerCPUPercent: Double {
        guard let first = samples.first, let last = samples.last, last.at > first.at else { return 0 }
        return workerCPUSeconds / (last.at - first.at) * 100
    }
    /// CPU seconds of the whole machine over the same window, and who used them.
    public struct MachineShare: Sendable {
        public var cores: Int
        public var busySeconds: Double
        public var benchSeconds: Double
        public var postgresSeconds: Double
    }
    public var machine: MachineShare?

    /// What the in-process simulator saw: OkayFace Plus calls, per second and refused by its quota.
    public struct VendorCalls: Sendable {
        public var calls: Int
        public var quotaRefusals: Int
        public var perSecond: [Int: Int]

        public init(_ stats: SimulatorStats) {
            calls = stats.okayFaceCalls
            quotaRefusals = stats.quotaRefusals
            perSecond = stats.okayFaceCallsPerSecond
        }

        /// Calls per second over the whole seconds between the first and the last (the two
        /// partial ones left out).
        public var steadyRate: Double {
            let seconds = perSecond.keys.sorted()
            guard seconds.count > 2 else { return Double(calls) }
            let inner = seconds.dropFirst().dropLast()
            return Double(inner.map { perSecond[$0] ?? 0 }.reduce(0, +)) / Double(inner.last! - inner.first! + 1)
        }

        public var busiestSecond: Int { perSecond.values.max() ?? 0 }
    }
    public var vendorCalls: VendorCalls?

    public var peakRSSBytes: Int { samples.map { max($0.peakRSSBytes, $0.rssBytes) }.max() ?? 0 }
    public var decisions: [String: Int] {
        requests.reduce(into: [:]) { counts, r in if let d = r.decision { counts[d, default: 0] += 1 } }
    }

    /// Every request decided and published, and nothing else went wrong.
    public var passed: Bool { failure == nil && decided == published && published > 0 }

    public var verdict: String {
        if passed { return "OK: \(decided) of \(published) requests decided and published" }
        var reasons: [String] = []
        if let failure { reasons.append(failure) }
        if decided < published { reasons.append("\(published - decided) of \(published) requests without a result event") }
        return "FAIL: " + reasons.joined(separator: "; ")
    }

    public var rendered: String {
        let breakdown: [(String, [Double])] = [
            ("Kafka in (publish → worker received)", requests.compactMap(\.kafkaInMs)),
            ("received → vendor call starts", requests.compactMap(\.beforeVendorMs)),
            ("vendor calls", requests.compactMap(\.vendorMs)),
            ("vendor answered → decided", requests.compactMap(\.afterVendorMs)),
            ("decided → its transaction starts", requests.compactMap(\.decidedToWriteMs)),
            ("transaction starts → result event read", requests.compactMap(\.writeToResultMs)),
        ]
        var lines = [
            "settings        \(settings)",
            "decided         \(decided) of \(published): "
                + decisions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                + "; \(rows) rows, \(resultEvents) result events, \(unsentOutbox) outbox rows unsent",
            String(format: "throughput      %.0f decisions/s steady (10%%–90%% of results), %.0f overall (%d in %.1f s)",
                   steadyThroughput, overallThroughput, decided, duration),
            "end to end      \(endToEnd.text)",
            "vendor time     \(vendor.text)",
            "added latency   \(added.text)",
            "steady window   requests published between 10% and 90% of the publishing span:",
            "  end to end    \(steadyEndToEnd.text)",
            "  added latency \(steadyAdded.text)",
            String(format: "worker CPU      %.1f s (%.0f%% of one core over %.1f s)", workerCPUSeconds, workerCPUPercent,
                   (samples.last?.at ?? 0) - (samples.first?.at ?? 0)),
            String(format: "worker RSS      peak %.1f MB", Double(peakRSSBytes) / 1_048_576),
        ]
        if let m = machine, duration > 0 {
            let window = (samples.last?.at ?? 0) - (samples.first?.at ?? 0)
            let other = m.busySeconds - workerCPUSeconds - m.benchSeconds - m.postgresSeconds
            lines.append(String(
                format: "machine CPU     %d cores %.0f%% busy: worker %.1f s, PostgreSQL %.1f s, bench process (mock Kafka, simulator, publisher, reader) %.1f s, other %.1f s",
                m.cores, window > 0 ? m.busySeconds / (window * Double(m.cores)) * 100 : 0, workerCPUSeconds,
                m.postgresSeconds, m.benchSeconds, max(0, other)))
        }
        lines += [
            "where the end-to-end time went:",
        ]
        for (name, values) in breakdown {
            let sorted = values.sorted()
            let label = name.padding(toLength: 38, withPad: " ", startingAt: 0)
            lines.append("  " + label + String(format: " p50 %8.1f ms  p99 %8.1f ms", Self.percentile(sorted, 0.5), Self.percentile(sorted, 0.99)))
        }
        if let v = vendorCalls {
            lines.append(String(
                format: "vendor calls    %d OkayFace Plus calls, %.1f/s steady, busiest second %d, %d (%.1f%%) refused by the quota (429)",
                v.calls, v.steadyRate, v.busiestSecond, v.quotaRefusals, v.calls > 0 ? Double(v.quotaRefusals) / Double(v.calls) * 100 : 0))
        }
        if let workerExit { lines.append("worker          \(workerExit)") }
        lines.append("files           \(outputDirectory)/requests.csv, timeline.csv" + (chart.map { ", " + URL(fileURLWithPath: $0).lastPathComponent } ?? ""))
        lines += notes.map { "note            " + $0 }
        return lines.joined(separator: "\n")
    }

    /// Nearest-rank percentile of sorted values; 0 for none.
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count, max(1, rank)) - 1]
    }
}
