import Foundation
import Logging
import Postgres

/// `okayface-worker migrate`: applies `migrations/*.sql` (README, Results database).
public enum DatabaseMigrations {
    /// The schema version this build needs: the highest migration in `migrations/` (a test
    /// keeps the two equal). A worker on an older schema holds its requests and is not ready.
    public static let requiredVersion = 7

    /// Where the SQL files are: `MIGRATIONS_DIR`, else `./migrations`, else the folder next
    /// to the executable's (`/app/migrations` in the container).
    public static func directory(environment: [String: String]) -> String {
        if let dir = environment["MIGRATIONS_DIR"], !dir.isEmpty { return dir }
        let local = FileManager.default.currentDirectoryPath + "/migrations"
        if FileManager.default.fileExists(atPath: local) { return local }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("migrations").path
    }

    /// Applies what is missing; returns the versions applied now.
    public static func migrate(databaseURL: String, directory: String, logger: Logger) throws -> [Int] {
        let files = try Migrator.load(directory: directory)
        let connection = try PostgresConnection(url: databaseURL)
        defer { connection.close() }
        return try Migrator(migrations: files, logger: logger).migrate(connection)
    }
}
