import Foundation
import Logging
import Metrics
import Pipeline
import Postgres
import ServiceLifecycle
import Synchronization

/// `OKAYFACE_FLEET_MAX_RPS` (README, One vendor budget): the OkayFace Plus calls of every
/// replica that shares the database and the vendor account come out of one token bucket in
/// PostgreSQL (`vendor_budget`, migration 0007). Callers wait here in line; one loop leases
/// as many calls as are waiting (a tenth of a second's worth at most) with one statement and
/// hands them out, so the database sees a few statements per second, not one per call. A quota
/// answer drops the fleet's rate at once, and a long `Retry-After` pauses it (the SQL
/// functions hold the arithmetic). A lease that fails (PostgreSQL away) is tried again after
/// a second; the callers wait meanwhile, their deadlines running.
public final class FleetBudget: VendorBudget, Service {
    /// `Retry-After` at or above this pauses the whole fleet until it ends; shorter ones only
    /// drop the rate (and the refused call waits them out).
    public static let pauseThreshold: Duration = .seconds(5)
    /// How long the loop sleeps at most before it leases again when nothing was granted.
    static let longestWait: Duration = .milliseconds(250)

    public let ceiling: Double
    /// The row's name: the vendor account the quota belongs to.
    public let name: String
    private let pool: PostgresPool
    private let logger: Logger
    private let state = Mutex(State())
    private let rateGauge = Gauge(label: "okayface_fleet_budget_rate")
    private let leases = Counter(label: "okayface_fleet_budget_leases_total")
    private let throttleCounter = Counter(label: "okayface_fleet_budget_throttles_total")

    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<VendorBudgetGrant, any Error>
    }

    private struct State {
        var waiters: [Waiter] = []
        var lastId: UInt64 = 0
        /// Cancelled before their continuation was in line: they leave when they get there.
        var cancelled: Set<UInt64> = []
        var throttles: [(VendorBudgetGrant, Duration?)] = []
        var wake: CheckedContinuation<Void, Never>?
        var closed = false
    }

    /// - Parameter pool: the budget's own connection, so a lease never waits behind the
    ///   decision writers.
    public init(ceiling: Double, account: String, pool: PostgresPool, logger: Logger) {
        self.ceiling = ceiling
        name = "okayface:" + account
        self.pool = pool
        self.logger = logger
    }

    public func acquire() async throws -> VendorBudgetGrant {
        try Task.checkCancellation()
        let id = state.withLock { s in
            s.lastId += 1
            return s.lastId
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<VendorBudgetGrant, any Error>) in
                let (refused, wake): (Bool, CheckedContinuation<Void, Never>?) = state.withLock { s in
                    if s.closed || s.cancelled.remove(id) != nil { return (true, nil) }
                    s.waiters.append(Waiter(id: id, continuation: continuation))
                    defer { s.wake = nil }
                    return (false, s.wake)
                }
                if refused { continuation.resume(throwing: CancellationError()) }
                wake?.resume()
            }
        } onCancel: {
            let waiting: CheckedContinuation<VendorBudgetGrant, any Error>? = state.withLock { s in
                guard let index = s.waiters.firstIndex(where: { $0.id == id }) else {
                    s.cancelled.insert(id)
                    return nil
                }
                return s.waiters.remove(at: index).continuation
            }
            waiting?.resume(throwing: CancellationError())
        }
    }

    public func throttled(_ grant: VendorBudgetGrant, retryAfter: Duration?) {
        throttleCounter.increment()
        let wake = state.withLock { s in
            s.throttles.append((grant, retryAfter))
            defer { s.wake = nil }
            return s.wake
        }
        wake?.resume()
    }

    /// The lease loop, until graceful shutdown; then every caller still waiting is told
    /// `CancellationError`. The worker lists the budget before the consumer, so the group
    /// stops it only once the consumer has finished its last requests.
    public func run() async {
        await withGracefulShutdownHandler {
            await loop()
        } onGracefulShutdown: {
            self.close()
        }
    }

    func close() {
        let (waiters, wake) = state.withLock { s in
            s.closed = true
            defer { s.waiters = []; s.wake = nil }
            return (s.waiters, s.wake)
        }
        for waiter in waiters { waiter.continuation.resume(throwing: CancellationError()) }
        wake?.resume()
    }

    private func loop() async {
        var failures = 0
        while !Task.isCancelled {
            let (wanted, throttles, closed) = state.withLock { s in
                defer { s.throttles = [] }
                return (s.waiters.count, s.throttles, s.closed)
            }
            if closed { return }
            if wanted == 0 && throttles.isEmpty {
                await withCheckedContinuation { (wake: CheckedContinuation<Void, Never>) in
                    let now = state.withLock { s -> Bool in
                        if s.closed || !s.waiters.isEmpty || !s.throttles.isEmpty { return true }
                        s.wake = wake
                        return false
                    }
                    if now { wake.resume() }
                }
                continue
            }
            do {
                try await report(throttles)
                guard wanted > 0 else { continue }
                let lease = try await self.lease(wanted)
                failures = 0
                leases.increment()
                rateGauge.record(lease.rate)
                hand(lease.granted, generation: lease.generation)
                if lease.granted < wanted {
                    let wait = min(max(.milliseconds(Int64(lease.wait * 1000)), .milliseconds(2)), Self.longestWait)
                    try await Task.sleep(for: wait)
                }
            } catch is CancellationError {
                break
            } catch {
                failures += 1
                if failures == 1 || failures % 30 == 0 {
                    logger.error("vendor budget lease failed, will retry", metadata: ["error": "\(error)", "failures": "\(failures)"])
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
        close()
    }

    /// Resumes the first `count` waiters, in the order they came.
    private func hand(_ count: Int, generation: Int64) {
        guard count > 0 else { return }
        let served = state.withLock { s in
            let served = Array(s.waiters.prefix(count))
            s.waiters.removeFirst(served.count)
            return served
        }
        for waiter in served { waiter.continuation.resume(returning: VendorBudgetGrant(generation: generation)) }
    }

    private struct Lease {
        var granted: Int
        var generation: Int64
        var rate: Double
        var wait: Double
    }

    private func lease(_ wanted: Int) async throws -> Lease {
        let (name, ceiling) = (self.name, self.ceiling)
        return try await pool.withConnection { connection in
            guard let row = try connection.query(FleetBudgetSQL.lease(budget: name, ceiling: ceiling, wanted: min(wanted, 10_000))).first else {
                throw PostgresError(message: "the vendor budget lease answered no row")
            }
            return Lease(
                granted: row.int("granted_calls") ?? 0, generation: Int64(row.int("grant_generation") ?? 0),
                rate: row.double("fleet_rate") ?? 0, wait: row.double("wait_seconds") ?? 0.05)
        }
    }

    /// One statement per generation reported: further quota answers under it change nothing.
    private func report(_ throttles: [(VendorBudgetGrant, Duration?)]) async throws {
        guard !throttles.isEmpty else { return }
        var byGeneration: [Int64: Duration] = [:]
        for (grant, retryAfter) in throttles {
            byGeneration[grant.generation] = max(byGeneration[grant.generation] ?? .zero, retryAfter ?? .zero)
        }
        let (name, ceiling) = (self.name, self.ceiling)
        for (generation, retryAfter) in byGeneration.sorted(by: { $0.key < $1.key }) {
            let pause = retryAfter >= Self.pauseThreshold ? Double(retryAfter.components.seconds) : 0
            let rate = try await pool.withConnection { connection in
                try connection.query(FleetBudgetSQL.throttled(budget: name, ceiling: ceiling, generation: generation, pauseSeconds: pause))
                    .first?.double("rate")
            }
            if let rate { rateGauge.record(rate) }
            logger.notice(
                "vendor quota answer: the fleet's rate drops",
                metadata: ["rate": "\(rate.map { String(format: "%.2f", $0) } ?? "?")", "generation": "\(generation)", "pauseSeconds": "\(pause)"])
        }
    }
}

/// The statements of ``FleetBudget``: the SQL functions of migration 0007 do the arithmetic
/// under the row's lock.
enum FleetBudgetSQL {
    static func lease(budget: String, ceiling: Double, wanted: Int) -> PostgresQuery {
        "SELECT * FROM okayface_vendor_budget_lease(\(budget), \(ceiling)::double precision, \(wanted)::integer)"
    }

    static func throttled(budget: String, ceiling: Double, generation: Int64, pauseSeconds: Double) -> PostgresQuery {
        """
        SELECT okayface_vendor_budget_throttled(\(budget), \(ceiling)::double precision, \(generation)::bigint,
                                                \(pauseSeconds)::double precision) AS rate
        """
    }
}
