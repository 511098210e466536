import ArgumentParser
import Console
import Foundation
import Postgres
import Worker

/// What the database commands share: the URL with the worker's rules, one connection, and
/// errors as one line with exit status 78 (settings) or 1 (database).
enum BackOfficeCommand {
    static func databaseURL(_ environment: [String: String]) throws -> String {
        do {
            return try WorkerConfiguration.databaseURL(environment)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(78)
        }
    }

    /// The environment with `--database-url` laid over it.
    static func environment(_ databaseURL: String?) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        if let databaseURL { environment["DATABASE_URL"] = databaseURL; environment["DATABASE_URL_FILE"] = nil }
        return environment
    }

    static func withConnection<T>(_ url: String, _ body: (PostgresConnection) throws -> T) throws -> T {
        do {
            let connection = try PostgresConnection(url: url)
            defer { connection.close() }
            return try body(connection)
        } catch let problem as People.Problem {
            FileHandle.standardError.write(Data("\(problem)\n".utf8))
            throw ExitCode.failure
        } catch {
            FileHandle.standardError.write(Data("database error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
