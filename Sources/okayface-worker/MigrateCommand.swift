import ArgumentParser
import Foundation
import Logging
import Worker

/// `okayface-worker migrate`: applies the SQL migrations; safe to run from several replicas.
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Apply migrations/*.sql in order.")

    @Option(help: "DATABASE_URL: libpq connection URI (or DATABASE_URL_FILE in the environment)") var databaseUrl: String?
    @Option(help: "MIGRATIONS_DIR: folder of NNNN_name.sql files (default ./migrations)") var migrationsDir: String?

    func run() throws {
        var environment = ProcessInfo.processInfo.environment
        if let databaseUrl { environment["DATABASE_URL"] = databaseUrl; environment["DATABASE_URL_FILE"] = nil }
        if let migrationsDir { environment["MIGRATIONS_DIR"] = migrationsDir }
        // The same reader as every other command: DATABASE_URL or DATABASE_URL_FILE, not both.
        let url = try BackOfficeCommand.databaseURL(environment)
        LogSetup.bootstrap(format: environment["LOG_FORMAT"] == "text" ? .text : .json, level: .info)
        let logger = Logger(label: "okayface-worker.migrate")
        let directory = DatabaseMigrations.directory(environment: environment)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder), isFolder.boolValue else {
            FileHandle.standardError.write(Data((
                "configuration error: MIGRATIONS_DIR: no migrations folder at "
                + (environment["MIGRATIONS_DIR"].map { "\($0)" }
                    ?? "\(FileManager.default.currentDirectoryPath)/migrations nor at \(directory)")
                + " (run from the folder that holds migrations/, or set MIGRATIONS_DIR or --migrations-dir)\n").utf8))
            throw ExitCode(78)
        }
        do {
            let applied = try DatabaseMigrations.migrate(databaseURL: url, directory: directory, logger: logger)
            print(applied.isEmpty ? "migrations: up to date" : "migrations: applied \(applied.map(String.init).joined(separator: ", "))")
        } catch {
            FileHandle.standardError.write(Data("migrate failed: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
