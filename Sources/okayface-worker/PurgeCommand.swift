import ArgumentParser
import Foundation
import Worker

/// `okayface-worker purge`: removes request, vendor-call and published outbox rows past retention.
struct PurgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Remove request, vendor-call and published outbox rows older than a retention age; decisions are kept.")

    @Option(help: "DATABASE_URL (or DATABASE_URL_FILE in the environment)") var databaseUrl: String?
    @Option(help: "the retention age, at least 1d: e.g. 90d, 26w or 5y (the vendor purges journeys after 14 days)") var olderThan: String
    @Flag(help: "count what would be removed, remove nothing") var dryRun = false

    func run() throws {
        var environment = ProcessInfo.processInfo.environment
        if let databaseUrl { environment["DATABASE_URL"] = databaseUrl; environment["DATABASE_URL_FILE"] = nil }
        guard let age = AgeSpec.parse(olderThan) else {
            throw ValidationError("--older-than must be a whole number and a unit (d, w or y), such as 90d or 5y")
        }
        // `1m` is a minute, not a month: an age this short would purge the requests still being
        // worked on, so anything under a day is taken for a slip and refused.
        guard age >= Retention.minimumAge else {
            throw ValidationError("--older-than \(olderThan) is under one day; retention ages are days (d), weeks (w) or years (y), e.g. 90d")
        }
        let url = try BackOfficeCommand.databaseURL(environment)
        let report = try BackOfficeCommand.withConnection(url) { try Retention.purge(olderThan: age, dryRun: dryRun, on: $0) }
        print(report.summary)
    }
}
