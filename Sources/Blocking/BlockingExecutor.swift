import Dispatch
import Foundation
import Synchronization

/// A task executor for code that calls blocking C functions directly: the tests, whose bodies
/// call libpq and librdkafka (TestSupport's `.offCooperativePool` trait runs them here).
///
/// Elastic: a job that finds every thread taken gets a new one (up to `maxThreads`), so a job
/// blocked in CREATE DATABASE never holds up one that could run (a fixed pool of 32 was seen
/// all blocked at once). How many tests run at once is bounded by the trait instead
/// (`OKAYFACE_TEST_WIDTH`, 8 by default).
///
/// `@unchecked Sendable`: all state is behind the `Mutex` and the semaphores.
public final class BlockingExecutor: TaskExecutor, @unchecked Sendable {
    public static let shared = BlockingExecutor(maxThreads: 512)

    /// Its threads' names start with this.
    public static let threadNamePrefix = "okf-blocking"
    static let threadKey = "okf.blockingExecutor"

    private struct State {
        var jobs: [UnownedJob] = []
        var head = 0
        var idle = 0
        var threads = 0
    }

    private let state = Mutex(State())
    private let available = DispatchSemaphore(value: 0)
    private let maxThreads: Int

    public init(maxThreads: Int) {
        self.maxThreads = max(1, maxThreads)
    }

    /// The executor whose job runs on this thread, if any.
    static var current: BlockingExecutor? {
        Thread.current.threadDictionary[threadKey] as? BlockingExecutor
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let spawn: Int? = state.withLock { s in
            s.jobs.append(job)
            // Each waiting job is matched by an idle thread or a new one.
            guard s.jobs.count - s.head > s.idle, s.threads < maxThreads else { return nil }
            s.threads += 1
            s.idle += 1
            return s.threads
        }
        if let number = spawn { start(number) }
        available.signal()
    }

    private func start(_ number: Int) {
        let thread = Thread { [self] in
            Thread.current.threadDictionary[Self.threadKey] = self
            runJobs()
        }
        thread.name = "\(Self.threadNamePrefix)-\(number)"
        thread.start()
    }

    private func runJobs() {
        while true {
            available.wait()
            let job: UnownedJob? = state.withLock { s in
                guard s.head < s.jobs.count else { return nil }
                let job = s.jobs[s.head]
                s.head += 1
                if s.head > 1024, s.head * 2 > s.jobs.count {
                    s.jobs.removeFirst(s.head)
                    s.head = 0
                }
                s.idle -= 1
                return job
            }
            guard let job else { continue }
            job.runSynchronously(on: asUnownedTaskExecutor())
            state.withLock { $0.idle += 1 }
        }
    }
}
