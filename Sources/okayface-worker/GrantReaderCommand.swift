import ArgumentParser
import Console
import Foundation
import Worker

/// `okayface-worker grant-reader ROLE`: lets a back-office role read decisions, never people.
struct GrantReaderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grant-reader",
        abstract: "Grant an existing PostgreSQL role SELECT on the decision tables and views, and nothing on users, tokens or sessions.")

    @Option(help: "DATABASE_URL (or DATABASE_URL_FILE in the environment)") var databaseUrl: String?
    @Argument(help: "the PostgreSQL role (create it first: CREATE ROLE backoffice LOGIN PASSWORD '…')") var role: String

    func run() throws {
        let url = try BackOfficeCommand.databaseURL(BackOfficeCommand.environment(databaseUrl))
        let role = self.role
        let granted = try BackOfficeCommand.withConnection(url) { connection in
            try ReaderGrant.grant(role: role, by: AuditEntry.commandLineActor, on: connection)
        }
        print("\(role) may now read: \(granted.joined(separator: ", "))")
    }
}
