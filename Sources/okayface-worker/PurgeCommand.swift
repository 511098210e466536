import ArgumentParser
import Foundation
import Worker

/// `okayface-worker purge`: removes request, vendor-call and published outbox rows past retention.
struct PurgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Remove request, vendor-call and published outbox rows older than a retention age; decisions are kept.")

    @Option(help: "DATABASE_URL (or DATABASE_URL_FILE in the environment)") var databaseUrl: String?
    @Option(help: "the retention age, e.g. 90d (the vendor purges journeys after 14 days)") var olderThan: String
    @Flag(help: "count what would be removed, remove nothing") var dryRun = false

    func run() throws {
        var environment = ProcessInfo.processInfo.environment
        if let databaseUrl { environment["DATABASE_URL"] = databaseUrl }
        guard let age = AgeSpec.parse(olderThan) else { throw ValidationError("--older-than must be a number and a unit, such as 90d or 12h") }
        let url = try BackOfficeCommand.databaseURL(environment)
        let report = try BackOfficeCommand.withConnection(url) { try Retention.purge(olderThan: age, dryRun: dryRun, on: $0) }
        print(report.summary)
    }
}
