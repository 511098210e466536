import Logging
import Postgres
import ServiceLifecycle
import Synchronization

/// Whether PostgreSQL is usable, as the worker last saw it: reachable, our role accepted and
/// allowed to use the tables, and migrated to the schema this build needs.
///
/// Any failed operation that shows one of those missing marks it down at once (a lost
/// connection, `role … does not exist`, `relation … does not exist`, permission denied), and
/// a probe checks all of them every `interval` whether the worker is busy or idle, so a stopped
/// server is noticed within seconds even when no request runs. The consumer pauses while it
/// is down (nothing could be made durable, and an unmigrated database is an operator's
/// mistake, never a customer's decision), and `/readyz` names the problem.
public final class DatabaseHealth: Sendable {
    /// Why the database cannot be used.
    public enum Problem: Sendable, Equatable, CustomStringConvertible {
        /// No connection (server down, wrong host, network).
        case unreachable(String)
        /// The server refuses our role: unknown role or database, wrong password, no privilege.
        case refused(String)
        /// A table the worker needs is missing, or the schema is older than this build.
        case unmigrated(String)

        public var description: String {
            switch self {
            case .unreachable(let why): "unreachable: \(why)"
            case .refused(let why): "refused: \(why)"
            case .unmigrated(let why): "not migrated: \(why): run okayface-worker migrate"
            }
        }
    }

    private struct State {
        var problem: Problem?
        var since = ContinuousClock.now
    }

    private let state = Mutex(State())
    private let logger: Logger
    /// The schema version this build needs (the highest migration it ships).
    private let requiredSchemaVersion: Int

    public init(requiredSchemaVersion: Int = DatabaseMigrations.requiredVersion, logger: Logger) {
        self.requiredSchemaVersion = requiredSchemaVersion
        self.logger = logger
    }

    public var isHealthy: Bool { state.withLock { $0.problem == nil } }

    public var problem: Problem? { state.withLock { $0.problem } }

    /// What an error of a PostgreSQL operation says about the database, or nil when it is
    /// about the statement only (a constraint, a bad value).
    public static func problem(from error: any Error) -> Problem? {
        guard let error = error as? PostgresError else { return nil }
        let message = error.message.trimmingCharacters(in: .whitespacesAndNewlines)
        switch error.sqlState {
        case "42P01", "42703", "42883": return .unmigrated(message)  // undefined table, column, function
        case "42501": return .refused(message)  // insufficient privilege
        case let state? where state.hasPrefix("28"): return .refused(message)  // invalid authorization
        case "3D000": return .refused(message)  // the database does not exist
        default: break
        }
        guard error.isConnectionError else { return nil }
        // libpq reports a refused login as a failed connection without an SQLSTATE.
        let refusals = ["does not exist", "authentication failed", "no pg_hba.conf entry", "permission denied", "password"]
        if refusals.contains(where: { message.contains($0) }) { return .refused(message) }
        return .unreachable(message)
    }

    /// Call with any error of a PostgreSQL operation; only errors about the database count.
    public func observe(_ error: any Error) {
        guard let problem = Self.problem(from: error) else { return }
        set(problem)
    }

    /// Call after a PostgreSQL operation succeeded. Only the probe clears a schema or
    /// permission problem: one statement that works says nothing about the others.
    public func observeSuccess() {
        guard case .unreachable = problem else { return }
        set(nil)
    }

    private func set(_ new: Problem?) {
        let (old, outage): (Problem?, Duration?) = state.withLock { s in
            let old = s.problem
            guard old != new else { return (old, nil) }
            let outage = ContinuousClock.now - s.since
            s.problem = new
            s.since = .now
            return (old, outage)
        }
        guard old != new else { return }
        if let new {
            logger.error("PostgreSQL not usable; pausing consumption", metadata: ["problem": "\(new)"])
        } else {
            logger.notice("PostgreSQL usable again; resuming", metadata: ["outage": "\(outage ?? .zero)"])
        }
    }

    /// One probe: connection, schema version and access to the worker's tables.
    public func probe(pool: PostgresPool) async {
        let required = requiredSchemaVersion
        do {
            let version = try await pool.withConnection { connection in
                let version = try connection.query("SELECT coalesce(max(version), 0) AS version FROM schema_migrations")
                    .first?.int("version") ?? 0
                // Every table the worker reads or writes, so a missing grant shows here too.
                _ = try connection.query("""
                    SELECT 1 FROM verification_requests, verification_results, vendor_calls, outbox, request_claims, decision_history, decision_policies WHERE false
                    """)
                return version
            }
            if version < required {
                set(.unmigrated("the schema is at version \(version), this worker needs \(required)"))
            } else {
                set(nil)
            }
        } catch {
            set(Self.problem(from: error) ?? .unreachable("\(error)"))
        }
    }

    /// Probes every `interval` until the task is cancelled.
    public func runProbe(pool: PostgresPool, interval: Duration = .seconds(2)) async {
        while !Task.isCancelled {
            await probe(pool: pool)
            try? await Task.sleep(for: interval)
        }
    }
}

/// The database probe as a service of the worker's group: probes every `interval` until
/// graceful shutdown.
public struct DatabaseProbe: Service {
    public var health: DatabaseHealth
    public var pool: PostgresPool
    public var interval: Duration

    public init(health: DatabaseHealth, pool: PostgresPool, interval: Duration = .seconds(2)) {
        self.health = health
        self.pool = pool
        self.interval = interval
    }

    public func run() async {
        await cancelWhenGracefulShutdown { await health.runProbe(pool: pool, interval: interval) }
    }
}
