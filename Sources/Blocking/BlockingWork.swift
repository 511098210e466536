import Synchronization
import Foundation

/// The one way to run blocking work from async code: on a thread of its own, the caller's task
/// suspended meanwhile, so no cooperative thread waits (see ``BlockingCall``). For short,
/// rare work (opening and closing clients, a test's set-up); steady blocking work has its own
/// long-lived threads (the PostgreSQL pool, the Kafka poll thread, the curl loop).
public enum BlockingWork {
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<T, any Error>) in
            start { done.resume(with: Result { try work() }) }
        }
    }

    /// ``run(_:)`` for work that cannot fail.
    public static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (done: CheckedContinuation<T, Never>) in
            start { done.resume(returning: work()) }
        }
    }

    private static func start(_ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = BlockingExecutor.threadNamePrefix + "-work"
        thread.start()
    }
}

/// Starts child processes one at a time. Foundation's `Process.run()` on Linux was seen to
/// crash (a bad pointer in a memcpy inside `run()`) when test tasks started processes on
/// several threads at once; a process-wide lock around the spawn itself costs a few
/// milliseconds per start and nothing after.
public enum ProcessLaunch {
    private static let lock = Mutex(())

    public static func run(_ process: Process) throws {
        // Spawning walks every possible descriptor (slow with a high RLIMIT_NOFILE), and the
        // lock may be held by another spawn: a blocking call either way.
        try BlockingCall.around("Process.run") { () throws -> Void in
            try lock.withLock { _ in try process.run() }
        }
    }
}
