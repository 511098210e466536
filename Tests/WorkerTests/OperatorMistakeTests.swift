import Blocking
import Foundation
import Postgres
import Simulator
import TestSupport
import Testing
import Worker

/// An operator's mistake or an outage is never a customer's decision: the worker holds its
/// requests, `/readyz` says why, and once the cause is fixed they are decided as if nothing
/// had happened.
@Suite(.timeLimit(.minutes(4)), .offCooperativePool)
struct OperatorMistakeTests {
    /// Waits until `/readyz` answers `status` with a body containing `text`; returns the body.
    @discardableResult
    func readiness(_ worker: RunningWorker, _ stack: TestStack, _ status: Int, containing text: String = "") async throws -> String {
        var last = (status: 0, body: "")
        do {
            try await stack.waitUntil("/readyz \(status) containing \(text)", timeout: .seconds(60)) {
                last = try await worker.get("readyz")
                return last.status == status && (text.isEmpty || last.body.contains(text))
            }
        } catch {
            Issue.record("last /readyz: \(last.status) \(last.body)")
            throw error
        }
        return last.body
    }

    @Test func aWrongVendorPasswordHoldsRequestsUntilARestartWithTheRightOne() async throws {
        let stack = try await TestStack()
        let wrong = try stack.startWorker(["OKAYFACE_PASSWORD": "not-the-password"])
        try await stack.publish(stack.request("held-1"))
        try await stack.publish(stack.request("held-2"))
        let body = try await readiness(wrong, stack, 503, containing: "INCORRECT_PASSWORD")
        #expect(body.contains(#""state":"refused""#), "\(body)")
        // Held, not decided: nothing in the results table, nothing on the results topic.
        #expect(try await stack.count("SELECT count(*) FROM verification_results") == 0)
        try await wrong.stop()

        let right = try stack.startWorker()
        try await stack.waitForDecisions(2)
        #expect(try await stack.count("SELECT count(*) FROM verification_results WHERE decision = 'approved'") == 2)
        try await readiness(right, stack, 200, containing: #""state":"accepted""#)
        try await right.stop()
        await stack.close()
    }

    /// Restarts while requests are held (an operator trying settings, a rolling deploy) take
    /// their runs back: more restarts than WORKER_MAX_PROCESSING_RUNS make none of them poison,
    /// and each stop leaves the waiting requests at once instead of waiting out the grace.
    @Test func restartsWhileRequestsAreHeldNeverMakeThemPoison() async throws {
        let stack = try await TestStack()
        let ids = ["restart-held-1", "restart-held-2"]
        for id in ids { try await stack.publish(stack.request(id)) }
        let overrides = ["WORKER_MAX_PROCESSING_RUNS": "2", "WORKER_SHUTDOWN_GRACE_MS": "60000"]
        for round in 1...4 {
            let wrong = try stack.startWorker(overrides.merging(["OKAYFACE_PASSWORD": "not-the-password"]) { _, new in new })
            try await readiness(wrong, stack, 503, containing: "INCORRECT_PASSWORD")
            try await stack.waitUntil("round \(round): both requests claimed and waiting") {
                try await stack.count("SELECT count(*) FROM request_claims WHERE runs > 0") == ids.count
            }
            let stopping = ContinuousClock.now
            try await wrong.stop()
            let stopped = ContinuousClock.now - stopping
            #expect(stopped < .seconds(30), "round \(round): a worker holding requests took \(stopped) to stop (grace 60 s)")
            #expect(try await stack.count("SELECT count(*) FROM request_claims WHERE runs > 0") == 0, "round \(round): the runs were not taken back")
        }
        #expect(try await stack.count("SELECT count(*) FROM verification_results") == 0)

        let right = try stack.startWorker(overrides)
        try await stack.waitForDecisions(ids.count)
        #expect(try await stack.count("SELECT count(*) FROM verification_results WHERE decision = 'approved'") == ids.count)
        try await right.stop()
        await stack.close()
    }

    /// A wrong host or port in the base URL gets no HTTP answer at all: a worker started with
    /// it is not ready (the cause names OKAYFACE_BASE_URL), and decides nothing.
    @Test func aBaseURLThatNeverAnswersIsNotReady() async throws {
        let stack = try await TestStack()
        let worker = try stack.startWorker(["OKAYFACE_BASE_URL": "http://127.0.0.1:1"])
        try await stack.publish(stack.request("no-answer-1"))
        let body = try await readiness(worker, stack, 503, containing: "has not answered since start-up")
        #expect(body.contains("OKAYFACE_BASE_URL http://127.0.0.1:1"), "\(body)")
        #expect(try await stack.count("SELECT count(*) FROM verification_results") == 0)
        try await worker.stop()
        await stack.close()
    }

    @Test func aTypoInTheVendorURLHoldsRequestsUntilItIsFixed() async throws {
        let stack = try await TestStack()
        let journey = try await stack.createJourney()
        let typo = try stack.startWorker(["OKAYFACE_BASE_URL": stack.simulator.baseURL + "/ekyc-typo"])
        // One with a journey (OkayFace Plus answers 404), one without (Create JourneyID does).
        try await stack.publish(stack.request("typo-1", journeyId: journey))
        try await stack.publish(stack.request("typo-2"))
        try await readiness(typo, stack, 503, containing: "HTTP_404")
        #expect(try await stack.count("SELECT count(*) FROM verification_results") == 0)
        try await typo.stop()

        let fixed = try stack.startWorker()
        try await stack.waitForDecisions(2)
        #expect(try await stack.count("SELECT count(*) FROM verification_results WHERE decision = 'approved'") == 2)
        try await fixed.stop()
        await stack.close()
    }

    /// While the circuit is open no deadline runs: an outage several times longer than the
    /// request deadline ends no request as an error, and `attempts` counts the calls made.
    @Test func anOutageLongerThanTheDeadlineDecidesNothingAsAnError() async throws {
        let stack = try await TestStack()
        let journeys = [try await stack.createJourney(), try await stack.createJourney(), try await stack.createJourney()]
        stack.simulator.update { $0.transientErrorRate = 1 }
        let deadline = Duration.seconds(3)
        let worker = try stack.startWorker([
            "WORKER_REQUEST_DEADLINE_MS": "3000", "OKAYFACE_MAX_ATTEMPTS": "3", "OKAYFACE_CIRCUIT_FAILURES": "3",
            "OKAYFACE_CIRCUIT_OPEN_MS": "400", "OKAYFACE_CIRCUIT_MAX_OPEN_MS": "800",
        ])
        let outageStarted = ContinuousClock.now
        for (n, journey) in journeys.enumerated() { try await stack.publish(stack.request("outage-\(n)", journeyId: journey)) }
        // The circuit lets about one probe through per open period, so 30 failed calls take
        // several deadlines' worth of outage.
        try await stack.waitUntil("30 failed vendor calls", timeout: .seconds(120)) { stack.simulator.stats().okayFaceErrors >= 30 }
        let outage = ContinuousClock.now - outageStarted
        #expect(outage > deadline * 2, "the outage lasted \(outage), not long enough to show anything")
        #expect(try await stack.count("SELECT count(*) FROM verification_results") == 0)

        stack.simulator.update { $0.transientErrorRate = 0 }
        try await stack.waitForDecisions(3)
        let rows = try await stack.query("SELECT request_id, decision, attempts FROM verification_results ORDER BY request_id")
        #expect(rows.map { $0.string("decision") } == ["approved", "approved", "approved"])
        // `attempts` is every call made; a request may have waited out the whole outage on
        // the open circuit and made its only call after it.
        var total = 0
        for row in rows {
            let id = try #require(row.string("request_id"))
            let calls = try await stack.count(
                "SELECT count(*) FROM vendor_calls WHERE request_id = \(id) AND endpoint = 'okayface_plus_v1'")
            #expect(row.int("attempts") == calls && calls >= 1, "\(id): attempts \(row.int("attempts") ?? -1), calls \(calls)")
            total += calls
        }
        #expect(total >= 30 + 3, "\(total) calls recorded for 30 failures and 3 successes")
        try await worker.stop()
        await stack.close()
    }

    @Test func anUnmigratedDatabaseIsNotReadyAndHoldsRequestsUntilMigrated() async throws {
        let stack = try await TestStack()
        let blank = try await TestStack.blankDatabase()
        let worker = try stack.startWorker(["DATABASE_URL": TestStack.withPassword(blank)])
        try await stack.publish(stack.request("before-migrate"))
        try await readiness(worker, stack, 503, containing: "not migrated")

        _ = try await BlockingWork.run { [logger = stack.logger] in
            try DatabaseMigrations.migrate(databaseURL: blank, directory: TestStack.root + "/migrations", logger: logger)
        }
        try await readiness(worker, stack, 200)
        try await stack.waitUntil("the held request decided in the migrated database", timeout: .seconds(60)) {
            try await BlockingWork.run {
                let connection = try PostgresConnection(url: blank)
                defer { connection.close() }
                return try connection.query("SELECT decision FROM verification_results WHERE request_id = 'before-migrate'")
                    .first?.string("decision") == "approved"
            }
        }
        try await worker.stop()
        await stack.close()
    }

    @Test func aRoleThatDoesNotExistIsNotReady() async throws {
        let stack = try await TestStack()
        guard let scheme = stack.databaseURL.range(of: "://"), let at = stack.databaseURL[scheme.upperBound...].firstIndex(of: "@") else {
            Issue.record("unexpected DATABASE_URL form")
            return
        }
        let url = String(stack.databaseURL[..<scheme.upperBound]) + "no_such_role_xyz" + String(stack.databaseURL[at...])
        let worker = try stack.startWorker(["DATABASE_URL": url])
        let body = try await readiness(worker, stack, 503, containing: "refused")
        #expect(body.contains("no_such_role_xyz"), "\(body)")
        try await worker.stop()
        await stack.close()
    }

    /// An idle worker (nothing left to decide) is not ready within seconds of PostgreSQL
    /// stopping: its probe finds out, not its next request. Ready again once it is back.
    @Test func anIdleWorkerIsNotReadySoonAfterPostgreSQLStops() async throws {
        let postgres = try await PrivatePostgres.start()
        let stack = try await TestStack(databaseServer: postgres.url)
        let worker = try stack.startWorker()
        try await stack.publish(stack.request("idle-before"))
        try await stack.waitForDecisions(1)
        try await readiness(worker, stack, 200)

        try await postgres.stop()
        let stoppedAt = ContinuousClock.now
        let body = try await readiness(worker, stack, 503, containing: "unreachable")
        let noticed = ContinuousClock.now - stoppedAt
        // The probe runs every 2 s with a 2 s bound on its own wait; generous for a loaded machine.
        #expect(noticed < .seconds(15), "an idle worker noticed PostgreSQL stopping after \(noticed): \(body)")
        #expect(try await worker.health("livez") == 200)

        try await postgres.start()
        try await readiness(worker, stack, 200)
        try await stack.publish(stack.request("idle-after"))
        try await stack.waitForDecisions(2)
        print("an idle worker was not ready \(noticed) after PostgreSQL stopped")
        try await worker.stop()
        await stack.close()
        await postgres.destroy()
    }

    /// A replica that holds no partition (a standby of a larger group) is ready.
    @Test func aStandbyReplicaWithoutPartitionsIsReady() async throws {
        let stack = try await TestStack(partitions: 1)
        let first = try stack.startWorker()
        let second = try stack.startWorker()
        try await stack.publish(stack.request("one"))
        try await stack.waitForDecisions(1)
        let bodies = [try await readiness(first, stack, 200), try await readiness(second, stack, 200)]
        #expect(bodies.contains { $0.contains(#""assigned":0"#) }, "\(bodies)")
        try await first.stop()
        try await second.stop()
        await stack.close()
    }
}
