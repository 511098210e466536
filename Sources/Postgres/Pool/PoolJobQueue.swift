import Dispatch
import Synchronization

/// The FIFO shared by a pool's threads. A job is taken by whichever thread is free first.
///
/// Threads sleep on a counting semaphore that gets one signal per job and one per thread at
/// close; every wake-up therefore finds either a job or, only after close, an empty queue
/// telling the thread to exit.
final class PoolJobQueue: Sendable {
    private struct State {
        var jobs: [PoolJob] = []
        var head = 0
        var isClosed = false
    }

    private let state = Mutex(State())
    private let wakeUps = DispatchSemaphore(value: 0)

    /// Queues `job`, or returns false if the queue is closed.
    func enqueue(_ job: PoolJob) -> Bool {
        let accepted = state.withLock { state in
            guard !state.isClosed else { return false }
            state.jobs.append(job)
            return true
        }
        if accepted { wakeUps.signal() }
        return accepted
    }

    /// Blocks until there is a job (returned) or the queue is closed and drained (nil).
    func next() -> PoolJob? {
        while true {
            wakeUps.wait()
            let job: PoolJob?? = state.withLock { state in
                if state.head < state.jobs.count {
                    let job = state.jobs[state.head]
                    state.head += 1
                    // Drop consumed entries now and then instead of shifting on every take.
                    if state.head > 64 && state.head * 2 > state.jobs.count {
                        state.jobs.removeFirst(state.head)
                        state.head = 0
                    }
                    return .some(job)
                }
                return state.isClosed ? .some(nil) : nil
            }
            if let job { return job }
        }
    }

    var isClosed: Bool { state.withLock { $0.isClosed } }

    /// Stops accepting jobs and wakes `threads` threads so each can drain and exit.
    /// Returns false if it was already closed.
    func close(threads: Int) -> Bool {
        let first = state.withLock { state in
            defer { state.isClosed = true }
            return !state.isClosed
        }
        if first {
            for _ in 0..<threads { wakeUps.signal() }
        }
        return first
    }
}
