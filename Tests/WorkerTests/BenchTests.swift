import DevTools
import Foundation
import Logging
import TestSupport
import Testing

/// `okayface-dev bench`, small: a real worker process, the mock cluster and the simulator, a
/// fresh database on the test server. Checks that every request is accounted for and that the
/// report, `requests.csv` and `timeline.csv` agree with each other; it times nothing.
@Suite(.timeLimit(.minutes(3)), .offCooperativePool)
struct BenchTests {
    struct Prerequisite: Error, CustomStringConvertible { var description: String }

    @Test func aSmallRunDecidesEveryRequestAndItsFilesAgreeWithItsReport() async throws {
        let folder = try Self.folder()
        var c = try Self.configuration(folder: folder)
        c.requests = 150
        let report = try await BenchRun(configuration: c, logger: Self.logger).run()

        #expect(report.passed, "\(report.verdict)\n\(report.rendered)")
        #expect(report.published == 150 && report.decided == 150)
        #expect(report.rows == 150)
        #expect(report.resultEvents >= 150)
        #expect(report.unsentOutbox == 0)
        #expect(report.workerExit.map { !$0.bySignal && $0.status == 0 } == true, "\(String(describing: report.workerExit))")
        #expect(report.workerCPUSeconds > 0)
        #expect(report.peakRSSBytes > 5 << 20)
        #expect(report.steadyThroughput > 0 && report.overallThroughput > 0)

        // requests.csv: one row per request, each row's figures consistent with its stamps.
        let rows = try Self.csv(folder + "/requests.csv")
        #expect(rows.header.starts(with: ["request_id", "published_s", "result_s", "end_to_end_ms", "vendor_ms", "added_ms", "vendor_calls", "decision"]))
        #expect(rows.records.count == 150)
        #expect(Set(rows.records.map { $0["request_id"] ?? "" }).count == 150)
        var decisions: [String: Int] = [:]
        var endToEnd: [Double] = []
        for r in rows.records {
            let published = try #require(Double(r["published_s"] ?? ""))
            let result = try #require(Double(r["result_s"] ?? ""))
            let e2e = try #require(Double(r["end_to_end_ms"] ?? ""))
            let vendor = try #require(Double(r["vendor_ms"] ?? ""))
            let added = try #require(Double(r["added_ms"] ?? ""))
            #expect(result > published)
            #expect(abs(e2e - (result - published) * 1000) < 0.01)
            #expect(vendor > 0 && vendor < e2e)
            #expect(abs(added - (e2e - vendor)) < 0.01)
            // Precreated journeys: one OkayFace Plus call each, no journey creation.
            #expect(r["vendor_calls"] == "1")
            decisions[r["decision"] ?? "", default: 0] += 1
            endToEnd.append(e2e)
        }
        #expect(decisions == report.decisions)
        #expect(Set(decisions.keys).isSubset(of: ["approved", "rejected"]), "\(decisions)")
        // The printed percentiles are the CSV's (nearest rank; the CSV rounds to 0.001 ms).
        let sorted = endToEnd.sorted()
        #expect(abs(sorted[Int((0.5 * 150).rounded(.up)) - 1] - report.endToEnd.p50) < 0.01)
        #expect(abs(sorted[Int((0.99 * 150).rounded(.up)) - 1] - report.endToEnd.p99) < 0.01)

        // timeline.csv: every second up to the last result, adding up to the whole run.
        let timeline = try Self.csv(folder + "/timeline.csv")
        #expect(timeline.records.count == Int(report.duration.rounded(.down)) + 1)
        #expect(timeline.records.compactMap { Int($0["throughput_per_s"] ?? "") }.reduce(0, +) == 150)
        #expect(timeline.records.compactMap { Int($0["published"] ?? "") }.reduce(0, +) == 150)
        #expect(timeline.records.last?["decisions"] == "150")
        #expect(timeline.records.last?["backlog"] == "0")
        #expect(timeline.records.contains { Double($0["worker_rss_mb"] ?? "") ?? 0 > 5 })

        if FileManager.default.isExecutableFile(atPath: "/usr/bin/gnuplot") {
            let png = try #require(report.chart)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: png))
            #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]), "bench.png is not a PNG")
        }
        TestStack.keepLogs(of: folder)
        if report.passed { try? FileManager.default.removeItem(atPath: folder) }
    }

    @Test func perRequestJourneysAreCreatedByTheWorkerAndCountAsVendorTime() async throws {
        let folder = try Self.folder()
        var c = try Self.configuration(folder: folder)
        c.requests = 40
        c.journeys = .perRequest
        c.chart = false
        let report = try await BenchRun(configuration: c, logger: Self.logger).run()

        #expect(report.passed, "\(report.verdict)\n\(report.rendered)")
        #expect(report.decided == 40)
        // Create JourneyID, then OkayFace Plus: two vendor calls per request, both in vendor time.
        #expect(report.requests.allSatisfy { $0.vendorCalls == 2 }, "\(report.requests.map(\.vendorCalls))")
        #expect(report.requests.allSatisfy { ($0.vendorMs ?? 0) > 0 && ($0.addedMs ?? -1) >= 0 })
        #expect(report.chart == nil)
        TestStack.keepLogs(of: folder)
        if report.passed { try? FileManager.default.removeItem(atPath: folder) }
    }

    // MARK: - Helpers

    static var logger: Logger {
        var logger = Logger(label: "bench-test")
        logger.logLevel = .warning
        return logger
    }

    static func folder() throws -> String {
        let folder = "/tmp/okf-bench-test-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    static func configuration(folder: String) throws -> BenchConfiguration {
        guard FileManager.default.isExecutableFile(atPath: CrashRecoveryTests.binary) else {
            Issue.record("no worker binary at \(CrashRecoveryTests.binary): build first, or set OKAYFACE_TEST_BIN")
            throw Prerequisite(description: "worker binary missing")
        }
        guard let server = TestServices.value("DATABASE_URL") else {
            Issue.record("DATABASE_URL is not set: run the tests through scripts/test, which starts PostgreSQL")
            throw Prerequisite(description: "no database")
        }
        var c = BenchConfiguration(
            databaseURL: server, binDirectory: URL(fileURLWithPath: CrashRecoveryTests.binary).deletingLastPathComponent().path,
            root: TestStack.root, outputDirectory: folder)
        c.imageKB = 4
        c.maxInFlight = 16
        c.journeyPool = 10
        c.timeout = .seconds(120)
        return c
    }

    /// A CSV file as its header and one dictionary per row (no quoting: the bench writes none).
    static func csv(_ path: String) throws -> (header: [String], records: [[String: String]]) {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = (lines.first ?? "").split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let records = lines.dropFirst().map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return Dictionary(uniqueKeysWithValues: zip(header, fields))
        }
        return (header, records)
    }
}
