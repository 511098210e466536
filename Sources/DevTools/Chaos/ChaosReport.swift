import Foundation

/// What a chaos run sent, what it found in PostgreSQL and on the topics, and the verdict.
public struct ChaosReport: Sendable {
    public var runDirectory: String
    public var databaseURL: String
    public var seed: UInt64

    // Sent.
    public var validSent = 0
    public var invalidSent = 0

    // Found.
    public var rows = 0
    public var requestRows = 0
    public var outboxRows = 0
    public var unsentOutbox = 0
    public var resultEvents = 0
    public var distinctResultIds = 0
    public var dlqEntries = 0
    public var decisions: [String: Int] = [:]
    /// `error` decisions by their reasons, e.g. `vendor_unavailable`.
    public var errorReasons: [String: Int] = [:]

    // Lost: request ids.
    public var withoutRow: [String] = []
    public var withoutResultEvent: [String] = []
    public var invalidNotInDLQ: [String] = []
    /// Rows for ids that were never sent as valid requests (an invalid one decided, say).
    public var unexpectedRows: [String] = []

    // Doubled: table → request ids with more than one row.
    public var doubled: [String: [String]] = [:]

    // Vendor.
    /// Sum of `greatest(vendor_runs - 1, 0)` over `verification_requests`: the worker's own count.
    public var duplicateVendorRuns = 0
    /// Journeys the simulator created minus valid requests: every run that reached the vendor
    /// for a request without journeyId created one.
    public var simulatorDuplicateRuns = 0
    public var journeysCreated = 0
    public var vendorCalls = 0
    public var vendorFailures = 0

    // Faults.
    public var killsPlanned = 0
    public var killsDone = 0
    public var postgresRestarts = 0
    public var brokerOutages = 0
    public var unexpectedExits: [WorkerExit] = []
    public var shutdownExits: [WorkerExit] = []

    public var drained = false
    public var timeToDrain: Duration?
    public var timeline: [String] = []

    public init(runDirectory: String, databaseURL: String, seed: UInt64) {
        self.runDirectory = runDirectory
        self.databaseURL = databaseURL
        self.seed = seed
    }

    public var lost: Int { withoutRow.count + Set(withoutResultEvent).subtracting(withoutRow).count + invalidNotInDLQ.count }
    public var doubledCount: Int { Set(doubled.values.joined()).count }
    public var resultEventDuplicates: Int { resultEvents - distinctResultIds }
    /// Graceful stops that did not end with exit status 0.
    public var badShutdowns: [WorkerExit] { shutdownExits.filter { $0.bySignal || $0.status != 0 } }

    /// Why the run failed, beyond lost and doubled: faults not all done, workers that died on
    /// their own, graceful stops that did not exit 0, no drain within the timeout.
    public var otherFailures: [String] {
        var failures: [String] = []
        if !drained { failures.append("not drained within the timeout") }
        if killsDone < killsPlanned { failures.append("\(killsDone)/\(killsPlanned) kills done") }
        if postgresRestarts < 1 { failures.append("PostgreSQL was not restarted") }
        if brokerOutages < 1 { failures.append("no broker outage") }
        if !unexpectedExits.isEmpty { failures.append("\(unexpectedExits.count) worker(s) exited on their own") }
        if !badShutdowns.isEmpty { failures.append("\(badShutdowns.count) worker(s) did not exit 0 on SIGTERM") }
        if !unexpectedRows.isEmpty { failures.append("\(unexpectedRows.count) row(s) for ids never sent as valid") }
        return failures
    }

    public var passed: Bool { lost == 0 && doubledCount == 0 && otherFailures.isEmpty }

    public var passLine: String {
        let figures = "\(lost) lost, \(doubledCount) doubled"
        if passed { return "PASS: " + figures }
        return "FAIL: " + ([figures] + otherFailures).joined(separator: "; ")
    }

    /// The figures as a small table, then details of anything wrong.
    public var rendered: String {
        func seconds(_ d: Duration?) -> String { d.map { String(format: "%.1f s", $0.seconds) } ?? "did not drain" }
        let decided = decisions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        let rowsOut: [(String, String)] = [
            ("requests sent", "\(validSent + invalidSent) (\(validSent) valid, \(invalidSent) invalid)"),
            ("verification_results rows", "\(rows) (\(decided))"),
            ("verification_requests / outbox rows", "\(requestRows) / \(outboxRows) (\(unsentOutbox) unsent)"),
            ("result events", "\(resultEvents) (\(distinctResultIds) distinct requestIds, \(resultEventDuplicates) re-published)"),
            ("DLQ entries", "\(dlqEntries)"),
            ("lost", "\(lost) (\(withoutRow.count) without row, \(withoutResultEvent.count) without result event, \(invalidNotInDLQ.count) invalid not in DLQ)"),
            ("doubled", "\(doubledCount)" + (doubled.isEmpty ? "" : " (" + doubled.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.count)" }.joined(separator: ", ") + ")")),
            ("duplicate vendor calls", "\(duplicateVendorRuns) (verification_requests.vendor_runs); simulator: \(simulatorDuplicateRuns) extra journeys"),
            ("vendor calls", "\(vendorCalls) OkayFace Plus calls, \(vendorFailures) failed, \(journeysCreated) journeys"),
            ("faults", "\(killsDone)/\(killsPlanned) SIGKILLs, \(postgresRestarts) PostgreSQL restart, \(brokerOutages) broker outage"),
            ("graceful stops", shutdownExits.map { $0.bySignal ? "\($0.name) signal \($0.status)" : "\($0.name) exit \($0.status)" }.joined(separator: ", ")),
            ("time to drain", seconds(timeToDrain)),
        ]
        let width = rowsOut.map(\.0.count).max() ?? 0
        var lines = rowsOut.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }
        func sample(_ title: String, _ ids: [String]) {
            guard !ids.isEmpty else { return }
            lines.append("\(title): " + ids.sorted().prefix(10).joined(separator: ", ") + (ids.count > 10 ? ", … (\(ids.count))" : ""))
        }
        sample("without row", withoutRow)
        sample("without result event", withoutResultEvent)
        sample("invalid not in DLQ", invalidNotInDLQ)
        sample("unexpected rows", unexpectedRows)
        for (table, ids) in doubled.sorted(by: { $0.key < $1.key }) { sample("doubled in \(table)", ids) }
        if !errorReasons.isEmpty {
            lines.append("error decisions: " + errorReasons.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        for exit in unexpectedExits { lines.append("unexpected exit: \(exit)") }
        for exit in badShutdowns { lines.append("bad shutdown: \(exit)") }
        lines.append("run folder: \(runDirectory) (worker logs, timeline.log); database: \(databaseURL); seed: \(seed)")
        return lines.joined(separator: "\n")
    }
}
