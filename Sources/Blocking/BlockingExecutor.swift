import Dispatch
import Foundation
import Synchronization

/// A task executor whose threads may block: tasks that prefer it
/// (`withTaskExecutorPreference(BlockingExecutor.shared)`) run their synchronous stretches
/// there instead of on Swift's cooperative pool. The tests run their bodies on it (TestSupport's
/// `.offCooperativePool` trait): they call libpq and librdkafka directly, and the in-process
/// servers they talk to (the simulator, loopback HTTP servers) need the cooperative threads free.
///
/// `@unchecked Sendable`: the job queue is behind a `Mutex`; the threads only read `self`.
public final class BlockingExecutor: TaskExecutor, @unchecked Sendable {
    /// 32 threads: more than the tests that run at once on two cores ever block at a time.
    public static let shared = BlockingExecutor(threads: 32)

    /// Its threads' names start with this.
    public static let threadNamePrefix = "okf-blocking"
    /// Set in the thread dictionary of every thread that may block (``BlockingCall`` leaves them alone).
    public static let threadKey = "okf.mayBlock"

    private let jobs = Mutex<[UnownedJob]>([])
    private let available = DispatchSemaphore(value: 0)

    public init(threads: Int) {
        for n in 0..<max(1, threads) {
            let thread = Thread { [self] in
                Thread.current.threadDictionary[Self.threadKey] = true
                runJobs()
            }
            thread.name = "\(Self.threadNamePrefix)-\(n)"
            thread.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        jobs.withLock { $0.append(job) }
        available.signal()
    }

    private func runJobs() {
        while true {
            available.wait()
            guard let job = jobs.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { continue }
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
