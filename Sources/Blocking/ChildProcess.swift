import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A short-lived child process run to its end.
///
/// posix_spawn and waitpid, not Foundation's `Process`: `pg_ctl start` leaves the server
/// running in the background holding the descriptors it inherited, and `Process` on Linux only
/// reports an exit once every holder of its private socket has closed it.
public enum ChildProcess {
    public struct SpawnError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs `executable` to its end without holding a cooperative thread (the wait runs on a
    /// thread of its own); stdout and stderr are appended to `output` (or discarded). Returns
    /// the exit status, or 128 + the signal.
    public static func run(_ executable: String, _ arguments: [String], output: String?) async throws -> Int32 {
        let pid = try spawn(executable, arguments, output: output)
        return await withCheckedContinuation { continuation in
            let waiter = Thread { continuation.resume(returning: wait(pid)) }
            waiter.start()
        }
    }

    /// ``run(_:_:output:)`` on the calling thread, which blocks until the child ends: for the
    /// moments no task runs (a process's exit) and for threads that may block.
    public static func runToEnd(_ executable: String, _ arguments: [String], output: String?) throws -> Int32 {
        let pid = try spawn(executable, arguments, output: output)
        return BlockingCall.around("waitpid") { wait(pid) }
    }

    private static func spawn(_ executable: String, _ arguments: [String], output: String?) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let target = output ?? "/dev/null"
        posix_spawn_file_actions_addopen(&actions, 1, target, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)

        // Every signal back to its default and none blocked: a test process that ran a
        // ServiceGroup ignores SIGTERM, and an ignored signal survives exec, so a server started
        // from it could not be stopped.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t()
        sigfillset(&all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard spawned == 0 else {
            throw SpawnError(description: "cannot run \(executable): \(String(cString: strerror(spawned)))")
        }
        return pid
    }

    private static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS, spelled out: the C macros are not imported.
        let exited = status & 0x7f == 0
        return exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
