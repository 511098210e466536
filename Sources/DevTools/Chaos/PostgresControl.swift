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

/// A short-lived child process whose exit is awaited without blocking the cooperative pool.
///
/// posix_spawn and waitpid on a thread of its own, not Foundation's `Process`: `pg_ctl start`
/// leaves the server running in the background holding the descriptors it inherited, and
/// `Process` on Linux only reports an exit once every holder of its private socket has closed it.
enum ChildProcess {
    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `executable` to its end; stdout and stderr are appended to `output` (or discarded).
    static func run(_ executable: String, _ arguments: [String], output: String?) async throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let target = output ?? "/dev/null"
        posix_spawn_file_actions_addopen(&actions, 1, target, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw SpawnError(description: "cannot run \(executable): \(String(cString: strerror(spawned)))")
        }
        let child = pid
        return await withCheckedContinuation { continuation in
            let waiter = Thread {
                var status: Int32 = 0
                while waitpid(child, &status, 0) == -1 && errno == EINTR {}
                // WIFEXITED / WEXITSTATUS, spelled out: the C macros are not imported.
                let exited = status & 0x7f == 0
                continuation.resume(returning: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f))
            }
            waiter.start()
        }
    }
}
