import Blocking
import Logging
import Synchronization

/// N connections, each owned by its own dedicated thread, because libpq calls block and must
/// never run on Swift's cooperative pool.
///
/// Jobs wait in one FIFO and run on whichever thread is free. A thread connects on its first
/// job, checks its connection before each job and reconnects it if the server dropped it (with
/// a short backoff while the server stays down). A job that finds no server fails with a
/// ``PostgresError`` whose `isConnectionError` is true; `connect_timeout` bounds the wait.
public final class PostgresPool: Sendable {
    private let queue = PoolJobQueue()
    private let threads: Mutex<[JoinableThread]>
    private let logger: Logger

    /// Starts `size` threads (at least one); no connection is made until a job needs it.
    public init(url: String, size: Int, logger: Logger) {
        self.logger = logger
        let size = max(1, size)
        var threads: [JoinableThread] = []
        for id in 0..<size {
            let worker = PoolWorker(id: id, url: url, queue: queue, logger: logger)
            threads.append(JoinableThread(name: "okf-pg-\(id)") { worker.run() })
        }
        self.threads = Mutex(threads)
        logger.debug("PostgreSQL pool started", metadata: ["pg.url": "\(ConnectionURL.redacted(url))", "pg.size": "\(size)"])
    }

    deinit {
        close()
    }

    /// Runs `body` on a pool thread with a connection; suspends the caller until done.
    /// A job that has started runs to the end even if the calling task is cancelled.
    @discardableResult
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try Task.checkCancellation()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = PoolJob(
                run: { connection in continuation.resume(with: Result { try body(connection) }) },
                fail: { error in continuation.resume(throwing: error) })
            if !queue.enqueue(job) {
                continuation.resume(throwing: PostgresError(message: "the connection pool is closed"))
            }
        }
    }

    /// BEGIN … COMMIT (ROLLBACK if body throws) on one connection.
    ///
    /// If the server turns the COMMIT into a rollback (a statement failed and `body` caught
    /// the error), this throws instead of reporting success.
    @discardableResult
    public func transaction<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await withConnection { connection in try connection.transaction { try body(connection) } }
    }

    /// Lets running and queued jobs finish, fails jobs submitted afterwards, closes the
    /// connections and joins the threads. Idempotent.
    public func close() {
        let threads = self.threads.withLock { threads in
            defer { threads = [] }
            return threads
        }
        _ = queue.close(threads: threads.count)
        // From inside a job (a pool thread) joining itself would deadlock; that thread exits
        // on its own once its job returns.
        for thread in threads where !thread.isCurrent {
            thread.join()
        }
        if !threads.isEmpty {
            logger.debug("PostgreSQL pool closed")
        }
    }
}
