import Pipeline
import ArgumentParser
import Foundation
import Postgres
import Verification
import Worker

/// `okayface-worker results`: decisions for the back office, newest first.
struct ResultsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "results", abstract: "Show decisions by request, journey, subject, decision or time, as a table or JSON.")

    @Option(help: "DATABASE_URL (or DATABASE_URL_FILE in the environment)") var databaseUrl: String?
    @Option(help: "one request") var requestId: String?
    @Option(help: "the decisions of one journey") var journeyId: String?
    @Option(help: "the decisions about one customer") var subject: String?
    @Option(help: "approved, rejected, review or error") var decision: String?
    @Option(help: "decided at or after: RFC 3339, or an age such as 24h or 7d") var since: String?
    @Option(help: "decided before: RFC 3339, or an age") var until: String?
    @Option(help: "at most this many (default 50)") var limit: Int = 50
    @Option(help: "table, json or csv") var format: String = "table"

    func run() throws {
        var environment = ProcessInfo.processInfo.environment
        if let databaseUrl { environment["DATABASE_URL"] = databaseUrl; environment["DATABASE_URL_FILE"] = nil }
        var filter = ResultsFilter(requestId: requestId, journeyId: journeyId, subject: subject, limit: limit)
        if let decision {
            guard let value = Decision(rawValue: decision) else { throw ValidationError("--decision must be approved, rejected, review or error") }
            filter.decision = value
        }
        if let since {
            guard let date = AgeSpec.instant(since) else { throw ValidationError("--since must be RFC 3339 or an age such as 24h") }
            filter.since = date
        }
        if let until {
            guard let date = AgeSpec.instant(until) else { throw ValidationError("--until must be RFC 3339 or an age such as 24h") }
            filter.until = date
        }
        guard let format = ResultsReport.Format(rawValue: format) else { throw ValidationError("--format must be table, json or csv") }
        guard limit > 0 else { throw ValidationError("--limit must be positive") }
        if let contradiction = filter.contradiction { throw ValidationError(contradiction) }

        let url = try BackOfficeCommand.databaseURL(environment)
        let rows = try BackOfficeCommand.withConnection(url) { try filter.find(on: $0) }
        let report = ResultsReport(found: rows, limit: limit)
        FileHandle.standardOutput.write(Data(try report.render(format)))
        if format != .table, let note = report.truncationNote { FileHandle.standardError.write(Data((note + "\n").utf8)) }
    }
}
