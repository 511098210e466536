import Foundation
import Synchronization
import TestSupport
import Testing

@testable import Postgres

/// The pool runs jobs on its own threads, in parallel, and survives lost sessions.
@Suite(.offCooperativePool) struct PoolTests {
    @Test func jobsRunInParallelOnPoolThreads() async throws {
        try await TestDatabase.with { database in
            let pool = PostgresPool(url: database.url, size: 4, logger: testLogger)
            defer { pool.close() }
            typealias Run = (pid: Int, thread: String, start: Date, end: Date)
            let runs = try await withThrowingTaskGroup(of: Run.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await pool.withConnection { connection in
                            let before = try connection.query("SELECT pg_backend_pid() AS pid, clock_timestamp() AS at").first
                            let after = try connection.query("SELECT pg_sleep(1), clock_timestamp() AS at").first
                            return (before?.int("pid") ?? 0, Thread.current.name ?? "",
                                    before?.date("at") ?? .distantFuture, after?.date("at") ?? .distantPast)
                        }
                    }
                }
                return try await group.reduce(into: [Run]()) { $0.append($1) }
            }
            #expect(Set(runs.map(\.pid)).count == 4, "four sessions")
            #expect(runs.allSatisfy { $0.thread.hasPrefix("okf-pg-") }, "\(runs.map(\.thread))")
            // Measured by the server, so a loaded machine cannot fake or spoil it: all four sleeps overlapped.
            #expect(runs.map(\.start).max()! < runs.map(\.end).min()!)
        }
    }

    @Test func manyConcurrentJobsAllComplete() async throws {
        try await TestDatabase.with { database in
            let pool = PostgresPool(url: database.url, size: 4, logger: testLogger)
            defer { pool.close() }
            try await pool.withConnection { try $0.execute("CREATE TABLE jobs (n int PRIMARY KEY, thread text)") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<400 {
                    group.addTask {
                        try await pool.withConnection { connection in
                            _ = try connection.query("INSERT INTO jobs VALUES (\(n), \(Thread.current.name ?? "?"))")
                        }
                    }
                }
                try await group.waitForAll()
            }
            let rows = try await pool.withConnection { connection in
                try connection.query("SELECT count(*) AS n, count(DISTINCT thread) AS threads, bool_and(thread LIKE 'okf-pg-%') AS ours FROM jobs")
            }
            #expect(rows.first?.int("n") == 400)
            #expect(rows.first?.bool("ours") == true)
            #expect((rows.first?.int("threads") ?? 0) > 1)
        }
    }

    @Test func transactionCommitsOrRollsBack() async throws {
        try await TestDatabase.with { database in
            let pool = PostgresPool(url: database.url, size: 2, logger: testLogger)
            defer { pool.close() }
            try await pool.withConnection { try $0.execute("CREATE TABLE t (n int PRIMARY KEY)") }

            await #expect(throws: IntentionalFailure.self) {
                try await pool.transaction { connection in
                    try connection.query("INSERT INTO t VALUES (\(1))")
                    throw IntentionalFailure()
                }
            }
            try await pool.transaction { connection in
                try connection.query("INSERT INTO t VALUES (\(2))")
                try connection.query("INSERT INTO t VALUES (\(3))")
            }
            // A failed statement the body swallowed turns COMMIT into ROLLBACK: reported, not hidden.
            await #expect(throws: PostgresError.self) {
                try await pool.transaction { connection in
                    try connection.query("INSERT INTO t VALUES (\(4))")
                    _ = try? connection.query("INSERT INTO t VALUES (\(2))")
                }
            }
            let rows = try await pool.withConnection { try $0.query("SELECT n FROM t ORDER BY n") }
            #expect(rows.compactMap { $0.int("n") } == [2, 3])
        }
    }

    @Test func aTransactionLeftOpenIsRolledBackBeforeTheNextJob() async throws {
        try await TestDatabase.with { database in
            let pool = PostgresPool(url: database.url, size: 1, logger: testLogger)
            defer { pool.close() }
            try await pool.withConnection { try $0.execute("CREATE TABLE t (n int)") }
            try await pool.withConnection { connection in
                try connection.execute("BEGIN")
                try connection.query("INSERT INTO t VALUES (\(1))")
            }
            let status = try await pool.withConnection { connection in
                try connection.query("SELECT count(*) AS n FROM t").first
            }
            #expect(status?.int("n") == 0)
        }
    }

    @Test func reconnectsAfterItsSessionsAreTerminated() async throws {
        try await TestDatabase.with { database in
            let pool = PostgresPool(url: database.url, size: 3, logger: testLogger)
            defer { pool.close() }
            let pidsBefore = try await backendPIDs(pool, jobs: 3)
            #expect(pidsBefore.count == 3)

            let admin = try database.connect()
            try admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
            try await waitUntil("terminated sessions are gone") {
                try admin.query("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()").first?.int("n") == 0
            }

            // A thread notices a dead session before handing it to a job (see the probe test);
            // if the socket has not closed yet, that one job fails with a connection error.
            let firstRound = try await withThrowingTaskGroup(of: PostgresError?.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        do {
                            try await pool.withConnection { try $0.query("SELECT pg_sleep(0.1)") }
                            return nil
                        } catch let error as PostgresError {
                            return error
                        }
                    }
                }
                return try await group.reduce(into: [PostgresError]()) { if let error = $1 { $0.append(error) } }
            }
            #expect(firstRound.allSatisfy { $0.isConnectionError }, "\(firstRound)")

            // After that every connection has been replaced.
            let pidsAfter = try await backendPIDs(pool, jobs: 3)
            #expect(pidsAfter.count == 3)
            #expect(pidsAfter.isDisjoint(with: pidsBefore))
        }
    }

    @Test func aJobThatLosesItsSessionFailsAndTheNextJobReconnects() async throws {
        try await TestDatabase.with { database in
            let pool = PostgresPool(url: database.url, size: 1, logger: testLogger)
            defer { pool.close() }
            let pid = try await pool.withConnection { try $0.query("SELECT pg_backend_pid() AS pid").first?.int("pid") }
            let error = await #expect(throws: PostgresError.self) {
                try await pool.withConnection { try $0.query("SELECT pg_terminate_backend(pg_backend_pid())") }
            }
            #expect(error?.isConnectionError == true)
            let newPID = try await pool.withConnection { try $0.query("SELECT pg_backend_pid() AS pid").first?.int("pid") }
            #expect(newPID != nil && newPID != pid)
        }
    }

    @Test func aDownServerFailsJobsPromptlyInsteadOfHanging() async throws {
        let pool = PostgresPool(url: "postgresql://postgres@127.0.0.1:1/okayface", size: 1, logger: testLogger)
        defer { pool.close() }
        let start = ContinuousClock.now
        for _ in 0..<3 {
            let error = await #expect(throws: PostgresError.self) {
                try await pool.withConnection { try $0.query("SELECT 1") }
            }
            #expect(error?.isConnectionError == true)
        }
        // Three refused connects with 50/100 ms backoff take well under a second; the generous
        // bound allows for a loaded machine (11 s was seen in a fresh-clone CI run) while still
        // telling "fails" from "hangs".
        #expect(ContinuousClock.now - start < .seconds(30))
    }

    @Test func closeFinishesQueuedJobsAndRejectsNewOnes() async throws {
        try await TestDatabase.with { database in
            let pool = PostgresPool(url: database.url, size: 1, logger: testLogger)
            let finished = Counter()
            let started = Counter()
            let gate = Counter()
            let submitted = Counter()
            try await withThrowingTaskGroup(of: Void.self) { group in
                // The first job holds the only thread, so the others wait in the queue.
                group.addTask {
                    try await pool.withConnection { connection in
                        started.increment()
                        // Held until the test opens the gate, so timing cannot let it finish early.
                        while gate.value == 0 { usleep(1000) }
                        try connection.query("SELECT 1")
                        finished.increment()
                    }
                }
                while started.value < 1 { try await Task.sleep(for: .milliseconds(5)) }
                for _ in 1..<5 {
                    group.addTask {
                        submitted.increment()
                        try await pool.withConnection { connection in
                            try connection.query("SELECT 1")
                            finished.increment()
                        }
                    }
                }
                while submitted.value < 4 { try await Task.sleep(for: .milliseconds(5)) }
                // Room for the four to reach the queue behind the held job.
                try await Task.sleep(for: .milliseconds(100))
                #expect(finished.value == 0)
                // A plain thread opens the gate: close() below blocks this cooperative thread.
                Thread {
                    usleep(200_000)
                    gate.increment()
                }.start()
                pool.close()  // waits for the held job and the four queued ones
                try await group.waitForAll()
            }
            #expect(finished.value == 5)
            pool.close()  // idempotent
            await #expect(throws: PostgresError.self) {
                try await pool.withConnection { _ in 1 }
            }
        }
    }

    private func backendPIDs(_ pool: PostgresPool, jobs: Int) async throws -> Set<Int> {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<jobs {
                group.addTask {
                    // The sleep keeps every connection busy so each job lands on its own thread.
                    try await pool.withConnection { try $0.query("SELECT pg_backend_pid() AS pid, pg_sleep(0.3)").first?.int("pid") ?? 0 }
                }
            }
            return try await group.reduce(into: Set<Int>()) { $0.insert($1) }
        }
    }
}

/// A thread-safe count shared by test tasks (a `Mutex` alone cannot be captured: it is not copyable).
final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
