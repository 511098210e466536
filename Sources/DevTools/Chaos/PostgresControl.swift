import Blocking
import Foundation

/// Starts, stops and restarts a private PostgreSQL cluster through `scripts/lib/postgres.sh`,
/// the same functions the demo and test scripts use. A restart keeps the port, so
/// `DATABASE_URL` stays valid.
public struct PostgresControl: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The repository root (holds `scripts/lib/postgres.sh`).
    public var root: String
    /// The cluster folder (`data/`, `port`, `url`, `log`).
    public var directory: String
    /// Where the script's own output goes; nil discards it.
    public var log: String?

    public init(root: String, directory: String, log: String? = nil) {
        self.root = root
        self.directory = directory
        self.log = log
    }

    /// `pg_start`: creates the cluster if needed, starts it, returns its `DATABASE_URL`.
    @discardableResult
    public func start() async throws -> String {
        try await run("pg_start")
        return try String(contentsOfFile: directory + "/url", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `pg_stop` (fast shutdown: open connections are cut).
    public func stop() async throws { try await run("pg_stop") }

    /// Stops the server, waits `downtime`, starts it again on the same port.
    public func restart(downtime: Duration) async throws {
        try await stop()
        try await Task.sleep(for: downtime)
        try await start()
    }

    private func run(_ function: String) async throws {
        let script = root + "/scripts/lib/postgres.sh"
        guard FileManager.default.fileExists(atPath: script) else {
            throw Failure(description: "\(script) not found: is --root the repository root?")
        }
        let status = try await ChildProcess.run(
            "/bin/bash", ["-c", #"source "$0" && \#(function) "$1""#, script, directory], output: log)
        guard status == 0 else {
            throw Failure(description: "\(function) \(directory) failed with status \(status)\(log.map { "; see \($0)" } ?? "")")
        }
    }
}
