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
    @Option(help: "table or json") var format: String = "table"

    func run() throws {
        var environment = ProcessInfo.processInfo.environment
        if let databaseUrl { environment["DATABASE_URL"] = databaseUrl }
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
        guard ["table", "json"].contains(format) else { throw ValidationError("--format must be table or json") }
        guard limit > 0 else { throw ValidationError("--limit must be positive") }

        let url = try BackOfficeCommand.databaseURL(environment)
        let rows = try BackOfficeCommand.withConnection(url) { try Array($0.query(filter.query)) }
        if format == "json" {
            FileHandle.standardOutput.write(Data(try ResultsReport.json(rows)))
        } else {
            print(ResultsReport.table(rows), terminator: "")
        }
    }
}
