import Logging
import Postgres
import Synchronization

/// Whether PostgreSQL is reachable, as the worker last saw it. A lost connection marks it
/// down at once; while down, a probe tries `SELECT 1` every second, and the first success
/// (of the probe or of any query) marks it up again. The consumer pauses its partitions
/// while it is down (nothing could be made durable), and `/readyz` reports it.
public final class DatabaseHealth: Sendable {
    private struct State {
        var healthy = true
        var since = ContinuousClock.now
    }

    private let state = Mutex(State())
    private let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public var isHealthy: Bool { state.withLock { $0.healthy } }

    /// Call with any error of a PostgreSQL operation; only lost connections count.
    public func observe(_ error: any Error) {
        guard let error = error as? PostgresError, error.isConnectionError else { return }
        let changed = state.withLock { s in
            defer { s.healthy = false }
            if s.healthy { s.since = .now }
            return s.healthy
        }
        if changed { logger.error("PostgreSQL unreachable; pausing consumption", metadata: ["error": "\(error)"]) }
    }

    /// Call after a PostgreSQL operation succeeded.
    public func observeSuccess() {
        let outage: Duration? = state.withLock { s in
            guard !s.healthy else { return nil }
            s.healthy = true
            defer { s.since = .now }
            return ContinuousClock.now - s.since
        }
        if let outage { logger.notice("PostgreSQL reachable again; resuming", metadata: ["outage": "\(outage)"]) }
    }

    /// Probes while the database is down, until the task is cancelled.
    public func runProbe(pool: PostgresPool, interval: Duration = .seconds(1)) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            guard !isHealthy else { continue }
            do {
                try await pool.withConnection { try $0.query("SELECT 1") }
                observeSuccess()
            } catch {
                observe(error)
            }
        }
    }
}
